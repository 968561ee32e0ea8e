// SPDX-License-Identifier: GPL-3.0-or-later
//
// sluice-server end to end: the real binary ($SLUICE_SERVER) on a free
// loopback port with a temporary data folder, real runners ($SLUICE_CLI),
// pipelines built from the tests/data/engine components and uploaded as
// archives made here with libarchive.

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "sluice.h"

typedef struct
{
  char        *data;      // --data folder
  GSubprocess *process;
  char        *url;
  SoupSession *session;
  char        *admin;     // tokens
  char        *runner;
  char        *viewer;
  GTlsCertificate *trusted;   // accepted from an https server
} Server;

/* the server process ------------------------------------------------------------ */

static char *
server_binary (void)
{
  const char *path = g_getenv ("SLUICE_SERVER");

  g_assert_nonnull (path);
  return g_strdup (path);
}

static char *
create_token (const char *data,
              const char *name,
              const char *role)
{
  g_autofree char *binary = server_binary ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "token", "create", "--data", data,
                              "--name", name, "--role", role, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_strstrip (out);
  g_assert_true (g_str_has_prefix (out, "sluice_"));
  g_assert_cmpuint (strlen (out), ==, 7 + 64);
  return g_steal_pointer (&out);
}

static int
run_binary (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

// Starts the server on data (made if needed) and reads the URL it prints.
static void
server_start (Server             *s,
              const char * const *extra)
{
  g_autofree char *binary = server_binary ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line = NULL;

  g_ptr_array_add (argv, binary);
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) "127.0.0.1:0");
  g_ptr_array_add (argv, (char *) "--data");
  g_ptr_array_add (argv, s->data);
  // "@NAME" stands for tests/data/server/NAME.
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    {
      if (extra[i][0] == '@')
        {
          char *path = g_test_build_filename (G_TEST_DIST, "data", "server", extra[i] + 1, NULL);

          g_ptr_array_add (owned, path);
          g_ptr_array_add (argv, path);
        }
      else
        g_ptr_array_add (argv, (char *) extra[i]);
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  // A failed assertion must not leave the server behind holding the test's stderr.
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  s->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:") ||
                 g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  g_free (s->url);
  s->url = g_strdup (line + strlen ("listening on "));
  g_assert_false (g_str_has_suffix (s->url, ":0"));
}

static void
server_stop (Server   *s,
             gboolean  hard)
{
  if (s->process == NULL)
    return;
  if (hard)
    g_subprocess_force_exit (s->process);
  else
    g_subprocess_send_signal (s->process, SIGTERM);
  g_subprocess_wait (s->process, NULL, NULL);
  if (!hard)
    {
      g_assert_true (g_subprocess_get_if_exited (s->process));
      g_assert_cmpint (g_subprocess_get_exit_status (s->process), ==, 0);
    }
  g_clear_object (&s->process);
}

static void
server_setup (Server        *s,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-server-XXXXXX", &error);

  g_assert_no_error (error);
  s->data = g_build_filename (dir, "data", NULL);
  g_free (g_steal_pointer (&dir));
  s->admin = create_token (s->data, "alice", "admin");
  s->runner = create_token (s->data, "robot", "runner");
  s->viewer = create_token (s->data, "vera", "viewer");
  s->session = soup_session_new_with_options ("timeout", 60, NULL);
  server_start (s, data);
}

static void
server_teardown (Server        *s,
                 gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (s->data);

  server_stop (s, FALSE);
  g_clear_object (&s->session);
  // Runners may still write for a moment after a cancel.
  g_usleep (200 * 1000);
  sluice_file_remove_tree (parent, NULL);
  g_free (s->data);
  g_free (s->url);
  g_free (s->admin);
  g_free (s->runner);
  g_free (s->viewer);
  g_clear_object (&s->trusted);
}

/* HTTP ----------------------------------------------------------------------------------- */

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  JsonNode           *json;      // when the body is JSON
} Response;

static void
response_clear (Response *r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->json, json_node_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       Server               *s)
{
  // Self-signed, so not trusted by the system: trusted when it is ours.
  return s->trusted != NULL && g_tls_certificate_is_same (certificate, s->trusted);
}

static SoupMessage *
make_message (Server     *s,
              const char *method,
              const char *path,
              const char *token)
{
  g_autofree char *url = g_strconcat (s->url, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), s);
  if (token != NULL)
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", token);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  return msg;
}

static Response
request_full (Server     *s,
              const char *method,
              const char *path,
              const char *token,
              const char *type,
              GBytes     *body,
              const char *extra_header,
              const char *extra_value)
{
  g_autoptr(SoupMessage) msg = make_message (s, method, path, token);
  g_autoptr(GError) error = NULL;
  Response r = { 0 };
  const char *content_type;

  if (type != NULL)
    soup_message_set_request_body_from_bytes (msg, type, body);
  if (extra_header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), extra_header, extra_value);
  r.body = soup_session_send_and_read (s->session, msg, NULL, &error);
  g_assert_no_error (error);
  r.status = soup_message_get_status (msg);
  r.headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  content_type = soup_message_headers_get_content_type (r.headers, NULL);
  if (g_strcmp0 (content_type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), NULL));
      r.json = json_node_copy (json_parser_get_root (parser));
    }
  return r;
}

static Response
request (Server     *s,
         const char *method,
         const char *path,
         const char *token,
         const char *json)
{
  g_autoptr(GBytes) body = json ? g_bytes_new (json, strlen (json)) : NULL;

  return request_full (s, method, path, token, json ? "application/json" : NULL, body, NULL, NULL);
}

