// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice-json.h"

struct _SluiceJsonDoc
{
  gatomicrefcount  ref_count;
  char            *text;
  gsize            length;
  GArray          *line_starts;   // gsize byte offsets, one per line
  GHashTable      *offsets;       // JsonNode* -> byte offset + 1
  GPtrArray       *duplicates;    // SluiceJsonDuplicate*
  JsonNode        *root;
};

typedef struct
{
  SluiceJsonDoc *doc;
  const char    *p;
  const char    *end;
  guint          depth;
  GPtrArray     *path;            // char* tokens of the current location
  const char    *error_at;
  GError        *error;
} Reader;

G_DEFINE_QUARK (sluice-json-error-quark, sluice_json_error)

static JsonNode *read_value (Reader *r);

static void
duplicate_free (gpointer data)
{
  SluiceJsonDuplicate *dup = data;

  g_free (dup->pointer);
  g_free (dup->key);
  g_free (dup);
}

G_GNUC_PRINTF (4, 5)
static gboolean
fail (Reader     *r,
      const char *at,
      int         code,
      const char *format,
      ...)
{
  va_list args;

  if (r->error != NULL)
    return FALSE;

  va_start (args, format);
  r->error = g_error_new_valist (SLUICE_JSON_ERROR, code, format, args);
  va_end (args);
  r->error_at = at;
  return FALSE;
}

static void
skip_space (Reader *r)
{
  while (r->p < r->end)
    {
      char c = *r->p;

      if (c == ' ' || c == '\t' || c == '\r')
        r->p++;
      else if (c == '\n')
        {
          gsize next = (gsize) (r->p - r->doc->text) + 1;

          g_array_append_val (r->doc->line_starts, next);
          r->p++;
        }
      else
        break;
    }
}

static void
remember (Reader     *r,
          JsonNode   *node,
          const char *at)
{
  gsize offset = (gsize) (at - r->doc->text) + 1;

  g_hash_table_insert (r->doc->offsets, node, GSIZE_TO_POINTER (offset));
}

static char *
describe_char (const char *p,
               const char *end)
{
  if (p >= end)
    return g_strdup ("end of file");
  if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
    return g_strdup_printf ("byte 0x%02x", (guchar) *p);
  return g_strdup_printf ("'%c'", *p);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Reader   *r,
           gunichar *out)
{
  gunichar value = 0;

  if (r->end - r->p < 4)
    return fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "incomplete \\u escape");

  for (guint i = 0; i < 4; i++)
    {
      int h = hex_value (r->p[i]);

      if (h < 0)
        return fail (r, r->p + i, SLUICE_JSON_ERROR_SYNTAX,
                     "invalid hexadecimal digit in \\u escape");
      value = (value << 4) | (guint) h;
    }

  r->p += 4;
  *out = value;
  return TRUE;
}

static gboolean
read_unicode_escape (Reader  *r,
                     GString *out)
{
  const char *start = r->p - 2;
  gunichar ch;

  if (!read_hex4 (r, &ch))
    return FALSE;

  if (ch >= 0xD800 && ch <= 0xDBFF)
    {
      gunichar low;

      if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
        return fail (r, start, SLUICE_JSON_ERROR_ENCODING,
                     "unpaired UTF-16 surrogate in \\u escape");
      r->p += 2;
      if (!read_hex4 (r, &low))
        return FALSE;
      if (low < 0xDC00 || low > 0xDFFF)
        return fail (r, start, SLUICE_JSON_ERROR_ENCODING,
                     "unpaired UTF-16 surrogate in \\u escape");
      ch = 0x10000 + ((ch - 0xD800) << 10) + (low - 0xDC00);
    }
  else if (ch >= 0xDC00 && ch <= 0xDFFF)
    return fail (r, start, SLUICE_JSON_ERROR_ENCODING,
                 "unpaired UTF-16 surrogate in \\u escape");

  // Strings become C strings everywhere downstream; a NUL would silently
  // truncate them, so refuse it here where we can say where it is.
  if (ch == 0)
    return fail (r, start, SLUICE_JSON_ERROR_ENCODING,
                 "NUL character (\\u0000) is not allowed in strings");

  g_string_append_unichar (out, ch);
  return TRUE;
}

