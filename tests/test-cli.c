// SPDX-License-Identifier: GPL-3.0-or-later
//
// Runs the real `sluice` binary (named by $SLUICE_CLI) and checks what a
// user sees: output, errors and exit codes.

#include "config.h"

#include <string.h>

#include "sluice.h"

typedef struct
{
  char *out;
  char *err;
  int   status;
} Result;

static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static Result
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Result r = { NULL, NULL, -1 };
  int wait_status = 0;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("SLUICE_CLI"));
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &r.out, &r.err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r.status = WEXITSTATUS (wait_status);
  return r;
}

static char *
data_path (const char *first,
           ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, (char *) g_test_get_dir (G_TEST_DIST));
  g_ptr_array_add (parts, (char *) "data");
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected to find «%s» in:\n%s", needle, haystack);
}

static void
test_version_and_help (void)
{
  g_auto(Result) v = run_cli ("--version", NULL);
  g_auto(Result) h = run_cli ("--help", NULL);
  g_auto(Result) none = run_cli (NULL, NULL);
  g_auto(Result) bad = run_cli ("frobnicate", NULL);
  const char *commands[] = { "validate", "show", "components", "fmt" };

  g_assert_cmpint (v.status, ==, 0);
  g_assert_cmpstr (v.out, ==, "sluice " PACKAGE_VERSION "\n");
  g_assert_cmpint (h.status, ==, 0);
  assert_contains (h.out, "validate");
  g_assert_cmpint (none.status, ==, 2);
  assert_contains (none.err, "Usage:");
  g_assert_cmpint (bad.status, ==, 2);
  assert_contains (bad.err, "unknown command 'frobnicate'");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(Result) r = run_cli (commands[i], "--help", NULL);

      g_assert_cmpint (r.status, ==, 0);
      assert_contains (r.out, "Usage:");
    }
}

static void
test_validate_valid (void)
{
  g_autofree char *path = data_path ("valid", "basic.sluice.json", NULL);
  g_auto(Result) r = run_cli ("validate", path, NULL);
  g_autofree char *expected = g_strdup_printf ("%s: ok\n", path);

  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, expected);
  g_assert_cmpstr (r.err, ==, "");
}

static void
test_validate_invalid (void)
{
  g_autofree char *path = data_path ("invalid", "param-out-of-range.sluice.json", NULL);
  g_autofree char *valid = data_path ("valid", "basic.sluice.json", NULL);
  g_auto(Result) r = run_cli ("validate", valid, path, NULL);
  g_autofree char *expected = g_strdup_printf (
    "%s: ok\n"
    "%s:22:26: error: input 'learning_rate' of step 'train': 1.5 is out of range [0, 1] "
    "[/jobs/train/inputs/learning_rate]\n", valid, path);

  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, expected);
}

static void
test_validate_json (void)
{
  g_autofree char *path = data_path ("invalid", "cycle-two-steps.sluice.json", NULL);
  g_auto(Result) r = run_cli ("validate", "--json", path, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *file;
  JsonArray *problems;
  JsonObject *problem;

  g_assert_cmpint (r.status, ==, 1);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  file = json_array_get_object_element (json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "files"), 0);
  g_assert_false (json_object_get_boolean_member (file, "valid"));
  problems = json_object_get_array_member (file, "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 2);
  problem = json_array_get_object_element (problems, 0);
  g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==, "isolated-step");
  g_assert_cmpstr (json_object_get_string_member (problem, "severity"), ==, "warning");
  problem = json_array_get_object_element (problems, 1);
  g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==, "cycle");
  g_assert_cmpstr (json_object_get_string_member (problem, "pointer"), ==, "/jobs/a");
  g_assert_cmpint (json_object_get_int_member (problem, "line"), >, 0);
  assert_contains (json_object_get_string_member (problem, "message"), "a → b → a");
}

