// SPDX-License-Identifier: GPL-3.0-or-later
//
// The step graph: an edge runs from a step to every step that reads one of
// its outputs. Everything here is iterative, so a 10 000-step chain cannot
// overflow the stack.

#include "config.h"

#include "sluice-graph.h"

typedef struct
{
  GPtrArray  *steps;       // borrowed from the pipeline
  GHashTable *index_of;    // SluiceStep* -> index + 1
  GArray    **deps;        // per step: guint indices of the steps it reads from
} Graph;

static guint
index_of (Graph      *graph,
          SluiceStep *step)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (graph->index_of, step)) - 1;
}

GPtrArray *
sluice_pipeline_get_step_dependencies (SluicePipeline *pipeline,
                                       SluiceStep     *step)
{
  GPtrArray *deps = g_ptr_array_new ();
  GPtrArray *inputs = sluice_step_get_inputs (step);

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (inputs, i);
      SluiceStep *from;

      if (binding->kind != SLUICE_BINDING_STEP_OUTPUT)
        continue;
      from = sluice_pipeline_find_step (pipeline, binding->step);
      if (from != NULL && !g_ptr_array_find (deps, from, NULL))
        g_ptr_array_add (deps, from);
    }

  return deps;
}

static void
graph_init (Graph          *graph,
            SluicePipeline *pipeline)
{
  graph->steps = sluice_pipeline_get_steps (pipeline);
  graph->index_of = g_hash_table_new (NULL, NULL);
  graph->deps = g_new0 (GArray *, graph->steps->len + 1);

  for (guint i = 0; i < graph->steps->len; i++)
    g_hash_table_insert (graph->index_of, g_ptr_array_index (graph->steps, i), GUINT_TO_POINTER (i + 1));

  for (guint i = 0; i < graph->steps->len; i++)
    {
      g_autoptr(GPtrArray) deps = sluice_pipeline_get_step_dependencies (pipeline, g_ptr_array_index (graph->steps, i));

      graph->deps[i] = g_array_sized_new (FALSE, FALSE, sizeof (guint), deps->len);
      for (guint j = 0; j < deps->len; j++)
        {
          guint from = index_of (graph, g_ptr_array_index (deps, j));

          g_array_append_val (graph->deps[i], from);
        }
    }
}

static void
graph_clear (Graph *graph)
{
  for (guint i = 0; i < graph->steps->len; i++)
    g_array_unref (graph->deps[i]);
  g_free (graph->deps);
  g_hash_table_unref (graph->index_of);
}

// Kahn's algorithm. Steps on or after a cycle never become ready and are
// left out. Ties keep file order, so `sluice show` is stable.
static GArray *
graph_order (Graph  *graph,
             guint **levels_out)
{
  guint n = graph->steps->len;
  g_autofree guint *missing = g_new0 (guint, n + 1);
  guint *levels = g_new0 (guint, n + 1);
  g_autofree GArray **dependents = g_new0 (GArray *, n + 1);
  GArray *order = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);

  for (guint i = 0; i < n; i++)
    dependents[i] = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n; i++)
    {
      missing[i] = graph->deps[i]->len;
      for (guint j = 0; j < graph->deps[i]->len; j++)
        g_array_append_val (dependents[g_array_index (graph->deps[i], guint, j)], i);
      if (missing[i] == 0)
        g_array_append_val (order, i);
    }

  for (guint k = 0; k < order->len; k++)
    {
      guint i = g_array_index (order, guint, k);

      for (guint j = 0; j < dependents[i]->len; j++)
        {
          guint d = g_array_index (dependents[i], guint, j);

          levels[d] = MAX (levels[d], levels[i] + 1);
          if (--missing[d] == 0)
            g_array_append_val (order, d);
        }
    }

  for (guint i = 0; i < n; i++)
    g_array_unref (dependents[i]);

  *levels_out = levels;
  return order;
}

GPtrArray *
sluice_pipeline_topological_order (SluicePipeline  *pipeline,
                                   GHashTable     **levels)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree guint *level_of = NULL;
  g_autoptr(GArray) order = NULL;
  Graph graph;

  graph_init (&graph, pipeline);
  order = graph_order (&graph, &level_of);

  if (levels != NULL)
    *levels = g_hash_table_new (NULL, NULL);

  for (guint k = 0; k < order->len; k++)
    {
      guint i = g_array_index (order, guint, k);
      SluiceStep *step = g_ptr_array_index (graph.steps, i);

      g_ptr_array_add (result, g_object_ref (step));
      if (levels != NULL)
        g_hash_table_insert (*levels, step, GUINT_TO_POINTER (level_of[i]));
    }

  graph_clear (&graph);
  return result;
}

// Walk back through unordered predecessors until a step repeats: that loop
// is a cycle. Steps that merely sit downstream of a cycle lead back into one
// already reported and add nothing.
static GPtrArray *
trace_cycle (Graph    *graph,
             guint     start,
             gboolean *unordered,
             guint    *seen_in_walk,
             guint     walk,
             gboolean *reported)
{
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  guint current = start;
  GPtrArray *cycle;
  guint first, earliest = G_MAXUINT, at = 0;

  while (seen_in_walk[current] != walk)
    {
      gboolean moved = FALSE;

      if (reported[current])
        return NULL;
      seen_in_walk[current] = walk;
      g_array_append_val (path, current);

      for (guint j = 0; j < graph->deps[current]->len && !moved; j++)
        {
          guint from = g_array_index (graph->deps[current], guint, j);

          if (unordered[from])
            current = from, moved = TRUE;
        }
      g_assert (moved);
    }

  // path ends with the loop, from `current` onwards, walking backwards.
  for (first = 0; g_array_index (path, guint, first) != current; first++)
    ;

  cycle = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint k = path->len; k > first; k--)
    {
      guint i = g_array_index (path, guint, k - 1);

      reported[i] = TRUE;
      if (i < earliest)
        earliest = i, at = path->len - k;
      g_ptr_array_add (cycle, g_object_ref (g_ptr_array_index (graph->steps, i)));
    }

  // Start the cycle at the step that comes first in the file.
  for (guint r = 0; r < at; r++)
    {
      gpointer head = g_ptr_array_steal_index (cycle, 0);

      g_ptr_array_add (cycle, head);
    }

  return cycle;
}

GPtrArray *
sluice_pipeline_find_cycles (SluicePipeline *pipeline)
{
  GPtrArray *cycles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autofree guint *level_of = NULL;
  g_autofree gboolean *unordered = NULL;
  g_autofree gboolean *reported = NULL;
  g_autofree guint *seen_in_walk = NULL;
  g_autoptr(GArray) order = NULL;
  guint n;
  Graph graph;

  graph_init (&graph, pipeline);
  n = graph.steps->len;
  order = graph_order (&graph, &level_of);

  unordered = g_new0 (gboolean, n + 1);
  reported = g_new0 (gboolean, n + 1);
  seen_in_walk = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    unordered[i] = TRUE;
  for (guint k = 0; k < order->len; k++)
    unordered[g_array_index (order, guint, k)] = FALSE;

  for (guint i = 0; i < n; i++)
    if (unordered[i] && !reported[i])
      {
        GPtrArray *cycle = trace_cycle (&graph, i, unordered, seen_in_walk, i + 1, reported);

        if (cycle != NULL)
          g_ptr_array_add (cycles, cycle);
      }

  graph_clear (&graph);
  return cycles;
}
