// SPDX-License-Identifier: GPL-3.0-or-later
//
// Runs: starting them as detached runners (as `sluice run --detach` does),
// reading them back from the store's history, cancelling, resuming, and
// their live events as Server-Sent Events.

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sluice-archive.h"
#include "sluice-error.h"
#include "sluice-event-stream.h"
#include "sluice-port-type.h"
#include "sluice-run-request.h"
#include "sluice-run.h"
#include "sluice-runner.h"
#include "sluice-server-private.h"

#define PIPELINE_FILE "pipeline.sluice.json"

/* starting --------------------------------------------------------------------- */

// A value of the JSON type the parameter type needs (an integer is a
// number too).
static gboolean
parameter_matches (const char *type,
                   JsonNode   *value)
{
  GType held;

  if (!JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  held = json_node_get_value_type (value);
  if (g_str_equal (type, "integer"))
    return held == G_TYPE_INT64;
  if (g_str_equal (type, "number"))
    return held == G_TYPE_INT64 || held == G_TYPE_DOUBLE;
  if (g_str_equal (type, "boolean"))
    return held == G_TYPE_BOOLEAN;
  return held == G_TYPE_STRING;
}

// File and folder inputs: a relative path names a file of the upload (and
// may not lead out of it), an absolute one a file on the server (a runner
// token can run any command there anyway).
static JsonNode *
resolve_input (const SluicePipelineIO  *io,
               JsonNode                *value,
               const char              *bundle,
               GError                 **error)
{
  const char *type = io->type ? io->type : "string";
  g_autofree char *path = NULL;
  g_autofree char *prefix = NULL;
  JsonNode *resolved;

  if (sluice_port_type_is_parameter (type))
    {
      if (!parameter_matches (type, value))
        {
          g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_INVALID,
                       "input '%s' must be a%s %s", io->name, g_str_equal (type, "integer") ? "n" : "", type);
          return NULL;
        }
      return json_node_copy (value);
    }
  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_INVALID,
                   "input '%s' is a %s: give a path (relative to the uploaded pipeline, or absolute on the server)",
                   io->name, type);
      return NULL;
    }
  path = g_canonicalize_filename (json_node_get_string (value), bundle);
  prefix = g_strconcat (bundle, G_DIR_SEPARATOR_S, NULL);
  if (!g_path_is_absolute (json_node_get_string (value)) && !g_str_has_prefix (path, prefix))
    {
      g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_INVALID,
                   "input '%s': '%s' is outside the uploaded pipeline", io->name, json_node_get_string (value));
      return NULL;
    }
  resolved = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (resolved, path);
  return resolved;
}

// The inputs checked against the pipeline and resolved (paths made
// absolute), as a new object; NULL with error set when one does not fit.
static JsonObject *
resolve_inputs (SluicePipeline  *pipeline,
                JsonObject      *inputs,
                const char      *bundle,
                GError         **error)
{
  g_autoptr(JsonObject) resolved = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (inputs == NULL)
    return g_steal_pointer (&resolved);
  json_object_iter_init (&iter, inputs);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const SluicePipelineIO *io = sluice_pipeline_find_input (pipeline, name);
      JsonNode *node;

      if (io == NULL)
        {
          g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_INVALID, "the pipeline has no input '%s'", name);
          return NULL;
        }
      if (!(node = resolve_input (io, value, bundle, error)))
        return NULL;
      json_object_set_member (resolved, name, node);
    }
  return g_steal_pointer (&resolved);
}

gboolean
_sluice_server_check_inputs (SluiceServer  *self,
                             const char    *pipeline_id,
                             JsonObject    *inputs,
                             GError       **error)
{
  g_autofree char *bundle = g_build_filename (self->pipelines_dir, pipeline_id, NULL);
  g_autofree char *file = g_build_filename (bundle, PIPELINE_FILE, NULL);
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (file, error);
  g_autoptr(JsonObject) resolved = NULL;

  return pipeline != NULL && (resolved = resolve_inputs (pipeline, inputs, bundle, error)) != NULL;
}