static void
test_validate_io_errors (void)
{
  g_autofree char *dir = data_path ("valid", NULL);
  g_auto(Result) missing = run_cli ("validate", "/nonexistent/p.sluice.json", NULL);
  g_auto(Result) folder = run_cli ("validate", dir, NULL);
  g_auto(Result) nothing = run_cli ("validate", NULL);
  g_auto(Result) bad_option = run_cli ("validate", "--no-such-option", NULL);

  g_assert_cmpint (missing.status, ==, 2);
  assert_contains (missing.err, "/nonexistent/p.sluice.json: no such file");
  g_assert_cmpstr (missing.out, ==, "");
  g_assert_cmpint (folder.status, ==, 2);
  assert_contains (folder.err, "is a folder");
  g_assert_cmpint (nothing.status, ==, 2);
  g_assert_cmpint (bad_option.status, ==, 2);
}

static void
test_validate_malformed (void)
{
  g_autofree char *path = data_path ("invalid", "malformed-trailing-comma.sluice.json", NULL);
  g_auto(Result) r = run_cli ("validate", path, NULL);
  g_autofree char *expected = g_strdup_printf ("%s:4:1: error: expected a key in double quotes but found '}'\n", path);

  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, expected);
}

static void
test_show (void)
{
  g_autofree char *path = data_path ("valid", "basic.sluice.json", NULL);
  g_auto(Result) r = run_cli ("show", path, NULL);
  g_auto(Result) dot = run_cli ("show", "--dot", path, NULL);
  const char *make, *train, *score;

  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "basic — Basic pipeline\n3 steps\n");
  make = strstr (r.out, "0     make");
  train = strstr (r.out, "1     train (Train the model)");
  score = strstr (r.out, "2     score");
  g_assert_nonnull (make);
  g_assert_nonnull (train);
  g_assert_nonnull (score);
  g_assert_true (make < train && train < score);
  assert_contains (r.out, "in  epochs = ${{parent.inputs.epochs}}");

  g_assert_cmpint (dot.status, ==, 0);
  g_assert_true (g_str_has_prefix (dot.out, "digraph \"basic\" {"));
  assert_contains (dot.out, "\"make\" -> \"train\" [label=\"table → data\"];");
  assert_contains (dot.out, "\"input:source\" -> \"make\" [label=\"source\"];");
}

static void
test_show_cycle_and_errors (void)
{
  g_autofree char *cycle = data_path ("invalid", "cycle-three-with-downstream.sluice.json", NULL);
  g_autofree char *malformed = data_path ("invalid", "malformed-truncated.sluice.json", NULL);
  g_auto(Result) r = run_cli ("show", cycle, NULL);
  g_auto(Result) m = run_cli ("show", malformed, NULL);
  g_auto(Result) missing = run_cli ("show", "/nonexistent.sluice.json", NULL);

  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.out, "make");
  assert_contains (r.err, "4 steps in or after a cycle cannot run");
  g_assert_cmpint (m.status, ==, 1);
  assert_contains (m.err, "malformed-truncated.sluice.json:5:1: expected a key in double quotes but found end of file");
  g_assert_cmpint (missing.status, ==, 2);
}

static void
test_components (void)
{
  g_autofree char *dir = data_path ("components", NULL);
  g_auto(Result) list = run_cli ("components", "list", "--components", dir, NULL);
  g_auto(Result) json = run_cli ("components", "list", "--json", "--components", dir, NULL);
  g_auto(Result) show = run_cli ("components", "show", "train", "--components", dir, NULL);
  g_auto(Result) show_version = run_cli ("components", "show", "train@2", "--components", dir, NULL);
  g_auto(Result) unknown = run_cli ("components", "show", "nope", "--components", dir, NULL);
  g_auto(Result) usage = run_cli ("components", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpint (list.status, ==, 0);
  assert_contains (list.out, "make_table");
  assert_contains (list.out, "score");
  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, NULL));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), >=, 3);
  g_assert_cmpint (show.status, ==, 0);
  assert_contains (show.out, "train@2 — Train");
  assert_contains (show.out, "learning_rate            number         default=0.1 range=[0, 1]");
  assert_contains (show.out, "optimizer                string         default=adam one of adam|sgd");
  g_assert_cmpint (show_version.status, ==, 0);
  g_assert_cmpint (unknown.status, ==, 1);
  assert_contains (unknown.err, "unknown component 'nope'");
  g_assert_cmpint (usage.status, ==, 2);
}

