// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-step-list.h"
#include "sluice-widget-private.h"

/* one row's item: a step id ----------------------------------------------------------- */

#define SLUICE_TYPE_STEP_ITEM (sluice_step_item_get_type ())
G_DECLARE_FINAL_TYPE (SluiceStepItem, sluice_step_item, SLUICE, STEP_ITEM, GObject)

struct _SluiceStepItem
{
  GObject  parent_instance;
  char    *id;
};

G_DEFINE_FINAL_TYPE (SluiceStepItem, sluice_step_item, G_TYPE_OBJECT)

static void
sluice_step_item_finalize (GObject *object)
{
  g_free (SLUICE_STEP_ITEM (object)->id);
  G_OBJECT_CLASS (sluice_step_item_parent_class)->finalize (object);
}

static void
sluice_step_item_class_init (SluiceStepItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_step_item_finalize;
}

static void
sluice_step_item_init (SluiceStepItem *self)
{
}

/* the list ------------------------------------------------------------------------ */

// The dropdown's entries, in its order; the first shows every step.
static const int filter_states[] = {
  -1,
  SLUICE_STATE_RUNNING,
  SLUICE_STATE_FAILED,
  SLUICE_STATE_SUCCEEDED,
  SLUICE_STATE_REUSED,
  SLUICE_STATE_QUEUED,
  SLUICE_STATE_PENDING,
  SLUICE_STATE_SKIPPED,
  SLUICE_STATE_CANCELLED,
  SLUICE_STATE_INTERRUPTED,
};

struct _SluiceStepList
{
  GtkWidget           parent_instance;

  SluiceRunStatus    *status;
  gulong              changed_handler;
  GListStore         *store;
  GHashTable         *bound_rows;    // step id -> the row showing it, for the rows the grid view has
  GHashTable         *pending;       // step ids changed since the last frame
  int                 char_width;    // of the rows' font, in pixels, once measured
  guint               flush_tick;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;
  GtkSelectionModel  *selection;     // the grid view's model while the list is mapped

  GtkLabel           *count_label;
  GtkDropDown        *filter_dropdown;
  GtkGridView        *grid_view;     // of one column: GtkListView keeps 200 rows alive, this about 30
};

G_DEFINE_FINAL_TYPE (SluiceStepList, sluice_step_list, GTK_TYPE_WIDGET)

enum {
  STEP_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
wanted_state (SluiceStepList *self)
{
  guint selected = gtk_drop_down_get_selected (self->filter_dropdown);

  return selected < G_N_ELEMENTS (filter_states) ? filter_states[selected] : -1;
}

static gboolean
filter_item (gpointer item,
             gpointer user_data)
{
  SluiceStepList *self = user_data;
  int wanted = wanted_state (self);

  return wanted < 0 || self->status == NULL ||
         (int) sluice_run_status_get_step_state (self->status, SLUICE_STEP_ITEM (item)->id) == wanted;
}

static void
update_count (SluiceStepList *self)
{
  g_autofree char *text = NULL;
  guint total = self->status ? sluice_run_status_get_n_steps (self->status) : 0;
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (wanted_state (self) < 0)
    text = g_strdup_printf (ngettext ("%u step", "%u steps", total), total);
  else
    text = g_strdup_printf (_("%u of %u steps"), shown, total);
  gtk_label_set_text (self->count_label, text);
}

static void show_step (SluiceStepList *self, GtkWidget *row, const char *id);

// The rows of the steps that changed are filled again, once per frame
// whatever the number of batches in between, and only those the grid view
// has (a few dozen): no items-changed, which would have the
// open list rebind and measure its rows once per changed step.
static gboolean
flush_changes (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  SluiceStepList *self = SLUICE_STEP_LIST (widget);
  GHashTableIter iter;
  gpointer id;

  self->flush_tick = 0;
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      GtkWidget *row = g_hash_table_lookup (self->bound_rows, id);

      if (row != NULL)
        show_step (self, row, id);
    }
  g_hash_table_remove_all (self->pending);
  if (wanted_state (self) >= 0)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
  return G_SOURCE_REMOVE;
}