static GPtrArray *
force_steps (SluicePipeline  *pipeline,
             JsonArray       *force,
             GError         **error)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; force != NULL && i < json_array_get_length (force); i++)
    {
      JsonNode *node = json_array_get_element (force, i);
      const char *id = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
                         ? json_node_get_string (node) : NULL;

      if (id == NULL || sluice_pipeline_find_step (pipeline, id) == NULL)
        {
          g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_INVALID,
                       "\"force\" names a step the pipeline does not have");
          return NULL;
        }
      g_ptr_array_add (steps, g_strdup (id));
    }
  g_ptr_array_add (steps, NULL);
  return g_steal_pointer (&steps);
}

static void
on_runner_exit (GPid     pid,
                gint     status,
                gpointer user_data)
{
  SluiceServer *self = user_data;
  GHashTableIter iter;
  gpointer value;

  // Reaped here, so the pid is not a zombie that looks alive. A runner
  // that died without finishing its run (killed, crashed) leaves it
  // "running": mark it interrupted now rather than at the next look.
  g_spawn_close_pid (pid);
  sluice_history_mark_interrupted (self->history, NULL);
  g_hash_table_iter_init (&iter, self->runners);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_INT (value) == pid)
      g_hash_table_iter_remove (&iter);
}

static gboolean
spawn_runner (SluiceServer        *self,
              gint64               run_id,
              const char * const  *force,
              GError             **error)
{
  SluiceRunnerOptions options = { self->cli_path, sluice_artifact_store_get_root (self->store), run_id, 0, force, NULL };
  GPid pid = sluice_runner_spawn (&options, error);

  if (pid == 0)
    return FALSE;
  g_child_watch_add_full (G_PRIORITY_DEFAULT, pid, on_runner_exit, g_object_ref (self), g_object_unref);
  g_hash_table_replace (self->runners, g_memdup2 (&run_id, sizeof run_id), GINT_TO_POINTER (pid));
  return TRUE;
}

// The runner could not be started: the run ends failed, with the reason,
// rather than staying pending until the orphan check finds it.
static void
mark_never_started (SluiceServer *self,
                    gint64        run_id,
                    const GError *why)
{
  g_autoptr(SluiceRunRecord) record = sluice_history_get_run (self->history, run_id, NULL);

  if (record == NULL)
    return;
  record->state = SLUICE_STATE_FAILED;
  record->finished_at = g_get_real_time ();
  if (!sluice_history_update_run (self->history, record, NULL))
    g_warning ("run %" G_GINT64_FORMAT " could not be marked failed", run_id);
  g_message ("run %" G_GINT64_FORMAT " did not start: %s", run_id, why ? why->message : "unknown error");
}

gint64
_sluice_server_start_run (SluiceServer  *self,
                          const char    *pipeline_id,
                          JsonObject    *inputs,
                          JsonArray     *force,
                          const char    *published,
                          guint          version,
                          gint64         schedule_id,
                          const char    *started_by,
                          GError       **error)
{
  g_autofree char *bundle = g_build_filename (self->pipelines_dir, pipeline_id, NULL);
  g_autofree char *file = g_build_filename (bundle, PIPELINE_FILE, NULL);
  g_autoptr(SluiceServerPipeline) record = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(GPtrArray) forced = NULL;
  g_autoptr(JsonObject) resolved = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  SluiceServerRun info = { 0, (char *) pipeline_id, (char *) published, version, schedule_id, (char *) started_by };
  GError *local_error = NULL;

  if (!(record = sluice_server_db_get_pipeline (self->db, pipeline_id, error)))
    return 0;
  if (!(pipeline = sluice_pipeline_load_file (file, &local_error)))
    {
      g_set_error (error, SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_FAILED, "pipeline %s cannot be read: %s",
                   pipeline_id, local_error->message);
      g_error_free (local_error);
      return 0;
    }
  if (!(resolved = resolve_inputs (pipeline, inputs, bundle, error)) || !(forced = force_steps (pipeline, force, error)))
    return 0;
  run = sluice_run_new (pipeline, self->registry, self->store, self->history);
  json_object_iter_init (&iter, resolved);
  while (json_object_iter_next (&iter, &name, &value))
    sluice_run_set_input (run, name, value);
  for (guint i = 0; g_ptr_array_index (forced, i) != NULL; i++)
    sluice_run_force_step (run, g_ptr_array_index (forced, i));

  if (!sluice_run_prepare (run, 0, &local_error))
    {
      g_set_error_literal (error, SLUICE_SERVER_ERROR,
                           local_error->domain == SLUICE_ERROR ? SLUICE_SERVER_ERROR_INVALID : SLUICE_SERVER_ERROR_FAILED,
                           local_error->message);
      g_error_free (local_error);
      return 0;
    }
  info.run_id = sluice_run_get_id (run);
  if (!sluice_server_db_add_run (self->db, &info, error))
    return 0;
  if (!spawn_runner (self, info.run_id, (const char * const *) forced->pdata, error))
    {
      mark_never_started (self, info.run_id, error ? *error : NULL);
      return 0;
    }
  return info.run_id;
}

