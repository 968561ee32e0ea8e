// SPDX-License-Identifier: GPL-3.0-or-later
//
// Finds every problem in a pipeline at once, each with its place, so a person
// can fix them all in one go rather than one per run.

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sluice-graph.h"
#include "sluice-load-private.h"
#include "sluice-pipeline-private.h"
#include "sluice-port-type.h"
#include "sluice-validate.h"

typedef struct
{
  SluicePipeline          *pipeline;
  SluiceComponentRegistry *registry;
  SluiceLoadContext        ctx;
  char                    *base_dir;
  GHashTable              *components;        // SluiceStep* -> SluiceComponent* (borrowed)
  GHashTable              *reported_files;    // component files whose problems were added
  GHashTable              *used_inputs;       // pipeline input names read by a step
  GHashTable              *output_binders;    // pipeline output name -> step id
  GHashTable              *consumed;          // step ids whose outputs a step reads
  GHashTable              *connected;         // SluiceStep* that read from or feed a step/output
} Validation;

#define REPORT(v, sev, code, ptr, ...) _sluice_report (&(v)->ctx, SLUICE_SEVERITY_##sev, code, ptr, __VA_ARGS__)

static char *
step_pointer (SluiceStep *step,
              const char *section,
              const char *port)
{
  g_autofree char *base = sluice_json_pointer_append ("/jobs", sluice_step_get_id (step));
  g_autofree char *with_section = NULL;

  if (section == NULL)
    return g_steal_pointer (&base);
  with_section = sluice_json_pointer_append (base, section);
  if (port == NULL)
    return g_steal_pointer (&with_section);
  return sluice_json_pointer_append (with_section, port);
}

static char *
list_port_names (GPtrArray *ports)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < ports->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (ports, i);

      g_string_append_printf (s, "%s%s", i ? ", " : "", spec->name);
    }

  return g_string_free (g_steal_pointer (&s), FALSE);
}

SluiceComponent *
sluice_pipeline_resolve_step (SluicePipeline           *pipeline,
                              SluiceStep               *step,
                              SluiceComponentRegistry  *registry,
                              char                    **error_message)
{
  g_autofree char *base_dir = sluice_pipeline_dup_base_dir (pipeline);
  g_autofree char *message = NULL;
  SluiceComponent *component;

  component = sluice_component_registry_resolve (registry, sluice_step_get_component_ref (step),
                                                 base_dir, &message);
  if (error_message != NULL)
    *error_message = g_steal_pointer (&message);
  return component;
}

static void
add_component_problems (Validation      *v,
                        SluiceComponent *component)
{
  const char *file = sluice_component_get_file (component);
  GPtrArray *problems;

  if (g_hash_table_contains (v->reported_files, file))
    return;
  g_hash_table_add (v->reported_files, g_strdup (file));

  problems = sluice_component_registry_get_problems (v->registry, component);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_ptr_array_add (v->ctx.problems, sluice_problem_copy (g_ptr_array_index (problems, i)));
}

static void
resolve_components (Validation *v)
{
  GPtrArray *steps = sluice_pipeline_get_steps (v->pipeline);

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      g_autofree char *pointer = step_pointer (step, "component", NULL);
      g_autofree char *message = NULL;
      const char *ref = sluice_step_get_component_ref (step);
      SluiceComponent *component;

      if (ref == NULL)
        continue;   // the loader reported the missing key

      component = sluice_pipeline_resolve_step (v->pipeline, step, v->registry, &message);
      if (component == NULL)
        {
          REPORT (v, ERROR, "unknown-component", pointer, "%s", message);
          continue;
        }

      if (g_str_has_prefix (ref, "file:"))
        add_component_problems (v, component);

      if (!sluice_component_is_valid (component))
        {
          REPORT (v, ERROR, "invalid-component", pointer,
                  "component '%s' has errors, listed with its file", ref);
          add_component_problems (v, component);
          continue;
        }

      g_hash_table_insert (v->components, step, component);
    }
}

static void
check_step_id (Validation *v,
               SluiceStep *step)
{
  const char *id = sluice_step_get_id (step);
  g_autofree char *pointer = NULL;

  if (sluice_name_is_valid (id))
    return;

  pointer = step_pointer (step, NULL, NULL);
  REPORT (v, ERROR, "invalid-step-id", pointer,
          "step id '%s' must start with a lowercase letter and use only a-z, 0-9 and _", id);
}

