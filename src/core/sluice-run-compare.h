// SPDX-License-Identifier: GPL-3.0-or-later
//
// Questions asked of the run history after the fact: how two or more runs
// differ (inputs, resolved step parameters, code) and what they measured
// (a metric matrix), where an artifact came from (its lineage, back to the
// user's files), and what a past run looked like (a SluiceRunStatus rebuilt
// from its recorded steps). The app's history pages and `sluice runs
// compare` both read these; nothing here needs a display.

#pragma once

#include <json-glib/json-glib.h>

#include "sluice-history.h"
#include "sluice-run-status.h"

G_BEGIN_DECLS

typedef enum
{
  SLUICE_DIFF_INPUT,       // a pipeline input (given with --set, or its default)
  SLUICE_DIFF_PARAMETER,   // a step's parameter as the step received it
  SLUICE_DIFF_CODE,        // a step's code folder hash
  SLUICE_DIFF_COMPONENT,   // a step's component spec (its text differs)
} SluiceDiffKind;

// One thing that differs between the runs; values has one entry per run,
// NULL where the run has no such input/step/parameter.
typedef struct
{
  SluiceDiffKind   kind;
  char            *step_id;   // NULL for pipeline inputs
  char            *name;      // input or parameter name; "code" / "component"
  char           **values;    // n_runs entries (not NULL-terminated)
  guint            n_values;
} SluiceDiffRow;

// The final value of one metric of one step in each run; NAN where a run
// has none. best is the index of the best run (lowest for losses and
// errors, highest otherwise), -1 when fewer than two runs have a value.
typedef struct
{
  char    *step_id;
  char    *name;
  double  *values;
  guint    n_values;
  gint     best;
  gboolean lower_is_better;
} SluiceMetricRow;

// A metric over its step index within one run, for charts.
typedef struct
{
  gint64  index;              // -1 when the line gave none (then the order it came in)
  double  value;
} SluiceMetricPoint;

#define SLUICE_TYPE_RUN_COMPARISON (sluice_run_comparison_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunComparison, sluice_run_comparison, SLUICE, RUN_COMPARISON, GObject)

// Errors: SLUICE_HISTORY_ERROR_NOT_FOUND naming the unknown run.
SluiceRunComparison   *sluice_run_comparison_new          (SluiceHistory        *history,
                                                           const gint64         *run_ids,
                                                           guint                 n_runs,
                                                           GError              **error);
guint                  sluice_run_comparison_get_n_runs   (SluiceRunComparison  *self);
const SluiceRunRecord *sluice_run_comparison_get_run      (SluiceRunComparison  *self,
                                                           guint                 index);
// SluiceDiffRow*: pipeline inputs first, then per step (in pipeline order)
// parameters, code and component. Only rows whose values differ.
GPtrArray             *sluice_run_comparison_get_diffs    (SluiceRunComparison  *self);
// SluiceMetricRow*, sorted by step then metric name. A reused step counts
// with the metrics of the run that produced its outputs.
GPtrArray             *sluice_run_comparison_get_metrics  (SluiceRunComparison  *self);
// SluiceMetricPoint values of one step's metric in run `index`, in order;
// an empty array when there are none.
GArray                *sluice_run_comparison_get_series   (SluiceRunComparison  *self,
                                                           guint                 index,
                                                           const char           *step_id,
                                                           const char           *name);
JsonNode              *sluice_run_comparison_to_json      (SluiceRunComparison  *self);

const char            *sluice_diff_kind_to_string         (SluiceDiffKind        kind);
// Losses, errors and the like: names with loss, error, mae, mse, rmse…
gboolean               sluice_metric_lower_is_better      (const char           *name);

// Lineage: an artifact, who produced it and from what.
typedef struct _SluiceLineageNode SluiceLineageNode;
struct _SluiceLineageNode
{
  char       *hash;
  char       *port;           // the port it is seen on: the producer's output,
                              // or for inputs the consuming step's input port
  gint64      run_id;         // producing run; 0 for sources
  char       *step_id;        // producing step; NULL for sources
  char       *output;         // the producing step's output port; NULL for sources
  char       *source_path;    // sources: the file it was read from, when known
  gboolean    repeated;       // shown already above: its inputs are not repeated
  GPtrArray  *inputs;         // SluiceLineageNode*: the producing step's inputs
};

void               sluice_lineage_node_free   (SluiceLineageNode *node);
// Errors: SLUICE_HISTORY_ERROR_NOT_FOUND when the history never saw the hash.
SluiceLineageNode *sluice_lineage_build       (SluiceHistory     *history,
                                               const char        *hash,
                                               GError           **error);
// The hash of output `port` of a step of a run, or NULL with an error.
char              *sluice_lineage_find_output (SluiceHistory     *history,
                                               gint64             run_id,
                                               const char        *step_id,
                                               const char        *port,
                                               GError           **error);
JsonNode          *sluice_lineage_to_json     (SluiceLineageNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceLineageNode, sluice_lineage_node_free)

// A past run as the canvas shows it: steps of its recorded pipeline, each
// with its recorded state, attempts, times, message and outputs. Built by
// applying events synthesized from the steps and artifact uses, so it works
// for runs recorded before events were.
SluiceRunStatus   *sluice_run_status_new_from_history (SluiceHistory *history,
                                                       gint64         run_id,
                                                       GError       **error);

G_END_DECLS
