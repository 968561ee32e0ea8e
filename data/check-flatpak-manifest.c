// SPDX-License-Identifier: GPL-3.0-or-later
/* check-flatpak-manifest.c
 *
 * Copyright 2026 The Sluice Developers
 *
 * Checks that a Flatpak manifest parses as JSON and has the members
 * flatpak-builder needs: app-id, runtime, runtime-version, sdk and command
 * as non-empty strings, and modules as a non-empty array whose entries are
 * module objects (with a name and sources) or paths to module files.
 *
 * Usage: check-flatpak-manifest MANIFEST.json
 * Exits 0 when the manifest is fine; otherwise prints every problem and
 * exits 1.
 */

#include <stdio.h>
#include <stdlib.h>

#include <json-glib/json-glib.h>

static const char *const required_strings[] = {
  "app-id",
  "runtime",
  "runtime-version",
  "sdk",
  "command",
};

static guint n_errors;

G_GNUC_PRINTF (2, 3)
static void
report (const char *path,
        const char *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", path, message);
  n_errors++;
}

static void
check_string_member (const char *path,
                     JsonObject *object,
                     const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL)
    {
      report (path, "missing required member \"%s\"", name);
      return;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      report (path, "member \"%s\" must be a string", name);
      return;
    }

  value = json_node_get_string (node);
  if (value == NULL || value[0] == '\0')
    report (path, "member \"%s\" must not be empty", name);
}

static void
check_module (const char *path,
              JsonNode   *node,
              guint       index)
{
  JsonObject *module;

  /* A module may also be given as the path of a separate module file. */
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report (path, "modules[%u] must be an object or a file name", index);
      return;
    }

  module = json_node_get_object (node);

  if (!json_object_has_member (module, "name") ||
      json_object_get_string_member_with_default (module, "name", "")[0] == '\0')
    report (path, "modules[%u] has no \"name\"", index);

  if (json_object_has_member (module, "sources") &&
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (module, "sources")))
    report (path, "modules[%u].sources must be an array", index);
}

static void
check_manifest (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *manifest;
  JsonNode *modules;
  JsonArray *array;
  guint n_modules;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      report (path, "not valid JSON: %s", error->message);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      report (path, "the top level must be a JSON object");
      return;
    }

  manifest = json_node_get_object (root);

  for (guint i = 0; i < G_N_ELEMENTS (required_strings); i++)
    check_string_member (path, manifest, required_strings[i]);

  modules = json_object_get_member (manifest, "modules");
  if (modules == NULL)
    {
      report (path, "missing required member \"modules\"");
      return;
    }

  if (!JSON_NODE_HOLDS_ARRAY (modules))
    {
      report (path, "member \"modules\" must be an array");
      return;
    }

  array = json_node_get_array (modules);
  n_modules = json_array_get_length (array);
  if (n_modules == 0)
    report (path, "member \"modules\" must not be empty");

  for (guint i = 0; i < n_modules; i++)
    check_module (path, json_array_get_element (array, i), i);
}

int
main (int   argc,
      char *argv[])
{
  if (argc != 2)
    {
      fprintf (stderr, "Usage: %s MANIFEST.json\n", argv[0]);
      return EXIT_FAILURE;
    }

  check_manifest (argv[1]);

  if (n_errors > 0)
    {
      fprintf (stderr, "%s: %u problem(s) found\n", argv[1], n_errors);
      return EXIT_FAILURE;
    }

  printf ("%s: OK\n", argv[1]);
  return EXIT_SUCCESS;
}
