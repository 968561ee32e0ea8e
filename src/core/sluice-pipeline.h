// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <json-glib/json-glib.h>

#include "sluice-step.h"

G_BEGIN_DECLS

#define SLUICE_PIPELINE_FORMAT_VERSION 1

// An input or output of the pipeline as a whole.
typedef struct
{
  char       *name;
  char       *type;         // inferred for shorthand literals
  char       *description;
  JsonNode   *value;        // default (parameters) or path (artifacts); may be NULL
  gboolean    optional;
  gboolean    shorthand;    // written as a bare literal: "lr": 0.1
  JsonObject *extra;
} SluicePipelineIO;

typedef struct
{
  char       *default_compute;
  gboolean    continue_on_step_failure;
  gboolean    force_rerun;
  JsonObject *extra;
} SluicePipelineSettings;

#define SLUICE_TYPE_PIPELINE (sluice_pipeline_get_type ())

G_DECLARE_FINAL_TYPE (SluicePipeline, sluice_pipeline, SLUICE, PIPELINE, GObject)

SluicePipeline         *sluice_pipeline_new               (void);
SluicePipeline         *sluice_pipeline_load_file         (const char      *path,
                                                           GError         **error);
SluicePipeline         *sluice_pipeline_load_data         (const char      *data,
                                                           gsize            length,
                                                           const char      *path,
                                                           GError         **error);
char                   *sluice_pipeline_to_data           (SluicePipeline  *self);
gboolean                sluice_pipeline_check_lossless    (SluicePipeline  *self,
                                                           GError         **error);
gboolean                sluice_pipeline_save              (SluicePipeline  *self,
                                                           const char      *path,
                                                           GError         **error);
GPtrArray              *sluice_pipeline_get_load_problems (SluicePipeline  *self);
gboolean                sluice_pipeline_get_position      (SluicePipeline  *self,
                                                           const char      *pointer,
                                                           guint           *line,
                                                           guint           *column);
const char             *sluice_pipeline_get_file          (SluicePipeline  *self);
char                   *sluice_pipeline_dup_base_dir      (SluicePipeline  *self);
gint64                  sluice_pipeline_get_format_version(SluicePipeline  *self);
const char             *sluice_pipeline_get_name          (SluicePipeline  *self);
void                    sluice_pipeline_set_name          (SluicePipeline  *self,
                                                           const char      *name);
const char             *sluice_pipeline_get_display_name  (SluicePipeline  *self);
void                    sluice_pipeline_set_display_name  (SluicePipeline  *self,
                                                           const char      *display_name);
const char             *sluice_pipeline_get_description   (SluicePipeline  *self);
void                    sluice_pipeline_set_description   (SluicePipeline  *self,
                                                           const char      *description);
GPtrArray              *sluice_pipeline_get_inputs        (SluicePipeline  *self);
GPtrArray              *sluice_pipeline_get_outputs       (SluicePipeline  *self);
const SluicePipelineIO *sluice_pipeline_find_input        (SluicePipeline  *self,
                                                           const char      *name);
const SluicePipelineIO *sluice_pipeline_find_output       (SluicePipeline  *self,
                                                           const char      *name);
SluicePipelineSettings *sluice_pipeline_get_settings      (SluicePipeline  *self);
GPtrArray              *sluice_pipeline_get_steps         (SluicePipeline  *self);
SluiceStep             *sluice_pipeline_find_step         (SluicePipeline  *self,
                                                           const char      *id);
void                    sluice_pipeline_add_step          (SluicePipeline  *self,
                                                           SluiceStep      *step);
gboolean                sluice_pipeline_remove_step       (SluicePipeline  *self,
                                                           const char      *id);
JsonNode               *sluice_pipeline_get_layout        (SluicePipeline  *self);
void                    sluice_pipeline_set_layout        (SluicePipeline  *self,
                                                           JsonNode        *layout);

G_END_DECLS
