// SPDX-License-Identifier: GPL-3.0-or-later
//
// The runs of the open pipeline, newest first, read from the run history:
// state, number, start, duration and who ran it where. Selecting a run
// asks the window to show it on the canvas; ticking two or more offers a
// comparison. While it is visible it reads the history again every two
// seconds, which is cheap (one indexed query) and shows runs started by
// the CLI or another window too.

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-run-history.h"
#include "sluice-widget-private.h"

#define REFRESH_SECONDS 2
#define MAX_RUNS        200
#define ROW_RUN_ID      "sluice-run-id"
#define ROW_CHECK       "sluice-check"
#define ROW_TITLE       "sluice-title"

struct _SluiceRunHistory
{
  GtkWidget      parent_instance;

  SluiceHistory *history;
  char          *pipeline_name;
  char          *pipeline_file;
  GArray        *run_ids;          // gint64, newest first, as listed
  GHashTable    *checked;          // gint64* set
  gint64         selected;
  char          *shown;            // what the rows say, to skip rebuilding them
  guint          refresh_source;
  gboolean       rebuilding;

  /* Template widgets */
  GtkListBox    *list_box;
  GtkButton     *compare_button;
  GtkButton     *lineage_button;
  GtkLabel      *title_label;
};

G_DEFINE_FINAL_TYPE (SluiceRunHistory, sluice_run_history, GTK_TYPE_WIDGET)

enum {
  RUN_ACTIVATED,
  COMPARE_REQUESTED,
  LINEAGE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* formatting -------------------------------------------------------------------- */

static const char *
state_icon (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_SUCCEEDED:
    case SLUICE_STATE_REUSED:
      return "emblem-ok-symbolic";
    case SLUICE_STATE_FAILED:
      return "dialog-error-symbolic";
    case SLUICE_STATE_RUNNING:
      return "media-playback-start-symbolic";
    case SLUICE_STATE_CANCELLED:
      return "process-stop-symbolic";
    case SLUICE_STATE_INTERRUPTED:
      return "dialog-warning-symbolic";
    case SLUICE_STATE_SKIPPED:
      return "action-unavailable-symbolic";
    case SLUICE_STATE_PENDING:
    case SLUICE_STATE_QUEUED:
    default:
      return "document-open-recent-symbolic";
    }
}

static const char *
state_style (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_SUCCEEDED:
    case SLUICE_STATE_REUSED:
      return "success";
    case SLUICE_STATE_FAILED:
      return "error";
    case SLUICE_STATE_INTERRUPTED:
    case SLUICE_STATE_CANCELLED:
      return "warning";
    case SLUICE_STATE_RUNNING:
      return "accent";
    case SLUICE_STATE_PENDING:
    case SLUICE_STATE_QUEUED:
    case SLUICE_STATE_SKIPPED:
    default:
      return "dim-label";
    }
}

static char *
format_duration (gint64 start,
                 gint64 end)
{
  gint64 seconds;

  if (start == 0)
    return g_strdup ("—");
  seconds = ((end ? end : g_get_real_time ()) - start) / G_USEC_PER_SEC;
  if (seconds < 60)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " s"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s"), seconds / 60, seconds % 60);
  return g_strdup_printf (_("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min"), seconds / 3600, (seconds / 60) % 60);
}

static char *
format_start (gint64 usec)
{
  g_autoptr(GDateTime) dt = NULL;

  if (usec == 0)
    return g_strdup (_("not started"));
  dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%e %b %H:%M:%S");
}

static char *
row_subtitle (const SluiceRunRecord *r)
{
  g_autofree char *start = format_start (r->started_at ? r->started_at : r->created_at);
  g_autofree char *duration = format_duration (r->started_at, r->finished_at);

  return g_strdup_printf ("%s · %s · %s@%s", g_strstrip (start), duration,
                          r->user ? r->user : "?", r->host ? r->host : "?");
}