static char *
read_string (Reader *r)
{
  const char *start = r->p;
  g_autoptr(GString) out = NULL;

  g_assert (*r->p == '"');
  r->p++;

  out = g_string_new (NULL);

  while (TRUE)
    {
      const char *run = r->p;

      while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (guchar) *r->p >= 0x20)
        r->p++;
      g_string_append_len (out, run, r->p - run);

      if (out->len > SLUICE_JSON_MAX_STRING)
        {
          fail (r, start, SLUICE_JSON_ERROR_LIMIT,
                "string is longer than %u bytes", (guint) SLUICE_JSON_MAX_STRING);
          return NULL;
        }

      if (r->p >= r->end)
        {
          fail (r, start, SLUICE_JSON_ERROR_SYNTAX, "unterminated string");
          return NULL;
        }

      if (*r->p == '"')
        {
          r->p++;
          return g_string_free (g_steal_pointer (&out), FALSE);
        }

      if (*r->p != '\\')
        {
          fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX,
                *r->p == '\n' ? "unterminated string (newline inside a string must be written \\n)"
                              : "control character inside a string must be escaped");
          return NULL;
        }

      r->p++;
      if (r->p >= r->end)
        {
          fail (r, start, SLUICE_JSON_ERROR_SYNTAX, "unterminated string");
          return NULL;
        }

      switch (*r->p++)
        {
        case '"':  g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/':  g_string_append_c (out, '/'); break;
        case 'b':  g_string_append_c (out, '\b'); break;
        case 'f':  g_string_append_c (out, '\f'); break;
        case 'n':  g_string_append_c (out, '\n'); break;
        case 'r':  g_string_append_c (out, '\r'); break;
        case 't':  g_string_append_c (out, '\t'); break;
        case 'u':
          if (!read_unicode_escape (r, out))
            return NULL;
          break;
        default:
          fail (r, r->p - 2, SLUICE_JSON_ERROR_SYNTAX, "invalid escape sequence in string");
          return NULL;
        }
    }
}

static JsonNode *
read_number (Reader *r)
{
  const char *start = r->p;
  gboolean is_integer = TRUE;
  g_autofree char *copy = NULL;
  JsonNode *node;

  if (r->p < r->end && *r->p == '-')
    r->p++;

  if (r->p < r->end && *r->p == '0')
    r->p++;
  else if (r->p < r->end && *r->p >= '1' && *r->p <= '9')
    while (r->p < r->end && g_ascii_isdigit (*r->p))
      r->p++;
  else
    {
      fail (r, start, SLUICE_JSON_ERROR_SYNTAX, "invalid number");
      return NULL;
    }

  if (r->p < r->end && *r->p == '.')
    {
      is_integer = FALSE;
      r->p++;
      if (r->p >= r->end || !g_ascii_isdigit (*r->p))
        {
          fail (r, start, SLUICE_JSON_ERROR_SYNTAX, "invalid number: digits must follow '.'");
          return NULL;
        }
      while (r->p < r->end && g_ascii_isdigit (*r->p))
        r->p++;
    }

  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      is_integer = FALSE;
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (r->p >= r->end || !g_ascii_isdigit (*r->p))
        {
          fail (r, start, SLUICE_JSON_ERROR_SYNTAX, "invalid number: digits must follow the exponent");
          return NULL;
        }
      while (r->p < r->end && g_ascii_isdigit (*r->p))
        r->p++;
    }

  copy = g_strndup (start, r->p - start);
  node = json_node_new (JSON_NODE_VALUE);

  if (is_integer)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (copy, NULL, 10);
      if (errno == 0)
        {
          json_node_set_int (node, value);
          return node;
        }
    }

  {
    double value = g_ascii_strtod (copy, NULL);

    if (!isfinite (value))
      {
        json_node_unref (node);
        fail (r, start, SLUICE_JSON_ERROR_LIMIT, "number %s is out of range", copy);
        return NULL;
      }
    json_node_set_double (node, value);
  }

  return node;
}

static JsonNode *
read_literal (Reader *r)
{
  static const struct { const char *word; int kind; } literals[] = {
    { "true", 1 }, { "false", 0 }, { "null", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize len = strlen (literals[i].word);

      if ((gsize) (r->end - r->p) >= len && memcmp (r->p, literals[i].word, len) == 0 &&
          (r->p + len == r->end || !g_ascii_isalnum (r->p[len])))
        {
          JsonNode *node;

          r->p += len;
          if (literals[i].kind < 0)
            return json_node_new (JSON_NODE_NULL);
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_boolean (node, literals[i].kind == 1);
          return node;
        }
    }

  {
    g_autofree char *what = describe_char (r->p, r->end);

    if (r->p < r->end && (g_ascii_isalpha (*r->p) || *r->p == '\''))
      fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX,
            "unexpected %s: strings and keys must be in double quotes", what);
    else
      fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "expected a value but found %s", what);
  }
  return NULL;
}

