// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <math.h>
#include <string.h>

#include "sluice-run-compare.h"
#include "sluice-component.h"
#include "sluice-pipeline.h"
#include "sluice-port-type.h"

#define LINEAGE_MAX_DEPTH 64

/* one run, read once ------------------------------------------------------------ */

typedef struct
{
  SluiceRunRecord *record;
  SluicePipeline  *pipeline;     // NULL when its pipeline_json cannot be read
  JsonNode        *params;       // the --set overrides, an object, or NULL
  GPtrArray       *steps;        // SluiceStepRecord*
  GHashTable      *steps_by_id;  // step_id -> SluiceStepRecord* (borrowed)
  GPtrArray       *metrics;      // SluiceMetric* borrowed from the comparison's cache
} RunData;

static void
run_data_free (RunData *data)
{
  if (data == NULL)
    return;
  sluice_run_record_free (data->record);
  g_clear_object (&data->pipeline);
  g_clear_pointer (&data->params, json_node_unref);
  g_clear_pointer (&data->steps, g_ptr_array_unref);
  g_clear_pointer (&data->steps_by_id, g_hash_table_unref);
  g_clear_pointer (&data->metrics, g_ptr_array_unref);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RunData, run_data_free)

static RunData *
run_data_load (SluiceHistory  *history,
               gint64          run_id,
               GError        **error)
{
  g_autoptr(RunData) data = g_new0 (RunData, 1);

  if (!(data->record = sluice_history_get_run (history, run_id, error)))
    return NULL;
  if (!(data->steps = sluice_history_list_steps (history, run_id, error)))
    return NULL;

  data->steps_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < data->steps->len; i++)
    {
      SluiceStepRecord *step = g_ptr_array_index (data->steps, i);

      g_hash_table_insert (data->steps_by_id, step->step_id, step);
    }

  // A damaged pipeline text still leaves states, code and metrics to show.
  if (data->record->pipeline_json != NULL)
    data->pipeline = sluice_pipeline_load_data (data->record->pipeline_json, strlen (data->record->pipeline_json),
                                                data->record->pipeline_file, NULL);
  if (data->record->params_json != NULL)
    {
      data->params = json_from_string (data->record->params_json, NULL);
      if (data->params != NULL && !JSON_NODE_HOLDS_OBJECT (data->params))
        g_clear_pointer (&data->params, json_node_unref);
    }
  return g_steal_pointer (&data);
}

// What a pipeline input was in this run: the --set value, else its default.
static JsonNode *
pipeline_input_value (RunData    *data,
                      const char *name)
{
  const SluicePipelineIO *io;

  if (data->params != NULL && json_object_has_member (json_node_get_object (data->params), name))
    return json_object_get_member (json_node_get_object (data->params), name);
  io = data->pipeline ? sluice_pipeline_find_input (data->pipeline, name) : NULL;
  return io ? io->value : NULL;
}

/* the comparison ------------------------------------------------------------------ */

struct _SluiceRunComparison
{
  GObject     parent_instance;

  GPtrArray  *runs;           // RunData*
  GPtrArray  *diffs;          // SluiceDiffRow*
  GPtrArray  *metrics;        // SluiceMetricRow*
  GHashTable *metric_cache;   // gint64* run id -> GPtrArray of SluiceMetric*
};

G_DEFINE_FINAL_TYPE (SluiceRunComparison, sluice_run_comparison, G_TYPE_OBJECT)

static void
diff_row_free (SluiceDiffRow *row)
{
  for (guint i = 0; i < row->n_values; i++)
    g_free (row->values[i]);
  g_free (row->values);
  g_free (row->step_id);
  g_free (row->name);
  g_free (row);
}

static void
metric_row_free (SluiceMetricRow *row)
{
  g_free (row->step_id);
  g_free (row->name);
  g_free (row->values);
  g_free (row);
}

