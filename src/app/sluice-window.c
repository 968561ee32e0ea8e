// SPDX-License-Identifier: GPL-3.0-or-later
//
// The designer window: palette, canvas, problems and inspector around one
// SluiceDocument, and the actions (files, editing, view) that drive it.

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "sluice-canvas.h"
#include "sluice-example-chooser.h"
#include "sluice-inspector.h"
#include "sluice-palette.h"
#include "sluice-problems-view.h"
#include "sluice-lineage-view.h"
#include "sluice-metric-chart.h"
#include "sluice-run-bar.h"
#include "sluice-run-controller.h"
#include "sluice-run-compare-view.h"
#include "sluice-run-history.h"
#include "sluice-run-inputs-dialog.h"
#include "sluice-step-details.h"
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
  GtkMenuButton           *run_on_button;
  GtkRevealer             *connection_revealer;
  GtkLabel                *connection_label;
  AdwHeaderBar            *header_bar;
  AdwWindowTitle          *window_title;
  GtkMenuButton           *primary_menu_button;
  AdwSplitButton          *open_button;
  GMenu                   *recent_menu;    // the open button's list of recent files
  GtkScrolledWindow       *canvas_scroller;
  AdwBin                  *palette_slot;
  AdwBin                  *inspector_slot;
  AdwBin                  *problems_slot;
  GtkPaned                *canvas_paned;
  GtkRevealer             *run_bar_revealer;
  SluiceRunBar            *run_bar;
  GtkWidget               *palette;
  GtkWidget               *problems;
  GtkStack                *bottom_stack;   // problems | step details
  SluiceStepDetails       *details;

  // Running (see "running" below)
  SluiceRunController     *runs;
  gboolean                 run_after_save;  // the save dialog open is the first step of a run
  gboolean                 run_ask_inputs;
  GStrv                    run_force;

  // Run history (see "run history" below)
  GtkToggleButton         *history_button;
  GtkStack                *history_stack;    // in the palette's place: the palette or the runs
  int                      palette_width;    // the palette's width before the runs took its place
  GtkInfoBar              *history_banner;
  GtkLabel                *history_banner_label;
  GtkButton               *history_back_button;
  SluiceRunHistory        *run_history;
  SluiceHistory           *history;          // opened when first needed
  SluiceDocument          *past_document;    // the pipeline of the run shown, or NULL when editing
  SluiceRunStatus         *past_status;
  gint64                   past_run;
  GtkWindow               *compare_window;
  SluiceRunCompareView    *compare_view;
  AdwWindowTitle          *compare_title;
  GtkWindow               *lineage_window;
  SluiceLineageView       *lineage_view;
  AdwWindowTitle          *lineage_title;
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

static void update_run_actions (SluiceWindow *self);
static void history_disable_editing (SluiceWindow *self);
static void attach_latest_run (SluiceWindow *self);
static void continue_run (SluiceWindow *self);

static void
update_actions (SluiceWindow *self)
{
  gboolean has_selection = sluice_document_get_selection (self->document)[0] != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", sluice_document_can_undo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo", sluice_document_can_redo (self->document));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy", has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.duplicate", has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.frame-selection", has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.paste", self->clipboard != NULL);
  update_run_actions (self);
  history_disable_editing (self);
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

  // Undone back to what is saved: the autosave holds nothing to recover,
  // and left behind it would offer to bring the undone change back.
  if (!sluice_document_get_modified (self->document))
    {
      drop_autosave (self);
      self->autosaved_revision = G_MAXUINT;
      return G_SOURCE_CONTINUE;
    }
  if (revision == self->autosaved_revision)
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

/* recent files ------------------------------------------------------------------- */

#define MAX_RECENT 10

// The settings' list without files that are gone, which are dropped from
// the settings too. Empty without the GSettings schema.
static GStrv
recent_files (SluiceWindow *self)
{
  g_auto(GStrv) stored = self->settings ? g_settings_get_strv (self->settings, "recent-files") : g_new0 (char *, 1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GStrv kept;

  for (guint i = 0; stored[i] != NULL; i++)
    if (g_file_test (stored[i], G_FILE_TEST_IS_REGULAR))
      g_strv_builder_add (builder, stored[i]);
  kept = g_strv_builder_end (builder);
  if (self->settings != NULL && g_strv_length (kept) != g_strv_length (stored))
    g_settings_set_strv (self->settings, "recent-files", (const char * const *) kept);
  return kept;
}

static void
rebuild_recent_menu (SluiceWindow *self)
{
  g_auto(GStrv) files = recent_files (self);

  g_menu_remove_all (self->recent_menu);
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *name = g_path_get_basename (files[i]);
      g_autoptr(GMenuItem) item = g_menu_item_new (name, NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent", g_variant_new_string (files[i]));
      g_menu_append_item (self->recent_menu, item);
    }
  // Nothing opened yet: the dropdown still leads somewhere.
  if (files[0] == NULL)
    g_menu_append (self->recent_menu, _("Open a Pipeline…"), "win.open");
}

// Most recent first, once; GNOME's own recent list (file chooser,
// Activities search) hears of it too.
static void
remember_recent (SluiceWindow *self,
                 const char   *path)
{
  g_autofree char *uri = path ? g_filename_to_uri (path, NULL, NULL) : NULL;
  g_auto(GStrv) stored = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  if (path == NULL || self->settings == NULL)
    return;

  stored = g_settings_get_strv (self->settings, "recent-files");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, path);
  for (guint i = 0; stored[i] != NULL && n < MAX_RECENT; i++)
    if (!g_str_equal (stored[i], path))
      g_strv_builder_add (builder, stored[i]), n++;
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-files", (const char * const *) updated);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  // A file deleted since the menu was built: say so, and the list forgets it.
  if (!sluice_window_open_file (self, file))
    rebuild_recent_menu (self);
}

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
  remember_recent (self, path);
  sluice_canvas_zoom_to_fit (self->canvas);
  offer_recovery (self, path);
  attach_latest_run (self);
  return TRUE;
}

// An example as the start of a new pipeline: untitled, so Save asks where,
// and its relative paths are rewritten for that folder.
gboolean
sluice_window_open_template (SluiceWindow *self,
                             const char   *path)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SLUICE_IS_WINDOW (self), FALSE);

  if (!sluice_document_load_template (self->document, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the example: %s"), error->message);

      toast (self, text);
      return FALSE;
    }
  sluice_canvas_zoom_to_fit (self->canvas);
  return TRUE;
}

// Nothing would be lost by loading something else into this window.
gboolean
sluice_window_is_blank (SluiceWindow *self)
{
  g_return_val_if_fail (SLUICE_IS_WINDOW (self), FALSE);

  return sluice_document_get_file (self->document) == NULL &&
         !sluice_document_get_modified (self->document) &&
         sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document))->len == 0;
}

// Into this window when it holds nothing yet, else into a new one.
static void
open_example_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  SluiceWindow *target = self;

  if (!sluice_window_is_blank (self))
    target = sluice_window_new (SLUICE_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
  sluice_window_open_template (target, g_variant_get_string (parameter, NULL));
  gtk_window_present (GTK_WINDOW (target));
}

