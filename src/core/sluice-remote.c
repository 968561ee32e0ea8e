// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "sluice-remote.h"
#include "sluice-run-monitor-private.h"
#include "sluice-sse-parser.h"

#define API_PREFIX "/api/v1"
// A dead connection shows as silence; the server sends keepalive comments
// much more often than this.
#define IO_TIMEOUT_SECONDS 60
#define FIRST_RETRY_MS 250
#define MAX_RETRY_MS (10 * 1000)
#define READ_CHUNK 16384

struct _SluiceRemote
{
  GObject      parent_instance;

  char        *url;           // as given, without a trailing '/'
  char        *api;           // url + /api/v1
  char        *token;
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (SluiceRemote, sluice_remote, G_TYPE_OBJECT)
G_DEFINE_QUARK (sluice-remote-error-quark, sluice_remote_error)

enum { CONNECTION_LOST, RECONNECTED, WATCH_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
sluice_remote_finalize (GObject *object)
{
  SluiceRemote *self = SLUICE_REMOTE (object);

  g_free (self->url);
  g_free (self->api);
  g_free (self->token);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (sluice_remote_parent_class)->finalize (object);
}

static void
sluice_remote_class_init (SluiceRemoteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_remote_finalize;

  signals[CONNECTION_LOST] = g_signal_new ("connection-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           SLUICE_TYPE_RUN_MONITOR, G_TYPE_ERROR);
  signals[RECONNECTED] = g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, SLUICE_TYPE_RUN_MONITOR);
  signals[WATCH_FAILED] = g_signal_new ("watch-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        SLUICE_TYPE_RUN_MONITOR, G_TYPE_ERROR);
}

static void
sluice_remote_init (SluiceRemote *self)
{
  // Every watched run holds a connection open; the default of two per
  // host would leave other requests waiting behind them.
  self->session = g_object_new (SOUP_TYPE_SESSION,
                                "timeout", IO_TIMEOUT_SECONDS,
                                "max-conns-per-host", 32,
                                "max-conns", 64,
                                "user-agent", "sluice/" PACKAGE_VERSION " ",
                                NULL);
}

SluiceRemote *
sluice_remote_new (const char  *url,
                   const char  *token,
                   GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) parse_error = NULL;
  SluiceRemote *self;
  g_autofree char *trimmed = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);

  if (!(uri = g_uri_parse (url, G_URI_FLAGS_NONE, &parse_error)) ||
      !(scheme = g_uri_get_scheme (uri)) || !(g_str_equal (scheme, "http") || g_str_equal (scheme, "https")) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "'%s' is not a server address; give one like http://host:8080", url);
      return NULL;
    }

  // The token goes into a header: a line break there would add headers.
  for (const char *p = token; p != NULL && *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      {
        g_set_error_literal (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                             "the token has spaces or control characters in it; give the token "
                             "`sluice-server token create` printed");
        return NULL;
      }

  trimmed = g_strdup (url);
  while (g_str_has_suffix (trimmed, "/"))
    trimmed[strlen (trimmed) - 1] = '\0';

  self = g_object_new (SLUICE_TYPE_REMOTE, NULL);
  self->url = g_strdup (trimmed);
  self->api = g_str_has_suffix (trimmed, API_PREFIX) ? g_strdup (trimmed) : g_strconcat (trimmed, API_PREFIX, NULL);
  self->token = token && *token ? g_strdup (token) : NULL;
  return self;
}

const char *
sluice_remote_get_url (SluiceRemote *self)
{
  g_return_val_if_fail (SLUICE_IS_REMOTE (self), NULL);
  return self->url;
}

/* requests ------------------------------------------------------------------------ */

static SoupMessage *
new_message (SluiceRemote  *self,
             const char    *method,
             const char    *path,
             GError       **error)
{
  g_autofree char *uri = g_strconcat (self->api, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  if (msg == NULL)
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG, "'%s' is not a valid address", uri);
      return NULL;
    }
  if (self->token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
    }
  return msg;
}

static SluiceRemoteError
error_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return SLUICE_REMOTE_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return SLUICE_REMOTE_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return SLUICE_REMOTE_ERROR_NOT_FOUND;
    case 429:   // too many requests: the server is busy, not the request wrong
      return SLUICE_REMOTE_ERROR_SERVER;
    default:
      return status >= 400 && status < 500 ? SLUICE_REMOTE_ERROR_INVALID : SLUICE_REMOTE_ERROR_SERVER;
    }
}

