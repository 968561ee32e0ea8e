// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run comparison, lineage and past-run status, on a history made by the
// real engine: tests/data/history copied to a temporary folder and run
// with different learning rates (and once with changed code).

#include "config.h"

#include <math.h>
#include <string.h>

#include "sluice.h"

typedef struct
{
  char                    *dir;
  char                    *pipeline_path;
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  SluiceComponentRegistry *registry;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "data", "history", NULL);
  g_autofree char *project = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *db = NULL;

  f->dir = g_dir_make_tmp ("sluice-compare-XXXXXX", &error);
  g_assert_no_error (error);
  project = g_build_filename (f->dir, "project", NULL);
  g_assert_true (sluice_file_copy_tree (source, project, &error));
  g_assert_no_error (error);
  f->pipeline_path = g_build_filename (project, "history.sluice.json", NULL);

  store_dir = g_build_filename (f->dir, "store", NULL);
  f->store = sluice_artifact_store_new (store_dir, &error);
  g_assert_no_error (error);
  db = g_build_filename (store_dir, "history.db", NULL);
  f->history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  f->registry = sluice_component_registry_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  g_clear_object (&f->history);
  g_clear_object (&f->registry);
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->dir);
  g_free (f->pipeline_path);
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

// Runs the pipeline to its end; learning_rate < 0 keeps the default.
static gint64
run_pipeline (Fixture *f,
              double   learning_rate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (f->pipeline_path, &error);
  g_autoptr(SluiceRun) run = NULL;
  SluiceState state = (SluiceState) -1;

  g_assert_no_error (error);
  run = sluice_run_new (pipeline, f->registry, f->store, f->history);
  if (learning_rate >= 0)
    {
      g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);

      json_node_set_double (value, learning_rate);
      sluice_run_set_input (run, "learning_rate", value);
    }
  sluice_run_prepare (run, 0, &error);
  g_assert_no_error (error);
  sluice_run_execute_async (run, NULL, on_finished, &state);
  while (state == (SluiceState) -1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (state, ==, SLUICE_STATE_SUCCEEDED);
  return sluice_run_get_id (run);
}

static const SluiceDiffRow *
find_diff (GPtrArray      *diffs,
           SluiceDiffKind  kind,
           const char     *step_id,
           const char     *name)
{
  for (guint i = 0; i < diffs->len; i++)
    {
      const SluiceDiffRow *row = g_ptr_array_index (diffs, i);

      if (row->kind == kind && g_strcmp0 (row->step_id, step_id) == 0 && g_str_equal (row->name, name))
        return row;
    }
  return NULL;
}

static const SluiceMetricRow *
find_metric (GPtrArray  *metrics,
             const char *step_id,
             const char *name)
{
  for (guint i = 0; i < metrics->len; i++)
    {
      const SluiceMetricRow *row = g_ptr_array_index (metrics, i);

      if (g_str_equal (row->step_id, step_id) && g_str_equal (row->name, name))
        return row;
    }
  return NULL;
}

