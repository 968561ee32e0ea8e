// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean  sluice_port_type_is_valid         (const char *type);
gboolean  sluice_port_type_is_parameter     (const char *type);
gboolean  sluice_port_type_is_custom        (const char *type);
gboolean  sluice_port_type_is_compatible    (const char *from_type,
                                             const char *to_type);
char     *sluice_port_type_explain_mismatch (const char *from_type,
                                             const char *to_type);
gboolean  sluice_port_type_accepts_literal  (const char *type,
                                             JsonNode   *value,
                                             char      **why);
char     *sluice_literal_to_argument        (JsonNode   *value);
gboolean  sluice_name_is_valid              (const char *name);

G_END_DECLS
