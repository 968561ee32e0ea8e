// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "sluice-component.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_COMPONENT_REGISTRY (sluice_component_registry_get_type ())

G_DECLARE_FINAL_TYPE (SluiceComponentRegistry, sluice_component_registry, SLUICE, COMPONENT_REGISTRY, GObject)

SluiceComponentRegistry *sluice_component_registry_new              (void);
SluiceComponentRegistry *sluice_component_registry_new_default      (void);
void                     sluice_component_registry_add_directory    (SluiceComponentRegistry *self,
                                                                     const char              *directory);
const char * const      *sluice_component_registry_get_directories  (SluiceComponentRegistry *self);
GPtrArray               *sluice_component_registry_list             (SluiceComponentRegistry *self);
SluiceComponent         *sluice_component_registry_lookup           (SluiceComponentRegistry *self,
                                                                     const char              *name,
                                                                     const char              *version);
SluiceComponent         *sluice_component_registry_load_file        (SluiceComponentRegistry *self,
                                                                     const char              *path);
SluiceComponent         *sluice_component_registry_resolve          (SluiceComponentRegistry *self,
                                                                     const char              *reference,
                                                                     const char              *base_dir,
                                                                     char                   **error_message);
GPtrArray               *sluice_component_registry_get_problems     (SluiceComponentRegistry *self,
                                                                     SluiceComponent         *component);
GPtrArray               *sluice_component_registry_get_scan_problems(SluiceComponentRegistry *self);

G_END_DECLS
