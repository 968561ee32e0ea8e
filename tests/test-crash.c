// SPDX-License-Identifier: GPL-3.0-or-later
//
// Crash safety: `sluice run` is killed with SIGKILL at a random moment, again
// and again. Each time the history must still pass integrity_check, the run
// must come back as interrupted, no completed step may have lost its
// outputs, and `sluice run --resume` must finish only what is missing.
// SLUICE_CRASH_ITERATIONS sets the number of rounds (default 50).

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "sluice.h"

typedef struct
{
  char     *step_id;
  gint64    finished_at;
  guint     attempts;
} Done;

static char *
write_pipeline (const char *dir)
{
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *path = g_build_filename (dir, "crash.sluice.json", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"name\": \"crash\", \"inputs\": {\"text\": \"x\"}, \"jobs\": {"
    "\"a\": {\"component\": \"file:%1$s/produce.component.json\", \"inputs\": {\"text\": \"${{parent.inputs.text}}\"}},"
    "\"b\": {\"component\": \"file:%1$s/sleeper.component.json\", \"inputs\": {\"seconds\": 0.05}},"
    "\"c\": {\"component\": \"file:%1$s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.jobs.b.outputs.out}}\"}},"
    "\"d\": {\"component\": \"file:%1$s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.c.outputs.out}}\"}},"
    "\"e\": {\"component\": \"file:%1$s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.c.outputs.out}}\", \"b\": \"${{parent.jobs.a.outputs.out}}\"}},"
    "\"f\": {\"component\": \"file:%1$s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.d.outputs.out}}\", \"b\": \"${{parent.jobs.e.outputs.out}}\"}}"
    "}}", engine);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_steal_pointer (&path);
}

static int
run_cli (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);

  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (process);
}

static GPtrArray *
completed_steps (SluiceHistory       *history,
                 SluiceArtifactStore *store,
                 gint64               run_id)
{
  g_autoptr(GPtrArray) steps = sluice_history_list_steps (history, run_id, NULL);
  g_autoptr(GPtrArray) uses = sluice_history_get_artifact_uses (history, run_id, NULL, NULL);
  GPtrArray *done = g_ptr_array_new ();

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStepRecord *rec = g_ptr_array_index (steps, i);
      Done *d;

      if (!sluice_state_is_done (rec->state))
        continue;

      // A completed step must still have every output it recorded.
      for (guint u = 0; u < uses->len; u++)
        {
          SluiceArtifactUse *use = g_ptr_array_index (uses, u);

          if (use->is_output && g_str_equal (use->step_id, rec->step_id) &&
              !sluice_artifact_store_contains (store, use->hash))
            g_error ("step %s of run %" G_GINT64_FORMAT " lost its output %s", rec->step_id, run_id, use->port);
        }

      d = g_new0 (Done, 1);
      d->step_id = g_strdup (rec->step_id);
      d->finished_at = rec->finished_at;
      d->attempts = rec->attempts;
      g_ptr_array_add (done, d);
    }

  return done;
}

static void
done_free (gpointer data)
{
  Done *d = data;

  g_free (d->step_id);
  g_free (d);
}

static void
crash_once (const char *cli,
            const char *store_dir,
            const char *pipeline,
            guint       round)
{
  g_autofree char *text = g_strdup_printf ("text=round-%u", round);
  const char *argv[] = { cli, "run", "--store", store_dir, "--jobs", "2", "--set", text, pipeline, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_autoptr(SluiceArtifactStore) store = NULL;
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *db = g_build_filename (store_dir, "history.db", NULL);
  g_autofree char *run_text = NULL;
  g_autofree char *needle = NULL;
  SluiceRunRecord *run;
  guint delay_ms = (guint) g_test_rand_int_range (0, 450);

  g_assert_no_error (error);
  g_usleep (delay_ms * 1000);
  g_subprocess_force_exit (process);
  // Reap it, or its zombie would still look alive to the history.
  g_subprocess_wait (process, NULL, NULL);

  store = sluice_artifact_store_new (store_dir, &error);
  g_assert_no_error (error);
  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (sluice_history_check_integrity (history, &error));
  g_assert_no_error (error);
  sluice_history_mark_interrupted (history, &error);
  g_assert_no_error (error);

  runs = sluice_history_list_runs (history, NULL, 1, &error);
  g_assert_no_error (error);
  if (runs->len == 0)
    return;   // killed before it recorded anything: nothing to lose
  run = g_ptr_array_index (runs, 0);
  if (run->state == SLUICE_STATE_SUCCEEDED)
    return;   // finished before the kill
  needle = g_strdup_printf ("\"round-%u\"", round);
  if (!strstr (run->params_json ? run->params_json : "", needle))
    return;   // this round's run was never recorded; the newest is an older, finished one
  g_assert_cmpint (run->state, ==, SLUICE_STATE_INTERRUPTED);

  before = completed_steps (history, store, run->id);
  g_ptr_array_set_free_func (before, done_free);
  g_clear_object (&history);

  run_text = g_strdup_printf ("%" G_GINT64_FORMAT, run->id);
  {
    const char *resume[] = { cli, "run", "--store", store_dir, "--resume", run_text, NULL };

    g_assert_cmpint (run_cli (resume), ==, 0);
  }

  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  {
    g_autoptr(SluiceRunRecord) resumed = sluice_history_get_run (history, run->id, &error);

    g_assert_no_error (error);
    g_assert_cmpint (resumed->state, ==, SLUICE_STATE_SUCCEEDED);
  }
  after = completed_steps (history, store, run->id);
  g_ptr_array_set_free_func (after, done_free);
  g_assert_cmpuint (after->len, ==, 6);

  // What was complete before the crash was not run again.
  for (guint i = 0; i < before->len; i++)
    {
      Done *b = g_ptr_array_index (before, i);

      for (guint j = 0; j < after->len; j++)
        {
          Done *a = g_ptr_array_index (after, j);

          if (g_str_equal (a->step_id, b->step_id))
            {
              g_assert_cmpint (a->finished_at, ==, b->finished_at);
              g_assert_cmpuint (a->attempts, ==, b->attempts);
            }
        }
    }
}

static void
test_crash_loop (void)
{
  const char *cli = g_getenv ("SLUICE_CLI");
  const char *iterations_env = g_getenv ("SLUICE_CRASH_ITERATIONS");
  guint iterations = iterations_env ? (guint) g_ascii_strtoull (iterations_env, NULL, 10) : 50;
  g_autofree char *dir = g_dir_make_tmp ("sluice-crash-XXXXXX", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autofree char *pipeline = write_pipeline (dir);

  g_assert_nonnull (cli);
  for (guint round = 0; round < iterations; round++)
    crash_once (cli, store_dir, pipeline, round);

  sluice_file_remove_tree (dir, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/kill-and-resume", test_crash_loop);
  return g_test_run ();
}
