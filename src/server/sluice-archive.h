// SPDX-License-Identifier: GPL-3.0-or-later
//
// gzip'd tar archives for the server: safe extraction of uploaded pipeline
// bundles (no "..", no absolute paths, no links or devices, bounded size),
// and packing an artifact folder for download.

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SLUICE_ARCHIVE_ERROR (sluice_archive_error_quark ())

typedef enum
{
  SLUICE_ARCHIVE_ERROR_INVALID,    // not a gzip'd tar, or truncated
  SLUICE_ARCHIVE_ERROR_UNSAFE,     // an entry that could write outside the folder
  SLUICE_ARCHIVE_ERROR_TOO_LARGE,  // over the entry or byte limit
} SluiceArchiveError;

typedef struct
{
  guint   max_entries;
  guint64 max_bytes;               // total size of the extracted files
} SluiceArchiveLimits;

typedef struct
{
  char *path;                      // relative, '/'-separated, no "./"
  char *sha256;                    // of the content; NULL for folders
} SluiceArchiveEntry;

void      sluice_archive_entry_free   (SluiceArchiveEntry         *entry);
GQuark    sluice_archive_error_quark  (void);

// Extracts into dest (created; it must not exist). On success entries
// (SluiceArchiveEntry*, sorted by path) lists the regular files. On
// failure dest may hold part of the archive: the caller removes it.
gboolean  sluice_archive_extract      (GBytes                     *archive,
                                       const char                 *dest,
                                       const SluiceArchiveLimits  *limits,
                                       GPtrArray                 **entries,
                                       GError                    **error);
// Writes a gzip'd tar of the folder's content (paths relative to it) to
// dest, a new file. Reads and writes as it goes: a folder of any size.
gboolean  sluice_archive_pack_folder  (const char                 *folder,
                                       const char                 *dest,
                                       GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceArchiveEntry, sluice_archive_entry_free)

G_END_DECLS
