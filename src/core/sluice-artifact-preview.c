// SPDX-License-Identifier: GPL-3.0-or-later
//
// Every read is bounded: a file is read up to a limit, never whole, and
// every string handed out is valid UTF-8, since step outputs are whatever
// a user's program wrote.

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "sluice-artifact-preview.h"
#include "sluice-error.h"

// Enough of a file to tell its kind.
#define SNIFF_BYTES 8192
// Folders deeper than this are not listed further (and symlink loops end).
#define MAX_LIST_DEPTH 8

const char *
sluice_preview_kind_to_string (SluicePreviewKind kind)
{
  switch (kind)
    {
    case SLUICE_PREVIEW_TEXT:   return "text";
    case SLUICE_PREVIEW_JSON:   return "json";
    case SLUICE_PREVIEW_TABLE:  return "table";
    case SLUICE_PREVIEW_IMAGE:  return "image";
    case SLUICE_PREVIEW_FOLDER: return "folder";
    case SLUICE_PREVIEW_BINARY: return "binary";
    default:                    return "unknown";
    }
}

void
sluice_artifact_preview_free (SluiceArtifactPreview *preview)
{
  if (preview == NULL)
    return;
  g_free (preview->path);
  g_free (preview->data_path);
  g_free (preview->text);
  g_strfreev (preview->columns);
  g_strfreev (preview->column_types);
  g_clear_pointer (&preview->rows, g_ptr_array_unref);
  g_clear_pointer (&preview->entries, g_ptr_array_unref);
  g_free (preview);
}

/* reading --------------------------------------------------------------------- */

// Reads at most max bytes from the start of path. complete tells whether
// that was the whole file.
static char *
read_head (const char *path,
           gsize       max,
           gsize      *length,
           gboolean   *complete,
           GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);
  g_autofree char *buffer = NULL;
  gsize got = 0;
  char extra;

  if (stream == NULL)
    return NULL;
  buffer = g_malloc (max + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), buffer, max, &got, NULL, error))
    return NULL;
  buffer[got] = '\0';
  *length = got;
  // One more byte says whether anything is left.
  *complete = got < max || g_input_stream_read (G_INPUT_STREAM (stream), &extra, 1, NULL, NULL) <= 0;
  return g_steal_pointer (&buffer);
}

static gboolean
has_prefix_bytes (const char *data,
                  gsize       length,
                  const char *magic,
                  gsize       magic_length)
{
  return length >= magic_length && memcmp (data, magic, magic_length) == 0;
}

static gboolean
is_image (const char *data,
          gsize       length)
{
  return has_prefix_bytes (data, length, "\x89PNG\r\n\x1a\n", 8) ||
         has_prefix_bytes (data, length, "\xff\xd8\xff", 3) ||
         has_prefix_bytes (data, length, "GIF87a", 6) ||
         has_prefix_bytes (data, length, "GIF89a", 6);
}

// Text may be in any 8-bit encoding; a NUL byte or many control bytes mean
// binary.
static gboolean
looks_binary (const char *data,
              gsize       length)
{
  gsize control = 0;

  for (gsize i = 0; i < length; i++)
    {
      guchar c = data[i];

      if (c == 0)
        return TRUE;
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)
        control++;
    }
  return control * 10 > length;
}

static gboolean
starts_like_json (const char *data,
                  gsize       length)
{
  gsize i = 0;

  // A UTF-8 byte order mark may come first.
  if (has_prefix_bytes (data, length, "\xef\xbb\xbf", 3))
    i = 3;
  while (i < length && g_ascii_isspace (data[i]))
    i++;
  return i < length && (data[i] == '{' || data[i] == '[');
}

static char *
mltable_data_path (const char *folder)
{
  g_autofree char *data = g_build_filename (folder, "data.csv", NULL);

  return g_file_test (data, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&data) : NULL;
}

static SluicePreviewKind
sniff_data (const char *data,
            gsize       length,
            gboolean    complete)
{
  if (is_image (data, length))
    return SLUICE_PREVIEW_IMAGE;
  if (looks_binary (data, length))
    return SLUICE_PREVIEW_BINARY;
  if (starts_like_json (data, length))
    return SLUICE_PREVIEW_JSON;
  if (sluice_csv_sniff_delimiter (data, length, complete) != 0)
    return SLUICE_PREVIEW_TABLE;
  return SLUICE_PREVIEW_TEXT;
}