static char *
current_pointer (Reader *r)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < r->path->len; i++)
    {
      g_autofree char *next = sluice_json_pointer_append (s->str, g_ptr_array_index (r->path, i));

      g_string_assign (s, next);
    }

  return g_string_free (s, FALSE);
}

static void
note_duplicate (Reader     *r,
                JsonObject *object,
                const char *key,
                const char *key_at)
{
  SluiceJsonDuplicate *dup = g_new0 (SluiceJsonDuplicate, 1);
  JsonNode *first = json_object_get_member (object, key);
  guint line = 0, column = 0;

  dup->pointer = current_pointer (r);
  dup->key = g_strdup (key);
  // Offsets are turned into lines only after parsing, when every line
  // start is known; stash the byte offset for now.
  dup->line = (guint) (key_at - r->doc->text);
  if (sluice_json_doc_get_node_position (r->doc, first, &line, &column))
    {
      dup->first_line = line;
      dup->first_column = column;
    }
  g_ptr_array_add (r->doc->duplicates, dup);
}

static gboolean
enter (Reader     *r,
       const char *at)
{
  if (++r->depth > SLUICE_JSON_MAX_DEPTH)
    return fail (r, at, SLUICE_JSON_ERROR_LIMIT,
                 "nesting is deeper than %u levels", (guint) SLUICE_JSON_MAX_DEPTH);
  return TRUE;
}

static JsonNode *
read_object (Reader *r)
{
  const char *start = r->p;
  g_autoptr(JsonObject) object = NULL;
  JsonNode *node;

  if (!enter (r, start))
    return NULL;

  r->p++;
  object = json_object_new ();
  skip_space (r);

  if (r->p < r->end && *r->p == '}')
    r->p++;
  else
    while (TRUE)
      {
        g_autofree char *key = NULL;
        const char *key_at;
        JsonNode *value;

        skip_space (r);
        key_at = r->p;
        if (r->p >= r->end || *r->p != '"')
          {
            g_autofree char *what = describe_char (r->p, r->end);

            fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX,
                  "expected a key in double quotes but found %s", what);
            return NULL;
          }
        if (!(key = read_string (r)))
          return NULL;

        skip_space (r);
        if (r->p >= r->end || *r->p != ':')
          {
            g_autofree char *what = describe_char (r->p, r->end);

            fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "expected ':' after key \"%s\" but found %s", key, what);
            return NULL;
          }
        r->p++;

        g_ptr_array_add (r->path, key);
        value = read_value (r);
        g_ptr_array_remove_index (r->path, r->path->len - 1);
        if (value == NULL)
          return NULL;

        if (json_object_has_member (object, key))
          {
            note_duplicate (r, object, key, key_at);
            json_node_unref (value);
          }
        else
          json_object_set_member (object, key, value);

        skip_space (r);
        if (r->p < r->end && *r->p == ',')
          {
            r->p++;
            continue;
          }
        if (r->p < r->end && *r->p == '}')
          {
            r->p++;
            break;
          }

        {
          g_autofree char *what = describe_char (r->p, r->end);

          fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "expected ',' or '}' after object member but found %s", what);
          return NULL;
        }
      }

  r->depth--;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, g_steal_pointer (&object));
  return node;
}

static JsonNode *
read_array (Reader *r)
{
  const char *start = r->p;
  g_autoptr(JsonArray) array = NULL;
  JsonNode *node;

  if (!enter (r, start))
    return NULL;

  r->p++;
  array = json_array_new ();
  skip_space (r);

  if (r->p < r->end && *r->p == ']')
    r->p++;
  else
    while (TRUE)
      {
        char index[24];
        JsonNode *value;

        g_snprintf (index, sizeof index, "%u", json_array_get_length (array));
        g_ptr_array_add (r->path, index);
        value = read_value (r);
        g_ptr_array_remove_index (r->path, r->path->len - 1);
        if (value == NULL)
          return NULL;
        json_array_add_element (array, value);

        skip_space (r);
        if (r->p < r->end && *r->p == ',')
          {
            r->p++;
            continue;
          }
        if (r->p < r->end && *r->p == ']')
          {
            r->p++;
            break;
          }

        {
          g_autofree char *what = describe_char (r->p, r->end);

          fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "expected ',' or ']' after array element but found %s", what);
          return NULL;
        }
      }

  r->depth--;
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, g_steal_pointer (&array));
  return node;
}

