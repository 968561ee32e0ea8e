// SPDX-License-Identifier: GPL-3.0-or-later
//
// Uploaded pipelines, published pipelines, schedules and the audit log.

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sluice-archive.h"
#include "sluice-file.h"
#include "sluice-pipeline.h"
#include "sluice-server-private.h"
#include "sluice-validate.h"

#define PIPELINE_FILE "pipeline.sluice.json"
#define MAX_ARCHIVE_ENTRIES 10000
#define MAX_EXTRACTED_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define MAX_NAME_LENGTH 64

/* pipelines ----------------------------------------------------------------------- */

// The id of an upload: the pipeline as Sluice writes it (so formatting
// does not matter) and every other file by path and content.
static char *
pipeline_id (SluicePipeline *pipeline,
             GPtrArray      *entries)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *canonical = sluice_pipeline_to_data (pipeline);

  g_checksum_update (checksum, (const guchar *) "sluice-pipeline/1\n", -1);
  g_checksum_update (checksum, (const guchar *) canonical, -1);
  for (guint i = 0; i < entries->len; i++)
    {
      SluiceArchiveEntry *entry = g_ptr_array_index (entries, i);

      if (g_str_equal (entry->path, PIPELINE_FILE))
        continue;
      g_checksum_update (checksum, (const guchar *) "\n", 1);
      g_checksum_update (checksum, (const guchar *) entry->path, -1);
      g_checksum_update (checksum, (const guchar *) "\n", 1);
      g_checksum_update (checksum, (const guchar *) entry->sha256, -1);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static char *
strip_bundle (const char *text,
              const char *bundle)
{
  g_autoptr(GString) out = g_string_new (text);
  g_autofree char *prefix = g_strconcat (bundle, G_DIR_SEPARATOR_S, NULL);

  g_string_replace (out, prefix, "", 0);
  g_string_replace (out, bundle, ".", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

// Problems name files relative to the upload: the server's own folders
// are none of the client's business.
static JsonNode *
problems_error (GPtrArray  *problems,
                const char *bundle,
                const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *stripped_message = strip_bundle (message, bundle);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, "invalid_pipeline");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, stripped_message);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      SluiceProblem *p = g_ptr_array_index (problems, i);
      g_autofree char *problem_message = strip_bundle (p->message, bundle);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, sluice_severity_to_string (p->severity));
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, p->code);
      json_builder_set_member_name (b, "file");
      if (p->file != NULL && g_str_has_prefix (p->file, bundle) && p->file[strlen (bundle)] == G_DIR_SEPARATOR)
        json_builder_add_string_value (b, p->file + strlen (bundle) + 1);
      else
        json_builder_add_string_value (b, "pipeline.sluice.json");
      json_builder_set_member_name (b, "pointer");
      json_builder_add_string_value (b, p->pointer ? p->pointer : "");
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, p->line);
      json_builder_set_member_name (b, "column");
      json_builder_add_int_value (b, p->column);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, problem_message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