gboolean
sluice_artifact_sniff (const char         *path,
                       SluicePreviewKind  *kind,
                       GError            **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  gboolean complete = FALSE;

  g_return_val_if_fail (path != NULL && kind != NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *table = mltable_data_path (path);

      *kind = table != NULL ? SLUICE_PREVIEW_TABLE : SLUICE_PREVIEW_FOLDER;
      return TRUE;
    }
  if (!(data = read_head (path, SNIFF_BYTES, &length, &complete, error)))
    return FALSE;
  *kind = sniff_data (data, length, complete);
  return TRUE;
}

/* CSV ---------------------------------------------------------------------------- */

typedef struct
{
  gsize     max_cell_chars;
  GString  *cell;
  gboolean  cell_overflow;
  GPtrArray *row;        // char*
} CsvState;

// Bytes kept of one cell before it is cut: enough for max_cell_chars
// characters of up to four bytes each.
static gsize
cell_byte_limit (const CsvState *state)
{
  return state->max_cell_chars * 4 + 4;
}

static void
cell_append (CsvState *state,
             char      c)
{
  if (state->cell->len < cell_byte_limit (state))
    g_string_append_c (state->cell, c);
  else
    state->cell_overflow = TRUE;
}

static void
end_cell (CsvState *state)
{
  g_autofree char *valid = g_utf8_make_valid (state->cell->str, state->cell->len);
  glong chars = g_utf8_strlen (valid, -1);
  char *text;

  if (chars > (glong) state->max_cell_chars || state->cell_overflow)
    {
      g_autofree char *cut = g_utf8_substring (valid, 0, MIN (chars, (glong) state->max_cell_chars));

      text = g_strconcat (cut, "…", NULL);
    }
  else
    text = g_steal_pointer (&valid);
  g_ptr_array_add (state->row, text);
  g_string_truncate (state->cell, 0);
  state->cell_overflow = FALSE;
}

static char **
end_row (CsvState *state)
{
  g_ptr_array_add (state->row, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&state->row), FALSE);
}

GPtrArray *
sluice_csv_parse (const char *data,
                  gsize       length,
                  gboolean    complete,
                  char        delimiter,
                  guint       max_rows,
                  gsize       max_cell_chars,
                  gboolean   *more)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GString) cell = g_string_new (NULL);
  CsvState state = { MAX (max_cell_chars, 1), cell, FALSE, NULL };
  gboolean in_quotes = FALSE, at_cell_start = TRUE;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (more != NULL)
    *more = FALSE;
  if (delimiter == 0)
    delimiter = ',';
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;

  for (; i < length; i++)
    {
      char c = data[i];

      if (rows->len >= max_rows)
        {
          if (more != NULL)
            *more = TRUE;
          break;
        }
      if (state.row == NULL)
        state.row = g_ptr_array_new_with_free_func (g_free);

      if (in_quotes)
        {
          if (c == '"' && i + 1 < length && data[i + 1] == '"')
            {
              cell_append (&state, '"');
              i++;
            }
          else if (c == '"')
            in_quotes = FALSE;
          else
            cell_append (&state, c);
          continue;
        }

      if (c == '"' && at_cell_start)
        {
          in_quotes = TRUE;
          at_cell_start = FALSE;
        }
      else if (c == delimiter)
        {
          end_cell (&state);
          at_cell_start = TRUE;
        }
      else if (c == '\n' || c == '\r')
        {
          if (c == '\r' && i + 1 < length && data[i + 1] == '\n')
            i++;
          end_cell (&state);
          g_ptr_array_add (rows, end_row (&state));
          at_cell_start = TRUE;
        }
      else
        {
          cell_append (&state, c);
          at_cell_start = FALSE;
        }
    }

  // The last record has no line end: keep it only when the data is the
  // whole file (else it is cut off where the read stopped).
  if (state.row != NULL)
    {
      if (complete && (state.row->len > 0 || cell->len > 0 || !at_cell_start || in_quotes))
        {
          end_cell (&state);
          g_ptr_array_add (rows, end_row (&state));
        }
      else
        g_clear_pointer (&state.row, g_ptr_array_unref);
    }
  if (!complete && more != NULL)
    *more = TRUE;
  return g_steal_pointer (&rows);
}

static gboolean
rows_look_like_table (GPtrArray *rows)
{
  guint header, same = 0;

  if (rows->len < 2)
    return FALSE;
  header = g_strv_length (g_ptr_array_index (rows, 0));
  if (header < 2)
    return FALSE;
  for (guint i = 1; i < rows->len; i++)
    if (g_strv_length (g_ptr_array_index (rows, i)) == header)
      same++;
  // Most rows, not all: a ragged line or two is still a table.
  return same * 3 >= (rows->len - 1) * 2;
}