// Two runs that differ in one pipeline input: that input and the step
// parameter bound to it differ, nothing else; the metrics are side by side.
static void
test_parameters_and_metrics (Fixture       *f,
                             gconstpointer  data)
{
  gint64 ids[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunComparison) comparison = NULL;
  const SluiceDiffRow *input, *parameter;
  const SluiceMetricRow *loss, *accuracy;
  g_autoptr(GArray) series = NULL;
  g_autoptr(JsonNode) json = NULL;
  GPtrArray *diffs, *metrics;

  ids[0] = run_pipeline (f, -1);
  ids[1] = run_pipeline (f, 0.2);

  comparison = sluice_run_comparison_new (f->history, ids, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_run_comparison_get_n_runs (comparison), ==, 2);
  g_assert_cmpint (sluice_run_comparison_get_run (comparison, 1)->id, ==, ids[1]);

  diffs = sluice_run_comparison_get_diffs (comparison);
  g_assert_cmpuint (diffs->len, ==, 2);
  input = g_ptr_array_index (diffs, 0);
  g_assert_cmpint (input->kind, ==, SLUICE_DIFF_INPUT);
  g_assert_null (input->step_id);
  g_assert_cmpstr (input->name, ==, "learning_rate");
  g_assert_cmpstr (input->values[0], ==, "0.1");
  g_assert_cmpstr (input->values[1], ==, "0.2");
  parameter = find_diff (diffs, SLUICE_DIFF_PARAMETER, "train", "learning_rate");
  g_assert_nonnull (parameter);
  g_assert_cmpstr (parameter->values[0], ==, "0.1");
  g_assert_cmpstr (parameter->values[1], ==, "0.2");
  // epochs is the same literal in both, and the reused prepare step's code
  // and spec come from the run that ran it: no rows for them.
  g_assert_null (find_diff (diffs, SLUICE_DIFF_PARAMETER, "train", "epochs"));
  g_assert_null (find_diff (diffs, SLUICE_DIFF_CODE, "prepare", "code"));

  // loss = (1 - 2 lr)^3 after 3 epochs; accuracy = 1 - loss.
  metrics = sluice_run_comparison_get_metrics (comparison);
  g_assert_cmpuint (metrics->len, ==, 2);
  loss = find_metric (metrics, "train", "loss");
  accuracy = find_metric (metrics, "train", "accuracy");
  g_assert_nonnull (loss);
  g_assert_nonnull (accuracy);
  g_assert_cmpfloat_with_epsilon (loss->values[0], 0.512, 1e-9);
  g_assert_cmpfloat_with_epsilon (loss->values[1], 0.216, 1e-9);
  g_assert_true (loss->lower_is_better);
  g_assert_cmpint (loss->best, ==, 1);
  g_assert_cmpfloat_with_epsilon (accuracy->values[0], 0.488, 1e-9);
  g_assert_cmpfloat_with_epsilon (accuracy->values[1], 0.784, 1e-9);
  g_assert_false (accuracy->lower_is_better);
  g_assert_cmpint (accuracy->best, ==, 1);

  series = sluice_run_comparison_get_series (comparison, 0, "train", "loss");
  g_assert_cmpuint (series->len, ==, 3);
  g_assert_cmpint (g_array_index (series, SluiceMetricPoint, 0).index, ==, 1);
  g_assert_cmpfloat_with_epsilon (g_array_index (series, SluiceMetricPoint, 0).value, 0.8, 1e-9);
  g_assert_cmpfloat_with_epsilon (g_array_index (series, SluiceMetricPoint, 2).value, 0.512, 1e-9);

  json = sluice_run_comparison_to_json (comparison);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (json_node_get_object (json), "differences")), ==, 2);
}

// A reused step's metrics come from the run that produced its outputs, so
// an identical rerun compares equal and nothing is "best".
static void
test_reused_metrics (Fixture       *f,
                     gconstpointer  data)
{
  gint64 ids[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunComparison) comparison = NULL;
  const SluiceMetricRow *loss;

  ids[0] = run_pipeline (f, 0.25);
  ids[1] = run_pipeline (f, 0.25);
  comparison = sluice_run_comparison_new (f->history, ids, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_run_comparison_get_diffs (comparison)->len, ==, 0);
  loss = find_metric (sluice_run_comparison_get_metrics (comparison), "train", "loss");
  g_assert_nonnull (loss);
  g_assert_cmpfloat_with_epsilon (loss->values[0], 0.125, 1e-9);
  g_assert_cmpfloat_with_epsilon (loss->values[1], 0.125, 1e-9);
  g_assert_cmpint (loss->best, ==, -1);
}