static void
new_from_example_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  gtk_window_present (GTK_WINDOW (sluice_example_chooser_new (GTK_WINDOW (widget))));
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
  remember_recent (self, sluice_document_get_file (self->document));
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
    {
      self->run_after_save = FALSE;
      return;
    }

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
      if (save_to (self, path) && self->run_after_save)
        continue_run (self);
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
add_note_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  sluice_canvas_add_note (SLUICE_WINDOW (widget)->canvas);
}

static void
frame_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  sluice_canvas_frame_selection (SLUICE_WINDOW (widget)->canvas);
}

static void
add_component_at_center (SluiceWindow *self,
                         const char   *component_ref)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  double x, y;

  // The view is a past run's: the step would land, unseen, in the
  // document being edited.
  if (self->past_document != NULL)
    return;
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

// Through the action, which is disabled while a past run is shown.
static void
on_palette_component_activated (SluiceWindow *self,
                                const char   *component_ref)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.add-component", "s", component_ref);
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

/* running ------------------------------------------------------------------------------ */

// A run uses the saved file, as the CLI would: what is on screen is saved
// first, validated, given its inputs, then handed to a detached runner.

static void
reveal_problems (SluiceWindow *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->canvas_paned));

  // The problems list may have been dragged almost shut: open it.
  if (height > 0 && height - gtk_paned_get_position (self->canvas_paned) < 140)
    gtk_paned_set_position (self->canvas_paned, MAX (height - 180, height / 2));
  gtk_stack_set_visible_child_name (self->bottom_stack, "problems");
  gtk_widget_grab_focus (self->problems);
}

static guint
count_errors (SluiceWindow *self)
{
  GPtrArray *problems = sluice_document_get_problems (self->document);
  guint errors = 0;

  for (guint i = 0; i < problems->len; i++)
    if (((const SluiceProblem *) g_ptr_array_index (problems, i))->severity == SLUICE_SEVERITY_ERROR)
      errors++;
  return errors;
}

static void
on_run_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sluice_run_controller_start_finish (SLUICE_RUN_CONTROLLER (source), result, &error);

  // Closed meanwhile: the run goes on without a window.
  if (self->runs == NULL)
    return;
  if (id == 0)
    {
      g_autofree char *text = g_strdup_printf (_("Could not start the run: %s"), error->message);

      toast (self, text);
    }
  update_actions (self);
}

static void
on_run_inputs (GHashTable *inputs,
               gpointer    user_data)
{
  g_autoptr(SluiceWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  const char *path = sluice_document_get_file (self->document);

  if (inputs == NULL || path == NULL)
    return;
  if (g_hash_table_size (inputs) > 0 && !sluice_run_inputs_remember (path, inputs, &error))
    g_warning ("could not remember the run inputs: %s", error->message);
  sluice_run_controller_start_async (self->runs, path, inputs, (const char * const *) self->run_force,
                                     NULL, on_run_started, g_object_ref (self));
  g_clear_pointer (&self->run_force, g_strfreev);
  update_actions (self);
}

static void
continue_run (SluiceWindow *self)
{
  const char *path = sluice_document_get_file (self->document);

  self->run_after_save = FALSE;
  if (path == NULL || sluice_document_get_modified (self->document))
    return;
  sluice_run_inputs_ask (GTK_WINDOW (self), sluice_document_get_pipeline (self->document), path,
                         self->run_ask_inputs, on_run_inputs, g_object_ref (self));
}

static void
on_save_before_run_response (AdwMessageDialog *dialog,
                             const char       *response,
                             SluiceWindow     *self)
{
  if (g_str_equal (response, "save") && save_to (self, NULL))
    continue_run (self);
}

// force: steps to run even if they could be reused (NULL for none);
// ask_inputs: FALSE to go with remembered values when there are all.
static void
request_run (SluiceWindow       *self,
             const char * const *force,
             gboolean            ask_inputs)
{
  GtkWidget *dialog;

  if (sluice_run_controller_is_starting (self->runs))
    return;
  if (sluice_run_controller_is_running (self->runs))
    {
      toast (self, _("A run of this pipeline is going on; cancel it or wait for it to end"));
      return;
    }
  if (count_errors (self) > 0)
    {
      toast (self, _("The pipeline has problems to fix before it can run"));
      reveal_problems (self);
      return;
    }

  g_strfreev (self->run_force);
  self->run_force = g_strdupv ((GStrv) force);
  self->run_ask_inputs = ask_inputs;

  if (sluice_document_get_file (self->document) == NULL)
    {
      // Untitled: it needs a file to run from.
      self->run_after_save = TRUE;
      self->exporting = FALSE;
      run_chooser (self, GTK_FILE_CHOOSER_ACTION_SAVE);
      return;
    }
  if (!sluice_document_get_modified (self->document))
    {
      continue_run (self);
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Before Running?"),
                                   _("A run uses the pipeline as saved. Save the changes and run?"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "save", _("_Save and Run"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_before_run_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  request_run (SLUICE_WINDOW (widget), NULL, TRUE);
}

// The selected steps (a selection may also hold notes and frames).
static GStrv
selected_run_steps (SluiceWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char * const *selection = sluice_document_get_selection (self->document);
  SluicePipeline *pipeline = sluice_document_get_pipeline (self->document);

  for (guint i = 0; selection[i] != NULL; i++)
    if (sluice_pipeline_find_step (pipeline, selection[i]) != NULL)
      g_strv_builder_add (builder, selection[i]);
  return g_strv_builder_end (builder);
}

// A new run from a step on: forced, so it runs even when its inputs did
// not change; what comes before it is reused from the cache.
static void
rerun_from_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  SluiceRunStatus *status = sluice_run_controller_get_status (self->runs);
  g_auto(GStrv) selection = selected_run_steps (self);
  const char *from = selection[0];

  for (guint i = 0; from == NULL && status != NULL && i < sluice_run_status_get_n_steps (status); i++)
    {
      const char *id = sluice_run_status_get_step_id (status, i);

      if (sluice_run_status_get_step_state (status, id) == SLUICE_STATE_FAILED)
        from = id;
    }
  if (from == NULL)
    {
      toast (self, _("Select the step to re-run from"));
      return;
    }
  request_run (self, (const char *[]) { from, NULL }, FALSE);
}

static void
rerun_force_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_auto(GStrv) steps = selected_run_steps (self);

  if (steps[0] == NULL)
    {
      toast (self, _("Select the steps to run again"));
      return;
    }
  request_run (self, (const char * const *) steps, FALSE);
}

static void
cancel_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!sluice_run_controller_cancel (self->runs, &error))
    toast (self, error->message);
}

static void
cancel_step_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  g_auto(GStrv) steps = selected_run_steps (self);
  guint asked = 0;

  for (guint i = 0; steps[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (sluice_run_controller_cancel_step (self->runs, steps[i], &error))
        asked++;
      else if (steps[1] == NULL)
        toast (self, error->message);
    }
  if (steps[0] == NULL)
    toast (self, _("Select the step to cancel"));
  else if (asked > 0)
    toast (self, ngettext ("Cancelling the step…", "Cancelling the steps…", asked));
}

