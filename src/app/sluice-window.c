// SPDX-License-Identifier: GPL-3.0-or-later
//
// The designer window: palette, canvas, problems and inspector around one
// SluiceDocument, and the actions (files, editing, view) that drive it.

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "sluice-canvas.h"
#include "sluice-inspector.h"
#include "sluice-palette.h"
#include "sluice-problems-view.h"
#include "sluice-window.h"
#include "sluice.h"

struct _SluiceWindow
{
  AdwApplicationWindow     parent_instance;

  // NULL when the GSettings schema is not installed.
  GSettings               *settings;
  SluiceComponentRegistry *registry;
  SluiceDocument          *document;
  SluiceCanvas            *canvas;
  GtkFileChooserNative    *chooser;
  char                    *clipboard;
  gboolean                 close_confirmed;
  gboolean                 exporting;      // the open save dialog is for an image
  guint                    autosave_source;
  guint                    autosaved_revision;
  char                    *autosave_path;  // where unsaved work of this window goes

  // Template widgets
  AdwToastOverlay         *toast_overlay;
  AdwHeaderBar            *header_bar;
  AdwWindowTitle          *window_title;
  GtkMenuButton           *primary_menu_button;
  GtkScrolledWindow       *canvas_scroller;
  AdwBin                  *palette_slot;
  AdwBin                  *inspector_slot;
  AdwBin                  *problems_slot;
  GtkWidget               *palette;
  gboolean                 snap;
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
      // g_settings_new() would abort; run without remembering state instead.
      g_message ("GSettings schema “%s” is not installed; window state will not be saved. "
                 "Set GSETTINGS_SCHEMA_DIR when running from the build directory.", APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
sluice_window_restore_state (SluiceWindow *self)
{
  int width, height;

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

  if (self->settings == NULL)
    return;

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  g_settings_delay (self->settings);
  // Keep the unmaximized size, so unmaximizing later restores it.
  if (!maximized)
    {
      int width, height;

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

static void
toast (SluiceWindow *self,
       const char   *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

/* title and action states ------------------------------------------------------ */

static void
update_title (SluiceWindow *self)
{
  const char *file = sluice_document_get_file (self->document);
  gboolean modified = sluice_document_get_modified (self->document);
  g_autofree char *name = file ? g_path_get_basename (file) : g_strdup (_("New Pipeline"));
  g_autofree char *dir = file ? g_path_get_dirname (file) : NULL;
  g_autofree char *title = g_strdup_printf ("%s%s", modified ? "• " : "", name);
  // The window manager's title also names the app, for task switchers.
  g_autofree char *window_title = g_strdup_printf ("%s — Sluice", title);

  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, dir ? dir : "");
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

static void
update_actions (SluiceWindow *self)
{
  gboolean has_selection = sluice_document_get_selection (self->document)[0] != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", sluice_document_can_undo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo", sluice_document_can_redo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy", has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.duplicate", has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.paste", self->clipboard != NULL);
}

static void
on_document_state (SluiceWindow *self)
{
  update_title (self);
  update_actions (self);
}

static void
on_canvas_message (SluiceWindow *self,
                   const char   *text)
{
  toast (self, text);
}

/* autosave ----------------------------------------------------------------------------- */

#define AUTOSAVE_SECONDS 5

// Unsaved work is written every few seconds next to the user's data, named
// after the file it belongs to, so a crash loses seconds, not an afternoon.
static char *
autosave_path_for (const char *file)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "sluice", "autosave", NULL);
  g_autofree char *name = NULL;

  if (file != NULL)
    {
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, file, -1);

      name = g_strdup_printf ("%s.sluice.json", sum);
    }
  else
    name = g_strdup_printf ("untitled-%d-%" G_GINT64_FORMAT ".sluice.json", getpid (), g_get_real_time ());
  g_mkdir_with_parents (dir, 0700);
  return g_build_filename (dir, name, NULL);
}

static void
drop_autosave (SluiceWindow *self)
{
  if (self->autosave_path != NULL)
    g_unlink (self->autosave_path);
  g_clear_pointer (&self->autosave_path, g_free);
}

static gboolean
autosave_tick (gpointer user_data)
{
  SluiceWindow *self = user_data;
  guint revision = sluice_document_get_revision (self->document);
  g_autofree char *text = NULL;

  if (!sluice_document_get_modified (self->document) || revision == self->autosaved_revision)
    return G_SOURCE_CONTINUE;

  if (self->autosave_path == NULL)
    self->autosave_path = autosave_path_for (sluice_document_get_file (self->document));
  text = sluice_pipeline_to_data (sluice_document_get_pipeline (self->document));
  if (sluice_file_write_atomic (self->autosave_path, text, strlen (text), NULL))
    self->autosaved_revision = revision;
  return G_SOURCE_CONTINUE;
}

static void
on_recover_response (AdwMessageDialog *dialog,
                     const char       *response,
                     SluiceWindow     *self)
{
  g_autofree char *autosave = autosave_path_for (sluice_document_get_file (self->document));
  g_autoptr(GError) error = NULL;

  if (g_str_equal (response, "recover"))
    {
      g_autofree char *file = g_strdup (sluice_document_get_file (self->document));

      if (!sluice_document_recover (self->document, file, autosave, &error))
        toast (self, error->message);
      else
        {
          g_free (self->autosave_path);
          self->autosave_path = g_steal_pointer (&autosave);
        }
    }
  else if (g_str_equal (response, "discard"))
    g_unlink (autosave);
}

// An autosave newer than the file means the last session ended with work
// not saved: offer it back.
static void
offer_recovery (SluiceWindow *self,
                const char   *path)
{
  g_autofree char *autosave = autosave_path_for (path);
  GStatBuf file_stat, autosave_stat;
  GtkWidget *dialog;

  if (g_stat (autosave, &autosave_stat) != 0 || g_stat (path, &file_stat) != 0 ||
      autosave_stat.st_mtime < file_stat.st_mtime)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Recover Unsaved Changes?"),
                                   _("This pipeline has changes from an earlier session that were never saved."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "discard", _("_Discard"),
                                    "recover", _("_Recover"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "recover", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "recover");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "discard");
  g_signal_connect (dialog, "response", G_CALLBACK (on_recover_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* files ---------------------------------------------------------------------------- */

gboolean
sluice_window_open_file (SluiceWindow *self,
                         GFile        *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);

  g_return_val_if_fail (SLUICE_IS_WINDOW (self), FALSE);

  if (path == NULL || !sluice_document_load_file (self->document, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the pipeline: %s"),
                                               error ? error->message : _("not a local file"));

      toast (self, text);
      return FALSE;
    }

  drop_autosave (self);
  sluice_canvas_zoom_to_fit (self->canvas);
  offer_recovery (self, path);
  return TRUE;
}

static gboolean
save_to (SluiceWindow *self,
         const char   *path)
{
  g_autoptr(GError) error = NULL;

  if (!sluice_document_save (self->document, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save: %s"), error->message);

      toast (self, text);
      return FALSE;
    }
  drop_autosave (self);
  return TRUE;
}

static GtkFileFilter *
pipeline_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Sluice pipelines"));
  gtk_file_filter_add_pattern (filter, "*.sluice.json");
  return filter;
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     SluiceWindow    *self)
{
  GtkFileChooserAction action = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog));
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

  g_clear_object (&self->chooser);
  if (file == NULL)
    return;

  if (action == GTK_FILE_CHOOSER_ACTION_OPEN)
    sluice_window_open_file (self, file);
  else if (self->exporting)
    {
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path == NULL || !sluice_canvas_export (self->canvas, path, &error))
        toast (self, error ? error->message : _("Images can only be saved to local files"));
    }
  else
    {
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && !g_str_has_suffix (path, ".sluice.json"))
        {
          char *with_suffix = g_strconcat (path, ".sluice.json", NULL);

          g_free (path);
          path = with_suffix;
        }
      save_to (self, path);
    }
}

