// SPDX-License-Identifier: GPL-3.0-or-later
//
// A component file mirrors the Azure ML v2 command component in JSON, so
// importing Azure YAML is only a change of syntax.

#include "config.h"

#include <math.h>
#include <string.h>

#include "sluice-component.h"
#include "sluice-error.h"
#include "sluice-load-private.h"
#include "sluice-port-type.h"

struct _SluiceComponent
{
  GObject          parent_instance;

  char            *file;
  char            *name;
  char            *version;
  char            *display_name;
  char            *description;
  char            *category;
  char           **tags;
  gboolean         is_deterministic;
  char            *command;
  SluiceTemplate  *template;
  char            *code_dir;
  char           **code_files;   // NULL: the whole code folder
  JsonNode        *environment;
  JsonNode        *resources;
  GPtrArray       *inputs;       // SluicePortSpec*
  GPtrArray       *outputs;      // SluicePortSpec*
  JsonNode        *root;         // as loaded, for canonical rewriting
  gboolean         valid;
};

G_DEFINE_FINAL_TYPE (SluiceComponent, sluice_component, G_TYPE_OBJECT)

static const char * const component_keys[] = {
  "$schema", "type", "name", "version", "display_name", "description", "category", "tags",
  "is_deterministic", "inputs", "outputs", "command", "code", "code_files", "environment", "resources", NULL,
};

static const char * const port_keys[] = {
  "type", "description", "default", "optional", "min", "max", "enum", "mode", NULL,
};

static void
port_spec_free (gpointer data)
{
  SluicePortSpec *spec = data;

  g_free (spec->name);
  g_free (spec->type);
  g_free (spec->description);
  g_clear_pointer (&spec->default_value, json_node_unref);
  g_strfreev (spec->enum_values);
  g_free (spec);
}

static void
sluice_component_finalize (GObject *object)
{
  SluiceComponent *self = (SluiceComponent *)object;

  g_free (self->file);
  g_free (self->name);
  g_free (self->version);
  g_free (self->display_name);
  g_free (self->description);
  g_free (self->category);
  g_strfreev (self->tags);
  g_free (self->command);
  g_clear_pointer (&self->template, sluice_template_free);
  g_free (self->code_dir);
  g_strfreev (self->code_files);
  g_clear_pointer (&self->environment, json_node_unref);
  g_clear_pointer (&self->resources, json_node_unref);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_clear_pointer (&self->root, json_node_unref);

  G_OBJECT_CLASS (sluice_component_parent_class)->finalize (object);
}

static void
sluice_component_class_init (SluiceComponentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_component_finalize;
}

static void
sluice_component_init (SluiceComponent *self)
{
  self->is_deterministic = TRUE;
  self->inputs = g_ptr_array_new_with_free_func (port_spec_free);
  self->outputs = g_ptr_array_new_with_free_func (port_spec_free);
}

static char *
format_number (double value)
{
  GString *s = g_string_new (NULL);

  if (value == floor (value) && fabs (value) < 1e15)
    g_string_append_printf (s, "%.0f", value);
  else
    sluice_json_write_double (s, value);
  return g_string_free (s, FALSE);
}

// Does a value fit the port: its type, its range, its list of choices?
// Shared by component defaults and step literals.
gboolean
sluice_component_check_value (const SluicePortSpec  *spec,
                              JsonNode              *value,
                              char                 **why)
{
  double v;

  if (!sluice_port_type_accepts_literal (spec->type, value, why))
    return FALSE;

  if (sluice_json_node_get_number (value, &v))
    {
      if ((spec->has_min && v < spec->min) || (spec->has_max && v > spec->max))
        {
          g_autofree char *shown = format_number (v);
          g_autofree char *lo = spec->has_min ? format_number (spec->min) : g_strdup ("-∞");
          g_autofree char *hi = spec->has_max ? format_number (spec->max) : g_strdup ("∞");

          if (why != NULL)
            *why = g_strdup_printf ("%s is out of range [%s, %s]", shown, lo, hi);
          return FALSE;
        }
    }

  if (spec->enum_values != NULL &&
      !g_strv_contains ((const char * const *) spec->enum_values, json_node_get_string (value)))
    {
      if (why != NULL)
        {
          g_autofree char *choices = g_strjoinv ("', '", spec->enum_values);

          *why = g_strdup_printf ("'%s' is not one of '%s'", json_node_get_string (value), choices);
        }
      return FALSE;
    }

  return TRUE;
}

