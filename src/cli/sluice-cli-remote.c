// SPDX-License-Identifier: GPL-3.0-or-later
//
// The commands that talk to a Sluice server: `sluice remote`, `publish`,
// `trigger`, `schedule`, and the --remote forms of run, runs, logs,
// metrics and cancel. The library's calls are asynchronous; a command waits for each
// by iterating the main context, so to the user it is one synchronous
// step after another.

#include "config.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sluice-cli-private.h"
#include "sluice-remote-config.h"
#include "sluice-run-monitor.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

static char *opt_remote;
static char **opt_set;
static char **opt_force;
static gboolean opt_detach;
static gboolean opt_json;
static gboolean opt_wait;
static char *opt_name;
static char *opt_token_file;
static char *opt_cron;
static int opt_every;
static char *opt_timezone;
static int opt_attempt;
static int opt_limit;
static int opt_version;
static gint64 opt_resume;

static const GOptionEntry remote_entries[] = {
  { "remote", 0, 0, G_OPTION_ARG_STRING, &opt_remote, N_("The server to use, as added with `sluice remote add`"), N_("NAME") },
  { NULL }
};

static const GOptionEntry set_entries[] = {
  { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_set, N_("Give pipeline input INPUT the value VALUE (repeatable)"), N_("INPUT=VALUE") },
  { NULL }
};

/* waiting for the server ------------------------------------------------------------ */

typedef JsonNode *(*FinishFunc) (SluiceRemote *remote, GAsyncResult *result, GError **error);

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

// What the server said no to is the user's to fix (exit 1); not reaching
// it, or being refused entry, is the setup's (exit 2).
static int
exit_status_for (const GError *error)
{
  return g_error_matches (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INVALID) ||
         g_error_matches (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NOT_FOUND) ? EXIT_FAILED : EXIT_USAGE;
}

// Waits for the call started with store_result and &result; prints the
// error and sets *status when it failed.
static JsonNode *
await_reply (SluiceRemote  *remote,
             GAsyncResult **result,
             FinishFunc     finish,
             int           *status)
{
  g_autoptr(GError) error = NULL;
  JsonNode *reply = finish (remote, wait_for (result), &error);

  g_clear_object (result);
  if (reply == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      *status = exit_status_for (error);
    }
  return reply;
}

static SluiceRemote *
open_remote (void)
{
  g_autoptr(GError) error = NULL;
  SluiceRemote *remote;

  if (opt_remote == NULL)
    {
      g_printerr ("%s: say which server with --remote NAME (see `sluice remote list`)\n", g_get_prgname ());
      return NULL;
    }
  if (!(remote = sluice_remote_config_open (opt_remote, &error)))
    g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  return remote;
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = sluice_json_to_string (node);

  printf ("%s", text);
}

static JsonObject *
reply_object (JsonNode *reply)
{
  return reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
}

// A list reply, {"runs": [...]} and the like.
static JsonArray *
reply_array (JsonNode   *reply,
             const char *member)
{
  JsonObject *object = reply_object (reply);
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
    ? json_node_get_string (node) : NULL;
}

static gint64
int_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
    ? json_node_get_int (node) : 0;
}

// Server times are ISO 8601 in UTC; people read local time.
static char *
local_time (const char *iso)
{
  g_autoptr(GDateTime) utc = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup (iso ? iso : "-");
}

static char *
duration_between (const char *start,
                  const char *end)
{
  g_autoptr(GDateTime) a = start ? g_date_time_new_from_iso8601 (start, NULL) : NULL;
  g_autoptr(GDateTime) b = end ? g_date_time_new_from_iso8601 (end, NULL) : g_date_time_new_now_utc ();
  double seconds;

  if (a == NULL || b == NULL)
    return g_strdup ("-");
  seconds = (double) g_date_time_difference (b, a) / G_USEC_PER_SEC;
  if (seconds < 60)
    return g_strdup_printf ("%.1fs", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%dm%02ds", (int) seconds / 60, (int) seconds % 60);
  return g_strdup_printf ("%dh%02dm", (int) seconds / 3600, ((int) seconds % 3600) / 60);
}

static gboolean
parse_positive (const char *text,
                const char *what,
                gint64     *value)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_printerr ("%s: '%s' is not a %s\n", g_get_prgname (), text, what);
      return FALSE;
    }
  *value = (gint64) v;
  return TRUE;
}

/* inputs (--set) ------------------------------------------------------------------------- */