/* reading ----------------------------------------------------------------------- */

static void
add_nullable_int (JsonBuilder *b,
                  const char  *member,
                  gint64       value,
                  gboolean     is_set)
{
  json_builder_set_member_name (b, member);
  if (is_set)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_nullable_string (JsonBuilder *b,
                     const char  *member,
                     const char  *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_step (JsonBuilder      *b,
          SluiceStepRecord *s)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, s->step_id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, sluice_state_to_string (s->state));
  json_builder_set_member_name (b, "attempts");
  json_builder_add_int_value (b, s->attempts);
  _sluice_builder_add_time (b, "started_at", s->started_at);
  _sluice_builder_add_time (b, "finished_at", s->finished_at);
  add_nullable_int (b, "exit_code", s->exit_code, s->exit_code >= 0);
  add_nullable_int (b, "reused_from_run", s->reused_from_run, s->reused_from_run > 0);
  add_nullable_string (b, "message", s->message);
  json_builder_end_object (b);
}

static JsonNode *
run_to_json (SluiceServer    *self,
             SluiceRunRecord *r,
             GError         **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(SluiceServerRun) info = sluice_server_db_get_run (self->db, r->id, NULL);
  g_autoptr(GPtrArray) steps = sluice_history_list_steps (self->history, r->id, error);

  if (steps == NULL)
    return NULL;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, r->id);
  add_nullable_string (b, "pipeline", info ? info->pipeline_id : NULL);
  add_nullable_string (b, "name", r->pipeline_name);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, sluice_state_to_string (r->state));
  _sluice_builder_add_time (b, "created_at", r->created_at);
  _sluice_builder_add_time (b, "started_at", r->started_at);
  _sluice_builder_add_time (b, "finished_at", r->finished_at);
  json_builder_set_member_name (b, "inputs");
  json_builder_add_value (b, _sluice_parse_object_text (r->params_json));
  add_nullable_string (b, "published", info ? info->published : NULL);
  add_nullable_int (b, "version", info ? info->version : 0, info && info->published);
  add_nullable_int (b, "schedule", info ? info->schedule_id : 0, info && info->schedule_id > 0);
  add_nullable_string (b, "started_by", info ? info->started_by : NULL);
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < steps->len; i++)
    add_step (b, g_ptr_array_index (steps, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static GError *
run_not_found (const char *text)
{
  return g_error_new (SLUICE_SERVER_ERROR, SLUICE_SERVER_ERROR_NOT_FOUND, "run %s does not exist", text);
}

static SluiceRunRecord *
get_run_record (SluiceServer  *self,
                gint64         run_id,
                GError       **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);
  SluiceRunRecord *record = sluice_history_get_run (self->history, run_id, NULL);

  if (record == NULL)
    g_propagate_error (error, run_not_found (text));
  return record;
}

JsonNode *
_sluice_server_run_to_json (SluiceServer  *self,
                            gint64         run_id,
                            GError       **error)
{
  g_autoptr(SluiceRunRecord) record = get_run_record (self, run_id, error);

  return record ? run_to_json (self, record, error) : NULL;
}

// The run the path names (args[0]), or NULL after a 404.
static SluiceRunRecord *
request_run (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  gint64 run_id;
  SluiceRunRecord *record;

  if (!_sluice_parse_id (request->args[0], &run_id))
    error = run_not_found (request->args[0]);
  else if ((record = get_run_record (request->server, run_id, &error)))
    return record;
  _sluice_respond_gerror (request, error);
  return NULL;
}

static void
respond_run (SluiceRequest *request,
             gint64         run_id,
             guint          status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = _sluice_server_run_to_json (request->server, run_id, &error);

  if (root == NULL)
    _sluice_respond_gerror (request, error);
  else
    _sluice_respond_json (request, status, root);
}

void
_sluice_handle_start_run (SluiceRequest *request)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *body = _sluice_request_json (request, &parser);
  JsonNode *pipeline, *inputs, *force;
  gint64 run_id;

  if (body == NULL)
    return;
  pipeline = json_object_get_member (body, "pipeline");
  inputs = json_object_get_member (body, "inputs");
  force = json_object_get_member (body, "force");
  if (pipeline == NULL || !JSON_NODE_HOLDS_VALUE (pipeline) || json_node_get_value_type (pipeline) != G_TYPE_STRING)
    {
      _sluice_respond_error (request, 400, "bad_request", "\"pipeline\" must be the id of an uploaded pipeline");
      return;
    }
  if ((inputs != NULL && !JSON_NODE_HOLDS_OBJECT (inputs) && !JSON_NODE_HOLDS_NULL (inputs)) ||
      (force != NULL && !JSON_NODE_HOLDS_ARRAY (force) && !JSON_NODE_HOLDS_NULL (force)))
    {
      _sluice_respond_error (request, 400, "bad_request", "\"inputs\" must be an object and \"force\" an array of step ids");
      return;
    }

  run_id = _sluice_server_start_run (request->server, json_node_get_string (pipeline),
                                     inputs && JSON_NODE_HOLDS_OBJECT (inputs) ? json_node_get_object (inputs) : NULL,
                                     force && JSON_NODE_HOLDS_ARRAY (force) ? json_node_get_array (force) : NULL,
                                     NULL, 0, 0, request->token->name, &error);
  if (run_id == 0)
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  respond_run (request, run_id, 201);
}

