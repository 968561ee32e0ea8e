// SPDX-License-Identifier: GPL-3.0-or-later
//
// Moving a pipeline file to another folder without breaking what it refers
// to: relative paths (file: component references, file and folder values
// of pipeline inputs and of step inputs) are written relative to the new
// folder, so "Save As" elsewhere, or saving a copy of an example, keeps
// pointing at the same components and data.

#pragma once

#include "sluice-component-registry.h"
#include "sluice-pipeline.h"

G_BEGIN_DECLS

// The path of target relative to dir (both absolute), like "../data/x.csv";
// NULL when they share nothing but the root, where an absolute path reads
// better than a climb to "/".
char  *sluice_path_relative_to (const char              *target,
                                const char              *dir);

// Rewrites every relative path in the pipeline from from_dir to to_dir
// (absolute folders). Returns how many it changed.
guint  sluice_pipeline_rebase   (SluicePipeline          *pipeline,
                                 SluiceComponentRegistry *registry,
                                 const char              *from_dir,
                                 const char              *to_dir);

G_END_DECLS
