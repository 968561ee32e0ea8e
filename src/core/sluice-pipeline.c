// SPDX-License-Identifier: GPL-3.0-or-later
//
// A pipeline file mirrors the Azure ML v2 pipeline job, in JSON. Loading is
// lenient (a damaged part is reported and skipped, the rest still loads) and
// saving is canonical, so a file Sluice wrote reads back byte for byte.

#include "config.h"

#include <string.h>

#include "sluice-error.h"
#include "sluice-load-private.h"
#include "sluice-pipeline-private.h"
#include "sluice-port-type.h"

struct _SluicePipeline
{
  GObject                 parent_instance;

  char                   *file;
  char                   *base_dir;     // canonical folder of file, computed once
  SluiceJsonDoc          *doc;
  GPtrArray              *load_problems;
  gint64                  format_version;
  char                   *name;
  char                   *display_name;
  char                   *description;
  GPtrArray              *inputs;       // SluicePipelineIO*
  GPtrArray              *outputs;      // SluicePipelineIO*
  SluicePipelineSettings  settings;
  GPtrArray              *steps;        // SluiceStep*
  GHashTable             *steps_by_id;  // id -> SluiceStep*, first of duplicates
  JsonNode               *layout;
  JsonObject             *extra;
  SluiceProblem          *lossy_problem;  // first part of the file that could not be kept
};

G_DEFINE_FINAL_TYPE (SluicePipeline, sluice_pipeline, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_DISPLAY_NAME,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const top_keys[] = {
  "$schema", "sluice", "name", "display_name", "description", "inputs", "outputs",
  "settings", "jobs", "layout", NULL,
};
static const char * const io_keys[] = {
  "type", "description", "default", "path", "optional", NULL,
};
static const char * const output_keys[] = {
  "type", "description", "mode", NULL,
};
static const char * const settings_keys[] = {
  "default_compute", "continue_on_step_failure", "force_rerun", NULL,
};
// "compute_limits" is known but stays in the extra keys, like a step's
// "timeout": the engine reads it, validation checks it.
static const char * const settings_known_keys[] = {
  "default_compute", "continue_on_step_failure", "force_rerun", "compute_limits", NULL,
};
// Keys the step model holds. "timeout" and "retry" are known too, but stay
// in the step's extra keys, where the engine reads and validation checks them.
static const char * const step_keys[] = {
  "component", "display_name", "description", "compute", "inputs", "outputs", NULL,
};
static const char * const step_known_keys[] = {
  "component", "display_name", "description", "compute", "inputs", "outputs", "timeout", "retry", NULL,
};

static void
pipeline_io_free (gpointer data)
{
  SluicePipelineIO *io = data;

  g_free (io->name);
  g_free (io->type);
  g_free (io->description);
  g_clear_pointer (&io->value, json_node_unref);
  g_clear_pointer (&io->extra, json_object_unref);
  g_free (io);
}

static void
sluice_pipeline_finalize (GObject *object)
{
  SluicePipeline *self = (SluicePipeline *)object;

  g_free (self->file);
  g_free (self->base_dir);
  g_clear_pointer (&self->doc, sluice_json_doc_unref);
  g_clear_pointer (&self->load_problems, g_ptr_array_unref);
  g_free (self->name);
  g_free (self->display_name);
  g_free (self->description);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_free (self->settings.default_compute);
  g_clear_pointer (&self->settings.extra, json_object_unref);
  g_clear_pointer (&self->steps_by_id, g_hash_table_unref);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->layout, json_node_unref);
  g_clear_pointer (&self->extra, json_object_unref);
  g_clear_pointer (&self->lossy_problem, sluice_problem_free);

  G_OBJECT_CLASS (sluice_pipeline_parent_class)->finalize (object);
}