// One problem of a 422 reply: a string, or an object like `sluice
// validate --json` prints.
static void
append_problem (GString  *message,
                JsonNode *node)
{
  JsonObject *object;

  g_string_append (message, "\n  ");
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_string_append (message, json_node_get_string (node));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  object = json_node_get_object (node);
  // Problems found in the uploaded archive are in its pipeline.sluice.json.
  if (json_object_get_int_member_with_default (object, "line", 0) > 0)
    g_string_append_printf (message, "%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ": ",
                            json_object_get_string_member_with_default (object, "file", "pipeline.sluice.json"),
                            json_object_get_int_member_with_default (object, "line", 0),
                            json_object_get_int_member_with_default (object, "column", 0));
  g_string_append_printf (message, "%s: %s", json_object_get_string_member_with_default (object, "severity", "error"),
                          json_object_get_string_member_with_default (object, "message", "(no message)"));
}

static void
append_problems (GString  *message,
                 JsonNode *problems)
{
  JsonArray *array;

  if (problems == NULL || !JSON_NODE_HOLDS_ARRAY (problems))
    return;
  array = json_node_get_array (problems);
  for (guint i = 0; i < json_array_get_length (array); i++)
    append_problem (message, json_array_get_element (array, i));
}

// The server's {"error": {"code", "message"}, "problems": [...]} as a
// GError; a reply without one still gets the HTTP status.
static GError *
error_from_reply (SoupMessage *msg,
                  GBytes      *body)
{
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) message = g_string_new (NULL);
  JsonObject *root = NULL;
  JsonNode *node;

  if (body != NULL && g_bytes_get_size (body) > 0 &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_get_object (json_parser_get_root (parser));

  if (root != NULL && (node = json_object_get_member (root, "error")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    g_string_append (message, json_object_get_string_member_with_default (json_node_get_object (node), "message", ""));
  if (message->len == 0)
    g_string_printf (message, "the server answered %u %s", status,
                     soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "");
  // The problems of an invalid pipeline, next to "error" or inside it.
  if (root != NULL)
    {
      JsonNode *inner = json_object_get_member (root, "error");
      JsonNode *outer = json_object_get_member (root, "problems");

      if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
        append_problems (message, json_object_get_member (json_node_get_object (inner), "problems"));
      append_problems (message, outer);
    }

  return g_error_new_literal (SLUICE_REMOTE_ERROR, error_code_for_status (status), message->str);
}

static GError *
network_error (SluiceRemote *self,
               GError       *cause)
{
  return g_error_new (SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NETWORK, "cannot reach %s: %s", self->url,
                      cause->message);
}

static void
on_reply (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SluiceRemote *self = g_task_get_source_object (task);
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonParser) parser = NULL;
  guint status;

  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, network_error (self, error));
      return;
    }

  status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, error_from_reply (msg, body));
      return;
    }
  // Logs are plain text, read as they are.
  if (g_task_get_source_tag (task) == sluice_remote_get_log_async)
    {
      g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (g_bytes_get_size (body) == 0)
    {
      g_task_return_pointer (task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
      return;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), &error))
    {
      g_task_return_new_error (task, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_SERVER,
                               "the server's reply is not JSON: %s", error->message);
      return;
    }
  g_task_return_pointer (task, json_parser_steal_root (parser), (GDestroyNotify) json_node_unref);
}

// Sends and consumes the task; body may be NULL.
static void
send_task (GTask      *task,
           const char *method,
           const char *path,
           GBytes     *body,
           const char *content_type)
{
  SluiceRemote *self = g_task_get_source_object (task);
  GError *error = NULL;
  SoupMessage *msg = new_message (self, method, path, &error);

  if (msg == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  g_task_set_task_data (task, msg, g_object_unref);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                    on_reply, task);
}

