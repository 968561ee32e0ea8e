// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "sluice.h"

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static SluicePipeline *
load_text (const char *text,
           const char *path)
{
  g_autoptr(GError) error = NULL;
  SluicePipeline *pipeline = sluice_pipeline_load_data (text, strlen (text), path, &error);

  g_assert_no_error (error);
  return pipeline;
}

static void
assert_round_trip (const char *path)
{
  g_autofree char *original = read_text (path);
  g_autoptr(SluicePipeline) pipeline = load_text (original, path);
  g_autofree char *saved = sluice_pipeline_to_data (pipeline);

  g_assert_cmpstr (saved, ==, original);
}

static void
round_trip_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".sluice.json"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        assert_round_trip (path);
        count++;
      }
  g_assert_cmpuint (count, >, 0);
}

// A file Sluice wrote loads and saves back byte for byte.
static void
test_round_trip_files (void)
{
  g_autofree char *valid = g_test_build_filename (G_TEST_DIST, "data", "valid", NULL);
  g_autofree char *examples = g_test_build_filename (G_TEST_DIST, "..", "examples", NULL);

  round_trip_dir (valid);
  round_trip_dir (examples);
}

static void
test_unknown_keys_kept (void)
{
  const char *text =
    "{\"x-editor\": {\"theme\": \"dark\"}, \"future_top\": [1, 2], \"jobs\": {\"a\": {\"timeout_v9\": 30,\n"
    "\"component\": \"builtin:x@1\", \"inputs\": {\"p\": 1}}}, \"sluice\": 1,\n"
    "\"settings\": {\"future_setting\": true, \"force_rerun\": true},\n"
    "\"inputs\": {\"lit\": 0.5, \"obj\": {\"type\": \"uri_file\", \"path\": \"a.csv\", \"future\": 1}}}";
  g_autoptr(SluicePipeline) pipeline = load_text (text, NULL);
  g_autofree char *saved = sluice_pipeline_to_data (pipeline);
  g_autoptr(SluicePipeline) again = load_text (saved, NULL);
  g_autofree char *saved_again = sluice_pipeline_to_data (again);

  g_assert_cmpstr (saved, ==,
                   "{\n"
                   "  \"sluice\": 1,\n"
                   "  \"inputs\": {\n"
                   "    \"lit\": 0.5,\n"
                   "    \"obj\": {\n"
                   "      \"type\": \"uri_file\",\n"
                   "      \"path\": \"a.csv\",\n"
                   "      \"future\": 1\n"
                   "    }\n"
                   "  },\n"
                   "  \"settings\": {\"force_rerun\": true, \"future_setting\": true},\n"
                   "  \"jobs\": {\n"
                   "    \"a\": {\n"
                   "      \"component\": \"builtin:x@1\",\n"
                   "      \"inputs\": {\"p\": 1},\n"
                   "      \"timeout_v9\": 30\n"
                   "    }\n"
                   "  },\n"
                   "  \"x-editor\": {\n"
                   "    \"theme\": \"dark\"\n"
                   "  },\n"
                   "  \"future_top\": [1, 2]\n"
                   "}\n");
  g_assert_cmpstr (saved, ==, saved_again);
}

static void
test_newer_version_refused (void)
{
  const char *text = "{\"sluice\": 7, \"jobs\": {}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_data (text, strlen (text), "p.sluice.json", &error);

  g_assert_null (pipeline);
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_UNSUPPORTED_VERSION);
  g_assert_nonnull (strstr (error->message, "newer Sluice"));
}

static void
test_malformed_refused (void)
{
  const char *text = "{\"sluice\": 1,\n \"jobs\": {]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_data (text, strlen (text), "p.sluice.json", &error);

  g_assert_null (pipeline);
  g_assert_error (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "p.sluice.json:2:11: "));
}