static char *
copy_to_temp (const char *source,
              const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-XXXXXX", NULL);
  g_autofree char *text = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_get_contents (source, &text, NULL, NULL));
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_fmt (void)
{
  const char *messy = "{\"jobs\":{\"a\":{\"inputs\":{\"x\":1.50},\"component\":\"builtin:c@1\"}},"
                      "\"x-mine\":true,\"sluice\":1,\"name\":\"m\"}";
  g_autofree char *dir = g_dir_make_tmp ("sluice-fmt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "m.sluice.json", NULL);
  g_autofree char *after = NULL;
  g_autofree char *canonical = data_path ("valid", "basic.sluice.json", NULL);

  g_assert_true (g_file_set_contents (path, messy, -1, NULL));
  {
    g_auto(Result) check = run_cli ("fmt", "--check", path, NULL);

    g_assert_cmpint (check.status, ==, 1);
    assert_contains (check.out, "not in canonical form");
  }
  {
    g_auto(Result) r = run_cli ("fmt", path, NULL);

    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
    g_assert_cmpstr (after, ==,
                     "{\n"
                     "  \"sluice\": 1,\n"
                     "  \"name\": \"m\",\n"
                     "  \"jobs\": {\n"
                     "    \"a\": {\n"
                     "      \"component\": \"builtin:c@1\",\n"
                     "      \"inputs\": {\"x\": 1.5}\n"
                     "    }\n"
                     "  },\n"
                     "  \"x-mine\": true\n"
                     "}\n");
  }
  {
    g_auto(Result) again = run_cli ("fmt", "--check", path, NULL);
    g_auto(Result) already = run_cli ("fmt", "--check", canonical, NULL);

    g_assert_cmpint (again.status, ==, 0);
    g_assert_cmpint (already.status, ==, 0);
    g_assert_cmpstr (already.out, ==, "");
  }
}

static void
test_fmt_refuses_broken (void)
{
  g_autofree char *source = data_path ("invalid", "malformed-truncated.sluice.json", NULL);
  g_autofree char *path = copy_to_temp (source, "broken.sluice.json");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_auto(Result) r = run_cli ("fmt", path, NULL);

  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "found end of file");
  // The user's file is never replaced by what little could be read.
  g_assert_true (g_file_get_contents (source, &before, NULL, NULL));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

static void
test_fmt_refuses_lossy (void)
{
  g_autofree char *source = data_path ("invalid", "wrong-field-types.sluice.json", NULL);
  g_autofree char *path = copy_to_temp (source, "lossy.sluice.json");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_auto(Result) r = run_cli ("fmt", path, NULL);

  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "saving would lose part of the file");
  assert_contains (r.err, "'name' must be a string, not a number");
  g_assert_true (g_file_get_contents (source, &before, NULL, NULL));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
}

static void
test_fmt_component (void)
{
  g_autofree char *source = data_path ("components", "train.component.json", NULL);
  g_auto(Result) r = run_cli ("fmt", "--check", source, NULL);

  g_assert_cmpint (r.status, ==, 0);
}

static char *
example_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "..", "examples", name, NULL);
}