static void
clear_run_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  if (!sluice_run_controller_is_running (self->runs))
    sluice_run_controller_clear (self->runs);
}

static void
show_run_steps_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sluice_run_bar_show_steps (SLUICE_WINDOW (widget)->run_bar);
}

/* where runs go ---------------------------------------------------------------------- */

static void
on_run_disconnected (SluiceWindow *self)
{
  gboolean down = sluice_run_controller_get_disconnected (self->runs);

  if (down)
    {
      g_autofree char *text = g_strdup_printf (_("Connection to %s lost — reconnecting…"),
                                               sluice_run_controller_get_shown_remote (self->runs));

      gtk_label_set_text (self->connection_label, text);
    }
  gtk_revealer_set_reveal_child (self->connection_revealer, down);
}

static void
show_run_target (SluiceWindow *self)
{
  const char *target = sluice_run_controller_get_target (self->runs);
  g_autofree char *label = target ? g_strdup_printf (_("On %s"), target) : g_strdup (_("This Computer"));

  gtk_menu_button_set_label (self->run_on_button, label);
}

static void
run_target_changed (GSimpleAction *action,
                    GVariant      *value,
                    gpointer       user_data)
{
  SluiceWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);

  // A remote that was removed meanwhile falls back to this computer.
  if (name[0] != '\0')
    {
      g_autofree char *url = sluice_remote_config_get_url (name, NULL);

      if (url == NULL)
        name = "";
    }
  g_simple_action_set_state (action, g_variant_new_string (name));
  sluice_run_controller_set_target (self->runs, name);
  show_run_target (self);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "run-target", name);
}

// Rebuilt each time it opens: remotes come and go from the CLI and the
// preferences.
static void
build_run_on_menu (GtkMenuButton *button,
                   gpointer       user_data)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) remotes = g_menu_new ();
  g_autoptr(GMenu) manage = g_menu_new ();
  g_autoptr(GPtrArray) list = sluice_remote_config_list (NULL);

  g_menu_append (menu, _("This Computer"), "win.run-target::");
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      SluiceRemoteEntry *entry = g_ptr_array_index (list, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (entry->name, NULL);

      g_menu_item_set_action_and_target_value (item, "win.run-target", g_variant_new_string (entry->name));
      g_menu_append_item (remotes, item);
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (remotes)) > 0)
    g_menu_append_section (menu, _("Servers"), G_MENU_MODEL (remotes));
  g_menu_append (manage, _("_Manage Servers…"), "app.preferences");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (manage));
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
run_target_init (SluiceWindow *self)
{
  g_autofree char *saved = self->settings ? g_settings_get_string (self->settings, "run-target") : g_strdup ("");
  g_autoptr(GSimpleAction) action =
    g_simple_action_new_stateful ("run-target", G_VARIANT_TYPE_STRING, g_variant_new_string (""));

  g_signal_connect (action, "change-state", G_CALLBACK (run_target_changed), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
  gtk_menu_button_set_create_popup_func (self->run_on_button, build_run_on_menu, NULL, NULL);
  build_run_on_menu (self->run_on_button, NULL);
  g_action_change_state (G_ACTION (action), g_variant_new_string (saved));
  show_run_target (self);
}

static void
update_run_actions (SluiceWindow *self)
{
  g_auto(GStrv) steps = selected_run_steps (self);
  gboolean running = self->runs && sluice_run_controller_is_running (self->runs);
  gboolean shown = self->runs && sluice_run_controller_get_status (self->runs) != NULL;
  gboolean busy = running || (self->runs && sluice_run_controller_is_starting (self->runs));
  gboolean has_selection = steps[0] != NULL;
  gboolean remote = self->runs && sluice_run_controller_get_shown_remote (self->runs) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.run", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rerun-from", !busy && shown);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rerun-force", !busy && has_selection);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-run", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-step", running && has_selection && !remote);
  // Only the whole run can be stopped on a server.
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_on_button),
                               remote && running ? _("Steps of a run on a server cannot be cancelled one by one")
                                                 : _("Where the Pipeline Runs"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-run", shown && !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-run-steps", shown);
}

static void
on_run_status (SluiceWindow *self)
{
  SluiceRunStatus *status = sluice_run_controller_get_status (self->runs);

  sluice_canvas_set_run_status (self->canvas, status);
  sluice_run_bar_set_status (self->run_bar, status);
  gtk_revealer_set_reveal_child (self->run_bar_revealer, status != NULL);
  update_actions (self);
}

static void
on_run_finished (SluiceWindow *self,
                 int           state,
                 gboolean      live)
{
  SluiceRunStatus *status = sluice_run_controller_get_status (self->runs);
  gint64 id = status ? sluice_run_status_get_run_id (status) : 0;
  g_autofree char *title = g_strdup_printf (_("Run %" G_GINT64_FORMAT " %s"), id, sluice_state_to_string (state));

  update_actions (self);
  if (!live)
    return;
  toast (self, title);
  // Someone who went to do something else while it ran is told.
  if (!gtk_window_is_active (GTK_WINDOW (self)))
    {
      g_autoptr(GNotification) notification = g_notification_new (title);
      const char *file = sluice_document_get_file (self->document);
      g_autofree char *name = file ? g_path_get_basename (file) : g_strdup (_("New Pipeline"));
      g_autofree char *notification_id = g_strdup_printf ("run-%" G_GINT64_FORMAT, id);

      g_notification_set_body (notification, name);
      g_notification_set_priority (notification, state == SLUICE_STATE_SUCCEEDED ? G_NOTIFICATION_PRIORITY_NORMAL
                                                                                  : G_NOTIFICATION_PRIORITY_HIGH);
      g_application_send_notification (g_application_get_default (), notification_id, notification);
    }
}