static void
sluice_pipeline_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SluicePipeline *self = SLUICE_PIPELINE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_pipeline_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SluicePipeline *self = SLUICE_PIPELINE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      sluice_pipeline_set_name (self, g_value_get_string (value));
      break;
    case PROP_DISPLAY_NAME:
      sluice_pipeline_set_display_name (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      sluice_pipeline_set_description (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_pipeline_class_init (SluicePipelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sluice_pipeline_finalize;
  object_class->get_property = sluice_pipeline_get_property;
  object_class->set_property = sluice_pipeline_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sluice_pipeline_init (SluicePipeline *self)
{
  self->format_version = SLUICE_PIPELINE_FORMAT_VERSION;
  self->load_problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  self->inputs = g_ptr_array_new_with_free_func (pipeline_io_free);
  self->outputs = g_ptr_array_new_with_free_func (pipeline_io_free);
  self->settings.extra = json_object_new ();
  self->steps = g_ptr_array_new_with_free_func (g_object_unref);
  self->steps_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->extra = json_object_new ();
}

SluicePipeline *
sluice_pipeline_new (void)
{
  return g_object_new (SLUICE_TYPE_PIPELINE, NULL);
}

static void
keep_unknown (JsonObject         *from,
              JsonObject         *extra,
              const char * const *known)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, from);
  while (json_object_iter_next_ordered (&iter, &key, &member))
    if (!g_strv_contains (known, key))
      json_object_set_member (extra, key, json_node_copy (member));
}

static const char *
infer_type (JsonNode *value)
{
  if (!JSON_NODE_HOLDS_VALUE (value))
    return NULL;

  switch (json_node_get_value_type (value))
    {
    case G_TYPE_INT64:
      return "integer";
    case G_TYPE_DOUBLE:
      return "number";
    case G_TYPE_BOOLEAN:
      return "boolean";
    case G_TYPE_STRING:
      return "string";
    default:
      return NULL;
    }
}

static SluicePipelineIO *
load_io (SluiceLoadContext *ctx,
         const char        *name,
         JsonNode          *node,
         const char        *pointer,
         gboolean           is_input)
{
  SluicePipelineIO *io;
  JsonObject *object;
  const char *type;
  JsonNode *value;

  if (!sluice_name_is_valid (name))
    _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-name", pointer,
                    "%s name '%s' must start with a lowercase letter and use only a-z, 0-9 and _",
                    is_input ? "pipeline input" : "pipeline output", name);

  io = g_new0 (SluicePipelineIO, 1);
  io->name = g_strdup (name);
  io->extra = json_object_new ();

  // Azure lets a pipeline input be a bare literal: "learning_rate": 0.01.
  if (is_input && !JSON_NODE_HOLDS_OBJECT (node))
    {
      io->shorthand = TRUE;
      io->value = json_node_copy (node);
      io->type = g_strdup (infer_type (node));
      if (io->type == NULL)
        _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer,
                        "pipeline input '%s' must be a value or an object with a 'type'", name);
      return io;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer,
                      "pipeline output '%s' must be an object with a 'type'", name);
      return io;
    }

  object = json_node_get_object (node);
  _sluice_warn_unknown_keys (ctx, object, pointer, is_input ? io_keys : output_keys);
  keep_unknown (object, io->extra, is_input ? io_keys : output_keys);

  type = _sluice_get_string (ctx, object, pointer, "type", TRUE);
  if (type != NULL && !sluice_port_type_is_valid (type))
    {
      g_autofree char *type_pointer = sluice_json_pointer_append (pointer, "type");

      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "unknown-type", type_pointer,
                      "unknown type '%s'", type);
    }
  io->type = g_strdup (type);
  io->description = g_strdup (_sluice_get_string (ctx, object, pointer, "description", FALSE));
  if (!is_input)
    return io;

  io->optional = _sluice_get_boolean (ctx, object, pointer, "optional", FALSE);
  value = json_object_get_member (object, "default");
  if (value == NULL)
    value = json_object_get_member (object, "path");
  io->value = value ? json_node_copy (value) : NULL;
  return io;
}

