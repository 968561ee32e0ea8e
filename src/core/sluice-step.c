// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-port-type.h"
#include "sluice-step.h"

struct _SluiceStep
{
  GObject     parent_instance;

  char       *id;
  char       *component_ref;
  char       *display_name;
  char       *description;
  char       *compute;
  GPtrArray  *inputs;    // SluiceBinding*, in file order
  GPtrArray  *outputs;   // SluiceBinding*
  JsonObject *extra;     // keys Sluice does not know, kept for saving
};

G_DEFINE_FINAL_TYPE (SluiceStep, sluice_step, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_COMPONENT_REF,
  PROP_DISPLAY_NAME,
  PROP_DESCRIPTION,
  PROP_COMPUTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SluiceBinding *
sluice_binding_new_literal (const char *port,
                            JsonNode   *value)
{
  SluiceBinding *binding = g_new0 (SluiceBinding, 1);

  binding->port = g_strdup (port);
  binding->kind = SLUICE_BINDING_LITERAL;
  binding->literal = json_node_copy (value);
  return binding;
}

SluiceBinding *
sluice_binding_new_reference (const char        *port,
                              SluiceBindingKind  kind,
                              const char        *step,
                              const char        *name)
{
  SluiceBinding *binding = g_new0 (SluiceBinding, 1);

  g_return_val_if_fail (kind != SLUICE_BINDING_LITERAL, NULL);

  binding->port = g_strdup (port);
  binding->kind = kind;
  binding->step = g_strdup (step);
  binding->name = g_strdup (name);
  return binding;
}

void
sluice_binding_free (SluiceBinding *binding)
{
  if (binding == NULL)
    return;

  g_free (binding->port);
  g_clear_pointer (&binding->literal, json_node_unref);
  g_free (binding->step);
  g_free (binding->name);
  g_free (binding);
}

// Splits "a.b.c" inside ${{ }} into its dotted parts; NULL if the string is
// not a single placeholder.
static char **
placeholder_parts (const char *text)
{
  g_autofree char *inner = NULL;
  gsize len = strlen (text);

  if (!g_str_has_prefix (text, "${{") || len < 5 || !g_str_has_suffix (text, "}}"))
    return NULL;

  inner = g_strstrip (g_strndup (text + 3, len - 5));
  return g_strsplit (inner, ".", -1);
}

SluiceBinding *
sluice_binding_parse (const char  *port,
                      JsonNode    *node,
                      char       **error_message)
{
  g_auto(GStrv) parts = NULL;
  const char *text;
  SluiceBinding *binding = NULL;
  guint n;

  // Only "${{parent." starts a binding; any other text, "${{" included, is a
  // value (validation points out the ones that look like a mistake).
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      strstr (json_node_get_string (node), "${{parent.") == NULL)
    return sluice_binding_new_literal (port, node);

  text = json_node_get_string (node);
  parts = placeholder_parts (text);
  n = parts ? g_strv_length (parts) : 0;

  if (n == 3 && g_str_equal (parts[0], "parent") && g_str_equal (parts[1], "inputs"))
    binding = sluice_binding_new_reference (port, SLUICE_BINDING_PIPELINE_INPUT, NULL, parts[2]);
  else if (n == 3 && g_str_equal (parts[0], "parent") && g_str_equal (parts[1], "outputs"))
    binding = sluice_binding_new_reference (port, SLUICE_BINDING_PIPELINE_OUTPUT, NULL, parts[2]);
  else if (n == 5 && g_str_equal (parts[0], "parent") && g_str_equal (parts[1], "jobs") &&
           g_str_equal (parts[3], "outputs"))
    binding = sluice_binding_new_reference (port, SLUICE_BINDING_STEP_OUTPUT, parts[2], parts[4]);

  if (binding == NULL)
    {
      if (error_message != NULL)
        *error_message = g_strdup_printf ("'%s' is not a binding Sluice understands; use "
                                          "${{parent.inputs.NAME}}, ${{parent.jobs.STEP.outputs.NAME}} "
                                          "or ${{parent.outputs.NAME}}", text);
      return NULL;
    }

  binding->literal = json_node_copy (node);
  return binding;
}

JsonNode *
sluice_binding_to_node (const SluiceBinding *binding)
{
  g_autofree char *text = NULL;
  JsonNode *node;

  switch (binding->kind)
    {
    case SLUICE_BINDING_LITERAL:
      return json_node_copy (binding->literal);
    case SLUICE_BINDING_PIPELINE_INPUT:
      text = g_strdup_printf ("${{parent.inputs.%s}}", binding->name);
      break;
    case SLUICE_BINDING_PIPELINE_OUTPUT:
      text = g_strdup_printf ("${{parent.outputs.%s}}", binding->name);
      break;
    case SLUICE_BINDING_STEP_OUTPUT:
      text = g_strdup_printf ("${{parent.jobs.%s.outputs.%s}}", binding->step, binding->name);
      break;
    default:
      g_assert_not_reached ();
    }

  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return node;
}

