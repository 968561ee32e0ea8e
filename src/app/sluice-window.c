// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-window.c
 *
 * Copyright 2026 The Sluice Developers
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-window.h"

struct _SluiceWindow
{
  AdwApplicationWindow  parent_instance;

  /* NULL when the GSettings schema is not installed. */
  GSettings            *settings;

  /* Template widgets */
  AdwHeaderBar         *header_bar;
  GtkMenuButton        *primary_menu_button;
  AdwStatusPage        *status_page;
};

G_DEFINE_FINAL_TYPE (SluiceWindow, sluice_window, ADW_TYPE_APPLICATION_WINDOW)

static GSettings *
sluice_window_create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  if (schema == NULL)
    {
      /* g_settings_new() would abort; run without remembering state instead. */
      g_message ("GSettings schema “%s” is not installed; window state will not be saved. "
                 "Set GSETTINGS_SCHEMA_DIR when running from the build directory.",
                 APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
sluice_window_restore_state (SluiceWindow *self)
{
  int width;
  int height;

  g_assert (SLUICE_IS_WINDOW (self));

  if (self->settings == NULL)
    return;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");

  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
sluice_window_save_state (SluiceWindow *self)
{
  gboolean maximized;

  g_assert (SLUICE_IS_WINDOW (self));

  if (self->settings == NULL)
    return;

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  g_settings_delay (self->settings);

  /* Keep the unmaximized size, so unmaximizing later restores it. */
  if (!maximized)
    {
      int width;
      int height;

      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }

  g_settings_set_boolean (self->settings, "window-maximized", maximized);

  g_settings_apply (self->settings);
}

static gboolean
sluice_window_close_request (GtkWindow *window)
{
  SluiceWindow *self = SLUICE_WINDOW (window);

  sluice_window_save_state (self);

  return GTK_WINDOW_CLASS (sluice_window_parent_class)->close_request (window);
}

static void
sluice_window_dispose (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_WINDOW);

  G_OBJECT_CLASS (sluice_window_parent_class)->dispose (object);
}

static void
sluice_window_finalize (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sluice_window_parent_class)->finalize (object);
}

static void
sluice_window_class_init (SluiceWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sluice_window_dispose;
  object_class->finalize = sluice_window_finalize;

  window_class->close_request = sluice_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, status_page);
}

static void
sluice_window_init (SluiceWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = sluice_window_create_settings ();
  sluice_window_restore_state (self);
}

SluiceWindow *
sluice_window_new (SluiceApplication *application)
{
  g_return_val_if_fail (SLUICE_IS_APPLICATION (application), NULL);

  return g_object_new (SLUICE_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