static void
load_bound (SluiceLoadContext *ctx,
            JsonObject        *object,
            const char        *pointer,
            const char        *key,
            SluicePortSpec    *spec,
            gboolean          *has,
            double            *bound)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autofree char *member_pointer = sluice_json_pointer_append (pointer, key);

  if (node == NULL)
    return;

  if (!g_str_equal (spec->type, "integer") && !g_str_equal (spec->type, "number"))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-port", member_pointer,
                    "'%s' only applies to integer and number ports, not %s", key, spec->type);
  else if (!sluice_json_node_get_number (node, bound))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", member_pointer, "'%s' must be a number", key);
  else
    *has = TRUE;
}

static void
load_enum (SluiceLoadContext *ctx,
           JsonObject        *object,
           const char        *pointer,
           SluicePortSpec    *spec)
{
  JsonNode *node = json_object_get_member (object, "enum");
  g_autofree char *enum_pointer = sluice_json_pointer_append (pointer, "enum");
  g_autoptr(GStrvBuilder) values = NULL;
  JsonArray *array;

  if (node == NULL)
    return;

  if (!g_str_equal (spec->type, "string"))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-port", enum_pointer,
                      "'enum' only applies to string ports, not %s", spec->type);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) == 0)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", enum_pointer,
                      "'enum' must be a non-empty list of strings");
      return;
    }

  values = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          char index[16];
          g_autofree char *element_pointer = NULL;

          g_snprintf (index, sizeof index, "%u", i);
          element_pointer = sluice_json_pointer_append (enum_pointer, index);
          _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", element_pointer,
                          "'enum' must be a list of strings");
          return;
        }
      g_strv_builder_add (values, json_node_get_string (element));
    }

  spec->enum_values = g_strv_builder_end (values);
}

static void
check_default (SluiceLoadContext *ctx,
               const char        *pointer,
               SluicePortSpec    *spec)
{
  g_autofree char *default_pointer = sluice_json_pointer_append (pointer, "default");
  g_autofree char *why = NULL;

  if (spec->default_value == NULL)
    return;

  if (!sluice_port_type_is_parameter (spec->type))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-port", default_pointer,
                    "only integer, number, string and boolean inputs can have a default, not %s",
                    spec->type);
  else if (!sluice_component_check_value (spec, spec->default_value, &why))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-default", default_pointer,
                    "default of '%s': %s", spec->name, why);
}

static SluicePortSpec *
load_port (SluiceLoadContext *ctx,
           const char        *name,
           JsonNode          *node,
           const char        *pointer,
           gboolean           is_input)
{
  g_autoptr(GPtrArray) keep = NULL;
  SluicePortSpec *spec;
  JsonObject *object;
  const char *type;

  if (!sluice_name_is_valid (name))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-name", pointer,
                    "port name '%s' must start with a lowercase letter and use only a-z, 0-9 and _",
                    name);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer,
                      "port '%s' must be an object with at least a 'type'", name);
      return NULL;
    }

  object = json_node_get_object (node);
  _sluice_warn_unknown_keys (ctx, object, pointer, port_keys);
  if (!(type = _sluice_get_string (ctx, object, pointer, "type", TRUE)))
    return NULL;

  if (!sluice_port_type_is_valid (type))
    {
      g_autofree char *type_pointer = sluice_json_pointer_append (pointer, "type");

      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "unknown-type", type_pointer,
                      "unknown port type '%s' (use uri_file, uri_folder, mltable, mlflow_model, "
                      "custom_model, integer, number, string, boolean, or namespace:name)", type);
      return NULL;
    }

  spec = g_new0 (SluicePortSpec, 1);
  spec->name = g_strdup (name);
  spec->type = g_strdup (type);
  spec->description = g_strdup (_sluice_get_string (ctx, object, pointer, "description", FALSE));

  if (is_input)
    {
      JsonNode *default_node = json_object_get_member (object, "default");

      spec->optional = _sluice_get_boolean (ctx, object, pointer, "optional", FALSE);
      spec->default_value = default_node ? json_node_copy (default_node) : NULL;
      load_bound (ctx, object, pointer, "min", spec, &spec->has_min, &spec->min);
      load_bound (ctx, object, pointer, "max", spec, &spec->has_max, &spec->max);
      load_enum (ctx, object, pointer, spec);
      if (spec->has_min && spec->has_max && spec->min > spec->max)
        _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-port", pointer,
                        "'min' is greater than 'max' for '%s'", name);
      check_default (ctx, pointer, spec);
    }
  else
    {
      static const char * const output_only[] = { "default", "optional", "min", "max", "enum" };

      for (guint i = 0; i < G_N_ELEMENTS (output_only); i++)
        if (json_object_has_member (object, output_only[i]))
          {
            g_autofree char *key_pointer = sluice_json_pointer_append (pointer, output_only[i]);

            _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-port", key_pointer,
                            "outputs cannot have '%s'", output_only[i]);
          }
    }

  return spec;
}