// With the pipeline at hand its input types say how to read VALUE; for
// a published pipeline (not here) JSON numbers and booleans are taken as
// such, anything else as text, and the server checks the types.
static JsonNode *
value_for (const SluicePipelineIO *io,
           const char             *text)
{
  const char *type = io && io->type ? io->type : NULL;
  g_autoptr(JsonNode) node = NULL;

  if (type == NULL || g_str_equal (type, "integer") || g_str_equal (type, "number") || g_str_equal (type, "boolean"))
    {
      node = json_from_string (text, NULL);
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) != G_TYPE_STRING)
        {
          if (type != NULL && g_str_equal (type, "integer") && json_node_get_value_type (node) != G_TYPE_INT64)
            return NULL;
          if (type != NULL && g_str_equal (type, "boolean") && json_node_get_value_type (node) != G_TYPE_BOOLEAN)
            return NULL;
          if (type != NULL && g_str_equal (type, "number") && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
            return NULL;
          return g_steal_pointer (&node);
        }
      if (type != NULL)
        return NULL;
    }
  // Paths stay as written: on the server they are relative to the
  // uploaded pipeline's folder, or absolute on the server's disk.
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return g_steal_pointer (&node);
}

static JsonObject *
parse_settings (SluicePipeline *pipeline)
{
  g_autoptr(JsonObject) inputs = json_object_new ();

  for (guint i = 0; opt_set != NULL && opt_set[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup (opt_set[i]);
      char *equals = strchr (name, '=');
      const SluicePipelineIO *io = NULL;
      JsonNode *value;

      if (equals == NULL || equals == name)
        {
          g_printerr ("%s: --set needs INPUT=VALUE, not '%s'\n", g_get_prgname (), opt_set[i]);
          return NULL;
        }
      *equals = '\0';
      if (pipeline != NULL && !(io = sluice_pipeline_find_input (pipeline, name)))
        {
          g_printerr ("%s: --set %s: the pipeline has no input '%s'\n", g_get_prgname (), opt_set[i], name);
          return NULL;
        }
      if (!(value = value_for (io, equals + 1)))
        {
          g_printerr ("%s: --set %s: '%s' is not a valid %s\n", g_get_prgname (), name, equals + 1, io->type);
          return NULL;
        }
      json_object_set_member (inputs, name, value);
    }
  return g_steal_pointer (&inputs);
}

/* following a run ----------------------------------------------------------------------- */

typedef struct
{
  SluiceRemote *remote;
  gint64        run_id;
  int           final_state;    // -1 while going
  gboolean      failed;         // the stream was refused
  gboolean      cancelling;
} Follow;

static void
print_event (const SluiceRunEvent *event)
{
  static GTimeZone *local_zone = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *clock = NULL;

  if (opt_json)
    {
      g_autoptr(JsonNode) node = sluice_run_event_to_json (event);
      g_autofree char *text = json_to_string (node, FALSE);

      printf ("%s\n", text);
      return;
    }

  // The time the event happened on the server, not when it arrived.
  if (local_zone == NULL)
    local_zone = g_time_zone_new_local ();
  when = g_date_time_new_from_unix_utc (event->time / G_USEC_PER_SEC);
  if (when != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_timezone (when, local_zone);

      clock = g_date_time_format (local, "%H:%M:%S");
    }

  sluice_cli_print_event_line (clock, event);
}

static void
on_events (SluiceRunMonitor *monitor,
           GPtrArray        *events,
           Follow           *follow)
{
  for (guint i = 0; i < events->len; i++)
    print_event (g_ptr_array_index (events, i));
  fflush (stdout);
}

static void
on_finished (SluiceRunMonitor *monitor,
             int               state,
             Follow           *follow)
{
  follow->final_state = state;
}

static void
on_connection_lost (SluiceRemote     *remote,
                    SluiceRunMonitor *monitor,
                    GError           *error,
                    Follow           *follow)
{
  g_printerr ("%s: %s; reconnecting…\n", g_get_prgname (), error->message);
}

static void
on_reconnected (SluiceRemote     *remote,
                SluiceRunMonitor *monitor,
                Follow           *follow)
{
  g_printerr ("%s: reconnected to %s\n", g_get_prgname (), sluice_remote_get_url (remote));
}

static void
on_watch_failed (SluiceRemote     *remote,
                 SluiceRunMonitor *monitor,
                 GError           *error,
                 Follow           *follow)
{
  g_printerr ("%s: %s\n", g_get_prgname (), error->message);
  follow->failed = TRUE;
}

static void
on_cancel_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = sluice_remote_cancel_run_finish (SLUICE_REMOTE (source), result, &error);

  if (reply == NULL)
    g_printerr ("%s: cannot cancel: %s\n", g_get_prgname (), error->message);
}

// Ctrl+C cancels the run on the server, as it would a local one, and the
// command goes on to print how it ended.
static gboolean
on_stop_signal (gpointer user_data)
{
  Follow *follow = user_data;

  if (!follow->cancelling)
    {
      follow->cancelling = TRUE;
      if (!opt_json)
        printf ("stopping: cancelling run %" G_GINT64_FORMAT " on the server…\n", follow->run_id);
      sluice_remote_cancel_run_async (follow->remote, follow->run_id, NULL, on_cancel_sent, NULL);
    }
  return G_SOURCE_CONTINUE;
}

