// SPDX-License-Identifier: GPL-3.0-or-later
//
// Two or more runs side by side: a summary row per run (with its lineage),
// the inputs, parameters and code that differ, a metric matrix with the
// best value of each row highlighted, and a chart of one metric across the
// runs or over its step index within each run.

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "sluice-metric-chart.h"
#include "sluice-run-compare-view.h"
#include "sluice-widget-private.h"

#define TABLE_HEADER_HEIGHT 46
#define TABLE_ROW_HEIGHT    38
#define TABLE_MAX_HEIGHT    340

struct _SluiceRunCompareView
{
  GtkWidget            parent_instance;

  SluiceRunComparison *comparison;

  /* Template widgets */
  GtkListBox          *runs_list;
  GtkStack            *diffs_stack;
  GtkColumnView       *diffs_view;
  GtkStack            *metrics_stack;
  GtkColumnView       *metrics_view;
  GtkDropDown         *metric_dropdown;
  GtkToggleButton     *across_runs_button;
  GtkToggleButton     *over_steps_button;
  SluiceMetricChart   *chart;
};

G_DEFINE_FINAL_TYPE (SluiceRunCompareView, sluice_run_compare_view, GTK_TYPE_WIDGET)

enum {
  LINEAGE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

// What a column shows: a fixed field, or the value of run `run`.
typedef enum
{
  COLUMN_KIND,
  COLUMN_STEP,
  COLUMN_NAME,
  COLUMN_RUN,
} ColumnField;

typedef struct
{
  SluiceRunCompareView *self;
  ColumnField           field;
  guint                 run;
  gboolean              metrics;
} Column;

static char *
run_title (const SluiceRunRecord *r)
{
  return g_strdup_printf (_("Run %" G_GINT64_FORMAT), r->id);
}

/* cells ------------------------------------------------------------------------------ */

static const char *
diff_kind_label (SluiceDiffKind kind)
{
  switch (kind)
    {
    case SLUICE_DIFF_INPUT:
      return _("Pipeline input");
    case SLUICE_DIFF_PARAMETER:
      return _("Parameter");
    case SLUICE_DIFF_CODE:
      return _("Code");
    case SLUICE_DIFF_COMPONENT:
      return _("Component");
    default:
      return "";
    }
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            Column                   *column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column->field == COLUMN_RUN && column->metrics ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 36);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);
  if (column->field == COLUMN_RUN)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static guint
item_row (GtkListItem *item)
{
  return (guint) g_ascii_strtoull (gtk_string_object_get_string (gtk_list_item_get_item (item)), NULL, 10);
}

static void
bind_diff_cell (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                Column                   *column)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  GPtrArray *rows = sluice_run_comparison_get_diffs (column->self->comparison);
  const SluiceDiffRow *row = g_ptr_array_index (rows, item_row (item));
  const char *text = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  switch (column->field)
    {
    case COLUMN_KIND:
      text = diff_kind_label (row->kind);
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      break;
    case COLUMN_STEP:
      text = row->step_id ? row->step_id : "—";
      break;
    case COLUMN_NAME:
      text = row->name;
      break;
    case COLUMN_RUN:
    default:
      text = row->values[column->run] ? row->values[column->run] : _("not set");
      if (row->values[column->run] == NULL)
        gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      break;
    }
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
}

static void
bind_metric_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  Column                   *column)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  GPtrArray *rows = sluice_run_comparison_get_metrics (column->self->comparison);
  const SluiceMetricRow *row = g_ptr_array_index (rows, item_row (item));
  g_autofree char *text = NULL;
  gboolean best = FALSE;

  switch (column->field)
    {
    case COLUMN_STEP:
      text = g_strdup (row->step_id);
      break;
    case COLUMN_NAME:
      text = g_strdup_printf ("%s %s", row->name, row->lower_is_better ? "↓" : "↑");
      break;
    case COLUMN_RUN:
    case COLUMN_KIND:
    default:
      text = isnan (row->values[column->run]) ? g_strdup ("—") : g_strdup_printf ("%.6g", row->values[column->run]);
      best = (gint) column->run == row->best;
      break;
    }
  if (best)
    {
      g_autofree char *escaped = g_markup_escape_text (text, -1);
      g_autofree char *markup = g_strdup_printf ("<b>%s</b>", escaped);

      gtk_label_set_markup (label, markup);
      gtk_widget_add_css_class (GTK_WIDGET (label), "success");
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), _("Best of these runs"));
    }
  else
    {
      gtk_label_set_text (label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (label), "success");
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), NULL);
    }
}

static void
add_column (SluiceRunCompareView *self,
            GtkColumnView        *view,
            const char           *title,
            ColumnField           field,
            guint                 run,
            gboolean              metrics)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  Column *column = g_new0 (Column, 1);
  GtkColumnViewColumn *c;

  column->self = self;
  column->field = field;
  column->run = run;
  column->metrics = metrics;
  g_signal_connect_data (factory, "setup", G_CALLBACK (setup_cell), column, (GClosureNotify) g_free, 0);
  g_signal_connect (factory, "bind", metrics ? G_CALLBACK (bind_metric_cell) : G_CALLBACK (bind_diff_cell), column);
  c = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (c, TRUE);
  gtk_column_view_column_set_expand (c, field == COLUMN_RUN || field == COLUMN_NAME);
  gtk_column_view_append_column (view, c);
  g_object_unref (c);
}