// Changing the code folder shows as a code hash difference of each step
// that uses it.
static void
test_code_difference (Fixture       *f,
                      gconstpointer  data)
{
  gint64 ids[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunComparison) comparison = NULL;
  g_autofree char *script = g_build_filename (f->dir, "project", "code", "history.sh", NULL);
  g_autofree char *text = NULL;
  g_autofree char *changed = NULL;
  const SluiceDiffRow *code;

  ids[0] = run_pipeline (f, -1);
  g_assert_true (g_file_get_contents (script, &text, NULL, NULL));
  changed = g_strconcat (text, "# changed\n", NULL);
  g_assert_true (g_file_set_contents (script, changed, -1, NULL));
  ids[1] = run_pipeline (f, -1);

  comparison = sluice_run_comparison_new (f->history, ids, 2, &error);
  g_assert_no_error (error);
  code = find_diff (sluice_run_comparison_get_diffs (comparison), SLUICE_DIFF_CODE, "train", "code");
  g_assert_nonnull (code);
  g_assert_nonnull (code->values[0]);
  g_assert_nonnull (code->values[1]);
  g_assert_cmpstr (code->values[0], !=, code->values[1]);
  g_assert_nonnull (find_diff (sluice_run_comparison_get_diffs (comparison), SLUICE_DIFF_CODE, "prepare", "code"));
  g_assert_null (find_diff (sluice_run_comparison_get_diffs (comparison), SLUICE_DIFF_INPUT, NULL, "learning_rate"));
}

static void
test_unknown_run (Fixture       *f,
                  gconstpointer  data)
{
  gint64 ids[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunComparison) comparison = NULL;
  g_autoptr(SluiceRunStatus) status = NULL;

  ids[0] = run_pipeline (f, -1);
  ids[1] = 4242;
  comparison = sluice_run_comparison_new (f->history, ids, 2, &error);
  g_assert_null (comparison);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "4242"));
  g_clear_error (&error);

  status = sluice_run_status_new_from_history (f->history, 777, &error);
  g_assert_null (status);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "777"));
}

// The model of the second run goes back through train (run 2) to the
// prepare step of run 1 (reused) and from there to raw.txt.
static void
test_lineage (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceLineageNode) root = NULL;
  g_autofree char *model = NULL;
  g_autofree char *expected_source = g_build_filename (f->dir, "project", "raw.txt", NULL);
  g_autofree char *canonical_source = g_canonicalize_filename (expected_source, NULL);
  g_autoptr(JsonNode) json = NULL;
  SluiceLineageNode *prepared, *raw;
  gint64 first, second;

  first = run_pipeline (f, -1);
  second = run_pipeline (f, 0.3);

  model = sluice_lineage_find_output (f->history, second, "train", "model", &error);
  g_assert_no_error (error);
  root = sluice_lineage_build (f->history, model, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (root->hash, ==, model);
  g_assert_cmpint (root->run_id, ==, second);
  g_assert_cmpstr (root->step_id, ==, "train");
  g_assert_cmpstr (root->output, ==, "model");
  g_assert_cmpuint (root->inputs->len, ==, 1);

  prepared = g_ptr_array_index (root->inputs, 0);
  g_assert_cmpstr (prepared->port, ==, "data");
  g_assert_cmpstr (prepared->step_id, ==, "prepare");
  g_assert_cmpint (prepared->run_id, ==, first);
  g_assert_cmpstr (prepared->output, ==, "out");
  g_assert_cmpuint (prepared->inputs->len, ==, 1);

  raw = g_ptr_array_index (prepared->inputs, 0);
  g_assert_null (raw->step_id);
  g_assert_cmpint (raw->run_id, ==, 0);
  g_assert_cmpstr (raw->port, ==, "data");
  g_assert_cmpstr (raw->source_path, ==, canonical_source);
  g_assert_cmpuint (raw->inputs->len, ==, 0);

  json = sluice_lineage_to_json (root);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "step"), ==, "train");

  // Bad input gets an error that says what was wrong.
  g_clear_pointer (&root, sluice_lineage_node_free);
  root = sluice_lineage_build (f->history, "0123456789abcdef", &error);
  g_assert_null (root);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "0123456789abcdef"));
  g_clear_error (&error);
  g_assert_null (sluice_lineage_find_output (f->history, second, "train", "nope", &error));
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nope"));
}