// Exit status as a local run: 0 succeeded, 1 failed or cancelled, 2 when
// the run could not be followed.
static int
follow_run (SluiceRemote *remote,
            gint64        run_id)
{
  g_autoptr(SluiceRunMonitor) monitor = sluice_remote_watch_run (remote, run_id);
  g_autoptr(GError) error = NULL;
  Follow follow = { remote, run_id, -1, FALSE, FALSE };
  guint signals[2];

  g_signal_connect (monitor, "events", G_CALLBACK (on_events), &follow);
  g_signal_connect (monitor, "finished", G_CALLBACK (on_finished), &follow);
  g_signal_connect (remote, "connection-lost", G_CALLBACK (on_connection_lost), &follow);
  g_signal_connect (remote, "reconnected", G_CALLBACK (on_reconnected), &follow);
  g_signal_connect (remote, "watch-failed", G_CALLBACK (on_watch_failed), &follow);
  signals[0] = g_unix_signal_add (SIGINT, on_stop_signal, &follow);
  signals[1] = g_unix_signal_add (SIGTERM, on_stop_signal, &follow);

  if (!sluice_run_monitor_start (monitor, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      follow.failed = TRUE;
    }
  while (follow.final_state < 0 && !follow.failed)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signals[i]);
  g_signal_handlers_disconnect_by_data (remote, &follow);
  sluice_run_monitor_stop (monitor);

  if (follow.failed)
    return EXIT_USAGE;
  return follow.final_state == SLUICE_STATE_SUCCEEDED ? EXIT_OK : EXIT_FAILED;
}

static gint64
started_run_id (JsonNode *reply)
{
  gint64 id = int_member (reply_object (reply), "id");

  if (id <= 0)
    g_printerr ("%s: the server's reply names no run\n", g_get_prgname ());
  return id;
}

// After a run was started: follow it, or say how to.
static int
started (SluiceRemote *remote,
         JsonNode     *run,
         gboolean      follow)
{
  gint64 id = started_run_id (run);

  if (id <= 0)
    return EXIT_USAGE;
  if (!follow)
    {
      if (opt_json)
        print_json (run);
      else
        printf ("run %" G_GINT64_FORMAT " started on %s\n"
                "  follow it:  sluice runs show --remote %s %" G_GINT64_FORMAT "\n"
                "  its log:    sluice logs --remote %s %" G_GINT64_FORMAT " --follow\n",
                id, opt_remote, opt_remote, id, opt_remote, id);
      return EXIT_OK;
    }
  if (!opt_json)
    printf ("run %" G_GINT64_FORMAT " on %s\n", id, opt_remote);
  fflush (stdout);
  return follow_run (remote, id);
}

/* run --remote --------------------------------------------------------------------------- */

static char *
upload (SluiceRemote   *remote,
        SluicePipeline *pipeline,
        int            *status)
{
  g_autoptr(SluiceComponentRegistry) registry = sluice_cli_make_registry ();
  g_autoptr(SluicePipelineArchive) archive = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *id;

  if (!(archive = sluice_pipeline_archive_new (pipeline, registry, &error)))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      *status = EXIT_FAILED;
      return NULL;
    }
  sluice_remote_upload_pipeline_async (remote, archive, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_upload_pipeline_finish, status)))
    return NULL;
  if (!(id = string_member (reply_object (reply), "id")))
    {
      g_printerr ("%s: the server's reply names no pipeline id\n", g_get_prgname ());
      *status = EXIT_USAGE;
      return NULL;
    }
  return g_strdup (id);
}

static int
run_remote (int    argc,
            char **argv)
{
  static const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &opt_force, N_("Run STEP even if its earlier outputs could be reused (repeatable)"), N_("STEP") },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &opt_detach, N_("Start the run and return; it goes on on the server"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print every event as a line of JSON"), NULL },
    { "resume", 0, 0, G_OPTION_ARG_INT64, &opt_resume, N_("Finish what run RUN on the server left undone"), N_("RUN") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "--remote NAME FILE | --remote NAME --resume RUN", "Run a pipeline on a server: upload it with the files it refers to, start it and\n"
    "follow it. Exit status: 0 the run succeeded, 1 it failed or was cancelled, 2 usage or I/O error.",
    entries, TRUE);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) run = NULL;
  g_autofree char *pipeline_id = NULL;
  int status = EXIT_OK;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, set_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (opt_resume != 0 ? (argc != 1 || opt_resume < 0) : argc != 2)
    {
      g_printerr ("sluice run: give one pipeline FILE, or --resume RUN (see sluice run --help)\n");
      return EXIT_USAGE;
    }
  if (opt_resume > 0)
    {
      if (!(remote = open_remote ()))
        return EXIT_USAGE;
      sluice_remote_resume_run_async (remote, opt_resume, NULL, store_result, &result);
      if (!(run = await_reply (remote, &result, sluice_remote_resume_run_finish, &status)))
        return status;
      return started (remote, run, !opt_detach);
    }
  if (!(pipeline = sluice_cli_load_pipeline (argv[1])))
    return g_file_test (argv[1], G_FILE_TEST_IS_REGULAR) ? EXIT_FAILED : EXIT_USAGE;
  if (!(inputs = parse_settings (pipeline)) || !(remote = open_remote ()))
    return EXIT_USAGE;

  if (!(pipeline_id = upload (remote, pipeline, &status)))
    return status;
  sluice_remote_start_run_async (remote, pipeline_id, inputs, (const char * const *) opt_force, NULL,
                                 store_result, &result);
  if (!(run = await_reply (remote, &result, sluice_remote_start_run_finish, &status)))
    return status;
  return started (remote, run, !opt_detach);
}