static void
on_run_step_activated (SluiceWindow *self,
                       const char   *step_id)
{
  sluice_canvas_reveal_step (self->canvas, step_id);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

// A pipeline opened while its last run goes on shows it live; one that
// ended while the window was closed shows how it ended.
static void
attach_latest_run (SluiceWindow *self)
{
  gint64 id = sluice_run_controller_find_latest_run_named (self->runs, sluice_document_get_file (self->document),
                                                           sluice_pipeline_get_name (sluice_document_get_pipeline (self->document)));
  g_autoptr(GError) error = NULL;

  if (id == 0)
    sluice_run_controller_clear (self->runs);
  else if (!sluice_run_controller_attach (self->runs, id, &error))
    g_debug ("cannot show run %" G_GINT64_FORMAT ": %s", id, error->message);
}

static void
dump_run (JsonBuilder  *builder,
          SluiceWindow *self)
{
  SluiceRunStatus *status = sluice_run_controller_get_status (self->runs);

  json_builder_set_member_name (builder, "run");
  if (status == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, sluice_run_status_get_run_id (status));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, sluice_state_to_string (sluice_run_status_get_state (status)));
  json_builder_set_member_name (builder, "watching");
  json_builder_add_boolean_value (builder, sluice_run_controller_is_running (self->runs));
  json_builder_set_member_name (builder, "target");
  if (sluice_run_controller_get_shown_remote (self->runs) != NULL)
    json_builder_add_string_value (builder, sluice_run_controller_get_shown_remote (self->runs));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "disconnected");
  json_builder_add_boolean_value (builder, sluice_run_controller_get_disconnected (self->runs));
  json_builder_set_member_name (builder, "finished_steps");
  json_builder_add_int_value (builder, sluice_run_status_count_finished (status));
  json_builder_set_member_name (builder, "steps_listed");
  json_builder_add_int_value (builder, sluice_step_list_get_n_shown (sluice_run_bar_get_step_list (self->run_bar)));
  json_builder_set_member_name (builder, "bar_shown");
  json_builder_add_boolean_value (builder, gtk_revealer_get_reveal_child (self->run_bar_revealer));
  json_builder_set_member_name (builder, "steps");
  json_builder_begin_object (builder);
  for (guint i = 0; i < sluice_run_status_get_n_steps (status); i++)
    {
      const char *id = sluice_run_status_get_step_id (status, i);

      json_builder_set_member_name (builder, id);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, sluice_state_to_string (sluice_run_status_get_step_state (status, id)));
      json_builder_set_member_name (builder, "attempt");
      json_builder_add_int_value (builder, sluice_run_status_get_step_attempt (status, id));
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/* step details ------------------------------------------------------------------------- */

// The area under the canvas has two pages: the problems list, and the
// details of the selected step in the shown run (log, outputs, metrics,
// command line). With no run attached, the pipeline file's newest run is
// shown.

static char *
details_history_path (SluiceWindow *self)
{
  return g_build_filename (sluice_run_controller_get_store_root (self->runs), "history.db", NULL);
}

static void
on_details_run_changed (SluiceWindow *self)
{
  SluiceRunStatus *status = sluice_run_controller_get_status (self->runs);
  g_autofree char *history = details_history_path (self);

  const char *remote = sluice_run_controller_get_shown_remote (self->runs);

  // A remote run's steps are in the server's history, not this one: the
  // pane builds them from the run's event stream.
  if (status != NULL && remote != NULL)
    sluice_step_details_set_remote_run (self->details, remote, sluice_run_status_get_run_id (status));
  else
    sluice_step_details_set_run (self->details, history, status ? sluice_run_status_get_run_id (status) : 0);
}

static void
on_run_events (SluiceWindow *self,
               GPtrArray    *events)
{
  sluice_step_details_apply_events (self->details, events);
}

static void
on_details_file_changed (SluiceWindow *self)
{
  g_autofree char *history = details_history_path (self);

  sluice_step_details_set_pipeline_file (self->details, history, sluice_document_get_file (self->document));
}

// A log needs room: a bottom area dragged small is opened up.
static void
show_details_page (SluiceWindow *self)
{
  int height = gtk_widget_get_height (GTK_WIDGET (self->canvas_paned));

  gtk_stack_set_visible_child_name (self->bottom_stack, "details");
  if (height > 0 && height - gtk_paned_get_position (self->canvas_paned) < 260)
    gtk_paned_set_position (self->canvas_paned, MAX (height - 320, height / 3));
}

static void
on_details_selection_changed (SluiceWindow *self)
{
  g_auto(GStrv) steps = selected_run_steps (self);
  const char *step = steps[0] != NULL && steps[1] == NULL ? steps[0] : NULL;

  sluice_step_details_set_step (self->details, step);
  if (step != NULL && sluice_step_details_has_run (self->details))
    show_details_page (self);
}

static void
setup_bottom_area (SluiceWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *switcher = gtk_stack_switcher_new ();

  self->bottom_stack = GTK_STACK (gtk_stack_new ());
  self->details = SLUICE_STEP_DETAILS (sluice_step_details_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->bottom_stack), TRUE);
  gtk_stack_add_titled (self->bottom_stack, self->problems, "problems", _("Problems"));
  gtk_stack_add_titled (self->bottom_stack, GTK_WIDGET (self->details), "details", _("Step Details"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->bottom_stack);
  gtk_widget_set_halign (switcher, GTK_ALIGN_START);
  gtk_widget_set_margin_start (switcher, 6);
  gtk_widget_set_margin_top (switcher, 4);
  gtk_widget_set_margin_bottom (switcher, 4);
  gtk_box_append (GTK_BOX (box), switcher);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->bottom_stack));
  adw_bin_set_child (self->problems_slot, box);

  g_signal_connect_swapped (self->runs, "notify::status", G_CALLBACK (on_details_run_changed), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (on_details_file_changed), self);
  g_signal_connect_swapped (self->document, "selection-changed", G_CALLBACK (on_details_selection_changed), self);
  on_details_file_changed (self);
}

static void
dump_details (JsonBuilder  *builder,
              SluiceWindow *self)
{
  // problems_slot > box > switcher > one button per page.
  GtkWidget *box = gtk_widget_get_first_child (GTK_WIDGET (self->problems_slot));
  GtkWidget *tab = gtk_widget_get_first_child (gtk_widget_get_first_child (box));

  json_builder_set_member_name (builder, "bottom_page");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->bottom_stack));
  json_builder_set_member_name (builder, "bottom_tabs");
  json_builder_begin_object (builder);
  for (const char * const *name = (const char * const[]) { "problems", "details", NULL }; *name && tab; name++, tab = gtk_widget_get_next_sibling (tab))
    {
      double x = 0, y = 0;

      if (!gtk_widget_translate_coordinates (tab, GTK_WIDGET (self), gtk_widget_get_width (tab) / 2.0,
                                             gtk_widget_get_height (tab) / 2.0, &x, &y))
        continue;
      json_builder_set_member_name (builder, *name);
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, x);
      json_builder_add_double_value (builder, y);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "details");
  sluice_step_details_dump (self->details, builder, GTK_WIDGET (self));
}

/* run history ---------------------------------------------------------------------------- */

// The runs of this pipeline in a sidebar. Selecting one shows it read-only:
// its pipeline as that run had it (a second document, so the one being
// edited is untouched) with the states and outputs the history recorded.

#define HISTORY_WIDTH 320

static const char * const history_editing_actions[] = {
  "win.undo", "win.redo", "win.delete", "win.paste", "win.duplicate", "win.auto-layout",
  "win.add-component", "win.add-note", "win.frame-selection",
};

static void
history_disable_editing (SluiceWindow *self)
{
  if (self->past_document == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (history_editing_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), history_editing_actions[i], FALSE);
}

static SluiceHistory *
history_open (SluiceWindow *self)
{
  const char *env = g_getenv ("SLUICE_STORE");
  g_autofree char *root = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (self->history != NULL)
    return self->history;

  root = env != NULL && *env != '\0' ? g_strdup (env) : sluice_artifact_store_default_root ();
  path = g_build_filename (root, "history.db", NULL);
  if (g_mkdir_with_parents (root, 0700) != 0 || !(self->history = sluice_history_open (path, &error)))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the run history %s: %s"), path,
                                               error ? error->message : g_strerror (errno));

      toast (self, text);
      return NULL;
    }
  sluice_run_history_set_history (self->run_history, self->history);
  return self->history;
}

