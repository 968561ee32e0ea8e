// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-window.h
 *
 * Copyright 2026 The Sluice Developers
 */

#pragma once

#include <adwaita.h>

#include "sluice-application.h"
#include "sluice-document.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_WINDOW (sluice_window_get_type ())

G_DECLARE_FINAL_TYPE (SluiceWindow, sluice_window, SLUICE, WINDOW, AdwApplicationWindow)

SluiceWindow   *sluice_window_new          (SluiceApplication *application);
gboolean        sluice_window_open_file    (SluiceWindow      *self,
                                            GFile             *file);
gboolean        sluice_window_open_template (SluiceWindow     *self,
                                            const char        *path);
gboolean        sluice_window_is_blank     (SluiceWindow      *self);
SluiceDocument *sluice_window_get_document (SluiceWindow      *self);
gboolean        sluice_window_export_image (SluiceWindow      *self,
                                            const char        *path,
                                            GError           **error);
gboolean        sluice_window_dump_state   (SluiceWindow      *self,
                                            const char        *path,
                                            GError           **error);

G_END_DECLS
