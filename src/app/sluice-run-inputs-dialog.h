// SPDX-License-Identifier: GPL-3.0-or-later
//
// Before a run: asks for the pipeline inputs that have no value, with an
// editor per type, filled with what was given last time for this file.
// Those values are kept in $XDG_STATE_HOME/sluice/run-inputs.json.

#pragma once

#include <adwaita.h>

#include "sluice.h"

G_BEGIN_DECLS

// inputs: name -> JsonNode*, or NULL when the user cancelled.
typedef void (*SluiceRunInputsCallback) (GHashTable *inputs,
                                         gpointer    user_data);

// The inputs of pipeline (saved at path) that need a value. When there are
// none, or all have a remembered value and always_ask is FALSE, callback
// runs at once without a dialog.
void        sluice_run_inputs_ask      (GtkWindow               *parent,
                                        SluicePipeline          *pipeline,
                                        const char              *path,
                                        gboolean                 always_ask,
                                        SluiceRunInputsCallback  callback,
                                        gpointer                 user_data);
// The values remembered for the pipeline file at path ({"name": value}), or NULL.
JsonObject *sluice_run_inputs_load     (const char              *path);
gboolean    sluice_run_inputs_remember (const char              *path,
                                        GHashTable              *inputs,
                                        GError                 **error);

G_END_DECLS
