// SPDX-License-Identifier: GPL-3.0-or-later
//
// The run engine, end to end: real processes, a real store and history in
// a temporary folder, pipelines built from tests/data/engine components.

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "sluice.h"

typedef struct
{
  char                    *dir;
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  SluiceComponentRegistry *registry;
  GPtrArray               *events;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *db = NULL;

  f->dir = g_dir_make_tmp ("sluice-run-XXXXXX", &error);
  g_assert_no_error (error);
  store_dir = g_build_filename (f->dir, "store", NULL);
  f->store = sluice_artifact_store_new (store_dir, &error);
  g_assert_no_error (error);
  db = g_build_filename (store_dir, "history.db", NULL);
  f->history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  f->registry = sluice_component_registry_new ();
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->history);
  g_clear_object (&f->registry);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->dir);
}

// Writes a pipeline next to the engine components; jobs is the "jobs" map.
static SluicePipeline *
make_pipeline (Fixture    *f,
               const char *settings,
               const char *jobs)
{
  g_autofree char *components = g_test_build_filename (G_TEST_DIST, "data", "engine", "/", NULL);
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (f->dir, "p.sluice.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expanded = g_string_new (jobs);
  SluicePipeline *pipeline;

  // "@/" stands for the engine components folder.
  g_string_replace (expanded, "@/", components, 0);
  text = g_strdup_printf ("{\"sluice\": 1, \"name\": \"test\", \"settings\": {%s}, \"jobs\": {%s}}",
                          settings ? settings : "", expanded->str);
  pipeline = sluice_pipeline_load_data (text, strlen (text), path, &error);
  g_assert_no_error (error);
  return pipeline;
}

static void
on_event (SluiceRun            *run,
          const SluiceRunEvent *event,
          Fixture              *f)
{
  g_ptr_array_add (f->events, sluice_run_event_copy (event));
}

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SluiceState *state = user_data;
  g_autoptr(GError) error = NULL;

  *state = sluice_run_execute_finish (SLUICE_RUN (source), result, &error);
  g_assert_no_error (error);
}

typedef void (*RunSetup) (SluiceRun *run, gpointer data);

static SluiceRun *
start_run (Fixture        *f,
           SluicePipeline *pipeline,
           guint           jobs,
           SluiceState    *state)
{
  g_autoptr(GError) error = NULL;
  SluiceRun *run = sluice_run_new (pipeline, f->registry, f->store, f->history);

  sluice_run_set_jobs (run, jobs);
  sluice_run_set_kill_grace (run, 300);
  g_signal_connect (run, "event", G_CALLBACK (on_event), f);
  g_ptr_array_set_size (f->events, 0);
  *state = (SluiceState) -1;
  sluice_run_prepare (run, 0, &error);
  g_assert_no_error (error);
  sluice_run_execute_async (run, NULL, on_finished, state);
  return run;
}

static void
wait_for (SluiceState *state)
{
  while (*state == (SluiceState) -1)
    g_main_context_iteration (NULL, TRUE);
}

static SluiceState
run_to_end (Fixture        *f,
            SluicePipeline *pipeline,
            guint           jobs,
            SluiceRun     **out_run)
{
  SluiceState state;
  SluiceRun *run = start_run (f, pipeline, jobs, &state);

  wait_for (&state);
  if (out_run != NULL)
    *out_run = run;
  else
    g_object_unref (run);
  return state;
}

static char *
output_text (Fixture    *f,
             SluiceRun  *run,
             const char *step,
             const char *port)
{
  g_autoptr(GPtrArray) uses = sluice_history_get_artifact_uses (f->history, sluice_run_get_id (run), step, NULL);

  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (use->is_output && g_str_equal (use->port, port))
        {
          g_autofree char *path = sluice_artifact_store_get_path (f->store, use->hash);
          char *text = NULL;

          g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
          return text;
        }
    }
  return NULL;
}