static JsonObject *
object (Response *r)
{
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

// Checks the JSON error shape and its code.
static void
assert_error (Response   *r,
              guint       status,
              const char *code)
{
  JsonObject *error;

  g_assert_cmpuint (r->status, ==, status);
  error = json_object_get_object_member (object (r), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_true (strlen (json_object_get_string_member (error, "message")) > 0);
}

/* archives ------------------------------------------------------------------------------- */

typedef struct
{
  const char *path;
  const char *content;     // NULL for a folder
  const char *symlink;     // a symlink to this instead
} Entry;

static GBytes *
make_archive (const Entry *entries,
              guint        n)
{
  struct archive *a = archive_write_new ();
  GByteArray *out = g_byte_array_new ();
  size_t used = 0;
  gsize capacity = 4 * 1024 * 1024;

  g_byte_array_set_size (out, (guint) capacity);
  archive_write_add_filter_gzip (a);
  archive_write_set_format_pax_restricted (a);
  g_assert_cmpint (archive_write_open_memory (a, out->data, capacity, &used), ==, ARCHIVE_OK);
  for (guint i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();

      archive_entry_set_pathname (e, entries[i].path);
      archive_entry_set_perm (e, 0644);
      if (entries[i].symlink != NULL)
        {
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_symlink (e, entries[i].symlink);
        }
      else if (entries[i].content == NULL)
        archive_entry_set_filetype (e, AE_IFDIR);
      else
        {
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_size (e, (la_int64_t) strlen (entries[i].content));
        }
      g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
      if (entries[i].content != NULL && entries[i].symlink == NULL)
        archive_write_data (a, entries[i].content, strlen (entries[i].content));
      archive_entry_free (e);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  g_byte_array_set_size (out, (guint) used);
  return g_byte_array_free_to_bytes (out);
}

static char *
engine_file (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "engine", name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

// A pipeline: a produces its text input, b sleeps `seconds`, c joins both.
static const char pipeline_text[] =
  "{\"sluice\": 1, \"name\": \"served\", \"inputs\": {\"text\": \"x\", \"seconds\": 0.2}, \"jobs\": {"
  "\"a\": {\"component\": \"file:components/produce.component.json\", \"inputs\": {\"text\": \"${{parent.inputs.text}}\"}},"
  "\"b\": {\"component\": \"file:components/sleeper.component.json\", \"inputs\": {\"seconds\": \"${{parent.inputs.seconds}}\"}},"
  "\"c\": {\"component\": \"file:components/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.jobs.b.outputs.out}}\"}}"
  "}}";

static GBytes *
pipeline_archive (const char *pipeline)
{
  g_autofree char *produce = engine_file ("produce.component.json");
  g_autofree char *sleeper = engine_file ("sleeper.component.json");
  g_autofree char *concat = engine_file ("concat.component.json");
  g_autofree char *step = engine_file ("code/step.sh");
  Entry entries[] = {
    { "pipeline.sluice.json", pipeline, NULL },
    { "components", NULL, NULL },
    { "components/produce.component.json", produce, NULL },
    { "components/sleeper.component.json", sleeper, NULL },
    { "components/concat.component.json", concat, NULL },
    { "components/code/step.sh", step, NULL },
  };

  return make_archive (entries, G_N_ELEMENTS (entries));
}

static Response
upload (Server     *s,
        const char *token,
        GBytes     *archive)
{
  return request_full (s, "POST", "/api/v1/pipelines", token, "application/gzip", archive, NULL, NULL);
}

static char *
upload_pipeline (Server *s)
{
  g_autoptr(GBytes) archive = pipeline_archive (pipeline_text);
  g_auto(Response) r = upload (s, s->runner, archive);

  g_assert_cmpuint (r.status, ==, 201);
  return g_strdup (json_object_get_string_member (object (&r), "id"));
}

static gint64
start_run (Server     *s,
           const char *pipeline_id,
           const char *inputs)
{
  g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": %s}", pipeline_id, inputs ? inputs : "{}");
  g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);
  JsonObject *run;

  g_assert_cmpuint (r.status, ==, 201);
  run = object (&r);
  g_assert_cmpstr (json_object_get_string_member (run, "pipeline"), ==, pipeline_id);
  g_assert_true (json_object_has_member (run, "steps"));
  g_assert_true (json_object_has_member (run, "created_at"));
  return json_object_get_int_member (run, "id");
}

static char *
run_state (Server *s,
           gint64  run_id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT, run_id);
  g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

  g_assert_cmpuint (r.status, ==, 200);
  return g_strdup (json_object_get_string_member (object (&r), "state"));
}

static const char *
step_state_in (JsonObject *run,
               const char *step)
{
  JsonArray *steps = json_object_get_array_member (run, "steps");

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *o = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (o, "id"), step))
        return json_object_get_string_member (o, "state");
    }
  return NULL;
}

// Polls until the run (or with step, that step) is in state; fails after timeout.
static void
wait_for_state (Server     *s,
                gint64      run_id,
                const char *step,
                const char *state,
                guint       seconds)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT, run_id);
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
      const char *now;

      g_assert_cmpuint (r.status, ==, 200);
      now = step ? step_state_in (object (&r), step) : json_object_get_string_member (object (&r), "state");
      if (g_strcmp0 (now, state) == 0)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("run %" G_GINT64_FORMAT " %s did not reach %s within %u s", run_id, step ? step : "", state, seconds);
}

/* events ------------------------------------------------------------------------------- */

typedef struct
{
  char *id;
  char *kind;
  char *data;
} Event;

static void
event_free (Event *e)
{
  g_free (e->id);
  g_free (e->kind);
  g_free (e->data);
  g_free (e);
}

typedef struct
{
  SoupMessage      *msg;
  GInputStream     *body;
  GDataInputStream *lines;
} Stream;

static Stream *
open_events (Server     *s,
             gint64      run_id,
             const char *last_event_id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/events", run_id);
  g_autoptr(GError) error = NULL;
  Stream *stream = g_new0 (Stream, 1);

  stream->msg = make_message (s, "GET", path, s->viewer);
  if (last_event_id != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (stream->msg), "Last-Event-ID", last_event_id);
  stream->body = soup_session_send (s->session, stream->msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (stream->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (stream->msg), NULL), ==,
                   "text/event-stream");
  stream->lines = g_data_input_stream_new (stream->body);
  return stream;
}

static void
close_events (Stream *stream)
{
  g_input_stream_close (stream->body, NULL, NULL);
  g_object_unref (stream->lines);
  g_object_unref (stream->body);
  g_object_unref (stream->msg);
  g_free (stream);
}

// The next event, skipping comments (keepalives); NULL at the end.
static Event *
read_event (Stream *stream)
{
  Event *e = g_new0 (Event, 1);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (stream->lines, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        {
          g_assert_null (e->id);
          event_free (e);
          return NULL;
        }
      if (*line == '\0' && e->id != NULL)
        return e;
      if (g_str_has_prefix (line, "id: "))
        e->id = g_strdup (line + 4);
      else if (g_str_has_prefix (line, "event: "))
        e->kind = g_strdup (line + 7);
      else if (g_str_has_prefix (line, "data: "))
        e->data = g_strdup (line + 6);
      else
        g_assert_true (*line == '\0' || *line == ':');
    }
}

// Reads to the end of the stream, appending to events.
static void
read_all_events (Stream    *stream,
                 GPtrArray *events)
{
  Event *e;

  while ((e = read_event (stream)) != NULL)
    g_ptr_array_add (events, e);
}

static GPtrArray *
all_events (Server *s,
            gint64  run_id)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  Stream *stream = open_events (s, run_id, NULL);

  read_all_events (stream, events);
  close_events (stream);
  return events;
}

static void
assert_same_events (GPtrArray *a,
                    GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      Event *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->id, ==, y->id);
      g_assert_cmpstr (x->kind, ==, y->kind);
      g_assert_cmpstr (x->data, ==, y->data);
    }
}

// The last event is the run's final state; ids never repeat.
static void
assert_complete_stream (GPtrArray  *events,
                        const char *final_state)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  Event *last;
  g_autofree char *expected = g_strdup_printf ("\"state\":\"%s\"", final_state);

  g_assert_cmpuint (events->len, >, 3);
  for (guint i = 0; i < events->len; i++)
    {
      Event *e = g_ptr_array_index (events, i);

      g_assert_nonnull (e->kind);
      g_assert_nonnull (e->data);
      g_assert_true (g_hash_table_add (ids, e->id));
    }
  last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpstr (last->kind, ==, "run-state");
  g_assert_nonnull (strstr (last->data, expected));
}

