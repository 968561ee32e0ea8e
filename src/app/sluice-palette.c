// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-palette.c
 *
 * Copyright 2026 The Sluice Developers
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sluice-widget-private.h"
#include "sluice-palette.h"

struct _SluicePalette
{
  GtkWidget                parent_instance;

  SluiceComponentRegistry *registry;
  char                   **search_words;   // casefolded, NULL when not searching

  /* Template widgets */
  GtkSearchEntry          *search_entry;
  GtkListBox              *list_box;
  GtkWidget               *scroller;
  GtkWidget               *empty_page;
};

G_DEFINE_FINAL_TYPE (SluicePalette, sluice_palette, GTK_TYPE_WIDGET)

enum {
  COMPONENT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Per-row data, kept on the row with g_object_set_data. */
#define ROW_REF      "sluice-component-ref"
#define ROW_CATEGORY "sluice-category"
#define ROW_HAYSTACK "sluice-haystack"

static char *
fold (const char *text)
{
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);

  return g_utf8_casefold (normalized ? normalized : "", -1);
}

static void
append_ports (GString   *haystack,
              GString   *tooltip,
              GPtrArray *ports,
              const char *heading)
{
  if (ports->len == 0)
    return;

  g_string_append_printf (tooltip, "\n<b>%s</b>", heading);
  for (guint i = 0; i < ports->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (ports, i);
      g_autofree char *line = g_markup_printf_escaped ("\n%s: <tt>%s</tt>%s", spec->name, spec->type,
                                                       spec->optional ? _(" (optional)") : "");

      g_string_append (tooltip, line);
      g_string_append_printf (haystack, " %s", spec->type);
    }
}

static GtkWidget *
create_row_labels (SluiceComponent *component,
                   gboolean         older)
{
  const char *description = sluice_component_get_description (component);
  g_autofree char *text = older
    ? g_strdup_printf (_("%s (version %s)"), sluice_component_get_display_name (component),
                       sluice_component_get_version (component))
    : g_strdup (sluice_component_get_display_name (component));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (text);
  GtkWidget *subtitle = gtk_label_new (description ? description : "");

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");

  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (subtitle), TRUE);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_visible (subtitle, description != NULL && *description != '\0');

  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  return box;
}

static GdkContentProvider *
on_drag_prepare_cb (GtkDragSource *source,
                    double         x,
                    double         y,
                    GtkWidget     *row)
{
  const char *ref = g_object_get_data (G_OBJECT (row), ROW_REF);

  return gdk_content_provider_new_typed (G_TYPE_STRING, ref);
}

static void
on_drag_begin_cb (GtkDragSource *source,
                  GdkDrag       *drag,
                  GtkWidget     *row)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, paintable, 0, 0);
}

/* older: a newer version of the same component is listed above it. */
static GtkWidget *
create_row (SluiceComponent *component,
            gboolean         older)
{
  const char *category = sluice_component_get_category (component);
  const char *description = sluice_component_get_description (component);
  g_autoptr(GString) haystack = g_string_new (NULL);
  g_autoptr(GString) tooltip = g_string_new (NULL);
  g_autofree char *header = g_markup_printf_escaped ("<b>%s</b>@%s",
                                                     sluice_component_get_name (component),
                                                     sluice_component_get_version (component));
  GtkWidget *row = gtk_list_box_row_new ();
  GtkDragSource *drag = gtk_drag_source_new ();

  g_string_append_printf (haystack, "%s %s %s %s",
                          sluice_component_get_name (component),
                          sluice_component_get_display_name (component),
                          description != NULL ? description : "",
                          category != NULL ? category : "");
  g_string_append (tooltip, header);
  append_ports (haystack, tooltip, sluice_component_get_inputs (component), _("Inputs"));
  append_ports (haystack, tooltip, sluice_component_get_outputs (component), _("Outputs"));

  g_object_set_data_full (G_OBJECT (row), ROW_REF,
                          g_strdup_printf ("builtin:%s@%s",
                                           sluice_component_get_name (component),
                                           sluice_component_get_version (component)),
                          g_free);
  g_object_set_data_full (G_OBJECT (row), ROW_CATEGORY, g_strdup (category), g_free);
  g_object_set_data_full (G_OBJECT (row), ROW_HAYSTACK, fold (haystack->str), g_free);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), create_row_labels (component, older));
  gtk_widget_set_tooltip_markup (row, tooltip->str);

  gtk_drag_source_set_actions (drag, GDK_ACTION_COPY);
  g_signal_connect_object (drag, "prepare", G_CALLBACK (on_drag_prepare_cb), row, 0);
  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), row, 0);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (drag));
  return row;
}

