// SPDX-License-Identifier: GPL-3.0-or-later
//
// Watching a run from outside the process that executes it: a replay of a
// finished run matches what the engine emitted, a live run started with
// the detached runner is followed to its end, a cursor resumes without a
// gap or a repeat, and a runner killed with -9 still ends as interrupted.

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "sluice.h"

typedef struct
{
  char                    *dir;
  char                    *store_dir;
  char                    *db;
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  SluiceComponentRegistry *registry;
  GPtrArray               *emitted;   // by the engine
  GPtrArray               *seen;      // by the monitor
  guint                    batches;
  int                      finished;  // SluiceState, -1 until "finished"
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sluice-monitor-XXXXXX", &error);
  g_assert_no_error (error);
  f->store_dir = g_build_filename (f->dir, "store", NULL);
  f->store = sluice_artifact_store_new (f->store_dir, &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->store_dir, "history.db", NULL);
  f->history = sluice_history_open (f->db, &error);
  g_assert_no_error (error);
  f->registry = sluice_component_registry_new ();
  f->emitted = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  f->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  f->finished = -1;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->history);
  g_clear_object (&f->registry);
  g_clear_pointer (&f->emitted, g_ptr_array_unref);
  g_clear_pointer (&f->seen, g_ptr_array_unref);
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->dir);
  g_free (f->store_dir);
  g_free (f->db);
}

// Writes p.sluice.json with the given jobs ("@/" = the engine components).
static char *
write_pipeline (Fixture    *f,
                const char *jobs)
{
  g_autofree char *components = g_test_build_filename (G_TEST_DIST, "data", "engine", "/", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, "p.sluice.json", NULL);

  g_string_printf (text, "{\"sluice\": 1, \"name\": \"monitored\", \"jobs\": {%s}}", jobs);
  g_string_replace (text, "@/", components, 0);
  g_file_set_contents (path, text->str, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
on_engine_event (SluiceRun            *run,
                 const SluiceRunEvent *event,
                 Fixture              *f)
{
  g_ptr_array_add (f->emitted, sluice_run_event_copy (event));
}

static void
on_engine_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  int *state = user_data;

  *state = sluice_run_execute_finish (SLUICE_RUN (source), result, NULL);
}

static gint64
run_in_process (Fixture    *f,
                const char *jobs)
{
  g_autofree char *path = write_pipeline (f, jobs);
  g_autoptr(GError) error = NULL;
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, &error);
  g_autoptr(SluiceRun) run = NULL;
  int state = -1;

  g_assert_no_error (error);
  run = sluice_run_new (pipeline, f->registry, f->store, f->history);
  g_signal_connect (run, "event", G_CALLBACK (on_engine_event), f);
  sluice_run_prepare (run, 0, &error);
  g_assert_no_error (error);
  sluice_run_execute_async (run, NULL, on_engine_done, &state);
  while (state == -1)
    g_main_context_iteration (NULL, TRUE);
  return sluice_run_get_id (run);
}

static void
on_events (SluiceRunMonitor *monitor,
           GPtrArray        *batch,
           Fixture          *f)
{
  g_assert_cmpuint (batch->len, >, 0);
  f->batches++;
  for (guint i = 0; i < batch->len; i++)
    {
      const SluiceRunEvent *event = g_ptr_array_index (batch, i);

      g_assert_nonnull (event->cursor);
      g_ptr_array_add (f->seen, sluice_run_event_copy (event));
    }
}

static void
on_finished (SluiceRunMonitor *monitor,
             int               state,
             Fixture          *f)
{
  g_assert_cmpint (f->finished, ==, -1);
  f->finished = state;
}

static SluiceRunMonitor *
watch (Fixture    *f,
       gint64      run_id,
       const char *cursor)
{
  g_autoptr(GError) error = NULL;
  SluiceRunMonitor *monitor = sluice_run_monitor_new (f->db, run_id);

  sluice_run_monitor_set_interval (monitor, 20);
  g_signal_connect (monitor, "events", G_CALLBACK (on_events), f);
  g_signal_connect (monitor, "finished", G_CALLBACK (on_finished), f);
  if (cursor != NULL)
    {
      sluice_run_monitor_set_cursor (monitor, cursor, &error);
      g_assert_no_error (error);
    }
  sluice_run_monitor_start (monitor, &error);
  g_assert_no_error (error);
  return monitor;
}

