// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-pipeline-rebase.h"
#include "sluice-port-type.h"

char *
sluice_path_relative_to (const char *target,
                         const char *dir)
{
  g_autofree char *clean_target = g_canonicalize_filename (target, "/");
  g_autofree char *clean_dir = g_canonicalize_filename (dir, "/");
  g_auto(GStrv) t = g_strsplit (clean_target + 1, "/", -1);
  g_auto(GStrv) d = g_strsplit (clean_dir + 1, "/", -1);
  g_autoptr(GString) result = g_string_new (NULL);
  guint common = 0;

  g_return_val_if_fail (g_path_is_absolute (target) && g_path_is_absolute (dir), NULL);

  // "/" splits into one empty part: no parts at all.
  if (g_str_equal (clean_dir, "/"))
    {
      g_strfreev (d);
      d = g_new0 (char *, 1);
    }
  while (t[common] != NULL && d[common] != NULL && g_str_equal (t[common], d[common]))
    common++;
  if (common == 0 && d[0] != NULL)
    return NULL;

  for (guint i = common; d[i] != NULL; i++)
    g_string_append (result, "../");
  for (guint i = common; t[i] != NULL; i++)
    {
      g_string_append (result, t[i]);
      if (t[i + 1] != NULL)
        g_string_append_c (result, '/');
    }
  if (result->len == 0)
    g_string_append_c (result, '.');
  else if (result->str[result->len - 1] == '/')
    g_string_truncate (result, result->len - 1);
  return g_string_free (g_steal_pointer (&result), FALSE);
}

// The same place seen from to_dir, or NULL when path needs no change.
static char *
moved_path (const char *path,
            const char *from_dir,
            const char *to_dir)
{
  g_autofree char *target = NULL;
  char *relative;

  if (path == NULL || *path == '\0' || g_path_is_absolute (path) || strstr (path, "${{") != NULL)
    return NULL;

  target = g_build_filename (from_dir, path, NULL);
  relative = sluice_path_relative_to (target, to_dir);
  if (relative == NULL)
    return g_canonicalize_filename (target, "/");
  if (g_str_equal (relative, path))
    g_clear_pointer (&relative, g_free);
  return relative;
}

static gboolean
rebase_string_node (JsonNode   *node,
                    const char *from_dir,
                    const char *to_dir)
{
  g_autofree char *moved = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  if (!(moved = moved_path (json_node_get_string (node), from_dir, to_dir)))
    return FALSE;
  json_node_set_string (node, moved);
  return TRUE;
}

static guint
rebase_pipeline_inputs (SluicePipeline *pipeline,
                        const char     *from_dir,
                        const char     *to_dir)
{
  GPtrArray *inputs = sluice_pipeline_get_inputs (pipeline);
  guint changed = 0;

  for (guint i = 0; i < inputs->len; i++)
    {
      SluicePipelineIO *io = g_ptr_array_index (inputs, i);

      if (io->type != NULL && sluice_port_type_is_valid (io->type) && !sluice_port_type_is_parameter (io->type) &&
          rebase_string_node (io->value, from_dir, to_dir))
        changed++;
    }
  return changed;
}

static guint
rebase_step_inputs (SluiceStep      *step,
                    SluiceComponent *component,
                    const char      *from_dir,
                    const char      *to_dir)
{
  GPtrArray *bindings = sluice_step_get_inputs (step);
  guint changed = 0;

  for (guint i = 0; component != NULL && i < bindings->len; i++)
    {
      SluiceBinding *binding = g_ptr_array_index (bindings, i);
      const SluicePortSpec *spec = sluice_component_find_input (component, binding->port);

      if (binding->kind == SLUICE_BINDING_LITERAL && spec != NULL &&
          !sluice_port_type_is_parameter (spec->type) &&
          rebase_string_node (binding->literal, from_dir, to_dir))
        changed++;
    }
  return changed;
}

static guint
rebase_steps (SluicePipeline          *pipeline,
              SluiceComponentRegistry *registry,
              const char              *from_dir,
              const char              *to_dir)
{
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);
  guint changed = 0;

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      const char *ref = sluice_step_get_component_ref (step);
      g_autofree char *error_message = NULL;
      g_autofree char *moved = NULL;
      SluiceComponent *component;

      // Resolved from where the file was, before its reference moves.
      component = ref ? sluice_component_registry_resolve (registry, ref, from_dir, &error_message) : NULL;
      changed += rebase_step_inputs (step, component, from_dir, to_dir);

      if (ref != NULL && g_str_has_prefix (ref, "file:") &&
          (moved = moved_path (ref + strlen ("file:"), from_dir, to_dir)) != NULL)
        {
          g_autofree char *new_ref = g_strconcat ("file:", moved, NULL);

          sluice_step_set_component_ref (step, new_ref);
          changed++;
        }
    }
  return changed;
}

guint
sluice_pipeline_rebase (SluicePipeline          *pipeline,
                        SluiceComponentRegistry *registry,
                        const char              *from_dir,
                        const char              *to_dir)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (pipeline), 0);
  g_return_val_if_fail (from_dir != NULL && g_path_is_absolute (from_dir), 0);
  g_return_val_if_fail (to_dir != NULL && g_path_is_absolute (to_dir), 0);

  return rebase_pipeline_inputs (pipeline, from_dir, to_dir) +
         rebase_steps (pipeline, registry, from_dir, to_dir);
}