static SluiceStepRecord *
step_record (Fixture    *f,
             SluiceRun  *run,
             const char *step)
{
  g_autoptr(GError) error = NULL;
  SluiceStepRecord *rec = sluice_history_get_step (f->history, sluice_run_get_id (run), step, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rec);
  return rec;
}

#define CHAIN(TEXT) \
  "\"a\": {\"component\": \"file:@/produce.component.json\", \"inputs\": {\"text\": \"first\"}}," \
  "\"b\": {\"component\": \"file:@/produce.component.json\", \"inputs\": {\"text\": \"" TEXT "\"}}," \
  "\"c\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.jobs.b.outputs.out}}\"}}," \
  "\"d\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.c.outputs.out}}\"}}"

// The heart of reuse: change one parameter and exactly that step and what
// depends on it run again.
static void
test_reuse_after_parameter_change (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(SluicePipeline) p1 = make_pipeline (f, NULL, CHAIN ("second"));
  g_autoptr(SluicePipeline) p2 = make_pipeline (f, NULL, CHAIN ("changed"));
  g_autoptr(SluiceRun) r1 = NULL;
  g_autoptr(SluiceRun) r2 = NULL;
  g_autoptr(SluiceRun) r3 = NULL;
  g_autofree char *out1 = NULL;
  g_autofree char *out3 = NULL;

  g_assert_cmpint (run_to_end (f, p1, 2, &r1), ==, SLUICE_STATE_SUCCEEDED);
  out1 = output_text (f, r1, "d", "out");
  g_assert_cmpstr (out1, ==, "first\nsecond\n");
  for (const char *s = "abcd"; *s; s++)
    {
      char id[2] = { *s, 0 };

      g_assert_cmpint (sluice_run_get_step_state (r1, id), ==, SLUICE_STATE_SUCCEEDED);
    }

  // Nothing changed: everything is reused, nothing runs.
  g_assert_cmpint (run_to_end (f, p1, 2, &r2), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (r2, "a"), ==, SLUICE_STATE_REUSED);
  g_assert_cmpint (sluice_run_get_step_state (r2, "d"), ==, SLUICE_STATE_REUSED);

  g_assert_cmpint (run_to_end (f, p2, 2, &r3), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (r3, "a"), ==, SLUICE_STATE_REUSED);
  g_assert_cmpint (sluice_run_get_step_state (r3, "b"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (r3, "c"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (r3, "d"), ==, SLUICE_STATE_SUCCEEDED);
  out3 = output_text (f, r3, "d", "out");
  g_assert_cmpstr (out3, ==, "first\nchanged\n");

  {
    g_autoptr(SluiceStepRecord) rec = step_record (f, r2, "a");

    // A reused step points at the run that produced its outputs.
    g_assert_cmpint (rec->reused_from_run, ==, sluice_run_get_id (r1));
  }
}

static void
test_reuse_key_parts (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *input = g_build_filename (f->dir, "input.txt", NULL);
  g_autofree char *jobs = g_strdup_printf ("\"c\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"%s\"}}", input);
  g_autoptr(SluicePipeline) pipeline = NULL;
  SluiceRun *run = NULL;

  g_assert_true (g_file_set_contents (input, "one\n", -1, NULL));
  pipeline = make_pipeline (f, NULL, jobs);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);

  // Same content: reused. Different content (same size): runs again.
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "c"), ==, SLUICE_STATE_REUSED);
  g_clear_object (&run);
  g_assert_true (g_file_set_contents (input, "two\n", -1, NULL));
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "c"), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);

  // Forcing a step runs it even though it could be reused.
  {
    SluiceState state;

    run = sluice_run_new (pipeline, f->registry, f->store, f->history);
    sluice_run_force_step (run, "c");
    g_assert_true (sluice_run_prepare (run, 0, NULL));
    state = (SluiceState) -1;
    sluice_run_execute_async (run, NULL, on_finished, &state);
    wait_for (&state);
    g_assert_cmpint (sluice_run_get_step_state (run, "c"), ==, SLUICE_STATE_SUCCEEDED);
    g_clear_object (&run);
  }
}