// In one splice: one items-changed for thousands of steps.
static void
add_missing_steps (SluiceStepList *self)
{
  guint n = sluice_run_status_get_n_steps (self->status);
  guint have = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autoptr(GPtrArray) items = NULL;

  if (have >= n)
    return;
  items = g_ptr_array_new_full (n - have, g_object_unref);
  for (guint i = have; i < n; i++)
    {
      SluiceStepItem *item = g_object_new (SLUICE_TYPE_STEP_ITEM, NULL);

      item->id = g_strdup (sluice_run_status_get_step_id (self->status, i));
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->store, have, 0, items->pdata, items->len);
}

static void
on_status_changed (SluiceStepList *self,
                   GStrv           ids)
{
  add_missing_steps (self);
  for (guint i = 0; ids[i] != NULL; i++)
    if (*ids[i] != '\0')
      g_hash_table_add (self->pending, g_strdup (ids[i]));
  if (self->flush_tick == 0)
    self->flush_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), flush_changes, NULL, NULL);
}

void
sluice_step_list_set_status (SluiceStepList  *self,
                             SluiceRunStatus *status)
{
  g_return_if_fail (SLUICE_IS_STEP_LIST (self));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_clear_signal_handler (&self->changed_handler, self->status);
  g_set_object (&self->status, status);
  g_list_store_remove_all (self->store);
  g_hash_table_remove_all (self->pending);
  if (status != NULL)
    {
      self->changed_handler = g_signal_connect_swapped (status, "changed", G_CALLBACK (on_status_changed), self);
      add_missing_steps (self);
    }
  update_count (self);
}

guint
sluice_step_list_get_n_shown (SluiceStepList *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}

/* rows --------------------------------------------------------------------------- */

// Columns as wide as so many characters. Not gtk_label_set_width_chars ():
// each label would then ask pango for its font's metrics whenever it is
// measured, and opening the list measures dozens of rows.
static int
char_width (SluiceStepList *self)
{
  if (self->char_width == 0)
    {
      PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
      PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);

      self->char_width = MAX (1, PANGO_PIXELS_CEIL (MAX (pango_font_metrics_get_approximate_char_width (metrics),
                                                         pango_font_metrics_get_approximate_digit_width (metrics))));
      pango_font_metrics_unref (metrics);
    }
  return self->char_width;
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           SluiceStepList           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *state = gtk_label_new (NULL);
  GtkWidget *attempt = gtk_label_new (NULL);
  GtkWidget *duration = gtk_label_new (NULL);
  int chars = char_width (self);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_size_request (name, 12 * chars, -1);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_xalign (GTK_LABEL (state), 0);
  gtk_widget_set_size_request (state, 11 * chars, -1);
  gtk_widget_set_size_request (attempt, 6 * chars, -1);
  gtk_widget_add_css_class (attempt, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (duration), 1);
  gtk_widget_set_size_request (duration, 7 * chars, -1);
  // A grid view's cells have none of a list row's padding.
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_add_css_class (duration, "numeric");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), state);
  gtk_box_append (GTK_BOX (box), attempt);
  gtk_box_append (GTK_BOX (box), duration);
  gtk_list_item_set_child (list_item, box);
}

static const char *
state_css_class (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_SUCCEEDED:
      return "success";
    case SLUICE_STATE_FAILED:
    case SLUICE_STATE_INTERRUPTED:
      return "error";
    case SLUICE_STATE_RUNNING:
      return "accent";
    case SLUICE_STATE_PENDING:
    case SLUICE_STATE_QUEUED:
    case SLUICE_STATE_CANCELLED:
    case SLUICE_STATE_SKIPPED:
    case SLUICE_STATE_REUSED:
    default:
      return "dim-label";
    }
}