pipeline_to_json (SluiceServer               *self,
                  const SluiceServerPipeline *pipeline,
                  gboolean                    with_document)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, pipeline->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, pipeline->name);
  _sluice_builder_add_time (b, "created_at", pipeline->created_at);
  json_builder_set_member_name (b, "created_by");
  json_builder_add_string_value (b, pipeline->created_by);
  json_builder_set_member_name (b, "steps");
  json_builder_add_int_value (b, pipeline->steps);
  if (with_document)
    {
      g_autofree char *path = g_build_filename (self->pipelines_dir, pipeline->id, PIPELINE_FILE, NULL);
      g_autofree char *text = NULL;

      g_file_get_contents (path, &text, NULL, NULL);
      json_builder_set_member_name (b, "pipeline");
      json_builder_add_value (b, _sluice_parse_object_text (text));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
respond_archive_error (SluiceRequest *request,
                       const GError  *error)
{
  if (g_error_matches (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_TOO_LARGE))
    _sluice_respond_error (request, 413, "payload_too_large", "%s", error->message);
  else if (error->domain == SLUICE_ARCHIVE_ERROR)
    _sluice_respond_error (request, 400, "bad_archive", "%s", error->message);
  else
    _sluice_respond_gerror (request, error);
}

// One upload on its way: extracted, loaded and validated in a worker
// thread (archives can be big; the server goes on answering meanwhile),
// then stored and answered on the main thread.
typedef struct
{
  SluiceServer      *server;
  SoupServerMessage *msg;
  GBytes            *archive;
  char              *staging;     // a fresh folder under pipelines/
  char              *bundle;      // staging/bundle: the extracted files
  char              *token;
  gboolean           gone;        // the client went away meanwhile
  // results
  SluicePipeline    *pipeline;
  char              *id;
  GPtrArray         *problems;    // when it does not validate
  GError            *error;       // when it cannot be read
  gboolean           unloadable;  // error is about the pipeline file, not the archive
} Upload;

static void
upload_free (Upload *upload)
{
  g_signal_handlers_disconnect_by_data (upload->msg, upload);
  sluice_file_remove_tree (upload->staging, NULL);
  g_object_unref (upload->msg);
  g_bytes_unref (upload->archive);
  g_free (upload->staging);
  g_free (upload->bundle);
  g_free (upload->token);
  g_clear_object (&upload->pipeline);
  g_free (upload->id);
  g_clear_pointer (&upload->problems, g_ptr_array_unref);
  g_clear_error (&upload->error);
  g_free (upload);
}

static void
stage_in_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Upload *upload = task_data;
  SluiceArchiveLimits limits = { MAX_ARCHIVE_ENTRIES, MAX_EXTRACTED_BYTES };
  g_autofree char *file = g_build_filename (upload->bundle, PIPELINE_FILE, NULL);
  g_autoptr(SluiceComponentRegistry) registry = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) problems = NULL;

  if (!sluice_archive_extract (upload->archive, upload->bundle, &limits, &entries, &upload->error))
    goto done;
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (&upload->error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID,
                   "the archive has no %s at its root", PIPELINE_FILE);
      goto done;
    }
  if (!(upload->pipeline = sluice_pipeline_load_file (file, &upload->error)))
    {
      upload->unloadable = TRUE;
      goto done;
    }
  // A registry of its own: the server's is for the main thread.
  registry = sluice_component_registry_new_default ();
  problems = sluice_pipeline_validate (upload->pipeline, registry);
  if (sluice_problems_have_errors (problems))
    upload->problems = g_steal_pointer (&problems);
  else
    upload->id = pipeline_id (upload->pipeline, entries);

done:
  g_task_return_boolean (task, TRUE);
}

// Moves the bundle to pipelines/ID (unless that content is there already)
// and records it; returns the status to answer with, 0 after an error.
static guint
store_upload (SluiceRequest *request,
              Upload        *upload)
{
  SluiceServer *self = upload->server;
  g_autofree char *final = g_build_filename (self->pipelines_dir, upload->id, NULL);
  g_autoptr(SluiceServerPipeline) record = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 200;

  // The same content uploaded again: keep the first copy.
  if (!g_file_test (final, G_FILE_TEST_IS_DIR))
    {
      if (g_rename (upload->bundle, final) != 0)
        {
          _sluice_respond_error (request, 500, "internal", "cannot store the pipeline: %s", g_strerror (errno));
          return 0;
        }
      status = 201;
    }
  if (!(record = sluice_server_db_get_pipeline (self->db, upload->id, NULL)))
    {
      SluiceServerPipeline fresh = {
        upload->id, (char *) sluice_pipeline_get_name (upload->pipeline),
        sluice_pipeline_get_steps (upload->pipeline)->len, g_get_real_time (), upload->token,
      };

      if (!sluice_server_db_add_pipeline (self->db, &fresh, &error))
        {
          _sluice_respond_gerror (request, error);
          return 0;
        }
      status = 201;
    }
  return status;
}

