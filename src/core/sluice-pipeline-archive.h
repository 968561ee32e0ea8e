// SPDX-License-Identifier: GPL-3.0-or-later
//
// A pipeline packed for a server: a gzip'd tar with the pipeline as
// pipeline.sluice.json at the root and every file it refers to by a
// relative path (local component files, their code folders, data files of
// file and folder inputs) in the same layout. The archive is the same
// bytes for the same pipeline and files (sorted entries, fixed times and
// owners), so uploading it twice gives the same pipeline id.

#pragma once

#include <gio/gio.h>

#include "sluice-component-registry.h"
#include "sluice-pipeline.h"

G_BEGIN_DECLS

#define SLUICE_PIPELINE_ARCHIVE_ROOT_FILE "pipeline.sluice.json"

#define SLUICE_TYPE_PIPELINE_ARCHIVE (sluice_pipeline_archive_get_type ())

G_DECLARE_FINAL_TYPE (SluicePipelineArchive, sluice_pipeline_archive, SLUICE, PIPELINE_ARCHIVE, GObject)

// Finds what the pipeline refers to (reads the component files, not the
// data, and leaves walking folders for later). Errors
// (SLUICE_ERROR_INVALID) name a path that leaves the pipeline's folder or
// does not exist.
SluicePipelineArchive *sluice_pipeline_archive_new         (SluicePipeline           *pipeline,
                                                            SluiceComponentRegistry  *registry,
                                                            GError                  **error);
// The paths the archive holds, relative to the pipeline's folder, sorted
// (pipeline.sluice.json included; folders end in '/'). Walks the folders
// named, so it may take a while, and fail when one cannot be read.
const char * const    *sluice_pipeline_archive_get_paths   (SluicePipelineArchive    *self,
                                                            GError                  **error);
// Reads the files and packs them. Safe to call from a worker thread.
GBytes                *sluice_pipeline_archive_write       (SluicePipelineArchive    *self,
                                                            GError                  **error);
void                   sluice_pipeline_archive_write_async (SluicePipelineArchive    *self,
                                                            GCancellable             *cancellable,
                                                            GAsyncReadyCallback       callback,
                                                            gpointer                  user_data);
GBytes                *sluice_pipeline_archive_write_finish(SluicePipelineArchive    *self,
                                                            GAsyncResult             *result,
                                                            GError                  **error);

G_END_DECLS
