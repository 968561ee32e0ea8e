// SPDX-License-Identifier: GPL-3.0-or-later
//
// `sluice new` and `sluice examples`: start a pipeline, empty or from one
// of the examples shipped with Sluice.

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "sluice-cli-private.h"

int
sluice_cli_examples (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "", "List the example pipelines that `sluice new --from NAME` copies.", NULL, FALSE);
  g_autoptr(GPtrArray) examples = NULL;

  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;

  examples = sluice_examples_list ();
  if (examples->len == 0)
    {
      g_printerr ("sluice examples: no examples in %s\n", sluice_examples_get_directory ());
      return 1;
    }
  for (guint i = 0; i < examples->len; i++)
    {
      SluiceExample *example = g_ptr_array_index (examples, i);

      printf ("%-22s %s\n", example->name, example->title);
    }
  return 0;
}

// A name from the file name: "my model.sluice.json" -> "my_model".
static char *
name_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strstr (base, ".sluice.json");
  GString *name = g_string_new (NULL);

  if (dot == NULL)
    dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  for (const char *p = base; *p != '\0'; p++)
    g_string_append_c (name, g_ascii_isalnum (*p) || *p == '-' ? *p : '_');
  return g_string_free (name, FALSE);
}

static int
new_empty (const char *path)
{
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_new ();
  g_autofree char *name = name_from_path (path);
  g_autoptr(GError) error = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("sluice new: %s already exists; choose another name\n", path);
      return 1;
    }
  sluice_pipeline_set_name (pipeline, name);
  if (!sluice_pipeline_save (pipeline, path, &error))
    {
      g_printerr ("sluice new: %s\n", error->message);
      return 2;
    }
  printf ("created %s\n", path);
  return 0;
}

static char *opt_from;

int
sluice_cli_new (int    argc,
                char **argv)
{
  static const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &opt_from, N_("Start from the example NAME (see sluice examples)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "FILE", "Create a pipeline file: empty, or a copy of an example whose paths to data and components\n"
    "are rewritten so they are still found from FILE's folder. Never overwrites a file.", entries, TRUE);
  g_autoptr(SluiceExample) example = NULL;
  g_autoptr(SluiceComponentRegistry) registry = NULL;
  g_autoptr(GError) error = NULL;

  if (!sluice_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("sluice new: give one FILE (see sluice new --help)\n");
      return 2;
    }
  if (opt_from == NULL)
    return new_empty (argv[1]);

  if (!(example = sluice_examples_find (opt_from)))
    {
      g_printerr ("sluice new: there is no example '%s' (see sluice examples)\n", opt_from);
      return 1;
    }
  registry = sluice_cli_make_registry ();
  if (!sluice_example_copy_to (example, registry, argv[1], &error))
    {
      g_printerr ("sluice new: %s\n", error->message);
      return 1;
    }
  printf ("created %s from the example '%s'\n", argv[1], example->name);
  return 0;
}