/* tests ----------------------------------------------------------------------------------- */

static void
test_auth (Server        *s,
           gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  g_autofree char *publish = g_strdup_printf ("{\"name\": \"p\", \"pipeline\": \"%s\"}", pipeline);
  g_autofree char *run = g_strdup_printf ("{\"pipeline\": \"%s\"}", pipeline);
  g_autofree char *binary = server_binary ();
  g_autoptr(GBytes) archive = pipeline_archive (pipeline_text);

  {
    g_auto(Response) r = request (s, "GET", "/api/v1/runs", NULL, NULL);

    assert_error (&r, 401, "unauthorized");
    g_assert_true (g_str_has_prefix (soup_message_headers_get_one (r.headers, "WWW-Authenticate"), "Bearer"));
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/runs", "sluice_0000000000000000000000000000000000000000000000000000000000000000", NULL);

    assert_error (&r, 401, "unauthorized");
    g_assert_nonnull (soup_message_headers_get_one (r.headers, "WWW-Authenticate"));
  }
  {
    g_auto(Response) r = request_full (s, "GET", "/api/v1/runs", NULL, NULL, NULL, "Authorization", "Basic YWxpY2U6eA==");

    assert_error (&r, 401, "unauthorized");
  }
  // A body from nobody is refused before it is read.
  {
    g_auto(Response) r = upload (s, NULL, archive);

    assert_error (&r, 401, "unauthorized");
  }
  // An unknown path still needs a token first.
  {
    g_auto(Response) r = request (s, "GET", "/nowhere", NULL, NULL);

    assert_error (&r, 401, "unauthorized");
  }

  // viewer: reads only.
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_auto(Response) r = upload (s, s->viewer, archive);

    assert_error (&r, 403, "forbidden");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->viewer, run);

    assert_error (&r, 403, "forbidden");
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/audit", s->viewer, NULL);

    assert_error (&r, 403, "forbidden");
  }
  // runner: no publishing, schedules or audit.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published", s->runner, publish);

    assert_error (&r, 403, "forbidden");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->runner, "{\"published\": \"p\", \"interval_seconds\": 5}");

    assert_error (&r, 403, "forbidden");
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/audit", s->runner, NULL);

    assert_error (&r, 403, "forbidden");
  }
  // admin: all of it.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published", s->admin, publish);

    g_assert_cmpuint (r.status, ==, 201);
  }

  // A revoked token stops working at once, while the server runs.
  {
    const char *argv[] = { binary, "token", "revoke", "--data", s->data, "vera", NULL };

    g_assert_cmpint (run_binary (argv), ==, 0);
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    assert_error (&r, 401, "unauthorized");
  }
  // Token names are unique.
  {
    const char *argv[] = { binary, "token", "create", "--data", s->data, "--name", "alice", "--role", "viewer", NULL };

    g_assert_cmpint (run_binary (argv), !=, 0);
  }

  // The audit log says who did what, newest first (a request is logged
  // once answered, so this one is not in its own answer).
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/audit?limit=2", s->admin, NULL);
    JsonArray *entries;
    JsonObject *revoked, *published;

    g_assert_cmpuint (r.status, ==, 200);
    entries = json_object_get_array_member (object (&r), "entries");
    g_assert_cmpuint (json_array_get_length (entries), ==, 2);
    revoked = json_array_get_object_element (entries, 0);
    published = json_array_get_object_element (entries, 1);
    g_assert_true (json_object_get_null_member (revoked, "token"));
    g_assert_cmpint (json_object_get_int_member (revoked, "status"), ==, 401);
    g_assert_cmpstr (json_object_get_string_member (revoked, "path"), ==, "/api/v1/pipelines");
    g_assert_cmpstr (json_object_get_string_member (published, "token"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (published, "method"), ==, "POST");
    g_assert_cmpint (json_object_get_int_member (published, "status"), ==, 201);
    g_assert_nonnull (json_object_get_string_member (published, "time"));
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/audit?limit=1000", s->admin, NULL);
    JsonArray *entries = json_object_get_array_member (object (&r), "entries");
    gboolean seen_forbidden = FALSE;

    for (guint i = 0; i < json_array_get_length (entries); i++)
      {
        JsonObject *e = json_array_get_object_element (entries, i);

        if (json_object_get_int_member (e, "status") == 403 &&
            g_strcmp0 (json_object_get_string_member (e, "token"), "robot") == 0 &&
            g_str_equal (json_object_get_string_member (e, "method"), "POST") &&
            g_str_equal (json_object_get_string_member (e, "path"), "/api/v1/published"))
          seen_forbidden = TRUE;
      }
    g_assert_true (seen_forbidden);
  }
}

static void
test_upload (Server        *s,
             gconstpointer  data)
{
  g_autoptr(GBytes) archive = pipeline_archive (pipeline_text);
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;

  {
    g_auto(Response) r = upload (s, s->runner, archive);
    JsonObject *o;

    g_assert_cmpuint (r.status, ==, 201);
    o = object (&r);
    id = g_strdup (json_object_get_string_member (o, "id"));
    g_assert_cmpuint (strlen (id), ==, 64);
    g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "served");
    g_assert_cmpint (json_object_get_int_member (o, "steps"), ==, 3);
    g_assert_nonnull (json_object_get_string_member (o, "created_at"));
  }
  // The same content again: the same id, nothing new.
  {
    g_auto(Response) r = upload (s, s->admin, archive);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (object (&r), "id"), ==, id);
  }
  // Another input default: another id.
  {
    g_autoptr(GString) changed = g_string_new (pipeline_text);
    g_autoptr(GBytes) other = NULL;

    g_string_replace (changed, "\"text\": \"x\"", "\"text\": \"y\"", 1);
    other = pipeline_archive (changed->str);
    {
      g_auto(Response) r = upload (s, s->runner, other);

      g_assert_cmpuint (r.status, ==, 201);
      g_assert_cmpstr (json_object_get_string_member (object (&r), "id"), !=, id);
    }
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "pipelines")), ==, 2);
  }
  path = g_strdup_printf ("/api/v1/pipelines/%s", id);
  {
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    JsonObject *document;

    g_assert_cmpuint (r.status, ==, 200);
    document = json_object_get_object_member (object (&r), "pipeline");
    g_assert_cmpstr (json_object_get_string_member (document, "name"), ==, "served");
    g_assert_true (json_object_has_member (json_object_get_object_member (document, "jobs"), "c"));
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines/0123", s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }

  // A pipeline that does not validate: 422 with the problems.
  {
    g_autoptr(GString) broken = g_string_new (pipeline_text);
    g_autoptr(GBytes) bad = NULL;

    g_string_replace (broken, "file:components/concat.component.json", "file:components/missing.component.json", 1);
    bad = pipeline_archive (broken->str);
    {
      g_auto(Response) r = upload (s, s->runner, bad);
      JsonObject *error;

      JsonArray *problems;
      g_autofree char *text = NULL;

      assert_error (&r, 422, "invalid_pipeline");
      error = json_object_get_object_member (object (&r), "error");
      problems = json_object_get_array_member (error, "problems");
      g_assert_cmpuint (json_array_get_length (problems), >, 0);
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (problems, 0), "severity"), ==, "error");
      // Nothing of the server's own folders shows.
      text = g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));
      g_test_message ("%s", text);
      g_assert_null (strstr (text, s->data));
    }
  }
  // No pipeline file at the root.
  {
    Entry entries[] = { { "other.json", "{}", NULL } };
    g_autoptr(GBytes) bad = make_archive (entries, G_N_ELEMENTS (entries));
    g_auto(Response) r = upload (s, s->runner, bad);

    assert_error (&r, 400, "bad_archive");
  }
  // Nothing half-stored from the failed uploads.
  {
    g_autofree char *pipelines = g_build_filename (s->data, "pipelines", NULL);
    g_autoptr(GDir) dir = g_dir_open (pipelines, 0, NULL);
    guint count = 0;

    while (g_dir_read_name (dir) != NULL)
      count++;
    g_assert_cmpuint (count, ==, 2);
  }
}