static void
test_run_example (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *example = example_path ("summarize-csv.sluice.json");

  {
    g_auto(Result) r = run_cli ("run", "--store", store, example, NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "run 1\n");
    assert_contains (r.out, "import                   succeeded");
    assert_contains (r.out, "summarize                succeeded");
    assert_contains (r.out, "metric rows = 30");
  }
  {
    // Nothing changed: nothing runs again.
    g_auto(Result) r = run_cli ("run", "--store", store, example, NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "import                   reused");
    assert_contains (r.out, "summarize                reused");
  }
  {
    g_auto(Result) list = run_cli ("runs", "list", "--store", store, NULL);
    g_auto(Result) show = run_cli ("runs", "show", "1", "--store", store, NULL);
    g_auto(Result) show2 = run_cli ("runs", "show", "2", "--store", store, NULL);

    g_assert_cmpint (list.status, ==, 0);
    assert_contains (list.out, "2      succeeded    summarize_csv");
    assert_contains (list.out, "1      succeeded    summarize_csv");
    assert_contains (show.out, "run 1: succeeded");
    assert_contains (show.out, "→ summary");
    assert_contains (show2.out, "outputs from run 1");
  }
  {
    g_auto(Result) logs = run_cli ("logs", "1", "import", "--store", store, NULL);
    g_auto(Result) metrics = run_cli ("metrics", "1", "--store", store, NULL);
    g_auto(Result) lineage = run_cli ("lineage", "1", "summarize", "summary", "--store", store, NULL);

    g_assert_cmpint (logs.status, ==, 0);
    assert_contains (logs.out, "# attempt 1: /usr/bin/python3");
    assert_contains (metrics.out, "rows");
    g_assert_cmpint (lineage.status, ==, 0);
    assert_contains (lineage.out, "output 'summary' of step 'summarize' in run 1");
    assert_contains (lineage.out, "input 'data':");
    assert_contains (lineage.out, "output 'data' of step 'import' in run 1");
    assert_contains (lineage.out, "a source: read from the user's files");
  }
  {
    g_auto(Result) dry = run_cli ("gc", "--dry-run", "--store", store, NULL);

    g_assert_cmpint (dry.status, ==, 0);
    assert_contains (dry.out, "would remove 0 artifacts");
  }

  sluice_file_remove_tree (dir, NULL);
}

// `runs compare`: the same comparison the app shows, as a table or JSON.
static void
test_runs_compare (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-compare-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *pipeline = data_path ("history", "history.sluice.json", NULL);

  {
    g_auto(Result) r1 = run_cli ("run", "--store", store, pipeline, NULL);
    g_auto(Result) r2 = run_cli ("run", "--store", store, pipeline, "--set", "learning_rate=0.2", NULL);

    g_assert_cmpint (r1.status, ==, 0);
    g_assert_cmpint (r2.status, ==, 0);
  }
  {
    g_auto(Result) table = run_cli ("runs", "compare", "1", "2", "--store", store, NULL);

    g_assert_cmpint (table.status, ==, 0);
    assert_contains (table.out, "input      -                        learning_rate        0.1                0.2");
    assert_contains (table.out, "parameter  train                    learning_rate");
    assert_contains (table.out, "*0.216");
  }
  {
    g_auto(Result) json = run_cli ("runs", "compare", "1", "2", "--json", "--store", store, NULL);
    g_autoptr(JsonNode) root = NULL;
    JsonArray *metrics;

    g_assert_cmpint (json.status, ==, 0);
    root = json_from_string (json.out, NULL);
    g_assert_nonnull (root);
    metrics = json_object_get_array_member (json_node_get_object (root), "metrics");
    g_assert_cmpuint (json_array_get_length (metrics), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (metrics, 1), "best_run"), ==, 2);
  }
  {
    g_auto(Result) unknown = run_cli ("runs", "compare", "1", "9", "--store", store, NULL);
    g_auto(Result) one = run_cli ("runs", "compare", "1", "--store", store, NULL);

    g_assert_cmpint (unknown.status, ==, 1);
    assert_contains (unknown.err, "there is no run 9");
    g_assert_cmpint (one.status, ==, 2);
    assert_contains (one.err, "two or more");
  }

  sluice_file_remove_tree (dir, NULL);
}

