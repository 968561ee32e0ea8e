// SPDX-License-Identifier: GPL-3.0-or-later
//
// The content-addressed artifact store: every step output, file or folder,
// lives once under objects/ by its content hash, read-only.
//
// Layout under the root (default ~/.local/share/sluice, or $SLUICE_STORE):
//   objects/ab/<32-hex-hash>      a file, or a folder tree
//   work/                         step working folders (temporary)
//   history.db                    run history (SluiceHistory)
//   statcache                     SluiceStatCache file

#pragma once

#include "sluice-hash.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_ARTIFACT_STORE (sluice_artifact_store_get_type ())

G_DECLARE_FINAL_TYPE (SluiceArtifactStore, sluice_artifact_store, SLUICE, ARTIFACT_STORE, GObject)

SluiceArtifactStore *sluice_artifact_store_new          (const char          *root,
                                                         GError             **error);
char                *sluice_artifact_store_default_root (void);
const char          *sluice_artifact_store_get_root     (SluiceArtifactStore *self);
SluiceStatCache     *sluice_artifact_store_get_stat_cache (SluiceArtifactStore *self);
gboolean             sluice_artifact_store_save_stat_cache (SluiceArtifactStore *self,
                                                         GError             **error);
// Makes a fresh, empty folder under work/ for one step attempt.
char                *sluice_artifact_store_make_work_dir (SluiceArtifactStore *self,
                                                         const char          *prefix,
                                                         GError             **error);
// Hashes path (file or folder), moves it into objects/ (or deletes it when
// that hash is already stored), makes it read-only, and returns the hash.
// path must be on the same file system as the store (it is under work/).
char                *sluice_artifact_store_ingest       (SluiceArtifactStore *self,
                                                         const char          *path,
                                                         GError             **error);
gboolean             sluice_artifact_store_contains     (SluiceArtifactStore *self,
                                                         const char          *hash);
char                *sluice_artifact_store_get_path     (SluiceArtifactStore *self,
                                                         const char          *hash);
guint64              sluice_artifact_store_get_size     (SluiceArtifactStore *self,
                                                         const char          *hash);
// Removes every object whose hash is not in keep (a set of hex strings).
// With dry_run nothing is removed. Returns the hashes (that would be)
// removed; bytes_freed gets their total size.
GPtrArray           *sluice_artifact_store_gc           (SluiceArtifactStore *self,
                                                         GHashTable          *keep,
                                                         gboolean             dry_run,
                                                         guint64             *bytes_freed,
                                                         GError             **error);

G_END_DECLS