/* runs list / show --remote ------------------------------------------------------------ */

static void
print_run_row (JsonObject *run)
{
  g_autofree char *when = local_time (string_member (run, "started_at") ? string_member (run, "started_at")
                                                                         : string_member (run, "created_at"));
  g_autofree char *duration = duration_between (string_member (run, "started_at"), string_member (run, "finished_at"));
  const char *name = string_member (run, "published") ? string_member (run, "published") : string_member (run, "name");

  printf ("%-6" G_GINT64_FORMAT " %-12s %-24s %-20s %s\n", int_member (run, "id"),
          string_member (run, "state") ? string_member (run, "state") : "?", name ? name : "-", when, duration);
}

static int
runs_list_remote (SluiceRemote *remote)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *runs;
  int status = EXIT_OK;

  sluice_remote_list_runs_async (remote, NULL, (guint) MAX (opt_limit, 0), NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_list_runs_finish, &status)))
    return status;
  if (opt_json)
    {
      print_json (reply);
      return EXIT_OK;
    }
  printf ("%-6s %-12s %-24s %-20s %s\n", "RUN", "STATE", "PIPELINE", "STARTED", "DURATION");
  runs = reply_array (reply, "runs");
  for (guint i = 0; runs != NULL && i < json_array_get_length (runs); i++)
    print_run_row (json_array_get_object_element (runs, i));
  return EXIT_OK;
}

static int
runs_show_remote (SluiceRemote *remote,
                  gint64        run_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *started_at = NULL;
  g_autofree char *duration = NULL;
  JsonObject *run;
  JsonArray *steps;
  int status = EXIT_OK;

  sluice_remote_get_run_async (remote, run_id, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_get_run_finish, &status)))
    return status;
  if (opt_json)
    {
      print_json (reply);
      return EXIT_OK;
    }

  run = reply_object (reply);
  started_at = local_time (string_member (run, "started_at"));
  duration = duration_between (string_member (run, "started_at"), string_member (run, "finished_at"));
  printf ("run %" G_GINT64_FORMAT ": %s\npipeline: %s (%s)\nstarted: %s by %s\nduration: %s\n",
          int_member (run, "id"), string_member (run, "state") ? string_member (run, "state") : "?",
          string_member (run, "name") ? string_member (run, "name") : "-",
          string_member (run, "pipeline") ? string_member (run, "pipeline") : "-", started_at,
          string_member (run, "started_by") ? string_member (run, "started_by") : "-", duration);
  if (string_member (run, "published") != NULL)
    printf ("published: %s version %" G_GINT64_FORMAT "\n", string_member (run, "published"), int_member (run, "version"));

  printf ("\n%-24s %-12s %-8s %-9s %s\n", "STEP", "STATE", "ATTEMPTS", "DURATION", "NOTE");
  steps = run && json_object_has_member (run, "steps") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (run, "steps"))
    ? json_object_get_array_member (run, "steps") : NULL;
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      g_autofree char *d = duration_between (string_member (step, "started_at"), string_member (step, "finished_at"));
      g_autofree char *note = int_member (step, "reused_from_run") > 0
        ? g_strdup_printf ("outputs from run %" G_GINT64_FORMAT, int_member (step, "reused_from_run"))
        : g_strdup (string_member (step, "message") ? string_member (step, "message") : "");

      printf ("%-24s %-12s %-8" G_GINT64_FORMAT " %-9s %s\n", string_member (step, "id"),
              string_member (step, "state") ? string_member (step, "state") : "?", int_member (step, "attempts"), d, note);
    }
  return EXIT_OK;
}

static int
runs_remote (int    argc,
             char **argv)
{
  static const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the server's JSON"), NULL },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &opt_limit, N_("List at most N runs"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context ("--remote NAME list | show RUN", "List a server's runs, or show one.",
                                                          entries, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  gint64 run_id = 0;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (!((argc == 2 && g_str_equal (argv[1], "list")) || (argc == 3 && g_str_equal (argv[1], "show"))))
    {
      g_printerr ("sluice runs: use `list` or `show RUN` (see sluice runs --help)\n");
      return EXIT_USAGE;
    }
  if ((argc == 3 && !parse_positive (argv[2], "run number", &run_id)) || !(remote = open_remote ()))
    return EXIT_USAGE;
  return argc == 2 ? runs_list_remote (remote) : runs_show_remote (remote, run_id);
}

/* logs / cancel --remote ----------------------------------------------------------------- */

typedef struct
{
  const char *step;             // NULL for every step
  int         final_state;
  gboolean    failed;
} LogFollow;