static void
wait_finished (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (f->finished == -1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

// Events of one kind class (logs, or everything else), as comparable text.
static GPtrArray *
describe (GPtrArray *events,
          gboolean   logs)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < events->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (events, i);

      if ((e->kind == SLUICE_RUN_EVENT_LOG) != logs)
        continue;
      g_ptr_array_add (lines, g_strdup_printf ("%s %s %s %u %c %s %s %s",
                                               sluice_run_event_kind_to_string (e->kind),
                                               e->step_id ? e->step_id : "-",
                                               e->kind <= SLUICE_RUN_EVENT_STEP_STATE ? sluice_state_to_string (e->state) : "-",
                                               e->attempt, e->stream ? e->stream : '-',
                                               e->text ? e->text : "-", e->name ? e->name : "-",
                                               e->hash ? e->hash : "-"));
    }
  return lines;
}

static void
assert_same (GPtrArray *expected,
             GPtrArray *actual)
{
  for (guint i = 0; i < MIN (expected->len, actual->len); i++)
    g_assert_cmpstr (g_ptr_array_index (actual, i), ==, g_ptr_array_index (expected, i));
  g_assert_cmpuint (actual->len, ==, expected->len);
}

static void
assert_replay_matches (GPtrArray *emitted,
                       GPtrArray *seen)
{
  g_autoptr(GPtrArray) emitted_events = describe (emitted, FALSE);
  g_autoptr(GPtrArray) emitted_logs = describe (emitted, TRUE);
  g_autoptr(GPtrArray) seen_events = describe (seen, FALSE);
  g_autoptr(GPtrArray) seen_logs = describe (seen, TRUE);
  const SluiceRunEvent *last = g_ptr_array_index (seen, seen->len - 1);

  assert_same (emitted_events, seen_events);
  assert_same (emitted_logs, seen_logs);
  g_assert_cmpint (last->kind, ==, SLUICE_RUN_EVENT_RUN_STATE);
}

#define FOUR_STEPS \
  "\"a\": {\"component\": \"file:@/produce.component.json\", \"inputs\": {\"text\": \"one\"}}," \
  "\"m\": {\"component\": \"file:@/metrics.component.json\"}," \
  "\"b\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.jobs.a.outputs.out}}\"}}," \
  "\"f\": {\"component\": \"file:@/fail.component.json\"}"

static void
test_replay_finished_run (Fixture       *f,
                          gconstpointer  data)
{
  gint64 id = run_in_process (f, FOUR_STEPS);
  g_autoptr(SluiceRunMonitor) monitor = NULL;

  g_assert_cmpuint (f->emitted->len, >, 8);
  monitor = watch (f, id, NULL);

  // A finished run is told at once, in one batch, ending with its state.
  g_assert_cmpint (f->finished, ==, SLUICE_STATE_FAILED);
  g_assert_cmpuint (f->batches, ==, 1);
  g_assert_true (sluice_run_monitor_is_finished (monitor));
  assert_replay_matches (f->emitted, f->seen);
}

static void
test_resume_from_every_cursor (Fixture       *f,
                               gconstpointer  data)
{
  gint64 id = run_in_process (f, FOUR_STEPS);
  g_autoptr(SluiceRunMonitor) full = watch (f, id, NULL);
  g_autoptr(GPtrArray) all = g_steal_pointer (&f->seen);

  // Resuming after any event gives exactly the events after it.
  for (guint k = 0; k + 1 < all->len; k++)
    {
      const SluiceRunEvent *at = g_ptr_array_index (all, k);
      g_autoptr(SluiceRunMonitor) rest = NULL;

      f->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
      f->finished = -1;
      rest = watch (f, id, at->cursor);
      g_assert_cmpuint (f->seen->len, ==, all->len - k - 1);
      for (guint i = 0; i < f->seen->len; i++)
        {
          const SluiceRunEvent *expected = g_ptr_array_index (all, k + 1 + i);
          const SluiceRunEvent *actual = g_ptr_array_index (f->seen, i);

          g_assert_cmpstr (actual->cursor, ==, expected->cursor);
          g_assert_cmpint (actual->kind, ==, expected->kind);
          g_assert_cmpstr (actual->text, ==, expected->text);
        }
      g_clear_pointer (&f->seen, g_ptr_array_unref);
    }
  f->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
}