static void
assert_refused_archive (Server      *s,
                        const Entry *entries,
                        guint        n,
                        const char  *named)
{
  g_autoptr(GBytes) archive = make_archive (entries, n);
  g_auto(Response) r = upload (s, s->runner, archive);
  JsonObject *error;

  assert_error (&r, 400, "bad_archive");
  error = json_object_get_object_member (object (&r), "error");
  g_test_message ("refused: %s", json_object_get_string_member (error, "message"));
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), named));
}

static void
test_hostile (Server        *s,
              gconstpointer  data)
{
  g_autofree char *escaped = g_build_filename (s->data, "escaped", NULL);
  g_autofree char *escape_path = g_strdup_printf ("../../%s", "escaped");
  g_autofree char *absolute = g_build_filename (s->data, "absolute", NULL);

  // Archives that would write outside their folder.
  {
    Entry entries[] = { { "pipeline.sluice.json", pipeline_text, NULL }, { escape_path, "gotcha", NULL } };

    assert_refused_archive (s, entries, G_N_ELEMENTS (entries), "'..'");
  }
  {
    Entry entries[] = { { "pipeline.sluice.json", pipeline_text, NULL }, { absolute, "gotcha", NULL } };

    assert_refused_archive (s, entries, G_N_ELEMENTS (entries), absolute);
  }
  {
    Entry entries[] = { { "pipeline.sluice.json", pipeline_text, NULL }, { "components", NULL, "/etc" } };

    assert_refused_archive (s, entries, G_N_ELEMENTS (entries), "'components'");
  }
  {
    Entry entries[] = { { "pipeline.sluice.json", pipeline_text, NULL }, { "a/./../../b", "x", NULL } };

    assert_refused_archive (s, entries, G_N_ELEMENTS (entries), "a/./../../b");
  }
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (absolute, G_FILE_TEST_EXISTS));

  // Not an archive at all.
  {
    g_autoptr(GBytes) junk = g_bytes_new_static ("\x1f\x8b garbage", 10);
    g_auto(Response) r = upload (s, s->runner, junk);

    assert_error (&r, 400, "bad_archive");
  }
  // Wrong content types.
  {
    g_autoptr(GBytes) archive = pipeline_archive (pipeline_text);
    g_auto(Response) r = request_full (s, "POST", "/api/v1/pipelines", s->runner, "application/json", archive, NULL, NULL);

    assert_error (&r, 415, "unsupported_media_type");
  }
  {
    g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);
    g_auto(Response) r = request_full (s, "POST", "/api/v1/runs", s->runner, "text/plain", body, NULL, NULL);

    assert_error (&r, 415, "unsupported_media_type");
  }
  // Too big: a JSON body over 1 MiB, declared in Content-Length.
  {
    gsize size = 2 * 1024 * 1024;
    char *big = g_malloc (size);
    g_autoptr(GBytes) body = NULL;

    memset (big, ' ', size);
    big[0] = '{';
    big[size - 1] = '}';
    body = g_bytes_new_take (big, size);
    {
      g_auto(Response) r = request_full (s, "POST", "/api/v1/runs", s->runner, "application/json", body, NULL, NULL);

      assert_error (&r, 413, "payload_too_large");
    }
  }
  // Too big without a declared length (chunked): cut off at the limit.
  {
    gsize size = 3 * 1024 * 1024;
    char *big = g_malloc (size);
    g_autoptr(SoupMessage) msg = make_message (s, "POST", "/api/v1/runs", s->runner);
    g_autoptr(GInputStream) stream = NULL;
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(GError) error = NULL;

    memset (big, ' ', size);
    stream = g_memory_input_stream_new_from_data (big, size, g_free);
    soup_message_set_request_body (msg, "application/json", stream, -1);
    answer = soup_session_send_and_read (s->session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 413);
    g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_request_headers (msg)), ==, SOUP_ENCODING_CHUNKED);
  }
  // Deeply nested JSON is refused before it is parsed.
  {
    g_autoptr(GString) deep = g_string_new ("{\"pipeline\": ");
    g_auto(Response) r = { 0 };

    for (guint i = 0; i < 100000; i++)
      g_string_append_c (deep, '[');
    for (guint i = 0; i < 100000; i++)
      g_string_append_c (deep, ']');
    g_string_append_c (deep, '}');
    r = request (s, "POST", "/api/v1/runs", s->runner, deep->str);
    assert_error (&r, 400, "bad_request");
    g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (object (&r), "error"), "message"), "nested"));
  }
  // Broken and wrong-shaped JSON.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, "{\"pipeline\": ");

    assert_error (&r, 400, "bad_request");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, "[1, 2]");

    assert_error (&r, 400, "bad_request");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, "{\"pipeline\": 5}");

    assert_error (&r, 400, "bad_request");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, "{\"pipeline\": \"nope\"}");

    assert_error (&r, 404, "not_found");
  }
  // Unknown things, wrong methods.
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/runs/12", s->viewer, NULL);

    assert_error (&r, 404, "not_found");
    g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (object (&r), "error"), "message"), "run 12"));
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/runs/-3/steps/a/logs", s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/bogus", s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }
  {
    g_auto(Response) r = request (s, "PUT", "/api/v1/runs", s->admin, "{}");

    assert_error (&r, 405, "method_not_allowed");
    g_assert_nonnull (soup_message_headers_get_one (r.headers, "Allow"));
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/runs?limit=abc", s->viewer, NULL);

    assert_error (&r, 400, "bad_request");
  }

  // Still serving after all of it.
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
}