static JsonNode *
read_value (Reader *r)
{
  const char *at;
  JsonNode *node;

  skip_space (r);
  at = r->p;

  if (r->p >= r->end)
    {
      fail (r, r->p, SLUICE_JSON_ERROR_SYNTAX, "unexpected end of file, expected a value");
      return NULL;
    }

  switch (*r->p)
    {
    case '{':
      node = read_object (r);
      break;
    case '[':
      node = read_array (r);
      break;
    case '"':
      {
        char *str = read_string (r);

        if (str == NULL)
          return NULL;
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, str);
        g_free (str);
      }
      break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      node = read_number (r);
      break;
    default:
      node = read_literal (r);
      break;
    }

  if (node != NULL)
    remember (r, node, at);
  return node;
}

static void
offset_to_position (SluiceJsonDoc *doc,
                    gsize          offset,
                    guint         *line,
                    guint         *column)
{
  guint lo = 0, hi = doc->line_starts->len;
  gsize line_start;

  // Find the last line that starts at or before offset.
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (doc->line_starts, gsize, mid) <= offset)
        lo = mid;
      else
        hi = mid;
    }

  line_start = g_array_index (doc->line_starts, gsize, lo);
  *line = lo + 1;
  // Columns count characters, as editors do; the text is valid UTF-8 up to
  // any error, and the count stops at offset.
  *column = (guint) g_utf8_strlen (doc->text + line_start, offset - line_start) + 1;
}

static void
add_remaining_line_starts (SluiceJsonDoc *doc,
                           const char    *from)
{
  gsize last = g_array_index (doc->line_starts, gsize, doc->line_starts->len - 1);

  for (const char *p = from; p < doc->text + doc->length; p++)
    if (*p == '\n')
      {
        gsize next = (gsize) (p - doc->text) + 1;

        if (next > last)
          g_array_append_val (doc->line_starts, next);
      }
}

static SluiceJsonDoc *
doc_new (const char *data,
         gsize       length)
{
  SluiceJsonDoc *doc = g_new0 (SluiceJsonDoc, 1);
  gsize zero = 0;

  g_atomic_ref_count_init (&doc->ref_count);
  doc->text = g_malloc (length + 1);
  memcpy (doc->text, data, length);
  doc->text[length] = '\0';
  doc->length = length;
  doc->line_starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_array_append_val (doc->line_starts, zero);
  doc->offsets = g_hash_table_new (NULL, NULL);
  doc->duplicates = g_ptr_array_new_with_free_func (duplicate_free);
  return doc;
}

static gboolean
check_encoding (SluiceJsonDoc *doc,
                guint         *error_line,
                guint         *error_column,
                GError       **error)
{
  const char *bad = NULL;

  if (g_utf8_validate (doc->text, doc->length, &bad))
    return TRUE;

  add_remaining_line_starts (doc, doc->text);
  offset_to_position (doc, (gsize) (bad - doc->text), error_line, error_column);
  g_set_error (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_ENCODING,
               *bad == '\0' ? "NUL byte in file" : "file is not valid UTF-8 (byte 0x%02x)",
               (guchar) *bad);
  return FALSE;
}

SluiceJsonDoc *
sluice_json_doc_parse (const char  *data,
                       gsize        length,
                       guint       *error_line,
                       guint       *error_column,
                       GError     **error)
{
  g_autoptr(SluiceJsonDoc) doc = NULL;
  g_autoptr(GPtrArray) path = g_ptr_array_new ();
  guint line_dummy, column_dummy;
  Reader r = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (error_line == NULL)
    error_line = &line_dummy;
  if (error_column == NULL)
    error_column = &column_dummy;
  *error_line = *error_column = 0;

  if (length > SLUICE_JSON_MAX_FILE_SIZE)
    {
      g_set_error (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_LIMIT,
                   "file is larger than %u MiB", (guint) (SLUICE_JSON_MAX_FILE_SIZE / (1024 * 1024)));
      return NULL;
    }

  doc = doc_new (data, length);
  if (!check_encoding (doc, error_line, error_column, error))
    return NULL;

  r.doc = doc;
  r.p = doc->text;
  r.end = doc->text + length;
  r.path = path;

  // A UTF-8 byte order mark is harmless; some Windows editors add one.
  if (length >= 3 && memcmp (r.p, "\xEF\xBB\xBF", 3) == 0)
    r.p += 3;

  doc->root = read_value (&r);
  if (doc->root != NULL)
    {
      skip_space (&r);
      if (r.p < r.end)
        {
          g_autofree char *what = describe_char (r.p, r.end);

          fail (&r, r.p, SLUICE_JSON_ERROR_SYNTAX, "unexpected %s after the end of the document", what);
        }
    }

  if (r.error != NULL)
    {
      add_remaining_line_starts (doc, r.p < r.end ? r.p : r.end);
      offset_to_position (doc, (gsize) (MIN (r.error_at, r.end) - doc->text), error_line, error_column);
      g_propagate_error (error, r.error);
      return NULL;
    }

  for (guint i = 0; i < doc->duplicates->len; i++)
    {
      SluiceJsonDuplicate *dup = g_ptr_array_index (doc->duplicates, i);

      offset_to_position (doc, dup->line, &dup->line, &dup->column);
    }

  return g_steal_pointer (&doc);
}

