// SPDX-License-Identifier: GPL-3.0-or-later
//
// The HTTP side: listening, authentication, rate limits, body limits,
// routing to the handlers in sluice-server-*.c, JSON errors and the audit
// log. Everything runs on the main loop; handlers that wait (event
// streams) pause their message instead of blocking.

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sluice-event-stream.h"
#include "sluice-file.h"
#include "sluice-run.h"
#include "sluice-runner.h"
#include "sluice-server-private.h"

#define API_PREFIX "/api/v1/"
#define DEFAULT_MAX_ARCHIVE (64 * 1024 * 1024)
#define DEFAULT_MAX_JSON (1024 * 1024)
#define MAX_JSON_DEPTH 64

G_DEFINE_FINAL_TYPE (SluiceServer, sluice_server, G_TYPE_OBJECT)

G_DEFINE_QUARK (sluice-server-error-quark, sluice_server_error)

typedef struct
{
  const char    *method;
  const char    *pattern;   // segments after /api/v1/, "*" matches one
  SluiceRole     role;
  SluiceHandler  handler;
} Route;

static const Route routes[] = {
  { "POST", "pipelines", SLUICE_ROLE_RUNNER, _sluice_handle_upload_pipeline },
  { "GET", "pipelines", SLUICE_ROLE_VIEWER, _sluice_handle_list_pipelines },
  { "GET", "pipelines/*", SLUICE_ROLE_VIEWER, _sluice_handle_get_pipeline },
  { "POST", "runs", SLUICE_ROLE_RUNNER, _sluice_handle_start_run },
  { "GET", "runs", SLUICE_ROLE_VIEWER, _sluice_handle_list_runs },
  { "GET", "runs/*", SLUICE_ROLE_VIEWER, _sluice_handle_get_run },
  { "GET", "runs/*/events", SLUICE_ROLE_VIEWER, _sluice_handle_run_events },
  { "GET", "runs/*/metrics", SLUICE_ROLE_VIEWER, _sluice_handle_run_metrics },
  { "GET", "runs/*/steps/*/logs", SLUICE_ROLE_VIEWER, _sluice_handle_run_logs },
  { "GET", "runs/*/steps/*/outputs/*", SLUICE_ROLE_VIEWER, _sluice_handle_run_output },
  { "POST", "runs/*/cancel", SLUICE_ROLE_RUNNER, _sluice_handle_cancel_run },
  { "POST", "runs/*/resume", SLUICE_ROLE_RUNNER, _sluice_handle_resume_run },
  { "POST", "published", SLUICE_ROLE_ADMIN, _sluice_handle_publish },
  { "GET", "published", SLUICE_ROLE_VIEWER, _sluice_handle_list_published },
  { "GET", "published/*", SLUICE_ROLE_VIEWER, _sluice_handle_get_published },
  { "POST", "published/*/runs", SLUICE_ROLE_RUNNER, _sluice_handle_trigger_published },
  { "POST", "schedules", SLUICE_ROLE_ADMIN, _sluice_handle_create_schedule },
  { "GET", "schedules", SLUICE_ROLE_VIEWER, _sluice_handle_list_schedules },
  { "GET", "schedules/*", SLUICE_ROLE_VIEWER, _sluice_handle_get_schedule },
  { "POST", "schedules/*/pause", SLUICE_ROLE_ADMIN, _sluice_handle_pause_schedule },
  { "POST", "schedules/*/resume", SLUICE_ROLE_ADMIN, _sluice_handle_resume_schedule },
  { "DELETE", "schedules/*", SLUICE_ROLE_ADMIN, _sluice_handle_delete_schedule },
  { "GET", "audit", SLUICE_ROLE_ADMIN, _sluice_handle_audit },
};

/* responses ------------------------------------------------------------------- */