static void
request (SluiceRemote        *self,
         gpointer             source_tag,
         const char          *method,
         const char          *path,
         JsonNode            *json_body,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GBytes) body = NULL;

  g_task_set_source_tag (task, source_tag);
  if (json_body != NULL)
    {
      gsize length = 0;
      char *text = json_to_string (json_body, FALSE);

      length = strlen (text);
      body = g_bytes_new_take (text, length);
    }
  send_task (task, method, path, body, "application/json");
}

static JsonNode *
finish_json (SluiceRemote  *self,
             GAsyncResult  *result,
             gpointer       source_tag,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, source_tag), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

#define DEFINE_FINISH(verb)                                                           \
  JsonNode *                                                                          \
  sluice_remote_##verb##_finish (SluiceRemote  *self,                                 \
                                 GAsyncResult  *result,                               \
                                 GError       **error)                                \
  {                                                                                   \
    return finish_json (self, result, sluice_remote_##verb##_async, error);           \
  }

// Path pieces the user typed (step ids, names) go into the URL escaped.
static char *
escape (const char *segment)
{
  return g_uri_escape_string (segment, NULL, FALSE);
}

static void
add_object_member (JsonBuilder *b,
                   const char  *name,
                   JsonObject  *object)
{
  json_builder_set_member_name (b, name);
  if (object == NULL)
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
      return;
    }
  {
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (node, object);
    json_builder_add_value (b, node);
  }
}

/* pipelines ------------------------------------------------------------------------- */

static void
on_archive_packed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(GBytes) bytes = sluice_pipeline_archive_write_finish (SLUICE_PIPELINE_ARCHIVE (source), result, &error);

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  send_task (task, "POST", "/pipelines", bytes, "application/gzip");
}

void
sluice_remote_upload_pipeline_async (SluiceRemote          *self,
                                     SluicePipelineArchive *archive,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  GTask *task;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (SLUICE_IS_PIPELINE_ARCHIVE (archive));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_remote_upload_pipeline_async);
  sluice_pipeline_archive_write_async (archive, cancellable, on_archive_packed, task);
}
DEFINE_FINISH (upload_pipeline)

void
sluice_remote_list_pipelines_async (SluiceRemote        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  request (self, sluice_remote_list_pipelines_async, "GET", "/pipelines", NULL, cancellable, callback, user_data);
}
DEFINE_FINISH (list_pipelines)

void
sluice_remote_get_pipeline_async (SluiceRemote        *self,
                                  const char          *pipeline_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (pipeline_id != NULL);

  id = escape (pipeline_id);
  path = g_strconcat ("/pipelines/", id, NULL);
  request (self, sluice_remote_get_pipeline_async, "GET", path, NULL, cancellable, callback, user_data);
}
DEFINE_FINISH (get_pipeline)

/* runs --------------------------------------------------------------------------------- */