SluiceJsonDoc *
sluice_json_doc_ref (SluiceJsonDoc *doc)
{
  g_atomic_ref_count_inc (&doc->ref_count);
  return doc;
}

void
sluice_json_doc_unref (SluiceJsonDoc *doc)
{
  if (!g_atomic_ref_count_dec (&doc->ref_count))
    return;

  g_clear_pointer (&doc->root, json_node_unref);
  g_clear_pointer (&doc->offsets, g_hash_table_unref);
  g_clear_pointer (&doc->duplicates, g_ptr_array_unref);
  g_clear_pointer (&doc->line_starts, g_array_unref);
  g_free (doc->text);
  g_free (doc);
}

JsonNode *
sluice_json_doc_get_root (SluiceJsonDoc *doc)
{
  return doc->root;
}

gboolean
sluice_json_doc_get_node_position (SluiceJsonDoc *doc,
                                   JsonNode      *node,
                                   guint         *line,
                                   guint         *column)
{
  gsize offset;

  if (doc == NULL || node == NULL)
    return FALSE;

  offset = GPOINTER_TO_SIZE (g_hash_table_lookup (doc->offsets, node));
  if (offset == 0)
    return FALSE;

  offset_to_position (doc, offset - 1, line, column);
  return TRUE;
}

gboolean
sluice_json_doc_get_pointer_position (SluiceJsonDoc *doc,
                                      const char    *pointer,
                                      guint         *line,
                                      guint         *column)
{
  g_autofree char *parent = NULL;

  if (doc == NULL || pointer == NULL)
    return FALSE;

  // A pointer to something absent (a missing key) is placed at the nearest
  // enclosing value that does exist.
  parent = g_strdup (pointer);
  while (TRUE)
    {
      JsonNode *node = sluice_json_pointer_resolve (doc->root, parent);
      char *slash;

      if (node != NULL)
        return sluice_json_doc_get_node_position (doc, node, line, column);

      slash = strrchr (parent, '/');
      if (slash == NULL)
        return FALSE;
      *slash = '\0';
    }
}

GPtrArray *
sluice_json_doc_get_duplicates (SluiceJsonDoc *doc)
{
  return doc->duplicates;
}

static char *
unescape_token (const char *token,
                gsize       len)
{
  GString *s = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (token[i] == '~' && i + 1 < len && token[i + 1] == '1')
        {
          g_string_append_c (s, '/');
          i++;
        }
      else if (token[i] == '~' && i + 1 < len && token[i + 1] == '0')
        {
          g_string_append_c (s, '~');
          i++;
        }
      else
        g_string_append_c (s, token[i]);
    }

  return g_string_free (s, FALSE);
}

JsonNode *
sluice_json_pointer_resolve (JsonNode   *root,
                             const char *pointer)
{
  JsonNode *node = root;
  const char *p = pointer;

  if (root == NULL || pointer == NULL)
    return NULL;

  while (*p == '/')
    {
      const char *next = strchr (p + 1, '/');
      gsize len = next ? (gsize) (next - p - 1) : strlen (p + 1);
      g_autofree char *token = unescape_token (p + 1, len);

      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), token);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          char *end = NULL;
          guint64 index = g_ascii_strtoull (token, &end, 10);
          JsonArray *array = json_node_get_array (node);

          if (*token == '\0' || *end != '\0' || index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, (guint) index);
        }
      else
        return NULL;

      if (node == NULL)
        return NULL;
      p += len + 1;
    }

  return *p == '\0' ? node : NULL;
}

