// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "sluice-json.h"
#include "sluice-pipeline.h"

G_BEGIN_DECLS

SluicePipeline *_sluice_pipeline_load_doc (SluiceJsonDoc *doc,
                                           const char    *path);

G_END_DECLS

G_BEGIN_DECLS
SluiceJsonDoc  *_sluice_pipeline_get_doc  (SluicePipeline *self);
G_END_DECLS