static void history_back_to_editing (SluiceWindow *self);

// The canvas, inspector and problems all show the same document: the one
// being edited, or a past run's (whose parameters are then its values).
// A past run's is read-only: the canvas refuses drags, drops and edits,
// and the palette adds nothing until the person is back to editing.
static void
history_show_document (SluiceWindow   *self,
                       SluiceDocument *document)
{
  GtkWidget *inspector = adw_bin_get_child (self->inspector_slot);
  gboolean read_only = sluice_document_get_read_only (document);

  sluice_canvas_set_document (self->canvas, document);
  sluice_canvas_set_read_only (self->canvas, read_only);
  gtk_widget_set_sensitive (self->palette, !read_only);
  if (SLUICE_IS_INSPECTOR (inspector))
    sluice_inspector_set_document (SLUICE_INSPECTOR (inspector), document);
  if (SLUICE_IS_PROBLEMS_VIEW (self->problems))
    sluice_problems_view_set_document (SLUICE_PROBLEMS_VIEW (self->problems), document);
}

// Another file opened: a past run of the previous one no longer applies.
static void
history_follow_document (SluiceWindow *self)
{
  SluicePipeline *pipeline = sluice_document_get_pipeline (self->document);

  history_back_to_editing (self);

  sluice_run_history_set_pipeline (self->run_history, sluice_pipeline_get_name (pipeline),
                                   sluice_document_get_file (self->document));
}

static gboolean
history_zoom_to_fit (gpointer user_data)
{
  g_autoptr(SluiceWindow) self = user_data;

  sluice_canvas_zoom_to_fit (self->canvas);
  return G_SOURCE_REMOVE;
}

// Once the canvas has its new size and content laid out.
static void
history_zoom_to_fit_later (SluiceWindow *self)
{
  sluice_canvas_zoom_to_fit (self->canvas);
  g_timeout_add_full (G_PRIORITY_LOW, 300, history_zoom_to_fit, g_object_ref (self), NULL);
}

static void
history_back_to_editing (SluiceWindow *self)
{
  if (self->past_document == NULL)
    return;

  g_clear_object (&self->past_document);
  g_clear_object (&self->past_status);
  self->past_run = 0;
  history_show_document (self, self->document);
  sluice_canvas_set_run_status (self->canvas, sluice_run_controller_get_status (self->runs));
  gtk_revealer_set_reveal_child (self->run_bar_revealer, sluice_run_controller_get_status (self->runs) != NULL);
  gtk_info_bar_set_revealed (self->history_banner, FALSE);
  history_zoom_to_fit_later (self);
  for (guint i = 0; i < G_N_ELEMENTS (history_editing_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), history_editing_actions[i], TRUE);
  update_actions (self);
  sluice_run_history_select_run (self->run_history, 0);
}

// A run recorded with a relative path (the CLI started elsewhere) resolves
// its components from the folder of the file open here.
static const char *
history_pipeline_path (SluiceWindow          *self,
                       const SluiceRunRecord *record)
{
  if (record->pipeline_file != NULL && g_path_is_absolute (record->pipeline_file))
    return record->pipeline_file;
  return sluice_document_get_file (self->document);
}

static gboolean
history_show_run (SluiceWindow  *self,
                  gint64         run_id,
                  GError       **error)
{
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(SluiceRunStatus) status = NULL;
  g_autoptr(SluiceDocument) past = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;
  g_autofree char *banner = NULL;

  if (history_open (self) == NULL)
    return FALSE;
  if (!(record = sluice_history_get_run (self->history, run_id, error)) ||
      !(status = sluice_run_status_new_from_history (self->history, run_id, error)))
    return FALSE;
  past = sluice_document_new (self->registry);
  if (record->pipeline_json == NULL ||
      !sluice_document_load_data (past, record->pipeline_json, history_pipeline_path (self, record), error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND, "run %" G_GINT64_FORMAT " recorded no pipeline", run_id);
      return FALSE;
    }
  sluice_document_set_read_only (past, TRUE);

  g_set_object (&self->past_document, past);
  g_set_object (&self->past_status, status);
  self->past_run = run_id;
  history_show_document (self, past);
  sluice_canvas_set_run_status (self->canvas, status);
  // The live run's bar would speak of another run than the one shown.
  gtk_revealer_set_reveal_child (self->run_bar_revealer, FALSE);
  history_zoom_to_fit_later (self);

  when = g_date_time_new_from_unix_local ((record->started_at ? record->started_at : record->created_at) / G_USEC_PER_SEC);
  date = g_date_time_format (when, "%e %b %H:%M");
  /* Translators: "Run 12 of 3 Dec 14:02 — succeeded — read-only" */
  banner = g_strdup_printf (_("Run %" G_GINT64_FORMAT " of %s — %s — read-only"), run_id, g_strstrip (date),
                            sluice_state_to_string (record->state));
  gtk_label_set_text (self->history_banner_label, banner);
  gtk_info_bar_set_revealed (self->history_banner, TRUE);
  history_disable_editing (self);
  return TRUE;
}

static void
on_history_run_activated (SluiceWindow *self,
                          gint64        run_id)
{
  g_autoptr(GError) error = NULL;

  if (run_id == 0)
    history_back_to_editing (self);
  else if (!history_show_run (self, run_id, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not show run %" G_GINT64_FORMAT ": %s"), run_id, error->message);

      toast (self, text);
    }
}

// A live run started while a past one is shown must not paint over it.
static void
on_history_live_status (SluiceWindow *self)
{
  // A run started or ended: the list need not wait for its next poll.
  if (gtk_widget_get_mapped (GTK_WIDGET (self->run_history)))
    sluice_run_history_refresh (self->run_history);
  if (self->past_document == NULL)
    return;
  sluice_canvas_set_run_status (self->canvas, self->past_status);
  gtk_revealer_set_reveal_child (self->run_bar_revealer, FALSE);
}

static void
on_history_toggled (SluiceWindow *self)
{
  gboolean shown = gtk_toggle_button_get_active (self->history_button);

  GtkPaned *paned = GTK_PANED (gtk_widget_get_parent (GTK_WIDGET (self->palette_slot)));

  // The runs take the palette's place (adding steps is for editing), a
  // little wider for their dates.
  gtk_stack_set_visible_child_name (self->history_stack, shown ? "history" : "palette");
  if (shown)
    {
      self->palette_width = gtk_paned_get_position (paned);
      gtk_paned_set_position (paned, MAX (self->palette_width, HISTORY_WIDTH));
    }
  else if (self->palette_width > 0)
    gtk_paned_set_position (paned, self->palette_width);
  if (shown)
    {
      if (history_open (self) != NULL)
        history_follow_document (self);
      sluice_run_history_refresh (self->run_history);
    }
  else
    history_back_to_editing (self);
}

static void
show_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);

  gtk_toggle_button_set_active (self->history_button, !gtk_toggle_button_get_active (self->history_button));
}

