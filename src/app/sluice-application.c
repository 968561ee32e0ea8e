// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-application.c
 *
 * Copyright 2026 The Sluice Developers
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-application.h"
#include "sluice-preferences-window.h"
#include "sluice-window.h"

struct _SluiceApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (SluiceApplication, sluice_application, ADW_TYPE_APPLICATION)

SluiceApplication *
sluice_application_new (const char        *application_id,
                        GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (SLUICE_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", "/io/github/sluice/Sluice",
                       NULL);
}

static void
sluice_application_activate (GApplication *app)
{
  GtkWindow *window;

  g_assert (SLUICE_IS_APPLICATION (app));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (sluice_window_new (SLUICE_APPLICATION (app)));

  gtk_window_present (window);
}

// `sluice-designer FILE…` and opening files from the file manager: one
// window per pipeline.
static void
sluice_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      SluiceWindow *window = sluice_window_new (SLUICE_APPLICATION (app));

      sluice_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
sluice_application_class_init (SluiceApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = sluice_application_activate;
  app_class->open = sluice_application_open;
}

static void
sluice_application_new_window_action (GSimpleAction *action,
                                      GVariant      *parameter,
                                      gpointer       user_data)
{
  SluiceApplication *self = user_data;

  g_assert (SLUICE_IS_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (sluice_window_new (self)));
}

static void
sluice_application_about_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  static const char *developers[] = { "The Sluice Developers", NULL };
  SluiceApplication *self = user_data;
  GtkWindow *window;
  GtkWidget *about;

  g_assert (SLUICE_IS_APPLICATION (self));

  window = gtk_application_get_active_window (GTK_APPLICATION (self));

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-icon", APP_ID,
                        "application-name", _("Sluice"),
                        "developer-name", _("The Sluice Developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Design, validate and run machine-learning pipelines"),
                        "website", "https://github.com/sluice/sluice",
                        "issue-url", "https://github.com/sluice/sluice/issues",
                        "developers", developers,
                        "copyright", "© 2026 The Sluice Developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: Replace "translator-credits" with your names, one name per line */
                        "translator-credits", _("translator-credits"),
                        NULL);

  gtk_window_present (GTK_WINDOW (about));
}

static void
sluice_application_preferences_action (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (app);
  GtkWidget *preferences;

  // One Preferences window: the shortcut pressed again brings it back.
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (SLUICE_IS_PREFERENCES_WINDOW (l->data))
      {
        gtk_window_present (l->data);
        return;
      }
  preferences = sluice_preferences_window_new (window);
  gtk_window_set_application (GTK_WINDOW (preferences), app);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
sluice_application_quit_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  SluiceApplication *self = user_data;
  GList *windows;

  g_assert (SLUICE_IS_APPLICATION (self));

  /* Close the windows rather than destroying them, so each one gets a
   * chance to save its state.  The application exits once the last
   * window is gone. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  g_list_foreach (windows, (GFunc) g_object_ref, NULL);

  for (const GList *iter = windows; iter != NULL; iter = iter->next)
    gtk_window_close (GTK_WINDOW (iter->data));

  g_list_free_full (windows, g_object_unref);
}

static const GActionEntry app_actions[] = {
  { "new-window", sluice_application_new_window_action },
  { "about", sluice_application_about_action },
  { "preferences", sluice_application_preferences_action },
  { "quit", sluice_application_quit_action },
};

static void
dump_state_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  g_autoptr(GError) error = NULL;

  if (SLUICE_IS_PREFERENCES_WINDOW (window) &&
      !sluice_preferences_window_dump_state (SLUICE_PREFERENCES_WINDOW (window), g_variant_get_string (parameter, NULL), &error))
    g_warning ("dump-state: %s", error->message);
  if (SLUICE_IS_WINDOW (window) &&
      !sluice_window_dump_state (SLUICE_WINDOW (window), g_variant_get_string (parameter, NULL), &error))
    g_warning ("dump-state: %s", error->message);
}

static void
export_image_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  g_autoptr(GError) error = NULL;

  if (SLUICE_IS_WINDOW (window) &&
      !sluice_window_export_image (SLUICE_WINDOW (window), g_variant_get_string (parameter, NULL), &error))
    g_warning ("export-image: %s", error->message);
}

// How long the main loop went without turning, at worst, since the last
// probe: a timer asks to run every 10 ms and notes how late it comes.
static gint64 stall_last;
static gint64 stall_max;

static gboolean
stall_tick (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (stall_last != 0)
    stall_max = MAX (stall_max, now - stall_last - 10 * 1000);
  stall_last = now;
  return G_SOURCE_CONTINUE;
}

static void
probe_stalls_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("{\"max_stall_ms\": %" G_GINT64_FORMAT "}\n", stall_max / 1000);
  g_autoptr(GError) error = NULL;

  stall_max = 0;
  if (!g_file_set_contents (g_variant_get_string (parameter, NULL), text, -1, &error))
    g_warning ("probe-stalls: %s", error->message);
}

// Runs a window action (win.run, win.cancel-step…) by name, as its button
// or menu item would.
static void
window_action_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window != NULL && !gtk_widget_activate_action (GTK_WIDGET (window), g_variant_get_string (parameter, NULL), NULL))
    g_warning ("window-action: no action %s", g_variant_get_string (parameter, NULL));
}

static void
sluice_application_init (SluiceApplication *self)
{
  // GUI tests ask the app where things are through this action, on D-Bus;
  // it exists only when they turn it on.
  if (g_getenv ("SLUICE_TEST_HOOKS") != NULL)
    {
      g_autoptr(GSimpleAction) dump = g_simple_action_new ("dump-state", G_VARIANT_TYPE_STRING);

      g_autoptr(GSimpleAction) export = g_simple_action_new ("export-image", G_VARIANT_TYPE_STRING);
      g_autoptr(GSimpleAction) window_action = g_simple_action_new ("window-action", G_VARIANT_TYPE_STRING);
      g_autoptr(GSimpleAction) probe = g_simple_action_new ("probe-stalls", G_VARIANT_TYPE_STRING);

      g_signal_connect (dump, "activate", G_CALLBACK (dump_state_action), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (dump));
      g_signal_connect (export, "activate", G_CALLBACK (export_image_action), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (export));
      g_signal_connect (window_action, "activate", G_CALLBACK (window_action_action), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (window_action));
      g_signal_connect (probe, "activate", G_CALLBACK (probe_stalls_action), self);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (probe));
      g_timeout_add (10, stall_tick, NULL);
    }

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "app.quit",
                                         (const char *[]) { "<primary>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "app.new-window",
                                         (const char *[]) { "<primary><shift>n", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "app.preferences",
                                         (const char *[]) { "<primary>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "window.close",
                                         (const char *[]) { "<primary>w", NULL });
}