void
sluice_remote_start_run_async (SluiceRemote        *self,
                               const char          *pipeline_id,
                               JsonObject          *inputs,
                               const char * const  *force,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (pipeline_id != NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, pipeline_id);
  add_object_member (b, "inputs", inputs);
  json_builder_set_member_name (b, "force");
  json_builder_begin_array (b);
  for (guint i = 0; force != NULL && force[i] != NULL; i++)
    json_builder_add_string_value (b, force[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  request (self, sluice_remote_start_run_async, "POST", "/runs", body, cancellable, callback, user_data);
}
DEFINE_FINISH (start_run)

// A request on one object of a collection: /runs/ID/cancel, /schedules/ID…
static void
item_request (SluiceRemote        *self,
              gpointer             source_tag,
              const char          *method,
              const char          *collection,
              gint64               id,
              const char          *suffix,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/%s/%" G_GINT64_FORMAT "%s", collection, id, suffix);

  request (self, source_tag, method, path, NULL, cancellable, callback, user_data);
}

#define run_request(self, tag, method, id, suffix, cancellable, callback, user_data) \
  item_request (self, tag, method, "runs", id, suffix, cancellable, callback, user_data)
#define schedule_request(self, tag, method, id, suffix, cancellable, callback, user_data) \
  item_request (self, tag, method, "schedules", id, suffix, cancellable, callback, user_data)

void
sluice_remote_get_run_async (SluiceRemote        *self,
                             gint64               run_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  run_request (self, sluice_remote_get_run_async, "GET", run_id, "", cancellable, callback, user_data);
}
DEFINE_FINISH (get_run)

void
sluice_remote_list_runs_async (SluiceRemote        *self,
                               const char          *pipeline_id,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new ("/runs");
  char separator = '?';

  g_return_if_fail (SLUICE_IS_REMOTE (self));

  if (pipeline_id != NULL)
    {
      g_autofree char *id = escape (pipeline_id);

      g_string_append_printf (path, "%cpipeline=%s", separator, id);
      separator = '&';
    }
  if (limit > 0)
    g_string_append_printf (path, "%climit=%u", separator, limit);
  request (self, sluice_remote_list_runs_async, "GET", path->str, NULL, cancellable, callback, user_data);
}
DEFINE_FINISH (list_runs)

void
sluice_remote_cancel_run_async (SluiceRemote        *self,
                                gint64               run_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  run_request (self, sluice_remote_cancel_run_async, "POST", run_id, "/cancel", cancellable, callback, user_data);
}
DEFINE_FINISH (cancel_run)

void
sluice_remote_resume_run_async (SluiceRemote        *self,
                                gint64               run_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  run_request (self, sluice_remote_resume_run_async, "POST", run_id, "/resume", cancellable, callback, user_data);
}
DEFINE_FINISH (resume_run)

void
sluice_remote_get_metrics_async (SluiceRemote        *self,
                                 gint64               run_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  run_request (self, sluice_remote_get_metrics_async, "GET", run_id, "/metrics", cancellable, callback, user_data);
}
DEFINE_FINISH (get_metrics)

void
sluice_remote_get_log_async (SluiceRemote        *self,
                             gint64               run_id,
                             const char          *step_id,
                             guint                attempt,
                             gint64               after,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *step = NULL;
  g_autoptr(GString) suffix = g_string_new (NULL);
  char separator = '?';

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (step_id != NULL);

  step = escape (step_id);
  g_string_printf (suffix, "/steps/%s/logs", step);
  if (attempt > 0)
    {
      g_string_append_printf (suffix, "%cattempt=%u", separator, attempt);
      separator = '&';
    }
  if (after > 0)
    g_string_append_printf (suffix, "%cafter=%" G_GINT64_FORMAT, separator, after);
  run_request (self, sluice_remote_get_log_async, "GET", run_id, suffix->str, cancellable, callback, user_data);
}

char *
sluice_remote_get_log_finish (SluiceRemote  *self,
                              GAsyncResult  *result,
                              gint64        *last_seq,
                              GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  SoupMessage *msg;
  const char *seq;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, sluice_remote_get_log_async), NULL);

  if (!(bytes = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;
  msg = g_task_get_task_data (G_TASK (result));
  seq = soup_message_headers_get_one (soup_message_get_response_headers (msg), "X-Sluice-Last-Seq");
  if (last_seq != NULL)
    *last_seq = seq ? g_ascii_strtoll (seq, NULL, 10) : 0;
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* published pipelines ------------------------------------------------------------------ */

void
sluice_remote_publish_async (SluiceRemote        *self,
                             const char          *name,
                             const char          *pipeline_id,
                             JsonObject          *inputs,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (name != NULL && pipeline_id != NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, pipeline_id);
  add_object_member (b, "inputs", inputs);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  request (self, sluice_remote_publish_async, "POST", "/published", body, cancellable, callback, user_data);
}
DEFINE_FINISH (publish)

void
sluice_remote_list_published_async (SluiceRemote        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  request (self, sluice_remote_list_published_async, "GET", "/published", NULL, cancellable, callback, user_data);
}
DEFINE_FINISH (list_published)

void
sluice_remote_trigger_published_async (SluiceRemote        *self,
                                       const char          *name,
                                       JsonObject          *inputs,
                                       guint                version,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (name != NULL);

  json_builder_begin_object (b);
  add_object_member (b, "inputs", inputs);
  if (version > 0)
    {
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, version);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  escaped = escape (name);
  path = g_strdup_printf ("/published/%s/runs", escaped);
  request (self, sluice_remote_trigger_published_async, "POST", path, body, cancellable, callback, user_data);
}
DEFINE_FINISH (trigger_published)

/* schedules ----------------------------------------------------------------------------- */

void
sluice_remote_create_schedule_async (SluiceRemote        *self,
                                     const char          *published,
                                     const char          *cron,
                                     guint                interval_seconds,
                                     const char          *timezone,
                                     JsonObject          *inputs,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (SLUICE_IS_REMOTE (self));
  g_return_if_fail (published != NULL);
  g_return_if_fail ((cron != NULL) != (interval_seconds > 0));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "published");
  json_builder_add_string_value (b, published);
  if (cron != NULL)
    {
      json_builder_set_member_name (b, "cron");
      json_builder_add_string_value (b, cron);
    }
  else
    {
      json_builder_set_member_name (b, "interval_seconds");
      json_builder_add_int_value (b, interval_seconds);
    }
  if (timezone != NULL)
    {
      json_builder_set_member_name (b, "timezone");
      json_builder_add_string_value (b, timezone);
    }
  add_object_member (b, "inputs", inputs);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  request (self, sluice_remote_create_schedule_async, "POST", "/schedules", body, cancellable, callback, user_data);
}
DEFINE_FINISH (create_schedule)

void
sluice_remote_list_schedules_async (SluiceRemote        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  request (self, sluice_remote_list_schedules_async, "GET", "/schedules", NULL, cancellable, callback, user_data);
}
DEFINE_FINISH (list_schedules)

void
sluice_remote_get_schedule_async (SluiceRemote        *self,
                                  gint64               schedule_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  schedule_request (self, sluice_remote_get_schedule_async, "GET", schedule_id, "", cancellable, callback, user_data);
}
DEFINE_FINISH (get_schedule)

void
sluice_remote_pause_schedule_async (SluiceRemote        *self,
                                    gint64               schedule_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  schedule_request (self, sluice_remote_pause_schedule_async, "POST", schedule_id, "/pause", cancellable, callback,
                    user_data);
}
DEFINE_FINISH (pause_schedule)

void
sluice_remote_resume_schedule_async (SluiceRemote        *self,
                                     gint64               schedule_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  schedule_request (self, sluice_remote_resume_schedule_async, "POST", schedule_id, "/resume", cancellable, callback,
                    user_data);
}
DEFINE_FINISH (resume_schedule)

void
sluice_remote_delete_schedule_async (SluiceRemote        *self,
                                     gint64               schedule_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (SLUICE_IS_REMOTE (self));
  schedule_request (self, sluice_remote_delete_schedule_async, "DELETE", schedule_id, "", cancellable, callback,
                    user_data);
}

gboolean
sluice_remote_delete_schedule_finish (SluiceRemote  *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_autoptr(JsonNode) reply = finish_json (self, result, sluice_remote_delete_schedule_async, error);

  return reply != NULL;
}

/* watching a run: the event stream ---------------------------------------------------- */

typedef struct
{
  SluiceRemote     *remote;
  SluiceRunMonitor *monitor;        // NULL once the monitor let go
  gint64            run_id;
  SluiceSseParser  *parser;
  GCancellable     *cancellable;    // of the current connection
  SoupMessage      *msg;
  GInputStream     *stream;
  guint             retry_source;
  guint             retry_ms;
  gboolean          lost;           // "connection-lost" emitted, "reconnected" not yet
  gboolean          stopped;
} RemoteFeed;

static void
remote_feed_clear (gpointer data)
{
  RemoteFeed *feed = data;

  g_clear_handle_id (&feed->retry_source, g_source_remove);
  g_clear_object (&feed->cancellable);
  g_clear_object (&feed->msg);
  g_clear_object (&feed->stream);
  g_clear_pointer (&feed->parser, sluice_sse_parser_free);
  g_clear_object (&feed->remote);
}

static RemoteFeed *
remote_feed_ref (RemoteFeed *feed)
{
  return g_rc_box_acquire (feed);
}

static void
remote_feed_unref (RemoteFeed *feed)
{
  g_rc_box_release_full (feed, remote_feed_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RemoteFeed, remote_feed_unref)

static void feed_connect (RemoteFeed *feed);

static gboolean
on_retry_timeout (gpointer user_data)
{
  RemoteFeed *feed = user_data;

  feed->retry_source = 0;
  if (!feed->stopped)
    feed_connect (feed);
  return G_SOURCE_REMOVE;
}

static void
drop_connection (RemoteFeed *feed)
{
  if (feed->cancellable != NULL)
    g_cancellable_cancel (feed->cancellable);
  g_clear_object (&feed->cancellable);
  g_clear_object (&feed->msg);
  g_clear_object (&feed->stream);
}

// A refused stream (unknown run, bad token) will not get better by asking
// again; everything else is retried, with backoff up to MAX_RETRY_MS.
static void
feed_failed (RemoteFeed *feed,
             GError     *error,
             gboolean    permanent)
{
  g_autoptr(RemoteFeed) keep = remote_feed_ref (feed);
  guint delay;

  drop_connection (feed);
  if (feed->stopped || feed->monitor == NULL)
    return;

  if (permanent)
    {
      feed->stopped = TRUE;
      g_signal_emit (feed->remote, signals[WATCH_FAILED], 0, feed->monitor, error);
      return;
    }

  if (!feed->lost)
    {
      feed->lost = TRUE;
      g_signal_emit (feed->remote, signals[CONNECTION_LOST], 0, feed->monitor, error);
    }
  if (feed->stopped)
    return;

  delay = MAX (feed->retry_ms, sluice_sse_parser_get_retry (feed->parser));
  feed->retry_ms = MIN (MAX (feed->retry_ms * 2, FIRST_RETRY_MS), MAX_RETRY_MS);
  g_clear_handle_id (&feed->retry_source, g_source_remove);
  feed->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, MIN (delay, MAX_RETRY_MS), on_retry_timeout,
                                           remote_feed_ref (feed), (GDestroyNotify) remote_feed_unref);
}

static GPtrArray *
events_from_sse (RemoteFeed *feed,
                 GPtrArray  *sse_events)
{
  GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);

  for (guint i = 0; i < sse_events->len; i++)
    {
      SluiceSseEvent *sse = g_ptr_array_index (sse_events, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      SluiceRunEvent *event;

      if (!json_parser_load_from_data (parser, sse->data, -1, &error) ||
          !(event = sluice_run_event_new_from_json (json_parser_get_root (parser), &error)))
        {
          // A newer server may send kinds this client does not know.
          g_debug ("run %" G_GINT64_FORMAT ": skipped event '%s': %s", feed->run_id, sse->event, error->message);
          continue;
        }
      event->cursor = g_strdup (sse->id);
      g_ptr_array_add (batch, event);
    }
  return batch;
}

static void feed_read_next (RemoteFeed *feed);

static void
on_stream_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(RemoteFeed) feed = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  g_autoptr(GPtrArray) sse_events = NULL;
  g_autoptr(GPtrArray) batch = NULL;

  if (feed->stopped || feed->monitor == NULL || G_INPUT_STREAM (source) != feed->stream)
    return;
  if (bytes == NULL)
    {
      g_autoptr(GError) lost = network_error (feed->remote, error);

      feed_failed (feed, lost, FALSE);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      g_autoptr(GError) closed = g_error_new (SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NETWORK,
                                              "%s closed the event stream of run %" G_GINT64_FORMAT
                                              " before the run ended", feed->remote->url, feed->run_id);

      feed_failed (feed, closed, FALSE);
      return;
    }

  // The server is talking again: the next failure starts the backoff anew.
  feed->retry_ms = 0;
  sse_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_sse_event_free);
  sluice_sse_parser_feed (feed->parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), sse_events);
  batch = events_from_sse (feed, sse_events);
  if (batch->len > 0)
    _sluice_run_monitor_deliver (feed->monitor, g_steal_pointer (&batch));

  // Delivering the final state stops the monitor, and so this feed.
  if (!feed->stopped && feed->monitor != NULL)
    feed_read_next (feed);
}