// Changing the component's code, or its environment, runs the step again.
static void
test_reuse_key_code_and_environment (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *copy = g_build_filename (f->dir, "components", NULL);
  g_autofree char *script = g_build_filename (copy, "code", "step.sh", NULL);
  g_autofree char *component = g_build_filename (copy, "produce.component.json", NULL);
  g_autofree char *jobs = g_strdup_printf ("\"p\": {\"component\": \"file:%s\"}", component);
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autofree char *spec = NULL;
  SluiceRun *run = NULL;
  FILE *out;

  g_assert_true (sluice_file_copy_tree (engine, copy, NULL));
  pipeline = make_pipeline (f, NULL, jobs);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "p"), ==, SLUICE_STATE_REUSED);
  g_clear_object (&run);

  // A comment added to the script is a code change.
  out = fopen (script, "a");
  fputs ("# changed\n", out);
  fclose (out);
  g_clear_object (&f->registry);
  f->registry = sluice_component_registry_new ();
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "p"), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);

  // So is a different environment.
  g_assert_true (g_file_get_contents (component, &spec, NULL, NULL));
  {
    g_autoptr(GString) changed = g_string_new (spec);

    g_string_replace (changed, "\"code\": \"code\"", "\"code\": \"code\", \"environment\": {\"variables\": {\"MODE\": \"fast\"}}", 1);
    g_assert_true (g_file_set_contents (component, changed->str, -1, NULL));
  }
  g_clear_object (&f->registry);
  f->registry = sluice_component_registry_new ();
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "p"), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);
}

// With "code_files", a step sees and depends on just those files of a
// shared code folder: editing a neighbour's script re-runs nothing.
static void
test_code_files (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->dir, "shared", NULL);
  g_autofree char *code = g_build_filename (dir, "code", NULL);
  g_autofree char *lib = g_build_filename (code, "lib", NULL);
  g_autofree char *mine = g_build_filename (code, "mine.sh", NULL);
  g_autofree char *helper = g_build_filename (lib, "helper.sh", NULL);
  g_autofree char *other = g_build_filename (code, "other.sh", NULL);
  g_autofree char *component = g_build_filename (dir, "lister.component.json", NULL);
  g_autofree char *jobs = g_strdup_printf ("\"l\": {\"component\": \"file:%s\"}", component);
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceCacheHit) hit = NULL;
  g_autoptr(SluiceStepRecord) record = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *listing_path = NULL;
  SluiceRun *run = NULL;

  g_assert_cmpint (g_mkdir_with_parents (lib, 0755), ==, 0);
  // The step writes what its working folder holds.
  g_assert_true (g_file_set_contents (mine, ". lib/helper.sh; find . -type f | sort > \"$1\"\n", -1, NULL));
  g_assert_true (g_file_set_contents (helper, "true\n", -1, NULL));
  g_assert_true (g_file_set_contents (other, "echo other\n", -1, NULL));
  g_assert_true (g_file_set_contents (component,
    "{\"name\": \"lister\", \"version\": \"1\", \"outputs\": {\"out\": {\"type\": \"uri_file\"}},"
    " \"command\": \"sh mine.sh ${{outputs.out}}\", \"code\": \"code\", \"code_files\": [\"mine.sh\", \"lib\"]}", -1, NULL));

  pipeline = make_pipeline (f, NULL, jobs);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  record = step_record (f, run, "l");
  hit = sluice_history_lookup_cache (f->history, record->cache_key, NULL);
  g_assert_nonnull (hit);
  listing_path = sluice_artifact_store_get_path (f->store, g_hash_table_lookup (hit->outputs, "out"));
  g_assert_true (g_file_get_contents (listing_path, &listing, NULL, NULL));
  g_assert_cmpstr (listing, ==, "./lib/helper.sh\n./mine.sh\n");
  g_clear_object (&run);

  // A file it does not list changes: reused.
  g_assert_true (g_file_set_contents (other, "echo changed\n", -1, NULL));
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "l"), ==, SLUICE_STATE_REUSED);
  g_clear_object (&run);

  // A file inside a listed folder changes: it runs again.
  g_assert_true (g_file_set_contents (helper, "true # changed\n", -1, NULL));
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "l"), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);
}