static GtkWidget *
history_secondary_window (SluiceWindow  *self,
                          GtkWidget     *content,
                          AdwWindowTitle **title,
                          int            width,
                          int            height)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  *title = ADW_WINDOW_TITLE (adw_window_title_new ("", NULL));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (*title));
  gtk_box_append (GTK_BOX (box), header);
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_hide_on_close (GTK_WINDOW (window), TRUE);
  return window;
}

static void history_open_lineage (SluiceWindow *self, gint64 run_id, const char *step_id);

static void
on_compare_lineage (SluiceWindow *self,
                    gint64        run_id)
{
  history_open_lineage (self, run_id, NULL);
}

static void
history_open_compare (SluiceWindow *self,
                      GArray       *ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) subtitle = g_string_new (NULL);

  if (ids->len < 2)
    {
      toast (self, _("Tick two or more runs in the history to compare them"));
      return;
    }
  if (history_open (self) == NULL)
    return;
  if (self->compare_window == NULL)
    {
      self->compare_view = SLUICE_RUN_COMPARE_VIEW (sluice_run_compare_view_new ());
      self->compare_window = GTK_WINDOW (history_secondary_window (self, GTK_WIDGET (self->compare_view),
                                                                   &self->compare_title, 1040, 860));
      adw_window_title_set_title (self->compare_title, _("Compare Runs"));
      gtk_window_set_title (self->compare_window, _("Compare Runs — Sluice"));
      g_signal_connect_swapped (self->compare_view, "lineage-requested", G_CALLBACK (on_compare_lineage), self);
    }
  if (!sluice_run_compare_view_set_runs (self->compare_view, self->history, (const gint64 *) ids->data, ids->len, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not compare the runs: %s"), error->message);

      toast (self, text);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (subtitle, "%s%" G_GINT64_FORMAT, i ? ", " : _("Runs "), g_array_index (ids, gint64, i));
  adw_window_title_set_subtitle (self->compare_title, subtitle->str);
  gtk_window_present (self->compare_window);
}

static void
on_history_compare (SluiceWindow *self)
{
  g_autoptr(GArray) ids = sluice_run_history_get_checked_runs (self->run_history);

  history_open_compare (self, ids);
}

static void
compare_runs_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  on_history_compare (SLUICE_WINDOW (widget));
}

static void
history_open_lineage (SluiceWindow *self,
                      gint64        run_id,
                      const char   *step_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *subtitle = NULL;

  if (history_open (self) == NULL)
    return;
  if (self->lineage_window == NULL)
    {
      self->lineage_view = SLUICE_LINEAGE_VIEW (sluice_lineage_view_new ());
      self->lineage_window = GTK_WINDOW (history_secondary_window (self, GTK_WIDGET (self->lineage_view),
                                                                   &self->lineage_title, 640, 560));
      adw_window_title_set_title (self->lineage_title, _("Lineage"));
      gtk_window_set_title (self->lineage_window, _("Lineage — Sluice"));
    }
  if (!sluice_lineage_view_show_run (self->lineage_view, self->history, run_id, step_id, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not trace the outputs: %s"), error->message);

      toast (self, text);
      return;
    }
  subtitle = step_id ? g_strdup_printf (_("Outputs of “%s” in run %" G_GINT64_FORMAT), step_id, run_id)
                     : g_strdup_printf (_("Final outputs of run %" G_GINT64_FORMAT), run_id);
  adw_window_title_set_subtitle (self->lineage_title, subtitle);
  gtk_window_present (self->lineage_window);
}

static void
on_history_lineage (SluiceWindow *self,
                    gint64        run_id)
{
  history_open_lineage (self, run_id, NULL);
}

// The selected step's outputs in the run shown: the past run on screen,
// else the live or latest run of this pipeline.
static void
show_lineage_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SluiceWindow *self = SLUICE_WINDOW (widget);
  SluiceDocument *shown = sluice_canvas_get_document (self->canvas);
  SluicePipeline *pipeline = sluice_document_get_pipeline (shown);
  const char * const *selection = sluice_document_get_selection (shown);
  SluiceRunStatus *live = sluice_run_controller_get_status (self->runs);
  const char *step_id = NULL;
  gint64 run_id = self->past_run;

  for (guint i = 0; selection[i] != NULL && step_id == NULL; i++)
    if (sluice_pipeline_find_step (pipeline, selection[i]) != NULL)
      step_id = selection[i];
  if (run_id == 0 && live != NULL)
    run_id = sluice_run_status_get_run_id (live);
  if (run_id == 0 && sluice_document_get_file (self->document) != NULL)
    run_id = sluice_run_controller_find_latest_run (self->runs, sluice_document_get_file (self->document));
  if (run_id == 0)
    {
      toast (self, _("This pipeline has not run yet: there is no lineage to show"));
      return;
    }
  history_open_lineage (self, run_id, step_id);
}

static void
history_init (SluiceWindow *self)
{
  g_autoptr(GtkWidget) palette = g_object_ref (adw_bin_get_child (self->palette_slot));

  self->run_history = SLUICE_RUN_HISTORY (sluice_run_history_new ());
  self->history_stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_transition_type (self->history_stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  adw_bin_set_child (self->palette_slot, GTK_WIDGET (self->history_stack));
  gtk_stack_add_named (self->history_stack, palette, "palette");
  gtk_stack_add_named (self->history_stack, GTK_WIDGET (self->run_history), "history");
  g_signal_connect_swapped (self->run_history, "run-activated", G_CALLBACK (on_history_run_activated), self);
  g_signal_connect_swapped (self->run_history, "compare-requested", G_CALLBACK (on_history_compare), self);
  g_signal_connect_swapped (self->run_history, "lineage-requested", G_CALLBACK (on_history_lineage), self);
  g_signal_connect_swapped (self->history_button, "toggled", G_CALLBACK (on_history_toggled), self);
  g_signal_connect_swapped (self->history_back_button, "clicked", G_CALLBACK (history_back_to_editing), self);
  g_signal_connect_swapped (self->runs, "notify::status", G_CALLBACK (on_history_live_status), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (history_follow_document), self);
}

static void
history_dispose (SluiceWindow *self)
{
  if (self->compare_window != NULL)
    gtk_window_destroy (self->compare_window);
  if (self->lineage_window != NULL)
    gtk_window_destroy (self->lineage_window);
  self->compare_window = self->lineage_window = NULL;
  g_clear_object (&self->past_document);
  g_clear_object (&self->past_status);
  g_clear_object (&self->history);
}

static void
dump_widget_point (JsonBuilder  *builder,
                   SluiceWindow *self,
                   const char   *name,
                   GtkWidget    *widget,
                   double        x,
                   double        y)
{
  graphene_point_t out;
  double sx = 0, sy = 0;

  if (widget == NULL || !gtk_widget_get_mapped (widget) ||
      !gtk_widget_compute_point (widget, GTK_WIDGET (self), &GRAPHENE_POINT_INIT (x, y), &out))
    return;
  gtk_native_get_surface_transform (GTK_NATIVE (self), &sx, &sy);
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, out.x + sx);
  json_builder_add_double_value (builder, out.y + sy);
  json_builder_end_array (builder);
}