// GtkFileDialog is GTK 4.10; on GTK 4.8 the native chooser is the way.
static void
run_chooser (SluiceWindow         *self,
             GtkFileChooserAction  action)
{
  gboolean save = action == GTK_FILE_CHOOSER_ACTION_SAVE;

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (save ? _("Save Pipeline") : _("Open Pipeline"), GTK_WINDOW (self),
                                               action, save ? _("_Save") : _("_Open"), _("_Cancel"));
  if (!self->exporting)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), pipeline_filter ());
  if (save)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser),
                                       self->exporting ? "pipeline.svg" : "pipeline.sluice.json");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SLUICE_WINDOW (widget)->exporting = FALSE;
  run_chooser (SLUICE_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

// PNG or SVG, chosen by the file name the user types.
static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  if (self->chooser != NULL)
    return;
  self->exporting = TRUE;
  run_chooser (self, GTK_FILE_CHOOSER_ACTION_SAVE);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SLUICE_WINDOW (widget)->exporting = FALSE;
  run_chooser (SLUICE_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SAVE);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  self->exporting = FALSE;
  if (sluice_document_get_file (self->document) == NULL)
    run_chooser (self, GTK_FILE_CHOOSER_ACTION_SAVE);
  else
    save_to (self, NULL);
}

static gboolean
on_file_dropped (GtkDropTarget *target,
                 const GValue  *value,
                 double         x,
                 double         y,
                 SluiceWindow  *self)
{
  GSList *files = g_value_get_boxed (value);

  return files != NULL && sluice_window_open_file (self, files->data);
}