static void
test_nondeterministic_always_runs (Fixture       *f,
                                   gconstpointer  data)
{
  g_autofree char *markers = g_build_filename (f->dir, "markers", NULL);
  g_autofree char *jobs = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  SluiceRun *run = NULL;

  g_mkdir (markers, 0755);
  jobs = g_strdup_printf ("\"f\": {\"component\": \"file:@/flaky.component.json\", \"inputs\": {\"marker_dir\": \"%s\", \"succeed_on\": 1}}", markers);
  pipeline = make_pipeline (f, NULL, jobs);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "f"), ==, SLUICE_STATE_SUCCEEDED);
  g_clear_object (&run);
}

static gint64
state_time (Fixture    *f,
            SluiceRun  *run,
            const char *step,
            gboolean    finished)
{
  g_autoptr(SluiceStepRecord) rec = step_record (f, run, step);

  return finished ? rec->finished_at : rec->started_at;
}

#define TWO_SLEEPERS \
  "\"x\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 0.4}}," \
  "\"y\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 0.41}}"

static void
test_parallel_and_sequential (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, "\"force_rerun\": true", TWO_SLEEPERS);
  SluiceRun *run = NULL;

  // Two independent steps with two jobs overlap in time...
  g_assert_cmpint (run_to_end (f, pipeline, 2, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (state_time (f, run, "y", FALSE), <, state_time (f, run, "x", TRUE));
  g_assert_cmpint (state_time (f, run, "x", FALSE), <, state_time (f, run, "y", TRUE));
  g_clear_object (&run);

  // ...and with one job, one starts after the other ended.
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_true (state_time (f, run, "y", FALSE) >= state_time (f, run, "x", TRUE) ||
                 state_time (f, run, "x", FALSE) >= state_time (f, run, "y", TRUE));
  g_clear_object (&run);
}

static void
test_compute_limits (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, "\"force_rerun\": true, \"default_compute\": \"gpu\", \"compute_limits\": {\"gpu\": 1}", TWO_SLEEPERS);
  g_autoptr(SluiceRun) run = NULL;

  // Two jobs allowed overall, but one at a time on "gpu": no overlap.
  g_assert_cmpint (run_to_end (f, pipeline, 2, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_true (state_time (f, run, "y", FALSE) >= state_time (f, run, "x", TRUE) ||
                 state_time (f, run, "x", FALSE) >= state_time (f, run, "y", TRUE));
}

#define FAILING_BRANCH \
  "\"bad\": {\"component\": \"file:@/fail.component.json\", \"inputs\": {\"code\": 7}}," \
  "\"after_bad\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.slow.outputs.out}}\"}}," \
  "\"slow\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 1.5}}"

static void
test_failure_stops_run (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, "\"force_rerun\": true", FAILING_BRANCH);
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) bad = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 2, &run), ==, SLUICE_STATE_FAILED);
  g_assert_cmpint (sluice_run_get_step_state (run, "bad"), ==, SLUICE_STATE_FAILED);
  // The independent slow step was cancelled, and what needed it skipped.
  g_assert_cmpint (sluice_run_get_step_state (run, "slow"), ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_get_step_state (run, "after_bad"), ==, SLUICE_STATE_SKIPPED);
  bad = step_record (f, run, "bad");
  g_assert_cmpint (bad->exit_code, ==, 7);
  g_assert_nonnull (strstr (bad->message, "exited with status 7: failing with 7"));
}