void
_sluice_respond_json (SluiceRequest *request,
                      guint          status,
                      JsonNode      *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  gsize length = strlen (text);

  soup_server_message_set_status (request->msg, status, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

static void
respond_error_literal (SoupServerMessage *msg,
                       guint              status,
                       const char        *code,
                       const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  gsize length;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = json_to_string (node, FALSE);
  length = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer (&text), length);
}

void
_sluice_respond_error (SluiceRequest *request,
                       guint          status,
                       const char    *code,
                       const char    *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  respond_error_literal (request->msg, status, code, message);
}

void
_sluice_respond_gerror (SluiceRequest *request,
                        const GError  *error)
{
  guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  const char *code = "internal";

  if (error->domain == SLUICE_SERVER_ERROR)
    switch ((SluiceServerError) error->code)
      {
      case SLUICE_SERVER_ERROR_BAD_REQUEST: status = 400; code = "bad_request"; break;
      case SLUICE_SERVER_ERROR_NOT_FOUND: status = 404; code = "not_found"; break;
      case SLUICE_SERVER_ERROR_CONFLICT: status = 409; code = "conflict"; break;
      case SLUICE_SERVER_ERROR_INVALID: status = 422; code = "invalid"; break;
      case SLUICE_SERVER_ERROR_FAILED:
      default: break;
      }
  else if (g_error_matches (error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_NOT_FOUND) ||
           g_error_matches (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND))
    {
      status = 404;
      code = "not_found";
    }
  else if (g_error_matches (error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_EXISTS))
    {
      status = 409;
      code = "conflict";
    }
  if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    g_warning ("%s", error->message);
  respond_error_literal (request->msg, status, code, error->message);
}

/* request helpers ------------------------------------------------------------- */

// Nesting depth of a JSON text, read before any node is built, so a
// hostile "[[[[…" costs nothing. Strings (and their escapes) are skipped.
static gboolean
json_depth_ok (const char *data,
               gsize       length,
               guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '{' || c == '[') && ++depth > max_depth)
        return FALSE;
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

static gboolean
content_type_is (SluiceRequest *request,
                 const char    *wanted)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, wanted) == 0;
}

JsonObject *
_sluice_request_json (SluiceRequest  *request,
                      JsonParser    **out_parser)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data = request->body ? g_bytes_get_data (request->body, &length) : NULL;
  JsonNode *root;

  if (!content_type_is (request, "application/json"))
    {
      _sluice_respond_error (request, 415, "unsupported_media_type", "the body must be application/json");
      return NULL;
    }
  if (length > request->server->options.max_json_bytes)
    {
      _sluice_respond_error (request, 413, "payload_too_large", "a JSON body may hold at most %" G_GUINT64_FORMAT " bytes",
                             request->server->options.max_json_bytes);
      return NULL;
    }
  if (!json_depth_ok (data, length, MAX_JSON_DEPTH))
    {
      _sluice_respond_error (request, 400, "bad_request", "the JSON body is nested more than %d levels deep", MAX_JSON_DEPTH);
      return NULL;
    }
  if (length == 0 || !json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      _sluice_respond_error (request, 400, "bad_request", "the body is not valid JSON: %s",
                             error ? error->message : "it is empty");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      _sluice_respond_error (request, 400, "bad_request", "the body must be a JSON object");
      return NULL;
    }
  *out_parser = g_steal_pointer (&parser);
  return json_node_get_object (root);
}

const char *
_sluice_request_query (SluiceRequest *request,
                       const char    *name)
{
  return request->query ? g_hash_table_lookup (request->query, name) : NULL;
}

gboolean
_sluice_request_query_uint (SluiceRequest *request,
                            const char    *name,
                            guint          fallback,
                            guint          maximum,
                            guint         *value)
{
  const char *text = _sluice_request_query (request, name);
  guint64 number;
  char *end = NULL;

  if (text == NULL)
    {
      *value = fallback;
      return TRUE;
    }
  number = g_ascii_strtoull (text, &end, 10);
  if (!g_ascii_isdigit (*text) || *end != '\0' || number > maximum)
    {
      _sluice_respond_error (request, 400, "bad_request", "'%s' must be a whole number from 0 to %u", name, maximum);
      return FALSE;
    }
  *value = (guint) number;
  return TRUE;
}