/* editing ------------------------------------------------------------------------------ */

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sluice_document_undo (SLUICE_WINDOW (widget)->document);
}

static void
redo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sluice_document_redo (SLUICE_WINDOW (widget)->document);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  sluice_canvas_delete_selection (SLUICE_WINDOW (widget)->canvas);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;

  for (guint i = 0; i < steps->len; i++)
    g_strv_builder_add (builder, sluice_step_get_id (g_ptr_array_index (steps, i)));
  ids = g_strv_builder_end (builder);
  sluice_document_set_selection (self->document, (const char * const *) ids);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  g_free (self->clipboard);
  self->clipboard = sluice_document_copy (self->document, sluice_document_get_selection (self->document));
  // Also on the system clipboard, as text, so it can go to another window.
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->clipboard);
  update_actions (self);
}

static void
paste_text (SluiceWindow *self,
            const char   *text)
{
  g_autoptr(GError) error = NULL;

  if (!sluice_document_paste (self->document, text, 40, 40, &error))
    toast (self, _("The clipboard does not hold pipeline steps"));
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  if (self->clipboard != NULL)
    paste_text (self, self->clipboard);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_autofree char *text = sluice_document_copy (self->document, sluice_document_get_selection (self->document));

  paste_text (self, text);
}

static void
auto_layout_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  sluice_document_auto_layout (self->document);
  sluice_canvas_zoom_to_fit (self->canvas);
}

static void
add_component_at_center (SluiceWindow *self,
                         const char   *component_ref)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  double x, y;

  sluice_canvas_get_view_center (self->canvas, &x, &y);
  id = sluice_document_add_step (self->document, component_ref, x - SLUICE_NODE_WIDTH / 2, y - 40, &error);
  if (id == NULL)
    toast (self, error->message);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

// A problem names its place as a JSON pointer; /jobs/STEP/… shows that step.
static void
on_problem_activated (SluiceWindow *self,
                      const char   *pointer)
{
  g_auto(GStrv) parts = NULL;

  if (pointer == NULL || !g_str_has_prefix (pointer, "/jobs/"))
    return;
  parts = g_strsplit (pointer + strlen ("/jobs/"), "/", 2);
  sluice_canvas_reveal_step (self->canvas, parts[0]);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
snap_to_grid_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  gboolean snap = !self->snap;

  self->snap = snap;
  sluice_canvas_set_snap_to_grid (self->canvas, snap);
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "snap-to-grid", snap);
}

static void
search_components_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  gtk_widget_grab_focus (SLUICE_WINDOW (widget)->palette);
}