static void
sluice_run_comparison_finalize (GObject *object)
{
  SluiceRunComparison *self = SLUICE_RUN_COMPARISON (object);

  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_clear_pointer (&self->diffs, g_ptr_array_unref);
  g_clear_pointer (&self->metrics, g_ptr_array_unref);
  g_clear_pointer (&self->metric_cache, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_run_comparison_parent_class)->finalize (object);
}

static void
sluice_run_comparison_class_init (SluiceRunComparisonClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_run_comparison_finalize;
}

static void
sluice_run_comparison_init (SluiceRunComparison *self)
{
  self->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) run_data_free);
  self->diffs = g_ptr_array_new_with_free_func ((GDestroyNotify) diff_row_free);
  self->metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) metric_row_free);
  self->metric_cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

const char *
sluice_diff_kind_to_string (SluiceDiffKind kind)
{
  switch (kind)
    {
    case SLUICE_DIFF_INPUT:
      return "input";
    case SLUICE_DIFF_PARAMETER:
      return "parameter";
    case SLUICE_DIFF_CODE:
      return "code";
    case SLUICE_DIFF_COMPONENT:
      return "component";
    default:
      return "unknown";
    }
}

gboolean
sluice_metric_lower_is_better (const char *name)
{
  static const char * const lower[] = { "loss", "error", "err", "mae", "mse", "rmse", "mape", "perplexity", "time", "latency", NULL };
  g_autofree char *folded = NULL;
  g_auto(GStrv) words = NULL;

  g_return_val_if_fail (name != NULL, FALSE);

  // Whole words only: "error_rate" is lower-better, "terrain" is not.
  folded = g_ascii_strdown (name, -1);
  g_strdelimit (folded, "-./: ", '_');
  words = g_strsplit (folded, "_", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_strv_contains (lower, words[i]))
      return TRUE;
  return FALSE;
}

/* differences */

typedef struct
{
  SluiceRunComparison *self;
  SluiceHistory       *history;
  GHashTable          *rows;      // key -> SluiceDiffRow* (borrowed from all)
  GPtrArray           *all;       // every row seen, in first-seen order
} DiffBuilder;

static void
diff_set (DiffBuilder    *b,
          guint           run,
          SluiceDiffKind  kind,
          const char     *step_id,
          const char     *name,
          char           *value)   // taken
{
  g_autofree char *key = g_strdup_printf ("%d\x1f%s\x1f%s", kind, step_id ? step_id : "", name);
  SluiceDiffRow *row = g_hash_table_lookup (b->rows, key);

  if (row == NULL)
    {
      row = g_new0 (SluiceDiffRow, 1);
      row->kind = kind;
      row->step_id = g_strdup (step_id);
      row->name = g_strdup (name);
      row->n_values = b->self->runs->len;
      row->values = g_new0 (char *, row->n_values);
      g_ptr_array_add (b->all, row);
      g_hash_table_insert (b->rows, g_steal_pointer (&key), row);
    }
  g_free (row->values[run]);
  row->values[run] = value;
}

static char *
node_text (JsonNode *node)
{
  return node ? sluice_literal_to_argument (node) : NULL;
}

// A parameter as the step received it: the literal in the file, the
// pipeline input it is bound to, or the component's default.
static JsonNode *
resolve_parameter (RunData              *data,
                   SluiceStep           *step,
                   const SluicePortSpec *spec)
{
  const SluiceBinding *binding = sluice_step_get_input (step, spec->name);
  JsonNode *value;

  if (binding == NULL)
    return spec->default_value;
  switch (binding->kind)
    {
    case SLUICE_BINDING_LITERAL:
      return binding->literal;
    case SLUICE_BINDING_PIPELINE_INPUT:
      value = pipeline_input_value (data, binding->name);
      return value ? value : spec->default_value;
    case SLUICE_BINDING_STEP_OUTPUT:
    case SLUICE_BINDING_PIPELINE_OUTPUT:
    default:
      return NULL;
    }
}

static char *
component_label (SluiceComponent *component,
                 const char      *spec_text)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, spec_text, -1);

  return g_strdup_printf ("%s@%s (%.12s)", sluice_component_get_name (component),
                          sluice_component_get_version (component), digest);
}

