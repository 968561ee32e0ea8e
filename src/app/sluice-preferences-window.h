// SPDX-License-Identifier: GPL-3.0-or-later
//
// Preferences: the Servers page lists the sluice-servers pipelines can run
// on (the remotes the CLI shares), adds and removes them, and tests a
// connection with the stored token.

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_PREFERENCES_WINDOW (sluice_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SluicePreferencesWindow, sluice_preferences_window, SLUICE, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *sluice_preferences_window_new        (GtkWindow               *parent);
// For GUI tests: the servers as listed, with each row's status line.
gboolean   sluice_preferences_window_dump_state (SluicePreferencesWindow *self,
                                                 const char              *path,
                                                 GError                 **error);

G_END_DECLS