static void
test_run_events (Server        *s,
                 gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  g_autoptr(GPtrArray) replay = NULL;
  g_autofree char *logs_path = NULL;
  g_autofree char *output_path = NULL;
  gint64 run_id = start_run (s, pipeline, "{\"text\": \"served hello\", \"seconds\": 1.5}");
  Stream *stream = open_events (s, run_id, NULL);
  const char *resume_from;
  Event *e;

  // Watch until step b is running (mid-run), then drop the connection.
  while ((e = read_event (stream)) != NULL)
    {
      gboolean b_running = g_str_equal (e->kind, "step-state") && strstr (e->data, "\"step\":\"b\"") &&
                           strstr (e->data, "\"state\":\"running\"");

      g_ptr_array_add (first, e);
      if (b_running)
        break;
    }
  g_assert_nonnull (e);
  close_events (stream);
  g_assert_cmpstr (run_state (s, run_id), ==, "running");

  // Reconnect after the last event seen: the rest, nothing twice.
  resume_from = ((Event *) g_ptr_array_index (first, first->len - 1))->id;
  stream = open_events (s, run_id, resume_from);
  read_all_events (stream, first);
  close_events (stream);
  assert_complete_stream (first, "succeeded");
  g_assert_cmpstr (run_state (s, run_id), ==, "succeeded");

  // A client connecting after the end gets the same events, then the end.
  replay = all_events (s, run_id);
  assert_same_events (first, replay);

  // ?cursor= works like Last-Event-ID; an unknown cursor is refused.
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/events?cursor=%s", run_id,
                                             ((Event *) g_ptr_array_index (replay, replay->len - 2))->id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    g_autofree char *text = g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (text, "event: run-state"));
    g_assert_null (strstr (text, "step-state"));
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/events?cursor=no-such-cursor", run_id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

    assert_error (&r, 400, "bad_request");
  }

  // The run as JSON.
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT, run_id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    JsonObject *run = object (&r);
    JsonArray *steps = json_object_get_array_member (run, "steps");
    JsonObject *a = NULL;

    g_assert_cmpuint (json_array_get_length (steps), ==, 3);
    for (guint i = 0; i < 3; i++)
      if (g_str_equal (json_object_get_string_member (json_array_get_object_element (steps, i), "id"), "a"))
        a = json_array_get_object_element (steps, i);
    g_assert_nonnull (a);
    g_assert_cmpstr (json_object_get_string_member (a, "state"), ==, "succeeded");
    g_assert_cmpint (json_object_get_int_member (a, "attempts"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (a, "exit_code"), ==, 0);
    g_assert_true (json_object_get_null_member (a, "reused_from_run"));
    g_assert_nonnull (json_object_get_string_member (run, "finished_at"));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (run, "inputs"), "text"), ==, "served hello");
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs?pipeline=%s&limit=5", pipeline);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    JsonArray *runs = json_object_get_array_member (object (&r), "runs");

    g_assert_cmpuint (json_array_get_length (runs), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (runs, 0), "id"), ==, run_id);
  }

  // Logs: all lines, after a sequence number, and a byte range.
  logs_path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/a/logs", run_id);
  {
    g_auto(Response) r = request (s, "GET", logs_path, s->viewer, NULL);
    g_autofree char *text = g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));
    const char *last = soup_message_headers_get_one (r.headers, "X-Sluice-Last-Seq");
    g_autofree char *after = g_strdup_printf ("%s?after=%s", logs_path, last);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_nonnull (strstr (text, "produced served hello\n"));
    {
      g_auto(Response) rest = request (s, "GET", after, s->viewer, NULL);

      g_assert_cmpuint (rest.status, ==, 200);
      g_assert_cmpuint (g_bytes_get_size (rest.body), ==, 0);
    }
    {
      g_auto(Response) part = request_full (s, "GET", logs_path, s->viewer, NULL, NULL, "Range", "bytes=0-4");
      g_autofree char *expected_range = g_strdup_printf ("bytes 0-4/%zu", strlen (text));

      g_assert_cmpuint (part.status, ==, 206);
      g_assert_cmpuint (g_bytes_get_size (part.body), ==, 5);
      g_assert_cmpint (memcmp (g_bytes_get_data (part.body, NULL), text, 5), ==, 0);
      g_assert_cmpstr (soup_message_headers_get_one (part.headers, "Content-Range"), ==, expected_range);
    }
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/zz/logs", run_id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }

  // Artifact download.
  output_path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/c/outputs/out", run_id);
  {
    g_auto(Response) r = request (s, "GET", output_path, s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (r.headers, NULL), ==, "application/octet-stream");
    g_assert_cmpuint (g_bytes_get_size (r.body), ==, strlen ("served hello\nslept\n"));
    g_assert_cmpint (memcmp (g_bytes_get_data (r.body, NULL), "served hello\nslept\n", g_bytes_get_size (r.body)), ==, 0);
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/metrics", run_id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_true (json_object_has_member (object (&r), "metrics"));
  }

  // The audit log has the event streams with the status they got, also
  // the one this test dropped mid-run.
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/audit?limit=1000", s->admin, NULL);
    JsonArray *entries = json_object_get_array_member (object (&r), "entries");
    g_autofree char *events_path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/events", run_id);
    guint streams = 0;

    for (guint i = 0; i < json_array_get_length (entries); i++)
      {
        JsonObject *entry = json_array_get_object_element (entries, i);

        if (!g_str_equal (json_object_get_string_member (entry, "path"), events_path))
          continue;
        streams++;
        g_assert_cmpstr (json_object_get_string_member (entry, "token"), ==, "vera");
        g_assert_true (json_object_get_int_member (entry, "status") == 200 || json_object_get_int_member (entry, "status") == 400);
      }
    g_assert_cmpuint (streams, ==, 5);
  }

  // Inputs the pipeline does not have, and forced steps it does not have.
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"nope\": 1}}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"text\": {\"a\": [1]}}}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"seconds\": \"soon\"}}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"force\": [\"zz\"]}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
  // A second run reuses a and b; forcing a runs it again.
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"text\": \"served hello\", \"seconds\": 1.5}, \"force\": [\"a\"]}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);
    gint64 second;

    g_assert_cmpuint (r.status, ==, 201);
    second = json_object_get_int_member (object (&r), "id");
    wait_for_state (s, second, NULL, "succeeded", 30);
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT, second);
      g_auto(Response) done = request (s, "GET", path, s->viewer, NULL);

      g_assert_cmpstr (step_state_in (object (&done), "a"), ==, "succeeded");
      g_assert_cmpstr (step_state_in (object (&done), "b"), ==, "reused");
    }
  }
}

static void
test_cancel (Server        *s,
             gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  gint64 run_id = start_run (s, pipeline, "{\"seconds\": 60}");
  g_autofree char *cancel = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/cancel", run_id);
  g_autoptr(GPtrArray) events = NULL;

  wait_for_state (s, run_id, "b", "running", 30);
  {
    g_auto(Response) r = request (s, "POST", cancel, s->viewer, NULL);

    assert_error (&r, 403, "forbidden");
  }
  {
    g_auto(Response) r = request (s, "POST", cancel, s->runner, NULL);

    g_assert_cmpuint (r.status, ==, 202);
  }
  events = all_events (s, run_id);
  assert_complete_stream (events, "cancelled");
  g_assert_cmpstr (run_state (s, run_id), ==, "cancelled");
  {
    g_auto(Response) r = request (s, "POST", cancel, s->runner, NULL);

    assert_error (&r, 409, "conflict");
  }
}