static void
collect_step_values (DiffBuilder *b,
                     guint        run,
                     RunData     *data,
                     SluiceStep  *step)
{
  const char *id = sluice_step_get_id (step);
  SluiceStepRecord *record = g_hash_table_lookup (data->steps_by_id, id);
  g_autoptr(SluiceStepRecord) origin = NULL;
  g_autoptr(SluiceComponent) component = NULL;
  GPtrArray *inputs;

  // A reused step keeps its spec and code hash with the run that ran it.
  if (record != NULL && record->component_json == NULL && record->reused_from_run > 0)
    {
      origin = sluice_history_get_step (b->history, record->reused_from_run, id, NULL);
      if (origin != NULL)
        record = origin;
    }
  // A step that never started has no recorded component: nothing to say.
  if (record == NULL || record->component_json == NULL)
    return;
  component = sluice_component_load_data (record->component_json, strlen (record->component_json), NULL, NULL);
  if (component == NULL)
    return;

  inputs = sluice_component_get_inputs (component);
  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (inputs, i);

      if (sluice_port_type_is_parameter (spec->type))
        diff_set (b, run, SLUICE_DIFF_PARAMETER, id, spec->name, node_text (resolve_parameter (data, step, spec)));
    }
  diff_set (b, run, SLUICE_DIFF_CODE, id, "code", g_strdup (record->code_hash));
  diff_set (b, run, SLUICE_DIFF_COMPONENT, id, "component", component_label (component, record->component_json));
}

static gboolean
row_differs (const SluiceDiffRow *row)
{
  for (guint i = 1; i < row->n_values; i++)
    if (g_strcmp0 (row->values[0], row->values[i]) != 0)
      return TRUE;
  return FALSE;
}

static void
build_diffs (SluiceRunComparison *self,
             SluiceHistory       *history)
{
  DiffBuilder b = { self, history, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
                    g_ptr_array_new_with_free_func ((GDestroyNotify) diff_row_free) };

  for (guint r = 0; r < self->runs->len; r++)
    {
      RunData *data = g_ptr_array_index (self->runs, r);
      GPtrArray *inputs, *steps;

      if (data->pipeline == NULL)
        continue;
      inputs = sluice_pipeline_get_inputs (data->pipeline);
      for (guint i = 0; i < inputs->len; i++)
        {
          const SluicePipelineIO *io = g_ptr_array_index (inputs, i);

          diff_set (&b, r, SLUICE_DIFF_INPUT, NULL, io->name, node_text (pipeline_input_value (data, io->name)));
        }
      steps = sluice_pipeline_get_steps (data->pipeline);
      for (guint i = 0; i < steps->len; i++)
        collect_step_values (&b, r, data, g_ptr_array_index (steps, i));
    }

  // Pipeline inputs lead; steps keep the order they were met in.
  for (guint i = 0; i < b.all->len; i++)
    {
      SluiceDiffRow *row = g_ptr_array_index (b.all, i);

      if (row->kind == SLUICE_DIFF_INPUT && row_differs (row))
        g_ptr_array_add (self->diffs, row);
    }
  for (guint i = 0; i < b.all->len; i++)
    {
      SluiceDiffRow *row = g_ptr_array_index (b.all, i);

      if (row->kind != SLUICE_DIFF_INPUT && row_differs (row))
        g_ptr_array_add (self->diffs, row);
    }
  // The kept rows change owner: the rest go with b.all.
  g_ptr_array_set_free_func (b.all, NULL);
  for (guint i = 0; i < b.all->len; i++)
    {
      SluiceDiffRow *row = g_ptr_array_index (b.all, i);
      guint found;

      if (!g_ptr_array_find (self->diffs, row, &found))
        diff_row_free (row);
    }
  g_ptr_array_unref (b.all);
  g_hash_table_unref (b.rows);
}

/* metrics */

