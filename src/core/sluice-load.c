// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-error.h"
#include "sluice-load-private.h"

void
_sluice_report (SluiceLoadContext *ctx,
                SluiceSeverity     severity,
                const char        *code,
                const char        *pointer,
                const char        *format,
                ...)
{
  g_autofree char *message = NULL;
  SluiceProblem *problem;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  problem = sluice_problem_new (severity, code, pointer, message);
  problem->file = g_strdup (ctx->file);
  sluice_json_doc_get_pointer_position (ctx->doc, pointer, &problem->line, &problem->column);
  g_ptr_array_add (ctx->problems, problem);
}

void
_sluice_report_parse_error (SluiceLoadContext *ctx,
                            GError            *error,
                            guint              line,
                            guint              column)
{
  const char *code = "malformed-json";
  SluiceProblem *problem;

  if (g_error_matches (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_LIMIT))
    code = "limit-exceeded";
  else if (g_error_matches (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_ENCODING))
    code = "bad-encoding";
  else if (error->domain != SLUICE_JSON_ERROR)
    code = "io-error";

  problem = sluice_problem_new (SLUICE_SEVERITY_ERROR, code, "", error->message);
  problem->file = g_strdup (ctx->file);
  problem->line = line;
  problem->column = column;
  g_ptr_array_add (ctx->problems, problem);
}

// Duplicate keys are reported where they occur; the first one is kept. A
// duplicate inside map_pointer (the step map, say) gets a clearer wording.
void
_sluice_report_duplicates (SluiceLoadContext *ctx,
                           const char        *map_pointer,
                           const char        *what)
{
  GPtrArray *dups;

  if (ctx->doc == NULL)
    return;

  dups = sluice_json_doc_get_duplicates (ctx->doc);
  for (guint i = 0; i < dups->len; i++)
    {
      SluiceJsonDuplicate *dup = g_ptr_array_index (dups, i);
      g_autofree char *pointer = sluice_json_pointer_append (dup->pointer, dup->key);
      g_autofree char *message = NULL;
      SluiceProblem *problem;
      gboolean is_map = map_pointer != NULL && g_str_equal (dup->pointer, map_pointer);

      message = g_strdup_printf ("duplicate %s '%s' (first defined at line %u); only the first is used",
                                 is_map ? what : "key", dup->key, dup->first_line);
      problem = sluice_problem_new (SLUICE_SEVERITY_ERROR, is_map ? "duplicate-step-id" : "duplicate-key",
                                    pointer, message);
      problem->file = g_strdup (ctx->file);
      problem->line = dup->line;
      problem->column = dup->column;
      g_ptr_array_add (ctx->problems, problem);
    }
}

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "a list";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
    }
}

static JsonNode *
get_member (SluiceLoadContext *ctx,
            JsonObject        *parent,
            const char        *parent_pointer,
            const char        *key,
            gboolean           required)
{
  JsonNode *node = parent ? json_object_get_member (parent, key) : NULL;

  if (node == NULL && required && parent != NULL)
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "missing-key", parent_pointer,
                    "required key '%s' is missing", key);
  return node;
}

static void
report_wrong_type (SluiceLoadContext *ctx,
                   const char        *parent_pointer,
                   const char        *key,
                   const char        *expected,
                   JsonNode          *node)
{
  g_autofree char *pointer = sluice_json_pointer_append (parent_pointer, key);

  _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer,
                  "'%s' must be %s, not %s", key, expected, node_kind (node));
}

JsonObject *
_sluice_get_object (SluiceLoadContext *ctx,
                    JsonObject        *parent,
                    const char        *parent_pointer,
                    const char        *key,
                    gboolean           required)
{
  JsonNode *node = get_member (ctx, parent, parent_pointer, key, required);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_wrong_type (ctx, parent_pointer, key, "an object", node);
      return NULL;
    }
  return json_node_get_object (node);
}