static gint64
start_detached (Fixture    *f,
                const char *jobs)
{
  g_autofree char *path = write_pipeline (f, jobs);
  const char *cli = g_getenv ("SLUICE_CLI");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { cli, "run", "--detach", "--store", f->store_dir, path, NULL };
  int status = 0;
  gint64 id;

  g_assert_nonnull (cli);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_str_has_prefix (out, "run "));
  id = g_ascii_strtoll (out + 4, NULL, 10);
  g_assert_cmpint (id, >, 0);
  return id;
}

#define SLOW_STEPS \
  "\"a\": {\"component\": \"file:@/produce.component.json\", \"inputs\": {\"text\": \"live\"}}," \
  "\"s\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 0.6}}," \
  "\"b\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.jobs.s.outputs.out}}\"}}"

static void
test_follow_detached_runner (Fixture       *f,
                             gconstpointer  data)
{
  gint64 id = start_detached (f, SLOW_STEPS);
  g_autoptr(SluiceRunMonitor) monitor = watch (f, id, NULL);
  g_autoptr(SluiceRunMonitor) replay = NULL;
  g_autoptr(GPtrArray) live = NULL;
  gboolean saw_running = FALSE;

  wait_finished (f);
  g_assert_cmpint (f->finished, ==, SLUICE_STATE_SUCCEEDED);
  // It was followed while it went on, not read at the end in one go.
  g_assert_cmpuint (f->batches, >, 1);
  for (guint i = 0; i < f->seen->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (f->seen, i);

      if (e->kind == SLUICE_RUN_EVENT_STEP_STATE && g_strcmp0 (e->step_id, "s") == 0 &&
          e->state == SLUICE_STATE_RUNNING)
        saw_running = TRUE;
    }
  g_assert_true (saw_running);

  // Followed live or replayed later: the same events.
  live = g_steal_pointer (&f->seen);
  f->seen = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  f->finished = -1;
  replay = watch (f, id, NULL);
  assert_replay_matches (live, f->seen);
}