static void
print_log_line (const char *step,
                char        stream,
                const char *text)
{
  if (step != NULL)
    printf ("%-20s ", step);
  printf ("%s%s\n", stream == 'e' ? "! " : stream == 's' ? "# " : "", text);
}

static void
on_log_events (SluiceRunMonitor *monitor,
               GPtrArray        *events,
               LogFollow        *follow)
{
  for (guint i = 0; i < events->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (events, i);

      if (event->kind != SLUICE_RUN_EVENT_LOG || (follow->step != NULL && g_strcmp0 (follow->step, event->step_id) != 0) ||
          (opt_attempt > 0 && event->attempt != (guint) opt_attempt))
        continue;
      print_log_line (follow->step ? NULL : event->step_id, event->stream, event->text);
    }
  fflush (stdout);
}

static void
on_log_finished (SluiceRunMonitor *monitor,
                 int               state,
                 LogFollow        *follow)
{
  follow->final_state = state;
}

static void
on_log_watch_failed (SluiceRemote     *remote,
                     SluiceRunMonitor *monitor,
                     GError           *error,
                     LogFollow        *follow)
{
  g_printerr ("sluice logs: %s\n", error->message);
  follow->failed = TRUE;
}

// The run's event stream holds every log line from the start, then the
// new ones as they come: following is watching, keeping the log events.
static int
follow_logs (SluiceRemote *remote,
             gint64        run_id,
             const char   *step)
{
  g_autoptr(SluiceRunMonitor) monitor = sluice_remote_watch_run (remote, run_id);
  g_autoptr(GError) error = NULL;
  LogFollow follow = { step, -1, FALSE };

  g_signal_connect (monitor, "events", G_CALLBACK (on_log_events), &follow);
  g_signal_connect (monitor, "finished", G_CALLBACK (on_log_finished), &follow);
  g_signal_connect (remote, "watch-failed", G_CALLBACK (on_log_watch_failed), &follow);
  if (!sluice_run_monitor_start (monitor, &error))
    {
      g_printerr ("sluice logs: %s\n", error->message);
      return EXIT_USAGE;
    }
  while (follow.final_state < 0 && !follow.failed)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (remote, &follow);
  return follow.failed ? EXIT_USAGE : EXIT_OK;
}

// The log of one step as the server keeps it: text, lines as written.
static int
print_step_log (SluiceRemote *remote,
                gint64        run_id,
                const char   *step,
                gboolean      prefix)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  sluice_remote_get_log_async (remote, run_id, step, (guint) opt_attempt, 0, NULL, store_result, &result);
  if (!(text = sluice_remote_get_log_finish (remote, wait_for (&result), NULL, &error)))
    {
      g_printerr ("sluice logs: %s\n", error->message);
      return exit_status_for (error);
    }
  if (!prefix)
    {
      printf ("%s", text);
      return EXIT_OK;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' || lines[i + 1] != NULL)
      printf ("%-20s %s\n", step, lines[i]);
  return EXIT_OK;
}

static int
print_run_logs (SluiceRemote *remote,
                gint64        run_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *run;
  JsonArray *steps;
  int status = EXIT_OK;

  sluice_remote_get_run_async (remote, run_id, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_get_run_finish, &status)))
    return status;
  run = reply_object (reply);
  steps = run && json_object_has_member (run, "steps") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (run, "steps"))
    ? json_object_get_array_member (run, "steps") : NULL;
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      const char *step = string_member (json_array_get_object_element (steps, i), "id");

      if (step != NULL && (status = print_step_log (remote, run_id, step, TRUE)) != EXIT_OK)
        return status;
    }
  return EXIT_OK;
}

static int
logs_remote (int    argc,
             char **argv)
{
  static const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_wait, N_("Keep printing new lines until the run ends"), NULL },
    { "attempt", 'a', 0, G_OPTION_ARG_INT, &opt_attempt, N_("Only this attempt (default: all)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "--remote NAME RUN [STEP]", "Print the log of a run on a server, or of one of its steps. Lines marked ! are\n"
    "the step's stderr, # are Sluice's notes (with --follow; the stored log is the text as written).",
    entries, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  gint64 run_id;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2 || argc > 3 || !parse_positive (argv[1], "run number", &run_id) || opt_attempt < 0)
    {
      g_printerr ("sluice logs: give RUN and optionally STEP (see sluice logs --help)\n");
      return EXIT_USAGE;
    }
  if (!(remote = open_remote ()))
    return EXIT_USAGE;

  if (opt_wait)
    return follow_logs (remote, run_id, argc == 3 ? argv[2] : NULL);
  return argc == 3 ? print_step_log (remote, run_id, argv[2], FALSE) : print_run_logs (remote, run_id);
}

static int
cancel_remote (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = sluice_cli_context ("--remote NAME RUN", "Cancel a run on a server.", NULL, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  gint64 run_id;
  int status = EXIT_OK;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2 || !parse_positive (argv[1], "run number", &run_id))
    {
      g_printerr ("sluice cancel: give one RUN number (see --help)\n");
      return EXIT_USAGE;
    }
  if (!(remote = open_remote ()))
    return EXIT_USAGE;
  sluice_remote_cancel_run_async (remote, run_id, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_cancel_run_finish, &status)))
    return status;
  printf ("cancelling run %" G_GINT64_FORMAT " on %s\n", run_id, opt_remote);
  return EXIT_OK;
}