static void
load_ports (SluiceLoadContext *ctx,
            JsonObject        *root,
            const char        *key,
            GPtrArray         *ports)
{
  g_autofree char *pointer = sluice_json_pointer_append ("", key);
  JsonObject *map = _sluice_get_object (ctx, root, "", key, FALSE);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (map == NULL)
    return;

  json_object_iter_init_ordered (&iter, map);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      g_autofree char *port_pointer = sluice_json_pointer_append (pointer, name);
      SluicePortSpec *spec = load_port (ctx, name, node, port_pointer, g_str_equal (key, "inputs"));

      if (spec != NULL)
        g_ptr_array_add (ports, spec);
    }
}

static const SluicePortSpec *
find_port (GPtrArray  *ports,
           const char *name)
{
  for (guint i = 0; i < ports->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (ports, i);

      if (g_str_equal (spec->name, name))
        return spec;
    }

  return NULL;
}

static void
check_names_unique (SluiceLoadContext *ctx,
                    SluiceComponent   *self)
{
  for (guint i = 0; i < self->outputs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (self->outputs, i);
      g_autofree char *pointer = NULL;

      if (find_port (self->inputs, spec->name) == NULL)
        continue;
      pointer = g_strdup_printf ("/outputs/%s", spec->name);
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "duplicate-port", pointer,
                      "'%s' is both an input and an output", spec->name);
    }
}

static void
check_template_refs (SluiceLoadContext *ctx,
                     SluiceComponent   *self)
{
  GArray *refs = sluice_template_get_refs (self->template);
  GPtrArray *lists[] = { self->inputs, self->outputs };

  for (guint i = 0; i < refs->len; i++)
    {
      const SluiceTemplateRef *ref = &g_array_index (refs, SluiceTemplateRef, i);
      const char *kind = ref->kind == SLUICE_TEMPLATE_INPUT ? "inputs" : "outputs";
      const SluicePortSpec *spec = find_port (ref->kind == SLUICE_TEMPLATE_INPUT ? self->inputs : self->outputs,
                                              ref->name);

      if (spec == NULL)
        _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "unknown-port", "/command",
                        "command uses ${{%s.%s}} but the component has no such %s",
                        kind, ref->name, ref->kind == SLUICE_TEMPLATE_INPUT ? "input" : "output");
      else if (spec->optional && spec->default_value == NULL && !ref->in_optional_group)
        _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "optional-outside-group", "/command",
                        "optional input '%s' must be used inside an optional group $[[ … ]]",
                        ref->name);
    }

  // A port the command never mentions cannot receive or deliver anything.
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const SluicePortSpec *spec = g_ptr_array_index (lists[l], i);
        gboolean used = FALSE;
        g_autofree char *pointer = NULL;

        for (guint j = 0; j < refs->len && !used; j++)
          {
            const SluiceTemplateRef *ref = &g_array_index (refs, SluiceTemplateRef, j);

            used = (ref->kind == SLUICE_TEMPLATE_INPUT) == (l == 0) && g_str_equal (ref->name, spec->name);
          }
        if (used)
          continue;
        pointer = g_strdup_printf ("/%s/%s", l == 0 ? "inputs" : "outputs", spec->name);
        _sluice_report (ctx, SLUICE_SEVERITY_WARNING, "unused-port", pointer,
                        "%s '%s' is not used by the command", l == 0 ? "input" : "output", spec->name);
      }
}