static gint64
count_runs_of_schedule (Server *s,
                        gint64  schedule_id)
{
  g_auto(Response) r = request (s, "GET", "/api/v1/runs?limit=100", s->viewer, NULL);
  JsonArray *runs = json_object_get_array_member (object (&r), "runs");
  gint64 count = 0;

  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);

      if (!json_object_get_null_member (run, "schedule") && json_object_get_int_member (run, "schedule") == schedule_id)
        {
          g_assert_cmpstr (json_object_get_string_member (run, "published"), ==, "nightly");
          count++;
        }
    }
  return count;
}

static void
test_publish_schedule (Server        *s,
                       gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  g_autofree char *publish = g_strdup_printf ("{\"name\": \"nightly\", \"pipeline\": \"%s\", \"inputs\": {\"text\": \"from publish\", \"seconds\": 0}}", pipeline);
  g_autofree char *schedule_path = NULL;
  gint64 run_id, schedule_id;

  for (guint version = 1; version <= 2; version++)
    {
      g_auto(Response) r = request (s, "POST", "/api/v1/published", s->admin, publish);

      g_assert_cmpuint (r.status, ==, 201);
      g_assert_cmpint (json_object_get_int_member (object (&r), "version"), ==, version);
      g_assert_cmpstr (json_object_get_string_member (object (&r), "pipeline"), ==, pipeline);
    }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published", s->admin, "{\"name\": \"../evil\", \"pipeline\": \"x\"}");

    assert_error (&r, 400, "bad_request");
  }
  {
    g_autofree char *bad = g_strdup_printf ("{\"name\": \"bad\", \"pipeline\": \"%s\", \"inputs\": {\"nope\": 1}}", pipeline);
    g_auto(Response) r = request (s, "POST", "/api/v1/published", s->admin, bad);

    assert_error (&r, 422, "invalid");
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/published/nightly", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "versions")), ==, 2);
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/published", s->viewer, NULL);
    JsonArray *list = json_object_get_array_member (object (&r), "published");

    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (list, 0), "version"), ==, 2);
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/published/daily", s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }

  // The REST trigger: defaults, overridden by what the call gives.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published/nightly/runs", s->runner,
                                  "{\"inputs\": {\"text\": \"triggered\"}, \"version\": 1}");
    JsonObject *run;

    g_assert_cmpuint (r.status, ==, 201);
    run = object (&r);
    run_id = json_object_get_int_member (run, "id");
    g_assert_cmpstr (json_object_get_string_member (run, "published"), ==, "nightly");
    g_assert_cmpint (json_object_get_int_member (run, "version"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (run, "inputs"), "text"), ==, "triggered");
  }
  wait_for_state (s, run_id, NULL, "succeeded", 30);
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published/nightly/runs", s->runner, NULL);

    g_assert_cmpuint (r.status, ==, 201);
    g_assert_cmpint (json_object_get_int_member (object (&r), "version"), ==, 2);
    wait_for_state (s, json_object_get_int_member (object (&r), "id"), NULL, "succeeded", 30);
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/published/nightly/runs", s->runner, "{\"version\": 9}");

    assert_error (&r, 404, "not_found");
  }

  // Schedules: bad ones are refused.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->admin, "{\"published\": \"nightly\", \"cron\": \"61 * * * *\"}");

    assert_error (&r, 422, "invalid");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->admin,
                                  "{\"published\": \"nightly\", \"cron\": \"0 3 * * *\", \"timezone\": \"Nowhere/Land\"}");

    assert_error (&r, 422, "invalid");
  }
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->admin, "{\"published\": \"nope\", \"interval_seconds\": 5}");

    assert_error (&r, 404, "not_found");
  }
  // A cron schedule in a time zone: five upcoming times in that zone.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->admin,
                                  "{\"published\": \"nightly\", \"cron\": \"30 3 * * *\", \"timezone\": \"Europe/Berlin\"}");
    JsonArray *next;

    g_assert_cmpuint (r.status, ==, 201);
    next = json_object_get_array_member (object (&r), "next_runs");
    g_assert_cmpuint (json_array_get_length (next), ==, 5);
    for (guint i = 0; i < 5; i++)
      {
        const char *when = json_array_get_string_element (next, i);

        g_assert_nonnull (strstr (when, "T03:30:00"));
        g_assert_true (g_str_has_suffix (when, "+01:00") || g_str_has_suffix (when, "+02:00"));
      }
  }

  // An interval schedule fires.
  {
    g_auto(Response) r = request (s, "POST", "/api/v1/schedules", s->admin,
                                  "{\"published\": \"nightly\", \"interval_seconds\": 1, \"inputs\": {\"text\": \"scheduled\"}}");

    g_assert_cmpuint (r.status, ==, 201);
    schedule_id = json_object_get_int_member (object (&r), "id");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "next_runs")), ==, 5);
    g_assert_false (json_object_get_boolean_member (object (&r), "paused"));
  }
  schedule_path = g_strdup_printf ("/api/v1/schedules/%" G_GINT64_FORMAT, schedule_id);
  {
    gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

    while (count_runs_of_schedule (s, schedule_id) < 2 && g_get_monotonic_time () < deadline)
      g_usleep (100 * 1000);
    g_assert_cmpint (count_runs_of_schedule (s, schedule_id), >=, 2);
  }
  {
    g_auto(Response) r = request (s, "GET", schedule_path, s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_false (json_object_get_null_member (object (&r), "last_run"));
  }

  // Paused, it stops firing; deleted, it is gone.
  {
    g_autofree char *pause = g_strdup_printf ("%s/pause", schedule_path);
    g_auto(Response) r = request (s, "POST", pause, s->admin, NULL);
    gint64 before;

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_true (json_object_get_boolean_member (object (&r), "paused"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "next_runs")), ==, 0);
    g_usleep (300 * 1000);
    before = count_runs_of_schedule (s, schedule_id);
    g_usleep (2 * G_USEC_PER_SEC);
    g_assert_cmpint (count_runs_of_schedule (s, schedule_id), ==, before);
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/schedules", s->viewer, NULL);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "schedules")), ==, 2);
  }
  {
    g_auto(Response) r = request (s, "DELETE", schedule_path, s->admin, NULL);

    g_assert_cmpuint (r.status, ==, 204);
  }
  {
    g_auto(Response) r = request (s, "GET", schedule_path, s->viewer, NULL);

    assert_error (&r, 404, "not_found");
  }

  // Published pipelines, schedules and tokens survive a restart.
  server_stop (s, FALSE);
  server_start (s, NULL);
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/published/nightly", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/schedules", s->viewer, NULL);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object (&r), "schedules")), ==, 1);
  }
}