static void
test_failure_continues (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, "\"force_rerun\": true, \"continue_on_step_failure\": true",
    "\"bad\": {\"component\": \"file:@/fail.component.json\"},"
    "\"needs_ok\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.ok.outputs.out}}\"}},"
    "\"ok\": {\"component\": \"file:@/produce.component.json\"}");
  g_autoptr(SluiceRun) run = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_FAILED);
  g_assert_cmpint (sluice_run_get_step_state (run, "bad"), ==, SLUICE_STATE_FAILED);
  g_assert_cmpint (sluice_run_get_step_state (run, "ok"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_get_step_state (run, "needs_ok"), ==, SLUICE_STATE_SUCCEEDED);
}

static void
test_failure_skips_dependents (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, "\"continue_on_step_failure\": true",
    "\"missing\": {\"component\": \"file:@/missing_program.component.json\"},"
    "\"after\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.missing.outputs.out}}\"}}");
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) missing = NULL;
  g_autoptr(SluiceStepRecord) after = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_FAILED);
  missing = step_record (f, run, "missing");
  g_assert_nonnull (strstr (missing->message, "program 'no-such-program-sluice' was not found in PATH"));
  after = step_record (f, run, "after");
  g_assert_cmpint (after->state, ==, SLUICE_STATE_SKIPPED);
  g_assert_cmpstr (after->message, ==, "needs step 'missing', which failed");
}

static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *markers = g_build_filename (f->dir, "markers", NULL);
  g_autofree char *markers2 = g_build_filename (f->dir, "markers2", NULL);
  g_autofree char *ok_jobs = NULL;
  g_autofree char *bad_jobs = NULL;
  g_autoptr(SluicePipeline) ok = NULL;
  g_autoptr(SluicePipeline) bad = NULL;
  g_autoptr(SluiceRun) r1 = NULL;
  g_autoptr(SluiceRun) r2 = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;
  g_autoptr(GPtrArray) logs = NULL;

  g_mkdir (markers, 0755);
  g_mkdir (markers2, 0755);
  ok_jobs = g_strdup_printf ("\"f\": {\"component\": \"file:@/flaky.component.json\", \"retry\": {\"count\": 2, \"backoff\": 0.05}, "
                             "\"inputs\": {\"marker_dir\": \"%s\", \"succeed_on\": 3}}", markers);
  bad_jobs = g_strdup_printf ("\"f\": {\"component\": \"file:@/flaky.component.json\", \"retry\": 1, "
                              "\"inputs\": {\"marker_dir\": \"%s\", \"succeed_on\": 3}}", markers2);
  ok = make_pipeline (f, NULL, ok_jobs);
  bad = make_pipeline (f, NULL, bad_jobs);

  g_assert_cmpint (run_to_end (f, ok, 1, &r1), ==, SLUICE_STATE_SUCCEEDED);
  rec = step_record (f, r1, "f");
  g_assert_cmpuint (rec->attempts, ==, 3);
  // Every attempt's log is kept.
  logs = sluice_history_get_log_lines (f->history, sluice_run_get_id (r1), "f", 1, 0, 0, NULL);
  g_assert_cmpuint (logs->len, >, 0);
  g_clear_pointer (&logs, g_ptr_array_unref);
  logs = sluice_history_get_log_lines (f->history, sluice_run_get_id (r1), "f", 2, 0, 0, NULL);
  g_assert_cmpuint (logs->len, >, 0);

  g_assert_cmpint (run_to_end (f, bad, 1, &r2), ==, SLUICE_STATE_FAILED);
  g_clear_pointer (&rec, sluice_step_record_free);
  rec = step_record (f, r2, "f");
  g_assert_cmpuint (rec->attempts, ==, 2);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, NULL, "\"s\": {\"component\": \"file:@/sleeper.component.json\", \"timeout\": 0.3, \"inputs\": {\"seconds\": 30}}");
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_FAILED);
  rec = step_record (f, run, "s");
  g_assert_nonnull (strstr (rec->message, "timed out after 0.3 s"));
}