static void
test_build_and_edit (void)
{
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_new ();
  g_autoptr(SluiceStep) make = sluice_step_new ("make", "builtin:import_csv@1");
  g_autoptr(SluiceStep) sum = sluice_step_new ("sum", "builtin:summarize_data@1");
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GPtrArray) deps = NULL;
  g_autofree char *text = NULL;

  sluice_pipeline_set_name (pipeline, "built");
  json_node_set_string (value, "in.csv");
  sluice_step_set_input (make, sluice_binding_new_literal ("path", value));
  sluice_step_set_input (sum, sluice_binding_new_reference ("data", SLUICE_BINDING_STEP_OUTPUT, "make", "data"));
  sluice_pipeline_add_step (pipeline, make);
  sluice_pipeline_add_step (pipeline, sum);

  g_assert_true (sluice_pipeline_find_step (pipeline, "sum") == sum);
  deps = sluice_pipeline_get_step_dependencies (pipeline, sum);
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (g_ptr_array_index (deps, 0) == make);

  // Replacing a binding keeps its place.
  json_node_set_string (value, "other.csv");
  sluice_step_set_input (make, sluice_binding_new_literal ("path", value));
  g_assert_cmpuint (sluice_step_get_inputs (make)->len, ==, 1);

  text = sluice_pipeline_to_data (pipeline);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"sluice\": 1,\n"
                   "  \"name\": \"built\",\n"
                   "  \"jobs\": {\n"
                   "    \"make\": {\n"
                   "      \"component\": \"builtin:import_csv@1\",\n"
                   "      \"inputs\": {\n"
                   "        \"path\": \"other.csv\"\n"
                   "      }\n"
                   "    },\n"
                   "    \"sum\": {\n"
                   "      \"component\": \"builtin:summarize_data@1\",\n"
                   "      \"inputs\": {\n"
                   "        \"data\": \"${{parent.jobs.make.outputs.data}}\"\n"
                   "      }\n"
                   "    }\n"
                   "  }\n"
                   "}\n");

  g_assert_true (sluice_pipeline_remove_step (pipeline, "make"));
  g_assert_null (sluice_pipeline_find_step (pipeline, "make"));
  g_assert_false (sluice_pipeline_remove_step (pipeline, "make"));
}

static void
test_topological_levels (void)
{
  const char *text =
    "{\"sluice\": 1, \"jobs\": {"
    "\"d\": {\"component\": \"c\", \"inputs\": {\"x\": \"${{parent.jobs.b.outputs.o}}\", \"y\": \"${{parent.jobs.c.outputs.o}}\"}},"
    "\"b\": {\"component\": \"c\", \"inputs\": {\"x\": \"${{parent.jobs.a.outputs.o}}\"}},"
    "\"a\": {\"component\": \"c\"},"
    "\"c\": {\"component\": \"c\", \"inputs\": {\"x\": \"${{parent.jobs.b.outputs.o}}\"}},"
    "\"e\": {\"component\": \"c\"}}}";
  g_autoptr(SluicePipeline) pipeline = load_text (text, NULL);
  g_autoptr(GHashTable) levels = NULL;
  g_autoptr(GPtrArray) order = sluice_pipeline_topological_order (pipeline, &levels);
  const char *expected_order[] = { "a", "e", "b", "c", "d" };
  const guint expected_level[] = { 0, 0, 1, 2, 3 };

  g_assert_cmpuint (order->len, ==, 5);
  for (guint i = 0; i < order->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (order, i);

      g_assert_cmpstr (sluice_step_get_id (step), ==, expected_order[i]);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (levels, step)), ==, expected_level[i]);
    }
}

