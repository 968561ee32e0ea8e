// SPDX-License-Identifier: GPL-3.0-or-later
//
// The steps of a run as a list, with state, attempt and duration, filtered
// by state: for pipelines too big to read on the canvas.

#pragma once

#include <gtk/gtk.h>

#include "sluice-run-status.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_STEP_LIST (sluice_step_list_get_type ())

G_DECLARE_FINAL_TYPE (SluiceStepList, sluice_step_list, SLUICE, STEP_LIST, GtkWidget)

GtkWidget *sluice_step_list_new        (void);
void       sluice_step_list_set_status (SluiceStepList  *self,
                                        SluiceRunStatus *status);
// How many steps the filter lets through.
guint      sluice_step_list_get_n_shown (SluiceStepList *self);

// Signals: "step-activated" (const char *step_id)

G_END_DECLS