static gboolean
cancel_soon (gpointer data)
{
  sluice_run_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_kills_process_group (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *pid_file = g_build_filename (f->dir, "sleep.pid", NULL);
  g_autofree char *jobs = g_strdup_printf (
    "\"s\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 30, \"pid_file\": \"%s\"}},"
    "\"after\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.s.outputs.out}}\"}}", pid_file);
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, jobs);
  g_autoptr(SluiceRun) run = NULL;
  g_autofree char *pid_text = NULL;
  SluiceState state;

  run = start_run (f, pipeline, 1, &state);
  while (!g_file_get_contents (pid_file, &pid_text, NULL, NULL))
    g_main_context_iteration (NULL, TRUE);
  g_timeout_add (100, cancel_soon, run);
  wait_for (&state);

  g_assert_cmpint (state, ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_get_step_state (run, "s"), ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_get_step_state (run, "after"), ==, SLUICE_STATE_CANCELLED);
  // The shell of the step is gone; so is everything in its process group.
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pid_text, NULL, 10), 0), !=, 0);
}

static gboolean
cancel_step_soon (gpointer data)
{
  g_assert_true (sluice_run_cancel_step (data, "x"));
  return G_SOURCE_REMOVE;
}

// Cancelling one step stops it and what depends on it; the rest goes on.
static void
test_cancel_one_step (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, "\"force_rerun\": true",
    "\"x\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 30}},"
    "\"after_x\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.x.outputs.out}}\"}},"
    "\"y\": {\"component\": \"file:@/sleeper.component.json\", \"inputs\": {\"seconds\": 0.5}}");
  g_autoptr(SluiceRun) run = NULL;
  SluiceState state;

  run = start_run (f, pipeline, 2, &state);
  g_timeout_add (200, cancel_step_soon, run);
  wait_for (&state);

  g_assert_cmpint (sluice_run_get_step_state (run, "x"), ==, SLUICE_STATE_CANCELLED);
  g_assert_cmpint (sluice_run_get_step_state (run, "after_x"), ==, SLUICE_STATE_SKIPPED);
  g_assert_cmpint (sluice_run_get_step_state (run, "y"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (state, ==, SLUICE_STATE_CANCELLED);
  g_assert_false (sluice_run_cancel_step (run, "y"));
}

static void
test_hostile_values (Fixture       *f,
                     gconstpointer  data)
{
  const char *hostile[] = {
    "a b", "\\\"quoted\\\"", "; rm -rf /", "$(touch /tmp/sluice-pwned)", "`id`", "line\\nbreak", "--help", "-rf", "*",
    "${{inputs.value}}", "🙂",
  };
  const char *expected[] = {
    "a b", "\"quoted\"", "; rm -rf /", "$(touch /tmp/sluice-pwned)", "`id`", "line", "--help", "-rf", "*",
    "${{inputs.value}}", "🙂",
  };

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *jobs = g_strdup_printf (
        "\"h\": {\"component\": \"file:@/args.component.json\", \"inputs\": {\"value\": \"%s\", \"number\": 2.5, \"flag\": true}}", hostile[i]);
      g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, jobs);
      g_autoptr(SluiceRun) run = NULL;
      g_autofree char *out = NULL;
      g_autofree char *want = NULL;

      g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
      out = output_text (f, run, "h", "out");
      // The step script writes each argument on its own line, so a value
      // with a newline shows as two lines: still a single argument.
      if (g_str_equal (expected[i], "line"))
        want = g_strdup ("line\nbreak\nxline\nbreaky\n--n=2.5\ntrue\n");
      else
        want = g_strdup_printf ("%s\nx%sy\n--n=2.5\ntrue\n", expected[i], expected[i]);
      g_assert_cmpstr (out, ==, want);
    }
  g_assert_false (g_file_test ("/tmp/sluice-pwned", G_FILE_TEST_EXISTS));
}

static void
test_missing_input_file (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "nope.csv", NULL);
  g_autofree char *jobs = g_strdup_printf ("\"c\": {\"component\": \"file:@/concat.component.json\", \"inputs\": {\"a\": \"%s\"}}", missing);
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, jobs);
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_FAILED);
  rec = step_record (f, run, "c");
  g_assert_nonnull (strstr (rec->message, "input 'a'"));
  g_assert_nonnull (strstr (rec->message, "nope.csv"));
}