static void
check_retry_count (Validation *v,
                   JsonNode   *node,
                   const char *pointer)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 0 || json_node_get_int (node) > 100)
    REPORT (v, ERROR, "invalid-policy", pointer, "the retry count must be a whole number from 0 to 100");
}

// "timeout": seconds > 0; "retry": N or {"count": N, "backoff": seconds}.
static void
check_step_policy (Validation *v,
                   SluiceStep *step)
{
  JsonObject *extra = sluice_step_get_extra (step);
  JsonNode *timeout = json_object_get_member (extra, "timeout");
  JsonNode *retry = json_object_get_member (extra, "retry");
  double value = 0;

  if (timeout != NULL && (!sluice_json_node_get_number (timeout, &value) || value <= 0))
    {
      g_autofree char *pointer = step_pointer (step, "timeout", NULL);

      REPORT (v, ERROR, "invalid-policy", pointer, "'timeout' must be a number of seconds greater than 0");
    }

  if (retry != NULL && JSON_NODE_HOLDS_OBJECT (retry))
    {
      JsonObject *object = json_node_get_object (retry);
      JsonNode *count = json_object_get_member (object, "count");
      JsonNode *backoff = json_object_get_member (object, "backoff");

      if (count != NULL)
        {
          g_autofree char *pointer = step_pointer (step, "retry", "count");

          check_retry_count (v, count, pointer);
        }
      if (backoff != NULL && (!sluice_json_node_get_number (backoff, &value) || value < 0))
        {
          g_autofree char *pointer = step_pointer (step, "retry", "backoff");

          REPORT (v, ERROR, "invalid-policy", pointer, "'backoff' must be a number of seconds, 0 or more");
        }
    }
  else if (retry != NULL)
    {
      g_autofree char *pointer = step_pointer (step, "retry", NULL);

      check_retry_count (v, retry, pointer);
    }
}

static void
check_literal_input (Validation           *v,
                     SluiceStep           *step,
                     const SluicePortSpec *spec,
                     const SluiceBinding  *binding,
                     const char           *pointer)
{
  g_autofree char *why = NULL;

  if (!sluice_component_check_value (spec, binding->literal, &why))
    {
      REPORT (v, ERROR, "invalid-value", pointer, "input '%s' of step '%s': %s",
              spec->name, sluice_step_get_id (step), why);
      return;
    }

  if (JSON_NODE_HOLDS_VALUE (binding->literal) && json_node_get_value_type (binding->literal) == G_TYPE_STRING &&
      strstr (json_node_get_string (binding->literal), "${{") != NULL)
    REPORT (v, WARNING, "literal-placeholder", pointer,
            "input '%s' of step '%s' is passed as the text '%s'; bindings start with ${{parent.",
            spec->name, sluice_step_get_id (step), json_node_get_string (binding->literal));

  if (!sluice_port_type_is_parameter (spec->type))
    {
      const char *path = json_node_get_string (binding->literal);
      g_autofree char *full = g_path_is_absolute (path) ? g_strdup (path)
                                                        : g_build_filename (v->base_dir, path, NULL);

      if (!g_file_test (full, G_FILE_TEST_EXISTS))
        REPORT (v, WARNING, "missing-file", pointer, "input '%s' of step '%s': '%s' does not exist",
                spec->name, sluice_step_get_id (step), path);
    }
}

static void
check_pipeline_input_binding (Validation           *v,
                              SluiceStep           *step,
                              const SluicePortSpec *spec,
                              const SluiceBinding  *binding,
                              const char           *pointer)
{
  const SluicePipelineIO *io = sluice_pipeline_find_input (v->pipeline, binding->name);
  g_autofree char *why = NULL;

  if (io == NULL)
    {
      REPORT (v, ERROR, "missing-pipeline-input", pointer,
              "input '%s' of step '%s' reads pipeline input '%s', which is not defined in /inputs",
              spec->name, sluice_step_get_id (step), binding->name);
      return;
    }

  g_hash_table_add (v->used_inputs, io->name);

  if (io->type == NULL || !sluice_port_type_is_valid (io->type))
    return;   // reported with the pipeline input itself

  if (!sluice_port_type_is_compatible (io->type, spec->type))
    {
      g_autofree char *explain = sluice_port_type_explain_mismatch (io->type, spec->type);

      REPORT (v, ERROR, "type-mismatch", pointer,
              "pipeline input '%s' is %s but input '%s' of step '%s' expects %s: %s",
              io->name, io->type, spec->name, sluice_step_get_id (step), spec->type, explain);
      return;
    }

  if (io->value != NULL && sluice_port_type_is_parameter (spec->type) &&
      sluice_port_type_accepts_literal (io->type, io->value, NULL) &&
      !sluice_component_check_value (spec, io->value, &why))
    REPORT (v, ERROR, "invalid-value", pointer,
            "pipeline input '%s' gives input '%s' of step '%s' a value it does not accept: %s",
            io->name, spec->name, sluice_step_get_id (step), why);

  if (io->optional && io->value == NULL && !spec->optional && spec->default_value == NULL)
    REPORT (v, WARNING, "optional-to-required", pointer,
            "input '%s' of step '%s' is required, but pipeline input '%s' is optional and has no default",
            spec->name, sluice_step_get_id (step), io->name);
}