static void
load_command (SluiceLoadContext *ctx,
              SluiceComponent   *self,
              JsonObject        *root)
{
  g_autoptr(GError) error = NULL;
  const char *command = _sluice_get_string (ctx, root, "", "command", TRUE);

  if (command == NULL)
    return;

  self->command = g_strdup (command);
  self->template = sluice_template_parse (command, &error);
  if (self->template == NULL)
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-command", "/command", "%s", error->message);
  else
    check_template_refs (ctx, self);
}

static void
load_code (SluiceLoadContext *ctx,
           SluiceComponent   *self,
           JsonObject        *root)
{
  const char *code = _sluice_get_string (ctx, root, "", "code", FALSE);
  g_autofree char *base = NULL;
  g_autofree char *joined = NULL;

  if (code == NULL)
    return;

  base = self->file ? g_path_get_dirname (self->file) : g_get_current_dir ();
  joined = g_path_is_absolute (code) ? g_strdup (code) : g_build_filename (base, code, NULL);
  self->code_dir = g_canonicalize_filename (joined, NULL);

  if (!g_file_test (self->code_dir, G_FILE_TEST_IS_DIR))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "missing-code", "/code",
                    "code folder '%s' does not exist", code);
}

// One entry of "code_files": a file or folder inside the code folder.
static gboolean
check_code_file (SluiceLoadContext *ctx,
                 SluiceComponent   *self,
                 const char        *path,
                 guint              index)
{
  g_autofree char *pointer = g_strdup_printf ("/code_files/%u", index);
  g_autofree char *full = NULL;
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  if (*path == '\0' || g_path_is_absolute (path))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-code-file", pointer,
                      "'%s' must be a path inside the code folder, relative to it", path);
      return FALSE;
    }
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_equal (parts[i], ".."))
      {
        _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-code-file", pointer,
                        "'%s' leaves the code folder ('..' is not allowed)", path);
        return FALSE;
      }
  full = g_build_filename (self->code_dir, path, NULL);
  if (!g_file_test (full, G_FILE_TEST_EXISTS))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "missing-code", pointer,
                      "'%s' is not in the code folder", path);
      return FALSE;
    }
  return TRUE;
}

// "code_files": the part of a shared code folder this component uses. Only
// those are copied for its steps and hashed for their reuse key, so editing
// another component's script in the same folder does not re-run them.
static void
load_code_files (SluiceLoadContext *ctx,
                 SluiceComponent   *self,
                 JsonObject        *root)
{
  JsonNode *node = json_object_get_member (root, "code_files");
  g_autoptr(GStrvBuilder) files = g_strv_builder_new ();
  gboolean all_good = TRUE;
  JsonArray *array;

  if (node == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", "/code_files",
                      "'code_files' must be a non-empty list of paths inside the code folder");
      return;
    }
  if (self->code_dir == NULL)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "missing-code", "/code_files",
                      "'code_files' needs a 'code' folder to pick them from");
      return;
    }

  // Every bad entry is reported, not just the first.
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_autofree char *pointer = g_strdup_printf ("/code_files/%u", i);

          _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer, "a code file must be a string");
          all_good = FALSE;
        }
      else if (!check_code_file (ctx, self, json_node_get_string (element), i))
        all_good = FALSE;
      else
        g_strv_builder_add (files, json_node_get_string (element));
    }
  if (all_good)
    self->code_files = g_strv_builder_end (files);
}

