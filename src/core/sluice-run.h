// SPDX-License-Identifier: GPL-3.0-or-later
//
// One execution of a pipeline on this machine: a tick state machine on the
// GLib main loop that starts steps as soon as their inputs are ready, up to
// a number of jobs, reuses steps whose reuse key matches an earlier
// success, records everything in the history, and reports it as events.

#pragma once

#include <gio/gio.h>

#include "sluice-artifact-store.h"
#include "sluice-component-registry.h"
#include "sluice-history.h"
#include "sluice-pipeline.h"
#include "sluice-run-event.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN (sluice_run_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRun, sluice_run, SLUICE, RUN, GObject)

SluiceRun   *sluice_run_new             (SluicePipeline          *pipeline,
                                         SluiceComponentRegistry *registry,
                                         SluiceArtifactStore     *store,
                                         SluiceHistory           *history);
void         sluice_run_set_jobs        (SluiceRun               *self,
                                         guint                    jobs);
// Overrides a pipeline input. Paths of file and folder inputs must be
// absolute (the CLI resolves them against the user's current folder).
void         sluice_run_set_input       (SluiceRun               *self,
                                         const char              *name,
                                         JsonNode                *value);
void         sluice_run_force_step      (SluiceRun               *self,
                                         const char              *step_id);
void         sluice_run_set_kill_grace  (SluiceRun               *self,
                                         guint                    milliseconds);
// Validates the pipeline and records the run (or, with resume_run_id, takes
// up an earlier run: its finished steps stay as they are). After this the
// run has an id.
gboolean     sluice_run_prepare         (SluiceRun               *self,
                                         gint64                   resume_run_id,
                                         GError                 **error);
void         sluice_run_execute_async   (SluiceRun               *self,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data);
SluiceState  sluice_run_execute_finish  (SluiceRun               *self,
                                         GAsyncResult            *result,
                                         GError                 **error);
void         sluice_run_cancel          (SluiceRun               *self);
gboolean     sluice_run_cancel_step     (SluiceRun               *self,
                                         const char              *step_id);
gint64       sluice_run_get_id          (SluiceRun               *self);
SluiceState  sluice_run_get_state       (SluiceRun               *self);
SluiceState  sluice_run_get_step_state  (SluiceRun               *self,
                                         const char              *step_id);

G_END_DECLS
