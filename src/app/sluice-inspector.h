// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-inspector.h
 *
 * Copyright 2026 The Sluice Developers
 */

#pragma once

#include <adwaita.h>

#include "sluice-document.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_INSPECTOR (sluice_inspector_get_type ())

G_DECLARE_FINAL_TYPE (SluiceInspector, sluice_inspector, SLUICE, INSPECTOR, GtkWidget)

GtkWidget *sluice_inspector_new          (void);
void       sluice_inspector_set_document (SluiceInspector *self,
                                          SluiceDocument  *document);

G_END_DECLS