gboolean
_sluice_parse_id (const char *text,
                  gint64     *id)
{
  char *end = NULL;
  gint64 value;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  value = g_ascii_strtoll (text, &end, 10);
  if (*end != '\0' || value <= 0)
    return FALSE;
  *id = value;
  return TRUE;
}

void
_sluice_builder_add_time (JsonBuilder *builder,
                          const char  *member,
                          gint64       usec)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) exact = NULL;
  g_autofree char *text = NULL;

  json_builder_set_member_name (builder, member);
  if (usec == 0)
    {
      json_builder_add_null_value (builder);
      return;
    }
  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  exact = g_date_time_add (utc, usec % G_USEC_PER_SEC);
  text = g_date_time_format_iso8601 (exact);
  json_builder_add_string_value (builder, text);
}

JsonNode *
_sluice_parse_object_text (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_node_init_object (json_node_alloc (), json_object_new ());
  return json_node_copy (json_parser_get_root (parser));
}

/* request bodies ----------------------------------------------------------------- */

static gboolean authenticate (SluiceRequest *request,
                              SluiceToken  **token);

typedef struct
{
  GByteArray *bytes;
  guint64     limit;
  gboolean    too_large;
} BodyBuffer;

static void
body_buffer_free (BodyBuffer *buffer)
{
  g_byte_array_unref (buffer->bytes);
  g_free (buffer);
}

static gboolean
is_upload_path (const char *path)
{
  return g_str_equal (path, API_PREFIX "pipelines") || g_str_equal (path, API_PREFIX "pipelines/");
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              BodyBuffer        *buffer)
{
  gsize size = g_bytes_get_size (chunk);

  if (buffer->too_large)
    return;
  if (buffer->bytes->len + size > buffer->limit)
    {
      // Keep reading (the client is still sending) but hold nothing.
      buffer->too_large = TRUE;
      g_byte_array_set_size (buffer->bytes, 0);
      return;
    }
  g_byte_array_append (buffer->bytes, g_bytes_get_data (chunk, NULL), (guint) size);
}

// Runs after the headers, before the body: a declared length over the
// limit is refused without reading it, and the body is collected by hand
// so that a chunked one cannot grow past the limit either.
static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SluiceServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  guint64 limit = is_upload_path (path) ? self->options.max_archive_bytes : self->options.max_json_bytes;
  goffset declared = soup_message_headers_get_content_length (headers);
  g_autoptr(SluiceToken) token = NULL;
  BodyBuffer *buffer;

  // Nobody without a token makes the server read (and hold) a big body.
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_NONE && declared != 0 &&
      !(token = sluice_server_auth_check (self->auth, soup_message_headers_get_one (headers, "Authorization"))))
    {
      SluiceRequest request = { self, msg, NULL, query, NULL, NULL };

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      authenticate (&request, &token);
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH && (guint64) declared > limit)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      respond_error_literal (msg, 413, "payload_too_large", "the request body is larger than this endpoint accepts");
      return;
    }

  buffer = g_new0 (BodyBuffer, 1);
  buffer->bytes = g_byte_array_new ();
  buffer->limit = limit;
  g_object_set_data_full (G_OBJECT (msg), "sluice-body", buffer, (GDestroyNotify) body_buffer_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), buffer);
}

/* routing -------------------------------------------------------------------- */

// The path after /api/v1/ as unescaped segments, or NULL.
static char **
split_api_path (const char *path)
{
  g_auto(GStrv) raw = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (!g_str_has_prefix (path, API_PREFIX))
    return NULL;
  raw = g_strsplit (path + strlen (API_PREFIX), "/", -1);
  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *part;

      if (*raw[i] == '\0' && raw[i + 1] == NULL && i > 0)
        break;   // one trailing slash
      if (!(part = g_uri_unescape_string (raw[i], "/")) || *part == '\0')
        {
          g_free (part);
          return NULL;
        }
      g_ptr_array_add (parts, part);
    }
  g_ptr_array_add (parts, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&parts), FALSE);
}

