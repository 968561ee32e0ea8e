// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "sluice-component-registry.h"
#include "sluice-pipeline.h"
#include "sluice-problem.h"

G_BEGIN_DECLS

GPtrArray       *sluice_pipeline_validate        (SluicePipeline          *pipeline,
                                                  SluiceComponentRegistry *registry);
GPtrArray       *sluice_validate_file            (const char              *path,
                                                  SluiceComponentRegistry *registry);
gboolean         sluice_file_is_component        (const char              *path);
SluiceComponent *sluice_pipeline_resolve_step    (SluicePipeline          *pipeline,
                                                  SluiceStep              *step,
                                                  SluiceComponentRegistry *registry,
                                                  char                   **error_message);

G_END_DECLS