static void
check_step_output_binding (Validation           *v,
                           SluiceStep           *step,
                           const SluicePortSpec *spec,
                           const SluiceBinding  *binding,
                           const char           *pointer)
{
  SluiceStep *from = sluice_pipeline_find_step (v->pipeline, binding->step);
  SluiceComponent *from_component;
  const SluicePortSpec *out;

  if (from == NULL)
    {
      REPORT (v, ERROR, "missing-step", pointer,
              "input '%s' of step '%s' reads from step '%s', which does not exist",
              spec->name, sluice_step_get_id (step), binding->step);
      return;
    }

  g_hash_table_add (v->consumed, binding->step);

  if (!(from_component = g_hash_table_lookup (v->components, from)))
    return;   // its component problem is already reported

  if (!(out = sluice_component_find_output (from_component, binding->name)))
    {
      g_autofree char *names = list_port_names (sluice_component_get_outputs (from_component));

      REPORT (v, ERROR, "missing-step-output", pointer,
              "input '%s' of step '%s' reads output '%s' of step '%s', which has no such output "
              "(its outputs: %s)", spec->name, sluice_step_get_id (step), binding->name,
              binding->step, *names ? names : "none");
      return;
    }

  if (!sluice_port_type_is_compatible (out->type, spec->type))
    {
      g_autofree char *explain = sluice_port_type_explain_mismatch (out->type, spec->type);

      REPORT (v, ERROR, "type-mismatch", pointer,
              "output '%s' of step '%s' is %s but input '%s' of step '%s' expects %s: %s",
              out->name, binding->step, out->type, spec->name, sluice_step_get_id (step),
              spec->type, explain);
    }
}

static void
check_inputs (Validation      *v,
              SluiceStep      *step,
              SluiceComponent *component)
{
  GPtrArray *bindings = sluice_step_get_inputs (step);
  GPtrArray *specs = sluice_component_get_inputs (component);

  for (guint i = 0; i < bindings->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (bindings, i);
      const SluicePortSpec *spec = sluice_component_find_input (component, binding->port);
      g_autofree char *pointer = step_pointer (step, "inputs", binding->port);

      if (spec == NULL)
        {
          g_autofree char *names = list_port_names (specs);

          REPORT (v, ERROR, "unknown-port", pointer,
                  "step '%s' has no input '%s' (component '%s' has inputs: %s)",
                  sluice_step_get_id (step), binding->port, sluice_component_get_name (component),
                  *names ? names : "none");
          continue;
        }

      switch (binding->kind)
        {
        case SLUICE_BINDING_LITERAL:
          if (!binding->malformed)
            check_literal_input (v, step, spec, binding, pointer);
          break;
        case SLUICE_BINDING_PIPELINE_INPUT:
          check_pipeline_input_binding (v, step, spec, binding, pointer);
          break;
        case SLUICE_BINDING_STEP_OUTPUT:
          check_step_output_binding (v, step, spec, binding, pointer);
          break;
        case SLUICE_BINDING_PIPELINE_OUTPUT:
        default:
          REPORT (v, ERROR, "invalid-binding", pointer,
                  "input '%s' of step '%s' cannot read ${{parent.outputs.%s}}; bind it to a pipeline "
                  "input or a step output", spec->name, sluice_step_get_id (step), binding->name);
          break;
        }
    }

  for (guint i = 0; i < specs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (specs, i);
      g_autofree char *pointer = NULL;

      if (spec->optional || spec->default_value != NULL || sluice_step_get_input (step, spec->name))
        continue;

      pointer = step_pointer (step, bindings->len > 0 ? "inputs" : NULL, NULL);
      REPORT (v, ERROR, "missing-input", pointer, "step '%s' is missing required input '%s' (%s)",
              sluice_step_get_id (step), spec->name, spec->type);
    }
}