static void
test_status_from_history (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunStatus) first = NULL;
  g_autoptr(SluiceRunStatus) second = NULL;
  g_autofree char *model = NULL;
  gint64 id1, id2;

  id1 = run_pipeline (f, -1);
  id2 = run_pipeline (f, 0.05);

  first = sluice_run_status_new_from_history (f->history, id1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sluice_run_status_get_run_id (first), ==, id1);
  g_assert_cmpint (sluice_run_status_get_state (first), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (sluice_run_status_get_n_steps (first), ==, 2);
  g_assert_cmpint (sluice_run_status_get_step_state (first, "prepare"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_status_get_step_state (first, "train"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (sluice_run_status_get_step_attempt (first, "train"), ==, 1);
  g_assert_cmpuint (sluice_run_status_count_finished (first), ==, 2);
  g_assert_cmpint (sluice_run_status_get_started_at (first), >, 0);

  second = sluice_run_status_new_from_history (f->history, id2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sluice_run_status_get_state (second), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_status_get_step_state (second, "prepare"), ==, SLUICE_STATE_REUSED);
  g_assert_cmpint (sluice_run_status_get_step_state (second, "train"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (sluice_run_status_count_state (second, SLUICE_STATE_REUSED), ==, 1);
  // The reused step shows the outputs it took over.
  g_assert_cmpstr (sluice_run_status_get_output_hash (second, "prepare", "out"), ==,
                   sluice_run_status_get_output_hash (first, "prepare", "out"));
  model = sluice_lineage_find_output (f->history, id2, "train", "model", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_run_status_get_output_hash (second, "train", "model"), ==, model);
}

// A past run's pipeline in a read-only document: loaded from the
// recorded text even after the file changed, and no command sticks.
static void
test_read_only_document (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(SluiceDocument) past = sluice_document_new (f->registry);
  const char *ids[] = { "train", NULL };
  double x0, y0, x1, y1;
  gint64 id;

  id = run_pipeline (f, -1);
  record = sluice_history_get_run (f->history, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (f->pipeline_path, "{\"sluice\": 1, \"name\": \"changed\", \"jobs\": {}}", -1, NULL));

  g_assert_true (sluice_document_load_data (past, record->pipeline_json, f->pipeline_path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_pipeline_get_steps (sluice_document_get_pipeline (past))->len, ==, 2);
  g_assert_nonnull (sluice_document_get_component (past, sluice_pipeline_find_step (sluice_document_get_pipeline (past), "train")));

  sluice_document_set_read_only (past, TRUE);
  g_assert_true (sluice_document_get_read_only (past));
  g_assert_true (sluice_document_get_position (past, "train", &x0, &y0));
  sluice_document_move_steps (past, ids, 100, 50);
  g_assert_true (sluice_document_get_position (past, "train", &x1, &y1));
  g_assert_cmpfloat (x0, ==, x1);
  g_assert_cmpfloat (y0, ==, y1);
  sluice_document_remove_steps (past, ids);
  g_assert_nonnull (sluice_pipeline_find_step (sluice_document_get_pipeline (past), "train"));
  g_assert_false (sluice_document_can_undo (past));
  g_assert_false (sluice_document_get_modified (past));

  g_assert_false (sluice_document_load_data (past, "{not json", f->pipeline_path, &error));
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/run-compare/parameters-and-metrics", test_parameters_and_metrics);
  ADD ("/run-compare/reused-metrics", test_reused_metrics);
  ADD ("/run-compare/code-difference", test_code_difference);
  ADD ("/run-compare/unknown-run", test_unknown_run);
  ADD ("/run-compare/lineage", test_lineage);
  ADD ("/run-compare/status-from-history", test_status_from_history);
  ADD ("/run-compare/read-only-document", test_read_only_document);
#undef ADD

  return g_test_run ();
}
