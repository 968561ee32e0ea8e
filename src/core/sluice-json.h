// SPDX-License-Identifier: GPL-3.0-or-later
//
// A strict JSON reader that builds json-glib nodes while remembering where
// each value sits in the text, and a canonical writer.
//
// We do not use JsonParser: it recurses without a limit (deep input crashes
// it), it drops duplicate keys silently, and it cannot tell where a value was,
// which validation needs to say "line 12, column 9".

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SLUICE_JSON_MAX_DEPTH       64
#define SLUICE_JSON_MAX_STRING      (1024 * 1024)
#define SLUICE_JSON_MAX_FILE_SIZE   (64 * 1024 * 1024)

#define SLUICE_JSON_ERROR (sluice_json_error_quark ())

typedef enum
{
  SLUICE_JSON_ERROR_SYNTAX,
  SLUICE_JSON_ERROR_ENCODING,
  SLUICE_JSON_ERROR_LIMIT,
} SluiceJsonError;

typedef struct _SluiceJsonDoc SluiceJsonDoc;

typedef struct
{
  char  *pointer;       // object holding the repeated key, as a JSON pointer
  char  *key;
  guint  line;          // of the repeated key
  guint  column;
  guint  first_line;    // of the key's first use, which is the one kept
  guint  first_column;
} SluiceJsonDuplicate;

GQuark         sluice_json_error_quark          (void);

SluiceJsonDoc *sluice_json_doc_parse            (const char     *data,
                                                 gsize           length,
                                                 guint          *error_line,
                                                 guint          *error_column,
                                                 GError        **error);
SluiceJsonDoc *sluice_json_doc_ref              (SluiceJsonDoc  *doc);
void           sluice_json_doc_unref            (SluiceJsonDoc  *doc);
JsonNode      *sluice_json_doc_get_root         (SluiceJsonDoc  *doc);
gboolean       sluice_json_doc_get_node_position(SluiceJsonDoc  *doc,
                                                 JsonNode       *node,
                                                 guint          *line,
                                                 guint          *column);
gboolean       sluice_json_doc_get_pointer_position (SluiceJsonDoc *doc,
                                                 const char     *pointer,
                                                 guint          *line,
                                                 guint          *column);
GPtrArray     *sluice_json_doc_get_duplicates   (SluiceJsonDoc  *doc);

JsonNode      *sluice_json_pointer_resolve      (JsonNode       *root,
                                                 const char     *pointer);
char          *sluice_json_pointer_append       (const char     *pointer,
                                                 const char     *token);

gboolean       sluice_json_node_get_number      (JsonNode       *node,
                                                 double         *value);
void           sluice_json_write                (GString        *out,
                                                 JsonNode       *node,
                                                 guint           indent);
char          *sluice_json_to_string            (JsonNode       *node);
void           sluice_json_write_string         (GString        *out,
                                                 const char     *str);
void           sluice_json_write_double         (GString        *out,
                                                 double          value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceJsonDoc, sluice_json_doc_unref)

G_END_DECLS