/* rows -------------------------------------------------------------------------- */

static void
update_buttons (SluiceRunHistory *self)
{
  guint n = g_hash_table_size (self->checked);
  g_autofree char *label = n >= 2 ? g_strdup_printf (_("_Compare %u"), n) : g_strdup (_("_Compare"));

  gtk_button_set_label (self->compare_button, label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->compare_button), n >= 2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->lineage_button), self->selected > 0);
}

static void
on_check_toggled (GtkCheckButton   *check,
                  SluiceRunHistory *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (check), ROW_RUN_ID);

  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->checked, g_memdup2 (&id, sizeof id));
  else
    g_hash_table_remove (self->checked, &id);
  update_buttons (self);
}

static GtkWidget *
make_row (SluiceRunHistory      *self,
          const SluiceRunRecord *r)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name (state_icon (r->state));
  g_autofree char *title_text = g_strdup_printf (_("Run %" G_GINT64_FORMAT), r->id);
  g_autofree char *subtitle_text = row_subtitle (r);
  g_autofree char *check_label = g_strdup_printf (_("Compare run %" G_GINT64_FORMAT), r->id);
  GtkWidget *title = gtk_label_new (title_text);
  GtkWidget *subtitle = gtk_label_new (subtitle_text);
  GtkWidget *check = gtk_check_button_new ();
  gint64 *id = g_memdup2 (&r->id, sizeof r->id);

  gtk_widget_add_css_class (icon, state_style (r->state));
  gtk_widget_set_tooltip_text (icon, sluice_state_to_string (r->state));
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (check, check_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_hash_table_contains (self->checked, &r->id));

  gtk_box_append (GTK_BOX (texts), title);
  gtk_box_append (GTK_BOX (texts), subtitle);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  g_object_set_data_full (G_OBJECT (row), ROW_RUN_ID, id, g_free);
  g_object_set_data (G_OBJECT (row), ROW_CHECK, check);
  g_object_set_data (G_OBJECT (row), ROW_TITLE, title);
  g_object_set_data (G_OBJECT (check), ROW_RUN_ID, id);
  g_signal_connect (check, "toggled", G_CALLBACK (on_check_toggled), self);
  return row;
}

static GtkListBoxRow *
find_row (SluiceRunHistory *self,
          gint64            run_id)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gint64 *id = g_object_get_data (G_OBJECT (child), ROW_RUN_ID);

      if (id != NULL && *id == run_id)
        return GTK_LIST_BOX_ROW (child);
    }
  return NULL;
}

static void
rebuild (SluiceRunHistory *self,
         GPtrArray        *runs)
{
  GtkWidget *child;

  self->rebuilding = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL &&
         GTK_IS_LIST_BOX_ROW (child))
    gtk_list_box_remove (self->list_box, child);
  g_array_set_size (self->run_ids, 0);

  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      SluiceRunRecord *r = g_ptr_array_index (runs, i);

      g_array_append_val (self->run_ids, r->id);
      gtk_list_box_append (self->list_box, make_row (self, r));
    }

  if (self->selected > 0 && find_row (self, self->selected) != NULL)
    gtk_list_box_select_row (self->list_box, find_row (self, self->selected));
  self->rebuilding = FALSE;
}

void
sluice_run_history_refresh (SluiceRunHistory *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GString) signature = g_string_new (NULL);

  g_return_if_fail (SLUICE_IS_RUN_HISTORY (self));

  // A pipeline never saved has never run: the runs of another file that
  // has the same name are not its own.
  if (self->history != NULL && self->pipeline_name != NULL && self->pipeline_file != NULL)
    {
      runs = sluice_history_list_file_runs (self->history, self->pipeline_name, self->pipeline_file,
                                            MAX_RUNS, &error);
      if (runs == NULL)
        g_warning ("Could not read the run history: %s", error->message);
    }

  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      SluiceRunRecord *r = g_ptr_array_index (runs, i);

      // Running rows show a growing duration: they change every time.
      g_string_append_printf (signature, "%" G_GINT64_FORMAT ":%d:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ";",
                              r->id, r->state, r->started_at, r->finished_at ? r->finished_at : g_get_real_time () / G_USEC_PER_SEC);
    }

  if (g_strcmp0 (signature->str, self->shown) == 0)
    return;
  g_free (self->shown);
  self->shown = g_strdup (signature->str);
  rebuild (self, runs);
  update_buttons (self);
}

