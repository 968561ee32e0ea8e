// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

#include "sluice-document.h"
#include "sluice-run-status.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_CANVAS (sluice_canvas_get_type ())

G_DECLARE_FINAL_TYPE (SluiceCanvas, sluice_canvas, SLUICE, CANVAS, GtkWidget)

GtkWidget      *sluice_canvas_new            (void);
SluiceDocument *sluice_canvas_get_document   (SluiceCanvas   *self);
void            sluice_canvas_set_document   (SluiceCanvas   *self,
                                              SluiceDocument *document);
double          sluice_canvas_get_zoom       (SluiceCanvas   *self);
void            sluice_canvas_set_zoom       (SluiceCanvas   *self,
                                              double          zoom);
void            sluice_canvas_zoom_to_fit    (SluiceCanvas   *self);
void            sluice_canvas_reveal_step    (SluiceCanvas   *self,
                                              const char     *step_id);
// The centre of the visible area, in pipeline coordinates.
void            sluice_canvas_get_view_center (SluiceCanvas  *self,
                                               double        *x,
                                               double        *y);
void            sluice_canvas_delete_selection (SluiceCanvas *self);
// Read-only (a past run on show), the canvas refuses every change: moves,
// resizes, links, deletions, drops, notes and frames.
void            sluice_canvas_set_read_only    (SluiceCanvas *self,
                                                gboolean      read_only);
gboolean        sluice_canvas_get_read_only    (SluiceCanvas *self);
void            sluice_canvas_set_snap_to_grid (SluiceCanvas *self,
                                                gboolean      snap);
gboolean        sluice_canvas_export           (SluiceCanvas *self,
                                                const char   *path,
                                                GError      **error);
// Shows a run's states over the nodes and links (NULL clears them). Used
// for the live run and, read-only, for a past run.
void             sluice_canvas_set_run_status  (SluiceCanvas    *self,
                                                SluiceRunStatus *status);
SluiceRunStatus *sluice_canvas_get_run_status  (SluiceCanvas    *self);
gboolean        sluice_canvas_model_to_window  (SluiceCanvas *self,
                                                double        mx,
                                                double        my,
                                                double       *wx,
                                                double       *wy);

// Notes and frames: add, frame the selection, edit text in place.
void            sluice_canvas_add_note         (SluiceCanvas *self);
void            sluice_canvas_frame_selection  (SluiceCanvas *self);
void            sluice_canvas_edit_annotation  (SluiceCanvas *self,
                                                const char   *id);

G_END_DECLS