static void
on_staged (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Upload *upload = g_task_get_task_data (G_TASK (result));
  SluiceRequest request = { upload->server, upload->msg, NULL, NULL, NULL, NULL };
  g_autoptr(SluiceServerPipeline) record = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint status;

  if (upload->gone)
    {
      upload_free (upload);
      return;
    }
  if (upload->error != NULL && upload->unloadable)
    {
      body = problems_error (NULL, upload->bundle, upload->error->message);
      _sluice_respond_json (&request, 422, body);
    }
  else if (upload->error != NULL)
    respond_archive_error (&request, upload->error);
  else if (upload->problems != NULL)
    {
      body = problems_error (upload->problems, upload->bundle, "the pipeline is not valid");
      _sluice_respond_json (&request, 422, body);
    }
  else if ((status = store_upload (&request, upload)) != 0 &&
           (record = sluice_server_db_get_pipeline (upload->server->db, upload->id, &upload->error)))
    {
      body = pipeline_to_json (upload->server, record, FALSE);
      _sluice_respond_json (&request, status, body);
    }
  else if (upload->error != NULL)
    _sluice_respond_gerror (&request, upload->error);
  soup_server_message_unpause (upload->msg);
  // Here, not as the task data's destroy notify: the task may be finalized
  // in the worker thread, and the message belongs to the main thread.
  upload_free (upload);
}

static void
on_upload_client_gone (SoupServerMessage *msg,
                       Upload            *upload)
{
  upload->gone = TRUE;
}

static gboolean
is_gzip (SluiceRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && (g_ascii_strcasecmp (type, "application/gzip") == 0 ||
                          g_ascii_strcasecmp (type, "application/x-gzip") == 0);
}

void
_sluice_handle_upload_pipeline (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autofree char *template = g_build_filename (self->pipelines_dir, ".upload-XXXXXX", NULL);
  g_autoptr(GTask) task = NULL;
  Upload *upload;

  if (!is_gzip (request))
    {
      _sluice_respond_error (request, 415, "unsupported_media_type", "upload a gzip'd tar archive as application/gzip");
      return;
    }
  if (request->body == NULL || g_bytes_get_size (request->body) == 0)
    {
      _sluice_respond_error (request, 400, "bad_archive", "the body is empty");
      return;
    }
  if (g_mkdtemp (template) == NULL)
    {
      _sluice_respond_error (request, 500, "internal", "cannot make a staging folder: %s", g_strerror (errno));
      return;
    }

  upload = g_new0 (Upload, 1);
  upload->server = self;
  upload->msg = g_object_ref (request->msg);
  upload->archive = g_bytes_ref (request->body);
  upload->staging = g_steal_pointer (&template);
  upload->bundle = g_build_filename (upload->staging, "bundle", NULL);
  upload->token = g_strdup (request->token->name);
  g_signal_connect (request->msg, "disconnected", G_CALLBACK (on_upload_client_gone), upload);

  task = g_task_new (NULL, NULL, on_staged, NULL);
  g_task_set_source_tag (task, _sluice_handle_upload_pipeline);
  g_task_set_task_data (task, upload, NULL);
  g_task_run_in_thread (task, stage_in_thread);
  soup_server_message_pause (request->msg);
}

void
_sluice_handle_list_pipelines (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pipelines = sluice_server_db_list_pipelines (request->server->db, &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (pipelines == NULL)
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pipelines");
  json_builder_begin_array (b);
  for (guint i = 0; i < pipelines->len; i++)
    json_builder_add_value (b, pipeline_to_json (request->server, g_ptr_array_index (pipelines, i), FALSE));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}

void
_sluice_handle_get_pipeline (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceServerPipeline) pipeline = sluice_server_db_get_pipeline (request->server->db, request->args[0], &error);
  g_autoptr(JsonNode) root = NULL;

  if (pipeline == NULL)
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  root = pipeline_to_json (request->server, pipeline, TRUE);
  _sluice_respond_json (request, 200, root);
}

/* published ------------------------------------------------------------------------- */

static gboolean
name_is_valid (const char *name)
{
  gsize length = name ? strlen (name) : 0;

  if (length == 0 || length > MAX_NAME_LENGTH || !g_ascii_isalnum (name[0]))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
      return FALSE;
  return TRUE;
}