static void
sluice_step_finalize (GObject *object)
{
  SluiceStep *self = (SluiceStep *)object;

  g_free (self->id);
  g_free (self->component_ref);
  g_free (self->display_name);
  g_free (self->description);
  g_free (self->compute);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_clear_pointer (&self->extra, json_object_unref);

  G_OBJECT_CLASS (sluice_step_parent_class)->finalize (object);
}

static void
sluice_step_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SluiceStep *self = SLUICE_STEP (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_COMPONENT_REF:
      g_value_set_string (value, self->component_ref);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_COMPUTE:
      g_value_set_string (value, self->compute);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_step_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SluiceStep *self = SLUICE_STEP (object);

  switch (prop_id)
    {
    case PROP_ID:
      sluice_step_set_id (self, g_value_get_string (value));
      break;
    case PROP_COMPONENT_REF:
      sluice_step_set_component_ref (self, g_value_get_string (value));
      break;
    case PROP_DISPLAY_NAME:
      sluice_step_set_display_name (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      sluice_step_set_description (self, g_value_get_string (value));
      break;
    case PROP_COMPUTE:
      sluice_step_set_compute (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_step_class_init (SluiceStepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sluice_step_finalize;
  object_class->get_property = sluice_step_get_property;
  object_class->set_property = sluice_step_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_COMPONENT_REF] = g_param_spec_string ("component-ref", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_COMPUTE] = g_param_spec_string ("compute", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sluice_step_init (SluiceStep *self)
{
  self->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_binding_free);
  self->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_binding_free);
  self->extra = json_object_new ();
}

SluiceStep *
sluice_step_new (const char *id,
                 const char *component_ref)
{
  return g_object_new (SLUICE_TYPE_STEP, "id", id, "component-ref", component_ref, NULL);
}

static void
set_string (SluiceStep  *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
sluice_step_get_id (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->id;
}

void
sluice_step_set_id (SluiceStep *self,
                    const char *id)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  set_string (self, &self->id, id, PROP_ID);
}

const char *
sluice_step_get_component_ref (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->component_ref;
}

void
sluice_step_set_component_ref (SluiceStep *self,
                               const char *component_ref)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  set_string (self, &self->component_ref, component_ref, PROP_COMPONENT_REF);
}

const char *
sluice_step_get_display_name (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->display_name;
}

void
sluice_step_set_display_name (SluiceStep *self,
                              const char *display_name)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  set_string (self, &self->display_name, display_name, PROP_DISPLAY_NAME);
}

const char *
sluice_step_get_description (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->description;
}

void
sluice_step_set_description (SluiceStep *self,
                             const char *description)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  set_string (self, &self->description, description, PROP_DESCRIPTION);
}

const char *
sluice_step_get_compute (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->compute;
}

void
sluice_step_set_compute (SluiceStep *self,
                         const char *compute)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  set_string (self, &self->compute, compute, PROP_COMPUTE);
}

GPtrArray *
sluice_step_get_inputs (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->inputs;
}

GPtrArray *
sluice_step_get_outputs (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->outputs;
}

static gint
find_binding (GPtrArray  *bindings,
              const char *port)
{
  for (guint i = 0; i < bindings->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (bindings, i);

      if (g_str_equal (binding->port, port))
        return (gint) i;
    }

  return -1;
}

const SluiceBinding *
sluice_step_get_input (SluiceStep *self,
                       const char *port)
{
  gint i;

  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  i = find_binding (self->inputs, port);
  return i < 0 ? NULL : g_ptr_array_index (self->inputs, i);
}

const SluiceBinding *
sluice_step_get_output (SluiceStep *self,
                        const char *port)
{
  gint i;

  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  i = find_binding (self->outputs, port);
  return i < 0 ? NULL : g_ptr_array_index (self->outputs, i);
}

// Takes the binding. An input holds one binding: a new one replaces the old
// one in place, so the file keeps its order.
static void
put_binding (GPtrArray     *bindings,
             SluiceBinding *binding)
{
  gint i = find_binding (bindings, binding->port);

  if (i < 0)
    g_ptr_array_add (bindings, binding);
  else
    {
      sluice_binding_free (g_ptr_array_index (bindings, i));
      g_ptr_array_index (bindings, i) = binding;
    }
}

void
sluice_step_set_input (SluiceStep    *self,
                       SluiceBinding *binding)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  put_binding (self->inputs, binding);
}

void
sluice_step_set_output (SluiceStep    *self,
                        SluiceBinding *binding)
{
  g_return_if_fail (SLUICE_IS_STEP (self));
  put_binding (self->outputs, binding);
}

gboolean
sluice_step_unset_input (SluiceStep *self,
                         const char *port)
{
  gint i;

  g_return_val_if_fail (SLUICE_IS_STEP (self), FALSE);
  if ((i = find_binding (self->inputs, port)) < 0)
    return FALSE;
  g_ptr_array_remove_index (self->inputs, (guint) i);
  return TRUE;
}

JsonObject *
sluice_step_get_extra (SluiceStep *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP (self), NULL);
  return self->extra;
}
