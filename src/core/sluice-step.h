// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SLUICE_BINDING_LITERAL,          // a value written in the file
  SLUICE_BINDING_PIPELINE_INPUT,   // ${{parent.inputs.NAME}}
  SLUICE_BINDING_STEP_OUTPUT,      // ${{parent.jobs.STEP.outputs.NAME}}
  SLUICE_BINDING_PIPELINE_OUTPUT,  // ${{parent.outputs.NAME}}, on step outputs
} SluiceBindingKind;

// What one port of a step is set to.
typedef struct
{
  char              *port;
  SluiceBindingKind  kind;
  JsonNode          *literal;      // for LITERAL, and the original spelling otherwise
  char              *step;         // for STEP_OUTPUT
  char              *name;         // input / output name the binding points at
  gboolean           malformed;    // a "${{…}}" Sluice could not read, kept as written
} SluiceBinding;

SluiceBinding *sluice_binding_new_literal   (const char     *port,
                                             JsonNode       *value);
SluiceBinding *sluice_binding_new_reference (const char     *port,
                                             SluiceBindingKind kind,
                                             const char     *step,
                                             const char     *name);
SluiceBinding *sluice_binding_parse         (const char     *port,
                                             JsonNode       *node,
                                             char          **error_message);
void           sluice_binding_free          (SluiceBinding  *binding);
JsonNode      *sluice_binding_to_node       (const SluiceBinding *binding);

#define SLUICE_TYPE_STEP (sluice_step_get_type ())

G_DECLARE_FINAL_TYPE (SluiceStep, sluice_step, SLUICE, STEP, GObject)

SluiceStep          *sluice_step_new                (const char    *id,
                                                     const char    *component_ref);
const char          *sluice_step_get_id             (SluiceStep    *self);
void                 sluice_step_set_id             (SluiceStep    *self,
                                                     const char    *id);
const char          *sluice_step_get_component_ref  (SluiceStep    *self);
void                 sluice_step_set_component_ref  (SluiceStep    *self,
                                                     const char    *component_ref);
const char          *sluice_step_get_display_name   (SluiceStep    *self);
void                 sluice_step_set_display_name   (SluiceStep    *self,
                                                     const char    *display_name);
const char          *sluice_step_get_description    (SluiceStep    *self);
void                 sluice_step_set_description    (SluiceStep    *self,
                                                     const char    *description);
const char          *sluice_step_get_compute        (SluiceStep    *self);
void                 sluice_step_set_compute        (SluiceStep    *self,
                                                     const char    *compute);
GPtrArray           *sluice_step_get_inputs         (SluiceStep    *self);
GPtrArray           *sluice_step_get_outputs        (SluiceStep    *self);
const SluiceBinding *sluice_step_get_input          (SluiceStep    *self,
                                                     const char    *port);
const SluiceBinding *sluice_step_get_output         (SluiceStep    *self,
                                                     const char    *port);
void                 sluice_step_set_input          (SluiceStep    *self,
                                                     SluiceBinding *binding);
void                 sluice_step_set_output         (SluiceStep    *self,
                                                     SluiceBinding *binding);
gboolean             sluice_step_unset_input        (SluiceStep    *self,
                                                     const char    *port);
JsonObject          *sluice_step_get_extra          (SluiceStep    *self);

G_END_DECLS