static void
test_missing_output (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, "\"n\": {\"component\": \"file:@/no_output.component.json\"}");
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;

  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_FAILED);
  rec = step_record (f, run, "n");
  g_assert_nonnull (strstr (rec->message, "did not write its output 'out'"));
}

static void
test_metrics_and_folders (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (
    f, NULL, "\"m\": {\"component\": \"file:@/metrics.component.json\"}, \"d\": {\"component\": \"file:@/folder.component.json\"}");
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(GPtrArray) metrics = NULL;
  g_autoptr(GPtrArray) uses = NULL;
  guint metric_events = 0;

  g_assert_cmpint (run_to_end (f, pipeline, 2, &run), ==, SLUICE_STATE_SUCCEEDED);
  metrics = sluice_history_get_metrics (f->history, sluice_run_get_id (run), NULL);
  g_assert_cmpuint (metrics->len, ==, 3);
  for (guint i = 0; i < f->events->len; i++)
    if (((SluiceRunEvent *) g_ptr_array_index (f->events, i))->kind == SLUICE_RUN_EVENT_METRIC)
      metric_events++;
  g_assert_cmpuint (metric_events, ==, 3);

  uses = sluice_history_get_artifact_uses (f->history, sluice_run_get_id (run), "d", NULL);
  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);
      g_autofree char *path = sluice_artifact_store_get_path (f->store, use->hash);
      g_autofree char *b = g_build_filename (path, "sub", "b.txt", NULL);

      g_assert_true (g_file_test (b, G_FILE_TEST_IS_REGULAR));
    }
}

static void
test_events_in_order (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, "\"force_rerun\": true", CHAIN ("x"));
  g_autoptr(SluiceRun) run = NULL;
  SluiceRunEvent *last;
  gint d_running = -1, d_done = -1, c_done = -1;

  g_assert_cmpint (run_to_end (f, pipeline, 2, &run), ==, SLUICE_STATE_SUCCEEDED);
  for (guint i = 0; i < f->events->len; i++)
    {
      SluiceRunEvent *e = g_ptr_array_index (f->events, i);

      if (e->kind != SLUICE_RUN_EVENT_STEP_STATE)
        continue;
      if (g_str_equal (e->step_id, "d") && e->state == SLUICE_STATE_RUNNING)
        d_running = (gint) i;
      if (g_str_equal (e->step_id, "d") && e->state == SLUICE_STATE_SUCCEEDED)
        d_done = (gint) i;
      if (g_str_equal (e->step_id, "c") && e->state == SLUICE_STATE_SUCCEEDED)
        c_done = (gint) i;
    }
  g_assert_cmpint (c_done, >=, 0);
  g_assert_cmpint (c_done, <, d_running);
  g_assert_cmpint (d_running, <, d_done);
  last = g_ptr_array_index (f->events, f->events->len - 1);
  g_assert_cmpint (last->kind, ==, SLUICE_RUN_EVENT_RUN_STATE);
  g_assert_cmpint (last->state, ==, SLUICE_STATE_SUCCEEDED);
}

static void
test_environment_and_versions (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, "\"e\": {\"component\": \"file:@/env_probe.component.json\"}");
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;
  g_autofree char *out = NULL;

  // Nothing from the caller's environment reaches a step.
  g_setenv ("SLUICE_TEST_LEAK", "leaked", TRUE);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  g_unsetenv ("SLUICE_TEST_LEAK");
  out = output_text (f, run, "e", "out");
  g_assert_cmpstr (out, ==, "hi there\ne\nunset\n");

  // The interpreter the environment names is recorded with its version.
  rec = step_record (f, run, "e");
  g_assert_nonnull (rec->tool_versions_json);
  g_assert_nonnull (strstr (rec->tool_versions_json, "\"/usr/bin/python3\": \"Python 3."));
}