const char *
_sluice_get_string (SluiceLoadContext *ctx,
                    JsonObject        *parent,
                    const char        *parent_pointer,
                    const char        *key,
                    gboolean           required)
{
  JsonNode *node = get_member (ctx, parent, parent_pointer, key, required);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      report_wrong_type (ctx, parent_pointer, key, "a string", node);
      return NULL;
    }
  return json_node_get_string (node);
}

gboolean
_sluice_get_boolean (SluiceLoadContext *ctx,
                     JsonObject        *parent,
                     const char        *parent_pointer,
                     const char        *key,
                     gboolean           default_value)
{
  JsonNode *node = get_member (ctx, parent, parent_pointer, key, FALSE);

  if (node == NULL)
    return default_value;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      report_wrong_type (ctx, parent_pointer, key, "true or false", node);
      return default_value;
    }
  return json_node_get_boolean (node);
}

static gboolean
is_known (const char         *key,
          const char * const *known)
{
  for (guint i = 0; known[i] != NULL; i++)
    if (g_str_equal (key, known[i]))
      return TRUE;
  return FALSE;
}

// Unknown keys are kept on save (a newer Sluice may have written them), but
// a typo such as "is_determinstic" deserves a word. "x-" keys are for tools
// that extend the format and are never reported.
void
_sluice_warn_unknown_keys (SluiceLoadContext  *ctx,
                           JsonObject         *object,
                           const char         *pointer,
                           const char * const *known)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &key, &member))
    {
      g_autofree char *member_pointer = NULL;

      if (is_known (key, known) || g_str_has_prefix (key, "x-"))
        continue;
      member_pointer = sluice_json_pointer_append (pointer, key);
      _sluice_report (ctx, SLUICE_SEVERITY_WARNING, "unknown-key", member_pointer,
                      "unknown key '%s' is kept but not used", key);
    }
}

// The same members, known keys first in the given order, then the rest in
// the order they came. Values are shared, not copied.
JsonObject *
_sluice_canonical_object (JsonObject         *object,
                          const char * const *order)
{
  JsonObject *result = json_object_new ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  for (guint i = 0; order[i] != NULL; i++)
    if ((member = json_object_get_member (object, order[i])) != NULL)
      json_object_set_member (result, order[i], json_node_ref (member));

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &key, &member))
    if (!is_known (key, order))
      json_object_set_member (result, key, json_node_ref (member));

  return result;
}

char *
sluice_file_read (const char  *path,
                   gsize       *length,
                   GError     **error)
{
  struct stat st;
  char *contents = NULL;

  // Check the size first so a huge or endless file (a FIFO, /dev/zero) is
  // refused without reading it.
  if (g_stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s is a folder, not a file", path);
          return NULL;
        }
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file", path);
          return NULL;
        }
      if (st.st_size > SLUICE_JSON_MAX_FILE_SIZE)
        {
          g_set_error (error, SLUICE_JSON_ERROR, SLUICE_JSON_ERROR_LIMIT,
                       "file is larger than %u MiB", (guint) (SLUICE_JSON_MAX_FILE_SIZE / (1024 * 1024)));
          return NULL;
        }
    }

  if (!g_file_get_contents (path, &contents, length, error))
    return NULL;
  return contents;
}

// Write next to the target, flush to disk, then rename over it: readers see
// the old file or the new one, never half of one, and a failure at any point
// leaves the old file as it was.
gboolean
sluice_file_write_atomic (const char  *path,
                           const char  *contents,
                           gsize        length,
                           GError     **error)
{
  g_autofree char *target = NULL;
  struct stat st;
  int mode = 0666;

  // Keep a symlink a symlink: replace the file it points to.
  target = realpath (path, NULL);
  if (target == NULL)
    target = g_strdup (path);
  else if (g_stat (target, &st) == 0)
    mode = st.st_mode & 07777;

  if (!g_file_set_contents_full (target, contents, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 mode, error))
    return FALSE;

  return TRUE;
}