static GPtrArray *
cached_metrics (SluiceRunComparison  *self,
                SluiceHistory        *history,
                gint64                run_id,
                GError              **error)
{
  GPtrArray *metrics = g_hash_table_lookup (self->metric_cache, &run_id);

  if (metrics == NULL)
    {
      if (!(metrics = sluice_history_get_metrics (history, run_id, error)))
        return NULL;
      g_hash_table_insert (self->metric_cache, g_memdup2 (&run_id, sizeof run_id), metrics);
    }
  return metrics;
}

// The metrics each step of a run reported; a reused step's come from the
// run that really ran it, so a comparison does not show holes for reuse.
static gboolean
collect_run_metrics (SluiceRunComparison  *self,
                     SluiceHistory        *history,
                     RunData              *data,
                     GError              **error)
{
  data->metrics = g_ptr_array_new ();
  for (guint i = 0; i < data->steps->len; i++)
    {
      SluiceStepRecord *step = g_ptr_array_index (data->steps, i);
      gint64 source = step->state == SLUICE_STATE_REUSED && step->reused_from_run > 0 ? step->reused_from_run
                                                                                         : data->record->id;
      GPtrArray *all = cached_metrics (self, history, source, error);

      if (all == NULL)
        return FALSE;
      for (guint m = 0; m < all->len; m++)
        {
          SluiceMetric *metric = g_ptr_array_index (all, m);

          if (g_str_equal (metric->step_id, step->step_id))
            g_ptr_array_add (data->metrics, metric);
        }
    }
  return TRUE;
}

// The final value: the one with the highest step index, else the last.
static gboolean
final_value (RunData    *data,
             const char *step_id,
             const char *name,
             double     *value)
{
  const SluiceMetric *best = NULL;

  for (guint i = 0; i < data->metrics->len; i++)
    {
      const SluiceMetric *m = g_ptr_array_index (data->metrics, i);

      if (!g_str_equal (m->step_id, step_id) || !g_str_equal (m->name, name))
        continue;
      if (best == NULL || m->index >= best->index)
        best = m;
    }
  if (best == NULL)
    return FALSE;
  *value = best->value;
  return TRUE;
}

static int
compare_metric_rows (gconstpointer a,
                     gconstpointer b)
{
  const SluiceMetricRow *ra = *(const SluiceMetricRow **) a;
  const SluiceMetricRow *rb = *(const SluiceMetricRow **) b;
  int by_step = g_strcmp0 (ra->step_id, rb->step_id);

  return by_step != 0 ? by_step : g_strcmp0 (ra->name, rb->name);
}

static void
pick_best (SluiceMetricRow *row)
{
  guint n_values = 0;
  gboolean all_equal = TRUE;

  row->best = -1;
  for (guint i = 0; i < row->n_values; i++)
    {
      double v = row->values[i];

      if (isnan (v))
        continue;
      n_values++;
      if (row->best >= 0 && v != row->values[row->best])
        all_equal = FALSE;
      if (row->best < 0 || (row->lower_is_better ? v < row->values[row->best] : v > row->values[row->best]))
        row->best = (gint) i;
    }
  // Nothing is best when there is nothing to choose from.
  if (n_values < 2 || all_equal)
    row->best = -1;
}

static void
build_metric_rows (SluiceRunComparison *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint r = 0; r < self->runs->len; r++)
    {
      RunData *data = g_ptr_array_index (self->runs, r);

      for (guint i = 0; i < data->metrics->len; i++)
        {
          const SluiceMetric *m = g_ptr_array_index (data->metrics, i);
          g_autofree char *key = g_strdup_printf ("%s\x1f%s", m->step_id, m->name);
          SluiceMetricRow *row;

          if (g_hash_table_contains (seen, key))
            continue;
          row = g_new0 (SluiceMetricRow, 1);
          row->step_id = g_strdup (m->step_id);
          row->name = g_strdup (m->name);
          row->n_values = self->runs->len;
          row->values = g_new (double, row->n_values);
          row->lower_is_better = sluice_metric_lower_is_better (m->name);
          for (guint k = 0; k < row->n_values; k++)
            if (!final_value (g_ptr_array_index (self->runs, k), m->step_id, m->name, &row->values[k]))
              row->values[k] = NAN;
          pick_best (row);
          g_ptr_array_add (self->metrics, row);
          g_hash_table_add (seen, g_steal_pointer (&key));
        }
    }
  g_ptr_array_sort (self->metrics, compare_metric_rows);
}

