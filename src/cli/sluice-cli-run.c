// SPDX-License-Identifier: GPL-3.0-or-later
//
// `sluice run` and the commands that read the run history.

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sluice-cli-private.h"
#include "sluice-run.h"
#include "sluice-runner.h"
#include "sluice-run-request.h"


static char *opt_store;

static const GOptionEntry store_entries[] = {
  { "store", 0, 0, G_OPTION_ARG_FILENAME, &opt_store,
    N_("Artifact store and run history folder (default: $SLUICE_STORE or ~/.local/share/sluice)"), N_("DIR") },
  { NULL }
};

typedef struct
{
  SluiceArtifactStore *store;
  SluiceHistory       *history;
} Backend;

static void
backend_clear (Backend *backend)
{
  g_clear_object (&backend->store);
  g_clear_object (&backend->history);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Backend, backend_clear)

// Opens the store and its history, and marks runs whose runner died
// (kill -9, power loss) as interrupted, so nothing shows as running forever.
static gboolean
open_backend (Backend *backend)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = opt_store ? g_strdup (opt_store) : sluice_artifact_store_default_root ();
  g_autofree char *db = NULL;

  if (!(backend->store = sluice_artifact_store_new (root, &error)))
    {
      g_printerr ("sluice: cannot open the store %s: %s\n", root, error->message);
      return FALSE;
    }
  db = g_build_filename (sluice_artifact_store_get_root (backend->store), "history.db", NULL);
  if (!(backend->history = sluice_history_open (db, &error)))
    {
      g_printerr ("sluice: cannot open the run history %s: %s\n", db, error->message);
      return FALSE;
    }
  if (sluice_history_mark_interrupted (backend->history, &error) == 0 && error != NULL)
    g_printerr ("sluice: warning: %s\n", error->message);
  return TRUE;
}

static gboolean
parse_run_id (const char *text,
              gint64     *run_id)
{
  char *end = NULL;
  gint64 value = g_ascii_strtoll (text, &end, 10);

  if (end == text || *end != '\0' || value <= 0)
    {
      g_printerr ("sluice: '%s' is not a run number (see sluice runs list)\n", text);
      return FALSE;
    }
  *run_id = value;
  return TRUE;
}

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) dt = NULL;

  if (usec == 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
}

