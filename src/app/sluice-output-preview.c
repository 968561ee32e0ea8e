// SPDX-License-Identifier: GPL-3.0-or-later
//
// A boxed group per output: the header names the port and the artifact,
// the card below shows the preview. Tables use a GtkColumnView, which only
// makes widgets for the rows in view.

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sluice-output-preview.h"

#define PREVIEW_HEIGHT 240

/* table rows --------------------------------------------------------------------------- */

// A row of a preview table, as the item type of the column view's model.
#define SLUICE_TYPE_PREVIEW_ROW (sluice_preview_row_get_type ())
G_DECLARE_FINAL_TYPE (SluicePreviewRow, sluice_preview_row, SLUICE, PREVIEW_ROW, GObject)

struct _SluicePreviewRow
{
  GObject   parent_instance;
  char    **cells;
};

G_DEFINE_FINAL_TYPE (SluicePreviewRow, sluice_preview_row, G_TYPE_OBJECT)

static void
sluice_preview_row_finalize (GObject *object)
{
  g_strfreev (SLUICE_PREVIEW_ROW (object)->cells);
  G_OBJECT_CLASS (sluice_preview_row_parent_class)->finalize (object);
}

static void
sluice_preview_row_class_init (SluicePreviewRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_preview_row_finalize;
}

static void
sluice_preview_row_init (SluicePreviewRow *self)
{
}

/* the widget --------------------------------------------------------------------------- */

struct _SluiceOutputPreview
{
  AdwBin  parent_instance;

  char   *port;
  char   *path;
  char   *kind;
};

G_DEFINE_FINAL_TYPE (SluiceOutputPreview, sluice_output_preview, ADW_TYPE_BIN)

#define COLUMN_INDEX "sluice-column"

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item)
{
  SluicePreviewRow *row = gtk_list_item_get_item (item);
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), COLUMN_INDEX));
  const char *text = row->cells[column];
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  // A line break in a cell shows as a mark, so every row is one line high.
  g_autofree char *shown = g_strjoinv (" ↵ ", lines);

  gtk_label_set_label (label, shown);
  // Long cells and cells with line breaks are cut; the tooltip has them.
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), g_utf8_strlen (text, -1) > 40 || strchr (text, '\n') ? text : NULL);
}

static GtkWidget *
scrolled (GtkWidget *child,
          gboolean   horizontal)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), child);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller),
                                  horizontal ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), PREVIEW_HEIGHT);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  return scroller;
}

static GtkWidget *
build_table (const SluiceArtifactPreview *preview)
{
  GListStore *store = g_list_store_new (SLUICE_TYPE_PREVIEW_ROW);
  GtkWidget *view, *scroller;

  for (guint i = 0; i < preview->rows->len; i++)
    {
      SluicePreviewRow *row = g_object_new (SLUICE_TYPE_PREVIEW_ROW, NULL);

      row->cells = g_strdupv (g_ptr_array_index (preview->rows, i));
      g_list_store_append (store, row);
      g_object_unref (row);
    }
  view = gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (store))));
  gtk_column_view_set_show_column_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_column_view_set_reorderable (GTK_COLUMN_VIEW (view), FALSE);
  gtk_widget_add_css_class (view, "data-table");
  scroller = scrolled (view, TRUE);
  // A column view asks for little height at first; room for the rows (up
  // to the preview height) avoids a squeezed table.
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller),
                                              MIN (PREVIEW_HEIGHT, 36 + 30 * (int) preview->rows->len));

  for (guint c = 0; c < preview->n_columns; c++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autofree char *title = preview->column_types
        ? g_strdup_printf ("%s (%s)", preview->columns[c], preview->column_types[c])
        : g_strdup (preview->columns[c]);
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), COLUMN_INDEX, GUINT_TO_POINTER (c));
      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), NULL);
      column = gtk_column_view_column_new (title, factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
    }
  return scroller;
}

static GtkWidget *
build_text (const char *text)
{
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GtkWidget *scroller;
  int lines = 1;

  gtk_text_buffer_set_text (buffer, text, -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_widget_add_css_class (view, "inline");
  scroller = scrolled (view, FALSE);
  // As for tables: a text view measures its lines late, so ask for room.
  for (const char *p = text; *p && lines < 12; p++)
    lines += *p == '\n';
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), MIN (PREVIEW_HEIGHT, 24 + 20 * lines));
  return scroller;
}

static GtkWidget *
build_image (GdkPaintable *image)
{
  GtkWidget *picture = gtk_picture_new_for_paintable (image);

  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (picture, -1, PREVIEW_HEIGHT);
  gtk_widget_set_margin_top (picture, 6);
  gtk_widget_set_margin_bottom (picture, 6);
  return picture;
}

static GtkWidget *
build_message (const char *icon,
               const char *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (text);

  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (box, "dim-label");
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  return box;
}

static char *
folder_listing (const SluiceArtifactPreview *preview)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < preview->entries->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) g_ptr_array_index (preview->entries, i));
  if (preview->truncated)
    g_string_append (text, "…\n");
  return g_string_free (text, FALSE);
}

