// SPDX-License-Identifier: GPL-3.0-or-later
//
// No input may crash or hang the loader: every truncation and thousands of
// random byte changes of the valid files go through load and validation.
// The seed is printed; SLUICE_FUZZ_SEED and SLUICE_FUZZ_ROUNDS reproduce
// or extend a run.

#include "config.h"

#include <string.h>

#include "sluice.h"

static SluiceComponentRegistry *registry;
static guint rounds = 1500;

static void
load_and_validate (const char *data,
                   gsize       length,
                   const char *path)
{
  if (sluice_file_is_component (path))
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
      g_autoptr(SluiceComponent) component = sluice_component_load_data (data, length, path, problems);

      if (component != NULL)
        {
          g_autofree char *text = sluice_component_to_data (component);

          g_assert_nonnull (text);
        }
    }
  else
    {
      g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_data (data, length, path, NULL);

      if (pipeline != NULL)
        {
          g_autoptr(GPtrArray) problems = sluice_pipeline_validate (pipeline, registry);
          g_autofree char *text = sluice_pipeline_to_data (pipeline);
          g_autoptr(GPtrArray) order = sluice_pipeline_topological_order (pipeline, NULL);
          g_autoptr(SluicePipeline) again = NULL;

          g_assert_nonnull (problems);
          // Whatever loaded must save as something that loads again.
          again = sluice_pipeline_load_data (text, strlen (text), path, NULL);
          g_assert_nonnull (again);
          g_assert_cmpuint (order->len, <=, sluice_pipeline_get_steps (pipeline)->len);
        }
    }
}

static void
fuzz_file (gconstpointer user_data)
{
  const char *path = user_data;
  g_autofree char *original = NULL;
  g_autofree char *buffer = NULL;
  gsize length = 0;
  g_autoptr(GRand) rand = NULL;
  const char *seed_env = g_getenv ("SLUICE_FUZZ_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_str_hash (path);
  static const char interesting[] = "{}[]\",:\\\n 0-9eE.tfn$u\xff\xc3";

  g_assert_true (g_file_get_contents (path, &original, &length, NULL));
  g_test_message ("fuzzing %s with seed %u", path, seed);
  rand = g_rand_new_with_seed (seed);
  buffer = g_malloc (length + 1);

  for (gsize cut = 0; cut <= length; cut++)
    load_and_validate (original, cut, path);

  for (guint round = 0; round < rounds; round++)
    {
      guint flips = g_rand_int_range (rand, 1, 6);

      memcpy (buffer, original, length);
      for (guint f = 0; f < flips && length > 0; f++)
        {
          gsize at = g_rand_int_range (rand, 0, (gint32) length);

          if (g_rand_boolean (rand))
            buffer[at] = (char) g_rand_int_range (rand, 1, 256);
          else
            buffer[at] = interesting[g_rand_int_range (rand, 0, sizeof interesting - 1)];
        }
      load_and_validate (buffer, length, path);
    }
}

static void
add_dir (const char *dir,
         const char *suffix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, suffix))
      {
        g_autofree char *test_name = g_strdup_printf ("/fuzz/%s", name);

        g_test_add_data_func (test_name, g_build_filename (dir, name, NULL), fuzz_file);
      }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *valid = NULL;
  g_autofree char *components = NULL;
  g_autofree char *examples = NULL;
  const char *rounds_env = g_getenv ("SLUICE_FUZZ_ROUNDS");
  int status;

  g_test_init (&argc, &argv, NULL);

  if (rounds_env != NULL)
    rounds = (guint) g_ascii_strtoull (rounds_env, NULL, 10);

  registry = sluice_component_registry_new_default ();
  valid = g_test_build_filename (G_TEST_DIST, "data", "valid", NULL);
  components = g_test_build_filename (G_TEST_DIST, "data", "components", NULL);
  examples = g_test_build_filename (G_TEST_DIST, "..", "examples", NULL);
  add_dir (valid, ".sluice.json");
  add_dir (components, ".component.json");
  add_dir (examples, ".sluice.json");

  status = g_test_run ();
  g_object_unref (registry);
  return status;
}
