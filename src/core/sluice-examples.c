// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "sluice-error.h"
#include "sluice-examples.h"
#include "sluice-pipeline-rebase.h"
#include "sluice-pipeline.h"

void
sluice_example_free (SluiceExample *example)
{
  if (example == NULL)
    return;
  g_free (example->path);
  g_free (example->name);
  g_free (example->title);
  g_free (example->description);
  g_free (example);
}

const char *
sluice_examples_get_directory (void)
{
  const char *env = g_getenv ("SLUICE_EXAMPLES_DIR");

  if (env != NULL && *env != '\0')
    return env;
  if (!g_file_test (SLUICE_EXAMPLES_DIR, G_FILE_TEST_IS_DIR))
    return SLUICE_SOURCE_EXAMPLES_DIR;
  return SLUICE_EXAMPLES_DIR;
}

static SluiceExample *
read_example (const char *path)
{
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, NULL);
  SluiceExample *example;
  const char *title;

  if (pipeline == NULL)
    return NULL;

  example = g_new0 (SluiceExample, 1);
  example->path = g_canonicalize_filename (path, NULL);
  example->name = g_strdup (sluice_pipeline_get_name (pipeline));
  title = sluice_pipeline_get_display_name (pipeline);
  example->title = g_strdup (title != NULL ? title : example->name);
  example->description = g_strdup (sluice_pipeline_get_description (pipeline));
  return example;
}

static int
compare_titles (gconstpointer a,
                gconstpointer b)
{
  const SluiceExample *x = *(SluiceExample * const *) a;
  const SluiceExample *y = *(SluiceExample * const *) b;

  return g_utf8_collate (x->title, y->title);
}

GPtrArray *
sluice_examples_list (void)
{
  const char *dir_path = sluice_examples_get_directory ();
  GPtrArray *examples = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_example_free);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      SluiceExample *example;

      if (!g_str_has_suffix (entry, ".sluice.json"))
        continue;
      path = g_build_filename (dir_path, entry, NULL);
      if ((example = read_example (path)) != NULL && example->name != NULL)
        g_ptr_array_add (examples, example);
      else
        sluice_example_free (example);
    }
  g_ptr_array_sort (examples, compare_titles);
  return examples;
}

SluiceExample *
sluice_examples_find (const char *name)
{
  g_autoptr(GPtrArray) examples = sluice_examples_list ();

  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < examples->len; i++)
    {
      SluiceExample *example = g_ptr_array_index (examples, i);

      if (g_str_equal (example->name, name))
        return g_ptr_array_steal_index (examples, i);
    }
  return NULL;
}

gboolean
sluice_example_copy_to (const SluiceExample      *example,
                        SluiceComponentRegistry  *registry,
                        const char               *path,
                        GError                  **error)
{
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autofree char *from_dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *to_dir = NULL;

  g_return_val_if_fail (example != NULL && path != NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s already exists; choose another name", path);
      return FALSE;
    }
  parent = g_path_get_dirname (path);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the folder %s does not exist", parent);
      return FALSE;
    }
  if (!(pipeline = sluice_pipeline_load_file (example->path, error)))
    return FALSE;

  from_dir = sluice_pipeline_dup_base_dir (pipeline);
  to_dir = g_canonicalize_filename (parent, NULL);
  sluice_pipeline_rebase (pipeline, registry, from_dir, to_dir);
  return sluice_pipeline_save (pipeline, path, error);
}