static void
test_git_commit_recorded (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *repo = g_build_filename (f->dir, "repo", NULL);
  g_autofree char *code = g_build_filename (repo, "components", "code", NULL);
  g_autofree char *refs = g_build_filename (repo, ".git", "refs", "heads", NULL);
  g_autofree char *source_code = g_build_filename (engine, "code", NULL);
  g_autofree char *source_component = g_build_filename (engine, "produce.component.json", NULL);
  g_autofree char *component = g_build_filename (repo, "components", "produce.component.json", NULL);
  g_autofree char *head = g_build_filename (repo, ".git", "HEAD", NULL);
  g_autofree char *main_ref = g_build_filename (refs, "main", NULL);
  g_autofree char *text = NULL;
  g_autofree char *jobs = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceRun) run = NULL;
  g_autoptr(SluiceStepRecord) rec = NULL;

  g_assert_cmpint (g_mkdir_with_parents (refs, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (code, 0755), ==, 0);
  g_assert_true (sluice_file_remove_tree (code, NULL));
  g_assert_true (sluice_file_copy_tree (source_code, code, NULL));
  g_assert_true (g_file_get_contents (source_component, &text, NULL, NULL));
  g_assert_true (g_file_set_contents (component, text, -1, NULL));
  g_assert_true (g_file_set_contents (head, "ref: refs/heads/main\n", -1, NULL));
  g_assert_true (g_file_set_contents (main_ref, "0123456789abcdef0123456789abcdef01234567\n", -1, NULL));

  jobs = g_strdup_printf ("\"p\": {\"component\": \"file:%s\"}", component);
  pipeline = make_pipeline (f, NULL, jobs);
  g_assert_cmpint (run_to_end (f, pipeline, 1, &run), ==, SLUICE_STATE_SUCCEEDED);
  rec = step_record (f, run, "p");
  g_assert_cmpstr (rec->code_git_commit, ==, "0123456789abcdef0123456789abcdef01234567");
}

static void
test_invalid_pipeline_refused (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SluicePipeline) pipeline = make_pipeline (f, NULL, "\"x\": {\"component\": \"file:@/nope.component.json\"}");
  g_autoptr(SluiceRun) run = sluice_run_new (pipeline, f->registry, f->store, f->history);
  g_autoptr(GError) error = NULL;

  g_assert_false (sluice_run_prepare (run, 0, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "does not exist"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/run/reuse-after-parameter-change", test_reuse_after_parameter_change);
  ADD ("/run/reuse-key-parts", test_reuse_key_parts);
  ADD ("/run/reuse-key-code-and-environment", test_reuse_key_code_and_environment);
  ADD ("/run/code-files", test_code_files);
  ADD ("/run/nondeterministic-always-runs", test_nondeterministic_always_runs);
  ADD ("/run/parallel-and-sequential", test_parallel_and_sequential);
  ADD ("/run/compute-limits", test_compute_limits);
  ADD ("/run/failure-stops-run", test_failure_stops_run);
  ADD ("/run/failure-continues", test_failure_continues);
  ADD ("/run/failure-skips-dependents", test_failure_skips_dependents);
  ADD ("/run/retry", test_retry);
  ADD ("/run/timeout", test_timeout);
  ADD ("/run/cancel-kills-process-group", test_cancel_kills_process_group);
  ADD ("/run/cancel-one-step", test_cancel_one_step);
  ADD ("/run/hostile-values", test_hostile_values);
  ADD ("/run/missing-input-file", test_missing_input_file);
  ADD ("/run/missing-output", test_missing_output);
  ADD ("/run/metrics-and-folders", test_metrics_and_folders);
  ADD ("/run/events-in-order", test_events_in_order);
  ADD ("/run/environment-and-versions", test_environment_and_versions);
  ADD ("/run/git-commit-recorded", test_git_commit_recorded);
  ADD ("/run/invalid-pipeline-refused", test_invalid_pipeline_refused);
#undef ADD

  return g_test_run ();
}