static int
metrics_remote (int    argc,
                char **argv)
{
  static const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the server's JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context ("--remote NAME RUN", "Print the metrics the steps of a run on a server reported.",
                                                          entries, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *metrics;
  gint64 run_id;
  int status = EXIT_OK;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2 || !parse_positive (argv[1], "run number", &run_id))
    {
      g_printerr ("sluice metrics: give one RUN number (see --help)\n");
      return EXIT_USAGE;
    }
  if (!(remote = open_remote ()))
    return EXIT_USAGE;
  sluice_remote_get_metrics_async (remote, run_id, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_get_metrics_finish, &status)))
    return status;
  if (opt_json)
    {
      print_json (reply);
      return EXIT_OK;
    }
  printf ("%-24s %-28s %-16s %s\n", "STEP", "METRIC", "VALUE", "INDEX");
  metrics = reply_array (reply, "metrics");
  for (guint i = 0; metrics != NULL && i < json_array_get_length (metrics); i++)
    {
      JsonObject *m = json_array_get_object_element (metrics, i);
      JsonNode *index = json_object_get_member (m, "index");
      g_autofree char *index_text = index && JSON_NODE_HOLDS_VALUE (index)
        ? g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (index)) : g_strdup ("");

      printf ("%-24s %-28s %-16.10g %s\n", string_member (m, "step") ? string_member (m, "step") : "-",
              string_member (m, "name") ? string_member (m, "name") : "-",
              json_object_get_double_member_with_default (m, "value", 0), index_text);
    }
  return EXIT_OK;
}

// `sluice run|runs|logs|metrics|cancel … --remote NAME …` go to the server; the
// same commands without it stay local. Returns -1 for those.
int
sluice_cli_remote_forward (int    argc,
                           char **argv)
{
  gboolean remote = FALSE;

  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--remote") || g_str_has_prefix (argv[i], "--remote="))
      remote = TRUE;
  if (!remote)
    return -1;

  if (g_str_equal (argv[0], "run"))
    return run_remote (argc, argv);
  if (g_str_equal (argv[0], "runs"))
    return runs_remote (argc, argv);
  if (g_str_equal (argv[0], "logs"))
    return logs_remote (argc, argv);
  if (g_str_equal (argv[0], "cancel"))
    return cancel_remote (argc, argv);
  if (g_str_equal (argv[0], "metrics"))
    return metrics_remote (argc, argv);
  return -1;
}

/* remote add / list / remove -------------------------------------------------------------- */

static char *
read_token_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (g_str_equal (path, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
        {
          g_printerr ("sluice remote: cannot read the token from stdin: %s\n", error->message);
          return NULL;
        }
      return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
    }
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      g_printerr ("sluice remote: %s\n", error->message);
      return NULL;
    }
  return g_steal_pointer (&text);
}

static int
remote_add (const char *name,
            const char *url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  if (opt_token_file == NULL)
    {
      g_printerr ("sluice remote add: give the token with --token-file FILE (- for stdin); "
                  "a token on the command line would be in the shell history\n");
      return EXIT_USAGE;
    }
  if (!(token = read_token_file (opt_token_file)))
    return EXIT_USAGE;
  if (!sluice_remote_config_add (name, url, token, &error))
    {
      g_printerr ("sluice remote add: %s\n", error->message);
      return EXIT_USAGE;
    }
  printf ("added remote %s (%s)\n", name, url);
  return EXIT_OK;
}

static int
remote_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = sluice_remote_config_list (&error);

  if (remotes == NULL)
    {
      g_printerr ("sluice remote list: %s\n", error->message);
      return EXIT_USAGE;
    }
  for (guint i = 0; i < remotes->len; i++)
    {
      SluiceRemoteEntry *entry = g_ptr_array_index (remotes, i);
      g_autoptr(GError) token_error = NULL;
      g_autofree char *token = sluice_remote_config_read_token (entry->name, &token_error);

      // Said here rather than at the first failing command.
      printf ("%-16s %s%s%s\n", entry->name, entry->url,
              entry->token_in_keyring ? "  (token in keyring)" : "",
              token != NULL ? "" : g_error_matches (token_error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INSECURE)
                                   ? "  (token file open to others: refused)" : "  (no token)");
    }
  if (remotes->len == 0)
    g_printerr ("no remotes yet; add one with `sluice remote add NAME URL --token-file FILE`\n");
  return EXIT_OK;
}