static void
dump_id_array (JsonBuilder *builder,
               const char  *name,
               GArray      *ids)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_int_value (builder, g_array_index (ids, gint64, i));
  json_builder_end_array (builder);
}

// The chart's first series, in the comparison window's coordinates.
static JsonArray *
chart_points (SluiceWindow *self)
{
  GtkWidget *chart = sluice_run_compare_view_get_chart (self->compare_view);
  JsonArray *points = json_array_new ();
  double x, y, sx = 0, sy = 0;

  gtk_native_get_surface_transform (GTK_NATIVE (self->compare_window), &sx, &sy);
  for (guint i = 0; sluice_metric_chart_get_point_position (SLUICE_METRIC_CHART (chart), 0, i, &x, &y); i++)
    {
      graphene_point_t out;
      JsonArray *point = json_array_new ();

      if (!gtk_widget_compute_point (chart, GTK_WIDGET (self->compare_window), &GRAPHENE_POINT_INIT (x, y), &out))
        {
          json_array_unref (point);
          break;
        }
      json_array_add_double_element (point, out.x + sx);
      json_array_add_double_element (point, out.y + sy);
      json_array_add_array_element (points, point);
    }
  return points;
}

static void
dump_history_compare (JsonBuilder  *builder,
                      SluiceWindow *self)
{
  SluiceRunComparison *comparison = self->compare_view ? sluice_run_compare_view_get_comparison (self->compare_view) : NULL;
  SluiceMetricChart *chart = self->compare_view ? SLUICE_METRIC_CHART (sluice_run_compare_view_get_chart (self->compare_view)) : NULL;
  g_autofree char *hover = chart ? sluice_metric_chart_dup_hover (chart) : NULL;
  JsonNode *node;

  json_builder_set_member_name (builder, "compare");
  if (comparison == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->compare_window)))
    {
      json_builder_add_null_value (builder);
      return;
    }
  node = sluice_run_comparison_to_json (comparison);
  json_object_set_array_member (json_node_get_object (node), "chart_points", chart_points (self));
  if (hover != NULL)
    json_object_set_string_member (json_node_get_object (node), "chart_hover", hover);
  else
    json_object_set_null_member (json_node_get_object (node), "chart_hover");
  json_builder_add_value (builder, node);
}

static void
dump_history_lineage (JsonBuilder  *builder,
                      SluiceWindow *self)
{
  json_builder_set_member_name (builder, "lineage");
  if (self->lineage_view == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->lineage_window)))
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_add_value (builder, sluice_lineage_view_to_json (self->lineage_view));
}

static void dump_point (JsonBuilder *builder, SluiceWindow *self, const char *name, double mx, double my);

// For GUI tests: the history sidebar, the past run on the canvas, the
// comparison and lineage windows, and where to click.
static void
dump_history (JsonBuilder  *builder,
              SluiceWindow *self)
{
  g_autoptr(GArray) ids = sluice_run_history_get_run_ids (self->run_history);
  g_autoptr(GArray) checked = sluice_run_history_get_checked_runs (self->run_history);
  SluiceDocument *shown = sluice_canvas_get_document (self->canvas);
  SluiceRunStatus *status = sluice_canvas_get_run_status (self->canvas);
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (shown));

  json_builder_set_member_name (builder, "history");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "visible");
  json_builder_add_boolean_value (builder, g_strcmp0 (gtk_stack_get_visible_child_name (self->history_stack), "history") == 0);
  dump_id_array (builder, "runs", ids);
  dump_id_array (builder, "checked", checked);
  json_builder_set_member_name (builder, "viewing");
  if (self->past_run > 0)
    json_builder_add_int_value (builder, self->past_run);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "read_only");
  json_builder_add_boolean_value (builder, sluice_document_get_read_only (shown));
  json_builder_set_member_name (builder, "banner");
  if (gtk_info_bar_get_revealed (self->history_banner))
    json_builder_add_string_value (builder, gtk_label_get_text (self->history_banner_label));
  else
    json_builder_add_null_value (builder);

  // What the canvas shows: its steps and, when a run is on it, their states.
  json_builder_set_member_name (builder, "canvas");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "run");
  if (status != NULL)
    json_builder_add_int_value (builder, sluice_run_status_get_run_id (status));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "steps");
  json_builder_begin_object (builder);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));

      json_builder_set_member_name (builder, id);
      if (status != NULL)
        json_builder_add_string_value (builder, sluice_state_to_string (sluice_run_status_get_step_state (status, id)));
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);
  // Where the shown document's nodes are: in the pipeline, and the point
  // of their title bar in the window (to drag them by).
  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_object (builder);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));
      SluiceRect r;

      if (!sluice_document_get_node_rect (shown, id, &r))
        continue;
      json_builder_set_member_name (builder, id);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "at");
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, r.x);
      json_builder_add_double_value (builder, r.y);
      json_builder_end_array (builder);
      dump_point (builder, self, "title", r.x + r.width / 2, r.y + 12);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "read_only");
  json_builder_add_boolean_value (builder, sluice_canvas_get_read_only (self->canvas));
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "palette_sensitive");
  json_builder_add_boolean_value (builder, gtk_widget_get_sensitive (self->palette));

  dump_history_compare (builder, self);
  dump_history_lineage (builder, self);

  json_builder_set_member_name (builder, "points");
  json_builder_begin_object (builder);
  dump_widget_point (builder, self, "history_button", GTK_WIDGET (self->history_button),
                     gtk_widget_get_width (GTK_WIDGET (self->history_button)) / 2.0,
                     gtk_widget_get_height (GTK_WIDGET (self->history_button)) / 2.0);
  {
    GtkWidget *compare = sluice_run_history_get_compare_button (self->run_history);
    GtkWidget *lineage = sluice_run_history_get_lineage_button (self->run_history);

    dump_widget_point (builder, self, "compare_button", compare,
                       gtk_widget_get_width (compare) / 2.0, gtk_widget_get_height (compare) / 2.0);
    dump_widget_point (builder, self, "lineage_button", lineage,
                       gtk_widget_get_width (lineage) / 2.0, gtk_widget_get_height (lineage) / 2.0);
  }
  dump_widget_point (builder, self, "back_button", GTK_WIDGET (self->history_back_button),
                     gtk_widget_get_width (GTK_WIDGET (self->history_back_button)) / 2.0,
                     gtk_widget_get_height (GTK_WIDGET (self->history_back_button)) / 2.0);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autofree char *title = g_strdup_printf ("run_%" G_GINT64_FORMAT, id);
      g_autofree char *check = g_strdup_printf ("check_%" G_GINT64_FORMAT, id);
      double x, y;

      if (sluice_run_history_get_row_point (self->run_history, id, FALSE, GTK_WIDGET (self->run_history), &x, &y))
        dump_widget_point (builder, self, title, GTK_WIDGET (self->run_history), x, y);
      if (sluice_run_history_get_row_point (self->run_history, id, TRUE, GTK_WIDGET (self->run_history), &x, &y))
        dump_widget_point (builder, self, check, GTK_WIDGET (self->run_history), x, y);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
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
  // The run goes on in its runner; only watching it stops.
  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  g_clear_pointer (&self->run_force, g_strfreev);
  history_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_WINDOW);

  G_OBJECT_CLASS (sluice_window_parent_class)->dispose (object);
}