static void
add_component_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  add_component_at_center (SLUICE_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* view --------------------------------------------------------------------------------- */

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SluiceCanvas *canvas = SLUICE_WINDOW (widget)->canvas;

  sluice_canvas_set_zoom (canvas, sluice_canvas_get_zoom (canvas) * 1.2);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SluiceCanvas *canvas = SLUICE_WINDOW (widget)->canvas;

  sluice_canvas_set_zoom (canvas, sluice_canvas_get_zoom (canvas) / 1.2);
}

static void
zoom_reset_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  sluice_canvas_set_zoom (SLUICE_WINDOW (widget)->canvas, 1.0);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  sluice_canvas_zoom_to_fit (SLUICE_WINDOW (widget)->canvas);
}

/* closing ---------------------------------------------------------------------------- */

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   SluiceWindow     *self)
{
  if (g_str_equal (response, "save"))
    {
      if (sluice_document_get_file (self->document) == NULL)
        {
          self->exporting = FALSE;
          run_chooser (self, GTK_FILE_CHOOSER_ACTION_SAVE);
          return;
        }
      if (!save_to (self, NULL))
        return;
    }
  if (g_str_equal (response, "save") || g_str_equal (response, "discard"))
    {
      drop_autosave (self);
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static gboolean
sluice_window_close_request (GtkWindow *window)
{
  SluiceWindow *self = SLUICE_WINDOW (window);
  GtkWidget *dialog;

  if (sluice_document_get_modified (self->document) && !self->close_confirmed)
    {
      dialog = adw_message_dialog_new (window, _("Save Changes?"),
                                       _("The pipeline has changes that are not saved. "
                                         "Closing without saving loses them."));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "discard", _("_Discard"),
                                        "save", _("_Save"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard", ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }

  sluice_window_save_state (self);
  return GTK_WINDOW_CLASS (sluice_window_parent_class)->close_request (window);
}

/* GObject ------------------------------------------------------------------------------ */

static void
sluice_window_dispose (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_WINDOW);

  G_OBJECT_CLASS (sluice_window_parent_class)->dispose (object);
}

static void
sluice_window_finalize (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->document);
  g_clear_object (&self->registry);
  g_free (self->clipboard);
  g_free (self->autosave_path);

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
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, canvas_scroller);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, palette_slot);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, inspector_slot);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, problems_slot);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "win.auto-layout", NULL, auto_layout_action);
  gtk_widget_class_install_action (widget_class, "win.add-component", "s", add_component_action);
  gtk_widget_class_install_action (widget_class, "win.search-components", NULL, search_components_action);
  gtk_widget_class_install_action (widget_class, "win.snap-to-grid", NULL, snap_to_grid_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, zoom_reset_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_fit_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "win.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "win.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.auto-layout", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search-components", NULL);
}

static void
sluice_window_init (SluiceWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = sluice_window_create_settings ();
  sluice_window_restore_state (self);

  self->registry = sluice_component_registry_new_default ();
  self->document = sluice_document_new (self->registry);
  self->canvas = SLUICE_CANVAS (sluice_canvas_new ());
  sluice_canvas_set_document (self->canvas, self->document);
  self->snap = self->settings ? g_settings_get_boolean (self->settings, "snap-to-grid") : TRUE;
  sluice_canvas_set_snap_to_grid (self->canvas, self->snap);
  gtk_scrolled_window_set_child (self->canvas_scroller, GTK_WIDGET (self->canvas));

  g_signal_connect_swapped (self->canvas, "message", G_CALLBACK (on_canvas_message), self);

  {
    GtkWidget *palette = sluice_palette_new ();
    GtkWidget *inspector = sluice_inspector_new ();
    GtkWidget *problems = sluice_problems_view_new ();

    self->palette = palette;
    sluice_palette_set_registry (SLUICE_PALETTE (palette), self->registry);
    g_signal_connect_swapped (palette, "component-activated", G_CALLBACK (add_component_at_center), self);
    adw_bin_set_child (self->palette_slot, palette);
    sluice_inspector_set_document (SLUICE_INSPECTOR (inspector), self->document);
    adw_bin_set_child (self->inspector_slot, inspector);
    sluice_problems_view_set_document (SLUICE_PROBLEMS_VIEW (problems), self->document);
    g_signal_connect_swapped (problems, "problem-activated", G_CALLBACK (on_problem_activated), self);
    adw_bin_set_child (self->problems_slot, problems);
  }
  g_signal_connect_swapped (self->document, "notify::modified", G_CALLBACK (on_document_state), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (on_document_state), self);
  g_signal_connect_swapped (self->document, "changed", G_CALLBACK (on_document_state), self);
  g_signal_connect_swapped (self->document, "selection-changed", G_CALLBACK (on_document_state), self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_file_dropped), self);
  gtk_widget_add_controller (GTK_WIDGET (self->toast_overlay), GTK_EVENT_CONTROLLER (drop));

  self->autosave_source = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave_tick, self);
  on_document_state (self);
}

