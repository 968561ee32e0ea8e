// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice.h"

static GPtrArray *
new_problems (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
}

static SluiceComponent *
load (const char *text,
      GPtrArray  *problems)
{
  return sluice_component_load_data (text, strlen (text), "/virtual/test.component.json", problems);
}

static gboolean
has_problem (GPtrArray  *problems,
             const char *code,
             const char *pointer)
{
  for (guint i = 0; i < problems->len; i++)
    {
      const SluiceProblem *p = g_ptr_array_index (problems, i);

      if (g_str_equal (p->code, code) && g_str_equal (p->pointer, pointer))
        return TRUE;
    }
  return FALSE;
}

static void
test_load_good (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "components", "train.component.json", NULL);
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(SluiceComponent) c = sluice_component_load_file (path, problems);
  const SluicePortSpec *lr;

  g_assert_nonnull (c);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (sluice_component_is_valid (c));
  g_assert_cmpstr (sluice_component_get_name (c), ==, "train");
  g_assert_cmpstr (sluice_component_get_version (c), ==, "2");
  g_assert_true (sluice_component_get_is_deterministic (c));
  g_assert_cmpuint (sluice_component_get_inputs (c)->len, ==, 5);
  g_assert_true (g_str_has_suffix (sluice_component_get_code_dir (c), "/components/code"));
  lr = sluice_component_find_input (c, "learning_rate");
  g_assert_nonnull (lr);
  g_assert_true (lr->has_min && lr->has_max);
  g_assert_cmpfloat (lr->max, ==, 1.0);
  g_assert_cmpfloat (json_node_get_double (lr->default_value), ==, 0.1);
  g_assert_true (sluice_component_find_input (c, "verbose")->optional);
  g_assert_null (sluice_component_find_input (c, "model"));
  g_assert_nonnull (sluice_component_find_output (c, "model"));
}

static void
test_load_problems (void)
{
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(SluiceComponent) c = load (
    "{\"name\": \"Bad\", \"version\": \"1 0\", \"is_determinstic\": true,\n"
    " \"inputs\": {\"a\": {\"type\": \"floaty\"}, \"b\": {\"type\": \"integer\", \"min\": 5, \"max\": 1},\n"
    "            \"c\": {\"type\": \"string\", \"enum\": [\"x\"], \"default\": \"y\"},\n"
    "            \"d\": {\"type\": \"uri_file\", \"default\": \"f\"}, \"e\": {\"type\": \"number\", \"optional\": true},\n"
    "            \"f\": {\"type\": \"string\", \"min\": 1}, \"g\": 5},\n"
    " \"outputs\": {\"o\": {\"type\": \"uri_folder\", \"default\": 1}, \"c\": {\"type\": \"mltable\"}},\n"
    " \"command\": \"run ${{inputs.e}} ${{outputs.missing}} ${{inputs.b}} ${{inputs.c}} ${{inputs.d}} ${{inputs.f}} ${{outputs.o}}\",\n"
    " \"code\": \"no-such-dir\"}", problems);

  g_assert_nonnull (c);
  g_assert_false (sluice_component_is_valid (c));
  g_assert_true (has_problem (problems, "invalid-name", "/name"));
  g_assert_true (has_problem (problems, "invalid-version", "/version"));
  g_assert_true (has_problem (problems, "unknown-key", "/is_determinstic"));
  g_assert_true (has_problem (problems, "unknown-type", "/inputs/a/type"));
  g_assert_true (has_problem (problems, "invalid-port", "/inputs/b"));
  g_assert_true (has_problem (problems, "invalid-default", "/inputs/c/default"));
  g_assert_true (has_problem (problems, "invalid-port", "/inputs/d/default"));
  g_assert_true (has_problem (problems, "invalid-port", "/inputs/f/min"));
  g_assert_true (has_problem (problems, "wrong-type", "/inputs/g"));
  g_assert_true (has_problem (problems, "invalid-port", "/outputs/o/default"));
  g_assert_true (has_problem (problems, "duplicate-port", "/outputs/c"));
  g_assert_true (has_problem (problems, "unknown-port", "/command"));
  g_assert_true (has_problem (problems, "optional-outside-group", "/command"));
  g_assert_true (has_problem (problems, "missing-code", "/code"));

  // Every problem knows where it is.
  for (guint i = 0; i < problems->len; i++)
    g_assert_cmpuint (((SluiceProblem *) g_ptr_array_index (problems, i))->line, >, 0);
}

static void
test_load_broken_json (void)
{
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(SluiceComponent) c = load ("{\"name\": ", problems);
  const SluiceProblem *p;

  g_assert_null (c);
  g_assert_cmpuint (problems->len, ==, 1);
  p = g_ptr_array_index (problems, 0);
  g_assert_cmpstr (p->code, ==, "malformed-json");
  g_assert_cmpuint (p->line, ==, 1);
  g_assert_cmpuint (p->column, ==, 10);
}