static void
load_identity (SluiceLoadContext *ctx,
               SluiceComponent   *self,
               JsonObject        *root)
{
  const char *name = _sluice_get_string (ctx, root, "", "name", TRUE);
  const char *version = _sluice_get_string (ctx, root, "", "version", TRUE);
  const char *type = _sluice_get_string (ctx, root, "", "type", FALSE);

  if (name != NULL && !sluice_name_is_valid (name))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-name", "/name",
                    "component name '%s' must match [a-z][a-z0-9_]*", name);
  if (version != NULL && (version[0] == '\0' || strspn (version, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_") != strlen (version)))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-version", "/version",
                    "version '%s' may only use letters, digits, '.', '+', '-' and '_'", version);
  if (type != NULL && !g_str_equal (type, "command"))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "unsupported", "/type",
                    "component type '%s' is not supported; only 'command' is", type);

  self->name = g_strdup (name);
  self->version = g_strdup (version);
  self->display_name = g_strdup (_sluice_get_string (ctx, root, "", "display_name", FALSE));
  self->description = g_strdup (_sluice_get_string (ctx, root, "", "description", FALSE));
  self->category = g_strdup (_sluice_get_string (ctx, root, "", "category", FALSE));
  self->is_deterministic = _sluice_get_boolean (ctx, root, "", "is_deterministic", TRUE);
}

static void
load_tags (SluiceLoadContext *ctx,
           SluiceComponent   *self,
           JsonObject        *root)
{
  JsonNode *node = json_object_get_member (root, "tags");
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();

  // Azure writes tags as a map of name to value; a plain list is accepted too.
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (tags, json_node_get_string (element));
          else
            {
              _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", "/tags", "'tags' must be a list of strings");
              break;
            }
        }
    }
  else if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &key, &value))
        g_strv_builder_add (tags, key);
    }
  else if (node != NULL)
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", "/tags", "'tags' must be a list of strings");

  self->tags = g_strv_builder_end (tags);
}

static JsonNode *
copy_member (JsonObject *root,
             const char *key)
{
  JsonNode *node = json_object_get_member (root, key);

  return node ? json_node_copy (node) : NULL;
}

SluiceComponent *
sluice_component_load_data (const char *data,
                            gsize       length,
                            const char *path,
                            GPtrArray  *problems)
{
  g_autoptr(SluiceComponent) self = NULL;
  g_autoptr(SluiceJsonDoc) doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  SluiceLoadContext ctx = { local, NULL, path };
  guint line = 0, column = 0;
  JsonObject *root;

  doc = sluice_json_doc_parse (data, length, &line, &column, &error);
  if (doc == NULL)
    {
      _sluice_report_parse_error (&ctx, error, line, column);
      goto out;
    }
  ctx.doc = doc;
  _sluice_report_duplicates (&ctx, NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (sluice_json_doc_get_root (doc)))
    {
      _sluice_report (&ctx, SLUICE_SEVERITY_ERROR, "wrong-type", "", "a component file must be a JSON object");
      goto out;
    }

  self = g_object_new (SLUICE_TYPE_COMPONENT, NULL);
  self->file = g_strdup (path);
  self->root = json_node_ref (sluice_json_doc_get_root (doc));
  root = json_node_get_object (self->root);

  _sluice_warn_unknown_keys (&ctx, root, "", component_keys);
  load_identity (&ctx, self, root);
  load_tags (&ctx, self, root);
  load_ports (&ctx, root, "inputs", self->inputs);
  load_ports (&ctx, root, "outputs", self->outputs);
  check_names_unique (&ctx, self);
  load_command (&ctx, self, root);
  load_code (&ctx, self, root);
  load_code_files (&ctx, self, root);
  self->environment = copy_member (root, "environment");
  self->resources = copy_member (root, "resources");
  self->valid = self->name != NULL && self->version != NULL && !sluice_problems_have_errors (local);

out:
  sluice_problems_sort (local);
  if (problems != NULL)
    g_ptr_array_extend_and_steal (problems, g_steal_pointer (&local));
  return g_steal_pointer (&self);
}

SluiceComponent *
sluice_component_load_file (const char *path,
                            GPtrArray  *problems)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!(contents = sluice_file_read (path, &length, &error)))
    {
      if (problems != NULL)
        {
          SluiceLoadContext ctx = { problems, NULL, path };

          _sluice_report_parse_error (&ctx, error, 0, 0);
        }
      return NULL;
    }

  return sluice_component_load_data (contents, length, path, problems);
}

