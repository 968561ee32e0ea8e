// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice.h"

static void
test_valid_types (void)
{
  const char *valid[] = { "uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model",
                          "integer", "number", "string", "boolean", "my_ns:image_set", "a:b" };
  const char *invalid[] = { "", "float", "Integer", "ns:", ":name", "ns:Image", "a:b:c", "ns:image-set", "x y" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (sluice_port_type_is_valid (valid[i]));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (sluice_port_type_is_valid (invalid[i]));
  g_assert_false (sluice_port_type_is_valid (NULL));
}

static void
test_compatibility (void)
{
  const struct { const char *from, *to; gboolean ok; } cases[] = {
    { "uri_file", "uri_file", TRUE },
    { "mltable", "uri_folder", TRUE },
    { "mlflow_model", "uri_folder", TRUE },
    { "custom_model", "uri_folder", TRUE },
    { "integer", "number", TRUE },
    { "my_ns:image_set", "my_ns:image_set", TRUE },
    { "uri_folder", "mltable", FALSE },
    { "number", "integer", FALSE },
    { "string", "uri_file", FALSE },
    { "uri_file", "string", FALSE },
    { "uri_file", "uri_folder", FALSE },
    { "uri_folder", "uri_file", FALSE },
    { "boolean", "integer", FALSE },
    { "integer", "string", FALSE },
    { "custom_model", "mlflow_model", FALSE },
    { "my_ns:image_set", "uri_folder", FALSE },
    { "my_ns:image_set", "other:image_set", FALSE },
    { "bogus", "bogus", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (sluice_port_type_is_compatible (cases[i].from, cases[i].to) != cases[i].ok)
      g_error ("%s -> %s should be %s", cases[i].from, cases[i].to, cases[i].ok ? "compatible" : "refused");
}

static JsonNode *
value_node (const char *json)
{
  g_autoptr(SluiceJsonDoc) doc = sluice_json_doc_parse (json, strlen (json), NULL, NULL, NULL);

  return json_node_copy (sluice_json_doc_get_root (doc));
}

static void
test_literals (void)
{
  const struct { const char *type, *json; gboolean ok; } cases[] = {
    { "integer", "3", TRUE }, { "integer", "3.0", FALSE }, { "integer", "\"3\"", FALSE },
    { "number", "3", TRUE }, { "number", "0.5", TRUE }, { "number", "true", FALSE },
    { "boolean", "false", TRUE }, { "boolean", "0", FALSE },
    { "string", "\"\"", TRUE }, { "string", "null", FALSE }, { "string", "[]", FALSE },
    { "uri_file", "\"a.csv\"", TRUE }, { "uri_file", "\"\"", FALSE }, { "uri_folder", "{}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = value_node (cases[i].json);
      g_autofree char *why = NULL;
      gboolean ok = sluice_port_type_accepts_literal (cases[i].type, node, &why);

      if (ok != cases[i].ok)
        g_error ("%s as %s: expected %d", cases[i].json, cases[i].type, cases[i].ok);
      g_assert_true (ok == (why == NULL));
    }
}

static void
test_arguments (void)
{
  const struct { const char *json, *arg; } cases[] = {
    { "42", "42" }, { "-0.25", "-0.25" }, { "0.1", "0.1" }, { "true", "true" }, { "\"a b\"", "a b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = value_node (cases[i].json);
      g_autofree char *arg = sluice_literal_to_argument (node);

      g_assert_cmpstr (arg, ==, cases[i].arg);
    }
}

static void
test_names (void)
{
  g_assert_true (sluice_name_is_valid ("a"));
  g_assert_true (sluice_name_is_valid ("train_model_2"));
  g_assert_false (sluice_name_is_valid ("2a"));
  g_assert_false (sluice_name_is_valid ("_a"));
  g_assert_false (sluice_name_is_valid ("a-b"));
  g_assert_false (sluice_name_is_valid ("A"));
  g_assert_false (sluice_name_is_valid (""));
  g_assert_false (sluice_name_is_valid (NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/port-type/valid", test_valid_types);
  g_test_add_func ("/port-type/compatibility", test_compatibility);
  g_test_add_func ("/port-type/literals", test_literals);
  g_test_add_func ("/port-type/arguments", test_arguments);
  g_test_add_func ("/port-type/names", test_names);

  return g_test_run ();
}