// A member that must be a string when present.
static gboolean
get_string (SluiceRequest  *request,
            JsonObject     *object,
            const char     *member,
            gboolean        required,
            const char    **value)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        _sluice_respond_error (request, 400, "bad_request", "\"%s\" is missing", member);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      _sluice_respond_error (request, 400, "bad_request", "\"%s\" must be a string", member);
      return FALSE;
    }
  *value = json_node_get_string (node);
  return TRUE;
}

// "inputs" as an object (an empty one when absent), or NULL after a 400.
static JsonObject *
get_inputs (SluiceRequest *request,
            JsonObject    *object)
{
  JsonNode *node = object ? json_object_get_member (object, "inputs") : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return json_object_new ();
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _sluice_respond_error (request, 400, "bad_request", "\"inputs\" must be an object of input name to value");
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

static char *
object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static JsonNode *
published_to_json (const SluicePublished *p)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, p->name);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, p->version);
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, p->pipeline_id);
  json_builder_set_member_name (b, "inputs");
  json_builder_add_value (b, _sluice_parse_object_text (p->inputs_json));
  _sluice_builder_add_time (b, "created_at", p->created_at);
  json_builder_set_member_name (b, "created_by");
  json_builder_add_string_value (b, p->created_by);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
_sluice_handle_publish (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(SluiceServerPipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *inputs_text = NULL;
  JsonObject *body = _sluice_request_json (request, &parser);
  const char *name, *pipeline_id;
  SluicePublished published = { 0 };

  if (body == NULL || !get_string (request, body, "name", TRUE, &name) ||
      !get_string (request, body, "pipeline", TRUE, &pipeline_id) || !(inputs = get_inputs (request, body)))
    return;
  if (!name_is_valid (name))
    {
      _sluice_respond_error (request, 400, "bad_request",
                             "'%s' is not a valid name: letters, digits, '-', '_' and '.', at most %d, starting with a letter or digit",
                             name, MAX_NAME_LENGTH);
      return;
    }
  if (!(pipeline = sluice_server_db_get_pipeline (self->db, pipeline_id, &error)) ||
      !_sluice_server_check_inputs (self, pipeline_id, inputs, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }

  inputs_text = object_to_text (inputs);
  published.name = (char *) name;
  published.pipeline_id = (char *) pipeline_id;
  published.inputs_json = inputs_text;
  published.created_at = g_get_real_time ();
  published.created_by = (char *) request->token->name;
  if (!sluice_server_db_publish (self->db, &published, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  root = published_to_json (&published);
  _sluice_respond_json (request, 201, root);
}

static void
respond_published_list (SluiceRequest *request,
                        GPtrArray     *list,
                        const char    *name)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  if (name != NULL)
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
    }
  json_builder_set_member_name (b, name ? "versions" : "published");
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_value (b, published_to_json (g_ptr_array_index (list, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}

void
_sluice_handle_list_published (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = sluice_server_db_list_published (request->server->db, &error);

  if (list == NULL)
    _sluice_respond_gerror (request, error);
  else
    respond_published_list (request, list, NULL);
}

void
_sluice_handle_get_published (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = sluice_server_db_list_versions (request->server->db, request->args[0], &error);

  if (list == NULL)
    _sluice_respond_gerror (request, error);
  else if (list->len == 0)
    _sluice_respond_error (request, 404, "not_found", "published pipeline '%s' does not exist", request->args[0]);
  else
    respond_published_list (request, list, request->args[0]);
}

// Defaults of the published version, then the given inputs over them.
static JsonObject *
merge_inputs (const char *defaults_json,
              JsonObject *given)
{
  g_autoptr(JsonNode) defaults = _sluice_parse_object_text (defaults_json);
  JsonObject *merged = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, json_node_get_object (defaults));
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (merged, name, json_node_copy (value));
  if (given != NULL)
    {
      json_object_iter_init (&iter, given);
      while (json_object_iter_next (&iter, &name, &value))
        json_object_set_member (merged, name, json_node_copy (value));
    }
  return merged;
}

static gint64
start_published (SluiceServer       *self,
                 const char         *name,
                 guint               version,
                 JsonObject         *inputs,
                 gint64              schedule_id,
                 const char         *started_by,
                 GError            **error)
{
  g_autoptr(SluicePublished) published = sluice_server_db_get_published (self->db, name, version, error);
  g_autoptr(JsonObject) merged = NULL;

  if (published == NULL)
    return 0;
  merged = merge_inputs (published->inputs_json, inputs);
  return _sluice_server_start_run (self, published->pipeline_id, merged, NULL, published->name,
                                   published->version, schedule_id, started_by, error);
}

void
_sluice_handle_trigger_published (SluiceRequest *request)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *body = NULL;
  gint64 version = 0, run_id;

  // An empty body is a trigger with the defaults.
  if (request->body != NULL && g_bytes_get_size (request->body) > 0 &&
      !(body = _sluice_request_json (request, &parser)))
    return;
  if (!(inputs = get_inputs (request, body)))
    return;
  if (body != NULL && json_object_has_member (body, "version") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (body, "version")))
    {
      JsonNode *node = json_object_get_member (body, "version");

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          (version = json_node_get_int (node)) <= 0 || version > G_MAXINT)
        {
          _sluice_respond_error (request, 400, "bad_request", "\"version\" must be a positive integer");
          return;
        }
    }

  if ((run_id = start_published (request->server, request->args[0], (guint) version, inputs, 0,
                                 request->token->name, &error)) == 0 ||
      !(root = _sluice_server_run_to_json (request->server, run_id, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  _sluice_respond_json (request, 201, root);
}

gint64
_sluice_server_fire_schedule (SluiceSchedule  *schedule,
                              gpointer         user_data,
                              GError         **error)
{
  g_autoptr(JsonNode) inputs = _sluice_parse_object_text (schedule->inputs_json);
  g_autofree char *by = g_strdup_printf ("schedule %" G_GINT64_FORMAT, schedule->id);

  return start_published (user_data, schedule->published, 0, json_node_get_object (inputs), schedule->id, by, error);
}

/* schedules -------------------------------------------------------------------------- */

static JsonNode *
schedule_to_json (SluiceServer         *self,
                  const SluiceSchedule *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) next = s->paused ? NULL : sluice_scheduler_next_runs (self->scheduler, s, 5);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, s->id);
  json_builder_set_member_name (b, "published");
  json_builder_add_string_value (b, s->published);
  json_builder_set_member_name (b, "cron");
  if (s->cron)
    json_builder_add_string_value (b, s->cron);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "interval_seconds");
  if (s->interval_seconds > 0)
    json_builder_add_int_value (b, s->interval_seconds);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "timezone");
  json_builder_add_string_value (b, s->timezone);
  json_builder_set_member_name (b, "inputs");
  json_builder_add_value (b, _sluice_parse_object_text (s->inputs_json));
  json_builder_set_member_name (b, "paused");
  json_builder_add_boolean_value (b, s->paused);
  _sluice_builder_add_time (b, "created_at", s->created_at);
  json_builder_set_member_name (b, "created_by");
  json_builder_add_string_value (b, s->created_by);
  _sluice_builder_add_time (b, "last_fire_at", s->last_fire_at);
  json_builder_set_member_name (b, "last_run");
  if (s->last_run_id > 0)
    json_builder_add_int_value (b, s->last_run_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "next_runs");
  json_builder_begin_array (b);
  for (guint i = 0; next != NULL && i < next->len; i++)
    {
      // RFC 3339 with the zone's offset as ±hh:mm (GLib's ISO 8601 writes "+01").
      g_autofree char *text = g_date_time_format (g_ptr_array_index (next, i), "%Y-%m-%dT%H:%M:%S%:z");

      json_builder_add_string_value (b, text);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
respond_schedule (SluiceRequest *request,
                  gint64         id,
                  guint          status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceSchedule) schedule = sluice_server_db_get_schedule (request->server->db, id, &error);
  g_autoptr(JsonNode) root = NULL;

  if (schedule == NULL)
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  root = schedule_to_json (request->server, schedule);
  _sluice_respond_json (request, status, root);
}

static gboolean
get_interval (SluiceRequest *request,
              JsonObject    *body,
              guint         *interval)
{
  JsonNode *node = json_object_get_member (body, "interval_seconds");
  gint64 value;

  *interval = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      (value = json_node_get_int (node)) <= 0 || value > 366 * 86400)
    {
      _sluice_respond_error (request, 400, "bad_request", "\"interval_seconds\" must be a whole number from 1 to %d", 366 * 86400);
      return FALSE;
    }
  *interval = (guint) value;
  return TRUE;
}