SluiceRunComparison *
sluice_run_comparison_new (SluiceHistory  *history,
                           const gint64   *run_ids,
                           guint           n_runs,
                           GError        **error)
{
  g_autoptr(SluiceRunComparison) self = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (history), NULL);
  g_return_val_if_fail (run_ids != NULL || n_runs == 0, NULL);

  self = g_object_new (SLUICE_TYPE_RUN_COMPARISON, NULL);
  for (guint i = 0; i < n_runs; i++)
    {
      RunData *data = run_data_load (history, run_ids[i], error);

      if (data == NULL)
        return NULL;
      g_ptr_array_add (self->runs, data);
      if (!collect_run_metrics (self, history, data, error))
        return NULL;
    }

  build_diffs (self, history);
  build_metric_rows (self);
  return g_steal_pointer (&self);
}

guint
sluice_run_comparison_get_n_runs (SluiceRunComparison *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), 0);
  return self->runs->len;
}

const SluiceRunRecord *
sluice_run_comparison_get_run (SluiceRunComparison *self,
                               guint                index)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), NULL);
  g_return_val_if_fail (index < self->runs->len, NULL);
  return ((RunData *) g_ptr_array_index (self->runs, index))->record;
}

GPtrArray *
sluice_run_comparison_get_diffs (SluiceRunComparison *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), NULL);
  return self->diffs;
}

GPtrArray *
sluice_run_comparison_get_metrics (SluiceRunComparison *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), NULL);
  return self->metrics;
}

GArray *
sluice_run_comparison_get_series (SluiceRunComparison *self,
                                  guint                index,
                                  const char          *step_id,
                                  const char          *name)
{
  GArray *points = g_array_new (FALSE, FALSE, sizeof (SluiceMetricPoint));
  RunData *data;

  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), points);
  g_return_val_if_fail (index < self->runs->len, points);

  data = g_ptr_array_index (self->runs, index);
  for (guint i = 0; i < data->metrics->len; i++)
    {
      const SluiceMetric *m = g_ptr_array_index (data->metrics, i);
      SluiceMetricPoint point;

      if (g_strcmp0 (m->step_id, step_id) != 0 || g_strcmp0 (m->name, name) != 0)
        continue;
      point.index = m->index >= 0 ? m->index : (gint64) points->len;
      point.value = m->value;
      g_array_append_val (points, point);
    }
  return points;
}

static void
add_run_json (JsonBuilder           *b,
              const SluiceRunRecord *r)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, r->id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, sluice_state_to_string (r->state));
  json_builder_set_member_name (b, "pipeline");
  json_builder_add_string_value (b, r->pipeline_name);
  json_builder_set_member_name (b, "started_at");
  json_builder_add_int_value (b, r->started_at);
  json_builder_set_member_name (b, "finished_at");
  json_builder_add_int_value (b, r->finished_at);
  json_builder_end_object (b);
}

