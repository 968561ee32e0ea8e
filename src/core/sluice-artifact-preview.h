// SPDX-License-Identifier: GPL-3.0-or-later
//
// A first look at a step output: what kind of thing it is and its first
// rows, bytes or entries, read with hard limits so that a 10 GB file or a
// single 100 MB line costs no more than a small one. Artifacts in the store
// have no file name extension, so the kind comes from the content.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SLUICE_PREVIEW_TEXT,
  SLUICE_PREVIEW_JSON,
  SLUICE_PREVIEW_TABLE,     // a CSV file, or an mltable folder (its data.csv)
  SLUICE_PREVIEW_IMAGE,     // PNG, JPEG or GIF: the UI loads the file itself
  SLUICE_PREVIEW_FOLDER,    // any other folder: a listing
  SLUICE_PREVIEW_BINARY,
} SluicePreviewKind;

typedef struct
{
  SluicePreviewKind  kind;
  char              *path;          // the artifact, file or folder
  char              *data_path;     // the file shown: data.csv of an mltable, else path
  guint64            size;          // bytes of data_path (0 for a folder)
  char              *text;          // TEXT, JSON (pretty printed): valid UTF-8
  char             **columns;       // TABLE: n_columns names
  char             **column_types;  // TABLE: from an mltable's schema.json, or NULL
  guint              n_columns;
  GPtrArray         *rows;          // TABLE: char** of exactly n_columns cells each
  GPtrArray         *entries;       // FOLDER: relative paths, folders end with '/'
  gboolean           truncated;     // there is more than is shown
} SluiceArtifactPreview;

typedef struct
{
  guint  max_rows;                  // TABLE rows (without the header)
  gsize  max_text_bytes;            // bytes read for TEXT and JSON (JSON longer is TEXT)
  gsize  max_table_bytes;           // bytes read for TABLE
  gsize  max_cell_chars;            // characters of one table cell
  guint  max_entries;               // FOLDER entries
} SluicePreviewLimits;

// 100 rows, 64 KiB of text (1 MiB for a table), 200 characters a cell,
// 200 entries.
#define SLUICE_PREVIEW_LIMITS_DEFAULT ((SluicePreviewLimits) { 100, 64 * 1024, 1024 * 1024, 200, 200 })

const char            *sluice_preview_kind_to_string (SluicePreviewKind kind);

// What kind of artifact path is, from its first bytes (or, for a folder,
// whether it is an mltable). Errors: the path cannot be read.
gboolean               sluice_artifact_sniff         (const char               *path,
                                                      SluicePreviewKind        *kind,
                                                      GError                  **error);
SluiceArtifactPreview *sluice_artifact_preview_load  (const char               *path,
                                                      const SluicePreviewLimits *limits,
                                                      GError                  **error);
void                   sluice_artifact_preview_free  (SluiceArtifactPreview    *preview);

// RFC 4180 CSV: quoted fields with "" for a quote and line breaks inside
// quotes, LF or CRLF line ends. Rows may have any number of cells. Cells
// are made valid UTF-8 and cut to max_cell_chars (with "…"). When complete
// is FALSE, data is only the start of a file and a record running into its
// end is dropped. more is set when there are records after the last one
// returned. Returns an array of char** (NULL-terminated rows).
GPtrArray             *sluice_csv_parse              (const char               *data,
                                                      gsize                     length,
                                                      gboolean                  complete,
                                                      char                      delimiter,
                                                      guint                     max_rows,
                                                      gsize                     max_cell_chars,
                                                      gboolean                 *more);
// ',' or '\t' when the start of a file reads as a table of at least two
// columns with the same number of cells in most rows, else 0.
char                   sluice_csv_sniff_delimiter    (const char               *data,
                                                      gsize                     length,
                                                      gboolean                  complete);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceArtifactPreview, sluice_artifact_preview_free)

G_END_DECLS
