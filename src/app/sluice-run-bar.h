// SPDX-License-Identifier: GPL-3.0-or-later
//
// The bar under the canvas while a run is shown: its state, n of m steps
// done, the time it has taken, the step list, and Cancel. Its buttons
// activate the window's actions (win.cancel-run, win.rerun…).

#pragma once

#include <gtk/gtk.h>

#include "sluice-run-status.h"
#include "sluice-step-list.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_BAR (sluice_run_bar_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunBar, sluice_run_bar, SLUICE, RUN_BAR, GtkWidget)

GtkWidget      *sluice_run_bar_new           (void);
void            sluice_run_bar_set_status    (SluiceRunBar    *self,
                                              SluiceRunStatus *status);
SluiceStepList *sluice_run_bar_get_step_list (SluiceRunBar    *self);
// Opens the list of the run's steps.
void            sluice_run_bar_show_steps    (SluiceRunBar    *self);

G_END_DECLS