char
sluice_csv_sniff_delimiter (const char *data,
                            gsize       length,
                            gboolean    complete)
{
  static const char delimiters[] = { ',', '\t' };

  for (guint d = 0; d < G_N_ELEMENTS (delimiters); d++)
    {
      g_autoptr(GPtrArray) rows = sluice_csv_parse (data, MIN (length, SNIFF_BYTES),
                                                    complete && length <= SNIFF_BYTES,
                                                    delimiters[d], 20, 16, NULL);

      if (rows_look_like_table (rows))
        return delimiters[d];
    }
  return 0;
}

/* previews ------------------------------------------------------------------------- */

// Column types from an mltable's schema.json, when it names the columns in
// the same order as data.csv's header; NULL otherwise.
static char **
read_mltable_types (const char  *folder,
                    char       **columns)
{
  g_autofree char *path = g_build_filename (folder, "schema.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) types = g_strv_builder_new ();
  JsonNode *root, *member;
  JsonArray *array;

  if (!json_parser_load_from_file (parser, path, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  member = json_object_get_member (json_node_get_object (root), "columns");
  array = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
  if (array == NULL || json_array_get_length (array) != g_strv_length (columns))
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *column = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = column ? json_object_get_string_member_with_default (column, "name", NULL) : NULL;
      const char *type = column ? json_object_get_string_member_with_default (column, "type", NULL) : NULL;

      if (name == NULL || type == NULL || g_strcmp0 (name, columns[i]) != 0)
        return NULL;
      g_strv_builder_add (types, type);
    }
  return g_strv_builder_end (types);
}

// Every row gets exactly n_columns cells, so a ragged file shows as a
// table with blanks (and extra cells get columns of their own).
static void
fill_table (SluiceArtifactPreview *preview,
            GPtrArray             *rows)
{
  guint n_columns = 0;

  for (guint i = 0; i < rows->len; i++)
    n_columns = MAX (n_columns, g_strv_length (g_ptr_array_index (rows, i)));

  preview->n_columns = n_columns;
  preview->columns = g_new0 (char *, n_columns + 1);
  preview->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < rows->len; i++)
    {
      char **cells = g_ptr_array_index (rows, i);
      guint have = g_strv_length (cells);
      char **padded = g_new0 (char *, n_columns + 1);

      for (guint c = 0; c < n_columns; c++)
        padded[c] = c < have ? g_strdup (cells[c]) : g_strdup ("");
      if (i == 0)
        {
          for (guint c = 0; c < n_columns; c++)
            preview->columns[c] = c < have && *cells[c] ? g_strdup (cells[c]) : g_strdup_printf ("column %u", c + 1);
          g_strfreev (padded);
        }
      else
        g_ptr_array_add (preview->rows, padded);
    }
}

static gboolean
load_table (SluiceArtifactPreview      *preview,
            const SluicePreviewLimits  *limits,
            GError                    **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gsize length = 0;
  gboolean complete = FALSE, more = FALSE;
  char delimiter;

  if (!(data = read_head (preview->data_path, limits->max_table_bytes, &length, &complete, error)))
    return FALSE;
  delimiter = sluice_csv_sniff_delimiter (data, length, complete);
  // An mltable is comma separated even when it has one column.
  if (delimiter == 0)
    delimiter = ',';
  rows = sluice_csv_parse (data, length, complete, delimiter, limits->max_rows + 1, limits->max_cell_chars, &more);
  fill_table (preview, rows);
  preview->truncated = more;
  if (g_strcmp0 (preview->path, preview->data_path) != 0)
    preview->column_types = read_mltable_types (preview->path, preview->columns);
  return TRUE;
}

// Cuts text at the last line end within max bytes, or at a character
// boundary when a single line is longer. Text that is only the start of a
// file (complete FALSE) is cut too, so no half line is shown.
static char *
cut_text (const char *valid,
          gsize       max,
          gboolean    complete,
          gboolean   *cut)
{
  gsize length = strlen (valid);
  const char *end, *newline;

  *cut = length > max || !complete;
  if (!*cut)
    return g_strdup (valid);
  end = length > max ? g_utf8_find_prev_char (valid, valid + max + 1) : valid + length;
  newline = g_strrstr_len (valid, end - valid, "\n");
  if (newline != NULL && newline > valid)
    end = newline + 1;
  return g_strndup (valid, end - valid);
}

static gboolean
load_text (SluiceArtifactPreview      *preview,
           const SluicePreviewLimits  *limits,
           GError                    **error)
{
  g_autofree char *data = NULL;
  g_autofree char *valid = NULL;
  gsize length = 0;
  gboolean complete = FALSE, cut = FALSE;

  if (!(data = read_head (preview->data_path, limits->max_text_bytes, &length, &complete, error)))
    return FALSE;
  valid = g_utf8_make_valid (data, length);
  preview->text = cut_text (valid, limits->max_text_bytes, complete, &cut);
  preview->truncated = cut;
  return TRUE;
}

// JSON is pretty printed when the whole file parses within the table read
// limit; anything else shows as text.
static gboolean
load_json (SluiceArtifactPreview      *preview,
           const SluicePreviewLimits  *limits,
           GError                    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *data = NULL;
  g_autofree char *pretty = NULL;
  gsize length = 0;
  gboolean complete = FALSE, cut = FALSE;

  if (!(data = read_head (preview->data_path, limits->max_table_bytes, &length, &complete, error)))
    return FALSE;
  if (!complete || !g_utf8_validate (data, length, NULL) || !json_parser_load_from_data (parser, data, length, NULL))
    {
      preview->kind = SLUICE_PREVIEW_TEXT;
      return load_text (preview, limits, error);
    }
  pretty = json_to_string (json_parser_get_root (parser), TRUE);
  preview->text = cut_text (pretty, limits->max_text_bytes, TRUE, &cut);
  preview->truncated = cut;
  return TRUE;
}

static int
compare_info_names (gconstpointer a,
                    gconstpointer b)
{
  return g_strcmp0 (g_file_info_get_name (*(GFileInfo **) a), g_file_info_get_name (*(GFileInfo **) b));
}

static void
list_folder (GFile       *root,
             GFile       *folder,
             guint        depth,
             guint        max,
             GPtrArray   *entries,
             gboolean    *truncated)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_object_unref);
  GFileInfo *info;

  children = g_file_enumerate_children (folder, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children == NULL)
    return;
  while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    g_ptr_array_add (names, info);
  // Sorted, so the listing is the same every time.
  g_ptr_array_sort (names, compare_info_names);

  for (guint i = 0; i < names->len; i++)
    {
      GFileInfo *child_info = g_ptr_array_index (names, i);
      g_autoptr(GFile) child = g_file_get_child (folder, g_file_info_get_name (child_info));
      g_autofree char *relative = g_file_get_relative_path (root, child);
      gboolean is_dir = g_file_info_get_file_type (child_info) == G_FILE_TYPE_DIRECTORY;

      if (entries->len >= max)
        {
          *truncated = TRUE;
          return;
        }
      g_ptr_array_add (entries, is_dir ? g_strconcat (relative, "/", NULL) : g_steal_pointer (&relative));
      if (is_dir && depth < MAX_LIST_DEPTH)
        list_folder (root, child, depth + 1, max, entries, truncated);
    }
}

