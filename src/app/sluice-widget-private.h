// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

// For dispose: gtk_widget_dispose_template() only unparents the template
// children bound by name, and a canvas may hold a popover; every child must
// be unparented before the widget is finalized.
static inline void
_sluice_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

G_END_DECLS