static void
load_io_map (SluiceLoadContext *ctx,
             JsonObject        *root,
             const char        *key,
             GPtrArray         *list)
{
  JsonObject *map = _sluice_get_object (ctx, root, "", key, FALSE);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (map == NULL)
    return;

  json_object_iter_init_ordered (&iter, map);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      g_autofree char *map_pointer = sluice_json_pointer_append ("", key);
      g_autofree char *pointer = sluice_json_pointer_append (map_pointer, name);

      g_ptr_array_add (list, load_io (ctx, name, node, pointer, g_str_equal (key, "inputs")));
    }
}

static void
load_settings (SluiceLoadContext *ctx,
               SluicePipeline    *self,
               JsonObject        *root)
{
  JsonObject *settings = _sluice_get_object (ctx, root, "", "settings", FALSE);

  if (settings == NULL)
    return;

  _sluice_warn_unknown_keys (ctx, settings, "/settings", settings_known_keys);
  keep_unknown (settings, self->settings.extra, settings_keys);
  self->settings.default_compute = g_strdup (_sluice_get_string (ctx, settings, "/settings", "default_compute", FALSE));
  self->settings.continue_on_step_failure = _sluice_get_boolean (ctx, settings, "/settings", "continue_on_step_failure", FALSE);
  self->settings.force_rerun = _sluice_get_boolean (ctx, settings, "/settings", "force_rerun", FALSE);
}

static void
load_bindings (SluiceLoadContext *ctx,
               SluiceStep        *step,
               JsonObject        *object,
               const char        *step_pointer,
               const char        *key)
{
  JsonObject *map = _sluice_get_object (ctx, object, step_pointer, key, FALSE);
  gboolean is_input = g_str_equal (key, "inputs");
  JsonObjectIter iter;
  const char *port;
  JsonNode *node;

  if (map == NULL)
    return;

  json_object_iter_init_ordered (&iter, map);
  while (json_object_iter_next_ordered (&iter, &port, &node))
    {
      g_autofree char *map_pointer = sluice_json_pointer_append (step_pointer, key);
      g_autofree char *pointer = sluice_json_pointer_append (map_pointer, port);
      g_autofree char *message = NULL;
      SluiceBinding *binding = sluice_binding_parse (port, node, &message);

      if (binding == NULL)
        {
          // Keep it as written so that saving never loses what the user typed.
          _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-binding", pointer, "%s", message);
          binding = sluice_binding_new_literal (port, node);
          binding->malformed = TRUE;
        }

      if (is_input)
        sluice_step_set_input (step, binding);
      else
        sluice_step_set_output (step, binding);
    }
}

static SluiceStep *
load_step (SluiceLoadContext *ctx,
           const char        *id,
           JsonNode          *node,
           const char        *pointer)
{
  g_autoptr(SluiceStep) step = NULL;
  JsonObject *object;
  const char *component;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "wrong-type", pointer,
                      "step '%s' must be an object with at least a 'component'", id);
      return NULL;
    }

  object = json_node_get_object (node);
  _sluice_warn_unknown_keys (ctx, object, pointer, step_known_keys);
  component = _sluice_get_string (ctx, object, pointer, "component", TRUE);

  step = sluice_step_new (id, component);
  sluice_step_set_display_name (step, _sluice_get_string (ctx, object, pointer, "display_name", FALSE));
  sluice_step_set_description (step, _sluice_get_string (ctx, object, pointer, "description", FALSE));
  sluice_step_set_compute (step, _sluice_get_string (ctx, object, pointer, "compute", FALSE));
  load_bindings (ctx, step, object, pointer, "inputs");
  load_bindings (ctx, step, object, pointer, "outputs");
  keep_unknown (object, sluice_step_get_extra (step), step_keys);
  return g_steal_pointer (&step);
}