static char *
format_duration (gint64 start,
                 gint64 end)
{
  double seconds;

  if (start == 0)
    return g_strdup ("-");
  if (end == 0)
    end = g_get_real_time ();
  seconds = (double) (end - start) / G_USEC_PER_SEC;
  if (seconds < 60)
    return g_strdup_printf ("%.1fs", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%dm%02ds", (int) seconds / 60, (int) seconds % 60);
  return g_strdup_printf ("%dh%02dm", (int) seconds / 3600, ((int) seconds % 3600) / 60);
}

/* run ------------------------------------------------------------------------- */

static char **opt_set;
static char **opt_force;
static int opt_jobs;
static gint64 opt_resume;
static gboolean opt_detach;
static gboolean opt_run_json;
static gint64 opt_runner;

typedef struct
{
  GMainLoop   *loop;
  SluiceRun   *run;
  SluiceState  state;
  gboolean     tty;
  gboolean     json;
  GHashTable  *running;       // step id -> start time (gint64*)
  guint        done;
  guint        total;
  guint        status_timer;
  guint        status_lines;   // lines of the live block now on screen
  gint64       started_at;
  const char  *store_root;     // a runner's: where step cancellations are asked
  guint        request_timer;
} RunView;

typedef struct
{
  gint64 started_at;
  guint  attempt;
} Running;

// The live block under the event lines: one line per running step and a
// summary. It is erased before anything else is printed and drawn again.
static void
clear_status (RunView *view)
{
  if (view->tty && view->status_lines > 0)
    printf ("\033[%uF\033[J", view->status_lines);
  view->status_lines = 0;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
show_status (gpointer user_data)
{
  RunView *view = user_data;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autofree char *total_elapsed = format_duration (view->started_at, 0);
  GHashTableIter iter;
  gpointer id;

  if (!view->tty)
    return G_SOURCE_CONTINUE;

  clear_status (view);
  g_hash_table_iter_init (&iter, view->running);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_ptr_array_add (ids, id);
  g_ptr_array_sort (ids, compare_strings);

  for (guint i = 0; i < ids->len; i++)
    {
      const char *step = g_ptr_array_index (ids, i);
      Running *r = g_hash_table_lookup (view->running, step);
      g_autofree char *elapsed = format_duration (r->started_at, 0);
      g_autofree char *attempt = r->attempt > 1 ? g_strdup_printf ("  attempt %u", r->attempt) : g_strdup ("");

      printf ("  \033[1m▶\033[0m %-24s %8s%s\n", step, elapsed, attempt);
      view->status_lines++;
    }
  printf ("  %u of %u steps done · %s\n", view->done, view->total, total_elapsed);
  view->status_lines++;
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

static void
print_event_line (RunView              *view,
                  const SluiceRunEvent *event)
{
  // Loading the local time zone reads files; do it once, not per line.
  static GTimeZone *local_zone = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *clock = NULL;

  if (local_zone == NULL)
    local_zone = g_time_zone_new_local ();
  now = g_date_time_new_now (local_zone);
  clock = g_date_time_format (now, "%H:%M:%S");

  sluice_cli_print_event_line (clock, event);
}

static void
on_run_event (SluiceRun            *run,
              const SluiceRunEvent *event,
              RunView              *view)
{
  if (event->kind == SLUICE_RUN_EVENT_STEP_STATE)
    {
      if (event->state == SLUICE_STATE_RUNNING)
        {
          Running *r = g_hash_table_lookup (view->running, event->step_id);

          if (r == NULL)
            {
              r = g_new0 (Running, 1);
              r->started_at = event->time;
              g_hash_table_insert (view->running, g_strdup (event->step_id), r);
            }
          r->attempt = event->attempt;
        }
      else if (sluice_state_is_final (event->state))
        {
          g_hash_table_remove (view->running, event->step_id);
          view->done++;
        }
    }

  if (view->json)
    {
      g_autoptr(JsonNode) node = sluice_run_event_to_json (event);
      g_autofree char *text = json_to_string (node, FALSE);

      printf ("%s\n", text);
      fflush (stdout);
      return;
    }

  clear_status (view);
  print_event_line (view, event);
  // A terminal wants each line at once; a pipe or file can take them in
  // blocks (one write per event is a tenth of a no-op run's time).
  if (view->tty)
    fflush (stdout);
}

static void
on_run_finished (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RunView *view = user_data;
  g_autoptr(GError) error = NULL;

  view->state = sluice_run_execute_finish (SLUICE_RUN (source), result, &error);
  if (error != NULL)
    g_printerr ("sluice run: %s\n", error->message);
  g_main_loop_quit (view->loop);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  RunView *view = user_data;

  if (!view->json)
    {
      clear_status (view);
      printf ("stopping: cancelling the running steps…\n");
    }
  sluice_run_cancel (view->run);
  return G_SOURCE_CONTINUE;
}

// `sluice cancel RUN --step STEP` and the app ask a runner, from another
// process, to cancel one step (see sluice-run-request.h).
static gboolean
take_step_requests (gpointer user_data)
{
  RunView *view = user_data;
  g_auto(GStrv) steps = sluice_run_request_take_cancel_steps (view->store_root, sluice_run_get_id (view->run));

  for (guint i = 0; steps[i] != NULL; i++)
    sluice_run_cancel_step (view->run, steps[i]);
  if (sluice_run_request_take_cancel_run (view->store_root, sluice_run_get_id (view->run)))
    sluice_run_cancel (view->run);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_value (const SluicePipelineIO *io,
             const char             *text,
             JsonNode              **out)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  const char *type = io->type ? io->type : "string";
  char *end = NULL;

  if (g_str_equal (type, "integer"))
    {
      gint64 v = g_ascii_strtoll (text, &end, 10);

      if (end == text || *end != '\0')
        return FALSE;
      json_node_set_int (node, v);
    }
  else if (g_str_equal (type, "number"))
    {
      double v = g_ascii_strtod (text, &end);

      if (end == text || *end != '\0')
        return FALSE;
      json_node_set_double (node, v);
    }
  else if (g_str_equal (type, "boolean"))
    {
      if (g_strcmp0 (text, "true") != 0 && g_strcmp0 (text, "false") != 0)
        return FALSE;
      json_node_set_boolean (node, g_str_equal (text, "true"));
    }
  else if (sluice_port_type_is_parameter (type))
    json_node_set_string (node, text);
  else
    {
      // Paths given on the command line are relative to where the user is.
      g_autofree char *path = g_canonicalize_filename (text, NULL);

      json_node_set_string (node, path);
    }

  *out = g_steal_pointer (&node);
  return TRUE;
}

static gboolean
apply_settings (SluiceRun      *run,
                SluicePipeline *pipeline)
{
  for (guint i = 0; opt_set != NULL && opt_set[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup (opt_set[i]);
      char *equals = strchr (name, '=');
      const SluicePipelineIO *io;
      g_autoptr(JsonNode) value = NULL;

      if (equals == NULL)
        {
          g_printerr ("sluice run: --set needs INPUT=VALUE, not '%s'\n", opt_set[i]);
          return FALSE;
        }
      *equals = '\0';
      if (!(io = sluice_pipeline_find_input (pipeline, name)))
        {
          g_printerr ("sluice run: --set %s: the pipeline has no input '%s'\n", opt_set[i], name);
          return FALSE;
        }
      if (!parse_value (io, equals + 1, &value))
        {
          g_printerr ("sluice run: --set %s: '%s' is not a valid %s\n", name, equals + 1, io->type);
          return FALSE;
        }
      sluice_run_set_input (run, name, value);
    }

  for (guint i = 0; opt_force != NULL && opt_force[i] != NULL; i++)
    sluice_run_force_step (run, opt_force[i]);
  if (opt_jobs > 0)
    sluice_run_set_jobs (run, (guint) opt_jobs);
  return TRUE;
}

static void
restore_settings (SluiceRun       *run,
                  SluiceRunRecord *record)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (record->params_json == NULL || !json_parser_load_from_data (parser, record->params_json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;

  json_object_iter_init_ordered (&iter, json_node_get_object (json_parser_get_root (parser)));
  while (json_object_iter_next_ordered (&iter, &name, &value))
    sluice_run_set_input (run, name, value);
}

static SluicePipeline *
load_run_pipeline (SluiceRunRecord *record)
{
  g_autoptr(GError) error = NULL;
  SluicePipeline *pipeline;

  pipeline = sluice_pipeline_load_data (record->pipeline_json, strlen (record->pipeline_json),
                                        record->pipeline_file, &error);
  if (pipeline == NULL)
    g_printerr ("sluice: run %" G_GINT64_FORMAT ": %s\n", record->id, error->message);
  return pipeline;
}

static int
execute_run (SluiceRun  *run,
             guint       total_steps,
             gboolean    quiet,
             const char *store_root)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GHashTable) running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  RunView view = { loop, run, SLUICE_STATE_FAILED, isatty (STDOUT_FILENO) && !opt_run_json && !quiet,
                   opt_run_json, running, 0, total_steps, 0, 0, g_get_real_time () };
  guint signals[3];

  if (!quiet)
    g_signal_connect (run, "event", G_CALLBACK (on_run_event), &view);
  signals[0] = g_unix_signal_add (SIGINT, on_stop_signal, &view);
  signals[1] = g_unix_signal_add (SIGTERM, on_stop_signal, &view);
  signals[2] = g_unix_signal_add (SIGHUP, on_stop_signal, &view);
  if (view.tty)
    view.status_timer = g_timeout_add (250, show_status, &view);
  view.store_root = store_root;
  if (store_root != NULL)
    view.request_timer = g_timeout_add (200, take_step_requests, &view);

  sluice_run_execute_async (run, NULL, on_run_finished, &view);
  // A cancel asked before this runner recorded its pid is taken up now.
  if (store_root != NULL)
    take_step_requests (&view);
  g_main_loop_run (loop);

  clear_status (&view);
  g_clear_handle_id (&view.status_timer, g_source_remove);
  g_clear_handle_id (&view.request_timer, g_source_remove);
  if (store_root != NULL)
    sluice_run_request_clear (store_root, sluice_run_get_id (run));
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signals[i]);
  g_signal_handlers_disconnect_by_data (run, &view);

  return view.state == SLUICE_STATE_SUCCEEDED ? 0 : 1;
}

static int
run_detached (Backend   *backend,
              SluiceRun *run)
{
  g_autoptr(GError) error = NULL;
  // This very binary, whatever $SLUICE_CLI says: the runner must understand it.
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  gint64 id = sluice_run_get_id (run);
  SluiceRunnerOptions options = {
    .cli_path = self_path ? self_path : "sluice",
    .store_root = sluice_artifact_store_get_root (backend->store),
    .run_id = id,
    .jobs = opt_jobs > 0 ? (guint) opt_jobs : 0,
    .force_steps = (const char * const *) opt_force,
    .components_dirs = (const char * const *) opt_components_dirs,
  };

  if (sluice_runner_spawn (&options, &error) == 0)
    {
      g_printerr ("sluice run: %s\n", error->message);
      return 2;
    }

  printf ("run %" G_GINT64_FORMAT " started in the background\n"
          "  follow it:  sluice logs %" G_GINT64_FORMAT " --follow\n"
          "  see it:     sluice runs show %" G_GINT64_FORMAT "\n", id, id, id);
  return 0;
}

int
sluice_cli_run (int    argc,
                char **argv)
{
  static const GOptionEntry entries[] = {
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_set, N_("Give pipeline input INPUT the value VALUE (repeatable)"), N_("INPUT=VALUE") },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs, N_("Run at most N steps at once (default: number of CPUs)"), N_("N") },
    { "force", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &opt_force, N_("Run STEP even if its earlier outputs could be reused (repeatable)"), N_("STEP") },
    { "resume", 0, 0, G_OPTION_ARG_INT64, &opt_resume, N_("Finish what run RUN left undone"), N_("RUN") },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &opt_detach, N_("Run in the background; the run goes on after the terminal closes"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_run_json, N_("Print every event as a line of JSON"), NULL },
    { "runner", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &opt_runner, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "[FILE]", "Run a pipeline. Steps whose inputs, parameters, code and environment did not change since an\n"
    "earlier success are reused instead of run. Exit status: 0 the run succeeded, 1 it failed or was\n"
    "cancelled, 2 usage or I/O error.", entries, TRUE);
  g_auto(Backend) backend = { NULL, NULL };
  g_autoptr(SluiceComponentRegistry) registry = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(GError) error = NULL;
  gint64 resume = 0;

  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;
  if ((opt_resume || opt_runner) ? argc != 1 : argc != 2)
    {
      g_printerr ("sluice run: give one pipeline FILE, or --resume RUN (see sluice run --help)\n");
      return 2;
    }
  if (!open_backend (&backend))
    return 2;

  registry = sluice_cli_make_registry ();
  resume = opt_runner ? opt_runner : opt_resume;

  if (resume > 0)
    {
      if (!(record = sluice_history_get_run (backend.history, resume, &error)))
        {
          g_printerr ("sluice run: %s\n", error->message);
          return 2;
        }
      if (!(pipeline = load_run_pipeline (record)))
        return 2;
    }
  else if (!(pipeline = sluice_cli_load_pipeline (argv[1])))
    return g_file_test (argv[1], G_FILE_TEST_IS_REGULAR) ? 1 : 2;

  run = sluice_run_new (pipeline, registry, backend.store, backend.history);
  if (record != NULL)
    restore_settings (run, record);
  if (!apply_settings (run, pipeline))
    return 2;

  if (!sluice_run_prepare (run, opt_detach ? 0 : resume, &error))
    {
      g_printerr ("sluice run: %s\n", error->message);
      return g_error_matches (error, SLUICE_ERROR, SLUICE_ERROR_INVALID) ? 1 : 2;
    }

  if (opt_detach)
    return run_detached (&backend, run);

  if (!opt_run_json && !opt_runner)
    printf ("run %" G_GINT64_FORMAT "\n", sluice_run_get_id (run));
  return execute_run (run, sluice_pipeline_get_steps (pipeline)->len, opt_runner > 0,
                      sluice_artifact_store_get_root (backend.store));
}

/* runs, logs, metrics, lineage, cancel, gc ---------------------------------------- */

static int
runs_list (Backend *backend)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = sluice_history_list_runs (backend->history, NULL, 50, &error);

  if (runs == NULL)
    {
      g_printerr ("sluice runs: %s\n", error->message);
      return 2;
    }

  printf ("%-6s %-12s %-24s %-20s %s\n", "RUN", "STATE", "PIPELINE", "STARTED", "DURATION");
  for (guint i = 0; i < runs->len; i++)
    {
      SluiceRunRecord *r = g_ptr_array_index (runs, i);
      g_autofree char *started = format_time (r->started_at ? r->started_at : r->created_at);
      g_autofree char *duration = format_duration (r->started_at, r->finished_at);

      printf ("%-6" G_GINT64_FORMAT " %-12s %-24s %-20s %s\n", r->id, sluice_state_to_string (r->state),
              r->pipeline_name ? r->pipeline_name : "-", started, duration);
    }
  return 0;
}