static void
test_run_json_and_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *example = example_path ("train-baseline.sluice.json");
  g_autofree char *invalid = data_path ("invalid", "cycle-two-steps.sluice.json", NULL);

  {
    g_auto(Result) r = run_cli ("run", "--json", "--store", store, "--set", "seed=7", example, NULL);
    g_auto(GStrv) lines = NULL;
    guint n;
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *last;

    g_assert_cmpint (r.status, ==, 0);
    lines = g_strsplit (g_strstrip (r.out), "\n", -1);
    n = g_strv_length (lines);
    g_assert_cmpuint (n, >, 5);
    for (guint i = 0; i < n; i++)
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
    last = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (last, "event"), ==, "run-state");
    g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "succeeded");
  }
  {
    g_auto(Result) unknown = run_cli ("run", "--store", store, "--set", "nope=1", example, NULL);
    g_auto(Result) bad_type = run_cli ("run", "--store", store, "--set", "seed=abc", example, NULL);
    g_auto(Result) no_equals = run_cli ("run", "--store", store, "--set", "seed", example, NULL);
    g_auto(Result) bad_force = run_cli ("run", "--store", store, "--force", "ghost", example, NULL);
    g_auto(Result) cycle = run_cli ("run", "--store", store, invalid, NULL);

    g_assert_cmpint (unknown.status, ==, 2);
    assert_contains (unknown.err, "the pipeline has no input 'nope'");
    g_assert_cmpint (bad_type.status, ==, 2);
    assert_contains (bad_type.err, "'abc' is not a valid integer");
    g_assert_cmpint (no_equals.status, ==, 2);
    g_assert_cmpint (bad_force.status, ==, 2);
    assert_contains (bad_force.err, "no step 'ghost'");
    g_assert_cmpint (cycle.status, ==, 1);
    assert_contains (cycle.err, "steps form a cycle");
  }

  sluice_file_remove_tree (dir, NULL);
}

static void
test_run_unusable_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *blocker = g_build_filename (dir, "not-a-folder", NULL);
  g_autofree char *store = g_build_filename (blocker, "store", NULL);
  g_autofree char *example = example_path ("summarize-csv.sluice.json");
  g_autofree char *after = NULL;

  // A store that cannot be created (a file is in the way): a clear error,
  // and nothing of the user's touched.
  g_assert_true (g_file_set_contents (blocker, "precious", -1, NULL));
  {
    g_auto(Result) r = run_cli ("run", "--store", store, example, NULL);

    g_assert_cmpint (r.status, ==, 2);
    assert_contains (r.err, "cannot open the store");
  }
  g_assert_true (g_file_get_contents (blocker, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, "precious");

  sluice_file_remove_tree (dir, NULL);
}

static void
test_run_failure_exit_code (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *engine = data_path ("engine", "fail.component.json", NULL);
  g_autofree char *pipeline = g_build_filename (dir, "fail.sluice.json", NULL);
  g_autofree char *text = g_strdup_printf ("{\"sluice\": 1, \"jobs\": {\"f\": {\"component\": \"file:%s\", "
                                           "\"inputs\": {\"code\": 3}}}}", engine);

  g_assert_true (g_file_set_contents (pipeline, text, -1, NULL));
  {
    g_auto(Result) r = run_cli ("run", "--store", store, pipeline, NULL);
    g_auto(Result) logs = run_cli ("logs", "1", "--store", store, NULL);

    g_assert_cmpint (r.status, ==, 1);
    assert_contains (r.out, "f                        failed: exited with status 3");
    assert_contains (logs.out, "! failing with 3");
  }
  {
    // The failed step's work folder was kept for debugging; gc removes it.
    g_auto(Result) dry = run_cli ("gc", "--dry-run", "--store", store, NULL);
    g_auto(Result) gc = run_cli ("gc", "--store", store, NULL);
    g_auto(Result) again = run_cli ("gc", "--store", store, NULL);

    assert_contains (dry.out, "would remove 1 work folder of finished runs");
    assert_contains (gc.out, "removed 1 work folder of finished runs");
    assert_contains (again.out, "removed 0 work folders of finished runs");
  }

  sluice_file_remove_tree (dir, NULL);
}