static GtkWidget *
build_body (const SluiceArtifactPreview *preview,
            GdkPaintable                *image)
{
  g_autofree char *text = NULL;

  switch (preview->kind)
    {
    case SLUICE_PREVIEW_TABLE:
      return build_table (preview);
    case SLUICE_PREVIEW_IMAGE:
      return image ? build_image (image) : build_message ("image-x-generic-symbolic", _("The image could not be read."));
    case SLUICE_PREVIEW_TEXT:
      return *preview->text ? build_text (preview->text) : build_message ("document-new-symbolic", _("The file is empty."));
    case SLUICE_PREVIEW_JSON:
      return build_text (preview->text);
    case SLUICE_PREVIEW_FOLDER:
      if (preview->entries->len == 0)
        return build_message ("folder-symbolic", _("The folder is empty."));
      text = folder_listing (preview);
      return build_text (text);
    case SLUICE_PREVIEW_BINARY:
    default:
      return build_message ("application-x-executable-symbolic", _("Binary data, which has no preview."));
    }
}

// "First 100 rows · 1.2 MB" and the like, under the preview.
static char *
describe (const SluiceArtifactPreview *preview)
{
  g_autofree char *size = g_format_size (preview->size);

  switch (preview->kind)
    {
    case SLUICE_PREVIEW_TABLE:
      return preview->truncated
        ? g_strdup_printf (_("Table · first %u rows · %s"), preview->rows->len, size)
        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Table · %u row · %s", "Table · %u rows · %s", preview->rows->len),
                           preview->rows->len, size);
    case SLUICE_PREVIEW_TEXT:
      return g_strdup_printf (preview->truncated ? _("Text · beginning shown · %s") : _("Text · %s"), size);
    case SLUICE_PREVIEW_JSON:
      return g_strdup_printf (preview->truncated ? _("JSON · beginning shown · %s") : _("JSON · %s"), size);
    case SLUICE_PREVIEW_IMAGE:
      return g_strdup_printf (_("Image · %s"), size);
    case SLUICE_PREVIEW_FOLDER:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Folder · %u entry", "Folder · %u entries", preview->entries->len),
                              preview->entries->len);
    case SLUICE_PREVIEW_BINARY:
    default:
      return g_strdup_printf (_("Binary · %s"), size);
    }
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("Could not open the output: %s", error->message);
}

static void
open_output (SluiceOutputPreview *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autofree char *uri = g_file_get_uri (file);

  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_launched, NULL);
}

static void
copy_path (SluiceOutputPreview *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->path);
}

static GtkWidget *
header_buttons (SluiceOutputPreview *self,
                gboolean             is_folder)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *open = gtk_button_new_from_icon_name (is_folder ? "folder-open-symbolic" : "document-open-symbolic");
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  gtk_widget_set_tooltip_text (open, is_folder ? _("Open Folder") : _("Open File"));
  gtk_widget_set_tooltip_text (copy, _("Copy Path"));
  gtk_widget_add_css_class (open, "flat");
  gtk_widget_add_css_class (copy, "flat");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (open, "clicked", G_CALLBACK (open_output), self);
  g_signal_connect_swapped (copy, "clicked", G_CALLBACK (copy_path), self);
  gtk_box_append (GTK_BOX (box), open);
  gtk_box_append (GTK_BOX (box), copy);
  return box;
}

static void
sluice_output_preview_finalize (GObject *object)
{
  SluiceOutputPreview *self = SLUICE_OUTPUT_PREVIEW (object);

  g_free (self->port);
  g_free (self->path);
  g_free (self->kind);

  G_OBJECT_CLASS (sluice_output_preview_parent_class)->finalize (object);
}

static void
sluice_output_preview_class_init (SluiceOutputPreviewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_output_preview_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "sluiceoutputpreview");
}

static void
sluice_output_preview_init (SluiceOutputPreview *self)
{
}

GtkWidget *
sluice_output_preview_new (const char                  *port,
                           const char                  *hash,
                           const char                  *path,
                           const SluiceArtifactPreview *preview,
                           GdkPaintable                *image,
                           const char                  *error)
{
  SluiceOutputPreview *self;
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autofree char *short_hash = g_strndup (hash ? hash : "", 12);
  g_autofree char *description = NULL;
  g_autofree char *summary = preview ? describe (preview) : NULL;

  g_return_val_if_fail (port != NULL, NULL);

  self = g_object_new (SLUICE_TYPE_OUTPUT_PREVIEW, NULL);
  self->port = g_strdup (port);
  self->path = g_strdup (path);
  self->kind = g_strdup (preview ? sluice_preview_kind_to_string (preview->kind) : "error");

  description = summary ? g_strdup_printf ("%s · %s", summary, short_hash) : g_strdup (short_hash);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), port);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_widget_set_tooltip_text (group, hash);
  if (path != NULL && preview != NULL)
    adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group),
                                             header_buttons (self, preview->kind == SLUICE_PREVIEW_FOLDER ||
                                                                   g_strcmp0 (preview->path, preview->data_path) != 0));

  gtk_widget_add_css_class (card, "card");
  gtk_widget_set_overflow (card, GTK_OVERFLOW_HIDDEN);
  gtk_box_append (GTK_BOX (card), preview ? build_body (preview, image)
                                          : build_message ("dialog-warning-symbolic", error ? error : _("The output is missing.")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), card);
  adw_bin_set_child (ADW_BIN (self), group);
  return GTK_WIDGET (self);
}

const char *
sluice_output_preview_get_port (SluiceOutputPreview *self)
{
  g_return_val_if_fail (SLUICE_IS_OUTPUT_PREVIEW (self), NULL);
  return self->port;
}

const char *
sluice_output_preview_get_kind (SluiceOutputPreview *self)
{
  g_return_val_if_fail (SLUICE_IS_OUTPUT_PREVIEW (self), NULL);
  return self->kind;
}