static void
feed_read_next (RemoteFeed *feed)
{
  g_input_stream_read_bytes_async (feed->stream, READ_CHUNK, G_PRIORITY_DEFAULT, feed->cancellable,
                                   on_stream_read, remote_feed_ref (feed));
}

static gboolean
is_event_stream (SoupMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

  return g_strcmp0 (type, "text/event-stream") == 0;
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(RemoteFeed) feed = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  guint status;

  if (feed->stopped || feed->monitor == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stream == NULL)
    {
      g_autoptr(GError) lost = network_error (feed->remote, error);

      feed_failed (feed, lost, FALSE);
      return;
    }

  status = soup_message_get_status (feed->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autoptr(GError) refused = error_from_reply (feed->msg, NULL);

      g_prefix_error (&refused, "events of run %" G_GINT64_FORMAT ": ", feed->run_id);
      feed_failed (feed, refused, status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN ||
                                  status == SOUP_STATUS_NOT_FOUND);
      return;
    }

  // A proxy's login page is not the stream, and asking again will not make it one.
  if (!is_event_stream (feed->msg))
    {
      g_autoptr(GError) wrong = g_error_new (SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_SERVER,
                                             "%s did not answer with an event stream for run %" G_GINT64_FORMAT
                                             "; is it a Sluice server?", feed->remote->url, feed->run_id);

      feed_failed (feed, wrong, TRUE);
      return;
    }

  feed->stream = g_steal_pointer (&stream);
  sluice_sse_parser_reset (feed->parser);
  if (feed->lost)
    {
      feed->lost = FALSE;
      g_signal_emit (feed->remote, signals[RECONNECTED], 0, feed->monitor);
    }
  if (!feed->stopped)
    feed_read_next (feed);
}