static void
clear_columns (GtkColumnView *view)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (view, c);
    }
}

static GtkSelectionModel *
index_model (guint n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      char text[16];

      g_snprintf (text, sizeof text, "%u", i);
      gtk_string_list_append (list, text);
    }
  return GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (list)));
}

static void
fill_table (SluiceRunCompareView *self,
            GtkColumnView        *view,
            GtkStack             *stack,
            guint                 n_rows,
            gboolean              metrics)
{
  guint n_runs = sluice_run_comparison_get_n_runs (self->comparison);
  g_autoptr(GtkSelectionModel) model = index_model (n_rows);

  clear_columns (view);
  if (!metrics)
    add_column (self, view, _("What"), COLUMN_KIND, 0, metrics);
  add_column (self, view, _("Step"), COLUMN_STEP, 0, metrics);
  add_column (self, view, metrics ? _("Metric") : _("Name"), COLUMN_NAME, 0, metrics);
  for (guint i = 0; i < n_runs; i++)
    {
      g_autofree char *title = run_title (sluice_run_comparison_get_run (self->comparison, i));

      add_column (self, view, title, COLUMN_RUN, i, metrics);
    }
  gtk_column_view_set_model (view, model);
  gtk_stack_set_visible_child_name (stack, n_rows > 0 ? "table" : "empty");
  // A list view asks for little height; show the rows, up to a screenful.
  gtk_widget_set_size_request (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW), -1,
                               MIN (TABLE_HEADER_HEIGHT + (int) n_rows * TABLE_ROW_HEIGHT, TABLE_MAX_HEIGHT));
}

/* the runs summary ------------------------------------------------------------------- */

static void
on_lineage_clicked (GtkButton            *button,
                    SluiceRunCompareView *self)
{
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "sluice-run-id");

  g_signal_emit (self, signals[LINEAGE_REQUESTED], 0, id);
}

static void
fill_runs (SluiceRunCompareView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->runs_list))) != NULL)
    gtk_list_box_remove (self->runs_list, child);

  for (guint i = 0; i < sluice_run_comparison_get_n_runs (self->comparison); i++)
    {
      const SluiceRunRecord *r = sluice_run_comparison_get_run (self->comparison, i);
      g_autofree char *title = run_title (r);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local ((r->started_at ? r->started_at : r->created_at) / G_USEC_PER_SEC);
      g_autofree char *when = g_date_time_format (dt, "%e %b %Y %H:%M:%S");
      g_autofree char *subtitle = g_strdup_printf ("%s · %s · %s@%s", sluice_state_to_string (r->state), g_strstrip (when),
                                                   r->user ? r->user : "?", r->host ? r->host : "?");
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_label (_("Lineage"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Where This Run’s Outputs Came From"));
      g_object_set_data_full (G_OBJECT (button), "sluice-run-id", g_memdup2 (&r->id, sizeof r->id), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (on_lineage_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->runs_list, row);
    }
}

/* the chart ---------------------------------------------------------------------------- */

void
sluice_run_compare_view_show_metric (SluiceRunCompareView *self,
                                     guint                 index,
                                     gboolean              over_steps)
{
  GPtrArray *rows;
  const SluiceMetricRow *row;
  guint n_runs;

  g_return_if_fail (SLUICE_IS_RUN_COMPARE_VIEW (self));

  sluice_metric_chart_clear (self->chart);
  if (self->comparison == NULL)
    return;
  rows = sluice_run_comparison_get_metrics (self->comparison);
  if (index >= rows->len)
    return;
  row = g_ptr_array_index (rows, index);
  n_runs = sluice_run_comparison_get_n_runs (self->comparison);

  if (over_steps)
    {
      sluice_metric_chart_set_categories (self->chart, NULL);
      sluice_metric_chart_set_axis_labels (self->chart, _("Step index"), row->name);
      for (guint r = 0; r < n_runs; r++)
        {
          g_autoptr(GArray) points = sluice_run_comparison_get_series (self->comparison, r, row->step_id, row->name);
          g_autofree double *x = g_new (double, points->len + 1);
          g_autofree double *y = g_new (double, points->len + 1);
          g_autofree char *label = run_title (sluice_run_comparison_get_run (self->comparison, r));

          for (guint i = 0; i < points->len; i++)
            {
              x[i] = (double) g_array_index (points, SluiceMetricPoint, i).index;
              y[i] = g_array_index (points, SluiceMetricPoint, i).value;
            }
          sluice_metric_chart_add_series (self->chart, label, x, y, points->len);
        }
    }
  else
    {
      g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
      g_auto(GStrv) categories = NULL;
      g_autofree double *x = g_new (double, n_runs);
      g_autofree char *label = g_strdup_printf ("%s · %s", row->step_id, row->name);

      for (guint r = 0; r < n_runs; r++)
        {
          g_autofree char *title = run_title (sluice_run_comparison_get_run (self->comparison, r));

          g_strv_builder_add (names, title);
          x[r] = r;
        }
      categories = g_strv_builder_end (names);
      sluice_metric_chart_set_categories (self->chart, (const char * const *) categories);
      sluice_metric_chart_set_axis_labels (self->chart, _("Run"), row->name);
      sluice_metric_chart_add_series (self->chart, label, x, row->values, n_runs);
    }
}

static void
update_chart (SluiceRunCompareView *self)
{
  guint selected = gtk_drop_down_get_selected (self->metric_dropdown);

  if (selected == GTK_INVALID_LIST_POSITION)
    {
      sluice_metric_chart_clear (self->chart);
      return;
    }
  sluice_run_compare_view_show_metric (self, selected, gtk_toggle_button_get_active (self->over_steps_button));
}

static void
fill_chart_choices (SluiceRunCompareView *self)
{
  GPtrArray *rows = sluice_run_comparison_get_metrics (self->comparison);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      const SluiceMetricRow *row = g_ptr_array_index (rows, i);
      g_autofree char *text = g_strdup_printf ("%s · %s", row->step_id, row->name);

      gtk_string_list_append (names, text);
    }
  gtk_drop_down_set_model (self->metric_dropdown, G_LIST_MODEL (names));
  gtk_widget_set_sensitive (GTK_WIDGET (self->metric_dropdown), rows->len > 0);
  update_chart (self);
}

/* GObject ---------------------------------------------------------------------------- */

static void
sluice_run_compare_view_dispose (GObject *object)
{
  SluiceRunCompareView *self = SLUICE_RUN_COMPARE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_RUN_COMPARE_VIEW);
  _sluice_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->comparison);

  G_OBJECT_CLASS (sluice_run_compare_view_parent_class)->dispose (object);
}