int
sluice_cli_remote (int    argc,
                   char **argv)
{
  static const GOptionEntry entries[] = {
    { "token-file", 't', 0, G_OPTION_ARG_FILENAME, &opt_token_file, N_("Read the server's access token from FILE (- for stdin)"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "add NAME URL --token-file FILE | list | remove NAME",
    "Manage the Sluice servers this user works with. Their addresses are kept in\n"
    "$XDG_CONFIG_HOME/sluice/remotes.json, the tokens in tokens/NAME there, readable by you alone.\n"
    "run, runs, logs, metrics and cancel take --remote NAME; publish, trigger and schedule need it.", entries, FALSE);
  g_autoptr(GError) error = NULL;

  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc == 4 && g_str_equal (argv[1], "add"))
    return remote_add (argv[2], argv[3]);
  if (argc == 2 && g_str_equal (argv[1], "list"))
    return remote_list ();
  if (argc == 3 && g_str_equal (argv[1], "remove"))
    {
      if (!sluice_remote_config_remove (argv[2], &error))
        {
          g_printerr ("sluice remote remove: %s\n", error->message);
          return EXIT_FAILED;
        }
      printf ("removed remote %s\n", argv[2]);
      return EXIT_OK;
    }
  g_printerr ("sluice remote: use `add NAME URL --token-file FILE`, `list` or `remove NAME` (see sluice remote --help)\n");
  return EXIT_USAGE;
}

/* publish / trigger ------------------------------------------------------------------------- */

int
sluice_cli_publish (int    argc,
                    char **argv)
{
  static const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, N_("Publish under NAME (a new version if it exists)"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the server's JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "--remote NAME FILE --name PUBNAME", "Upload a pipeline and publish it under a stable name, with default inputs\n"
    "(--set), so it can be triggered and scheduled by name.", entries, TRUE);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *pipeline_id = NULL;
  int status = EXIT_OK;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, set_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2 || opt_name == NULL)
    {
      g_printerr ("sluice publish: give one pipeline FILE and --name NAME (see sluice publish --help)\n");
      return EXIT_USAGE;
    }
  if (!(pipeline = sluice_cli_load_pipeline (argv[1])))
    return g_file_test (argv[1], G_FILE_TEST_IS_REGULAR) ? EXIT_FAILED : EXIT_USAGE;
  if (!(inputs = parse_settings (pipeline)) || !(remote = open_remote ()))
    return EXIT_USAGE;
  if (!(pipeline_id = upload (remote, pipeline, &status)))
    return status;

  sluice_remote_publish_async (remote, opt_name, pipeline_id, inputs, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_publish_finish, &status)))
    return status;
  if (opt_json)
    print_json (reply);
  else
    printf ("published %s version %" G_GINT64_FORMAT " (pipeline %s)\n", opt_name,
            int_member (reply_object (reply), "version"), pipeline_id);
  return EXIT_OK;
}

int
sluice_cli_trigger (int    argc,
                    char **argv)
{
  static const GOptionEntry entries[] = {
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &opt_wait, N_("Follow the run until it ends; exit status as `sluice run`"), NULL },
    { "version", 0, 0, G_OPTION_ARG_INT, &opt_version, N_("Run version N (default: the newest)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "--remote NAME PUBNAME", "Start a run of a published pipeline, with its default inputs and those given with --set.",
    entries, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) run = NULL;
  int status = EXIT_OK;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, set_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2 || opt_version < 0)
    {
      g_printerr ("sluice trigger: give the published pipeline's NAME (see sluice trigger --help)\n");
      return EXIT_USAGE;
    }
  if (!(inputs = parse_settings (NULL)) || !(remote = open_remote ()))
    return EXIT_USAGE;

  sluice_remote_trigger_published_async (remote, argv[1], inputs, (guint) opt_version, NULL, store_result, &result);
  if (!(run = await_reply (remote, &result, sluice_remote_trigger_published_finish, &status)))
    return status;
  return started (remote, run, opt_wait);
}

/* schedule ----------------------------------------------------------------------------------- */

static void
print_schedule (JsonObject *schedule)
{
  g_autofree char *when = NULL;
  JsonArray *next = json_object_has_member (schedule, "next_runs") &&
                    JSON_NODE_HOLDS_ARRAY (json_object_get_member (schedule, "next_runs"))
    ? json_object_get_array_member (schedule, "next_runs") : NULL;
  g_autofree char *every = int_member (schedule, "interval_seconds") > 0
    ? g_strdup_printf ("every %" G_GINT64_FORMAT "s", int_member (schedule, "interval_seconds"))
    : g_strdup_printf ("cron %s", string_member (schedule, "cron") ? string_member (schedule, "cron") : "?");

  if (next != NULL && json_array_get_length (next) > 0)
    when = local_time (json_array_get_string_element (next, 0));
  printf ("%-4" G_GINT64_FORMAT " %-20s %-24s %-16s %-7s %s\n", int_member (schedule, "id"),
          string_member (schedule, "published") ? string_member (schedule, "published") : "-", every,
          string_member (schedule, "timezone") ? string_member (schedule, "timezone") : "UTC",
          json_object_get_boolean_member_with_default (schedule, "paused", FALSE) ? "paused" : "active",
          when ? when : "-");
}

