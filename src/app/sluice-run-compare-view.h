// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

#include "sluice-run-compare.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_COMPARE_VIEW (sluice_run_compare_view_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunCompareView, sluice_run_compare_view, SLUICE, RUN_COMPARE_VIEW, GtkWidget)

GtkWidget           *sluice_run_compare_view_new            (void);
// Compares the runs (oldest first reads best) and shows the result.
gboolean             sluice_run_compare_view_set_runs       (SluiceRunCompareView *self,
                                                             SluiceHistory        *history,
                                                             const gint64         *run_ids,
                                                             guint                 n_runs,
                                                             GError              **error);
SluiceRunComparison *sluice_run_compare_view_get_comparison (SluiceRunCompareView *self);
// Charts metric row `index` of the comparison, across runs or over its steps.
void                 sluice_run_compare_view_show_metric    (SluiceRunCompareView *self,
                                                             guint                 index,
                                                             gboolean              over_steps);

GtkWidget           *sluice_run_compare_view_get_chart      (SluiceRunCompareView *self);

// Signals: "lineage-requested" (gint64 run_id)

G_END_DECLS