static void
sluice_window_finalize (GObject *object)
{
  SluiceWindow *self = SLUICE_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->recent_menu);
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

  g_type_ensure (SLUICE_TYPE_RUN_BAR);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, run_on_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, connection_revealer);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, open_button);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, canvas_scroller);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, palette_slot);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, inspector_slot);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, problems_slot);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, canvas_paned);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, run_bar_revealer);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, run_bar);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, history_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, history_banner);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, history_banner_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceWindow, history_back_button);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.new-from-example", NULL, new_from_example_action);
  gtk_widget_class_install_action (widget_class, "win.open-example", "s", open_example_action);
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
  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.show-history", NULL, show_history_action);
  gtk_widget_class_install_action (widget_class, "win.compare-runs", NULL, compare_runs_action);
  gtk_widget_class_install_action (widget_class, "win.show-lineage", NULL, show_lineage_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-from", NULL, rerun_from_action);
  gtk_widget_class_install_action (widget_class, "win.rerun-force", NULL, rerun_force_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-run", NULL, cancel_run_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-step", NULL, cancel_step_action);
  gtk_widget_class_install_action (widget_class, "win.clear-run", NULL, clear_run_action);
  gtk_widget_class_install_action (widget_class, "win.show-run-steps", NULL, show_run_steps_action);
  gtk_widget_class_install_action (widget_class, "win.add-note", NULL, add_note_action);
  gtk_widget_class_install_action (widget_class, "win.frame-selection", NULL, frame_selection_action);
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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "win.show-history", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search-components", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK, "win.frame-selection", NULL);
}

static void
sluice_window_init (SluiceWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = sluice_window_create_settings ();
  sluice_window_restore_state (self);

  self->recent_menu = g_menu_new ();
  adw_split_button_set_menu_model (self->open_button, G_MENU_MODEL (self->recent_menu));
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::recent-files", G_CALLBACK (rebuild_recent_menu), self,
                             G_CONNECT_SWAPPED);
  // Files deleted while Sluice was in the background leave the list when
  // the window comes back.
  g_signal_connect (self, "notify::is-active", G_CALLBACK (rebuild_recent_menu), NULL);
  rebuild_recent_menu (self);

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
    self->problems = problems;
    sluice_palette_set_registry (SLUICE_PALETTE (palette), self->registry);
    g_signal_connect_swapped (palette, "component-activated", G_CALLBACK (on_palette_component_activated), self);
    adw_bin_set_child (self->palette_slot, palette);
    sluice_inspector_set_document (SLUICE_INSPECTOR (inspector), self->document);
    adw_bin_set_child (self->inspector_slot, inspector);
    sluice_problems_view_set_document (SLUICE_PROBLEMS_VIEW (problems), self->document);
    g_signal_connect_swapped (problems, "problem-activated", G_CALLBACK (on_problem_activated), self);
  }
  self->runs = sluice_run_controller_new ();
  g_signal_connect_swapped (self->runs, "notify::status", G_CALLBACK (on_run_status), self);
  g_signal_connect_swapped (self->runs, "finished", G_CALLBACK (on_run_finished), self);
  g_signal_connect_swapped (self->runs, "events", G_CALLBACK (on_run_events), self);
  g_signal_connect_swapped (self->runs, "request-failed", G_CALLBACK (toast), self);
  g_signal_connect_swapped (self->runs, "notify::disconnected", G_CALLBACK (on_run_disconnected), self);
  run_target_init (self);
  g_signal_connect_swapped (self->run_bar, "step-activated", G_CALLBACK (on_run_step_activated), self);
  history_init (self);
  setup_bottom_area (self);
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

// The palette rows on screen, by component reference: where to start a
// drag from. Rows carry their reference as "sluice-component-ref".
static void
dump_palette_rows (JsonBuilder  *builder,
                   SluiceWindow *self,
                   GtkWidget    *widget)
{
  const char *ref = g_object_get_data (G_OBJECT (widget), "sluice-component-ref");
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t p;
  double sx = 0, sy = 0;

  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LIST_BOX_ROW (widget) && ref != NULL && native != NULL &&
      gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0,
                                                      gtk_widget_get_height (widget) / 2.0), &p))
    {
      gtk_native_get_surface_transform (native, &sx, &sy);
      json_builder_set_member_name (builder, ref);
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, p.x + sx);
      json_builder_add_double_value (builder, p.y + sy);
      json_builder_end_array (builder);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    dump_palette_rows (builder, self, child);
}

// Notes and frames: where to grab each (a note's body, a frame's title
// bar) and its resize corner, in window coordinates.
static void
dump_annotations (JsonBuilder  *builder,
                  SluiceWindow *self)
{
  json_builder_set_member_name (builder, "annotations");
  json_builder_begin_object (builder);
  for (SluiceAnnotationKind kind = SLUICE_ANNOTATION_NOTE; kind <= SLUICE_ANNOTATION_FRAME; kind++)
    {
      g_auto(GStrv) ids = sluice_document_list_annotations (self->document, kind);

      for (guint i = 0; ids[i] != NULL; i++)
        {
          const char *text;
          SluiceRect r;

          sluice_document_get_annotation (self->document, ids[i], NULL, &r, &text);
          json_builder_set_member_name (builder, ids[i]);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "text");
          json_builder_add_string_value (builder, text);
          dump_point (builder, self, "grab", r.x + r.width / 2,
                      kind == SLUICE_ANNOTATION_NOTE ? r.y + r.height / 2 : r.y + SLUICE_FRAME_TITLE_HEIGHT / 2);
          dump_point (builder, self, "corner", r.x + r.width - 4, r.y + r.height - 4);
          json_builder_end_object (builder);
        }
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
  dump_annotations (builder, self);
  json_builder_set_member_name (builder, "link");
  {
    const char *link_step, *link_port;

    if (sluice_document_get_selected_link (self->document, &link_step, &link_port))
      {
        json_builder_begin_array (builder);
        json_builder_add_string_value (builder, link_step);
        json_builder_add_string_value (builder, link_port);
        json_builder_end_array (builder);
      }
    else
      json_builder_add_null_value (builder);
  }
  json_builder_set_member_name (builder, "recent");
  json_builder_begin_array (builder);
  {
    g_auto(GStrv) recent = recent_files (self);

    rebuild_recent_menu (self);
    for (guint i = 0; recent[i] != NULL; i++)
      json_builder_add_string_value (builder, recent[i]);
  }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "palette");
  json_builder_begin_object (builder);
  dump_palette_rows (builder, self, self->palette);
  json_builder_end_object (builder);
  dump_run (builder, self);
  dump_history (builder, self);
  dump_details (builder, self);
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