void
_sluice_handle_create_schedule (SluiceRequest *request)
{
  SluiceServer *self = request->server;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(SluicePublished) published = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *inputs_text = NULL;
  JsonObject *body = _sluice_request_json (request, &parser);
  const char *name, *cron, *timezone;
  SluiceSchedule schedule = { 0 };
  guint interval;

  if (body == NULL || !get_string (request, body, "published", TRUE, &name) ||
      !get_string (request, body, "cron", FALSE, &cron) || !get_string (request, body, "timezone", FALSE, &timezone) ||
      !get_interval (request, body, &interval) || !(inputs = get_inputs (request, body)))
    return;
  if (!sluice_schedule_check (cron, interval, timezone ? timezone : "UTC", &error))
    {
      _sluice_respond_error (request, 422, "invalid", "%s", error->message);
      return;
    }
  if (!(published = sluice_server_db_get_published (self->db, name, 0, &error)) ||
      !_sluice_server_check_inputs (self, published->pipeline_id, inputs, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }

  inputs_text = object_to_text (inputs);
  schedule.published = (char *) name;
  schedule.cron = (char *) cron;
  schedule.interval_seconds = interval;
  schedule.timezone = (char *) (timezone ? timezone : "UTC");
  schedule.inputs_json = inputs_text;
  schedule.created_at = g_get_real_time ();
  schedule.created_by = (char *) request->token->name;
  if (!sluice_server_db_add_schedule (self->db, &schedule, &error) ||
      !sluice_scheduler_reload (self->scheduler, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  respond_schedule (request, schedule.id, 201);
}

void
_sluice_handle_list_schedules (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = sluice_server_db_list_schedules (request->server->db, &error);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (list == NULL)
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schedules");
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_builder_add_value (b, schedule_to_json (request->server, g_ptr_array_index (list, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}

static gboolean
schedule_arg (SluiceRequest *request,
              gint64        *id)
{
  if (_sluice_parse_id (request->args[0], id))
    return TRUE;
  _sluice_respond_error (request, 404, "not_found", "schedule %s does not exist", request->args[0]);
  return FALSE;
}

void
_sluice_handle_get_schedule (SluiceRequest *request)
{
  gint64 id;

  if (schedule_arg (request, &id))
    respond_schedule (request, id, 200);
}

static void
set_paused (SluiceRequest *request,
            gboolean       paused)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!schedule_arg (request, &id))
    return;
  if (!sluice_server_db_set_schedule_paused (request->server->db, id, paused, &error) ||
      !sluice_scheduler_reload (request->server->scheduler, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  respond_schedule (request, id, 200);
}

void
_sluice_handle_pause_schedule (SluiceRequest *request)
{
  set_paused (request, TRUE);
}

void
_sluice_handle_resume_schedule (SluiceRequest *request)
{
  set_paused (request, FALSE);
}

void
_sluice_handle_delete_schedule (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (!schedule_arg (request, &id))
    return;
  if (!sluice_server_db_delete_schedule (request->server->db, id, &error) ||
      !sluice_scheduler_reload (request->server->scheduler, &error))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  soup_server_message_set_status (request->msg, 204, NULL);
}

/* audit ----------------------------------------------------------------------------- */

void
_sluice_handle_audit (SluiceRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint limit;

  if (!_sluice_request_query_uint (request, "limit", 100, 10000, &limit))
    return;
  if (!(entries = sluice_server_db_list_audit (request->server->db, limit, &error)))
    {
      _sluice_respond_gerror (request, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      SluiceAuditEntry *e = g_ptr_array_index (entries, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, e->id);
      _sluice_builder_add_time (b, "time", e->time);
      json_builder_set_member_name (b, "token");
      if (e->token)
        json_builder_add_string_value (b, e->token);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, e->method);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, e->path);
      json_builder_set_member_name (b, "status");
      json_builder_add_int_value (b, e->status);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  _sluice_respond_json (request, 200, root);
}
