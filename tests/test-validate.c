// SPDX-License-Identifier: GPL-3.0-or-later
//
// Every fixture in tests/data/invalid must report exactly the problems in
// its .expected file; every valid pipeline and example must report none.
// Set SLUICE_UPDATE_EXPECTED=1 to rewrite the .expected files (then read
// the diff before committing it).

#include "config.h"

#include <string.h>

#include "sluice.h"

static char *data_dir;

static char *
relative_to_data (const char *file)
{
  g_autofree char *canonical = g_canonicalize_filename (file, NULL);
  gsize len = strlen (data_dir);

  if (g_str_has_prefix (canonical, data_dir) && canonical[len] == '/')
    return g_strdup (canonical + len + 1);
  return g_steal_pointer (&canonical);
}

static char *
format_problems (GPtrArray *problems)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *shown = problem->file ? relative_to_data (problem->file) : NULL;
      g_autofree char *line = sluice_problem_format (problem, shown);

      g_string_append_printf (s, "%s\n", line);
    }

  return g_string_free (s, FALSE);
}

static void
check_fixture (gconstpointer data)
{
  const char *path = data;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new_default ();
  g_autoptr(GPtrArray) problems = sluice_validate_file (path, registry);
  g_autofree char *base = g_strndup (path, strlen (path) - strlen (".sluice.json"));
  g_autofree char *expected_path = g_strconcat (base, ".expected", NULL);
  g_autofree char *actual = format_problems (problems);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("SLUICE_UPDATE_EXPECTED") != NULL)
    {
      g_assert_true (g_file_set_contents (expected_path, actual, -1, &error));
      g_assert_no_error (error);
    }

  g_file_get_contents (expected_path, &expected, NULL, &error);
  g_assert_no_error (error);

  // An invalid fixture that validates clean would prove nothing.
  g_assert_cmpuint (problems->len, >, 0);
  g_assert_cmpstr (actual, ==, expected);
}

static void
check_valid (gconstpointer data)
{
  const char *path = data;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new_default ();
  g_autoptr(GPtrArray) problems = sluice_validate_file (path, registry);
  g_autofree char *actual = format_problems (problems);

  g_assert_cmpstr (actual, ==, "");
}

static void
add_tests_in (const char *dir,
              const char *suffix,
              const char *prefix,
              GTestDataFunc func,
              guint        *count)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *test_path = g_strdup_printf ("%s/%s", prefix, file);

      // Paths live as long as the test program.
      g_test_add_data_func (test_path, g_build_filename (dir, file, NULL), func);
      (*count)++;
    }
}

static void
fixture_count_is_enough (gconstpointer data)
{
  g_assert_cmpuint (GPOINTER_TO_UINT (data), >=, 40);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dist_data = NULL;
  g_autofree char *invalid_dir = NULL;
  g_autofree char *valid_dir = NULL;
  g_autofree char *examples_dir = NULL;
  g_autofree char *components_dir = NULL;
  guint invalid = 0, valid = 0;

  g_test_init (&argc, &argv, NULL);

  dist_data = g_test_build_filename (G_TEST_DIST, "data", NULL);
  data_dir = g_canonicalize_filename (dist_data, NULL);
  invalid_dir = g_build_filename (data_dir, "invalid", NULL);
  valid_dir = g_build_filename (data_dir, "valid", NULL);
  examples_dir = g_test_build_filename (G_TEST_DIST, "..", "examples", NULL);

  add_tests_in (invalid_dir, ".sluice.json", "/validate/invalid", check_fixture, &invalid);
  add_tests_in (valid_dir, ".sluice.json", "/validate/valid", check_valid, &valid);
  add_tests_in (examples_dir, ".sluice.json", "/validate/examples", check_valid, &valid);
  components_dir = g_build_filename (data_dir, "components", NULL);
  add_tests_in (components_dir, ".component.json", "/validate/components", check_valid, &valid);
  g_test_add_data_func ("/validate/fixture-count", GUINT_TO_POINTER (invalid), fixture_count_is_enough);

  return g_test_run ();
}