static void
load_steps (SluiceLoadContext *ctx,
            SluicePipeline    *self,
            JsonObject        *root)
{
  JsonObject *jobs = _sluice_get_object (ctx, root, "", "jobs", FALSE);
  JsonObjectIter iter;
  const char *id;
  JsonNode *node;

  if (jobs == NULL)
    return;

  json_object_iter_init_ordered (&iter, jobs);
  while (json_object_iter_next_ordered (&iter, &id, &node))
    {
      g_autofree char *pointer = sluice_json_pointer_append ("/jobs", id);
      SluiceStep *step = load_step (ctx, id, node, pointer);

      if (step != NULL)
        sluice_pipeline_add_step (self, step);
      g_clear_object (&step);
    }
}

// Only "sluice": 1 is understood. A newer number means a newer Sluice wrote
// the file with meanings this one cannot know, so nothing else is read.
static gboolean
load_format_version (SluiceLoadContext *ctx,
                     SluicePipeline    *self,
                     JsonObject        *root)
{
  JsonNode *node = json_object_get_member (root, "sluice");

  if (node == NULL)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "missing-format-version", "",
                      "not a Sluice pipeline: the format version (\"sluice\": %d) is missing",
                      SLUICE_PIPELINE_FORMAT_VERSION);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 1)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "invalid-format-version", "/sluice",
                      "the format version \"sluice\" must be a whole number such as %d",
                      SLUICE_PIPELINE_FORMAT_VERSION);
      return TRUE;
    }

  self->format_version = json_node_get_int (node);
  if (self->format_version > SLUICE_PIPELINE_FORMAT_VERSION)
    {
      _sluice_report (ctx, SLUICE_SEVERITY_ERROR, "unsupported-version", "/sluice",
                      "this file uses pipeline format %" G_GINT64_FORMAT ", written by a newer Sluice; "
                      "this version reads format %d — please update Sluice",
                      self->format_version, SLUICE_PIPELINE_FORMAT_VERSION);
      return FALSE;
    }

  return TRUE;
}

// Values of the wrong JSON type and repeated keys cannot be represented in
// the model, so saving would drop them. Remember the first such problem so
// that save can refuse instead of losing the user's data.
static void
remember_lossy_problem (SluicePipeline *self)
{
  static const char * const lossy_codes[] = { "wrong-type", "duplicate-key", "duplicate-step-id", NULL };

  for (guint i = 0; i < self->load_problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (self->load_problems, i);

      if (g_strv_contains (lossy_codes, problem->code))
        {
          self->lossy_problem = sluice_problem_copy (problem);
          return;
        }
    }
}

SluicePipeline *
_sluice_pipeline_load_doc (SluiceJsonDoc *doc,
                           const char    *path)
{
  g_autoptr(SluicePipeline) self = sluice_pipeline_new ();
  SluiceLoadContext ctx = { self->load_problems, doc, path };
  JsonNode *root_node = sluice_json_doc_get_root (doc);
  JsonObject *root;
  JsonNode *layout;

  self->file = g_strdup (path);
  self->doc = sluice_json_doc_ref (doc);
  _sluice_report_duplicates (&ctx, "/jobs", "step id");

  if (!JSON_NODE_HOLDS_OBJECT (root_node))
    {
      _sluice_report (&ctx, SLUICE_SEVERITY_ERROR, "wrong-type", "",
                      "a pipeline file must be a JSON object");
      return g_steal_pointer (&self);
    }

  root = json_node_get_object (root_node);
  if (!load_format_version (&ctx, self, root))
    return g_steal_pointer (&self);

  _sluice_warn_unknown_keys (&ctx, root, "", top_keys);
  keep_unknown (root, self->extra, top_keys);
  self->name = g_strdup (_sluice_get_string (&ctx, root, "", "name", FALSE));
  self->display_name = g_strdup (_sluice_get_string (&ctx, root, "", "display_name", FALSE));
  self->description = g_strdup (_sluice_get_string (&ctx, root, "", "description", FALSE));
  load_io_map (&ctx, root, "inputs", self->inputs);
  load_io_map (&ctx, root, "outputs", self->outputs);
  load_settings (&ctx, self, root);
  load_steps (&ctx, self, root);
  if ((layout = json_object_get_member (root, "layout")) != NULL)
    self->layout = json_node_copy (layout);

  remember_lossy_problem (self);
  return g_steal_pointer (&self);
}

