// SPDX-License-Identifier: GPL-3.0-or-later
//
// A client for a Sluice server (sluice-server): upload pipelines, start and
// watch runs, publish, trigger and schedule, over its REST API under
// /api/v1. Every call is asynchronous; replies are the server's JSON
// objects. Errors the server reports come back as SLUICE_REMOTE_ERROR with
// its message. A watched run is a SluiceRunMonitor like a local one.

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sluice-pipeline-archive.h"
#include "sluice-run-monitor.h"

G_BEGIN_DECLS

#define SLUICE_REMOTE_ERROR (sluice_remote_error_quark ())

typedef enum
{
  SLUICE_REMOTE_ERROR_UNAUTHORIZED,   // 401: no token, or one the server does not know
  SLUICE_REMOTE_ERROR_FORBIDDEN,      // 403: the token's role may not do this
  SLUICE_REMOTE_ERROR_NOT_FOUND,      // 404
  SLUICE_REMOTE_ERROR_INVALID,        // 400, 409, 422: the request or pipeline is wrong
  SLUICE_REMOTE_ERROR_SERVER,         // 5xx, or a reply that is not what the API says
  SLUICE_REMOTE_ERROR_NETWORK,        // the server could not be reached
  SLUICE_REMOTE_ERROR_CONFIG,         // remotes.json or a token file is wrong
  SLUICE_REMOTE_ERROR_INSECURE,       // a token file others can read
} SluiceRemoteError;

GQuark sluice_remote_error_quark (void);

#define SLUICE_TYPE_REMOTE (sluice_remote_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRemote, sluice_remote, SLUICE, REMOTE, GObject)

// url: the server's address, like http://host:8080 (an /api/v1 suffix is
// not needed). token may be NULL for a server without authentication.
SluiceRemote *sluice_remote_new                 (const char             *url,
                                                 const char             *token,
                                                 GError                **error);
const char   *sluice_remote_get_url             (SluiceRemote           *self);

// Signals (for a banner while a watched run's stream is down):
//   "connection-lost" (SluiceRunMonitor *monitor, GError *error)
//                      the event stream broke; it is retried with backoff
//   "reconnected"     (SluiceRunMonitor *monitor)
//   "watch-failed"    (SluiceRunMonitor *monitor, GError *error)
//                      the server refused the stream (unknown run, bad
//                      token): no more retries

// Pipelines. The archive is packed in a worker thread.
void          sluice_remote_upload_pipeline_async   (SluiceRemote          *self,
                                                     SluicePipelineArchive *archive,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_upload_pipeline_finish  (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_list_pipelines_async    (SluiceRemote          *self,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_list_pipelines_finish   (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_get_pipeline_async      (SluiceRemote          *self,
                                                     const char            *pipeline_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_get_pipeline_finish     (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

// Runs. inputs: a JSON object of input values, or NULL; force: step ids
// to run even if reusable, NULL-terminated, or NULL.
void          sluice_remote_start_run_async         (SluiceRemote          *self,
                                                     const char            *pipeline_id,
                                                     JsonObject            *inputs,
                                                     const char * const    *force,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_start_run_finish        (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_get_run_async           (SluiceRemote          *self,
                                                     gint64                 run_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_get_run_finish          (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
// pipeline_id NULL for every pipeline's runs; limit 0 for the server's default.
void          sluice_remote_list_runs_async         (SluiceRemote          *self,
                                                     const char            *pipeline_id,
                                                     guint                  limit,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_list_runs_finish        (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_cancel_run_async        (SluiceRemote          *self,
                                                     gint64                 run_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_cancel_run_finish       (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_resume_run_async        (SluiceRemote          *self,
                                                     gint64                 run_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_resume_run_finish       (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_get_metrics_async       (SluiceRemote          *self,
                                                     gint64                 run_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_get_metrics_finish      (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
// A step's log as text, one line per line. attempt 0 = every attempt;
// after: the last_seq of an earlier call, to get only newer lines (0 =
// from the start).
void          sluice_remote_get_log_async           (SluiceRemote          *self,
                                                     gint64                 run_id,
                                                     const char            *step_id,
                                                     guint                  attempt,
                                                     gint64                 after,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
char         *sluice_remote_get_log_finish          (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     gint64                *last_seq,
                                                     GError               **error);
// Follows a run's events (server-sent events, resumed after a broken
// connection). Start the monitor to begin; set its cursor first to skip
// what was seen.
SluiceRunMonitor *sluice_remote_watch_run           (SluiceRemote          *self,
                                                     gint64                 run_id);

// Published pipelines: a stable name for a pipeline version, with default inputs.
void          sluice_remote_publish_async           (SluiceRemote          *self,
                                                     const char            *name,
                                                     const char            *pipeline_id,
                                                     JsonObject            *inputs,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_publish_finish          (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_list_published_async    (SluiceRemote          *self,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_list_published_finish   (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
// version 0 = the newest.
void          sluice_remote_trigger_published_async (SluiceRemote          *self,
                                                     const char            *name,
                                                     JsonObject            *inputs,
                                                     guint                  version,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_trigger_published_finish (SluiceRemote         *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

// Schedules: cron (5 fields) or every interval_seconds; one of the two.
void          sluice_remote_create_schedule_async   (SluiceRemote          *self,
                                                     const char            *published,
                                                     const char            *cron,
                                                     guint                  interval_seconds,
                                                     const char            *timezone,
                                                     JsonObject            *inputs,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_create_schedule_finish  (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_list_schedules_async    (SluiceRemote          *self,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_list_schedules_finish   (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_get_schedule_async      (SluiceRemote          *self,
                                                     gint64                 schedule_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_get_schedule_finish     (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_pause_schedule_async    (SluiceRemote          *self,
                                                     gint64                 schedule_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_pause_schedule_finish   (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_resume_schedule_async   (SluiceRemote          *self,
                                                     gint64                 schedule_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
JsonNode     *sluice_remote_resume_schedule_finish  (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);
void          sluice_remote_delete_schedule_async   (SluiceRemote          *self,
                                                     gint64                 schedule_id,
                                                     GCancellable          *cancellable,
                                                     GAsyncReadyCallback    callback,
                                                     gpointer               user_data);
gboolean      sluice_remote_delete_schedule_finish  (SluiceRemote          *self,
                                                     GAsyncResult          *result,
                                                     GError               **error);

G_END_DECLS