JsonNode *
sluice_run_comparison_to_json (SluiceRunComparison *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SLUICE_IS_RUN_COMPARISON (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->runs->len; i++)
    add_run_json (b, sluice_run_comparison_get_run (self, i));
  json_builder_end_array (b);

  json_builder_set_member_name (b, "differences");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->diffs->len; i++)
    {
      const SluiceDiffRow *row = g_ptr_array_index (self->diffs, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, sluice_diff_kind_to_string (row->kind));
      json_builder_set_member_name (b, "step");
      if (row->step_id != NULL)
        json_builder_add_string_value (b, row->step_id);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, row->name);
      json_builder_set_member_name (b, "values");
      json_builder_begin_array (b);
      for (guint k = 0; k < row->n_values; k++)
        if (row->values[k] != NULL)
          json_builder_add_string_value (b, row->values[k]);
        else
          json_builder_add_null_value (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "metrics");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->metrics->len; i++)
    {
      const SluiceMetricRow *row = g_ptr_array_index (self->metrics, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "step");
      json_builder_add_string_value (b, row->step_id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, row->name);
      json_builder_set_member_name (b, "values");
      json_builder_begin_array (b);
      for (guint k = 0; k < row->n_values; k++)
        if (isnan (row->values[k]))
          json_builder_add_null_value (b);
        else
          json_builder_add_double_value (b, row->values[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "best_run");
      if (row->best >= 0)
        json_builder_add_int_value (b, sluice_run_comparison_get_run (self, (guint) row->best)->id);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* lineage ---------------------------------------------------------------------------- */

typedef struct
{
  SluiceHistory *history;
  GHashTable    *seen;       // hashes already expanded
  GHashTable    *runs;       // gint64* -> RunData* (what the source paths come from)
} LineageBuilder;

void
sluice_lineage_node_free (SluiceLineageNode *node)
{
  if (node == NULL)
    return;
  g_free (node->hash);
  g_free (node->port);
  g_free (node->step_id);
  g_free (node->output);
  g_free (node->source_path);
  g_clear_pointer (&node->inputs, g_ptr_array_unref);
  g_free (node);
}

static RunData *
lineage_run (LineageBuilder *b,
             gint64          run_id)
{
  RunData *data = g_hash_table_lookup (b->runs, &run_id);

  if (data == NULL && (data = run_data_load (b->history, run_id, NULL)) != NULL)
    g_hash_table_insert (b->runs, g_memdup2 (&run_id, sizeof run_id), data);
  return data;
}

// Where a step read a source artifact from: the path its input was bound
// to (a literal, or a pipeline input's value), from the pipeline's folder.
static char *
source_path (LineageBuilder *b,
             gint64          run_id,
             const char     *step_id,
             const char     *port)
{
  RunData *data = lineage_run (b, run_id);
  SluiceStep *step = data && data->pipeline ? sluice_pipeline_find_step (data->pipeline, step_id) : NULL;
  const SluiceBinding *binding = step ? sluice_step_get_input (step, port) : NULL;
  g_autofree char *base = NULL;
  g_autofree char *joined = NULL;
  JsonNode *value = NULL;
  const char *path;

  if (binding == NULL)
    return NULL;
  if (binding->kind == SLUICE_BINDING_LITERAL)
    value = binding->literal;
  else if (binding->kind == SLUICE_BINDING_PIPELINE_INPUT)
    value = pipeline_input_value (data, binding->name);
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    return NULL;

  path = json_node_get_string (value);
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  base = sluice_pipeline_dup_base_dir (data->pipeline);
  joined = g_build_filename (base ? base : ".", path, NULL);
  return g_canonicalize_filename (joined, NULL);
}

static int
compare_uses_by_port (gconstpointer a,
                      gconstpointer b)
{
  return g_strcmp0 ((*(const SluiceArtifactUse **) a)->port, (*(const SluiceArtifactUse **) b)->port);
}

static SluiceLineageNode *
lineage_node (LineageBuilder  *b,
              const char      *hash,
              const char      *port,
              gint64           consumer_run,
              const char      *consumer_step,
              guint            depth,
              GError         **error)
{
  g_autoptr(SluiceLineageNode) node = g_new0 (SluiceLineageNode, 1);
  g_autoptr(SluiceArtifactUse) producer = NULL;
  g_autoptr(GPtrArray) uses = NULL;
  GError *local = NULL;

  node->hash = g_strdup (hash);
  node->port = g_strdup (port);
  node->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_lineage_node_free);

  if (!(producer = sluice_history_find_producer (b->history, hash, &local)))
    {
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      if (consumer_step != NULL)
        node->source_path = source_path (b, consumer_run, consumer_step, port);
      return g_steal_pointer (&node);
    }

  node->run_id = producer->run_id;
  node->step_id = g_strdup (producer->step_id);
  node->output = g_strdup (producer->port);
  if (node->port == NULL)
    node->port = g_strdup (producer->port);

  // A diamond (one output read by two steps) is drawn once in full.
  if (g_hash_table_contains (b->seen, hash) || depth >= LINEAGE_MAX_DEPTH)
    {
      node->repeated = TRUE;
      return g_steal_pointer (&node);
    }
  g_hash_table_add (b->seen, g_strdup (hash));

  if (!(uses = sluice_history_get_artifact_uses (b->history, producer->run_id, producer->step_id, error)))
    return NULL;
  g_ptr_array_sort (uses, compare_uses_by_port);
  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);
      SluiceLineageNode *child;

      if (use->is_output)
        continue;
      if (!(child = lineage_node (b, use->hash, use->port, producer->run_id, producer->step_id, depth + 1, error)))
        return NULL;
      g_ptr_array_add (node->inputs, child);
    }
  return g_steal_pointer (&node);
}

