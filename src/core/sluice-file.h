// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  sluice_file_write_atomic (const char  *path,
                                    const char  *contents,
                                    gsize        length,
                                    GError     **error);
char     *sluice_file_read         (const char  *path,
                                    gsize       *length,
                                    GError     **error);

G_END_DECLS

G_BEGIN_DECLS

// Copies a folder tree (files, folders, symlinks as links). dest must not exist.
gboolean  sluice_file_copy_tree    (const char  *source,
                                    const char  *dest,
                                    GError     **error);
// Removes a file or folder tree, making read-only folders writable first.
gboolean  sluice_file_remove_tree  (const char  *path,
                                    GError     **error);

G_END_DECLS