static void
test_run_detach_and_cancel (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *engine = data_path ("engine", "sleeper.component.json", NULL);
  g_autofree char *pipeline = g_build_filename (dir, "sleep.sluice.json", NULL);
  g_autofree char *text = g_strdup_printf ("{\"sluice\": 1, \"jobs\": {\"s\": {\"component\": \"file:%s\", "
                                           "\"inputs\": {\"seconds\": 60}}}}", engine);
  gboolean running = FALSE;

  g_assert_true (g_file_set_contents (pipeline, text, -1, NULL));
  {
    g_auto(Result) r = run_cli ("run", "--detach", "--store", store, pipeline, NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "run 1 started in the background");
  }

  // The runner goes on without us; wait until it has started the step.
  for (guint i = 0; i < 100 && !running; i++)
    {
      g_auto(Result) show = run_cli ("runs", "show", "1", "--store", store, NULL);

      running = strstr (show.out, "s                        running") != NULL;
      if (!running)
        g_usleep (50 * 1000);
    }
  g_assert_true (running);

  {
    g_auto(Result) cancel = run_cli ("cancel", "1", "--store", store, NULL);
    g_auto(Result) follow = run_cli ("logs", "1", "--follow", "--store", store, NULL);
    g_auto(Result) show = run_cli ("runs", "show", "1", "--store", store, NULL);
    g_auto(Result) again = run_cli ("cancel", "1", "--store", store, NULL);

    g_assert_cmpint (cancel.status, ==, 0);
    // --follow returns once the run is over.
    assert_contains (follow.out, "cancelled");
    assert_contains (show.out, "run 1: cancelled");
    g_assert_cmpint (again.status, ==, 1);
  }

  sluice_file_remove_tree (dir, NULL);
}

// One step cancelled from outside, through a request the runner picks up:
// the step ends cancelled, what needs its output is skipped, the others run.
static void
test_cancel_step (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-run-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *sleeper = data_path ("engine", "sleeper.component.json", NULL);
  g_autofree char *concat = data_path ("engine", "concat.component.json", NULL);
  g_autofree char *produce = data_path ("engine", "produce.component.json", NULL);
  g_autofree char *pipeline = g_build_filename (dir, "sleep.sluice.json", NULL);
  g_autofree char *requests = g_build_filename (store, "requests", "run1", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"jobs\": {"
    "\"slow\": {\"component\": \"file:%s\", \"inputs\": {\"seconds\": 60}},"
    "\"after\": {\"component\": \"file:%s\", \"inputs\": {\"a\": \"${{parent.jobs.slow.outputs.out}}\"}},"
    "\"other\": {\"component\": \"file:%s\"}}}", sleeper, concat, produce);
  gboolean running = FALSE;

  g_assert_true (g_file_set_contents (pipeline, text, -1, NULL));
  {
    g_auto(Result) r = run_cli ("run", "--detach", "--store", store, pipeline, NULL);

    g_assert_cmpint (r.status, ==, 0);
  }
  for (guint i = 0; i < 200 && !running; i++)
    {
      g_auto(Result) show = run_cli ("runs", "show", "1", "--store", store, NULL);

      running = g_regex_match_simple ("^slow +running", show.out, G_REGEX_MULTILINE, 0);
      if (!running)
        g_usleep (50 * 1000);
    }
  g_assert_true (running);

  {
    g_auto(Result) cancel = run_cli ("cancel", "1", "--step", "slow", "--store", store, NULL);
    g_auto(Result) follow = run_cli ("logs", "1", "--follow", "--store", store, NULL);
    g_auto(Result) show = run_cli ("runs", "show", "1", "--store", store, NULL);

    g_assert_cmpint (cancel.status, ==, 0);
    assert_contains (cancel.out, "cancelling step slow of run 1");
    g_assert_true (g_regex_match_simple ("^slow +cancelled", show.out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^after +skipped", show.out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^other +succeeded", show.out, G_REGEX_MULTILINE, 0));
    // The runner took the request and cleaned up when the run ended.
    g_assert_false (g_file_test (requests, G_FILE_TEST_EXISTS));
  }

  sluice_file_remove_tree (dir, NULL);
}