static gboolean
refresh_tick (gpointer user_data)
{
  sluice_run_history_refresh (SLUICE_RUN_HISTORY (user_data));
  return G_SOURCE_CONTINUE;
}

/* signals from the template --------------------------------------------------------- */

static void
on_row_selected_cb (SluiceRunHistory *self,
                    GtkListBoxRow    *row)
{
  gint64 id = row ? *(gint64 *) g_object_get_data (G_OBJECT (row), ROW_RUN_ID) : 0;

  if (self->rebuilding || id == self->selected)
    return;
  self->selected = id;
  update_buttons (self);
  g_signal_emit (self, signals[RUN_ACTIVATED], 0, id);
}

static void
on_compare_clicked_cb (SluiceRunHistory *self)
{
  g_signal_emit (self, signals[COMPARE_REQUESTED], 0);
}

static void
on_lineage_clicked_cb (SluiceRunHistory *self)
{
  if (self->selected > 0)
    g_signal_emit (self, signals[LINEAGE_REQUESTED], 0, self->selected);
}

/* GObject ---------------------------------------------------------------------------- */

static void
sluice_run_history_map (GtkWidget *widget)
{
  SluiceRunHistory *self = SLUICE_RUN_HISTORY (widget);

  GTK_WIDGET_CLASS (sluice_run_history_parent_class)->map (widget);
  sluice_run_history_refresh (self);
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add_seconds (REFRESH_SECONDS, refresh_tick, self);
}

static void
sluice_run_history_unmap (GtkWidget *widget)
{
  SluiceRunHistory *self = SLUICE_RUN_HISTORY (widget);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  GTK_WIDGET_CLASS (sluice_run_history_parent_class)->unmap (widget);
}

static void
sluice_run_history_dispose (GObject *object)
{
  SluiceRunHistory *self = SLUICE_RUN_HISTORY (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_RUN_HISTORY);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_run_history_parent_class)->dispose (object);
}

static void
sluice_run_history_finalize (GObject *object)
{
  SluiceRunHistory *self = SLUICE_RUN_HISTORY (object);

  g_clear_object (&self->history);
  g_clear_pointer (&self->run_ids, g_array_unref);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_free (self->pipeline_name);
  g_free (self->pipeline_file);
  g_free (self->shown);

  G_OBJECT_CLASS (sluice_run_history_parent_class)->finalize (object);
}