static void
check_output_binding (Validation           *v,
                      SluiceStep           *step,
                      const SluicePortSpec *spec,
                      const SluiceBinding  *binding,
                      const char           *pointer)
{
  const SluicePipelineIO *io;
  const char *previous;

  if (binding->kind == SLUICE_BINDING_LITERAL &&
      (binding->malformed || JSON_NODE_HOLDS_OBJECT (binding->literal)))
    return;   // reported on load, or output settings such as {"mode": "upload"}

  if (binding->kind != SLUICE_BINDING_PIPELINE_OUTPUT)
    {
      REPORT (v, ERROR, "invalid-binding", pointer,
              "output '%s' of step '%s' can only be bound to ${{parent.outputs.NAME}}",
              spec->name, sluice_step_get_id (step));
      return;
    }

  if (!(io = sluice_pipeline_find_output (v->pipeline, binding->name)))
    {
      REPORT (v, ERROR, "missing-pipeline-output", pointer,
              "output '%s' of step '%s' is bound to pipeline output '%s', which is not defined in /outputs",
              spec->name, sluice_step_get_id (step), binding->name);
      return;
    }

  if ((previous = g_hash_table_lookup (v->output_binders, io->name)) != NULL)
    {
      REPORT (v, ERROR, "output-bound-twice", pointer,
              "pipeline output '%s' is bound twice: by step '%s' and by step '%s'",
              io->name, previous, sluice_step_get_id (step));
      return;
    }
  g_hash_table_insert (v->output_binders, io->name, (gpointer) sluice_step_get_id (step));

  if (io->type != NULL && sluice_port_type_is_valid (io->type) &&
      !sluice_port_type_is_compatible (spec->type, io->type))
    {
      g_autofree char *explain = sluice_port_type_explain_mismatch (spec->type, io->type);

      REPORT (v, ERROR, "type-mismatch", pointer,
              "output '%s' of step '%s' is %s but pipeline output '%s' is %s: %s",
              spec->name, sluice_step_get_id (step), spec->type, io->name, io->type, explain);
    }
}

static void
check_outputs (Validation      *v,
               SluiceStep      *step,
               SluiceComponent *component)
{
  GPtrArray *bindings = sluice_step_get_outputs (step);

  for (guint i = 0; i < bindings->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (bindings, i);
      const SluicePortSpec *spec = sluice_component_find_output (component, binding->port);
      g_autofree char *pointer = step_pointer (step, "outputs", binding->port);

      if (spec == NULL)
        {
          g_autofree char *names = list_port_names (sluice_component_get_outputs (component));

          REPORT (v, ERROR, "unknown-port", pointer,
                  "step '%s' has no output '%s' (component '%s' has outputs: %s)",
                  sluice_step_get_id (step), binding->port, sluice_component_get_name (component),
                  *names ? names : "none");
          continue;
        }

      check_output_binding (v, step, spec, binding, pointer);
    }
}

static void
check_cycles (Validation *v)
{
  g_autoptr(GPtrArray) cycles = sluice_pipeline_find_cycles (v->pipeline);

  for (guint i = 0; i < cycles->len; i++)
    {
      GPtrArray *cycle = g_ptr_array_index (cycles, i);
      g_autoptr(GString) path = g_string_new (NULL);
      g_autofree char *pointer = step_pointer (g_ptr_array_index (cycle, 0), NULL, NULL);

      for (guint j = 0; j < cycle->len; j++)
        g_string_append_printf (path, "%s → ", sluice_step_get_id (g_ptr_array_index (cycle, j)));
      g_string_append (path, sluice_step_get_id (g_ptr_array_index (cycle, 0)));

      REPORT (v, ERROR, "cycle", pointer, "steps form a cycle, so none of them can ever start: %s", path->str);
    }
}

