// SPDX-License-Identifier: GPL-3.0-or-later
//
// The designer's run controller without a display: it records a run in a
// worker thread, starts the real detached runner ($SLUICE_CLI), follows it
// through a monitor, passes a step cancellation to it, finds it again by
// file, and a second run reuses what the first produced.

#include "config.h"

#include <glib/gstdio.h>

#include "sluice-run-controller.h"

typedef struct
{
  GMainLoop *loop;
  gint64     run_id;
  GError    *error;
  int        finished_state;
  gboolean   finished_live;
  guint      finished_count;
} Waiter;

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Waiter *w = user_data;

  w->run_id = sluice_run_controller_start_finish (SLUICE_RUN_CONTROLLER (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static void
on_finished (SluiceRunController *controller,
             int                  state,
             gboolean             live,
             Waiter              *w)
{
  w->finished_state = state;
  w->finished_live = live;
  w->finished_count++;
  g_main_loop_quit (w->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the run did not get there within a minute");
  return G_SOURCE_REMOVE;
}

static void
run_loop_until (gboolean (*done) (gpointer),
                gpointer  data)
{
  guint timeout = g_timeout_add_seconds (60, on_timeout, NULL);

  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

typedef struct
{
  SluiceRunController *controller;
  const char          *step;
  SluiceState          state;
} StepWait;

static gboolean
step_reached (gpointer data)
{
  StepWait *sw = data;
  SluiceRunStatus *status = sluice_run_controller_get_status (sw->controller);

  return status != NULL && sluice_run_status_get_step_state (status, sw->step) == sw->state;
}

static gint64
start (SluiceRunController *controller,
       const char          *path,
       const char * const  *force,
       Waiter              *w)
{
  g_autoptr(GHashTable) inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) json_node_unref);
  JsonNode *seconds = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (seconds, 60);
  g_hash_table_insert (inputs, g_strdup ("seconds"), seconds);
  w->run_id = 0;
  sluice_run_controller_start_async (controller, path, inputs, force, NULL, on_started, w);
  g_assert_true (sluice_run_controller_is_starting (controller));
  g_main_loop_run (w->loop);
  g_assert_no_error (w->error);
  g_assert_cmpint (w->run_id, >, 0);
  g_assert_false (sluice_run_controller_is_starting (controller));
  return w->run_id;
}

static void
test_run_cancel_step_and_reuse (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-controller-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *path = g_build_filename (dir, "live.sluice.json", NULL);
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"name\": \"controller_test\",\n"
    " \"inputs\": {\"seconds\": {\"type\": \"number\"}},\n"
    " \"jobs\": {\n"
    "  \"quick\": {\"component\": \"file:%s/produce.component.json\"},\n"
    "  \"slow\": {\"component\": \"file:%s/sleeper.component.json\", \"inputs\": {\"seconds\": \"${{parent.inputs.seconds}}\"}},\n"
    "  \"after\": {\"component\": \"file:%s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.slow.outputs.out}}\"}}}}\n",
    engine, engine, engine);
  g_autoptr(SluiceRunController) controller = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  Waiter w = { loop, 0, NULL, -1, FALSE, 0 };
  StepWait sw;
  SluiceRunStatus *status;
  gint64 first, second;

  g_setenv ("SLUICE_STORE", store, TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  controller = sluice_run_controller_new ();
  g_assert_cmpstr (sluice_run_controller_get_store_root (controller), ==, store);
  g_signal_connect (controller, "finished", G_CALLBACK (on_finished), &w);

  // Nothing to cancel, nothing found, before any run.
  g_assert_false (sluice_run_controller_cancel (controller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (sluice_run_controller_find_latest_run (controller, path), ==, 0);

  first = start (controller, path, NULL, &w);
  status = sluice_run_controller_get_status (controller);
  g_assert_nonnull (status);
  g_assert_cmpint (sluice_run_status_get_run_id (status), ==, first);
  // The run's steps are all known at once, before their events.
  g_assert_cmpuint (sluice_run_status_get_n_steps (status), ==, 3);
  g_assert_true (sluice_run_controller_is_running (controller));

  sw = (StepWait) { controller, "slow", SLUICE_STATE_RUNNING };
  run_loop_until (step_reached, &sw);
  g_assert_true (sluice_run_controller_cancel_step (controller, "slow", &error));
  g_assert_no_error (error);
  // A step that is over cannot be cancelled.
  sw = (StepWait) { controller, "quick", SLUICE_STATE_SUCCEEDED };
  run_loop_until (step_reached, &sw);
  g_assert_false (sluice_run_controller_cancel_step (controller, "quick", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_main_loop_run (loop);   // until "finished"
  g_assert_cmpuint (w.finished_count, ==, 1);
  g_assert_true (w.finished_live);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "slow"), ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "after"), !=, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "quick"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_nonnull (sluice_run_status_get_output_hash (status, "quick", "out"));
  g_assert_false (sluice_run_controller_is_running (controller));
  g_assert_nonnull (sluice_run_controller_get_run_inputs (controller));
  g_assert_true (json_object_has_member (sluice_run_controller_get_run_inputs (controller), "seconds"));

  // Found again by its file, and shown as it ended (not news: live FALSE).
  g_assert_cmpint (sluice_run_controller_find_latest_run (controller, path), ==, first);
  g_assert_cmpint (sluice_run_controller_find_latest_run_named (controller, path, "controller_test"), ==, first);
  g_assert_cmpint (sluice_run_controller_find_latest_run_named (controller, path, "other_name"), ==, 0);
  sluice_run_controller_clear (controller);
  g_assert_null (sluice_run_controller_get_status (controller));
  g_assert_true (sluice_run_controller_attach (controller, first, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (w.finished_count, ==, 2);
  g_assert_false (w.finished_live);
  g_assert_cmpint (sluice_run_status_get_step_state (sluice_run_controller_get_status (controller), "slow"), ==,
                   SLUICE_STATE_CANCELLED);
  g_assert_false (sluice_run_controller_attach (controller, 9999, &error));
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  // Again, the whole run cancelled: quick is reused from the first run.
  second = start (controller, path, NULL, &w);
  g_assert_cmpint (second, >, first);
  sw = (StepWait) { controller, "slow", SLUICE_STATE_RUNNING };
  run_loop_until (step_reached, &sw);
  status = sluice_run_controller_get_status (controller);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "quick"), ==, SLUICE_STATE_REUSED);
  g_assert_true (sluice_run_controller_cancel (controller, &error));
  g_assert_no_error (error);
  g_main_loop_run (loop);
  g_assert_cmpint (w.finished_state, ==, SLUICE_STATE_CANCELLED);

  // A file that is not a pipeline: the error comes back, no run.
  {
    g_autofree char *bad = g_build_filename (dir, "bad.sluice.json", NULL);

    g_assert_true (g_file_set_contents (bad, "{\"sluice\": 1, \"jobs\": {\"x\": {}}}", -1, NULL));
    w.run_id = 0;
    sluice_run_controller_start_async (controller, bad, NULL, NULL, NULL, on_started, &w);
    g_main_loop_run (loop);
    g_assert_cmpint (w.run_id, ==, 0);
    g_assert_nonnull (w.error);
    g_clear_error (&w.error);
  }

  g_clear_object (&controller);
  sluice_file_remove_tree (dir, NULL);
}

// Cancel pressed right after Run, before the runner recorded its pid: the
// request waits for the runner, which takes it up as it starts. The runner
// is started through a script that waits first, so the pid is surely not
// recorded yet when the cancel is sent.
static void
test_cancel_before_runner_pid (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-controller-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *path = g_build_filename (dir, "early.sluice.json", NULL);
  g_autofree char *wrapper = g_build_filename (dir, "slow-sluice", NULL);
  g_autofree char *history_path = NULL;
  g_autofree char *real_cli = g_strdup (g_getenv ("SLUICE_CLI"));
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"name\": \"early_cancel\",\n"
    " \"inputs\": {\"seconds\": {\"type\": \"number\"}},\n"
    " \"jobs\": {\n"
    "  \"slow\": {\"component\": \"file:%s/sleeper.component.json\", \"inputs\": {\"seconds\": \"${{parent.inputs.seconds}}\"}}}}\n",
    engine);
  // The real CLI comes from the environment, not from the script's text.
  const char *script = "#!/bin/sh\nsleep 2\nexec \"$SLUICE_TEST_REAL_CLI\" \"$@\"\n";
  g_autoptr(SluiceRunController) controller = NULL;
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  Waiter w = { loop, 0, NULL, -1, FALSE, 0 };
  gint64 run_id;

  g_setenv ("SLUICE_STORE", store, TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  g_setenv ("SLUICE_TEST_REAL_CLI", real_cli, TRUE);
  g_setenv ("SLUICE_CLI", wrapper, TRUE);

  controller = sluice_run_controller_new ();
  g_signal_connect (controller, "finished", G_CALLBACK (on_finished), &w);
  run_id = start (controller, path, NULL, &w);

  history_path = g_build_filename (store, "history.db", NULL);
  history = sluice_history_open (history_path, &error);
  g_assert_no_error (error);
  record = sluice_history_get_run (history, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->runner_pid, <=, 0);

  g_assert_true (sluice_run_controller_cancel (controller, &error));
  g_assert_no_error (error);
  g_main_loop_run (loop);   // until "finished"
  g_assert_cmpuint (w.finished_count, ==, 1);
  g_assert_cmpint (w.finished_state, ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_status_get_step_state (sluice_run_controller_get_status (controller), "slow"), !=,
                   SLUICE_STATE_SUCCEEDED);

  g_setenv ("SLUICE_CLI", real_cli, TRUE);
  g_clear_object (&controller);
  g_clear_object (&history);
  sluice_file_remove_tree (dir, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("SLUICE_CLI") == NULL)
    g_error ("SLUICE_CLI must name the sluice binary the runner is started with");

  g_test_add_func ("/run-controller/run-cancel-step-and-reuse", test_run_cancel_step_and_reuse);
  g_test_add_func ("/run-controller/cancel-before-runner-pid", test_cancel_before_runner_pid);

  return g_test_run ();
}