static gboolean
row_matches (SluicePalette *self,
             GtkListBoxRow *row)
{
  const char *haystack = g_object_get_data (G_OBJECT (row), ROW_HAYSTACK);

  if (self->search_words == NULL)
    return TRUE;

  /* Every word must match somewhere, so "table integer" narrows down. */
  for (guint i = 0; self->search_words[i] != NULL; i++)
    if (strstr (haystack, self->search_words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
filter_func (GtkListBoxRow *row,
             gpointer       user_data)
{
  return row_matches (SLUICE_PALETTE (user_data), row);
}

static void
header_func (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       user_data)
{
  const char *category = g_object_get_data (G_OBJECT (row), ROW_CATEGORY);
  GtkWidget *label;

  if (before != NULL && g_strcmp0 (category, g_object_get_data (G_OBJECT (before), ROW_CATEGORY)) == 0)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }

  /* before is the previous visible row, so headers follow the filter. */
  label = gtk_label_new (category ? category : _("Other"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, before ? 18 : 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_list_box_row_set_header (row, label);
}

static GtkListBoxRow *
first_visible_row (SluicePalette *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) &&
        gtk_widget_get_child_visible (child) &&
        row_matches (self, GTK_LIST_BOX_ROW (child)))
      return GTK_LIST_BOX_ROW (child);
  return NULL;
}

static void
activate_row (SluicePalette *self,
              GtkListBoxRow *row)
{
  const char *ref = g_object_get_data (G_OBJECT (row), ROW_REF);

  if (ref != NULL)
    g_signal_emit (self, signals[COMPONENT_ACTIVATED], 0, ref);
}

static void
on_row_activated_cb (SluicePalette *self,
                     GtkListBoxRow *row)
{
  activate_row (self, row);
}

static void
on_search_changed_cb (SluicePalette  *self,
                      GtkSearchEntry *entry)
{
  g_autofree char *folded = fold (gtk_editable_get_text (GTK_EDITABLE (entry)));
  GtkListBoxRow *first;

  g_clear_pointer (&self->search_words, g_strfreev);
  g_strstrip (folded);
  if (*folded != '\0')
    self->search_words = g_regex_split_simple ("\\s+", folded, 0, 0);

  gtk_list_box_invalidate_filter (self->list_box);
  gtk_list_box_invalidate_headers (self->list_box);

  /* Keep the best match selected, so Enter adds what the person sees first. */
  if ((first = first_visible_row (self)) != NULL)
    gtk_list_box_select_row (self->list_box, first);

  /* GtkListBox's placeholder ignores the filter, so say "nothing" here. */
  gtk_widget_set_visible (self->scroller, first != NULL);
  gtk_widget_set_visible (self->empty_page, first == NULL);
}

static void
on_search_activate_cb (SluicePalette  *self,
                       GtkSearchEntry *entry)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list_box);

  if (row == NULL || !gtk_widget_get_child_visible (GTK_WIDGET (row)))
    row = first_visible_row (self);
  if (row != NULL)
    activate_row (self, row);
}

static void
on_search_stop_cb (SluicePalette  *self,
                   GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static gboolean
on_search_key_pressed_cb (SluicePalette         *self,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          GtkEventControllerKey *controller)
{
  GtkListBoxRow *row;

  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return GDK_EVENT_PROPAGATE;

  row = gtk_list_box_get_selected_row (self->list_box);
  if (row == NULL || !gtk_widget_get_child_visible (GTK_WIDGET (row)))
    row = first_visible_row (self);
  if (row == NULL)
    return GDK_EVENT_PROPAGATE;

  gtk_list_box_select_row (self->list_box, row);
  gtk_widget_grab_focus (GTK_WIDGET (row));
  return GDK_EVENT_STOP;
}

static void
sluice_palette_dispose (GObject *object)
{
  SluicePalette *self = SLUICE_PALETTE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_PALETTE);
  _sluice_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->registry);

  G_OBJECT_CLASS (sluice_palette_parent_class)->dispose (object);
}

static void
sluice_palette_finalize (GObject *object)
{
  SluicePalette *self = SLUICE_PALETTE (object);

  g_clear_pointer (&self->search_words, g_strfreev);

  G_OBJECT_CLASS (sluice_palette_parent_class)->finalize (object);
}

static gboolean
sluice_palette_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (SLUICE_PALETTE (widget)->search_entry));
}

static void
sluice_palette_class_init (SluicePaletteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_palette_dispose;
  object_class->finalize = sluice_palette_finalize;

  widget_class->grab_focus = sluice_palette_grab_focus;

  /**
   * SluicePalette::component-activated:
   * @component_ref: "builtin:NAME@VERSION"
   *
   * A component was chosen with a double click or Enter, to be added to
   * the pipeline.
   */
  signals[COMPONENT_ACTIVATED] =
    g_signal_new ("component-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-palette.ui");
  gtk_widget_class_bind_template_child (widget_class, SluicePalette, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SluicePalette, list_box);
  gtk_widget_class_bind_template_child (widget_class, SluicePalette, scroller);
  gtk_widget_class_bind_template_child (widget_class, SluicePalette, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_key_pressed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluicepalette");
}

static void
sluice_palette_init (SluicePalette *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_list_box_set_filter_func (self->list_box, filter_func, self, NULL);
  gtk_list_box_set_header_func (self->list_box, header_func, self, NULL);
}

GtkWidget *
sluice_palette_new (void)
{
  return g_object_new (SLUICE_TYPE_PALETTE, NULL);
}

static void
remove_all_rows (SluicePalette *self)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  /* Collect first: the placeholder and the headers are children too. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      g_ptr_array_add (rows, child);

  for (guint i = 0; i < rows->len; i++)
    gtk_list_box_remove (self->list_box, g_ptr_array_index (rows, i));
}

void
sluice_palette_set_registry (SluicePalette           *self,
                             SluiceComponentRegistry *registry)
{
  g_autoptr(GPtrArray) components = NULL;

  g_return_if_fail (SLUICE_IS_PALETTE (self));
  g_return_if_fail (!registry || SLUICE_IS_COMPONENT_REGISTRY (registry));

  if (!g_set_object (&self->registry, registry))
    return;

  remove_all_rows (self);
  if (registry == NULL)
    return;

  /* Sorted by category, so each category's rows are together under one header. */
  components = sluice_component_registry_list (registry);
  for (guint i = 0; i < components->len; i++)
    {
      SluiceComponent *component = g_ptr_array_index (components, i);
      SluiceComponent *previous = i > 0 ? g_ptr_array_index (components, i - 1) : NULL;
      gboolean older = previous != NULL &&
                       g_str_equal (sluice_component_get_name (previous), sluice_component_get_name (component));

      gtk_list_box_append (self->list_box, create_row (component, older));
    }
}