static void
check_pipeline_inputs (Validation *v)
{
  GPtrArray *inputs = sluice_pipeline_get_inputs (v->pipeline);

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (inputs, i);
      g_autofree char *pointer = sluice_json_pointer_append ("/inputs", io->name);
      g_autofree char *why = NULL;

      if (!g_hash_table_contains (v->used_inputs, io->name))
        REPORT (v, WARNING, "unused-pipeline-input", pointer,
                "pipeline input '%s' is not used by any step", io->name);

      if (io->value == NULL || io->type == NULL || !sluice_port_type_is_valid (io->type))
        continue;

      if (!sluice_port_type_accepts_literal (io->type, io->value, &why))
        REPORT (v, ERROR, "invalid-value", pointer, "pipeline input '%s': %s", io->name, why);
      else if (!sluice_port_type_is_parameter (io->type))
        {
          const char *path = json_node_get_string (io->value);
          g_autofree char *full = g_path_is_absolute (path) ? g_strdup (path)
                                                            : g_build_filename (v->base_dir, path, NULL);

          if (!g_file_test (full, G_FILE_TEST_EXISTS))
            REPORT (v, WARNING, "missing-file", pointer, "pipeline input '%s': '%s' does not exist",
                    io->name, path);
        }
    }
}

// "compute_limits": {"COMPUTE": N}, at most N steps at once on that compute.
static void
check_compute_limits (Validation *v)
{
  JsonNode *limits = json_object_get_member (sluice_pipeline_get_settings (v->pipeline)->extra, "compute_limits");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (limits == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (limits))
    {
      REPORT (v, ERROR, "invalid-policy", "/settings/compute_limits",
              "'compute_limits' must map compute names to the number of steps that may run on each at once");
      return;
    }

  json_object_iter_init_ordered (&iter, json_node_get_object (limits));
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64 ||
        json_node_get_int (value) < 1)
      {
        g_autofree char *pointer = sluice_json_pointer_append ("/settings/compute_limits", name);

        REPORT (v, ERROR, "invalid-policy", pointer, "the limit for compute '%s' must be a whole number of at least 1", name);
      }
}

static void
check_pipeline_outputs (Validation *v)
{
  GPtrArray *outputs = sluice_pipeline_get_outputs (v->pipeline);

  for (guint i = 0; i < outputs->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (outputs, i);
      g_autofree char *pointer = NULL;

      if (g_hash_table_contains (v->output_binders, io->name))
        continue;
      pointer = sluice_json_pointer_append ("/outputs", io->name);
      REPORT (v, ERROR, "unbound-pipeline-output", pointer,
              "pipeline output '%s' is not produced by any step", io->name);
    }
}

// Connections come from the bindings alone, so a step whose component
// could not be found does not make its neighbours look isolated too.
static void
find_connected_steps (Validation *v)
{
  GPtrArray *steps = sluice_pipeline_get_steps (v->pipeline);

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      GPtrArray *inputs = sluice_step_get_inputs (step);
      GPtrArray *outputs = sluice_step_get_outputs (step);

      for (guint j = 0; j < inputs->len; j++)
        {
          const SluiceBinding *binding = g_ptr_array_index (inputs, j);
          SluiceStep *from;

          if (binding->kind != SLUICE_BINDING_STEP_OUTPUT ||
              !(from = sluice_pipeline_find_step (v->pipeline, binding->step)))
            continue;
          g_hash_table_add (v->connected, from);
          g_hash_table_add (v->connected, step);
        }

      for (guint j = 0; j < outputs->len; j++)
        if (((SluiceBinding *) g_ptr_array_index (outputs, j))->kind == SLUICE_BINDING_PIPELINE_OUTPUT)
          g_hash_table_add (v->connected, step);
    }
}

static void
check_isolated_steps (Validation *v)
{
  GPtrArray *steps = sluice_pipeline_get_steps (v->pipeline);

  if (steps->len < 2)
    return;

  find_connected_steps (v);

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      g_autofree char *pointer = NULL;

      if (g_hash_table_contains (v->connected, step))
        continue;
      pointer = step_pointer (step, NULL, NULL);
      REPORT (v, WARNING, "isolated-step", pointer,
              "step '%s' is not connected to any other step or pipeline output", sluice_step_get_id (step));
    }
}

// Only when there is truly nothing: a "jobs" that failed to load has its
// own problem already.
static gboolean
jobs_are_empty (SluicePipeline *pipeline)
{
  SluiceJsonDoc *doc = _sluice_pipeline_get_doc (pipeline);
  JsonNode *jobs;

  if (sluice_pipeline_get_steps (pipeline)->len > 0)
    return FALSE;
  if (doc == NULL)
    return TRUE;
  jobs = sluice_json_pointer_resolve (sluice_json_doc_get_root (doc), "/jobs");
  return jobs == NULL || (JSON_NODE_HOLDS_OBJECT (jobs) && json_object_get_size (json_node_get_object (jobs)) == 0);
}

