// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-problems-view.h
 *
 * Copyright 2026 The Sluice Developers
 */

#pragma once

#include <adwaita.h>

#include "sluice-document.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_PROBLEMS_VIEW (sluice_problems_view_get_type ())

G_DECLARE_FINAL_TYPE (SluiceProblemsView, sluice_problems_view, SLUICE, PROBLEMS_VIEW, GtkWidget)

GtkWidget *sluice_problems_view_new             (void);
void       sluice_problems_view_set_document    (SluiceProblemsView *self,
                                                 SluiceDocument     *document);
guint      sluice_problems_view_get_count       (SluiceProblemsView *self);
guint      sluice_problems_view_get_error_count (SluiceProblemsView *self);

G_END_DECLS
