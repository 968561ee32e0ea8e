// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice.h"

static SluiceJsonDoc *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  SluiceJsonDoc *doc = sluice_json_doc_parse (text, strlen (text), NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  return doc;
}

static void
expect_error (const char *text,
              gsize       length,
              int         code,
              guint       line,
              guint       column,
              const char *message_part)
{
  g_autoptr(GError) error = NULL;
  guint err_line = 0, err_column = 0;
  g_autoptr(SluiceJsonDoc) doc = sluice_json_doc_parse (text, length, &err_line, &err_column, &error);

  g_assert_null (doc);
  g_assert_error (error, SLUICE_JSON_ERROR, code);
  g_assert_cmpuint (err_line, ==, line);
  g_assert_cmpuint (err_column, ==, column);
  if (strstr (error->message, message_part) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, message_part);
}

static void
test_positions (void)
{
  g_autoptr(SluiceJsonDoc) doc = parse ("{\n  \"a\": 1,\n  \"b\": {\"c\": [true, \"é\", null]}\n}\n");
  guint line = 0, column = 0;

  g_assert_true (sluice_json_doc_get_pointer_position (doc, "/a", &line, &column));
  g_assert_cmpuint (line, ==, 2);
  g_assert_cmpuint (column, ==, 8);
  g_assert_true (sluice_json_doc_get_pointer_position (doc, "/b/c/2", &line, &column));
  g_assert_cmpuint (line, ==, 3);
  // Columns count characters, not bytes: "é" is one column.
  g_assert_cmpuint (column, ==, 26);
  // A missing member is placed at its nearest existing parent.
  g_assert_true (sluice_json_doc_get_pointer_position (doc, "/b/missing/deeper", &line, &column));
  g_assert_cmpuint (line, ==, 3);
  g_assert_cmpuint (column, ==, 8);
  g_assert_true (sluice_json_doc_get_pointer_position (doc, "", &line, &column));
  g_assert_cmpuint (line, ==, 1);
  g_assert_cmpuint (column, ==, 1);
}

static void
test_syntax_errors (void)
{
  const char *t;

  t = "{\n  \"a\": 1,\n}";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 3, 1, "expected a key");
  t = "{\"a\" 1}";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 6, "expected ':'");
  t = "[1, 2";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 6, "expected ',' or ']'");
  t = "{\"a\": tru}";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 7, "double quotes");
  t = "\n\n  \"abc";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 3, 3, "unterminated string");
  t = "{} x";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 4, "after the end");
  t = "";
  expect_error (t, 0, SLUICE_JSON_ERROR_SYNTAX, 1, 1, "end of file");
  t = "01";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 2, "after the end");
  t = "1.";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 1, "digits must follow");
  t = "\"a\\xb\"";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 3, "invalid escape");
  t = "\"tab\there\"";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_SYNTAX, 1, 5, "control character");
  t = "1e999";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_LIMIT, 1, 1, "out of range");
}

static void
test_encoding_errors (void)
{
  const char bad_utf8[] = "{\"a\":\n \"\xff\"}";
  const char with_nul[] = "{\"a\": 1}\0garbage";
  const char *t;

  expect_error (bad_utf8, sizeof bad_utf8 - 1, SLUICE_JSON_ERROR_ENCODING, 2, 3, "UTF-8");
  expect_error (with_nul, sizeof with_nul - 1, SLUICE_JSON_ERROR_ENCODING, 1, 9, "NUL");
  t = "\"\\u0000\"";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_ENCODING, 1, 2, "NUL");
  t = "\"\\udc00\"";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_ENCODING, 1, 2, "surrogate");
  t = "\"\\ud800x\"";
  expect_error (t, strlen (t), SLUICE_JSON_ERROR_ENCODING, 1, 2, "surrogate");
}

static void
test_escapes_and_bom (void)
{
  g_autoptr(SluiceJsonDoc) doc = parse ("\xEF\xBB\xBF[\"\\u00e9\\ud83d\\ude00\\n\\/\"]");
  JsonArray *array = json_node_get_array (sluice_json_doc_get_root (doc));

  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "é😀\n/");
}

static char *
nested (guint depth)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static void
test_depth_limit (void)
{
  g_autofree char *ok = nested (SLUICE_JSON_MAX_DEPTH);
  g_autofree char *too_deep = nested (SLUICE_JSON_MAX_DEPTH + 1);
  g_autofree char *huge = nested (1000000);
  g_autoptr(SluiceJsonDoc) doc = parse (ok);

  expect_error (too_deep, strlen (too_deep), SLUICE_JSON_ERROR_LIMIT, 1, SLUICE_JSON_MAX_DEPTH + 1, "deeper than 64");
  // A million levels must be refused, not overflow the stack.
  expect_error (huge, strlen (huge), SLUICE_JSON_ERROR_LIMIT, 1, SLUICE_JSON_MAX_DEPTH + 1, "deeper");
}

static void
test_string_limit (void)
{
  gsize n = SLUICE_JSON_MAX_STRING + 10;
  g_autofree char *text = g_malloc (n + 3);

  text[0] = '"';
  memset (text + 1, 'x', n);
  text[n + 1] = '"';
  text[n + 2] = '\0';
  expect_error (text, n + 2, SLUICE_JSON_ERROR_LIMIT, 1, 1, "longer than");
}