// With polling all but off (one read a minute), a runner's writes still
// reach the monitor as they happen: it is woken by the history's folder
// changing (inotify), not by its timer.
static gboolean
keep_turning (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_woken_by_writes (Fixture       *f,
                      gconstpointer  data)
{
  gint64 id = start_detached (f, SLOW_STEPS);
  g_autoptr(SluiceRunMonitor) monitor = sluice_run_monitor_new (f->db, id);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  // Keeps the loop turning, so a monitor that is never woken fails the
  // deadline below instead of hanging the test.
  guint tick = g_timeout_add_seconds (1, keep_turning, NULL);

  sluice_run_monitor_set_interval (monitor, 60 * 1000);
  g_signal_connect (monitor, "events", G_CALLBACK (on_events), f);
  g_signal_connect (monitor, "finished", G_CALLBACK (on_finished), f);
  sluice_run_monitor_start (monitor, &error);
  g_assert_no_error (error);
  while (f->finished == -1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  g_assert_cmpint (f->finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (f->batches, >, 1);
}

static gint64
wait_runner_pid (Fixture *f,
                 gint64   run_id)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(SluiceRunRecord) record = sluice_history_get_run (f->history, run_id, NULL);

      if (record != NULL && record->runner_pid > 0)
        return record->runner_pid;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

static gint64
read_pid_file (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  while (!g_file_get_contents (path, &text, NULL, NULL) || g_ascii_strtoll (text, NULL, 10) <= 0)
    {
      g_clear_pointer (&text, g_free);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  return g_ascii_strtoll (text, NULL, 10);
}

static void
test_killed_runner_ends_interrupted (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *pid_file = g_build_filename (f->dir, "sleeper.pid", NULL);
  g_autofree char *jobs = g_strdup_printf ("\"s\": {\"component\": \"file:@/sleeper.component.json\", "
                                           "\"inputs\": {\"seconds\": 30, \"pid_file\": \"%s\"}}", pid_file);
  gint64 id = start_detached (f, jobs);
  gint64 pid = wait_runner_pid (f, id);
  gint64 step_pid = read_pid_file (pid_file);
  gint64 deadline;
  g_autoptr(SluiceRunMonitor) monitor = NULL;
  const SluiceRunEvent *last;

  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  monitor = watch (f, id, NULL);
  wait_finished (f);
  g_assert_cmpint (f->finished, ==, SLUICE_STATE_INTERRUPTED);
  last = g_ptr_array_index (f->seen, f->seen->len - 1);
  g_assert_cmpint (last->kind, ==, SLUICE_RUN_EVENT_RUN_STATE);
  g_assert_cmpint (last->state, ==, SLUICE_STATE_INTERRUPTED);

  // The step its runner left behind does not sleep on for 30 s.
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (kill ((pid_t) step_pid, 0) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

static void
test_bad_cursor_and_unknown_run (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(SluiceRunMonitor) monitor = sluice_run_monitor_new (f->db, 4242);
  g_autoptr(SluiceRunMonitor) nowhere = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no", "history.db", NULL);
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "", "1", "1.2.3", "a.b", "-1.2", "1.", ".1", "99999999999999999999.1" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (sluice_run_monitor_set_cursor (monitor, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  g_assert_false (sluice_run_monitor_start (monitor, &error));
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "4242"));
  g_clear_error (&error);

  nowhere = sluice_run_monitor_new (missing, 1);
  g_assert_false (sluice_run_monitor_start (nowhere, &error));
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

// A cancel asked before the runner has even started is not lost: the run
// ends cancelled, with nothing run.
static void
test_cancel_before_runner_starts (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *path = write_pipeline (f, SLOW_STEPS);
  g_autoptr(GError) error = NULL;
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, &error);
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceRunMonitor) monitor = NULL;
  SluiceRunnerOptions options = { 0 };
  gint64 id;

  g_assert_no_error (error);
  run = sluice_run_new (pipeline, f->registry, f->store, f->history);
  g_assert_true (sluice_run_prepare (run, 0, &error));
  id = sluice_run_get_id (run);

  g_assert_true (sluice_run_request_cancel_run (f->history, f->store_dir, id, &error));
  g_assert_no_error (error);

  options.cli_path = g_getenv ("SLUICE_CLI");
  options.store_root = f->store_dir;
  options.run_id = id;
  g_assert_cmpint (sluice_runner_spawn (&options, &error), >, 0);
  g_assert_no_error (error);

  monitor = watch (f, id, NULL);
  wait_finished (f);
  g_assert_cmpint (f->finished, ==, SLUICE_STATE_CANCELLED);
  for (guint i = 0; i < f->seen->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (f->seen, i);

      g_assert_false (e->kind == SLUICE_RUN_EVENT_STEP_STATE && e->state == SLUICE_STATE_SUCCEEDED);
    }

  // Once it is over, there is nothing left to cancel.
  g_assert_false (sluice_run_request_cancel_run (f->history, f->store_dir, id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/run-monitor/replay-finished-run", test_replay_finished_run);
  ADD ("/run-monitor/resume-from-every-cursor", test_resume_from_every_cursor);
  ADD ("/run-monitor/follow-detached-runner", test_follow_detached_runner);
  ADD ("/run-monitor/woken-by-writes", test_woken_by_writes);
  ADD ("/run-monitor/killed-runner-ends-interrupted", test_killed_runner_ends_interrupted);
  ADD ("/run-monitor/bad-cursor-and-unknown-run", test_bad_cursor_and_unknown_run);
  ADD ("/run-monitor/cancel-before-runner-starts", test_cancel_before_runner_starts);
#undef ADD

  return g_test_run ();
}