static void
test_canonical_output (void)
{
  g_autoptr(GPtrArray) problems = new_problems ();
  g_autoptr(SluiceComponent) c = load (
    "{\"command\": \"run ${{inputs.a}}\", \"x-tool\": {\"k\": 1}, \"version\": \"1\", \"name\": \"n\",\n"
    " \"inputs\": {\"a\": {\"description\": \"d\", \"type\": \"integer\", \"max\": 3, \"default\": 2}}}", problems);
  g_autofree char *text = sluice_component_to_data (c);
  g_autoptr(SluiceComponent) again = load (text, problems);
  g_autofree char *text2 = sluice_component_to_data (again);

  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"name\": \"n\",\n"
                   "  \"version\": \"1\",\n"
                   "  \"inputs\": {\n"
                   "    \"a\": {\n"
                   "      \"type\": \"integer\",\n"
                   "      \"description\": \"d\",\n"
                   "      \"default\": 2,\n"
                   "      \"max\": 3\n"
                   "    }\n"
                   "  },\n"
                   "  \"command\": \"run ${{inputs.a}}\",\n"
                   "  \"x-tool\": {\"k\": 1}\n"
                   "}\n");
  g_assert_cmpstr (text, ==, text2);
}

static void
test_version_compare (void)
{
  g_assert_cmpint (sluice_version_compare ("1.10", "1.9"), >, 0);
  g_assert_cmpint (sluice_version_compare ("1.9", "1.10"), <, 0);
  g_assert_cmpint (sluice_version_compare ("2", "2"), ==, 0);
  g_assert_cmpint (sluice_version_compare ("2.0", "2"), >, 0);
  g_assert_cmpint (sluice_version_compare ("1.0-beta", "1.0-alpha"), >, 0);
}

static void
write_component (const char *dir,
                 const char *file,
                 const char *name,
                 const char *version,
                 const char *display)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = g_strdup_printf ("{\"name\": \"%s\", \"version\": \"%s\", \"display_name\": \"%s\", "
                                           "\"command\": \"true\"}", name, version, display);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_registry (void)
{
  g_autofree char *dir1 = g_dir_make_tmp ("sluice-reg-XXXXXX", NULL);
  g_autofree char *dir2 = g_dir_make_tmp ("sluice-reg-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir1, "nested", "deeper", NULL);
  g_autofree char *broken = NULL;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new ();
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *message = NULL;
  SluiceComponent *c;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  write_component (dir1, "a.component.json", "alpha", "1.9", "Alpha old");
  write_component (sub, "a2.component.json", "alpha", "1.10", "Alpha new");
  write_component (dir1, "b.component.json", "beta", "1", "Beta builtin");
  write_component (dir2, "b.component.json", "beta", "1", "Beta user");
  write_component (dir1, "ignored.json", "gamma", "1", "not a component file name");
  broken = g_build_filename (dir1, "broken.component.json", NULL);
  g_assert_true (g_file_set_contents (broken, "{", -1, NULL));

  sluice_component_registry_add_directory (registry, dir1);
  sluice_component_registry_add_directory (registry, dir2);

  c = sluice_component_registry_lookup (registry, "alpha", NULL);
  g_assert_cmpstr (sluice_component_get_display_name (c), ==, "Alpha new");
  c = sluice_component_registry_lookup (registry, "alpha", "1.9");
  g_assert_cmpstr (sluice_component_get_display_name (c), ==, "Alpha old");
  // A later folder replaces a component of the same name and version.
  c = sluice_component_registry_lookup (registry, "beta", "1");
  g_assert_cmpstr (sluice_component_get_display_name (c), ==, "Beta user");
  g_assert_null (sluice_component_registry_lookup (registry, "gamma", NULL));

  list = sluice_component_registry_list (registry);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpuint (sluice_component_registry_get_scan_problems (registry)->len, ==, 1);

  c = sluice_component_registry_resolve (registry, "builtin:alpha", NULL, &message);
  g_assert_cmpstr (sluice_component_get_version (c), ==, "1.10");
  g_assert_null (sluice_component_registry_resolve (registry, "builtin:alpha@3", NULL, &message));
  g_assert_cmpstr (message, ==, "unknown component 'builtin:alpha@3': there is no version 3 of 'alpha' (the newest is 1.10)");
  g_clear_pointer (&message, g_free);
  c = sluice_component_registry_resolve (registry, "file:nested/deeper/a2.component.json", dir1, &message);
  g_assert_cmpstr (sluice_component_get_version (c), ==, "1.10");
  // The same file resolves to the same object: it is read once.
  g_assert_true (c == sluice_component_registry_resolve (registry, "file:../deeper/a2.component.json", sub, &message));
  g_assert_null (sluice_component_registry_resolve (registry, "alpha", NULL, &message));
  g_assert_nonnull (strstr (message, "must be 'builtin:NAME@VERSION' or 'file:PATH'"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/component/load-good", test_load_good);
  g_test_add_func ("/component/load-problems", test_load_problems);
  g_test_add_func ("/component/load-broken-json", test_load_broken_json);
  g_test_add_func ("/component/canonical-output", test_canonical_output);
  g_test_add_func ("/component/version-compare", test_version_compare);
  g_test_add_func ("/component/registry", test_registry);

  return g_test_run ();
}