SluiceWindow *
sluice_window_new (SluiceApplication *application)
{
  g_return_val_if_fail (SLUICE_IS_APPLICATION (application), NULL);

  return g_object_new (SLUICE_TYPE_WINDOW, "application", application, NULL);
}

SluiceDocument *
sluice_window_get_document (SluiceWindow *self)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), NULL);
  return self->document;
}

static void
dump_point (JsonBuilder  *builder,
            SluiceWindow *self,
            const char   *name,
            double        mx,
            double        my)
{
  double wx = 0, wy = 0;

  sluice_canvas_model_to_window (self->canvas, mx, my, &wx, &wy);
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, wx);
  json_builder_add_double_value (builder, wy);
  json_builder_end_array (builder);
}

static void
dump_ports (JsonBuilder  *builder,
            SluiceWindow *self,
            SluiceStep   *step,
            gboolean      output)
{
  SluiceComponent *component = sluice_document_get_component (self->document, step);
  GPtrArray *specs;

  json_builder_set_member_name (builder, output ? "outputs" : "inputs");
  json_builder_begin_object (builder);
  specs = component == NULL ? NULL : output ? sluice_component_get_outputs (component)
                                            : sluice_component_get_inputs (component);
  for (guint i = 0; specs != NULL && i < specs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (specs, i);
      double x, y;

      if (sluice_document_get_port_point (self->document, sluice_step_get_id (step), output, spec->name, &x, &y))
        dump_point (builder, self, spec->name, x, y);
    }
  json_builder_end_object (builder);
}

// What a person sees, as JSON, for GUI tests: the document's state and
// where each node and port is in the window.
gboolean
sluice_window_dump_state (SluiceWindow  *self,
                          const char    *path,
                          GError       **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pipeline_text = sluice_pipeline_to_data (sluice_document_get_pipeline (self->document));
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, sluice_document_get_file (self->document));
  json_builder_set_member_name (builder, "modified");
  json_builder_add_boolean_value (builder, sluice_document_get_modified (self->document));
  json_builder_set_member_name (builder, "zoom");
  json_builder_add_double_value (builder, sluice_canvas_get_zoom (self->canvas));
  json_builder_set_member_name (builder, "selection");
  json_builder_begin_array (builder);
  for (const char * const *s = sluice_document_get_selection (self->document); *s; s++)
    json_builder_add_string_value (builder, *s);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_object (builder);
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      SluiceRect r;

      if (!sluice_document_get_node_rect (self->document, sluice_step_get_id (step), &r))
        continue;
      json_builder_set_member_name (builder, sluice_step_get_id (step));
      json_builder_begin_object (builder);
      dump_point (builder, self, "title", r.x + r.width / 2, r.y + 12);
      dump_ports (builder, self, step, FALSE);
      dump_ports (builder, self, step, TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "pipeline");
  json_builder_add_string_value (builder, pipeline_text);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  return g_file_set_contents (path, text, -1, error);
}

gboolean
sluice_window_export_image (SluiceWindow  *self,
                            const char    *path,
                            GError       **error)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), FALSE);
  return sluice_canvas_export (self->canvas, path, error);
}