static void
sluice_run_history_class_init (SluiceRunHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_run_history_dispose;
  object_class->finalize = sluice_run_history_finalize;
  widget_class->map = sluice_run_history_map;
  widget_class->unmap = sluice_run_history_unmap;

  signals[RUN_ACTIVATED] = g_signal_new ("run-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[COMPARE_REQUESTED] = g_signal_new ("compare-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[LINEAGE_REQUESTED] = g_signal_new ("lineage-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-run-history.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceRunHistory, list_box);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunHistory, compare_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunHistory, lineage_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunHistory, title_label);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_compare_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_lineage_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "run-history");
}

static void
sluice_run_history_init (SluiceRunHistory *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->run_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->checked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

GtkWidget *
sluice_run_history_new (void)
{
  return g_object_new (SLUICE_TYPE_RUN_HISTORY, NULL);
}

void
sluice_run_history_set_history (SluiceRunHistory *self,
                                SluiceHistory    *history)
{
  g_return_if_fail (SLUICE_IS_RUN_HISTORY (self));

  if (!g_set_object (&self->history, history))
    return;
  g_clear_pointer (&self->shown, g_free);
  sluice_run_history_refresh (self);
}

SluiceHistory *
sluice_run_history_get_history (SluiceRunHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), NULL);
  return self->history;
}

void
sluice_run_history_set_pipeline (SluiceRunHistory *self,
                                 const char       *name,
                                 const char       *file)
{
  g_return_if_fail (SLUICE_IS_RUN_HISTORY (self));

  if (g_strcmp0 (name, self->pipeline_name) == 0 && g_strcmp0 (file, self->pipeline_file) == 0)
    return;
  g_free (self->pipeline_name);
  g_free (self->pipeline_file);
  self->pipeline_name = g_strdup (name);
  self->pipeline_file = g_strdup (file);
  g_hash_table_remove_all (self->checked);
  self->selected = 0;
  g_clear_pointer (&self->shown, g_free);
  sluice_run_history_refresh (self);
}

gint64
sluice_run_history_get_selected_run (SluiceRunHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), 0);
  return self->selected;
}

void
sluice_run_history_select_run (SluiceRunHistory *self,
                               gint64            run_id)
{
  GtkListBoxRow *row;

  g_return_if_fail (SLUICE_IS_RUN_HISTORY (self));

  row = run_id > 0 ? find_row (self, run_id) : NULL;
  if (row != NULL)
    gtk_list_box_select_row (self->list_box, row);
  else
    {
      gtk_list_box_unselect_all (self->list_box);
      if (self->selected != 0)
        {
          self->selected = 0;
          update_buttons (self);
          g_signal_emit (self, signals[RUN_ACTIVATED], 0, (gint64) 0);
        }
    }
}

GArray *
sluice_run_history_get_checked_runs (SluiceRunHistory *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), ids);

  // Oldest first reads naturally left to right in a comparison.
  for (guint i = self->run_ids->len; i > 0; i--)
    {
      gint64 id = g_array_index (self->run_ids, gint64, i - 1);

      if (g_hash_table_contains (self->checked, &id))
        g_array_append_val (ids, id);
    }
  return ids;
}

void
sluice_run_history_set_checked (SluiceRunHistory *self,
                                gint64            run_id,
                                gboolean          checked)
{
  GtkListBoxRow *row;

  g_return_if_fail (SLUICE_IS_RUN_HISTORY (self));

  if ((row = find_row (self, run_id)) != NULL)
    gtk_check_button_set_active (g_object_get_data (G_OBJECT (row), ROW_CHECK), checked);
}

GArray *
sluice_run_history_get_run_ids (SluiceRunHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), NULL);
  return g_array_ref (self->run_ids);
}

gboolean
sluice_run_history_get_row_point (SluiceRunHistory *self,
                                  gint64            run_id,
                                  gboolean          check,
                                  GtkWidget        *relative_to,
                                  double           *x,
                                  double           *y)
{
  GtkListBoxRow *row;
  GtkWidget *target;
  graphene_point_t in, out;

  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), FALSE);

  if ((row = find_row (self, run_id)) == NULL)
    return FALSE;
  target = g_object_get_data (G_OBJECT (row), check ? ROW_CHECK : ROW_TITLE);
  in = GRAPHENE_POINT_INIT (gtk_widget_get_width (target) / 2.0, gtk_widget_get_height (target) / 2.0);
  if (!gtk_widget_compute_point (target, relative_to, &in, &out))
    return FALSE;
  *x = out.x;
  *y = out.y;
  return TRUE;
}

GtkWidget *
sluice_run_history_get_compare_button (SluiceRunHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), NULL);
  return GTK_WIDGET (self->compare_button);
}

GtkWidget *
sluice_run_history_get_lineage_button (SluiceRunHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_HISTORY (self), NULL);
  return GTK_WIDGET (self->lineage_button);
}