static gboolean
route_matches (const Route  *route,
               char * const *segments,
               GPtrArray    *args)
{
  g_auto(GStrv) pattern = g_strsplit (route->pattern, "/", -1);
  guint i;

  g_ptr_array_set_size (args, 0);
  for (i = 0; pattern[i] != NULL && segments[i] != NULL; i++)
    {
      if (g_str_equal (pattern[i], "*"))
        g_ptr_array_add (args, segments[i]);
      else if (!g_str_equal (pattern[i], segments[i]))
        return FALSE;
    }
  return pattern[i] == NULL && segments[i] == NULL;
}

// The route for method and path; NULL after responding 404 or 405.
static const Route *
find_route (SluiceRequest *request,
            const char    *path,
            GPtrArray     *args,
            char        ***segments_out)
{
  const char *method = soup_server_message_get_method (request->msg);
  g_auto(GStrv) segments = split_api_path (path);
  g_autoptr(GString) allowed = g_string_new (NULL);

  if (segments != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
      {
        if (!route_matches (&routes[i], segments, args))
          continue;
        if (g_str_equal (routes[i].method, method))
          {
            *segments_out = g_steal_pointer (&segments);
            return &routes[i];
          }
        g_string_append_printf (allowed, "%s%s", allowed->len ? ", " : "", routes[i].method);
      }

  if (allowed->len > 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (request->msg), "Allow", allowed->str);
      _sluice_respond_error (request, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", method, path, allowed->str);
    }
  else
    _sluice_respond_error (request, 404, "not_found", "there is no endpoint %s", path);
  return NULL;
}

static gboolean
authenticate (SluiceRequest *request,
              SluiceToken  **token)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (request->msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  guint retry_after = 1;

  if (!(*token = sluice_server_auth_check (request->server->auth, authorization)))
    {
      soup_message_headers_replace (response, "WWW-Authenticate",
                                    authorization ? "Bearer realm=\"sluice\", error=\"invalid_token\"" : "Bearer realm=\"sluice\"");
      _sluice_respond_error (request, 401, "unauthorized",
                             authorization ? "the token is not valid (unknown, revoked or malformed)"
                                           : "this server needs an Authorization: Bearer token");
      return FALSE;
    }
  g_object_set_data_full (G_OBJECT (request->msg), "sluice-token", g_strdup ((*token)->name), g_free);

  if (!sluice_server_auth_take (request->server->auth, (*token)->name, &retry_after))
    {
      g_autofree char *seconds = g_strdup_printf ("%u", retry_after);

      soup_message_headers_replace (response, "Retry-After", seconds);
      _sluice_respond_error (request, 429, "too_many_requests", "too many requests for token '%s'; retry in %u s",
                             (*token)->name, retry_after);
      return FALSE;
    }
  return TRUE;
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SluiceServer *self = user_data;
  BodyBuffer *buffer = g_object_get_data (G_OBJECT (msg), "sluice-body");
  SluiceRequest request = { self, msg, NULL, query, NULL, NULL };
  g_autoptr(SluiceToken) token = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(GStrv) segments = NULL;
  const Route *route;

  if (!authenticate (&request, &token))
    return;
  request.token = token;
  if (!(route = find_route (&request, path, args, &segments)))
    return;
  if (token->role < route->role)
    {
      _sluice_respond_error (&request, 403, "forbidden", "%s %s needs the %s role; token '%s' is a %s",
                             route->method, path, sluice_role_to_string (route->role), token->name,
                             sluice_role_to_string (token->role));
      return;
    }
  if (buffer != NULL && buffer->too_large)
    {
      _sluice_respond_error (&request, 413, "payload_too_large", "the request body is over %" G_GUINT64_FORMAT " bytes",
                             buffer->limit);
      return;
    }

  g_ptr_array_add (args, NULL);
  request.args = (char **) args->pdata;
  if (buffer != NULL)
    request.body = g_bytes_new (buffer->bytes->data, buffer->bytes->len);
  route->handler (&request);
  g_object_set_data (G_OBJECT (msg), "sluice-status", GUINT_TO_POINTER (soup_server_message_get_status (msg)));
  g_clear_pointer (&request.body, g_bytes_unref);
}

static void
write_audit (SluiceServer      *self,
             SoupServerMessage *msg,
             guint              status)
{
  g_autoptr(GError) error = NULL;
  GUri *uri = soup_server_message_get_uri (msg);
  SluiceAuditEntry entry = {
    0, g_get_real_time (), g_object_get_data (G_OBJECT (msg), "sluice-token"),
    (char *) soup_server_message_get_method (msg), (char *) (uri ? g_uri_get_path (uri) : ""), status,
  };

  if (entry.method == NULL)
    return;   // the connection closed before a request line
  if (!sluice_server_db_add_audit (self->db, &entry, &error))
    g_warning ("cannot write the audit log: %s", error->message);
}

static void
on_request_finished (SoupServer        *soup,
                     SoupServerMessage *msg,
                     SluiceServer      *self)
{
  write_audit (self, msg, soup_server_message_get_status (msg));
}

// A client that goes away (an event stream it closed) is logged with the
// status it was answered with, not the 500 libsoup puts on the message.
static void
on_request_aborted (SoupServer        *soup,
                    SoupServerMessage *msg,
                    SluiceServer      *self)
{
  guint answered = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (msg), "sluice-status"));

  write_audit (self, msg, answered ? answered : soup_server_message_get_status (msg));
}