static void
sluice_run_compare_view_class_init (SluiceRunCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_run_compare_view_dispose;

  signals[LINEAGE_REQUESTED] = g_signal_new ("lineage-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  g_type_ensure (SLUICE_TYPE_METRIC_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-run-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, runs_list);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, diffs_stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, diffs_view);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, metrics_stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, metrics_view);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, across_runs_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, over_steps_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunCompareView, chart);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "run-compare-view");
}

static void
sluice_run_compare_view_init (SluiceRunCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->metric_dropdown, "notify::selected", G_CALLBACK (update_chart), self);
  g_signal_connect_swapped (self->over_steps_button, "toggled", G_CALLBACK (update_chart), self);
}

GtkWidget *
sluice_run_compare_view_new (void)
{
  return g_object_new (SLUICE_TYPE_RUN_COMPARE_VIEW, NULL);
}

gboolean
sluice_run_compare_view_set_runs (SluiceRunCompareView  *self,
                                  SluiceHistory         *history,
                                  const gint64          *run_ids,
                                  guint                  n_runs,
                                  GError               **error)
{
  g_autoptr(SluiceRunComparison) comparison = NULL;
  GPtrArray *metrics;
  gint curve = -1;

  g_return_val_if_fail (SLUICE_IS_RUN_COMPARE_VIEW (self), FALSE);

  if (!(comparison = sluice_run_comparison_new (history, run_ids, n_runs, error)))
    return FALSE;
  g_set_object (&self->comparison, comparison);

  fill_runs (self);
  fill_table (self, self->diffs_view, self->diffs_stack, sluice_run_comparison_get_diffs (comparison)->len, FALSE);
  metrics = sluice_run_comparison_get_metrics (comparison);
  fill_table (self, self->metrics_view, self->metrics_stack, metrics->len, TRUE);

  // A metric reported at many steps is a curve: chart the first such
  // over its steps; else the first metric across the runs.
  for (guint m = 0; m < metrics->len && curve < 0; m++)
    for (guint i = 0; i < n_runs && curve < 0; i++)
      {
        const SluiceMetricRow *row = g_ptr_array_index (metrics, m);
        g_autoptr(GArray) points = sluice_run_comparison_get_series (comparison, i, row->step_id, row->name);

        if (points->len > 1)
          curve = (gint) m;
      }
  g_signal_handlers_block_by_func (self->over_steps_button, update_chart, self);
  g_signal_handlers_block_by_func (self->metric_dropdown, update_chart, self);
  gtk_toggle_button_set_active (curve >= 0 ? self->over_steps_button : self->across_runs_button, TRUE);
  fill_chart_choices (self);
  gtk_drop_down_set_selected (self->metric_dropdown, curve >= 0 ? (guint) curve : 0);
  g_signal_handlers_unblock_by_func (self->metric_dropdown, update_chart, self);
  g_signal_handlers_unblock_by_func (self->over_steps_button, update_chart, self);
  update_chart (self);
  return TRUE;
}

SluiceRunComparison *
sluice_run_compare_view_get_comparison (SluiceRunCompareView *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARE_VIEW (self), NULL);
  return self->comparison;
}

GtkWidget *
sluice_run_compare_view_get_chart (SluiceRunCompareView *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARE_VIEW (self), NULL);
  return GTK_WIDGET (self->chart);
}