static gboolean
has_problem_code (GPtrArray  *problems,
                  const char *code)
{
  for (guint i = 0; i < problems->len; i++)
    if (g_strcmp0 (((SluiceProblem *) g_ptr_array_index (problems, i))->code, code) == 0)
      return TRUE;
  return FALSE;
}

// Fails only when the file cannot be read as a pipeline at all: not JSON,
// or a format this Sluice does not know. Everything else is a load problem,
// so an editor can open a broken pipeline and help fix it.
SluicePipeline *
sluice_pipeline_load_data (const char  *data,
                           gsize        length,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(SluiceJsonDoc) doc = NULL;
  g_autoptr(SluicePipeline) self = NULL;
  g_autoptr(GError) local_error = NULL;
  guint line = 0, column = 0;

  doc = sluice_json_doc_parse (data, length, &line, &column, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "%s:%u:%u: %s",
                   path ? path : "<data>", line, column, local_error->message);
      return NULL;
    }

  self = _sluice_pipeline_load_doc (doc, path);
  if (has_problem_code (self->load_problems, "unsupported-version"))
    {
      SluiceProblem *problem = g_ptr_array_index (self->load_problems, 0);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_UNSUPPORTED_VERSION, "%s: %s",
                   path ? path : "<data>", problem->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (sluice_json_doc_get_root (doc)))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "%s: a pipeline file must be a JSON object",
                   path ? path : "<data>");
      return NULL;
    }

  return g_steal_pointer (&self);
}

SluicePipeline *
sluice_pipeline_load_file (const char  *path,
                           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!(contents = sluice_file_read (path, &length, error)))
    return NULL;

  return sluice_pipeline_load_data (contents, length, path, error);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static void
set_string_member (JsonObject *object,
                   const char *key,
                   const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, key, value);
}

static void
add_extra (JsonObject *object,
           JsonObject *extra)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, extra);
  while (json_object_iter_next_ordered (&iter, &key, &member))
    if (!json_object_has_member (object, key))
      json_object_set_member (object, key, json_node_copy (member));
}

static JsonNode *
io_to_node (const SluicePipelineIO *io,
            gboolean                is_input)
{
  JsonObject *object;

  if (io->shorthand && io->value != NULL)
    return json_node_copy (io->value);

  object = json_object_new ();
  set_string_member (object, "type", io->type);
  set_string_member (object, "description", io->description);
  if (io->value != NULL)
    json_object_set_member (object,
                            sluice_port_type_is_parameter (io->type) || io->type == NULL ? "default" : "path",
                            json_node_copy (io->value));
  if (io->optional)
    json_object_set_boolean_member (object, "optional", TRUE);
  add_extra (object, io->extra);
  return object_node (object);
}

static void
add_io_map (JsonObject *root,
            const char *key,
            GPtrArray  *list)
{
  JsonObject *map;

  if (list->len == 0)
    return;

  map = json_object_new ();
  for (guint i = 0; i < list->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (list, i);

      json_object_set_member (map, io->name, io_to_node (io, g_str_equal (key, "inputs")));
    }
  json_object_set_member (root, key, object_node (map));
}

static void
add_settings (JsonObject             *root,
              SluicePipelineSettings *settings)
{
  JsonObject *object = json_object_new ();

  set_string_member (object, "default_compute", settings->default_compute);
  if (settings->continue_on_step_failure)
    json_object_set_boolean_member (object, "continue_on_step_failure", TRUE);
  if (settings->force_rerun)
    json_object_set_boolean_member (object, "force_rerun", TRUE);
  add_extra (object, settings->extra);

  if (json_object_get_size (object) > 0)
    json_object_set_member (root, "settings", object_node (object));
  else
    json_object_unref (object);
}

static JsonNode *
bindings_to_node (GPtrArray *bindings)
{
  JsonObject *object = json_object_new ();

  for (guint i = 0; i < bindings->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (bindings, i);

      json_object_set_member (object, binding->port, sluice_binding_to_node (binding));
    }

  return object_node (object);
}

