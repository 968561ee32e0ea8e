// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-palette.h
 *
 * Copyright 2026 The Sluice Developers
 */

#pragma once

#include <adwaita.h>

#include "sluice-component-registry.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_PALETTE (sluice_palette_get_type ())

G_DECLARE_FINAL_TYPE (SluicePalette, sluice_palette, SLUICE, PALETTE, GtkWidget)

GtkWidget *sluice_palette_new          (void);
void       sluice_palette_set_registry (SluicePalette           *self,
                                        SluiceComponentRegistry *registry);

G_END_DECLS
