// SPDX-License-Identifier: GPL-3.0-or-later
//
// Mirrors how the engine resolves an input (sluice-run.c, resolve_input):
// a binding on the step, else the component default; a pipeline input
// takes the run's override, then its own value, then the default.

#include "config.h"

#include <string.h>

#include "sluice-component.h"
#include "sluice-error.h"
#include "sluice-history.h"
#include "sluice-pipeline.h"
#include "sluice-port-type.h"
#include "sluice-step-info.h"

void
sluice_step_input_free (SluiceStepInput *input)
{
  if (input == NULL)
    return;
  g_free (input->name);
  g_free (input->type);
  g_free (input->value);
  g_free (input->source);
  g_free (input->hash);
  g_free (input);
}

void
sluice_metric_summary_free (SluiceMetricSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->name);
  g_free (summary);
}

const char *
sluice_input_origin_describe (SluiceInputOrigin origin)
{
  switch (origin)
    {
    case SLUICE_INPUT_ORIGIN_STEP:     return "set on the step";
    case SLUICE_INPUT_ORIGIN_RUN:      return "set for this run";
    case SLUICE_INPUT_ORIGIN_PIPELINE: return "pipeline input";
    case SLUICE_INPUT_ORIGIN_DEFAULT:  return "default";
    case SLUICE_INPUT_ORIGIN_LINK:     return "output of another step";
    case SLUICE_INPUT_ORIGIN_UNSET:    return "not set";
    default:                           return "";
    }
}

static JsonObject *
parse_object (const char  *json,
              const char  *what,
              JsonParser  *parser,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (json == NULL || *json == '\0')
    return NULL;
  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the recorded %s is not JSON: %s", what, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the recorded %s is not a JSON object", what);
      return NULL;
    }
  return json_node_get_object (root);
}

static const char *
input_hash (GPtrArray  *uses,
            const char *port)
{
  for (guint i = 0; uses != NULL && i < uses->len; i++)
    {
      const SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (!use->is_output && g_strcmp0 (use->port, port) == 0)
        return use->hash;
    }
  return NULL;
}

static void
set_value (SluiceStepInput   *input,
           JsonNode          *value,
           SluiceInputOrigin  origin)
{
  input->value = value != NULL ? sluice_literal_to_argument (value) : NULL;
  input->origin = value != NULL ? origin : SLUICE_INPUT_ORIGIN_UNSET;
}

static SluiceStepInput *
resolve_one (SluicePipeline       *pipeline,
             JsonObject           *overrides,
             SluiceStep           *step,
             const SluicePortSpec *spec)
{
  const SluiceBinding *binding = sluice_step_get_input (step, spec->name);
  SluiceStepInput *input = g_new0 (SluiceStepInput, 1);

  input->name = g_strdup (spec->name);
  input->type = g_strdup (spec->type);

  if (binding == NULL)
    set_value (input, spec->default_value, SLUICE_INPUT_ORIGIN_DEFAULT);
  else if (binding->kind == SLUICE_BINDING_LITERAL)
    set_value (input, binding->literal, SLUICE_INPUT_ORIGIN_STEP);
  else if (binding->kind == SLUICE_BINDING_PIPELINE_INPUT)
    {
      const SluicePipelineIO *io = sluice_pipeline_find_input (pipeline, binding->name);
      JsonNode *override = overrides ? json_object_get_member (overrides, binding->name) : NULL;

      input->source = g_strdup (binding->name);
      if (override != NULL)
        set_value (input, override, SLUICE_INPUT_ORIGIN_RUN);
      else if (io != NULL && io->value != NULL)
        set_value (input, io->value, SLUICE_INPUT_ORIGIN_PIPELINE);
      else
        set_value (input, spec->default_value, SLUICE_INPUT_ORIGIN_DEFAULT);
    }
  else if (binding->kind == SLUICE_BINDING_STEP_OUTPUT)
    {
      input->origin = SLUICE_INPUT_ORIGIN_LINK;
      input->source = g_strdup_printf ("%s.%s", binding->step, binding->name);
    }
  else
    input->origin = SLUICE_INPUT_ORIGIN_UNSET;
  return input;
}

GPtrArray *
sluice_step_resolve_inputs (const char  *pipeline_json,
                            const char  *params_json,
                            const char  *component_json,
                            const char  *step_id,
                            GPtrArray   *uses,
                            GError     **error)
{
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceComponent) component = NULL;
  g_autoptr(JsonParser) params_parser = json_parser_new ();
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_step_input_free);
  g_autoptr(GError) local_error = NULL;
  JsonObject *overrides;
  SluiceStep *step;
  GPtrArray *specs;

  g_return_val_if_fail (step_id != NULL, NULL);

  if (pipeline_json == NULL || component_json == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND,
                   "the run did not record the %s of step '%s'",
                   pipeline_json == NULL ? "pipeline" : "component", step_id);
      return NULL;
    }
  if (!(pipeline = sluice_pipeline_load_data (pipeline_json, strlen (pipeline_json), NULL, error)))
    return NULL;
  if (!(step = sluice_pipeline_find_step (pipeline, step_id)))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "the recorded pipeline has no step '%s'", step_id);
      return NULL;
    }
  // Not sluice_component_is_valid(): a recorded spec is read without its
  // file, so its code folder is not found, and only its inputs matter here.
  component = sluice_component_load_data (component_json, strlen (component_json), NULL, NULL);
  if (component == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the recorded component of step '%s' does not load", step_id);
      return NULL;
    }
  overrides = parse_object (params_json, "run parameters", params_parser, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  specs = sluice_component_get_inputs (component);
  for (guint i = 0; i < specs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (specs, i);
      SluiceStepInput *input = resolve_one (pipeline, overrides, step, spec);

      input->hash = g_strdup (input_hash (uses, spec->name));
      g_ptr_array_add (inputs, input);
    }
  return g_steal_pointer (&inputs);
}

char *
sluice_argv_json_to_shell (const char  *argv_json,
                           GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *array;

  if (argv_json == NULL || !json_parser_load_from_data (parser, argv_json, -1, &local_error))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the recorded command line is not JSON%s%s",
                   local_error ? ": " : "", local_error ? local_error->message : "");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the recorded command line is not a JSON array");
      return NULL;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *arg = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
        ? json_node_get_string (node) : NULL;
      g_autofree char *quoted = NULL;

      if (arg == NULL)
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "argument %u of the recorded command line is not a string", i);
          return NULL;
        }
      // Plain words stay as they are, so the line reads like one typed.
      quoted = *arg != '\0' && strspn (arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == strlen (arg)
        ? g_strdup (arg) : g_shell_quote (arg);
      if (i > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, quoted);
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

GPtrArray *
sluice_metrics_summarize (GPtrArray  *metrics,
                          const char *step_id)
{
  GPtrArray *summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_metric_summary_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; metrics != NULL && i < metrics->len; i++)
    {
      const SluiceMetric *metric = g_ptr_array_index (metrics, i);
      SluiceMetricSummary *summary;

      if (step_id != NULL && g_strcmp0 (metric->step_id, step_id) != 0)
        continue;
      summary = g_hash_table_lookup (by_name, metric->name);
      if (summary == NULL)
        {
          summary = g_new0 (SluiceMetricSummary, 1);
          summary->name = g_strdup (metric->name);
          g_hash_table_insert (by_name, summary->name, summary);
          g_ptr_array_add (summaries, summary);
        }
      summary->value = metric->value;
      summary->index = metric->index;
      summary->count++;
    }
  return summaries;
}
