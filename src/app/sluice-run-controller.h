// SPDX-License-Identifier: GPL-3.0-or-later
//
// The window's side of running: starts a run of a saved pipeline through
// the detached runner, or attaches to one already recorded, and keeps a
// SluiceRunStatus up to date from a SluiceRunMonitor. The run lives in its
// own process; this only watches it and passes on requests to it.

#pragma once

#include <gio/gio.h>

#include "sluice.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_CONTROLLER (sluice_run_controller_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunController, sluice_run_controller, SLUICE, RUN_CONTROLLER, GObject)

SluiceRunController *sluice_run_controller_new             (void);
const char          *sluice_run_controller_get_store_root  (SluiceRunController *self);
// Records and starts a run of the pipeline saved at path, in a thread
// (validation and hashing may take a while), then attaches to it.
// inputs: name -> JsonNode*, or NULL. force_steps may be NULL.
void                 sluice_run_controller_start_async     (SluiceRunController *self,
                                                            const char          *path,
                                                            GHashTable          *inputs,
                                                            const char * const  *force_steps,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gint64               sluice_run_controller_start_finish    (SluiceRunController *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);
// Shows run_id: live if it is going on, else its final states.
gboolean             sluice_run_controller_attach          (SluiceRunController *self,
                                                            gint64               run_id,
                                                            GError             **error);
// The newest run of the pipeline file, or 0.
gint64               sluice_run_controller_find_latest_run (SluiceRunController *self,
                                                            const char          *path);
// The same, looking only at the runs of pipelines named pipeline_name
// (faster: records carry their pipeline).
gint64               sluice_run_controller_find_latest_run_named (SluiceRunController *self,
                                                                  const char          *path,
                                                                  const char          *pipeline_name);
void                 sluice_run_controller_clear           (SluiceRunController *self);
SluiceRunStatus     *sluice_run_controller_get_status      (SluiceRunController *self);
gboolean             sluice_run_controller_is_running      (SluiceRunController *self);
gboolean             sluice_run_controller_is_starting     (SluiceRunController *self);
gboolean             sluice_run_controller_cancel          (SluiceRunController *self,
                                                            GError             **error);
gboolean             sluice_run_controller_cancel_step     (SluiceRunController *self,
                                                            const char          *step_id,
                                                            GError             **error);
// Where the next run starts: NULL for this computer, else the name of a
// remote (sluice-remote-config). A remote run is uploaded, started there
// and followed through the server's event stream.
void                 sluice_run_controller_set_target      (SluiceRunController *self,
                                                            const char          *remote_name);
const char          *sluice_run_controller_get_target      (SluiceRunController *self);
// The remote the shown run lives on, or NULL for a local run.
const char          *sluice_run_controller_get_shown_remote (SluiceRunController *self);
// TRUE while the shown remote run's event stream is down (being retried).
gboolean             sluice_run_controller_get_disconnected (SluiceRunController *self);
// The inputs the shown run was given ({"name": value}), or NULL.
JsonObject          *sluice_run_controller_get_run_inputs  (SluiceRunController *self);

// Properties: "status" (SluiceRunStatus, notified when a run is attached or cleared),
//   "target" (string), "disconnected" (boolean)
// Signals: "finished" (SluiceState state, gboolean live) when the run shown
//   is over: live is FALSE for a run that was over when it was attached.
//   "events" (GPtrArray of SluiceRunEvent*): each batch the run's monitor reports.
//   "request-failed" (string message): a request sent on (cancelling a remote run) was refused.

G_END_DECLS