static int
runs_show (Backend *backend,
           gint64   run_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) r = sluice_history_get_run (backend->history, run_id, &error);
  g_autoptr(GPtrArray) steps = NULL;
  g_autoptr(GPtrArray) uses = NULL;
  g_autofree char *started = NULL;
  g_autofree char *duration = NULL;

  if (r == NULL)
    {
      g_printerr ("sluice runs show: %s\n", error->message);
      return 1;
    }

  started = format_time (r->started_at);
  duration = format_duration (r->started_at, r->finished_at);
  printf ("run %" G_GINT64_FORMAT ": %s\npipeline: %s (%s)\nstarted: %s by %s on %s\nduration: %s\n",
          r->id, sluice_state_to_string (r->state), r->pipeline_name ? r->pipeline_name : "-",
          r->pipeline_file ? r->pipeline_file : "-", started, r->user ? r->user : "-", r->host ? r->host : "-",
          duration);
  if (r->params_json != NULL && !g_str_equal (r->params_json, "{}\n"))
    printf ("inputs set: %s", r->params_json);

  steps = sluice_history_list_steps (backend->history, run_id, NULL);
  uses = sluice_history_get_artifact_uses (backend->history, run_id, NULL, NULL);
  printf ("\n%-24s %-12s %-8s %-9s %s\n", "STEP", "STATE", "ATTEMPTS", "DURATION", "NOTE");
  for (guint i = 0; steps != NULL && i < steps->len; i++)
    {
      SluiceStepRecord *s = g_ptr_array_index (steps, i);
      g_autofree char *d = format_duration (s->started_at, s->finished_at);
      g_autofree char *note = s->state == SLUICE_STATE_REUSED
        ? g_strdup_printf ("outputs from run %" G_GINT64_FORMAT, s->reused_from_run)
        : g_strdup (s->message ? s->message : "");

      printf ("%-24s %-12s %-8u %-9s %s\n", s->step_id, sluice_state_to_string (s->state), s->attempts, d, note);
      for (guint u = 0; uses != NULL && u < uses->len; u++)
        {
          SluiceArtifactUse *use = g_ptr_array_index (uses, u);
          g_autofree char *path = NULL;

          if (!use->is_output || !g_str_equal (use->step_id, s->step_id))
            continue;
          path = sluice_artifact_store_get_path (backend->store, use->hash);
          printf ("    → %-18s %s\n", use->port, path);
        }
    }
  return 0;
}