static void
test_long_chain_no_recursion (void)
{
  g_autoptr(GString) text = g_string_new ("{\"sluice\": 1, \"jobs\": {\"s0\": {\"component\": \"c\"}");
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) cycles = NULL;
  GPtrArray *cycle;
  const guint n = 20000;

  for (guint i = 1; i < n; i++)
    g_string_append_printf (text, ", \"s%u\": {\"component\": \"c\", \"inputs\": {\"x\": \"${{parent.jobs.s%u.outputs.o}}\"}}", i, i - 1);
  // Close the loop: the whole chain is one cycle.
  g_string_truncate (text, text->len);
  g_string_append (text, "}}");
  g_string_replace (text, "\"s0\": {\"component\": \"c\"}", "\"s0\": {\"component\": \"c\", \"inputs\": {\"x\": \"${{parent.jobs.s19999.outputs.o}}\"}}", 1);

  pipeline = load_text (text->str, NULL);
  order = sluice_pipeline_topological_order (pipeline, NULL);
  g_assert_cmpuint (order->len, ==, 0);
  cycles = sluice_pipeline_find_cycles (pipeline);
  g_assert_cmpuint (cycles->len, ==, 1);
  cycle = g_ptr_array_index (cycles, 0);
  g_assert_cmpuint (cycle->len, ==, n);
  g_assert_cmpstr (sluice_step_get_id (g_ptr_array_index (cycle, 0)), ==, "s0");
  g_assert_cmpstr (sluice_step_get_id (g_ptr_array_index (cycle, 1)), ==, "s1");
}

static char *
temp_file_with (const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-save-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, "p.sluice.json", NULL);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_save_atomic (void)
{
  const char *old_text = "{\"sluice\": 1, \"name\": \"old\", \"jobs\": {}}";
  g_autofree char *path = temp_file_with (old_text);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(SluicePipeline) pipeline = load_text (old_text, path);
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;

  sluice_pipeline_set_name (pipeline, "new");
  g_assert_true (sluice_pipeline_save (pipeline, NULL, &error));
  g_assert_no_error (error);
  saved = read_text (path);
  g_assert_nonnull (strstr (saved, "\"name\": \"new\""));
  g_assert_cmpuint (count_files (dir), ==, 1);

  // Saving over a folder fails and leaves it alone.
  g_assert_false (sluice_pipeline_save (pipeline, dir, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
}

// Runs in a child whose file size limit makes every write fail part-way.
static void
save_with_tiny_file_limit (void)
{
  struct rlimit limit = { 64, 64 };
  const char *path = g_getenv ("SLUICE_TEST_SAVE_PATH");
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_new ();
  g_autoptr(GError) error = NULL;

  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  sluice_pipeline_set_description (pipeline, "a description that is far longer than sixty-four bytes, "
                                             "so writing it must fail half-way");
  g_assert_false (sluice_pipeline_save (pipeline, path, &error));
  g_assert_nonnull (error);
  g_printerr ("save failed as expected: %s\n", error->message);
}

static void
test_failed_save_keeps_old_file (void)
{
  const char *old_text = "{\"sluice\": 1, \"name\": \"precious\", \"jobs\": {}}";
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *after = NULL;

  if (g_test_subprocess ())
    {
      save_with_tiny_file_limit ();
      return;
    }

  path = temp_file_with (old_text);
  dir = g_path_get_dirname (path);

  g_setenv ("SLUICE_TEST_SAVE_PATH", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*save failed as expected*");

  after = read_text (path);
  g_assert_cmpstr (after, ==, old_text);
  // No temporary file is left behind.
  g_assert_cmpuint (count_files (dir), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pipeline/round-trip-files", test_round_trip_files);
  g_test_add_func ("/pipeline/unknown-keys-kept", test_unknown_keys_kept);
  g_test_add_func ("/pipeline/newer-version-refused", test_newer_version_refused);
  g_test_add_func ("/pipeline/malformed-refused", test_malformed_refused);
  g_test_add_func ("/pipeline/build-and-edit", test_build_and_edit);
  g_test_add_func ("/pipeline/topological-levels", test_topological_levels);
  g_test_add_func ("/pipeline/long-chain-no-recursion", test_long_chain_no_recursion);
  g_test_add_func ("/pipeline/save-atomic", test_save_atomic);
  g_test_add_func ("/pipeline/failed-save-keeps-old-file", test_failed_save_keeps_old_file);

  return g_test_run ();
}
