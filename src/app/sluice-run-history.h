// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

#include "sluice-history.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_HISTORY (sluice_run_history_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunHistory, sluice_run_history, SLUICE, RUN_HISTORY, GtkWidget)

GtkWidget     *sluice_run_history_new              (void);
// The history to list from; NULL shows nothing.
void           sluice_run_history_set_history      (SluiceRunHistory   *self,
                                                    SluiceHistory      *history);
SluiceHistory *sluice_run_history_get_history      (SluiceRunHistory   *self);
// Lists only the runs of the pipeline with this name (and, for runs
// recorded with an absolute file path, this file).
void           sluice_run_history_set_pipeline     (SluiceRunHistory   *self,
                                                    const char         *name,
                                                    const char         *file);
// Reads the history again now; it also does so every 2 s while mapped.
void           sluice_run_history_refresh          (SluiceRunHistory   *self);
// The run shown on the canvas (0 = none), as a selected row.
gint64         sluice_run_history_get_selected_run (SluiceRunHistory   *self);
void           sluice_run_history_select_run       (SluiceRunHistory   *self,
                                                    gint64              run_id);
// The runs ticked for comparison, newest first.
GArray        *sluice_run_history_get_checked_runs (SluiceRunHistory   *self);
void           sluice_run_history_set_checked      (SluiceRunHistory   *self,
                                                    gint64              run_id,
                                                    gboolean            checked);
// The listed run ids, newest first.
GArray        *sluice_run_history_get_run_ids      (SluiceRunHistory   *self);
// Where a row's check box / title is, in `relative_to`'s coordinates (tests).
gboolean       sluice_run_history_get_row_point    (SluiceRunHistory   *self,
                                                    gint64              run_id,
                                                    gboolean            check,
                                                    GtkWidget          *relative_to,
                                                    double             *x,
                                                    double             *y);

GtkWidget     *sluice_run_history_get_compare_button (SluiceRunHistory *self);
GtkWidget     *sluice_run_history_get_lineage_button (SluiceRunHistory *self);

// Signals: "run-activated" (gint64 run_id; 0 = back to editing),
//          "compare-requested", "lineage-requested" (gint64 run_id)

G_END_DECLS