/* runs compare: what differs between runs, and what they measured */

static gboolean opt_compare_json;

static const GOptionEntry compare_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_compare_json, N_("Print the comparison as JSON"), NULL },
  { NULL }
};

static void
print_comparison (SluiceRunComparison *comparison)
{
  guint n = sluice_run_comparison_get_n_runs (comparison);
  GPtrArray *diffs = sluice_run_comparison_get_diffs (comparison);
  GPtrArray *metrics = sluice_run_comparison_get_metrics (comparison);

  printf ("%-10s %-24s %-20s", "KIND", "STEP", "NAME");
  for (guint i = 0; i < n; i++)
    printf (" RUN %-14" G_GINT64_FORMAT, sluice_run_comparison_get_run (comparison, i)->id);
  printf ("\n");
  for (guint r = 0; r < diffs->len; r++)
    {
      const SluiceDiffRow *row = g_ptr_array_index (diffs, r);

      printf ("%-10s %-24s %-20s", sluice_diff_kind_to_string (row->kind), row->step_id ? row->step_id : "-", row->name);
      for (guint i = 0; i < row->n_values; i++)
        printf (" %-18.18s", row->values[i] ? row->values[i] : "-");
      printf ("\n");
    }
  if (diffs->len == 0)
    printf ("(no differences in inputs, parameters or code)\n");

  printf ("\n%-10s %-24s %-20s", "METRIC", "STEP", "NAME");
  for (guint i = 0; i < n; i++)
    printf (" RUN %-14" G_GINT64_FORMAT, sluice_run_comparison_get_run (comparison, i)->id);
  printf ("\n");
  for (guint r = 0; r < metrics->len; r++)
    {
      const SluiceMetricRow *row = g_ptr_array_index (metrics, r);

      printf ("%-10s %-24s %-20s", "", row->step_id, row->name);
      for (guint i = 0; i < row->n_values; i++)
        {
          g_autofree char *value = isnan (row->values[i]) ? g_strdup ("-") : g_strdup_printf ("%.6g", row->values[i]);

          printf (" %-1s%-17s", (gint) i == row->best ? "*" : "", value);
        }
      printf ("\n");
    }
}