static JsonNode *
step_to_node (SluiceStep *step)
{
  JsonObject *object = json_object_new ();

  set_string_member (object, "component", sluice_step_get_component_ref (step));
  set_string_member (object, "display_name", sluice_step_get_display_name (step));
  set_string_member (object, "description", sluice_step_get_description (step));
  set_string_member (object, "compute", sluice_step_get_compute (step));
  if (sluice_step_get_inputs (step)->len > 0)
    json_object_set_member (object, "inputs", bindings_to_node (sluice_step_get_inputs (step)));
  if (sluice_step_get_outputs (step)->len > 0)
    json_object_set_member (object, "outputs", bindings_to_node (sluice_step_get_outputs (step)));
  add_extra (object, sluice_step_get_extra (step));
  return object_node (object);
}

char *
sluice_pipeline_to_data (SluicePipeline *self)
{
  g_autoptr(JsonNode) root_node = NULL;
  JsonObject *root;
  JsonObject *jobs;
  JsonNode *schema;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);

  root = json_object_new ();
  root_node = object_node (root);

  if ((schema = json_object_get_member (self->extra, "$schema")) != NULL)
    json_object_set_member (root, "$schema", json_node_copy (schema));
  json_object_set_int_member (root, "sluice", self->format_version);
  set_string_member (root, "name", self->name);
  set_string_member (root, "display_name", self->display_name);
  set_string_member (root, "description", self->description);
  add_io_map (root, "inputs", self->inputs);
  add_io_map (root, "outputs", self->outputs);
  add_settings (root, &self->settings);

  jobs = json_object_new ();
  for (guint i = 0; i < self->steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (self->steps, i);

      // A duplicate id was reported on load; the first step wins on save too.
      if (!json_object_has_member (jobs, sluice_step_get_id (step)))
        json_object_set_member (jobs, sluice_step_get_id (step), step_to_node (step));
    }
  json_object_set_member (root, "jobs", object_node (jobs));

  if (self->layout != NULL)
    json_object_set_member (root, "layout", json_node_copy (self->layout));
  add_extra (root, self->extra);

  return sluice_json_to_string (root_node);
}

// FALSE when writing the model back would drop part of the loaded file.
gboolean
sluice_pipeline_check_lossless (SluicePipeline  *self,
                                GError         **error)
{
  g_autofree char *where = NULL;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), FALSE);

  if (self->lossy_problem == NULL)
    return TRUE;

  where = sluice_problem_format (self->lossy_problem, NULL);
  g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
               "saving would lose part of the file that Sluice could not read; fix it first: %s", where);
  return FALSE;
}

gboolean
sluice_pipeline_save (SluicePipeline  *self,
                      const char      *path,
                      GError         **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), FALSE);

  if (path == NULL)
    path = self->file;
  if (path == NULL)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the pipeline has no file name yet");
      return FALSE;
    }

  if (!sluice_pipeline_check_lossless (self, error))
    return FALSE;

  data = sluice_pipeline_to_data (self);
  if (!sluice_file_write_atomic (path, data, strlen (data), error))
    return FALSE;

  if (path != self->file)
    {
      g_free (self->file);
      self->file = g_strdup (path);
      g_clear_pointer (&self->base_dir, g_free);
    }
  return TRUE;
}

GPtrArray *
sluice_pipeline_get_load_problems (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->load_problems;
}

gboolean
sluice_pipeline_get_position (SluicePipeline *self,
                              const char     *pointer,
                              guint          *line,
                              guint          *column)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), FALSE);
  return sluice_json_doc_get_pointer_position (self->doc, pointer, line, column);
}

const char *
sluice_pipeline_get_file (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->file;
}

