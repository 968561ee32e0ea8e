// SPDX-License-Identifier: GPL-3.0-or-later
//
// What the request handlers of sluice-server*.c share.

#pragma once

#include <libsoup/soup.h>

#include "sluice-artifact-store.h"
#include "sluice-component-registry.h"
#include "sluice-history.h"
#include "sluice-scheduler.h"
#include "sluice-server-auth.h"
#include "sluice-server-db.h"
#include "sluice-server.h"

G_BEGIN_DECLS

struct _SluiceServer
{
  GObject                  parent_instance;

  char                    *data_dir;
  char                    *pipelines_dir;
  char                    *history_path;
  SluiceServerOptions      options;
  SoupServer              *soup;
  SluiceServerDb          *db;
  SluiceServerAuth        *auth;
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  SluiceComponentRegistry *registry;
  SluiceScheduler         *scheduler;
  char                    *cli_path;
  GHashTable              *streams;      // run id (gint64*) -> SluiceEventStream
  GHashTable              *stream_users; // run id (gint64*) -> number of SSE clients (uint)
  GHashTable              *runners;      // run id (gint64*) -> pid of the runner this server started
  guint                    sweep_source;
};

// One request on its way through the handlers.
typedef struct
{
  SluiceServer      *server;
  SoupServerMessage *msg;
  const SluiceToken *token;
  GHashTable        *query;      // may be NULL
  char             **args;       // the "*" parts of the route, in order
  GBytes            *body;       // the request body, within the size limit
} SluiceRequest;

typedef void (*SluiceHandler) (SluiceRequest *request);

// Responses. The error body is {"error": {"code", "message"}}.
void        _sluice_respond_json      (SluiceRequest *request,
                                       guint          status,
                                       JsonNode      *node);
void        _sluice_respond_error     (SluiceRequest *request,
                                       guint          status,
                                       const char    *code,
                                       const char    *format,
                                       ...) G_GNUC_PRINTF (4, 5);
// The status and code for an error of the server's domains.
void        _sluice_respond_gerror    (SluiceRequest *request,
                                       const GError  *error);
// The body as a JSON object (checks Content-Type, size and depth), or
// NULL after responding with why not.
JsonObject *_sluice_request_json      (SluiceRequest *request,
                                       JsonParser   **parser);
const char *_sluice_request_query     (SluiceRequest *request,
                                       const char    *name);
// A positive integer from the query (default when absent), or FALSE after a 400.
gboolean    _sluice_request_query_uint (SluiceRequest *request,
                                       const char    *name,
                                       guint          fallback,
                                       guint          maximum,
                                       guint         *value);
gboolean    _sluice_parse_id          (const char    *text,
                                       gint64        *id);

// Times as ISO 8601 in UTC, or null when 0.
void        _sluice_builder_add_time  (JsonBuilder   *builder,
                                       const char    *member,
                                       gint64         usec);
JsonNode   *_sluice_parse_object_text (const char    *json);

// Runs.
gint64      _sluice_server_start_run  (SluiceServer  *self,
                                       const char    *pipeline_id,
                                       JsonObject    *inputs,
                                       JsonArray     *force,
                                       const char    *published,
                                       guint          version,
                                       gint64         schedule_id,
                                       const char    *started_by,
                                       GError       **error);
// Whether inputs (name -> value) suit the pipeline: names it has, values
// of the right types, paths that stay inside the upload.
gboolean    _sluice_server_check_inputs (SluiceServer *self,
                                       const char    *pipeline_id,
                                       JsonObject    *inputs,
                                       GError       **error);
JsonNode   *_sluice_server_run_to_json (SluiceServer *self,
                                       gint64         run_id,
                                       GError       **error);
gint64      _sluice_server_fire_schedule (SluiceSchedule *schedule,
                                       gpointer        user_data,
                                       GError        **error);

// Handlers.
void _sluice_handle_upload_pipeline   (SluiceRequest *request);
void _sluice_handle_list_pipelines    (SluiceRequest *request);
void _sluice_handle_get_pipeline      (SluiceRequest *request);
void _sluice_handle_publish           (SluiceRequest *request);
void _sluice_handle_list_published    (SluiceRequest *request);
void _sluice_handle_get_published     (SluiceRequest *request);
void _sluice_handle_trigger_published (SluiceRequest *request);
void _sluice_handle_create_schedule   (SluiceRequest *request);
void _sluice_handle_list_schedules    (SluiceRequest *request);
void _sluice_handle_get_schedule      (SluiceRequest *request);
void _sluice_handle_pause_schedule    (SluiceRequest *request);
void _sluice_handle_resume_schedule   (SluiceRequest *request);
void _sluice_handle_delete_schedule   (SluiceRequest *request);
void _sluice_handle_audit             (SluiceRequest *request);
void _sluice_handle_start_run         (SluiceRequest *request);
void _sluice_handle_list_runs         (SluiceRequest *request);
void _sluice_handle_get_run           (SluiceRequest *request);
void _sluice_handle_run_logs          (SluiceRequest *request);
void _sluice_handle_run_metrics       (SluiceRequest *request);
void _sluice_handle_run_output        (SluiceRequest *request);
void _sluice_handle_cancel_run        (SluiceRequest *request);
void _sluice_handle_resume_run        (SluiceRequest *request);
void _sluice_handle_run_events        (SluiceRequest *request);

G_END_DECLS