SluiceLineageNode *
sluice_lineage_build (SluiceHistory  *history,
                      const char     *hash,
                      GError        **error)
{
  g_autoptr(GHashTable) known = NULL;
  g_autoptr(SluiceArtifactUse) producer = NULL;
  GError *local = NULL;
  LineageBuilder b = { history, NULL, NULL };
  SluiceLineageNode *root;

  g_return_val_if_fail (SLUICE_IS_HISTORY (history), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  // An artifact no run produced or read is a typo, not a source file.
  producer = sluice_history_find_producer (history, hash, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (producer == NULL)
    {
      if (!(known = sluice_history_referenced_artifacts (history, 0, error)))
        return NULL;
      if (!g_hash_table_contains (known, hash))
        {
          g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND,
                       "no run produced or read the artifact %s", hash);
          return NULL;
        }
    }

  b.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b.runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) run_data_free);
  root = lineage_node (&b, hash, NULL, 0, NULL, 0, error);
  g_hash_table_unref (b.seen);
  g_hash_table_unref (b.runs);
  return root;
}

char *
sluice_lineage_find_output (SluiceHistory  *history,
                            gint64          run_id,
                            const char     *step_id,
                            const char     *port,
                            GError        **error)
{
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(SluiceRunRecord) run = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (history), NULL);
  g_return_val_if_fail (step_id != NULL && port != NULL, NULL);

  if (!(run = sluice_history_get_run (history, run_id, error)))
    return NULL;
  if (!(uses = sluice_history_get_artifact_uses (history, run_id, step_id, error)))
    return NULL;
  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (use->is_output && g_str_equal (use->port, port))
        return g_strdup (use->hash);
    }
  g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND,
               "step '%s' of run %" G_GINT64_FORMAT " has no recorded output '%s'", step_id, run_id, port);
  return NULL;
}