// Relative paths in a pipeline (file: components, input paths) are relative
// to the folder of the pipeline file.
char *
sluice_pipeline_dup_base_dir (SluicePipeline *self)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);

  if (self->file == NULL)
    return g_get_current_dir ();
  // Called for every step; canonicalizing a relative path asks the kernel
  // for the current folder each time.
  if (self->base_dir == NULL)
    {
      dir = g_path_get_dirname (self->file);
      self->base_dir = g_canonicalize_filename (dir, NULL);
    }
  return g_strdup (self->base_dir);
}

gint64
sluice_pipeline_get_format_version (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), 0);
  return self->format_version;
}

static void
set_field (SluicePipeline  *self,
           char           **field,
           const char      *value,
           guint            prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
sluice_pipeline_get_name (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->name;
}

void
sluice_pipeline_set_name (SluicePipeline *self,
                          const char     *name)
{
  g_return_if_fail (SLUICE_IS_PIPELINE (self));
  set_field (self, &self->name, name, PROP_NAME);
}

const char *
sluice_pipeline_get_display_name (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->display_name;
}

void
sluice_pipeline_set_display_name (SluicePipeline *self,
                                  const char     *display_name)
{
  g_return_if_fail (SLUICE_IS_PIPELINE (self));
  set_field (self, &self->display_name, display_name, PROP_DISPLAY_NAME);
}

const char *
sluice_pipeline_get_description (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->description;
}

void
sluice_pipeline_set_description (SluicePipeline *self,
                                 const char     *description)
{
  g_return_if_fail (SLUICE_IS_PIPELINE (self));
  set_field (self, &self->description, description, PROP_DESCRIPTION);
}

GPtrArray *
sluice_pipeline_get_inputs (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->inputs;
}

GPtrArray *
sluice_pipeline_get_outputs (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->outputs;
}

static const SluicePipelineIO *
find_io (GPtrArray  *list,
         const char *name)
{
  for (guint i = 0; i < list->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (list, i);

      if (g_str_equal (io->name, name))
        return io;
    }

  return NULL;
}

const SluicePipelineIO *
sluice_pipeline_find_input (SluicePipeline *self,
                            const char     *name)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return find_io (self->inputs, name);
}

const SluicePipelineIO *
sluice_pipeline_find_output (SluicePipeline *self,
                             const char     *name)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return find_io (self->outputs, name);
}

SluicePipelineSettings *
sluice_pipeline_get_settings (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return &self->settings;
}

GPtrArray *
sluice_pipeline_get_steps (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->steps;
}

SluiceStep *
sluice_pipeline_find_step (SluicePipeline *self,
                           const char     *id)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return id ? g_hash_table_lookup (self->steps_by_id, id) : NULL;
}

void
sluice_pipeline_add_step (SluicePipeline *self,
                          SluiceStep     *step)
{
  const char *id;

  g_return_if_fail (SLUICE_IS_PIPELINE (self));
  g_return_if_fail (SLUICE_IS_STEP (step));

  id = sluice_step_get_id (step);
  g_ptr_array_add (self->steps, g_object_ref (step));
  if (id != NULL && !g_hash_table_contains (self->steps_by_id, id))
    g_hash_table_insert (self->steps_by_id, g_strdup (id), step);
}

gboolean
sluice_pipeline_remove_step (SluicePipeline *self,
                             const char     *id)
{
  SluiceStep *step;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), FALSE);

  if (!(step = g_hash_table_lookup (self->steps_by_id, id)))
    return FALSE;

  g_hash_table_remove (self->steps_by_id, id);
  g_ptr_array_remove (self->steps, step);
  return TRUE;
}

JsonNode *
sluice_pipeline_get_layout (SluicePipeline *self)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE (self), NULL);
  return self->layout;
}

void
sluice_pipeline_set_layout (SluicePipeline *self,
                            JsonNode       *layout)
{
  g_return_if_fail (SLUICE_IS_PIPELINE (self));
  g_clear_pointer (&self->layout, json_node_unref);
  self->layout = layout ? json_node_copy (layout) : NULL;
}

SluiceJsonDoc *
_sluice_pipeline_get_doc (SluicePipeline *self)
{
  return self->doc;
}