static int
runs_compare (Backend  *backend,
              int       argc,
              char    **argv)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(SluiceRunComparison) comparison = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 2; i < argc; i++)
    {
      gint64 id;

      if (!parse_run_id (argv[i], &id))
        return 2;
      g_array_append_val (ids, id);
    }
  if (!(comparison = sluice_run_comparison_new (backend->history, (const gint64 *) ids->data, ids->len, &error)))
    {
      g_printerr ("sluice runs compare: %s\n", error->message);
      return 1;
    }
  if (opt_compare_json)
    {
      g_autoptr(JsonNode) node = sluice_run_comparison_to_json (comparison);
      g_autofree char *text = json_to_string (node, TRUE);

      printf ("%s\n", text);
    }
  else
    print_comparison (comparison);
  return 0;
}

int
sluice_cli_runs (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = sluice_cli_context ("list | show RUN | compare RUN RUN…", "List earlier runs, show one, or compare runs.", compare_entries, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  gint64 run_id = 0;

  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;
  if (argc >= 2 && g_str_equal (argv[1], "compare"))
    {
      if (argc < 4)
        {
          g_printerr ("sluice runs compare: give two or more RUN numbers\n");
          return 2;
        }
      return open_backend (&backend) ? runs_compare (&backend, argc, argv) : 2;
    }
  if (!((argc == 2 && g_str_equal (argv[1], "list")) || (argc == 3 && g_str_equal (argv[1], "show"))))
    {
      g_printerr ("sluice runs: use `list`, `show RUN` or `compare RUN RUN…` (see sluice runs --help)\n");
      return 2;
    }
  if (argc == 3 && !parse_run_id (argv[2], &run_id))
    return 2;
  if (!open_backend (&backend))
    return 2;

  return argc == 2 ? runs_list (&backend) : runs_show (&backend, run_id);
}

static gboolean opt_follow;
static int opt_attempt;

static gint64
print_log_lines (Backend    *backend,
                 gint64      run_id,
                 const char *step_id,
                 gint64      after)
{
  g_autoptr(GPtrArray) lines = sluice_history_get_log_lines (backend->history, run_id, step_id,
                                                             (guint) MAX (opt_attempt, 0), after, 0, NULL);

  for (guint i = 0; lines != NULL && i < lines->len; i++)
    {
      SluiceLogLine *line = g_ptr_array_index (lines, i);

      if (step_id == NULL)
        printf ("%-20s ", line->step_id);
      printf ("%s%s\n", line->stream == 'e' ? "! " : line->stream == 's' ? "# " : "", line->text);
      after = line->seq;
    }
  fflush (stdout);
  return after;
}

int
sluice_cli_logs (int    argc,
                 char **argv)
{
  static const GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow, N_("Keep printing new lines until the run ends"), NULL },
    { "attempt", 'a', 0, G_OPTION_ARG_INT, &opt_attempt, N_("Only this attempt (default: all)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "RUN [STEP]", "Print the log of a run or of one step. Lines marked ! are the step's stderr, # are Sluice's notes.\n"
    "A reused step has no log of its own: see the run that produced its outputs (sluice runs show).", entries, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  const char *step_id;
  gint64 run_id, after = 0;

  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;
  if (argc < 2 || argc > 3 || !parse_run_id (argv[1], &run_id))
    {
      g_printerr ("sluice logs: give RUN and optionally STEP (see sluice logs --help)\n");
      return 2;
    }
  if (!open_backend (&backend))
    return 2;
  step_id = argc == 3 ? argv[2] : NULL;

  after = print_log_lines (&backend, run_id, step_id, after);
  while (opt_follow)
    {
      g_autoptr(SluiceRunRecord) r = sluice_history_get_run (backend.history, run_id, NULL);
      gboolean over = r == NULL || sluice_state_is_final (r->state);

      g_usleep (200 * 1000);
      after = print_log_lines (&backend, run_id, step_id, after);
      if (over)
        break;
    }
  return 0;
}

// The shape of commands that take one RUN: options, the run number, and the
// store it lives in.
static gboolean
parse_run_command (GOptionContext  *context,
                   int              argc,
                   char           **argv,
                   gint64          *run_id,
                   Backend         *backend)
{
  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return FALSE;
  if (argc != 2)
    {
      g_printerr ("sluice: give one RUN number (see --help)\n");
      return FALSE;
    }
  return parse_run_id (argv[1], run_id) && open_backend (backend);
}

int
sluice_cli_metrics (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = sluice_cli_context ("RUN", "Print the metrics the steps of a run reported.", NULL, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  g_autoptr(GPtrArray) metrics = NULL;
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if (!parse_run_command (context, argc, argv, &run_id, &backend))
    return 2;
  if (!(metrics = sluice_history_get_metrics (backend.history, run_id, &error)))
    {
      g_printerr ("sluice metrics: %s\n", error->message);
      return 2;
    }

  printf ("%-24s %-28s %-16s %s\n", "STEP", "METRIC", "VALUE", "INDEX");
  for (guint i = 0; i < metrics->len; i++)
    {
      SluiceMetric *m = g_ptr_array_index (metrics, i);
      g_autofree char *index = m->index >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, m->index) : g_strdup ("");

      printf ("%-24s %-28s %-16.10g %s\n", m->step_id, m->name, m->value, index);
    }
  return 0;
}

static void
print_lineage (Backend    *backend,
               const char *hash,
               const char *label,
               guint       depth,
               GHashTable *seen)
{
  g_autoptr(SluiceArtifactUse) producer = sluice_history_find_producer (backend->history, hash, NULL);
  g_autofree char *indent = g_strnfill (depth * 2, ' ');
  g_autoptr(GPtrArray) uses = NULL;

  if (producer == NULL)
    {
      printf ("%s%s %s (a source: read from the user's files)\n", indent, label, hash);
      return;
    }

  printf ("%s%s %s ← output '%s' of step '%s' in run %" G_GINT64_FORMAT "\n", indent, label, hash,
          producer->port, producer->step_id, producer->run_id);
  if (g_hash_table_contains (seen, hash) || depth > 64)
    return;
  g_hash_table_add (seen, g_strdup (hash));

  uses = sluice_history_get_artifact_uses (backend->history, producer->run_id, producer->step_id, NULL);
  for (guint i = 0; uses != NULL && i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);
      g_autofree char *input_label = NULL;

      if (use->is_output)
        continue;
      input_label = g_strdup_printf ("input '%s':", use->port);
      print_lineage (backend, use->hash, input_label, depth + 1, seen);
    }
}

int
sluice_cli_lineage (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "HASH | RUN STEP OUTPUT", "Show where an artifact came from: the steps and inputs that produced it, back to the source files.",
    NULL, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *hash = NULL;

  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 && argc != 4)
    {
      g_printerr ("sluice lineage: give an artifact HASH, or RUN STEP OUTPUT\n");
      return 2;
    }
  if (!open_backend (&backend))
    return 2;

  if (argc == 2)
    hash = g_strdup (argv[1]);
  else
    {
      g_autoptr(GPtrArray) uses = NULL;
      gint64 run_id;

      if (!parse_run_id (argv[1], &run_id))
        return 2;
      uses = sluice_history_get_artifact_uses (backend.history, run_id, argv[2], NULL);
      for (guint i = 0; uses != NULL && i < uses->len && hash == NULL; i++)
        {
          SluiceArtifactUse *use = g_ptr_array_index (uses, i);

          if (use->is_output && g_str_equal (use->port, argv[3]))
            hash = g_strdup (use->hash);
        }
      if (hash == NULL)
        {
          g_printerr ("sluice lineage: step '%s' of run %s has no recorded output '%s'\n", argv[2], argv[1], argv[3]);
          return 1;
        }
    }

  print_lineage (&backend, hash, "artifact", 0, seen);
  return 0;
}