// File inputs: paths inside the upload, or absolute on the server; never
// relative paths that lead out of the upload.
static void
test_file_inputs (Server        *s,
                  gconstpointer  data)
{
  static const char pipeline[] =
    "{\"sluice\": 1, \"name\": \"files\", \"inputs\": {\"notes\": {\"type\": \"uri_file\", \"path\": \"data/notes.txt\"}}, \"jobs\": {"
    "\"c\": {\"component\": \"file:components/concat.component.json\", \"inputs\": {\"a\": \"${{parent.inputs.notes}}\"}}}}";
  g_autofree char *concat = engine_file ("concat.component.json");
  g_autofree char *step = engine_file ("code/step.sh");
  g_autofree char *outside = g_build_filename (s->data, "..", "outside.txt", NULL);
  g_autofree char *id = NULL;
  Entry entries[] = {
    { "pipeline.sluice.json", pipeline, NULL },
    { "components/concat.component.json", concat, NULL },
    { "components/code/step.sh", step, NULL },
    { "data/notes.txt", "notes\n", NULL },
    { "data/other.txt", "other\n", NULL },
  };
  g_autoptr(GBytes) archive = make_archive (entries, G_N_ELEMENTS (entries));
  struct { const char *inputs; const char *expected; } cases[] = {
    { "{}", "notes\n" },
    { "{\"notes\": \"data/other.txt\"}", "other\n" },
    { NULL, "outside\n" },   // the absolute path of a file on the server
  };

  g_assert_true (g_file_set_contents (outside, "outside\n", -1, NULL));
  {
    g_auto(Response) r = upload (s, s->runner, archive);

    g_assert_cmpuint (r.status, ==, 201);
    id = g_strdup (json_object_get_string_member (object (&r), "id"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *absolute = g_strdup_printf ("{\"notes\": \"%s\"}", outside);
      gint64 run_id = start_run (s, id, cases[i].inputs ? cases[i].inputs : absolute);
      g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/c/outputs/out", run_id);

      wait_for_state (s, run_id, NULL, "succeeded", 30);
      {
        g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

        g_assert_cmpuint (r.status, ==, 200);
        g_assert_cmpuint (g_bytes_get_size (r.body), ==, strlen (cases[i].expected));
        g_assert_cmpint (memcmp (g_bytes_get_data (r.body, NULL), cases[i].expected, strlen (cases[i].expected)), ==, 0);
      }
    }
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"notes\": \"../../server.db\"}}", id);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"pipeline\": \"%s\", \"inputs\": {\"notes\": 5}}", id);
    g_auto(Response) r = request (s, "POST", "/api/v1/runs", s->runner, body);

    assert_error (&r, 422, "invalid");
  }
}

// A folder output downloads as a gzip'd tar; metrics come back as JSON.
static void
test_folder_and_metrics (Server        *s,
                         gconstpointer  data)
{
  static const char pipeline[] =
    "{\"sluice\": 1, \"name\": \"outputs\", \"jobs\": {"
    "\"f\": {\"component\": \"file:components/folder.component.json\"},"
    "\"m\": {\"component\": \"file:components/metrics.component.json\"}}}";
  g_autofree char *folder = engine_file ("folder.component.json");
  g_autofree char *metrics = engine_file ("metrics.component.json");
  g_autofree char *step = engine_file ("code/step.sh");
  Entry entries[] = {
    { "pipeline.sluice.json", pipeline, NULL },
    { "components/folder.component.json", folder, NULL },
    { "components/metrics.component.json", metrics, NULL },
    { "components/code/step.sh", step, NULL },
  };
  g_autoptr(GBytes) archive = make_archive (entries, G_N_ELEMENTS (entries));
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  gint64 run_id;

  {
    g_auto(Response) r = upload (s, s->runner, archive);

    g_assert_cmpuint (r.status, ==, 201);
    id = g_strdup (json_object_get_string_member (object (&r), "id"));
  }
  run_id = start_run (s, id, NULL);
  wait_for_state (s, run_id, NULL, "succeeded", 30);

  path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/f/outputs/out", run_id);
  {
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    struct archive *a = archive_read_new ();
    struct archive_entry *e;

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (r.headers, NULL), ==, "application/gzip");
    archive_read_support_filter_gzip (a);
    archive_read_support_format_tar (a);
    g_assert_cmpint (archive_read_open_memory (a, g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body)), ==, ARCHIVE_OK);
    while (archive_read_next_header (a, &e) == ARCHIVE_OK)
      {
        char buffer[256] = { 0 };

        if (archive_entry_filetype (e) != AE_IFREG)
          continue;
        g_assert_cmpint (archive_read_data (a, buffer, sizeof buffer - 1), >=, 0);
        g_hash_table_insert (files, g_strdup (archive_entry_pathname (e)), g_strdup (buffer));
      }
    archive_read_free (a);
  }
  g_assert_cmpuint (g_hash_table_size (files), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (files, "a.txt"), ==, "a\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "sub/b.txt"), ==, "b\n");

  g_free (path);
  path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/metrics", run_id);
  {
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);
    JsonArray *list = json_object_get_array_member (object (&r), "metrics");
    gboolean accuracy = FALSE, loss_2 = FALSE;

    g_assert_cmpuint (json_array_get_length (list), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *m = json_array_get_object_element (list, i);

        g_assert_cmpstr (json_object_get_string_member (m, "step"), ==, "m");
        if (g_str_equal (json_object_get_string_member (m, "name"), "accuracy"))
          accuracy = json_object_get_double_member (m, "value") == 0.75 && json_object_get_null_member (m, "index");
        if (g_str_equal (json_object_get_string_member (m, "name"), "loss") && !json_object_get_null_member (m, "index") &&
            json_object_get_int_member (m, "index") == 2)
          loss_2 = json_object_get_double_member (m, "value") == 0.25;
      }
    g_assert_true (accuracy);
    g_assert_true (loss_2);
  }
}

static const char * const fast_keepalive[] = { "--keepalive", "1", NULL };

// An idle event stream gets a comment line now and then, so proxies and
// clients can tell a quiet run from a dead connection.
static void
test_keepalive (Server        *s,
                gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  gint64 run_id = start_run (s, pipeline, "{\"seconds\": 3}");
  Stream *stream = open_events (s, run_id, NULL);
  gboolean seen = FALSE;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!seen && g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (stream->lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      seen = g_str_equal (line, ": keepalive");
    }
  g_assert_true (seen);
  close_events (stream);
  wait_for_state (s, run_id, NULL, "succeeded", 30);
}

static const char * const with_tls[] = { "--tls-cert", "@cert.pem", "--tls-key", "@key.pem", NULL };