static void
feed_connect (RemoteFeed *feed)
{
  g_autofree char *path = g_strdup_printf ("/runs/%" G_GINT64_FORMAT "/events", feed->run_id);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *last_id = sluice_sse_parser_get_last_id (feed->parser);

  drop_connection (feed);
  if (!(feed->msg = new_message (feed->remote, "GET", path, &error)))
    {
      feed_failed (feed, error, TRUE);
      return;
    }
  headers = soup_message_get_request_headers (feed->msg);
  soup_message_headers_replace (headers, "Accept", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  if (last_id != NULL && *last_id != '\0')
    soup_message_headers_replace (headers, "Last-Event-ID", last_id);

  feed->cancellable = g_cancellable_new ();
  soup_session_send_async (feed->remote->session, feed->msg, G_PRIORITY_DEFAULT, feed->cancellable,
                           on_stream_opened, remote_feed_ref (feed));
}

static gboolean
remote_start (SluiceRunMonitor  *monitor,
              gpointer           data,
              const char        *cursor,
              GError           **error)
{
  RemoteFeed *feed = data;

  feed->monitor = monitor;
  feed->stopped = FALSE;
  sluice_sse_parser_set_last_id (feed->parser, cursor);
  feed_connect (feed);
  return TRUE;
}

static void
remote_stop (SluiceRunMonitor *monitor,
             gpointer          data)
{
  RemoteFeed *feed = data;

  feed->stopped = TRUE;
  g_clear_handle_id (&feed->retry_source, g_source_remove);
  drop_connection (feed);
}

// Reconnects at once instead of waiting out the backoff.
static void
remote_poll (SluiceRunMonitor *monitor,
             gpointer          data)
{
  RemoteFeed *feed = data;

  if (feed->retry_source != 0 && !feed->stopped)
    {
      g_clear_handle_id (&feed->retry_source, g_source_remove);
      feed_connect (feed);
    }
}

static const SluiceRunMonitorBackend remote_backend = { remote_start, remote_stop, remote_poll };

// The monitor is going away: the feed may outlive it in callbacks that are
// still pending, which then see monitor == NULL and do nothing.
static void
remote_feed_detach (gpointer data)
{
  RemoteFeed *feed = data;

  feed->stopped = TRUE;
  feed->monitor = NULL;
  g_clear_handle_id (&feed->retry_source, g_source_remove);
  drop_connection (feed);
  remote_feed_unref (feed);
}

SluiceRunMonitor *
sluice_remote_watch_run (SluiceRemote *self,
                         gint64        run_id)
{
  RemoteFeed *feed;

  g_return_val_if_fail (SLUICE_IS_REMOTE (self), NULL);
  g_return_val_if_fail (run_id > 0, NULL);

  feed = g_rc_box_new0 (RemoteFeed);
  feed->remote = g_object_ref (self);
  feed->run_id = run_id;
  feed->parser = sluice_sse_parser_new ();
  return _sluice_run_monitor_new_with_backend (&remote_backend, feed, remote_feed_detach, run_id);
}
