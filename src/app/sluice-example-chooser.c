// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-example-chooser.h"
#include "sluice.h"

struct _SluiceExampleChooser
{
  AdwWindow       parent_instance;

  // Template widgets
  GtkListBox     *list;
  AdwStatusPage  *empty_page;
  GtkStack       *stack;
};

G_DEFINE_FINAL_TYPE (SluiceExampleChooser, sluice_example_chooser, ADW_TYPE_WINDOW)

static void
on_row_activated (GtkListBox           *list,
                  GtkListBoxRow        *row,
                  SluiceExampleChooser *self)
{
  const char *path = g_object_get_data (G_OBJECT (row), "sluice-example-path");

  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.open-example", "s", path);
  gtk_window_close (GTK_WINDOW (self));
}

static GtkWidget *
example_row (const SluiceExample *example)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), example->title);
  // Descriptions can carry shell examples with < and &: plain text only.
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (example->description != NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), example->description);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, example->title, -1);
  g_object_set_data_full (G_OBJECT (row), "sluice-example-path", g_strdup (example->path), g_free);
  return row;
}

static void
fill (SluiceExampleChooser *self)
{
  g_autoptr(GPtrArray) examples = sluice_examples_list ();

  for (guint i = 0; i < examples->len; i++)
    gtk_list_box_append (self->list, example_row (g_ptr_array_index (examples, i)));

  if (examples->len == 0)
    {
      g_autofree char *text = g_strdup_printf (_("No example pipelines were found in %s."),
                                               sluice_examples_get_directory ());

      adw_status_page_set_description (self->empty_page, text);
      gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->empty_page));
    }
}

static void
sluice_example_chooser_class_init (SluiceExampleChooserClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-example-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceExampleChooser, list);
  gtk_widget_class_bind_template_child (widget_class, SluiceExampleChooser, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SluiceExampleChooser, stack);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sluice_example_chooser_init (SluiceExampleChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fill (self);
}

GtkWidget *
sluice_example_chooser_new (GtkWindow *parent)
{
  return g_object_new (SLUICE_TYPE_EXAMPLE_CHOOSER,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
}