static void
lineage_json (JsonBuilder       *b,
              SluiceLineageNode *node)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "hash");
  json_builder_add_string_value (b, node->hash);
  if (node->port != NULL)
    {
      json_builder_set_member_name (b, "port");
      json_builder_add_string_value (b, node->port);
    }
  if (node->step_id != NULL)
    {
      json_builder_set_member_name (b, "run");
      json_builder_add_int_value (b, node->run_id);
      json_builder_set_member_name (b, "step");
      json_builder_add_string_value (b, node->step_id);
      json_builder_set_member_name (b, "output");
      json_builder_add_string_value (b, node->output);
    }
  else
    {
      json_builder_set_member_name (b, "source");
      if (node->source_path != NULL)
        json_builder_add_string_value (b, node->source_path);
      else
        json_builder_add_boolean_value (b, TRUE);
    }
  if (node->repeated)
    {
      json_builder_set_member_name (b, "repeated");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_set_member_name (b, "inputs");
  json_builder_begin_array (b);
  for (guint i = 0; i < node->inputs->len; i++)
    lineage_json (b, g_ptr_array_index (node->inputs, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

JsonNode *
sluice_lineage_to_json (SluiceLineageNode *node)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (node != NULL, NULL);

  lineage_json (b, node);
  return json_builder_get_root (b);
}

/* a past run as a status -------------------------------------------------------------- */

static SluiceRunEvent *
event_at (SluiceRunEventKind  kind,
          gint64              run_id,
          const char         *step_id,
          gint64              time)
{
  SluiceRunEvent *event = sluice_run_event_new (kind, run_id, step_id);

  event->time = time;
  return event;
}

static void
add_step_events (GPtrArray        *events,
                 SluiceStepRecord *step,
                 GPtrArray        *uses)
{
  SluiceRunEvent *event;

  // Reused and skipped steps never ran: no running phase to replay.
  if (step->started_at > 0 && step->state != SLUICE_STATE_REUSED && step->state != SLUICE_STATE_SKIPPED)
    {
      event = event_at (SLUICE_RUN_EVENT_STEP_STATE, step->run_id, step->step_id, step->started_at);
      event->state = SLUICE_STATE_RUNNING;
      event->attempt = MAX (step->attempts, 1);
      g_ptr_array_add (events, event);
    }

  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (!use->is_output || !g_str_equal (use->step_id, step->step_id))
        continue;
      event = event_at (SLUICE_RUN_EVENT_ARTIFACT, step->run_id, step->step_id, step->finished_at);
      event->name = g_strdup (use->port);
      event->hash = g_strdup (use->hash);
      g_ptr_array_add (events, event);
    }

  if (step->state != SLUICE_STATE_RUNNING)
    {
      event = event_at (SLUICE_RUN_EVENT_STEP_STATE, step->run_id, step->step_id,
                        step->finished_at ? step->finished_at : step->started_at);
      event->state = step->state;
      event->attempt = step->attempts;
      event->text = g_strdup (step->message);
      g_ptr_array_add (events, event);
    }
}

SluiceRunStatus *
sluice_run_status_new_from_history (SluiceHistory  *history,
                                    gint64          run_id,
                                    GError        **error)
{
  g_autoptr(RunData) data = NULL;
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) step_ids = NULL;
  g_autoptr(SluiceRunStatus) status = NULL;
  SluiceRunEvent *event;

  g_return_val_if_fail (SLUICE_IS_HISTORY (history), NULL);

  if (!(data = run_data_load (history, run_id, error)))
    return NULL;
  if (!(uses = sluice_history_get_artifact_uses (history, run_id, NULL, error)))
    return NULL;

  // The steps of the pipeline as it was, and any recorded step it lacks.
  if (data->pipeline != NULL)
    {
      GPtrArray *steps = sluice_pipeline_get_steps (data->pipeline);

      for (guint i = 0; i < steps->len; i++)
        g_strv_builder_add (ids, sluice_step_get_id (g_ptr_array_index (steps, i)));
    }
  for (guint i = 0; i < data->steps->len; i++)
    {
      SluiceStepRecord *step = g_ptr_array_index (data->steps, i);

      if (data->pipeline == NULL || sluice_pipeline_find_step (data->pipeline, step->step_id) == NULL)
        g_strv_builder_add (ids, step->step_id);
    }
  step_ids = g_strv_builder_end (ids);

  status = sluice_run_status_new (run_id);
  sluice_run_status_set_step_ids (status, (const char * const *) step_ids);

  if (data->record->started_at > 0)
    {
      event = event_at (SLUICE_RUN_EVENT_RUN_STATE, run_id, NULL, data->record->started_at);
      event->state = SLUICE_STATE_RUNNING;
      g_ptr_array_add (events, event);
    }
  for (guint i = 0; i < data->steps->len; i++)
    add_step_events (events, g_ptr_array_index (data->steps, i), uses);
  if (data->record->state != SLUICE_STATE_RUNNING || data->record->started_at == 0)
    {
      event = event_at (SLUICE_RUN_EVENT_RUN_STATE, run_id, NULL,
                        data->record->finished_at ? data->record->finished_at : data->record->created_at);
      event->state = data->record->state;
      g_ptr_array_add (events, event);
    }

  sluice_run_status_apply (status, events);
  return g_steal_pointer (&status);
}