void
_sluice_handle_list_runs (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint limit;

  if (!_sluice_request_query_uint (request, "limit", 50, 1000, &limit))
    return;
  if (!(runs = sluice_server_db_list_runs (self->db, _sluice_request_query (request, "pipeline"), limit, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < runs->len; i++)
    {
      SluiceServerRun *info = g_ptr_array_index (runs, i);
      g_autoptr(SluiceRunRecord) record = sluice_history_get_run (self->history, info->run_id, NULL);
      JsonNode *node;

      if (record != NULL && (node = run_to_json (self, record, NULL)))
        json_builder_add_value (b, node);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}

void
_sluice_handle_get_run (SluiceRequest *request)
{
  g_autoptr(SluiceRunRecord) record = request_run (request);

  if (record != NULL)
    respond_run (request, record->id, 200);
}

// Whether the run's pipeline has the step, answering 404 when not.
static gboolean
check_step (SluiceRequest   *request,
            SluiceRunRecord *record,
            const char      *step_id)
{
  g_autoptr(SluicePipeline) pipeline = NULL;

  if (record->pipeline_json != NULL)
    pipeline = sluice_pipeline_load_data (record->pipeline_json, strlen (record->pipeline_json),
                                          record->pipeline_file, NULL);
  if (pipeline != NULL && sluice_pipeline_find_step (pipeline, step_id) != NULL)
    return TRUE;
  _sluice_respond_error (request, 404, "not_found", "run %" G_GINT64_FORMAT " has no step '%s'", record->id, step_id);
  return FALSE;
}

// A "Range: bytes=…" request on the whole text: 206 with that part, 416
// when it lies outside. Returns FALSE when there was no usable range.
static gboolean
respond_range (SluiceRequest *request,
               const char    *text,
               gsize          length)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (request->msg);
  SoupRange *ranges = NULL;
  int n = 0;
  g_autofree char *content_range = NULL;
  goffset start, end;

  if (soup_message_headers_get_one (headers, "Range") == NULL)
    return FALSE;
  if (!soup_message_headers_get_ranges (headers, (goffset) length, &ranges, &n) || n < 1)
    {
      g_autofree char *unsatisfied = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, length);

      soup_message_headers_replace (response, "Content-Range", unsatisfied);
      _sluice_respond_error (request, 416, "range_not_satisfiable", "the log has %" G_GSIZE_FORMAT " bytes", length);
      return TRUE;
    }
  start = ranges[0].start;
  end = ranges[0].end;
  soup_message_headers_free_ranges (headers, ranges);

  content_range = g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%" G_GSIZE_FORMAT, start, end, length);
  soup_message_headers_replace (response, "Content-Range", content_range);
  soup_server_message_set_status (request->msg, 206, NULL);
  soup_server_message_set_response (request->msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text + start, (gsize) (end - start + 1));
  return TRUE;
}

void
_sluice_handle_run_logs (SluiceRequest *request)
{
  g_autoptr(SluiceRunRecord) record = request_run (request);
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *last_seq = NULL;
  const char *after_text;
  gint64 after = 0, last = 0;
  guint attempt;

  if (record == NULL || !check_step (request, record, request->args[1]) ||
      !_sluice_request_query_uint (request, "attempt", 0, G_MAXINT, &attempt))
    return;
  if ((after_text = _sluice_request_query (request, "after")) != NULL && !_sluice_parse_id (after_text, &after) &&
      !g_str_equal (after_text, "0"))
    {
      _sluice_respond_error (request, 400, "bad_request", "'after' must be a log sequence number");
      return;
    }

  if (!(lines = sluice_history_get_log_lines (request->server->history, record->id, request->args[1], attempt, after, 0, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  for (guint i = 0; i < lines->len; i++)
    {
      SluiceLogLine *line = g_ptr_array_index (lines, i);

      g_string_append (text, line->text);
      g_string_append_c (text, '\n');
      last = line->seq;
    }

  // The client passes this back as ?after= to get only newer lines.
  last_seq = g_strdup_printf ("%" G_GINT64_FORMAT, last > 0 ? last : after);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg), "X-Sluice-Last-Seq", last_seq);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg), "Accept-Ranges", "bytes");
  if (respond_range (request, text->str, text->len))
    return;
  soup_server_message_set_status (request->msg, 200, NULL);
  soup_server_message_set_response (request->msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text->str, text->len);
}