SluiceArtifactPreview *
sluice_artifact_preview_load (const char                 *path,
                              const SluicePreviewLimits  *limits,
                              GError                    **error)
{
  g_autoptr(SluiceArtifactPreview) preview = g_new0 (SluiceArtifactPreview, 1);
  SluicePreviewLimits defaults = SLUICE_PREVIEW_LIMITS_DEFAULT;
  GStatBuf st;
  gboolean ok = TRUE;

  g_return_val_if_fail (path != NULL, NULL);

  if (limits == NULL)
    limits = &defaults;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot read %s: %s", path, g_strerror (saved));
      return NULL;
    }

  preview->path = g_strdup (path);
  if (!sluice_artifact_sniff (path, &preview->kind, error))
    return NULL;
  if (S_ISDIR (st.st_mode))
    preview->data_path = preview->kind == SLUICE_PREVIEW_TABLE ? mltable_data_path (path) : g_strdup (path);
  else
    {
      preview->data_path = g_strdup (path);
      preview->size = st.st_size;
    }
  if (preview->kind == SLUICE_PREVIEW_TABLE && S_ISDIR (st.st_mode) && g_stat (preview->data_path, &st) == 0)
    preview->size = st.st_size;

  switch (preview->kind)
    {
    case SLUICE_PREVIEW_TABLE:
      ok = load_table (preview, limits, error);
      break;
    case SLUICE_PREVIEW_JSON:
      ok = load_json (preview, limits, error);
      break;
    case SLUICE_PREVIEW_TEXT:
      ok = load_text (preview, limits, error);
      break;
    case SLUICE_PREVIEW_FOLDER:
      {
        g_autoptr(GFile) root = g_file_new_for_path (path);

        preview->entries = g_ptr_array_new_with_free_func (g_free);
        list_folder (root, root, 0, limits->max_entries, preview->entries, &preview->truncated);
      }
      break;
    case SLUICE_PREVIEW_IMAGE:
    case SLUICE_PREVIEW_BINARY:
    default:
      break;
    }
  return ok ? g_steal_pointer (&preview) : NULL;
}