static void
show_step (SluiceStepList *self,
           GtkWidget      *row,
           const char     *id)
{
  GtkWidget *name = gtk_widget_get_first_child (row);
  GtkWidget *state_label = gtk_widget_get_next_sibling (name);
  GtkWidget *attempt_label = gtk_widget_get_next_sibling (state_label);
  GtkWidget *duration_label = gtk_widget_get_next_sibling (attempt_label);
  SluiceState state = sluice_run_status_get_step_state (self->status, id);
  guint attempt = sluice_run_status_get_step_attempt (self->status, id);
  gint64 started = sluice_run_status_get_step_started_at (self->status, id);
  gint64 finished = sluice_run_status_get_step_finished_at (self->status, id);
  g_autofree char *attempt_text = attempt > 1 ? g_strdup_printf (_("try %u"), attempt) : g_strdup ("");
  g_autofree char *duration = NULL;
  const char *classes[] = { state_css_class (state), NULL };

  if (started != 0)
    duration = g_strdup_printf ("%.1fs", ((finished ? finished : g_get_real_time ()) - started) / (double) G_USEC_PER_SEC);
  gtk_label_set_text (GTK_LABEL (name), id);
  gtk_label_set_text (GTK_LABEL (state_label), sluice_state_to_string (state));
  gtk_widget_set_css_classes (state_label, classes);
  gtk_label_set_text (GTK_LABEL (attempt_label), attempt_text);
  gtk_label_set_text (GTK_LABEL (duration_label), duration ? duration : "");
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          SluiceStepList           *self)
{
  SluiceStepItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *row = gtk_list_item_get_child (list_item);

  if (self->status == NULL)
    return;
  show_step (self, row, item->id);
  g_hash_table_insert (self->bound_rows, g_strdup (item->id), row);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            SluiceStepList           *self)
{
  SluiceStepItem *item = gtk_list_item_get_item (list_item);

  if (item != NULL && g_hash_table_lookup (self->bound_rows, item->id) == gtk_list_item_get_child (list_item))
    g_hash_table_remove (self->bound_rows, item->id);
}

static void
on_activate (GtkGridView    *view,
             guint           position,
             SluiceStepList *self)
{
  g_autoptr(SluiceStepItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (item != NULL)
    g_signal_emit (self, signals[STEP_ACTIVATED], 0, item->id);
}

static void
on_filter_selected (SluiceStepList *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

/* GObject ---------------------------------------------------------------------------- */

// The grid view makes rows (a few dozen) for the items of its
// model whenever they change, shown or not: it only has its model while the
// list is on screen, so that a run of thousands of steps starting with the
// list closed costs no rows at all.
static void
sluice_step_list_map (GtkWidget *widget)
{
  SluiceStepList *self = SLUICE_STEP_LIST (widget);

  gtk_grid_view_set_model (self->grid_view, self->selection);
  GTK_WIDGET_CLASS (sluice_step_list_parent_class)->map (widget);
}

static void
sluice_step_list_unmap (GtkWidget *widget)
{
  SluiceStepList *self = SLUICE_STEP_LIST (widget);

  GTK_WIDGET_CLASS (sluice_step_list_parent_class)->unmap (widget);
  gtk_grid_view_set_model (self->grid_view, NULL);
}

static void
sluice_step_list_dispose (GObject *object)
{
  SluiceStepList *self = (SluiceStepList *)object;

  sluice_step_list_set_status (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_STEP_LIST);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_step_list_parent_class)->dispose (object);
}

static void
sluice_step_list_finalize (GObject *object)
{
  SluiceStepList *self = (SluiceStepList *)object;

  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->store);
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_step_list_parent_class)->finalize (object);
}

static void
sluice_step_list_class_init (SluiceStepListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_step_list_dispose;
  object_class->finalize = sluice_step_list_finalize;
  widget_class->map = sluice_step_list_map;
  widget_class->unmap = sluice_step_list_unmap;

  signals[STEP_ACTIVATED] = g_signal_new ("step-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-step-list.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceStepList, count_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepList, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepList, grid_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
sluice_step_list_init (SluiceStepList *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = g_list_store_new (SLUICE_TYPE_STEP_ITEM);
  self->bound_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->filter = gtk_custom_filter_new (filter_item, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)), GTK_FILTER (self->filter));
  self->selection = GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->filtered))));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
  g_signal_connect (self->grid_view, "activate", G_CALLBACK (on_activate), self);
  g_signal_connect_swapped (self->filter_dropdown, "notify::selected", G_CALLBACK (on_filter_selected), self);
  update_count (self);
}

GtkWidget *
sluice_step_list_new (void)
{
  return g_object_new (SLUICE_TYPE_STEP_LIST, NULL);
}