static char *opt_cancel_step;

int
sluice_cli_cancel (int    argc,
                   char **argv)
{
  static const GOptionEntry entries[] = {
    { "step", 0, 0, G_OPTION_ARG_STRING, &opt_cancel_step, N_("Cancel only STEP; the steps that need its outputs are skipped"), N_("STEP") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context ("RUN", "Cancel a run that is going on in the background.", entries, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  g_autoptr(SluiceRunRecord) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 run_id;

  if (!parse_run_command (context, argc, argv, &run_id, &backend))
    return 2;
  if (!(r = sluice_history_get_run (backend.history, run_id, &error)))
    {
      g_printerr ("sluice cancel: %s\n", error->message);
      return 1;
    }
  if (sluice_state_is_final (r->state))
    {
      printf ("run %" G_GINT64_FORMAT " is not going on (%s)\n", run_id, sluice_state_to_string (r->state));
      return 1;
    }
  if (opt_cancel_step != NULL)
    {
      if (!sluice_run_request_cancel_step (sluice_artifact_store_get_root (backend.store), run_id, opt_cancel_step, &error))
        {
          g_printerr ("sluice cancel: %s\n", error->message);
          return 2;
        }
      printf ("cancelling step %s of run %" G_GINT64_FORMAT "\n", opt_cancel_step, run_id);
      return 0;
    }
  if (!sluice_run_request_cancel_run (backend.history, sluice_artifact_store_get_root (backend.store), run_id, &error))
    {
      g_printerr ("sluice cancel: %s\n", error->message);
      return 2;
    }
  printf ("cancelling run %" G_GINT64_FORMAT "\n", run_id);
  return 0;
}

static gboolean opt_dry_run;
static int opt_keep = 0;

// Work folders of finished runs (failed steps keep theirs for debugging)
// go too; those of runs still going are left alone.
static guint
remove_work_folders (Backend  *backend,
                     gboolean  dry_run)
{
  g_autofree char *work = g_build_filename (sluice_artifact_store_get_root (backend->store), "work", NULL);
  g_autoptr(GDir) dir = g_dir_open (work, 0, NULL);
  const char *name;
  guint removed = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (work, name, NULL);
      g_autoptr(SluiceRunRecord) run = NULL;
      gint64 run_id = 0;

      if (g_str_has_prefix (name, "run"))
        run_id = g_ascii_strtoll (name + 3, NULL, 10);
      if (run_id > 0 && (run = sluice_history_get_run (backend->history, run_id, NULL)) != NULL &&
          !sluice_state_is_final (run->state))
        continue;

      removed++;
      if (!dry_run)
        sluice_file_remove_tree (path, NULL);
    }

  return removed;
}

int
sluice_cli_gc (int    argc,
               char **argv)
{
  static const GOptionEntry entries[] = {
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run, N_("Only say what would be removed"), NULL },
    { "keep", 'k', 0, G_OPTION_ARG_INT, &opt_keep, N_("Keep the artifacts of the newest N runs only (default: of every run)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "", "Remove artifacts from the store that no run references.", entries, FALSE);
  g_auto(Backend) backend = { NULL, NULL };
  g_autoptr(GHashTable) keep = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;
  g_autofree char *size = NULL;

  g_option_context_add_main_entries (context, store_entries, GETTEXT_PACKAGE);
  if (!sluice_cli_parse (context, &argc, &argv) || argc != 1 || opt_keep < 0)
    return 2;
  if (!open_backend (&backend))
    return 2;

  if (!(keep = sluice_history_referenced_artifacts (backend.history, (guint) opt_keep, &error)) ||
      !(removed = sluice_artifact_store_gc (backend.store, keep, opt_dry_run, &bytes, &error)))
    {
      g_printerr ("sluice gc: %s\n", error->message);
      return 2;
    }

  size = g_format_size (bytes);
  printf ("%s %u artifact%s (%s)\n", opt_dry_run ? "would remove" : "removed", removed->len,
          removed->len == 1 ? "" : "s", size);
  {
    guint folders = remove_work_folders (&backend, opt_dry_run);

    printf ("%s %u work folder%s of finished runs\n", opt_dry_run ? "would remove" : "removed", folders,
            folders == 1 ? "" : "s");
  }
  return 0;
}
