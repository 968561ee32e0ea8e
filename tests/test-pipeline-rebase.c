// SPDX-License-Identifier: GPL-3.0-or-later
//
// Saving a pipeline in another folder keeps its references: relative paths
// are rewritten for the new folder, everything else is left as written.

#include "config.h"

#include <string.h>

#include "sluice.h"
#include "sluice-pipeline-rebase.h"

static void
test_relative_to (void)
{
  static const struct { const char *target, *dir, *expected; } cases[] = {
    { "/a/b/c.csv", "/a/b", "c.csv" },
    { "/a/b/c.csv", "/a/x", "../b/c.csv" },
    { "/a/b/c.csv", "/a/x/y/z", "../../../b/c.csv" },
    { "/a/b", "/a/b", "." },
    { "/a/b", "/a/b/c", ".." },
    { "/a/./b/../b/c", "/a//x/", "../b/c" },
    { "/ab/c", "/a/c", NULL },     // only the root in common
    { "/a/c", "/", "a/c" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *actual = sluice_path_relative_to (cases[i].target, cases[i].dir);

      g_assert_cmpstr (actual, ==, cases[i].expected);
    }
}

static char *
resolve_from (const char *dir,
              const char *path)
{
  g_autofree char *joined = g_build_filename (dir, path, NULL);

  return g_canonicalize_filename (joined, "/");
}

static const char *
step_literal (SluicePipeline *pipeline,
              const char     *step_id,
              const char     *port)
{
  const SluiceBinding *binding = sluice_step_get_input (sluice_pipeline_find_step (pipeline, step_id), port);

  return json_node_get_string (binding->literal);
}

#define PIPELINE \
  "{\"sluice\": 1, \"name\": \"moving\"," \
  " \"inputs\": {\"data\": {\"type\": \"uri_file\", \"path\": \"data/rows.csv\"}," \
  "            \"abs\": {\"type\": \"uri_folder\", \"path\": \"/usr\"}," \
  "            \"label\": {\"type\": \"string\", \"default\": \"data/not-a-path\"}}," \
  " \"jobs\": {" \
  "  \"load\": {\"component\": \"builtin:import_csv@1\", \"inputs\": {\"path\": \"more/other.csv\", \"delimiter\": \";\"}}," \
  "  \"own\": {\"component\": \"file:components/own.component.json\", \"inputs\": {\"text\": \"keep/me\"}}," \
  "  \"ref\": {\"component\": \"builtin:import_csv@1\", \"inputs\": {\"path\": \"${{parent.inputs.data}}\"}}}}"

#define OWN_COMPONENT \
  "{\"name\": \"own\", \"version\": \"1\", \"inputs\": {\"text\": {\"type\": \"string\"}}," \
  " \"outputs\": {\"out\": {\"type\": \"uri_file\"}}, \"command\": \"true ${{inputs.text}} ${{outputs.out}}\"}"

static void
test_rebase (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("sluice-rebase-XXXXXX", &error);
  g_autofree char *from = g_build_filename (root, "projects", "one", NULL);
  g_autofree char *to = g_build_filename (root, "elsewhere", "deep", NULL);
  g_autofree char *file = g_build_filename (from, "p.sluice.json", NULL);
  g_autofree char *components = g_build_filename (from, "components", NULL);
  g_autofree char *own = g_build_filename (components, "own.component.json", NULL);
  g_autofree char *data_dir = g_build_filename (from, "data", NULL);
  g_autofree char *rows = g_build_filename (data_dir, "rows.csv", NULL);
  g_autofree char *more_dir = g_build_filename (from, "more", NULL);
  g_autofree char *other = g_build_filename (more_dir, "other.csv", NULL);
  g_autofree char *moved_file = g_build_filename (to, "p.sluice.json", NULL);
  g_autofree char *actual_rows = NULL;
  g_autofree char *actual_other = NULL;
  g_autofree char *actual_own = NULL;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new_default ();
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  const SluicePipelineIO *io;
  guint changed;

  g_assert_cmpint (g_mkdir_with_parents (components, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (more_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  g_assert_true (g_file_set_contents (own, OWN_COMPONENT, -1, NULL));
  g_assert_true (g_file_set_contents (rows, "a,b\n1,2\n", -1, NULL));
  g_assert_true (g_file_set_contents (other, "a;b\n1;2\n", -1, NULL));
  g_assert_true (g_file_set_contents (file, PIPELINE, -1, NULL));

  pipeline = sluice_pipeline_load_file (file, &error);
  g_assert_no_error (error);
  changed = sluice_pipeline_rebase (pipeline, registry, from, to);
  // data, load.path and the own component; nothing else.
  g_assert_cmpuint (changed, ==, 3);

  io = sluice_pipeline_find_input (pipeline, "data");
  actual_rows = resolve_from (to, json_node_get_string (io->value));
  g_assert_cmpstr (actual_rows, ==, rows);
  g_assert_true (g_str_has_prefix (json_node_get_string (io->value), "../../"));
  io = sluice_pipeline_find_input (pipeline, "abs");
  g_assert_cmpstr (json_node_get_string (io->value), ==, "/usr");
  io = sluice_pipeline_find_input (pipeline, "label");
  g_assert_cmpstr (json_node_get_string (io->value), ==, "data/not-a-path");

  actual_other = resolve_from (to, step_literal (pipeline, "load", "path"));
  g_assert_cmpstr (actual_other, ==, other);
  g_assert_cmpstr (step_literal (pipeline, "load", "delimiter"), ==, ";");
  g_assert_cmpstr (step_literal (pipeline, "own", "text"), ==, "keep/me");
  g_assert_cmpint (sluice_step_get_input (sluice_pipeline_find_step (pipeline, "ref"), "path")->kind, ==,
                   SLUICE_BINDING_PIPELINE_INPUT);
  actual_own = resolve_from (to, sluice_step_get_component_ref (sluice_pipeline_find_step (pipeline, "own")) + strlen ("file:"));
  g_assert_cmpstr (actual_own, ==, own);

  // Saved in its new folder, it validates without a missing file.
  g_assert_true (sluice_pipeline_save (pipeline, moved_file, &error));
  g_assert_no_error (error);
  problems = sluice_validate_file (moved_file, registry);
  for (guint i = 0; i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);

      g_assert_cmpstr (problem->code, !=, "missing-file");
      g_assert_cmpint (problem->severity, !=, SLUICE_SEVERITY_ERROR);
    }

  // And back: the paths it had.
  g_assert_cmpuint (sluice_pipeline_rebase (pipeline, registry, to, from), ==, 3);
  io = sluice_pipeline_find_input (pipeline, "data");
  g_assert_cmpstr (json_node_get_string (io->value), ==, "data/rows.csv");
  g_assert_cmpstr (step_literal (pipeline, "load", "path"), ==, "more/other.csv");
  g_assert_cmpstr (sluice_step_get_component_ref (sluice_pipeline_find_step (pipeline, "own")), ==,
                   "file:components/own.component.json");

  sluice_file_remove_tree (root, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pipeline-rebase/relative-to", test_relative_to);
  g_test_add_func ("/pipeline-rebase/rebase", test_rebase);
  return g_test_run ();
}
