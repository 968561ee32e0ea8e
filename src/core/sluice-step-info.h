// SPDX-License-Identifier: GPL-3.0-or-later
//
// What a recorded step ran with, for people to read: its command line,
// the value each of its inputs had and where that value came from, and
// its metrics folded to the latest value per name. Everything is rebuilt
// from the history records alone (the exact pipeline and component the run
// used), so it stays true when the files have changed since.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SLUICE_INPUT_ORIGIN_STEP,       // written on the step in the pipeline
  SLUICE_INPUT_ORIGIN_RUN,        // a pipeline input set for this run (--set)
  SLUICE_INPUT_ORIGIN_PIPELINE,   // a pipeline input's own value
  SLUICE_INPUT_ORIGIN_DEFAULT,    // the component's default
  SLUICE_INPUT_ORIGIN_LINK,       // another step's output
  SLUICE_INPUT_ORIGIN_UNSET,
} SluiceInputOrigin;

typedef struct
{
  char              *name;
  char              *type;
  char              *value;       // as the command line got it; NULL when unset or a link
  SluiceInputOrigin  origin;
  char              *source;      // pipeline input name, or "STEP.OUTPUT" for a link
  char              *hash;        // the artifact the input was, when recorded
} SluiceStepInput;

typedef struct
{
  char   *name;
  double  value;                  // the latest value
  gint64  index;                  // its step index, -1 if none
  guint   count;                  // how many values were recorded
} SluiceMetricSummary;

void        sluice_step_input_free          (SluiceStepInput     *input);
void        sluice_metric_summary_free      (SluiceMetricSummary *summary);

// The step's inputs in the component's order. uses: the step's recorded
// SluiceArtifactUse*s (for input hashes), or NULL. Errors
// (SLUICE_ERROR_INVALID, _NOT_FOUND): the JSON does not load, the step is
// not in the pipeline.
GPtrArray  *sluice_step_resolve_inputs      (const char          *pipeline_json,
                                             const char          *params_json,
                                             const char          *component_json,
                                             const char          *step_id,
                                             GPtrArray           *uses,
                                             GError             **error);
// ["prog", "a b"] -> "prog 'a b'", quoted so a shell would read it back.
char       *sluice_argv_json_to_shell       (const char          *argv_json,
                                             GError             **error);
// SluiceMetric*s of one step (all steps' metrics may be given; others are
// skipped) -> SluiceMetricSummary*s, by first appearance.
GPtrArray  *sluice_metrics_summarize        (GPtrArray           *metrics,
                                             const char          *step_id);
const char *sluice_input_origin_describe    (SluiceInputOrigin    origin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceStepInput, sluice_step_input_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceMetricSummary, sluice_metric_summary_free)

G_END_DECLS
