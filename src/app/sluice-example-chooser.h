// SPDX-License-Identifier: GPL-3.0-or-later
//
// "New from Example": the example pipelines shipped with Sluice, one row
// each with its description; choosing one opens it in a new window as an
// untitled copy (win.open-example on the parent window).

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_EXAMPLE_CHOOSER (sluice_example_chooser_get_type ())

G_DECLARE_FINAL_TYPE (SluiceExampleChooser, sluice_example_chooser, SLUICE, EXAMPLE_CHOOSER, AdwWindow)

GtkWidget *sluice_example_chooser_new (GtkWindow *parent);

G_END_DECLS