static int
schedule_create (SluiceRemote *remote,
                 const char   *published)
{
  g_autoptr(JsonObject) inputs = parse_settings (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  int status = EXIT_OK;

  if (inputs == NULL)
    return EXIT_USAGE;
  if ((opt_cron != NULL) == (opt_every > 0) || opt_every < 0)
    {
      g_printerr ("sluice schedule create: give either --cron EXPR or --every SECONDS\n");
      return EXIT_USAGE;
    }
  sluice_remote_create_schedule_async (remote, published, opt_cron, (guint) opt_every, opt_timezone, inputs, NULL,
                                       store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_create_schedule_finish, &status)))
    return status;
  if (opt_json)
    print_json (reply);
  else
    {
      JsonObject *schedule = reply_object (reply);
      JsonArray *next = schedule && json_object_has_member (schedule, "next_runs")
        ? json_object_get_array_member (schedule, "next_runs") : NULL;

      printf ("schedule %" G_GINT64_FORMAT " runs %s\n", int_member (schedule, "id"), published);
      for (guint i = 0; next != NULL && i < json_array_get_length (next); i++)
        {
          g_autofree char *when = local_time (json_array_get_string_element (next, i));

          printf ("  next: %s\n", when);
        }
    }
  return EXIT_OK;
}

static int
schedule_list (SluiceRemote *remote)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *schedules;
  int status = EXIT_OK;

  sluice_remote_list_schedules_async (remote, NULL, store_result, &result);
  if (!(reply = await_reply (remote, &result, sluice_remote_list_schedules_finish, &status)))
    return status;
  if (opt_json)
    {
      print_json (reply);
      return EXIT_OK;
    }
  printf ("%-4s %-20s %-24s %-16s %-7s %s\n", "ID", "PUBLISHED", "WHEN", "TIMEZONE", "STATE", "NEXT RUN");
  schedules = reply_array (reply, "schedules");
  for (guint i = 0; schedules != NULL && i < json_array_get_length (schedules); i++)
    print_schedule (json_array_get_object_element (schedules, i));
  return EXIT_OK;
}

static int
schedule_change (SluiceRemote *remote,
                 const char   *verb,
                 gint64        id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  int status = EXIT_OK;

  if (g_str_equal (verb, "delete"))
    {
      sluice_remote_delete_schedule_async (remote, id, NULL, store_result, &result);
      if (!sluice_remote_delete_schedule_finish (remote, wait_for (&result), &error))
        {
          g_printerr ("sluice schedule: %s\n", error->message);
          return exit_status_for (error);
        }
      printf ("deleted schedule %" G_GINT64_FORMAT "\n", id);
      return EXIT_OK;
    }
  if (g_str_equal (verb, "pause"))
    {
      sluice_remote_pause_schedule_async (remote, id, NULL, store_result, &result);
      reply = await_reply (remote, &result, sluice_remote_pause_schedule_finish, &status);
    }
  else
    {
      sluice_remote_resume_schedule_async (remote, id, NULL, store_result, &result);
      reply = await_reply (remote, &result, sluice_remote_resume_schedule_finish, &status);
    }
  if (reply == NULL)
    return status;
  printf ("%s schedule %" G_GINT64_FORMAT "\n", g_str_equal (verb, "pause") ? "paused" : "resumed", id);
  return EXIT_OK;
}

int
sluice_cli_schedule (int    argc,
                     char **argv)
{
  static const GOptionEntry entries[] = {
    { "cron", 0, 0, G_OPTION_ARG_STRING, &opt_cron, N_("Run at the times of a 5-field cron expression"), N_("EXPR") },
    { "every", 0, 0, G_OPTION_ARG_INT, &opt_every, N_("Run every SECONDS"), N_("SECONDS") },
    { "timezone", 0, 0, G_OPTION_ARG_STRING, &opt_timezone, N_("Read the cron times in TZ (default: the server's choice, UTC)"), N_("TZ") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the server's JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "--remote NAME create PUBNAME (--cron EXPR | --every SECONDS) | list | pause ID | resume ID | delete ID",
    "Run a published pipeline on a schedule.", entries, FALSE);
  g_autoptr(SluiceRemote) remote = NULL;
  gint64 id = 0;

  g_option_context_add_main_entries (context, remote_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, set_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc == 3 && g_str_equal (argv[1], "create"))
    return (remote = open_remote ()) ? schedule_create (remote, argv[2]) : EXIT_USAGE;
  if (argc == 2 && g_str_equal (argv[1], "list"))
    return (remote = open_remote ()) ? schedule_list (remote) : EXIT_USAGE;
  if (argc == 3 && (g_str_equal (argv[1], "pause") || g_str_equal (argv[1], "resume") || g_str_equal (argv[1], "delete")))
    {
      if (!parse_positive (argv[2], "schedule id", &id) || !(remote = open_remote ()))
        return EXIT_USAGE;
      return schedule_change (remote, argv[1], id);
    }
  g_printerr ("sluice schedule: use create, list, pause, resume or delete (see sluice schedule --help)\n");
  return EXIT_USAGE;
}
