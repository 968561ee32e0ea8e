// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <json-glib/json-glib.h>

#include "sluice-template.h"

G_BEGIN_DECLS

// One input or output of a component.
typedef struct
{
  char      *name;
  char      *type;
  char      *description;
  JsonNode  *default_value;   // NULL when there is none
  gboolean   optional;
  gboolean   has_min;
  gboolean   has_max;
  double     min;
  double     max;
  char     **enum_values;     // NULL when not an enum
} SluicePortSpec;

#define SLUICE_TYPE_COMPONENT (sluice_component_get_type ())

G_DECLARE_FINAL_TYPE (SluiceComponent, sluice_component, SLUICE, COMPONENT, GObject)

SluiceComponent      *sluice_component_load_file         (const char       *path,
                                                          GPtrArray        *problems);
SluiceComponent      *sluice_component_load_data         (const char       *data,
                                                          gsize             length,
                                                          const char       *path,
                                                          GPtrArray        *problems);
const char           *sluice_component_get_file          (SluiceComponent  *self);
const char           *sluice_component_get_name          (SluiceComponent  *self);
const char           *sluice_component_get_version       (SluiceComponent  *self);
const char           *sluice_component_get_display_name  (SluiceComponent  *self);
const char           *sluice_component_get_description   (SluiceComponent  *self);
const char           *sluice_component_get_category      (SluiceComponent  *self);
const char * const   *sluice_component_get_tags          (SluiceComponent  *self);
gboolean              sluice_component_get_is_deterministic (SluiceComponent *self);
const char           *sluice_component_get_command       (SluiceComponent  *self);
SluiceTemplate       *sluice_component_get_template      (SluiceComponent  *self);
const char           *sluice_component_get_code_dir      (SluiceComponent  *self);
// The files and folders of the code folder this component uses, or NULL
// for all of it.
const char * const   *sluice_component_get_code_files    (SluiceComponent  *self);
JsonNode             *sluice_component_get_environment   (SluiceComponent  *self);
JsonNode             *sluice_component_get_resources     (SluiceComponent  *self);
GPtrArray            *sluice_component_get_inputs        (SluiceComponent  *self);
GPtrArray            *sluice_component_get_outputs       (SluiceComponent  *self);
const SluicePortSpec *sluice_component_find_input        (SluiceComponent  *self,
                                                          const char       *name);
const SluicePortSpec *sluice_component_find_output       (SluiceComponent  *self,
                                                          const char       *name);
gboolean              sluice_component_is_valid          (SluiceComponent  *self);
char                 *sluice_component_to_data           (SluiceComponent  *self);
gboolean              sluice_component_check_value       (const SluicePortSpec *spec,
                                                          JsonNode         *value,
                                                          char            **why);
int                   sluice_version_compare             (const char       *a,
                                                          const char       *b);

G_END_DECLS