// HTTPS with --tls-cert/--tls-key (tests/data/server holds a self-signed
// certificate for 127.0.0.1 made for this test only).
static void
test_tls (Server        *s,
          gconstpointer  data)
{
  g_autofree char *cert = g_test_build_filename (G_TEST_DIST, "data", "server", "cert.pem", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (s->url, "https://127.0.0.1:"));
  {
    // Without trusting the certificate, the connection fails.
    g_autofree char *url = g_strconcat (s->url, "/api/v1/pipelines", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (s->session, msg, NULL, &error);

    g_assert_null (body);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  s->trusted = g_tls_certificate_new_from_file (cert, &error);
  g_assert_no_error (error);
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
  {
    g_autofree char *pipeline = upload_pipeline (s);
    gint64 run_id = start_run (s, pipeline, NULL);
    g_autoptr(GPtrArray) events = all_events (s, run_id);

    assert_complete_stream (events, "succeeded");
  }
}

static gint64
runner_pid_of (Server *s,
               gint64  run_id)
{
  g_autofree char *db = g_build_filename (s->data, "store", "history.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceHistory) history = sluice_history_open (db, &error);
  g_autoptr(SluiceRunRecord) record = NULL;

  g_assert_no_error (error);
  record = sluice_history_get_run (history, run_id, &error);
  g_assert_no_error (error);
  return record->runner_pid;
}

static void
test_restart (Server        *s,
              gconstpointer  data)
{
  g_autofree char *pipeline = upload_pipeline (s);
  g_autoptr(GPtrArray) events = NULL;
  gint64 run_id, pid;

  // The server dies mid-run; the runner goes on, and the restarted server
  // shows the run and its whole event stream.
  run_id = start_run (s, pipeline, "{\"text\": \"survivor\", \"seconds\": 3}");
  wait_for_state (s, run_id, "b", "running", 30);
  server_stop (s, TRUE);
  server_start (s, NULL);
  {
    g_autofree char *state = run_state (s, run_id);

    // Still going, or already done if the restart was slow; never lost.
    g_assert_true (g_str_equal (state, "running") || g_str_equal (state, "succeeded"));
  }
  events = all_events (s, run_id);
  assert_complete_stream (events, "succeeded");

  // Now the runner dies too: the run comes back interrupted, and resumes.
  // (Another sleep time, or b would be reused from the run above.)
  run_id = start_run (s, pipeline, "{\"text\": \"resumed\", \"seconds\": 4}");
  wait_for_state (s, run_id, "b", "running", 30);
  pid = runner_pid_of (s, run_id);
  g_assert_cmpint (pid, >, 0);
  server_stop (s, TRUE);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  // The runner was the server's child; wait until init has reaped it.
  for (guint i = 0; i < 100 && kill ((pid_t) pid, 0) == 0; i++)
    g_usleep (50 * 1000);
  server_start (s, NULL);
  g_assert_cmpstr (run_state (s, run_id), ==, "interrupted");
  {
    g_autofree char *resume = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/resume", run_id);
    g_auto(Response) r = request (s, "POST", resume, s->runner, NULL);

    g_assert_cmpuint (r.status, ==, 202);
  }
  wait_for_state (s, run_id, NULL, "succeeded", 30);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/steps/c/outputs/out", run_id);
    g_auto(Response) r = request (s, "GET", path, s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpint (memcmp (g_bytes_get_data (r.body, NULL), "resumed\nslept\n", g_bytes_get_size (r.body)), ==, 0);
  }
  {
    g_autofree char *resume = g_strdup_printf ("/api/v1/runs/%" G_GINT64_FORMAT "/resume", run_id);
    g_auto(Response) r = request (s, "POST", resume, s->runner, NULL);

    assert_error (&r, 409, "conflict");
  }

  // A runner that dies while the server runs: the run turns interrupted at
  // once, and its event stream ends.
  run_id = start_run (s, pipeline, "{\"text\": \"crash\", \"seconds\": 30}");
  wait_for_state (s, run_id, "b", "running", 30);
  pid = runner_pid_of (s, run_id);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  wait_for_state (s, run_id, NULL, "interrupted", 5);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = all_events (s, run_id);
  // The runner may have died before writing its latest events: the end is
  // made up from the runs row, so only the ending is certain.
  {
    Event *last = g_ptr_array_index (events, events->len - 1);

    g_assert_cmpstr (last->kind, ==, "run-state");
    g_assert_nonnull (strstr (last->data, "\"state\":\"interrupted\""));
  }
}

static const char * const rate_limited[] = { "--rate-limit", "1", "--rate-burst", "3", NULL };

static void
test_rate_limit (Server        *s,
                 gconstpointer  data)
{
  guint ok = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

      ok += r.status == 200;
    }
  g_assert_cmpuint (ok, ==, 3);
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    assert_error (&r, 429, "too_many_requests");
    g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Retry-After"), ==, "1");
  }
  // Each token has its own bucket.
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->admin, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
  g_usleep (1100 * 1000);
  {
    g_auto(Response) r = request (s, "GET", "/api/v1/pipelines", s->viewer, NULL);

    g_assert_cmpuint (r.status, ==, 200);
  }
}

static void
test_listen_checks (void)
{
  g_autofree char *binary = server_binary ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-server-XXXXXX", &error);
  const char *plain[] = { binary, "--listen", "0.0.0.0:0", "--data", dir, NULL };
  const char *half_tls[] = { binary, "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent", "--data", dir, NULL };
  const char *bad_role[] = { binary, "token", "create", "--data", dir, "--name", "x", "--role", "god", NULL };
  const char *revoke_missing[] = { binary, "token", "revoke", "--data", dir, "nobody", NULL };

  g_assert_no_error (error);
  // A network address without TLS needs --insecure.
  g_assert_cmpint (run_binary (plain), ==, 2);
  g_assert_cmpint (run_binary (half_tls), ==, 2);
  g_assert_cmpint (run_binary (bad_role), ==, 2);
  g_assert_cmpint (run_binary (revoke_missing), ==, 1);
  sluice_file_remove_tree (dir, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/listen-checks", test_listen_checks);
  g_test_add ("/server/auth", Server, NULL, server_setup, test_auth, server_teardown);
  g_test_add ("/server/upload", Server, NULL, server_setup, test_upload, server_teardown);
  g_test_add ("/server/hostile", Server, NULL, server_setup, test_hostile, server_teardown);
  g_test_add ("/server/run-events", Server, NULL, server_setup, test_run_events, server_teardown);
  g_test_add ("/server/cancel", Server, NULL, server_setup, test_cancel, server_teardown);
  g_test_add ("/server/publish-schedule", Server, NULL, server_setup, test_publish_schedule, server_teardown);
  g_test_add ("/server/file-inputs", Server, NULL, server_setup, test_file_inputs, server_teardown);
  g_test_add ("/server/folder-and-metrics", Server, NULL, server_setup, test_folder_and_metrics, server_teardown);
  g_test_add ("/server/keepalive", Server, fast_keepalive, server_setup, test_keepalive, server_teardown);
  g_test_add ("/server/tls", Server, with_tls, server_setup, test_tls, server_teardown);
  g_test_add ("/server/restart", Server, NULL, server_setup, test_restart, server_teardown);
  g_test_add ("/server/rate-limit", Server, rate_limited, server_setup, test_rate_limit, server_teardown);
  return g_test_run ();
}