static void
test_file_size_limit (void)
{
  g_autoptr(GError) error = NULL;
  // The size is checked before anything is read, so a lie about the length
  // of a short buffer is safe here.
  g_autoptr(SluiceJsonDoc) doc = sluice_json_doc_parse ("{}", (gsize) SLUICE_JSON_MAX_FILE_SIZE + 1, NULL, NULL, &error);

  g_assert_null (doc);
  g_assert_error (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_LIMIT);
}

static void
test_duplicates (void)
{
  g_autoptr(SluiceJsonDoc) doc = parse ("{\"a\": {\"x\": 1,\n \"x\": 2}, \"a/b\": 0}");
  GPtrArray *dups = sluice_json_doc_get_duplicates (doc);
  SluiceJsonDuplicate *dup;
  JsonNode *x;

  g_assert_cmpuint (dups->len, ==, 1);
  dup = g_ptr_array_index (dups, 0);
  g_assert_cmpstr (dup->pointer, ==, "/a");
  g_assert_cmpstr (dup->key, ==, "x");
  g_assert_cmpuint (dup->line, ==, 2);
  g_assert_cmpuint (dup->column, ==, 2);
  g_assert_cmpuint (dup->first_line, ==, 1);
  // The first value is the one kept.
  x = sluice_json_pointer_resolve (sluice_json_doc_get_root (doc), "/a/x");
  g_assert_cmpint (json_node_get_int (x), ==, 1);
  g_assert_nonnull (sluice_json_pointer_resolve (sluice_json_doc_get_root (doc), "/a~1b"));
}

static void
test_pointers (void)
{
  g_autofree char *p1 = sluice_json_pointer_append ("/jobs", "a/b~c");
  g_autoptr(SluiceJsonDoc) doc = parse ("{\"l\": [10, 20]}");
  JsonNode *root = sluice_json_doc_get_root (doc);

  g_assert_cmpstr (p1, ==, "/jobs/a~1b~0c");
  g_assert_cmpint (json_node_get_int (sluice_json_pointer_resolve (root, "/l/1")), ==, 20);
  g_assert_null (sluice_json_pointer_resolve (root, "/l/2"));
  g_assert_null (sluice_json_pointer_resolve (root, "/l/-1"));
  g_assert_null (sluice_json_pointer_resolve (root, "/l/x"));
  g_assert_null (sluice_json_pointer_resolve (root, "/l/0/deeper"));
  g_assert_true (sluice_json_pointer_resolve (root, "") == root);
}

static void
test_writer_round_trip (void)
{
  const char *canonical =
    "{\n"
    "  \"name\": \"quote \\\" backslash \\\\ tab \\t nl \\n ctl \\u0001 é\",\n"
    "  \"numbers\": [0, -1, 0.1, 1.0, 1e+300, 9007199254740993, 2.5e-08],\n"
    "  \"empty_object\": {},\n"
    "  \"empty_list\": [],\n"
    "  \"position\": {\"x\": 10, \"y\": -2.5},\n"
    "  \"nested\": [\n"
    "    {\n"
    "      \"a\": \"text\"\n"
    "    },\n"
    "    [1, 2]\n"
    "  ],\n"
    "  \"z\": null,\n"
    "  \"a\": true\n"
    "}\n";
  g_autoptr(SluiceJsonDoc) doc = parse (canonical);
  g_autofree char *written = sluice_json_to_string (sluice_json_doc_get_root (doc));

  // Key order is kept as written, not sorted.
  g_assert_cmpstr (written, ==, canonical);
}

static void
test_doubles (void)
{
  const double values[] = { 0.1, 1.0 / 3.0, 1e-300, 123456789.125, -0.0, 5e-324, 1.7976931348623157e308 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      g_autoptr(SluiceJsonDoc) doc = NULL;
      JsonNode *root;

      sluice_json_write_double (s, values[i]);
      doc = parse (s->str);
      root = sluice_json_doc_get_root (doc);
      // Still a double after the round trip, with the same value.
      g_assert_cmpint (json_node_get_value_type (root), ==, G_TYPE_DOUBLE);
      g_assert_cmpfloat (json_node_get_double (root), ==, values[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/positions", test_positions);
  g_test_add_func ("/json/syntax-errors", test_syntax_errors);
  g_test_add_func ("/json/encoding-errors", test_encoding_errors);
  g_test_add_func ("/json/escapes-and-bom", test_escapes_and_bom);
  g_test_add_func ("/json/depth-limit", test_depth_limit);
  g_test_add_func ("/json/string-limit", test_string_limit);
  g_test_add_func ("/json/file-size-limit", test_file_size_limit);
  g_test_add_func ("/json/duplicates", test_duplicates);
  g_test_add_func ("/json/pointers", test_pointers);
  g_test_add_func ("/json/writer-round-trip", test_writer_round_trip);
  g_test_add_func ("/json/doubles", test_doubles);

  return g_test_run ();
}
