// SPDX-License-Identifier: GPL-3.0-or-later
//
// The one place that decides what may connect to what. The validator and the
// canvas both ask here, so a link the canvas accepts never fails validation.

#include "config.h"

#include <string.h>

#include "sluice-json.h"
#include "sluice-port-type.h"

static const char * const artifact_types[] = {
  "uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model",
};

static const char * const parameter_types[] = {
  "integer", "number", "string", "boolean",
};

// Artifact types that are folders with a known layout, and so are also a
// plain folder to anything that only wants a folder.
static const char * const folder_like_types[] = {
  "mltable", "mlflow_model", "custom_model",
};

static gboolean
in_list (const char         *type,
         const char * const *list,
         gsize               n)
{
  for (gsize i = 0; i < n; i++)
    if (g_str_equal (type, list[i]))
      return TRUE;
  return FALSE;
}

// [a-z][a-z0-9_]* — component names, port names and step ids share it, so
// they are safe in file names, command lines and JSON pointers.
gboolean
sluice_name_is_valid (const char *name)
{
  if (name == NULL || !g_ascii_islower (name[0]))
    return FALSE;

  for (const char *p = name + 1; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;

  return strlen (name) <= 128;
}

gboolean
sluice_port_type_is_custom (const char *type)
{
  const char *colon;
  g_autofree char *ns = NULL;

  if (type == NULL || (colon = strchr (type, ':')) == NULL)
    return FALSE;

  ns = g_strndup (type, colon - type);
  return sluice_name_is_valid (ns) && sluice_name_is_valid (colon + 1);
}

gboolean
sluice_port_type_is_parameter (const char *type)
{
  return type != NULL && in_list (type, parameter_types, G_N_ELEMENTS (parameter_types));
}

gboolean
sluice_port_type_is_valid (const char *type)
{
  return type != NULL &&
         (in_list (type, artifact_types, G_N_ELEMENTS (artifact_types)) ||
          sluice_port_type_is_parameter (type) ||
          sluice_port_type_is_custom (type));
}

// Can an output (or pipeline input) of from_type feed an input of to_type?
gboolean
sluice_port_type_is_compatible (const char *from_type,
                                const char *to_type)
{
  if (!sluice_port_type_is_valid (from_type) || !sluice_port_type_is_valid (to_type))
    return FALSE;

  if (g_str_equal (from_type, to_type))
    return TRUE;

  // Widening: every integer is a number. Nothing narrows implicitly.
  if (g_str_equal (from_type, "integer") && g_str_equal (to_type, "number"))
    return TRUE;

  if (g_str_equal (to_type, "uri_folder") &&
      in_list (from_type, folder_like_types, G_N_ELEMENTS (folder_like_types)))
    return TRUE;

  return FALSE;
}

char *
sluice_port_type_explain_mismatch (const char *from_type,
                                   const char *to_type)
{
  if (sluice_port_type_is_parameter (from_type) && !sluice_port_type_is_parameter (to_type))
    return g_strdup_printf ("a %s value cannot be used where a %s artifact is expected", from_type, to_type);
  if (!sluice_port_type_is_parameter (from_type) && sluice_port_type_is_parameter (to_type))
    return g_strdup_printf ("a %s artifact cannot be used where a %s value is expected", from_type, to_type);
  return g_strdup_printf ("%s cannot be connected to %s", from_type, to_type);
}

static const char *
describe_json (JsonNode *value)
{
  if (JSON_NODE_HOLDS_OBJECT (value))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (value))
    return "a list";
  if (JSON_NODE_HOLDS_NULL (value))
    return "null";

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_INT64:
      return "an integer";
    case G_TYPE_DOUBLE:
      return "a number";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_STRING:
      return "a string";
    default:
      return "a value";
    }
}

// Does a literal written in a file fit the port? Artifact ports take a path
// string; parameters take their JSON type (an integer is also a number).
gboolean
sluice_port_type_accepts_literal (const char  *type,
                                  JsonNode    *value,
                                  char       **why)
{
  GType value_type = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;
  gboolean ok;
  const char *expected;

  if (g_str_equal (type, "integer"))
    ok = value_type == G_TYPE_INT64, expected = "an integer";
  else if (g_str_equal (type, "number"))
    ok = value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE, expected = "a number";
  else if (g_str_equal (type, "boolean"))
    ok = value_type == G_TYPE_BOOLEAN, expected = "true or false";
  else if (g_str_equal (type, "string"))
    ok = value_type == G_TYPE_STRING, expected = "a string";
  else
    ok = value_type == G_TYPE_STRING && json_node_get_string (value)[0] != '\0',
    expected = "a path (a non-empty string)";

  if (!ok && why != NULL)
    {
      g_autofree char *shown = JSON_NODE_HOLDS_VALUE (value) ? sluice_json_to_string (value) : NULL;

      const char *article = strchr ("aeiou", type[0]) ? "an" : "a";

      // "not a number (2.5)": the value itself tells the person what to fix.
      if (shown != NULL && strlen (shown) <= 41)
        {
          g_strchomp (shown);
          *why = g_strdup_printf ("%s %s input needs %s, not %s (%s)", article, type, expected,
                                  describe_json (value), shown);
        }
      else
        *why = g_strdup_printf ("%s %s input needs %s, not %s", article, type, expected, describe_json (value));
    }
  return ok;
}

// How a literal value is spelled as one command-line argument.
char *
sluice_literal_to_argument (JsonNode *value)
{
  if (!JSON_NODE_HOLDS_VALUE (value))
    return sluice_json_to_string (value);

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
    case G_TYPE_DOUBLE:
      {
        GString *s = g_string_new (NULL);

        sluice_json_write_double (s, json_node_get_double (value));
        return g_string_free (s, FALSE);
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (value) ? "true" : "false");
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (value));
    default:
      return g_strdup ("");
    }
}
