// SPDX-License-Identifier: GPL-3.0-or-later
//
// Everything about one step of one run: its log (live while the run goes),
// outputs with previews, metrics, command line and input values. The
// history is read in a worker thread with its own connection; a running
// run's events come in through sluice_step_details_apply_events().

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_STEP_DETAILS (sluice_step_details_get_type ())

G_DECLARE_FINAL_TYPE (SluiceStepDetails, sluice_step_details, SLUICE, STEP_DETAILS, GtkWidget)

GtkWidget  *sluice_step_details_new               (void);
// The run to show (run_id 0: none, and the newest run of the pipeline
// file is shown instead, when there is one).
void        sluice_step_details_set_run           (SluiceStepDetails *self,
                                                   const char        *history_path,
                                                   gint64             run_id);
// A run on the server remote_name, shown from the events passed to
// sluice_step_details_apply_events() (its stream starts at the run's
// first event): states, logs, metrics, and outputs without previews.
void        sluice_step_details_set_remote_run    (SluiceStepDetails *self,
                                                   const char        *remote_name,
                                                   gint64             run_id);
// The pipeline file whose newest run is shown while no run is set.
void        sluice_step_details_set_pipeline_file (SluiceStepDetails *self,
                                                   const char        *history_path,
                                                   const char        *pipeline_file);
void        sluice_step_details_set_step          (SluiceStepDetails *self,
                                                   const char        *step_id);
// A batch of SluiceRunEvent* from a SluiceRunMonitor; events of other
// runs and steps are skipped.
void        sluice_step_details_apply_events      (SluiceStepDetails *self,
                                                   GPtrArray         *events);
// Re-reads the shown run (for instance after a run finished elsewhere).
void        sluice_step_details_reload            (SluiceStepDetails *self);
gint64      sluice_step_details_get_shown_run     (SluiceStepDetails *self);
gboolean    sluice_step_details_has_run           (SluiceStepDetails *self);
// For GUI tests: what the pane shows, and where its page buttons are in
// widget (window) coordinates.
void        sluice_step_details_dump              (SluiceStepDetails *self,
                                                   JsonBuilder       *builder,
                                                   GtkWidget         *relative_to);

G_END_DECLS