static gboolean
stop_after_load (SluicePipeline *pipeline)
{
  GPtrArray *problems = sluice_pipeline_get_load_problems (pipeline);

  for (guint i = 0; i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);

      // Nothing else is meaningful when the file is not a pipeline at all or
      // is in a format this Sluice does not understand.
      if (g_str_equal (problem->code, "unsupported-version") ||
          (g_str_equal (problem->code, "wrong-type") && problem->pointer[0] == '\0'))
        return TRUE;
    }

  return FALSE;
}

GPtrArray *
sluice_pipeline_validate (SluicePipeline          *pipeline,
                          SluiceComponentRegistry *registry)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  GPtrArray *load_problems;
  GPtrArray *steps;
  Validation v = { 0 };

  g_return_val_if_fail (SLUICE_IS_PIPELINE (pipeline), problems);
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (registry), problems);

  load_problems = sluice_pipeline_get_load_problems (pipeline);
  for (guint i = 0; i < load_problems->len; i++)
    g_ptr_array_add (problems, sluice_problem_copy (g_ptr_array_index (load_problems, i)));
  if (stop_after_load (pipeline))
    return problems;

  v.pipeline = pipeline;
  v.registry = registry;
  v.ctx.problems = problems;
  v.ctx.doc = _sluice_pipeline_get_doc (pipeline);
  v.ctx.file = sluice_pipeline_get_file (pipeline);
  v.base_dir = sluice_pipeline_dup_base_dir (pipeline);
  v.components = g_hash_table_new (NULL, NULL);
  v.reported_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  v.used_inputs = g_hash_table_new (g_str_hash, g_str_equal);
  v.output_binders = g_hash_table_new (g_str_hash, g_str_equal);
  v.consumed = g_hash_table_new (g_str_hash, g_str_equal);
  v.connected = g_hash_table_new (NULL, NULL);

  steps = sluice_pipeline_get_steps (pipeline);
  if (jobs_are_empty (pipeline))
    REPORT (&v, ERROR, "empty-pipeline", "/jobs", "the pipeline has no steps");

  resolve_components (&v);
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      SluiceComponent *component = g_hash_table_lookup (v.components, step);

      check_step_id (&v, step);
      check_step_policy (&v, step);
      if (component == NULL)
        continue;
      check_inputs (&v, step, component);
      check_outputs (&v, step, component);
    }

  check_cycles (&v);
  check_pipeline_inputs (&v);
  check_pipeline_outputs (&v);
  check_compute_limits (&v);
  check_isolated_steps (&v);

  g_free (v.base_dir);
  g_hash_table_unref (v.components);
  g_hash_table_unref (v.reported_files);
  g_hash_table_unref (v.used_inputs);
  g_hash_table_unref (v.output_binders);
  g_hash_table_unref (v.consumed);
  g_hash_table_unref (v.connected);

  sluice_problems_sort (problems);
  return problems;
}

gboolean
sluice_file_is_component (const char *path)
{
  return g_str_has_suffix (path, ".component.json");
}

static GPtrArray *
validate_component_file (const char *path)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  g_autoptr(SluiceComponent) component = sluice_component_load_file (path, problems);

  return problems;
}

// Validates a pipeline or (by its .component.json name) a component file.
// Unreadable and malformed files become problems too, with line:column.
GPtrArray *
sluice_validate_file (const char              *path,
                      SluiceComponentRegistry *registry)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  g_autoptr(SluiceJsonDoc) doc = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  SluiceLoadContext ctx = { problems, NULL, path };
  guint line = 0, column = 0;
  gsize length = 0;

  if (sluice_file_is_component (path))
    return validate_component_file (path);

  if (!(contents = sluice_file_read (path, &length, &error)))
    {
      _sluice_report_parse_error (&ctx, error, 0, 0);
      return g_steal_pointer (&problems);
    }

  if (!(doc = sluice_json_doc_parse (contents, length, &line, &column, &error)))
    {
      _sluice_report_parse_error (&ctx, error, line, column);
      return g_steal_pointer (&problems);
    }

  pipeline = _sluice_pipeline_load_doc (doc, path);
  return sluice_pipeline_validate (pipeline, registry);
}
