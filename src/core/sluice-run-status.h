// SPDX-License-Identifier: GPL-3.0-or-later
//
// What is known about one run at this moment, built only from
// SluiceRunEvents (from a SluiceRunMonitor, local or remote, or replayed
// from the history for a past run): the run's state, each step's state,
// attempt, times, message and produced outputs, and counts per state.
// Batches of events change it at once and it says which steps changed, so
// a view redraws once per batch, not once per event.

#pragma once

#include <glib-object.h>

#include "sluice-run-event.h"
#include "sluice-state.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_STATUS (sluice_run_status_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunStatus, sluice_run_status, SLUICE, RUN_STATUS, GObject)

SluiceRunStatus *sluice_run_status_new               (gint64              run_id);
// The steps of the run's pipeline, so steps without events yet count as pending.
void             sluice_run_status_set_step_ids      (SluiceRunStatus    *self,
                                                      const char * const *step_ids);
// Applies a batch (SluiceRunEvent*, in order) and emits "changed" once
// with the ids of the steps whose state/attempt/outputs changed
// (a NULL-terminated char**; "" stands for the run itself).
void             sluice_run_status_apply             (SluiceRunStatus    *self,
                                                      GPtrArray          *events);
gint64           sluice_run_status_get_run_id        (SluiceRunStatus    *self);
SluiceState      sluice_run_status_get_state         (SluiceRunStatus    *self);
gint64           sluice_run_status_get_started_at    (SluiceRunStatus    *self);   // µs since epoch, 0 = not yet
gint64           sluice_run_status_get_finished_at   (SluiceRunStatus    *self);
SluiceState      sluice_run_status_get_step_state    (SluiceRunStatus    *self,
                                                      const char         *step_id);
guint            sluice_run_status_get_step_attempt  (SluiceRunStatus    *self,
                                                      const char         *step_id);
gint64           sluice_run_status_get_step_started_at  (SluiceRunStatus *self,
                                                      const char         *step_id);
gint64           sluice_run_status_get_step_finished_at (SluiceRunStatus *self,
                                                      const char         *step_id);
const char      *sluice_run_status_get_step_message  (SluiceRunStatus    *self,
                                                      const char         *step_id);
// The artifact hash a step produced on an output port, or NULL.
const char      *sluice_run_status_get_output_hash   (SluiceRunStatus    *self,
                                                      const char         *step_id,
                                                      const char         *port);
guint            sluice_run_status_get_n_steps       (SluiceRunStatus    *self);
// The steps in the order they became known (set_step_ids, then events).
const char      *sluice_run_status_get_step_id       (SluiceRunStatus    *self,
                                                      guint               position);
guint            sluice_run_status_count_state       (SluiceRunStatus    *self,
                                                      SluiceState         state);
// Steps that are final (succeeded, reused, failed, skipped, cancelled…).
guint            sluice_run_status_count_finished    (SluiceRunStatus    *self);

// Signals: "changed" (GStrv step_ids)

G_END_DECLS
