// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "sluice-pipeline.h"

G_BEGIN_DECLS

GPtrArray *sluice_pipeline_get_step_dependencies (SluicePipeline *pipeline,
                                                  SluiceStep     *step);
GPtrArray *sluice_pipeline_topological_order     (SluicePipeline *pipeline,
                                                  GHashTable    **levels);
GPtrArray *sluice_pipeline_find_cycles           (SluicePipeline *pipeline);

G_END_DECLS