// `sluice new --from` copies an example elsewhere; it still finds its data
// and runs, the same as the example in place.
static void
test_new_from_example (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sluice-cli-new-XXXXXX", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *copy = g_build_filename (dir, "sub", "mine.sluice.json", NULL);
  g_autofree char *sub = g_path_get_dirname (copy);
  g_autofree char *empty = g_build_filename (dir, "empty one.sluice.json", NULL);
  g_autofree char *text = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  {
    g_auto(Result) r = run_cli ("examples", NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "summarize_csv");
    assert_contains (r.out, "regression_diabetes");
  }
  {
    g_auto(Result) r = run_cli ("new", "--from", "summarize_csv", copy, NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "created");
  }
  {
    g_auto(Result) r = run_cli ("run", "--store", store, copy, NULL);

    g_assert_cmpint (r.status, ==, 0);
    assert_contains (r.out, "metric rows = 30");
  }
  {
    // Never over an existing file, and a clear word for a wrong name.
    g_auto(Result) again = run_cli ("new", "--from", "summarize_csv", copy, NULL);
    g_auto(Result) unknown = run_cli ("new", "--from", "no_such_example", empty, NULL);

    g_assert_cmpint (again.status, ==, 1);
    assert_contains (again.err, "already exists");
    g_assert_cmpint (unknown.status, ==, 1);
    assert_contains (unknown.err, "there is no example 'no_such_example'");
  }
  {
    g_auto(Result) r = run_cli ("new", empty, NULL);
    g_auto(Result) v = run_cli ("validate", empty, NULL);

    g_assert_cmpint (r.status, ==, 0);
    g_assert_true (g_file_get_contents (empty, &text, NULL, NULL));
    assert_contains (text, "\"name\": \"empty_one\"");
    // It reads back; what it lacks is steps, and validate says just that.
    g_assert_cmpint (v.status, ==, 1);
    assert_contains (v.out, "the pipeline has no steps");
  }
  sluice_file_remove_tree (dir, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("SLUICE_CLI") == NULL)
    g_error ("SLUICE_CLI must name the sluice binary to test");

  g_test_add_func ("/cli/version-and-help", test_version_and_help);
  g_test_add_func ("/cli/validate-valid", test_validate_valid);
  g_test_add_func ("/cli/validate-invalid", test_validate_invalid);
  g_test_add_func ("/cli/validate-json", test_validate_json);
  g_test_add_func ("/cli/validate-io-errors", test_validate_io_errors);
  g_test_add_func ("/cli/validate-malformed", test_validate_malformed);
  g_test_add_func ("/cli/show", test_show);
  g_test_add_func ("/cli/show-cycle-and-errors", test_show_cycle_and_errors);
  g_test_add_func ("/cli/components", test_components);
  g_test_add_func ("/cli/fmt", test_fmt);
  g_test_add_func ("/cli/fmt-refuses-broken", test_fmt_refuses_broken);
  g_test_add_func ("/cli/fmt-refuses-lossy", test_fmt_refuses_lossy);
  g_test_add_func ("/cli/fmt-component", test_fmt_component);
  g_test_add_func ("/cli/run-example", test_run_example);
  g_test_add_func ("/cli/runs-compare", test_runs_compare);
  g_test_add_func ("/cli/new-from-example", test_new_from_example);
  g_test_add_func ("/cli/run-json-and-errors", test_run_json_and_errors);
  g_test_add_func ("/cli/run-failure-exit-code", test_run_failure_exit_code);
  g_test_add_func ("/cli/run-unusable-store", test_run_unusable_store);
  g_test_add_func ("/cli/run-detach-and-cancel", test_run_detach_and_cancel);
  g_test_add_func ("/cli/cancel-step", test_cancel_step);

  return g_test_run ();
}