void
_sluice_handle_run_metrics (SluiceRequest *request)
{
  g_autoptr(SluiceRunRecord) record = request_run (request);
  g_autoptr(GPtrArray) metrics = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (record == NULL)
    return;
  if (!(metrics = sluice_history_get_metrics (request->server->history, record->id, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_array (b);
  for (guint i = 0; i < metrics->len; i++)
    {
      SluiceMetric *m = g_ptr_array_index (metrics, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "step");
      json_builder_add_string_value (b, m->step_id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, m->name);
      json_builder_set_member_name (b, "value");
      json_builder_add_double_value (b, m->value);
      add_nullable_int (b, "index", m->index, m->index >= 0);
      _sluice_builder_add_time (b, "time", m->time);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}

// The artifact as the response: mapped, not read, so a big file costs no
// memory of its own.
static gboolean
respond_artifact (SoupServerMessage  *msg,
                  const char         *path,
                  const char         *port,
                  const char         *hash,
                  gboolean            folder,
                  GError            **error)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (path, FALSE, error);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *disposition = NULL;

  if (mapped == NULL)
    return FALSE;
  bytes = g_mapped_file_get_bytes (mapped);
  disposition = g_strdup_printf ("attachment; filename=\"%s%s\"", port, folder ? ".tar.gz" : "");
  soup_message_headers_replace (response, "Content-Disposition", disposition);
  soup_message_headers_replace (response, "X-Sluice-Artifact-Hash", hash);
  soup_message_headers_set_content_type (response, folder ? "application/gzip" : "application/octet-stream", NULL);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  return TRUE;
}

typedef struct
{
  SluiceServer      *server;
  SoupServerMessage *msg;
  char              *folder;
  char              *archive;   // the temporary .tar.gz
  char              *port;
  char              *hash;
  gboolean           gone;      // the client went away meanwhile
} Packing;

static void
packing_free (Packing *packing)
{
  g_signal_handlers_disconnect_by_data (packing->msg, packing);
  g_unlink (packing->archive);
  g_object_unref (packing->msg);
  g_free (packing->folder);
  g_free (packing->archive);
  g_free (packing->port);
  g_free (packing->hash);
  g_free (packing);
}

static void
pack_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Packing *packing = task_data;
  GError *error = NULL;

  if (sluice_archive_pack_folder (packing->folder, packing->archive, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_packed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Packing *packing = g_task_get_task_data (G_TASK (result));
  SluiceRequest request = { packing->server, packing->msg, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (!packing->gone)
    {
      if (!g_task_propagate_boolean (G_TASK (result), &error) ||
          !respond_artifact (packing->msg, packing->archive, packing->port, packing->hash, TRUE, &error))
        _sluice_respond_gerror (&request, error);
      soup_server_message_unpause (packing->msg);
    }
  // Here, not as the task data's destroy notify: the task may be finalized
  // in the worker thread, and the message belongs to the main thread.
  packing_free (packing);
}

static void
on_packing_client_gone (SoupServerMessage *msg,
                        Packing           *packing)
{
  packing->gone = TRUE;
}

// A folder is packed in a thread, into a temporary file: folders can be
// big, and the server goes on answering meanwhile.
static void
respond_folder (SluiceRequest *request,
                const char    *folder,
                const char    *hash)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *tmp = g_build_filename (request->server->data_dir, "tmp", NULL);
  char *archive = g_build_filename (tmp, "output-XXXXXX", NULL);
  Packing *packing;
  int fd;

  // In the data folder, not /tmp: a folder artifact can be bigger than a tmpfs.
  if (g_mkdir_with_parents (tmp, 0700) != 0 || (fd = g_mkstemp (archive)) < 0)
    {
      _sluice_respond_error (request, 500, "internal", "cannot make a temporary file in %s: %s", tmp, g_strerror (errno));
      g_free (archive);
      return;
    }
  close (fd);

  packing = g_new0 (Packing, 1);
  packing->server = request->server;
  packing->msg = g_object_ref (request->msg);
  packing->folder = g_strdup (folder);
  packing->archive = archive;
  packing->port = g_strdup (request->args[2]);
  packing->hash = g_strdup (hash);
  g_signal_connect (request->msg, "disconnected", G_CALLBACK (on_packing_client_gone), packing);

  task = g_task_new (NULL, NULL, on_packed, NULL);
  g_task_set_source_tag (task, respond_folder);
  g_task_set_task_data (task, packing, NULL);
  g_task_run_in_thread (task, pack_in_thread);
  soup_server_message_pause (request->msg);
}

void
_sluice_handle_run_output (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(SluiceRunRecord) record = request_run (request);
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *hash = NULL;

  if (record == NULL || !check_step (request, record, request->args[1]))
    return;
  uses = sluice_history_get_artifact_uses (self->history, record->id, request->args[1], NULL);
  for (guint i = 0; uses != NULL && i < uses->len && hash == NULL; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (use->is_output && g_str_equal (use->port, request->args[2]))
        hash = use->hash;
    }
  if (hash == NULL || !(path = sluice_artifact_store_get_path (self->store, hash)) ||
      !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      _sluice_respond_error (request, 404, "not_found", "step '%s' of run %" G_GINT64_FORMAT " has no stored output '%s'",
                             request->args[1], record->id, request->args[2]);
      return;
    }

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    respond_folder (request, path, hash);
  else if (!respond_artifact (request->msg, path, request->args[2], hash, FALSE, &error))
    _sluice_respond_gerror (request, error);
}

static GPid
runner_pid (SluiceServer    *self,
            SluiceRunRecord *record)
{
  if (record->runner_pid > 0)
    return (GPid) record->runner_pid;
  // Started by this server but not yet far enough to record its pid.
  return GPOINTER_TO_INT (g_hash_table_lookup (self->runners, &record->id));
}

void
_sluice_handle_cancel_run (SluiceRequest *request)
{
  g_autoptr(SluiceRunRecord) record = request_run (request);
  g_autoptr(GError) error = NULL;
  GPid pid;

  if (record == NULL)
    return;
  if (sluice_state_is_final (record->state) || (pid = runner_pid (request->server, record)) <= 0)
    {
      _sluice_respond_error (request, 409, "conflict", "run %" G_GINT64_FORMAT " is not going on (%s)",
                             record->id, sluice_state_to_string (record->state));
      return;
    }
  // A runner that has not recorded its pid yet may not have its signal
  // handlers either: it gets a request it takes up as it starts instead.
  if (!sluice_run_request_cancel_run (request->server->history, sluice_artifact_store_get_root (request->server->store), record->id, &error))
    {
      _sluice_respond_error (request, 409, "conflict", "run %" G_GINT64_FORMAT ": %s", record->id, error->message);
      return;
    }
  respond_run (request, record->id, 202);
}

void
_sluice_handle_resume_run (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  // A runner that died since the last look counts as interrupted now.
  sluice_history_mark_interrupted (self->history, NULL);
  if (!(record = request_run (request)))
    return;
  if (!sluice_state_is_final (record->state) || record->state == SLUICE_STATE_SUCCEEDED)
    {
      _sluice_respond_error (request, 409, "conflict", "run %" G_GINT64_FORMAT " is %s; only a run that ended unfinished can be resumed",
                             record->id, sluice_state_to_string (record->state));
      return;
    }
  if (!spawn_runner (self, record->id, NULL, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  respond_run (request, record->id, 202);
}

/* events ------------------------------------------------------------------------ */

typedef struct
{
  SluiceServer      *server;
  SoupServerMessage *msg;
  SluiceEventStream *stream;
  gint64             run_id;
  guint              next;
  guint              keepalive;
  gboolean           complete;   // the response body is complete
  gboolean           closed;
} SseClient;

static void
release_stream (SluiceServer *self,
                gint64        run_id)
{
  guint users = GPOINTER_TO_UINT (g_hash_table_lookup (self->stream_users, &run_id));

  if (users > 1)
    {
      g_hash_table_replace (self->stream_users, g_memdup2 (&run_id, sizeof run_id), GUINT_TO_POINTER (users - 1));
      return;
    }
  // Nobody watches: stop reading the history. A later client starts afresh.
  g_hash_table_remove (self->stream_users, &run_id);
  g_hash_table_remove (self->streams, &run_id);
}

static void
sse_client_close (SseClient *client)
{
  if (client->closed)
    return;
  client->closed = TRUE;
  g_clear_handle_id (&client->keepalive, g_source_remove);
  g_signal_handlers_disconnect_by_data (client->stream, client);
  g_signal_handlers_disconnect_by_data (client->msg, client);
  release_stream (client->server, client->run_id);
  g_clear_object (&client->stream);
  g_clear_object (&client->msg);
  g_free (client);
}

// Writes the events the client has not had; ends the response after the
// last one of a finished run. Returns whether it ended it.
static gboolean
sse_client_flush (SseClient *client)
{
  SoupMessageBody *body = soup_server_message_get_response_body (client->msg);
  guint length = sluice_event_stream_get_length (client->stream);

  if (client->complete)
    return TRUE;
  if (client->next < length)
    {
      g_autoptr(GBytes) batch = sluice_event_stream_get_range (client->stream, client->next, length);

      soup_message_body_append_bytes (body, batch);
      client->next = length;
    }
  if (sluice_event_stream_is_finished (client->stream))
    {
      soup_message_body_complete (body);
      client->complete = TRUE;
      g_clear_handle_id (&client->keepalive, g_source_remove);
      return TRUE;
    }
  return FALSE;
}

static void
on_stream_changed (SluiceEventStream *stream,
                   SseClient         *client)
{
  if (client->complete)
    return;
  sse_client_flush (client);
  soup_server_message_unpause (client->msg);
}

static gboolean
on_keepalive (gpointer user_data)
{
  SseClient *client = user_data;
  static const char comment[] = ": keepalive\n\n";

  soup_message_body_append (soup_server_message_get_response_body (client->msg), SOUP_MEMORY_STATIC,
                            comment, strlen (comment));
  soup_server_message_unpause (client->msg);
  return G_SOURCE_CONTINUE;
}

static SluiceEventStream *
acquire_stream (SluiceServer  *self,
                gint64         run_id,
                GError       **error)
{
  SluiceEventStream *stream = g_hash_table_lookup (self->streams, &run_id);
  guint users;

  if (stream == NULL)
    {
      g_autoptr(SluiceEventStream) fresh = NULL;

      fresh = sluice_event_stream_new (self->history, self->history_path, run_id, self->options.poll_milliseconds);

      if (!sluice_event_stream_start (fresh, error))
        return NULL;
      stream = fresh;
      g_hash_table_replace (self->streams, g_memdup2 (&run_id, sizeof run_id), g_steal_pointer (&fresh));
    }
  users = GPOINTER_TO_UINT (g_hash_table_lookup (self->stream_users, &run_id));
  g_hash_table_replace (self->stream_users, g_memdup2 (&run_id, sizeof run_id), GUINT_TO_POINTER (users + 1));
  return g_object_ref (stream);
}

void
_sluice_handle_run_events (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(SluiceRunRecord) record = request_run (request);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (request->msg);
  const char *cursor = soup_message_headers_get_one (headers, "Last-Event-ID");
  SluiceEventStream *stream;
  SseClient *client;
  guint next;

  if (record == NULL)
    return;
  if (cursor == NULL)
    cursor = _sluice_request_query (request, "cursor");
  if (!(stream = acquire_stream (self, record->id, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  client = g_new0 (SseClient, 1);
  client->server = self;
  client->msg = g_object_ref (request->msg);
  client->stream = stream;
  client->run_id = record->id;
  if (!sluice_event_stream_find (stream, cursor, &next))
    {
      _sluice_respond_error (request, 400, "bad_request", "'%s' is not a cursor of run %" G_GINT64_FORMAT, cursor, record->id);
      sse_client_close (client);
      return;
    }
  client->next = next;

  soup_server_message_set_status (request->msg, 200, NULL);
  soup_message_headers_set_content_type (response, "text/event-stream", NULL);
  soup_message_headers_replace (response, "Cache-Control", "no-cache");
  soup_message_headers_set_encoding (response, SOUP_ENCODING_CHUNKED);
  // Written chunks are dropped, not kept for the life of the stream.
  soup_message_body_set_accumulate (soup_server_message_get_response_body (request->msg), FALSE);

  g_signal_connect_swapped (request->msg, "finished", G_CALLBACK (sse_client_close), client);
  g_signal_connect_swapped (request->msg, "disconnected", G_CALLBACK (sse_client_close), client);
  if (sse_client_flush (client))
    return;
  g_signal_connect (stream, "changed", G_CALLBACK (on_stream_changed), client);
  client->keepalive = g_timeout_add_seconds (self->options.keepalive_seconds, on_keepalive, client);
  // No explicit pause: libsoup pauses a chunked response by itself when it
  // has written every chunk, and each append above is followed by unpause.
}