/* the object ------------------------------------------------------------------ */

static void
sluice_server_dispose (GObject *object)
{
  SluiceServer *self = (SluiceServer *) object;

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->scheduler);
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  g_clear_pointer (&self->streams, g_hash_table_unref);
  g_clear_pointer (&self->stream_users, g_hash_table_unref);
  G_OBJECT_CLASS (sluice_server_parent_class)->dispose (object);
}

static void
sluice_server_finalize (GObject *object)
{
  SluiceServer *self = (SluiceServer *) object;

  g_clear_object (&self->db);
  g_clear_object (&self->auth);
  g_clear_object (&self->store);
  g_clear_object (&self->history);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->runners, g_hash_table_unref);
  g_free (self->data_dir);
  g_free (self->pipelines_dir);
  g_free (self->history_path);
  g_free (self->cli_path);
  G_OBJECT_CLASS (sluice_server_parent_class)->finalize (object);
}

static void
sluice_server_class_init (SluiceServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_server_dispose;
  object_class->finalize = sluice_server_finalize;
}

static void
sluice_server_init (SluiceServer *self)
{
  self->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->stream_users = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->runners = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

// Uploads and downloads cut short by a crash leave their staging folders
// and temporary archives behind.
static void
remove_leftovers (SluiceServer *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->pipelines_dir, 0, NULL);
  g_autofree char *tmp = g_build_filename (self->data_dir, "tmp", NULL);
  const char *name;

  sluice_file_remove_tree (tmp, NULL);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, ".upload-"))
      {
        g_autofree char *path = g_build_filename (self->pipelines_dir, name, NULL);

        sluice_file_remove_tree (path, NULL);
      }
}

static gboolean
open_data (SluiceServer  *self,
           GError       **error)
{
  g_autofree char *db_path = g_build_filename (self->data_dir, "server.db", NULL);
  g_autofree char *store_root = g_build_filename (self->data_dir, "store", NULL);
  guint interrupted;

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0 || g_mkdir_with_parents (self->pipelines_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s: %s", self->data_dir, g_strerror (saved));
      return FALSE;
    }
  remove_leftovers (self);
  if (!(self->db = sluice_server_db_open (db_path, error)) ||
      !(self->store = sluice_artifact_store_new (store_root, error)))
    return FALSE;
  self->history_path = g_build_filename (sluice_artifact_store_get_root (self->store), "history.db", NULL);
  if (!(self->history = sluice_history_open (self->history_path, error)))
    return FALSE;

  // Runs whose runner died while the server was away come back
  // interrupted (resumable); runs still going are left to their runners.
  interrupted = sluice_history_mark_interrupted (self->history, NULL);
  if (interrupted > 0)
    g_message ("%u run%s whose runner is gone marked interrupted", interrupted, interrupted == 1 ? "" : "s");
  return TRUE;
}