const char *
sluice_component_get_file (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->file;
}

const char *
sluice_component_get_name (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->name;
}

const char *
sluice_component_get_version (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->version;
}

const char *
sluice_component_get_display_name (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->display_name ? self->display_name : self->name;
}

const char *
sluice_component_get_description (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->description;
}

const char *
sluice_component_get_category (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->category;
}

const char * const *
sluice_component_get_tags (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return (const char * const *) self->tags;
}

gboolean
sluice_component_get_is_deterministic (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), TRUE);
  return self->is_deterministic;
}

const char *
sluice_component_get_command (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->command;
}

SluiceTemplate *
sluice_component_get_template (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->template;
}

const char * const *
sluice_component_get_code_files (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return (const char * const *) self->code_files;
}

const char *
sluice_component_get_code_dir (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->code_dir;
}

JsonNode *
sluice_component_get_environment (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->environment;
}

JsonNode *
sluice_component_get_resources (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->resources;
}

GPtrArray *
sluice_component_get_inputs (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->inputs;
}

GPtrArray *
sluice_component_get_outputs (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return self->outputs;
}

const SluicePortSpec *
sluice_component_find_input (SluiceComponent *self,
                             const char      *name)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return find_port (self->inputs, name);
}

const SluicePortSpec *
sluice_component_find_output (SluiceComponent *self,
                              const char      *name)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);
  return find_port (self->outputs, name);
}

gboolean
sluice_component_is_valid (SluiceComponent *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), FALSE);
  return self->valid;
}

// The file as Sluice writes it: known keys in a fixed order, unknown keys
// after them in their original order, port specs likewise.
char *
sluice_component_to_data (SluiceComponent *self)
{
  static const char * const top_order[] = {
    "$schema", "type", "name", "version", "display_name", "description", "category", "tags",
    "is_deterministic", "inputs", "outputs", "command", "code", "code_files", "environment", "resources", NULL,
  };
  g_autoptr(JsonObject) top = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *maps[] = { "inputs", "outputs" };

  g_return_val_if_fail (SLUICE_IS_COMPONENT (self), NULL);

  top = _sluice_canonical_object (json_node_get_object (self->root), top_order);

  for (guint m = 0; m < G_N_ELEMENTS (maps); m++)
    {
      JsonNode *map_node = json_object_get_member (top, maps[m]);
      g_autoptr(JsonObject) ports = NULL;
      JsonObjectIter iter;
      const char *name;
      JsonNode *port;

      if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
        continue;

      ports = json_object_new ();
      json_object_iter_init_ordered (&iter, json_node_get_object (map_node));
      while (json_object_iter_next_ordered (&iter, &name, &port))
        {
          if (JSON_NODE_HOLDS_OBJECT (port))
            {
              JsonNode *ordered = json_node_new (JSON_NODE_OBJECT);

              json_node_take_object (ordered, _sluice_canonical_object (json_node_get_object (port), port_keys));
              json_object_set_member (ports, name, ordered);
            }
          else
            json_object_set_member (ports, name, json_node_ref (port));
        }
      json_object_set_object_member (top, maps[m], g_steal_pointer (&ports));
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, top);
  return sluice_json_to_string (node);
}

static gboolean
split_numeric (const char  *s,
               guint64     *number,
               const char **rest)
{
  char *end = NULL;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  *number = g_ascii_strtoull (s, &end, 10);
  *rest = end;
  return TRUE;
}

// Orders "1.10" after "1.9", as people read versions.
int
sluice_version_compare (const char *a,
                        const char *b)
{
  while (*a && *b)
    {
      guint64 na, nb;
      const char *ra, *rb;

      if (split_numeric (a, &na, &ra) && split_numeric (b, &nb, &rb))
        {
          if (na != nb)
            return na < nb ? -1 : 1;
          a = ra;
          b = rb;
          continue;
        }
      if (*a != *b)
        return (guchar) *a < (guchar) *b ? -1 : 1;
      a++;
      b++;
    }

  return (*a != '\0') - (*b != '\0');
}
