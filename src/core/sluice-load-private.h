// SPDX-License-Identifier: GPL-3.0-or-later
//
// Helpers shared by the component and pipeline loaders: read typed fields
// out of json-glib objects and report what is wrong, with the place.

#pragma once

#include "sluice-file.h"
#include "sluice-json.h"
#include "sluice-problem.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray     *problems;   // SluiceProblem*
  SluiceJsonDoc *doc;        // for line:column, may be NULL
  const char    *file;
} SluiceLoadContext;

void        _sluice_report            (SluiceLoadContext *ctx,
                                       SluiceSeverity     severity,
                                       const char        *code,
                                       const char        *pointer,
                                       const char        *format,
                                       ...) G_GNUC_PRINTF (5, 6);
void        _sluice_report_parse_error(SluiceLoadContext *ctx,
                                       GError            *error,
                                       guint              line,
                                       guint              column);
void        _sluice_report_duplicates (SluiceLoadContext *ctx,
                                       const char        *map_pointer,
                                       const char        *what);
JsonObject *_sluice_get_object        (SluiceLoadContext *ctx,
                                       JsonObject        *parent,
                                       const char        *parent_pointer,
                                       const char        *key,
                                       gboolean           required);
const char *_sluice_get_string        (SluiceLoadContext *ctx,
                                       JsonObject        *parent,
                                       const char        *parent_pointer,
                                       const char        *key,
                                       gboolean           required);
gboolean    _sluice_get_boolean       (SluiceLoadContext *ctx,
                                       JsonObject        *parent,
                                       const char        *parent_pointer,
                                       const char        *key,
                                       gboolean           default_value);
void        _sluice_warn_unknown_keys (SluiceLoadContext *ctx,
                                       JsonObject        *object,
                                       const char        *pointer,
                                       const char * const *known);
JsonObject *_sluice_canonical_object  (JsonObject        *object,
                                       const char * const *order);

G_END_DECLS
