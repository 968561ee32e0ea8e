// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

#include "sluice-run-compare.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_LINEAGE_VIEW (sluice_lineage_view_get_type ())

G_DECLARE_FINAL_TYPE (SluiceLineageView, sluice_lineage_view, SLUICE, LINEAGE_VIEW, GtkWidget)

GtkWidget *sluice_lineage_view_new        (void);
// The lineage of the outputs of one step of a run, or (step_id NULL) of
// the run's final outputs: those no other step of the run read.
gboolean   sluice_lineage_view_show_run   (SluiceLineageView *self,
                                           SluiceHistory     *history,
                                           gint64             run_id,
                                           const char        *step_id,
                                           GError           **error);
guint      sluice_lineage_view_get_n_roots (SluiceLineageView *self);
// The tree as JSON (an array of sluice_lineage_to_json() roots), for tests.
JsonNode  *sluice_lineage_view_to_json    (SluiceLineageView *self);

G_END_DECLS