// Runners started by an earlier server are not this one's children: a
// look now and then finds those that died.
#define SWEEP_SECONDS 10

static gboolean
sweep_dead_runners (gpointer user_data)
{
  SluiceServer *self = user_data;

  sluice_history_mark_interrupted (self->history, NULL);
  return G_SOURCE_CONTINUE;
}

SluiceServer *
sluice_server_new (const SluiceServerOptions  *options,
                   GError                    **error)
{
  g_autoptr(SluiceServer) self = g_object_new (SLUICE_TYPE_SERVER, NULL);

  g_return_val_if_fail (options != NULL && options->data_dir != NULL, NULL);

  self->options = *options;
  self->options.data_dir = NULL;
  if (self->options.poll_milliseconds == 0)
    self->options.poll_milliseconds = 20;
  if (self->options.keepalive_seconds == 0)
    self->options.keepalive_seconds = 15;
  if (self->options.max_archive_bytes == 0)
    self->options.max_archive_bytes = DEFAULT_MAX_ARCHIVE;
  if (self->options.max_json_bytes == 0)
    self->options.max_json_bytes = DEFAULT_MAX_JSON;
  self->data_dir = g_canonicalize_filename (options->data_dir, NULL);
  self->pipelines_dir = g_build_filename (self->data_dir, "pipelines", NULL);

  if (!open_data (self, error))
    return NULL;
  self->auth = sluice_server_auth_new (self->db, options->rate_limit, options->rate_burst);
  self->registry = sluice_component_registry_new_default ();
  self->cli_path = sluice_runner_find_cli ();
  self->scheduler = sluice_scheduler_new (self->db, _sluice_server_fire_schedule, self);
  if (!sluice_scheduler_reload (self->scheduler, error))
    return NULL;
  self->sweep_source = g_timeout_add_seconds (SWEEP_SECONDS, sweep_dead_runners, self);
  return g_steal_pointer (&self);
}

static GSocketAddress *
parse_address (const char  *address,
               GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = g_network_address_parse (address, 8470, error);
  g_autoptr(GInetAddress) inet = NULL;

  if (connectable == NULL)
    return NULL;
  // Only literal addresses: a name could resolve to something else later.
  if (!(inet = g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable)))))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s' is not an IP address and port (e.g. 127.0.0.1:8470)", address);
      return NULL;
    }
  return g_inet_socket_address_new (inet, g_network_address_get_port (G_NETWORK_ADDRESS (connectable)));
}

// GSocket's default backlog is 10: a burst of clients (a dashboard opening
// a hundred event streams) would see SYNs dropped and wait a second each.
#define LISTEN_BACKLOG 1024

static gboolean
listen_socket (SluiceServer    *self,
               GSocketAddress  *address,
               gboolean         tls,
               GError         **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL || !g_socket_bind (socket, address, TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return FALSE;
  return soup_server_listen_socket (self->soup, socket, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error);
}

char *
sluice_server_listen (SluiceServer     *self,
                      const char       *address,
                      GTlsCertificate  *certificate,
                      GError          **error)
{
  g_autoptr(GSocketAddress) socket_address = parse_address (address, error);
  g_autoptr(GSList) uris = NULL;
  g_autofree char *text = NULL;

  if (socket_address == NULL)
    return NULL;
  self->soup = soup_server_new ("server-header", "sluice-server/" PACKAGE_VERSION " ", NULL);
  if (certificate != NULL)
    soup_server_set_tls_certificate (self->soup, certificate);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_finished), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_aborted), self);

  if (!listen_socket (self, socket_address, certificate != NULL, error))
    return NULL;
  uris = soup_server_get_uris (self->soup);
  if (uris == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the server is not listening");
      return NULL;
    }
  text = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  // "http://127.0.0.1:8470/" -> "http://127.0.0.1:8470"
  if (g_str_has_suffix (text, "/"))
    text[strlen (text) - 1] = '\0';
  return g_steal_pointer (&text);
}