char *
sluice_json_pointer_append (const char *pointer,
                            const char *token)
{
  GString *s = g_string_new (pointer);

  g_string_append_c (s, '/');
  for (const char *p = token; *p; p++)
    {
      if (*p == '~')
        g_string_append (s, "~0");
      else if (*p == '/')
        g_string_append (s, "~1");
      else
        g_string_append_c (s, *p);
    }

  return g_string_free (s, FALSE);
}

// An integer or a floating-point value, as a double. NULL, other types and
// containers are not numbers; *value is left alone then.
gboolean
sluice_json_node_get_number (JsonNode *node,
                             double   *value)
{
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

void
sluice_json_write_string (GString    *out,
                          const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

void
sluice_json_write_double (GString *out,
                          double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      // JSON has no spelling for these; null is what browsers write.
      g_string_append (out, "null");
      return;
    }

  // The shortest form that reads back to the same double, so that 0.1 stays
  // 0.1 instead of becoming 0.10000000000000001.
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }

  g_string_append (out, buf);
  // Keep the number a float when read back, so an integer-typed check does
  // not change its mind after a round trip.
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
write_indent (GString *out,
              guint    indent)
{
  for (guint i = 0; i < indent; i++)
    g_string_append (out, "  ");
}

#define INLINE_WIDTH 72
#define INLINE_MEMBERS 4

static gboolean
node_is_scalar (JsonNode *node)
{
  return !JSON_NODE_HOLDS_OBJECT (node) && !JSON_NODE_HOLDS_ARRAY (node);
}

static void write_value (GString *out, JsonNode *node);

// Short lists of scalars (tags, enums) and small numeric records
// (positions) read best on one line. The rule depends only on the content, so the same
// document always gets the same layout. Returns the one-line form, or NULL.
static char *
inline_form (JsonNode *node)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      g_string_append_c (s, '[');
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!node_is_scalar (element))
            return NULL;
          if (i > 0)
            g_string_append (s, ", ");
          write_value (s, element);
        }
      g_string_append_c (s, ']');
    }
  else
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *key;
      JsonNode *member;
      gboolean first = TRUE;

      if (json_object_get_size (object) > INLINE_MEMBERS)
        return NULL;

      g_string_append_c (s, '{');
      json_object_iter_init_ordered (&iter, object);
      while (json_object_iter_next_ordered (&iter, &key, &member))
        {
          // Only numeric records such as positions; objects with strings
          // (port specs, bindings) diff better one member per line.
          if (!node_is_scalar (member) ||
              (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING))
            return NULL;
          if (!first)
            g_string_append (s, ", ");
          first = FALSE;
          sluice_json_write_string (s, key);
          g_string_append (s, ": ");
          write_value (s, member);
        }
      g_string_append_c (s, '}');
    }

  if (g_utf8_strlen (s->str, -1) > INLINE_WIDTH)
    return NULL;
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
write_value (GString  *out,
             JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (out, "null");
      return;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      sluice_json_write_double (out, json_node_get_double (node));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    case G_TYPE_STRING:
      sluice_json_write_string (out, json_node_get_string (node));
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

void
sluice_json_write (GString  *out,
                   JsonNode *node,
                   guint     indent)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *key;
        JsonNode *member;
        gboolean first = TRUE;

        g_autofree char *one_line = NULL;

        if (json_object_get_size (object) == 0)
          {
            g_string_append (out, "{}");
            break;
          }
        if ((one_line = inline_form (node)) != NULL)
          {
            g_string_append (out, one_line);
            break;
          }

        g_string_append (out, "{\n");
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &key, &member))
          {
            if (!first)
              g_string_append (out, ",\n");
            first = FALSE;
            write_indent (out, indent + 1);
            sluice_json_write_string (out, key);
            g_string_append (out, ": ");
            sluice_json_write (out, member, indent + 1);
          }
        g_string_append_c (out, '\n');
        write_indent (out, indent);
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);
        g_autofree char *one_line = NULL;

        if (n == 0)
          {
            g_string_append (out, "[]");
            break;
          }
        if ((one_line = inline_form (node)) != NULL)
          {
            g_string_append (out, one_line);
            break;
          }

        g_string_append (out, "[\n");
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, ",\n");
            write_indent (out, indent + 1);
            sluice_json_write (out, json_array_get_element (array, i), indent + 1);
          }
        g_string_append_c (out, '\n');
        write_indent (out, indent);
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      write_value (out, node);
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

char *
sluice_json_to_string (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  sluice_json_write (out, node, 0);
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}
