// SPDX-License-Identifier: GPL-3.0-or-later
//
// Content hashes (XXH3-128, as 32 lowercase hex digits) of bytes, files and
// folder trees, with a stat cache so unchanged files are not read again.

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SLUICE_HASH_HEX_LEN 32

// Incremental hashing of anything (reuse keys are built with this).
typedef struct _SluiceHasher SluiceHasher;

SluiceHasher *sluice_hasher_new          (void);
void          sluice_hasher_update       (SluiceHasher *hasher,
                                          const void   *data,
                                          gsize         length);
// Adds the string and a separator, so ("ab","c") and ("a","bc") differ.
void          sluice_hasher_update_str   (SluiceHasher *hasher,
                                          const char   *str);
char         *sluice_hasher_finish       (SluiceHasher *hasher);   // frees the hasher
void          sluice_hasher_free         (SluiceHasher *hasher);
char         *sluice_hash_bytes          (const void   *data,
                                          gsize         length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceHasher, sluice_hasher_free)

#define SLUICE_TYPE_STAT_CACHE (sluice_stat_cache_get_type ())

G_DECLARE_FINAL_TYPE (SluiceStatCache, sluice_stat_cache, SLUICE, STAT_CACHE, GObject)

// In-memory map (path, size, mtime_ns, inode, ctime_ns) -> content hash,
// persisted to a file of its own, written atomically.
SluiceStatCache *sluice_stat_cache_new      (void);
gboolean         sluice_stat_cache_load     (SluiceStatCache *self,
                                             const char      *path,
                                             GError         **error);
gboolean         sluice_stat_cache_save     (SluiceStatCache *self,
                                             const char      *path,
                                             GError         **error);
guint            sluice_stat_cache_get_hits (SluiceStatCache *self);

// Hash of a regular file's contents. cache may be NULL.
char            *sluice_hash_file           (const char      *path,
                                             SluiceStatCache *cache,
                                             GError         **error);
// Hash of a folder: every entry, sorted by name, with its relative path,
// kind (file/folder/symlink), executable bit, and content hash (or link
// target). Same tree anywhere -> same hash. cache may be NULL.
char            *sluice_hash_tree           (const char      *path,
                                             SluiceStatCache *cache,
                                             GError         **error);
// sluice_hash_file for files, sluice_hash_tree for folders; the two can
// never collide (the kind is part of the hash).
char            *sluice_hash_path           (const char      *path,
                                             SluiceStatCache *cache,
                                             GError         **error);

G_END_DECLS
