// SPDX-License-Identifier: GPL-3.0-or-later
//
// Undo is by memento: before and after each command the whole pipeline is
// written in canonical form, and undo reads it back. That makes every
// command undoable the same way, including ones added later, at the cost of
// serializing the pipeline per edit (a few milliseconds at 2 000 steps).

#include "config.h"

#include <math.h>
#include <string.h>

#include "sluice-document.h"
#include "sluice-error.h"
#include "sluice-file.h"
#include "sluice-graph.h"
#include "sluice-json.h"
#include "sluice-pipeline-rebase.h"
#include "sluice-port-type.h"
#include "sluice-validate.h"

// What is selected: nodes, notes and frames by id, or one link.
typedef struct
{
  char **ids;
  char  *link_step;
  char  *link_port;
} Selection;

// The ports drawn on a node, in order (names borrowed from its component).
// Geometry asks for them for every node in every frame, so they are kept
// until the pipeline changes other than by moving things.
typedef struct
{
  GPtrArray *inputs;
  GPtrArray *outputs;
} ShownPorts;

static void
shown_ports_free (gpointer data)
{
  ShownPorts *ports = data;

  g_ptr_array_unref (ports->inputs);
  g_ptr_array_unref (ports->outputs);
  g_free (ports);
}

typedef struct
{
  char      *before;
  char      *after;
  Selection *selection_before;
  Selection *selection_after;
  guint      state_before;
  guint      state_after;
} Memento;

struct _SluiceDocument
{
  GObject                  parent_instance;

  SluiceComponentRegistry *registry;
  SluicePipeline          *pipeline;
  char                    *file;
  char                   **selection;
  char                    *link_step;      // the selected link's input end, or NULL
  char                    *link_port;
  GPtrArray               *undo_stack;     // Memento*
  GPtrArray               *redo_stack;     // Memento*
  guint                    group_depth;
  Memento                 *pending;        // the open command or group
  guint                    state;          // identifies the current content
  guint                    next_state;
  guint                    saved_state;
  guint                    revision;       // bumps on every change, for caches
  gboolean                 read_only;      // every command is taken back (a past run's pipeline)
  GPtrArray               *problems;       // cached validation
  GHashTable              *components;     // SluiceStep* -> SluiceComponent* (borrowed)
  GHashTable              *ports;          // SluiceStep* -> ShownPorts*, for geometry
  GHashTable              *rects;          // step id -> SluiceRect*, read from the layout once
  SluiceRect               bounds;
  guint                    bounds_revision; // revision + 1 that bounds is for, 0 for none
};

G_DEFINE_FINAL_TYPE (SluiceDocument, sluice_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODIFIED,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_FILE,
  N_PROPS
};

enum {
  CHANGED,
  SELECTION_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
sluice_hit_clear (SluiceHit *hit)
{
  g_clear_pointer (&hit->step_id, g_free);
  g_clear_pointer (&hit->port, g_free);
  hit->kind = SLUICE_HIT_NONE;
}

static void
selection_free (Selection *selection)
{
  if (selection == NULL)
    return;
  g_strfreev (selection->ids);
  g_free (selection->link_step);
  g_free (selection->link_port);
  g_free (selection);
}

static Selection *
selection_save (SluiceDocument *self)
{
  Selection *selection = g_new0 (Selection, 1);

  selection->ids = g_strdupv (self->selection);
  selection->link_step = g_strdup (self->link_step);
  selection->link_port = g_strdup (self->link_port);
  return selection;
}

static void
memento_free (gpointer data)
{
  Memento *m = data;

  g_free (m->before);
  g_free (m->after);
  selection_free (m->selection_before);
  selection_free (m->selection_after);
  g_free (m);
}

static void
sluice_document_finalize (GObject *object)
{
  SluiceDocument *self = (SluiceDocument *)object;

  g_clear_object (&self->registry);
  g_clear_object (&self->pipeline);
  g_free (self->file);
  g_strfreev (self->selection);
  g_free (self->link_step);
  g_free (self->link_port);
  g_clear_pointer (&self->undo_stack, g_ptr_array_unref);
  g_clear_pointer (&self->redo_stack, g_ptr_array_unref);
  g_clear_pointer (&self->pending, memento_free);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->components, g_hash_table_unref);
  g_clear_pointer (&self->ports, g_hash_table_unref);
  g_clear_pointer (&self->rects, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_document_parent_class)->finalize (object);
}

static void
sluice_document_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SluiceDocument *self = SLUICE_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_MODIFIED:
      g_value_set_boolean (value, sluice_document_get_modified (self));
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, sluice_document_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, sluice_document_can_redo (self));
      break;
    case PROP_FILE:
      g_value_set_string (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_document_class_init (SluiceDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sluice_document_finalize;
  object_class->get_property = sluice_document_get_property;

  properties[PROP_MODIFIED] = g_param_spec_boolean ("modified", NULL, NULL, FALSE, flags);
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, flags);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, flags);
  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SluiceDocument::changed:
   *
   * The pipeline changed: an edit, an undo or redo, or a load. The pipeline
   * object itself may have been replaced; fetch it again.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sluice_document_init (SluiceDocument *self)
{
  self->pipeline = sluice_pipeline_new ();
  self->selection = g_new0 (char *, 1);
  self->undo_stack = g_ptr_array_new_with_free_func (memento_free);
  self->redo_stack = g_ptr_array_new_with_free_func (memento_free);
  self->components = g_hash_table_new (NULL, NULL);
  self->ports = g_hash_table_new_full (NULL, NULL, NULL, shown_ports_free);
  self->rects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->state = self->saved_state = self->next_state = 1;
}

SluiceDocument *
sluice_document_new (SluiceComponentRegistry *registry)
{
  SluiceDocument *self = g_object_new (SLUICE_TYPE_DOCUMENT, NULL);

  self->registry = g_object_ref (registry);
  return self;
}

/* change tracking ------------------------------------------------------------ */

static void
notify_state (SluiceDocument *self,
              gboolean        was_modified,
              gboolean        could_undo,
              gboolean        could_redo)
{
  if (was_modified != sluice_document_get_modified (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
  if (could_undo != sluice_document_can_undo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  if (could_redo != sluice_document_can_redo (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

// layout_only: only places and sizes changed (a drag), which neither
// validation nor the ports shown depend on, so those stay cached: at 2 000
// steps that is the difference between a smooth drag and a stuttering one.
static void
content_changed_full (SluiceDocument *self,
                      gboolean        layout_only)
{
  self->revision++;
  if (!layout_only)
    {
      g_clear_pointer (&self->problems, g_ptr_array_unref);
      g_hash_table_remove_all (self->components);
      g_hash_table_remove_all (self->ports);
      g_hash_table_remove_all (self->rects);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
content_changed (SluiceDocument *self)
{
  content_changed_full (self, FALSE);
}

static void
begin_command (SluiceDocument *self)
{
  if (self->pending != NULL)
    return;

  self->pending = g_new0 (Memento, 1);
  self->pending->before = sluice_pipeline_to_data (self->pipeline);
  self->pending->selection_before = selection_save (self);
  self->pending->state_before = self->state;
}

static gboolean restore (SluiceDocument *self, const char *text, const Selection *selection);

static void
end_command_full (SluiceDocument *self,
                  gboolean        layout_only)
{
  gboolean was_modified = sluice_document_get_modified (self);
  gboolean could_undo = sluice_document_can_undo (self);
  gboolean could_redo = sluice_document_can_redo (self);
  Memento *m;

  content_changed_full (self, layout_only);
  if (self->group_depth > 0 || self->pending == NULL)
    return;

  m = g_steal_pointer (&self->pending);
  // A read-only document (a past run's pipeline) takes back every change.
  if (self->read_only)
    {
      restore (self, m->before, m->selection_before);
      memento_free (m);
      return;
    }
  m->after = sluice_pipeline_to_data (self->pipeline);
  if (g_str_equal (m->before, m->after))
    {
      // Nothing really changed (a drag that went back where it started).
      memento_free (m);
      return;
    }

  m->selection_after = selection_save (self);
  m->state_after = self->state = ++self->next_state;
  g_ptr_array_add (self->undo_stack, m);
  g_ptr_array_set_size (self->redo_stack, 0);
  notify_state (self, was_modified, could_undo, could_redo);
}

static void
end_command (SluiceDocument *self)
{
  end_command_full (self, FALSE);
}

// For commands that only move or resize.
static void
end_layout_command (SluiceDocument *self)
{
  end_command_full (self, TRUE);
}

void
sluice_document_begin_group (SluiceDocument *self)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));

  begin_command (self);
  self->group_depth++;
}

void
sluice_document_end_group (SluiceDocument *self)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));
  g_return_if_fail (self->group_depth > 0);

  if (--self->group_depth == 0)
    end_command (self);
}

// Nodes and a link are never selected together.
static void
set_selection_internal (SluiceDocument     *self,
                        const char * const *ids)
{
  g_strfreev (self->selection);
  self->selection = ids ? g_strdupv ((char **) ids) : g_new0 (char *, 1);
  g_clear_pointer (&self->link_step, g_free);
  g_clear_pointer (&self->link_port, g_free);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
set_link_selection_internal (SluiceDocument *self,
                             const char     *to_step,
                             const char     *input)
{
  g_strfreev (self->selection);
  self->selection = g_new0 (char *, 1);
  g_free (self->link_step);
  g_free (self->link_port);
  self->link_step = g_strdup (to_step);
  self->link_port = g_strdup (to_step ? input : NULL);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static gboolean
restore (SluiceDocument  *self,
         const char      *text,
         const Selection *selection)
{
  g_autoptr(GError) error = NULL;
  SluicePipeline *pipeline = sluice_pipeline_load_data (text, strlen (text), self->file, &error);

  // The text was written by to_data a moment ago; failing to read it back
  // would be a bug, and the current pipeline is then kept as it is.
  if (pipeline == NULL)
    {
      g_critical ("could not restore an undo state: %s", error->message);
      return FALSE;
    }

  g_set_object (&self->pipeline, pipeline);
  g_object_unref (pipeline);
  if (selection->link_step != NULL)
    set_link_selection_internal (self, selection->link_step, selection->link_port);
  else
    set_selection_internal (self, (const char * const *) selection->ids);
  content_changed (self);
  return TRUE;
}

gboolean
sluice_document_can_undo (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  return self->undo_stack->len > 0 && self->group_depth == 0;
}

gboolean
sluice_document_can_redo (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  return self->redo_stack->len > 0 && self->group_depth == 0;
}

gboolean
sluice_document_undo (SluiceDocument *self)
{
  gboolean was_modified, could_undo, could_redo;
  Memento *m;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!sluice_document_can_undo (self))
    return FALSE;

  was_modified = sluice_document_get_modified (self);
  could_undo = TRUE;
  could_redo = sluice_document_can_redo (self);
  m = g_ptr_array_steal_index (self->undo_stack, self->undo_stack->len - 1);
  restore (self, m->before, m->selection_before);
  self->state = m->state_before;
  g_ptr_array_add (self->redo_stack, m);
  notify_state (self, was_modified, could_undo, could_redo);
  return TRUE;
}

gboolean
sluice_document_redo (SluiceDocument *self)
{
  gboolean was_modified, could_undo, could_redo;
  Memento *m;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!sluice_document_can_redo (self))
    return FALSE;

  was_modified = sluice_document_get_modified (self);
  could_undo = sluice_document_can_undo (self);
  could_redo = TRUE;
  m = g_ptr_array_steal_index (self->redo_stack, self->redo_stack->len - 1);
  restore (self, m->after, m->selection_after);
  self->state = m->state_after;
  g_ptr_array_add (self->undo_stack, m);
  notify_state (self, was_modified, could_undo, could_redo);
  return TRUE;
}

/* files ------------------------------------------------------------------------- */

static gboolean node_has_position (SluiceDocument *self, const char *step_id);
static void layout_steps (SluiceDocument *self);

static void adopt_pipeline (SluiceDocument *self, SluicePipeline *pipeline, const char *path);

gboolean
sluice_document_load_file (SluiceDocument  *self,
                           const char      *path,
                           GError         **error)
{
  g_autoptr(SluicePipeline) pipeline = NULL;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!(pipeline = sluice_pipeline_load_file (path, error)))
    return FALSE;
  adopt_pipeline (self, pipeline, path);
  return TRUE;
}

// A pipeline from text, as if it had been read from `path` (which is not
// read: relative component paths resolve from its folder).
gboolean
sluice_document_load_data (SluiceDocument  *self,
                           const char      *data,
                           const char      *path,
                           GError         **error)
{
  g_autoptr(SluicePipeline) pipeline = NULL;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (!(pipeline = sluice_pipeline_load_data (data, strlen (data), path, error)))
    return FALSE;
  adopt_pipeline (self, pipeline, path);
  return TRUE;
}

void
sluice_document_set_read_only (SluiceDocument *self,
                               gboolean        read_only)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));
  self->read_only = !!read_only;
}

gboolean
sluice_document_get_read_only (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  return self->read_only;
}

static void
adopt_pipeline (SluiceDocument *self,
                SluicePipeline *pipeline,
                const char     *path)
{
  gboolean was_modified, could_undo, could_redo;
  GPtrArray *steps;

  was_modified = sluice_document_get_modified (self);
  could_undo = sluice_document_can_undo (self);
  could_redo = sluice_document_can_redo (self);

  g_set_object (&self->pipeline, pipeline);
  g_free (self->file);
  self->file = g_strdup (path);
  g_ptr_array_set_size (self->undo_stack, 0);
  g_ptr_array_set_size (self->redo_stack, 0);
  self->state = self->saved_state = ++self->next_state;

  // Imported pipelines may have no layout; give every node a place.
  steps = sluice_pipeline_get_steps (pipeline);
  for (guint i = 0; i < steps->len; i++)
    if (!node_has_position (self, sluice_step_get_id (g_ptr_array_index (steps, i))))
      {
        layout_steps (self);
        break;
      }

  set_selection_internal (self, NULL);
  content_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  notify_state (self, was_modified, could_undo, could_redo);
}

// Takes up work saved by autosave for `file` (which may be NULL for a
// pipeline never saved): the content is the autosave's, the document stays
// "modified" until the user saves it, and nothing is written yet.
gboolean
sluice_document_recover (SluiceDocument  *self,
                         const char      *file,
                         const char      *autosave,
                         GError         **error)
{
  g_autofree char *text = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  gboolean was_modified, could_undo, could_redo;
  gsize length = 0;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!(text = sluice_file_read (autosave, &length, error)) ||
      !(pipeline = sluice_pipeline_load_data (text, length, file ? file : autosave, error)))
    return FALSE;

  was_modified = sluice_document_get_modified (self);
  could_undo = sluice_document_can_undo (self);
  could_redo = sluice_document_can_redo (self);
  g_set_object (&self->pipeline, pipeline);
  g_free (self->file);
  self->file = g_strdup (file);
  g_ptr_array_set_size (self->undo_stack, 0);
  g_ptr_array_set_size (self->redo_stack, 0);
  self->state = ++self->next_state;
  self->saved_state = ++self->next_state;
  set_selection_internal (self, NULL);
  content_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  notify_state (self, was_modified, could_undo, could_redo);
  return TRUE;
}

// Saving into another folder rewrites relative paths for that folder (and
// back, if the write fails), so components and data stay found.
static gboolean
save_moving_paths (SluiceDocument  *self,
                   const char      *path,
                   GError         **error)
{
  g_autofree char *from_dir = NULL;
  g_autofree char *to_dir = NULL;
  g_autofree char *parent = NULL;
  guint moved = 0;

  if (sluice_pipeline_get_file (self->pipeline) != NULL)
    {
      from_dir = sluice_pipeline_dup_base_dir (self->pipeline);
      parent = g_path_get_dirname (path);
      to_dir = g_canonicalize_filename (parent, NULL);
      if (!g_str_equal (from_dir, to_dir))
        moved = sluice_pipeline_rebase (self->pipeline, self->registry, from_dir, to_dir);
    }

  if (!sluice_pipeline_save (self->pipeline, path, error))
    {
      if (moved > 0)
        sluice_pipeline_rebase (self->pipeline, self->registry, to_dir, from_dir);
      return FALSE;
    }
  if (moved > 0)
    content_changed (self);
  return TRUE;
}

// Opens a pipeline as the start of a new, untitled one (an example as a
// template): its relative paths still resolve from where it is, and the
// first save asks for a name and rewrites them for the new folder.
gboolean
sluice_document_load_template (SluiceDocument  *self,
                               const char      *path,
                               GError         **error)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!sluice_document_load_file (self, path, error))
    return FALSE;

  g_clear_pointer (&self->file, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  return TRUE;
}

gboolean
sluice_document_save (SluiceDocument  *self,
                      const char      *path,
                      GError         **error)
{
  gboolean was_modified;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (path == NULL)
    path = self->file;
  // A template keeps its file as the pipeline's (for its relative paths)
  // but must never be written over: it has no file name of its own yet.
  if (path == NULL)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "the pipeline has no file name yet");
      return FALSE;
    }
  if (!save_moving_paths (self, path, error))
    return FALSE;

  was_modified = sluice_document_get_modified (self);
  if (g_strcmp0 (path, self->file) != 0)
    {
      g_free (self->file);
      self->file = g_strdup (path);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
    }
  self->saved_state = self->state;
  notify_state (self, was_modified, sluice_document_can_undo (self), sluice_document_can_redo (self));
  return TRUE;
}

SluicePipeline *
sluice_document_get_pipeline (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);
  return self->pipeline;
}

SluiceComponentRegistry *
sluice_document_get_registry (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);
  return self->registry;
}

const char *
sluice_document_get_file (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);
  return self->file;
}

gboolean
sluice_document_get_modified (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  return self->state != self->saved_state;
}

guint
sluice_document_get_revision (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), 0);
  return self->revision;
}

GPtrArray *
sluice_document_get_problems (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  if (self->problems == NULL)
    self->problems = sluice_pipeline_validate (self->pipeline, self->registry);
  return self->problems;
}

SluiceComponent *
sluice_document_get_component (SluiceDocument *self,
                               SluiceStep     *step)
{
  SluiceComponent *component;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  if ((component = g_hash_table_lookup (self->components, step)) == NULL)
    {
      g_autofree char *message = NULL;

      component = sluice_pipeline_resolve_step (self->pipeline, step, self->registry, &message);
      if (component != NULL)
        g_hash_table_insert (self->components, step, component);
    }
  return component;
}

/* selection ----------------------------------------------------------------------- */

const char * const *
sluice_document_get_selection (SluiceDocument *self)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);
  return (const char * const *) self->selection;
}

gboolean
sluice_document_is_selected (SluiceDocument *self,
                             const char     *step_id)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  return g_strv_contains ((const char * const *) self->selection, step_id);
}

void
sluice_document_set_selection (SluiceDocument     *self,
                               const char * const *step_ids)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));

  if (self->link_step == NULL &&
      g_strv_equal ((const char * const *) self->selection, step_ids ? step_ids : (const char * const[]) { NULL }))
    return;
  set_selection_internal (self, step_ids);
}

void
sluice_document_select_link (SluiceDocument *self,
                             const char     *to_step,
                             const char     *input)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));
  g_return_if_fail (to_step == NULL || input != NULL);

  if (to_step == NULL)
    {
      sluice_document_set_selection (self, NULL);
      return;
    }
  if (g_strcmp0 (self->link_step, to_step) == 0 && g_strcmp0 (self->link_port, input) == 0)
    return;
  set_link_selection_internal (self, to_step, input);
}

gboolean
sluice_document_get_selected_link (SluiceDocument  *self,
                                   const char     **to_step,
                                   const char     **input)
{
  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (to_step != NULL)
    *to_step = self->link_step;
  if (input != NULL)
    *input = self->link_port;
  return self->link_step != NULL;
}

/* layout and geometry ----------------------------------------------------------- */

static JsonObject *
ensure_object_member (JsonObject *parent,
                      const char *key)
{
  JsonNode *node = json_object_get_member (parent, key);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_object_member (parent, key, json_object_new ());
      node = json_object_get_member (parent, key);
    }
  return json_node_get_object (node);
}

// A map in the layout ("nodes", "notes", "frames"), created when missing.
// The layout is kept as JSON in the pipeline so that whatever else the
// designer stores there survives.
static JsonObject *
layout_map (SluiceDocument *self,
            const char     *key,
            gboolean        create)
{
  JsonNode *layout = sluice_pipeline_get_layout (self->pipeline);
  JsonNode *nodes;

  if (layout == NULL || !JSON_NODE_HOLDS_OBJECT (layout))
    {
      g_autoptr(JsonNode) fresh = NULL;

      if (!create)
        return NULL;
      fresh = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (fresh, json_object_new ());
      sluice_pipeline_set_layout (self->pipeline, fresh);
      layout = sluice_pipeline_get_layout (self->pipeline);
    }

  nodes = json_object_get_member (json_node_get_object (layout), key);
  if (nodes == NULL || !JSON_NODE_HOLDS_OBJECT (nodes))
    return create ? ensure_object_member (json_node_get_object (layout), key) : NULL;
  return json_node_get_object (nodes);
}

static JsonObject *
layout_nodes (SluiceDocument *self,
              gboolean        create)
{
  return layout_map (self, "nodes", create);
}

static const char *
annotation_map_name (SluiceAnnotationKind kind)
{
  return kind == SLUICE_ANNOTATION_NOTE ? "notes" : "frames";
}

static const char *
annotation_text_key (SluiceAnnotationKind kind)
{
  return kind == SLUICE_ANNOTATION_NOTE ? "text" : "title";
}

// The JSON object of a note or frame, or NULL.
static JsonObject *
find_annotation (SluiceDocument       *self,
                 const char           *id,
                 SluiceAnnotationKind *kind)
{
  for (SluiceAnnotationKind k = SLUICE_ANNOTATION_NOTE; k <= SLUICE_ANNOTATION_FRAME; k++)
    {
      JsonObject *map = layout_map (self, annotation_map_name (k), FALSE);
      JsonNode *node = map && id ? json_object_get_member (map, id) : NULL;

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        {
          if (kind != NULL)
            *kind = k;
          return json_node_get_object (node);
        }
    }
  return NULL;
}

static double
member_number (JsonObject *object,
               const char *key)
{
  double value = NAN;

  sluice_json_node_get_number (json_object_get_member (object, key), &value);
  return value;
}

static gboolean
node_has_position (SluiceDocument *self,
                   const char     *step_id)
{
  double x, y;

  return sluice_document_get_position (self, step_id, &x, &y);
}

gboolean
sluice_document_get_position (SluiceDocument *self,
                              const char     *step_id,
                              double         *x,
                              double         *y)
{
  JsonObject *nodes = layout_nodes (self, FALSE);
  JsonNode *node = nodes ? json_object_get_member (nodes, step_id) : NULL;
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                             : find_annotation (self, step_id, NULL);

  if (object == NULL)
    {
      *x = *y = 0;
      return FALSE;
    }

  *x = member_number (object, "x");
  *y = member_number (object, "y");
  if (!isfinite (*x) || !isfinite (*y))
    {
      *x = *y = 0;
      return FALSE;
    }
  return TRUE;
}

static void
json_set_number (JsonObject *object,
                 const char *key,
                 double      value)
{
  // Whole numbers stay integers in the file: positions read better that way.
  if (value == floor (value) && fabs (value) < 1e12)
    json_object_set_int_member (object, key, (gint64) value);
  else
    json_object_set_double_member (object, key, value);
}

static void
set_position (SluiceDocument *self,
              const char     *step_id,
              double          x,
              double          y)
{
  JsonObject *nodes = layout_nodes (self, TRUE);
  JsonObject *node = ensure_object_member (nodes, step_id);

  json_set_number (node, "x", round (x));
  json_set_number (node, "y", round (y));
  g_hash_table_remove (self->rects, step_id);
  self->bounds_revision = 0;
}

static void
annotation_rect (JsonObject *object,
                 SluiceRect *rect)
{
  rect->x = member_number (object, "x");
  rect->y = member_number (object, "y");
  rect->width = member_number (object, "width");
  rect->height = member_number (object, "height");
  // A hand-edited file may lack a size or hold nonsense: draw it sensibly.
  if (!isfinite (rect->x) || !isfinite (rect->y))
    rect->x = rect->y = 0;
  if (!isfinite (rect->width) || rect->width < SLUICE_ANNOTATION_MIN)
    rect->width = MAX (SLUICE_ANNOTATION_MIN, isfinite (rect->width) ? rect->width : SLUICE_NOTE_WIDTH);
  if (!isfinite (rect->height) || rect->height < SLUICE_ANNOTATION_MIN)
    rect->height = MAX (SLUICE_ANNOTATION_MIN, isfinite (rect->height) ? rect->height : SLUICE_NOTE_HEIGHT);
}

static void
set_annotation_geometry (JsonObject       *object,
                         const SluiceRect *rect)
{
  json_set_number (object, "x", round (rect->x));
  json_set_number (object, "y", round (rect->y));
  json_set_number (object, "width", round (MAX (rect->width, SLUICE_ANNOTATION_MIN)));
  json_set_number (object, "height", round (MAX (rect->height, SLUICE_ANNOTATION_MIN)));
}

GStrv
sluice_document_list_annotations (SluiceDocument       *self,
                                  SluiceAnnotationKind  kind)
{
  JsonObject *map;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  if ((map = layout_map (self, annotation_map_name (kind), FALSE)) != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (map);

      for (GList *l = members; l != NULL; l = l->next)
        if (JSON_NODE_HOLDS_OBJECT (json_object_get_member (map, l->data)))
          g_strv_builder_add (builder, l->data);
    }
  return g_strv_builder_end (builder);
}

gboolean
sluice_document_get_annotation (SluiceDocument        *self,
                                const char            *id,
                                SluiceAnnotationKind  *kind,
                                SluiceRect            *rect,
                                const char           **text)
{
  SluiceAnnotationKind k;
  JsonObject *object;
  JsonNode *text_node;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if ((object = find_annotation (self, id, &k)) == NULL)
    return FALSE;
  if (kind != NULL)
    *kind = k;
  if (rect != NULL)
    annotation_rect (object, rect);
  if (text != NULL)
    {
      text_node = json_object_get_member (object, annotation_text_key (k));
      *text = text_node != NULL && JSON_NODE_HOLDS_VALUE (text_node) &&
              json_node_get_value_type (text_node) == G_TYPE_STRING ? json_node_get_string (text_node) : "";
    }
  return TRUE;
}

// A node's or an annotation's rectangle.
static gboolean
item_rect (SluiceDocument *self,
           const char     *id,
           SluiceRect     *rect)
{
  return sluice_document_get_node_rect (self, id, rect) ||
         sluice_document_get_annotation (self, id, NULL, rect, NULL);
}

static gboolean
rect_inside (const SluiceRect *inner,
             const SluiceRect *outer)
{
  return inner->x >= outer->x && inner->y >= outer->y &&
         inner->x + inner->width <= outer->x + outer->width &&
         inner->y + inner->height <= outer->y + outer->height;
}

static void
add_contents (SluiceDocument   *self,
              const char       *frame_id,
              const SluiceRect *frame,
              GPtrArray        *out,
              GHashTable       *seen)
{
  GPtrArray *steps = sluice_pipeline_get_steps (self->pipeline);
  g_auto(GStrv) notes = sluice_document_list_annotations (self, SLUICE_ANNOTATION_NOTE);
  g_auto(GStrv) frames = sluice_document_list_annotations (self, SLUICE_ANNOTATION_FRAME);
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();

  for (guint i = 0; i < steps->len; i++)
    g_ptr_array_add (candidates, (gpointer) sluice_step_get_id (g_ptr_array_index (steps, i)));
  for (guint i = 0; notes[i] != NULL; i++)
    g_ptr_array_add (candidates, notes[i]);
  for (guint i = 0; frames[i] != NULL; i++)
    g_ptr_array_add (candidates, frames[i]);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *id = g_ptr_array_index (candidates, i);
      SluiceRect r;

      if (g_str_equal (id, frame_id) || g_hash_table_contains (seen, id) ||
          !item_rect (self, id, &r) || !rect_inside (&r, frame))
        continue;
      g_hash_table_add (seen, g_strdup (id));
      g_ptr_array_add (out, g_strdup (id));
    }
}

GStrv
sluice_document_with_frame_contents (SluiceDocument     *self,
                                     const char * const *ids)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  SluiceAnnotationKind kind;
  SluiceRect r;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    if (g_hash_table_add (seen, g_strdup (ids[i])))
      g_ptr_array_add (out, g_strdup (ids[i]));
  // Contents are found by place, once, before anything moves: a frame
  // dragged over a node does not pick it up on the way.
  for (guint i = 0, n = out->len; i < n; i++)
    if (sluice_document_get_annotation (self, g_ptr_array_index (out, i), &kind, &r, NULL) &&
        kind == SLUICE_ANNOTATION_FRAME)
      add_contents (self, g_ptr_array_index (out, i), &r, out, seen);
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

// Ports drawn on the node: artifacts always, parameters only when a step
// output feeds them (otherwise they are edited in the inspector).
static ShownPorts *
shown_ports (SluiceDocument *self,
             SluiceStep     *step)
{
  ShownPorts *ports = g_hash_table_lookup (self->ports, step);
  SluiceComponent *component;

  if (ports != NULL)
    return ports;

  ports = g_new0 (ShownPorts, 1);
  ports->inputs = g_ptr_array_new ();
  ports->outputs = g_ptr_array_new ();
  if ((component = sluice_document_get_component (self, step)) != NULL)
    {
      GPtrArray *inputs = sluice_component_get_inputs (component);
      GPtrArray *outputs = sluice_component_get_outputs (component);

      for (guint i = 0; i < inputs->len; i++)
        {
          const SluicePortSpec *spec = g_ptr_array_index (inputs, i);
          const SluiceBinding *binding = sluice_step_get_input (step, spec->name);

          if (!sluice_port_type_is_parameter (spec->type) ||
              (binding != NULL && binding->kind == SLUICE_BINDING_STEP_OUTPUT))
            g_ptr_array_add (ports->inputs, spec->name);
        }
      for (guint i = 0; i < outputs->len; i++)
        g_ptr_array_add (ports->outputs, ((const SluicePortSpec *) g_ptr_array_index (outputs, i))->name);
    }
  g_hash_table_insert (self->ports, step, ports);
  return ports;
}

static guint
visible_ports (SluiceDocument *self,
               SluiceStep     *step,
               gboolean        output,
               const char     *port,
               gint           *index_out)
{
  ShownPorts *ports = shown_ports (self, step);
  GPtrArray *names = output ? ports->outputs : ports->inputs;

  if (index_out != NULL)
    {
      *index_out = -1;
      for (guint i = 0; port != NULL && i < names->len; i++)
        if (g_str_equal (g_ptr_array_index (names, i), port))
          {
            *index_out = (gint) i;
            break;
          }
    }
  return names->len;
}

gboolean
sluice_document_get_node_rect (SluiceDocument *self,
                               const char     *step_id,
                               SluiceRect     *rect)
{
  SluiceStep *step;
  SluiceRect *cached;
  guint rows;

  // Asked for every node in every frame: the layout's JSON is read once
  // per node, and again only when it moves or the pipeline changes.
  if (step_id != NULL && (cached = g_hash_table_lookup (self->rects, step_id)) != NULL)
    {
      *rect = *cached;
      return TRUE;
    }
  if ((step = sluice_pipeline_find_step (self->pipeline, step_id)) == NULL)
    return FALSE;

  sluice_document_get_position (self, step_id, &rect->x, &rect->y);
  rows = MAX (visible_ports (self, step, FALSE, NULL, NULL), visible_ports (self, step, TRUE, NULL, NULL));
  rect->width = SLUICE_NODE_WIDTH;
  rect->height = SLUICE_NODE_HEADER + MAX (rows, 1) * SLUICE_NODE_PORT_ROW + SLUICE_NODE_PADDING;
  g_hash_table_insert (self->rects, g_strdup (step_id), g_memdup2 (rect, sizeof *rect));
  return TRUE;
}

gboolean
sluice_document_get_port_point (SluiceDocument *self,
                                const char     *step_id,
                                gboolean        output,
                                const char     *port,
                                double         *x,
                                double         *y)
{
  SluiceStep *step = sluice_pipeline_find_step (self->pipeline, step_id);
  SluiceRect rect;
  gint index;

  if (step == NULL || !sluice_document_get_node_rect (self, step_id, &rect))
    return FALSE;
  visible_ports (self, step, output, port, &index);
  if (index < 0)
    return FALSE;

  *x = output ? rect.x + rect.width : rect.x;
  *y = rect.y + SLUICE_NODE_HEADER + (index + 0.5) * SLUICE_NODE_PORT_ROW;
  return TRUE;
}

void
sluice_document_get_bounds (SluiceDocument *self,
                            SluiceRect     *bounds)
{
  GPtrArray *steps = sluice_pipeline_get_steps (self->pipeline);
  g_auto(GStrv) notes = sluice_document_list_annotations (self, SLUICE_ANNOTATION_NOTE);
  g_auto(GStrv) frames = sluice_document_list_annotations (self, SLUICE_ANNOTATION_FRAME);
  guint n_notes = g_strv_length (notes), n_frames = g_strv_length (frames);
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  gboolean first = TRUE;

  if (self->bounds_revision == self->revision + 1)
    {
      *bounds = self->bounds;
      return;
    }

  for (guint i = 0; i < steps->len + n_notes + n_frames; i++)
    {
      const char *id = i < steps->len ? sluice_step_get_id (g_ptr_array_index (steps, i))
                     : i < steps->len + n_notes ? notes[i - steps->len] : frames[i - steps->len - n_notes];
      SluiceRect r;

      if (!item_rect (self, id, &r))
        continue;
      if (first)
        x0 = r.x, y0 = r.y, x1 = r.x + r.width, y1 = r.y + r.height, first = FALSE;
      x0 = MIN (x0, r.x);
      y0 = MIN (y0, r.y);
      x1 = MAX (x1, r.x + r.width);
      y1 = MAX (y1, r.y + r.height);
    }

  bounds->x = x0;
  bounds->y = y0;
  bounds->width = x1 - x0;
  bounds->height = y1 - y0;
  self->bounds = *bounds;
  self->bounds_revision = self->revision + 1;
}

static double
distance_to_link (double px, double py,
                  double x1, double y1,
                  double x2, double y2)
{
  double d = MAX (40.0, fabs (x2 - x1) / 2);
  double best = G_MAXDOUBLE;

  // The curve lies within the box of its control points: far from that
  // box, no need to sample (this runs for every link on every pointer move).
  if (px < MIN (x1, x2 - d) - 10 || px > MAX (x2, x1 + d) + 10 || py < MIN (y1, y2) - 10 || py > MAX (y1, y2) + 10)
    return G_MAXDOUBLE;

  // The link is the same cubic Bézier the canvas draws; sample it.
  for (int i = 0; i <= 32; i++)
    {
      double t = i / 32.0, u = 1 - t;
      double bx = u * u * u * x1 + 3 * u * u * t * (x1 + d) + 3 * u * t * t * (x2 - d) + t * t * t * x2;
      double by = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2;

      best = MIN (best, hypot (px - bx, py - by));
    }
  return best;
}

static gboolean
hit_ports (SluiceDocument *self,
           SluiceStep     *step,
           gboolean        output,
           double          x,
           double          y,
           SluiceHit      *hit)
{
  SluiceComponent *component = sluice_document_get_component (self, step);
  GPtrArray *specs;

  if (component == NULL)
    return FALSE;
  specs = output ? sluice_component_get_outputs (component) : sluice_component_get_inputs (component);
  for (guint i = 0; i < specs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (specs, i);
      double px, py;

      if (!sluice_document_get_port_point (self, sluice_step_get_id (step), output, spec->name, &px, &py))
        continue;
      if (hypot (x - px, y - py) <= SLUICE_PORT_RADIUS + 5)
        {
          hit->kind = output ? SLUICE_HIT_OUTPUT_PORT : SLUICE_HIT_INPUT_PORT;
          hit->step_id = g_strdup (sluice_step_get_id (step));
          hit->port = g_strdup (spec->name);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
hit_annotations (SluiceDocument       *self,
                 SluiceAnnotationKind  kind,
                 double                x,
                 double                y,
                 SluiceHit            *hit)
{
  g_auto(GStrv) ids = sluice_document_list_annotations (self, kind);

  // Later ones are drawn on top.
  for (guint i = g_strv_length (ids); i > 0; i--)
    {
      SluiceRect r;

      sluice_document_get_annotation (self, ids[i - 1], NULL, &r, NULL);
      if (x < r.x || x > r.x + r.width || y < r.y || y > r.y + r.height)
        continue;
      if (x >= r.x + r.width - SLUICE_RESIZE_HANDLE && y >= r.y + r.height - SLUICE_RESIZE_HANDLE)
        hit->kind = SLUICE_HIT_RESIZE;
      else if (kind == SLUICE_ANNOTATION_NOTE)
        hit->kind = SLUICE_HIT_NOTE;
      else if (y <= r.y + SLUICE_FRAME_TITLE_HEIGHT)
        hit->kind = SLUICE_HIT_FRAME;
      else
        continue;   // inside a frame is empty canvas, for rubber bands
      hit->step_id = g_strdup (ids[i - 1]);
      return TRUE;
    }
  return FALSE;
}

SluiceHit
sluice_document_hit_test (SluiceDocument *self,
                          double          x,
                          double          y)
{
  GPtrArray *steps = sluice_pipeline_get_steps (self->pipeline);
  SluiceHit hit = { SLUICE_HIT_NONE, NULL, NULL };

  // Later nodes are drawn on top, so they are hit first.
  for (guint i = steps->len; i > 0; i--)
    {
      SluiceStep *step = g_ptr_array_index (steps, i - 1);
      const double reach = SLUICE_PORT_RADIUS + 5;
      SluiceRect r;

      // Ports stick out of the node's sides by at most their reach.
      if (!sluice_document_get_node_rect (self, sluice_step_get_id (step), &r) ||
          x < r.x - reach || x > r.x + r.width + reach || y < r.y - reach || y > r.y + r.height + reach)
        continue;
      if (hit_ports (self, step, TRUE, x, y, &hit) || hit_ports (self, step, FALSE, x, y, &hit))
        return hit;
      if (x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height)
        {
          hit.kind = SLUICE_HIT_NODE;
          hit.step_id = g_strdup (sluice_step_get_id (step));
          return hit;
        }
    }

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      GPtrArray *inputs = sluice_step_get_inputs (step);

      for (guint j = 0; j < inputs->len; j++)
        {
          const SluiceBinding *b = g_ptr_array_index (inputs, j);
          double x1, y1, x2, y2;

          if (b->kind != SLUICE_BINDING_STEP_OUTPUT ||
              !sluice_document_get_port_point (self, b->step, TRUE, b->name, &x1, &y1) ||
              !sluice_document_get_port_point (self, sluice_step_get_id (step), FALSE, b->port, &x2, &y2))
            continue;
          if (distance_to_link (x, y, x1, y1, x2, y2) <= 6)
            {
              hit.kind = SLUICE_HIT_LINK;
              hit.step_id = g_strdup (sluice_step_get_id (step));
              hit.port = g_strdup (b->port);
              return hit;
            }
        }
    }

  // Notes and frames lie under nodes and links.
  if (!hit_annotations (self, SLUICE_ANNOTATION_NOTE, x, y, &hit))
    hit_annotations (self, SLUICE_ANNOTATION_FRAME, x, y, &hit);
  return hit;
}

/* commands ------------------------------------------------------------------------ */

static gboolean
id_taken (SluiceDocument *self,
          GHashTable     *reserved,
          const char     *id)
{
  return sluice_pipeline_find_step (self->pipeline, id) != NULL || find_annotation (self, id, NULL) != NULL ||
         (reserved != NULL && g_hash_table_contains (reserved, id));
}

// "note-3": the hyphen keeps annotation ids apart from step ids.
static char *
unique_annotation_id (SluiceDocument       *self,
                      SluiceAnnotationKind  kind,
                      GHashTable           *reserved)
{
  for (guint n = 1;; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s-%u", kind == SLUICE_ANNOTATION_NOTE ? "note" : "frame", n);

      if (!id_taken (self, reserved, candidate))
        return g_steal_pointer (&candidate);
    }
}

// reserved: ids promised to other steps of the same paste, or NULL.
static char *
unique_step_id (SluiceDocument *self,
                const char     *base,
                GHashTable     *reserved)
{
  g_autofree char *clean = NULL;

  // Ids must be [a-z][a-z0-9_]*; anything else becomes '_'.
  clean = g_ascii_strdown (base && *base ? base : "step", -1);
  for (char *p = clean; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      *p = '_';
  if (!g_ascii_islower (clean[0]))
    {
      char *prefixed = g_strconcat ("s_", clean, NULL);

      g_free (clean);
      clean = prefixed;
    }

  if (!id_taken (self, reserved, clean))
    return g_steal_pointer (&clean);

  // A copy of "train_2" becomes "train_3", not "train_2_2".
  {
    char *underscore = strrchr (clean, '_');

    if (underscore != NULL && underscore > clean && underscore[1] != '\0' &&
        strspn (underscore + 1, "0123456789") == strlen (underscore + 1))
      *underscore = '\0';
  }

  for (guint n = 2;; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s_%u", clean, n);

      if (!id_taken (self, reserved, candidate))
        return g_steal_pointer (&candidate);
    }
}

char *
sluice_document_add_step (SluiceDocument  *self,
                          const char      *component_ref,
                          double           x,
                          double           y,
                          GError         **error)
{
  g_autofree char *base_dir = NULL;
  g_autofree char *message = NULL;
  g_autoptr(SluiceStep) step = NULL;
  const char *ids[2] = { NULL, NULL };
  SluiceComponent *component;
  char *id;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  base_dir = sluice_pipeline_dup_base_dir (self->pipeline);
  component = sluice_component_registry_resolve (self->registry, component_ref, base_dir, &message);
  if (component == NULL)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, message);
      return NULL;
    }

  begin_command (self);
  id = unique_step_id (self, sluice_component_get_name (component), NULL);
  step = sluice_step_new (id, component_ref);
  sluice_pipeline_add_step (self->pipeline, step);
  set_position (self, id, x, y);
  ids[0] = id;
  set_selection_internal (self, ids);
  end_command (self);
  return id;
}

static void
remove_links_to (SluicePipeline     *pipeline,
                 const char * const *removed)
{
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);

  for (guint i = 0; i < steps->len; i++)
    {
      GPtrArray *inputs = sluice_step_get_inputs (g_ptr_array_index (steps, i));

      for (guint j = inputs->len; j > 0; j--)
        {
          const SluiceBinding *b = g_ptr_array_index (inputs, j - 1);

          if (b->kind == SLUICE_BINDING_STEP_OUTPUT && g_strv_contains (removed, b->step))
            g_ptr_array_remove_index (inputs, j - 1);
        }
    }
}

gboolean
sluice_document_remove_steps (SluiceDocument     *self,
                              const char * const *step_ids)
{
  JsonObject *nodes;
  gboolean any = FALSE;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  begin_command (self);
  nodes = layout_nodes (self, FALSE);
  for (guint i = 0; step_ids != NULL && step_ids[i] != NULL; i++)
    {
      SluiceAnnotationKind kind;

      if (find_annotation (self, step_ids[i], &kind) != NULL)
        {
          JsonObject *map = layout_map (self, annotation_map_name (kind), FALSE);

          json_object_remove_member (map, step_ids[i]);
          // The last one gone, the file is as it was before there were any.
          if (json_object_get_size (map) == 0)
            json_object_remove_member (json_node_get_object (sluice_pipeline_get_layout (self->pipeline)),
                                       annotation_map_name (kind));
          any = TRUE;
          continue;
        }
      if (!sluice_pipeline_remove_step (self->pipeline, step_ids[i]))
        continue;
      any = TRUE;
      if (nodes != NULL && json_object_has_member (nodes, step_ids[i]))
        json_object_remove_member (nodes, step_ids[i]);
    }
  if (any)
    {
      remove_links_to (self->pipeline, step_ids);
      set_selection_internal (self, NULL);
    }
  end_command (self);
  return any;
}

void
sluice_document_move_steps (SluiceDocument     *self,
                            const char * const *step_ids,
                            double              dx,
                            double              dy)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));

  begin_command (self);
  for (guint i = 0; step_ids != NULL && step_ids[i] != NULL; i++)
    {
      JsonObject *annotation = find_annotation (self, step_ids[i], NULL);
      double x, y;

      if (annotation != NULL)
        {
          SluiceRect r;

          annotation_rect (annotation, &r);
          r.x += dx;
          r.y += dy;
          set_annotation_geometry (annotation, &r);
          continue;
        }
      if (sluice_pipeline_find_step (self->pipeline, step_ids[i]) == NULL)
        continue;
      sluice_document_get_position (self, step_ids[i], &x, &y);
      set_position (self, step_ids[i], x + dx, y + dy);
    }
  end_layout_command (self);
}

// Would a link from `from` to `to` close a loop, i.e. does `from` already
// depend on `to`?
static gboolean
depends_on (SluicePipeline *pipeline,
            SluiceStep     *from,
            SluiceStep     *to)
{
  g_autoptr(GPtrArray) queue = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  g_ptr_array_add (queue, from);
  for (guint i = 0; i < queue->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (queue, i);
      g_autoptr(GPtrArray) deps = NULL;

      if (step == to)
        return TRUE;
      if (!g_hash_table_add (seen, step))
        continue;
      deps = sluice_pipeline_get_step_dependencies (pipeline, step);
      g_ptr_array_extend (queue, deps, NULL, NULL);
    }
  return FALSE;
}

gboolean
sluice_document_connect (SluiceDocument  *self,
                         const char      *from_step,
                         const char      *output,
                         const char      *to_step,
                         const char      *input,
                         GError         **error)
{
  SluiceStep *from = sluice_pipeline_find_step (self->pipeline, from_step);
  SluiceStep *to = sluice_pipeline_find_step (self->pipeline, to_step);
  SluiceComponent *from_component = from ? sluice_document_get_component (self, from) : NULL;
  SluiceComponent *to_component = to ? sluice_document_get_component (self, to) : NULL;
  const SluicePortSpec *out = from_component ? sluice_component_find_output (from_component, output) : NULL;
  const SluicePortSpec *in = to_component ? sluice_component_find_input (to_component, input) : NULL;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (out == NULL || in == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "there is no output '%s' on '%s' or no input '%s' on '%s'",
                   output, from_step, input, to_step);
      return FALSE;
    }
  if (from == to || depends_on (self->pipeline, from, to))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
                   "linking %s to %s would make a cycle: %s already depends on %s", from_step, to_step, from_step, to_step);
      return FALSE;
    }
  if (!sluice_port_type_is_compatible (out->type, in->type))
    {
      g_autofree char *why = sluice_port_type_explain_mismatch (out->type, in->type);

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "cannot connect %s (%s) to %s (%s): %s",
                   output, out->type, input, in->type, why);
      return FALSE;
    }

  begin_command (self);
  // An input takes one link; a new one replaces the old.
  sluice_step_set_input (to, sluice_binding_new_reference (input, SLUICE_BINDING_STEP_OUTPUT, from_step, output));
  end_command (self);
  return TRUE;
}

gboolean
sluice_document_disconnect (SluiceDocument *self,
                            const char     *to_step,
                            const char     *input)
{
  SluiceStep *to = sluice_pipeline_find_step (self->pipeline, to_step);
  gboolean removed;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (to == NULL)
    return FALSE;
  begin_command (self);
  removed = sluice_step_unset_input (to, input);
  if (removed && g_strcmp0 (self->link_step, to_step) == 0 && g_strcmp0 (self->link_port, input) == 0)
    set_selection_internal (self, NULL);
  end_command (self);
  return removed;
}

gboolean
sluice_document_set_input (SluiceDocument  *self,
                           const char      *step_id,
                           const char      *input,
                           JsonNode        *value,
                           GError         **error)
{
  SluiceStep *step = sluice_pipeline_find_step (self->pipeline, step_id);
  SluiceComponent *component = step ? sluice_document_get_component (self, step) : NULL;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (component == NULL || sluice_component_find_input (component, input) == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "step '%s' has no input '%s'", step_id, input);
      return FALSE;
    }

  begin_command (self);
  if (value == NULL)
    sluice_step_unset_input (step, input);
  else
    {
      g_autofree char *message = NULL;
      SluiceBinding *binding = sluice_binding_parse (input, value, &message);

      if (binding == NULL)
        {
          binding = sluice_binding_new_literal (input, value);
          binding->malformed = TRUE;
        }
      sluice_step_set_input (step, binding);
    }
  end_command (self);
  return TRUE;
}

gboolean
sluice_document_set_display_name (SluiceDocument *self,
                                  const char     *step_id,
                                  const char     *display_name)
{
  SluiceStep *step = sluice_pipeline_find_step (self->pipeline, step_id);

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (step == NULL)
    return FALSE;
  begin_command (self);
  sluice_step_set_display_name (step, display_name && *display_name ? display_name : NULL);
  end_command (self);
  return TRUE;
}

/* clipboard ------------------------------------------------------------------------ */

char *
sluice_document_copy (SluiceDocument     *self,
                      const char * const *step_ids)
{
  g_autoptr(SluicePipeline) clip = sluice_pipeline_new ();
  g_autoptr(SluiceDocument) scratch = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) ids = NULL;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  // The clipboard is a small pipeline of the copied steps and their
  // positions, and notes and frames in its layout; pasting reads it like
  // any pipeline. A frame is copied with what it holds.
  scratch = sluice_document_new (self->registry);
  g_set_object (&scratch->pipeline, clip);
  ids = sluice_document_with_frame_contents (self, step_ids);
  step_ids = (const char * const *) ids;
  for (guint i = 0; step_ids[i] != NULL; i++)
    {
      SluiceStep *step = sluice_pipeline_find_step (self->pipeline, step_ids[i]);
      SluiceAnnotationKind kind;
      double x, y;

      if (find_annotation (self, step_ids[i], &kind) != NULL)
        {
          JsonObject *from = layout_map (self, annotation_map_name (kind), FALSE);
          JsonObject *to = layout_map (scratch, annotation_map_name (kind), TRUE);

          json_object_set_member (to, step_ids[i], json_node_copy (json_object_get_member (from, step_ids[i])));
          continue;
        }
      if (step == NULL)
        continue;
      sluice_pipeline_add_step (clip, step);
      sluice_document_get_position (self, step_ids[i], &x, &y);
      set_position (scratch, step_ids[i], x, y);
    }

  text = sluice_pipeline_to_data (clip);
  return g_steal_pointer (&text);
}

static void
rename_links (SluiceStep *step,
              GHashTable *renames)
{
  GPtrArray *inputs = sluice_step_get_inputs (step);

  for (guint j = inputs->len; j > 0; j--)
    {
      SluiceBinding *b = g_ptr_array_index (inputs, j - 1);
      const char *new_id;

      if (b->kind != SLUICE_BINDING_STEP_OUTPUT)
        continue;
      // Links between pasted steps are kept; links to steps left behind
      // are dropped, as in the Azure designer.
      if ((new_id = g_hash_table_lookup (renames, b->step)) == NULL)
        g_ptr_array_remove_index (inputs, j - 1);
      else
        {
          g_free (b->step);
          b->step = g_strdup (new_id);
        }
    }
}

static void
paste_annotations (SluiceDocument *self,
                   SluiceDocument *clip,
                   double          dx,
                   double          dy,
                   GHashTable     *reserved,
                   GStrvBuilder   *pasted)
{
  g_autoptr(GPtrArray) new_ids = g_ptr_array_new_with_free_func (g_free);

  for (SluiceAnnotationKind kind = SLUICE_ANNOTATION_NOTE; kind <= SLUICE_ANNOTATION_FRAME; kind++)
    {
      g_auto(GStrv) ids = sluice_document_list_annotations (clip, kind);

      for (guint i = 0; ids[i] != NULL; i++)
        {
          JsonObject *original = find_annotation (clip, ids[i], NULL);
          g_autoptr(JsonNode) copy = json_node_copy (json_object_get_member (layout_map (clip, annotation_map_name (kind), FALSE), ids[i]));
          char *id = unique_annotation_id (self, kind, reserved);
          SluiceRect r;

          annotation_rect (original, &r);
          r.x += dx;
          r.y += dy;
          set_annotation_geometry (json_node_get_object (copy), &r);
          json_object_set_member (layout_map (self, annotation_map_name (kind), TRUE), id, g_steal_pointer (&copy));
          g_ptr_array_add (new_ids, id);
          g_hash_table_add (reserved, id);
          g_strv_builder_add (pasted, id);
        }
    }
}

gboolean
sluice_document_paste (SluiceDocument  *self,
                       const char      *text,
                       double           dx,
                       double           dy,
                       GError         **error)
{
  g_autoptr(SluicePipeline) clip = NULL;
  g_autoptr(SluiceDocument) scratch = NULL;
  g_autoptr(GHashTable) renames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) reserved = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GStrvBuilder) pasted = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  GPtrArray *steps;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if (!(clip = sluice_pipeline_load_data (text, strlen (text), self->file, error)))
    return FALSE;
  scratch = sluice_document_new (self->registry);
  g_set_object (&scratch->pipeline, clip);
  steps = sluice_pipeline_get_steps (clip);

  begin_command (self);
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      char *id = unique_step_id (self, sluice_step_get_id (step), reserved);

      // Reserve the id at once so that two pasted steps never get the same.
      g_hash_table_insert (renames, g_strdup (sluice_step_get_id (step)), id);
      g_hash_table_add (reserved, id);
    }
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      const char *id = g_hash_table_lookup (renames, sluice_step_get_id (step));
      double x, y;

      sluice_document_get_position (scratch, sluice_step_get_id (step), &x, &y);
      rename_links (step, renames);
      sluice_step_set_id (step, id);
      sluice_pipeline_add_step (self->pipeline, step);
      set_position (self, id, x + dx, y + dy);
      g_strv_builder_add (pasted, id);
    }
  paste_annotations (self, scratch, dx, dy, reserved, pasted);
  ids = g_strv_builder_end (pasted);
  set_selection_internal (self, (const char * const *) ids);
  end_command (self);
  return TRUE;
}

/* auto-layout -------------------------------------------------------------------- */

typedef struct
{
  SluiceStep *step;
  guint       layer;
  double      order;
} Placed;

static int
compare_placed (gconstpointer a,
                gconstpointer b)
{
  const Placed *pa = *(const Placed * const *) a;
  const Placed *pb = *(const Placed * const *) b;

  if (pa->layer != pb->layer)
    return pa->layer < pb->layer ? -1 : 1;
  return pa->order < pb->order ? -1 : pa->order > pb->order ? 1 : 0;
}

// Layered, left to right: a step's column is its depth in the graph, and
// within a column steps are ordered by the average position of what feeds
// them, which removes most crossings in a few sweeps.
static void
layout_steps (SluiceDocument *self)
{
  g_autoptr(GHashTable) levels = NULL;
  g_autoptr(GPtrArray) order = sluice_pipeline_topological_order (self->pipeline, &levels);
  g_autoptr(GPtrArray) placed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) by_step = g_hash_table_new (NULL, NULL);
  GPtrArray *steps = sluice_pipeline_get_steps (self->pipeline);
  guint max_layer = 0;
  double column_y[4096] = { 0 };

  for (guint i = 0; i < order->len; i++)
    max_layer = MAX (max_layer, GPOINTER_TO_UINT (g_hash_table_lookup (levels, g_ptr_array_index (order, i))));

  for (guint i = 0; i < steps->len; i++)
    {
      Placed *p = g_new0 (Placed, 1);

      p->step = g_ptr_array_index (steps, i);
      // Steps in a cycle have no level; they go in a last column.
      p->layer = g_hash_table_contains (levels, p->step)
        ? GPOINTER_TO_UINT (g_hash_table_lookup (levels, p->step)) : max_layer + 1;
      p->layer = MIN (p->layer, G_N_ELEMENTS (column_y) - 1);
      p->order = i;
      g_ptr_array_add (placed, p);
      g_hash_table_insert (by_step, p->step, p);
    }

  for (guint sweep = 0; sweep < 4; sweep++)
    {
      g_ptr_array_sort (placed, compare_placed);
      for (guint i = 0, rank = 0, layer = G_MAXUINT; i < placed->len; i++)
        {
          Placed *p = g_ptr_array_index (placed, i);

          rank = p->layer == layer ? rank + 1 : 0;
          layer = p->layer;
          p->order = rank;
        }
      for (guint i = 0; i < placed->len; i++)
        {
          Placed *p = g_ptr_array_index (placed, i);
          g_autoptr(GPtrArray) deps = sluice_pipeline_get_step_dependencies (self->pipeline, p->step);
          double sum = 0;

          if (deps->len == 0)
            continue;
          for (guint d = 0; d < deps->len; d++)
            sum += ((Placed *) g_hash_table_lookup (by_step, g_ptr_array_index (deps, d)))->order;
          // A small bias keeps the earlier order among equals.
          p->order = sum / deps->len + p->order * 1e-3;
        }
    }
  g_ptr_array_sort (placed, compare_placed);

  for (guint i = 0; i < placed->len; i++)
    {
      Placed *p = g_ptr_array_index (placed, i);
      const char *id = sluice_step_get_id (p->step);
      SluiceRect r;

      set_position (self, id, p->layer * (SLUICE_NODE_WIDTH + SLUICE_LAYOUT_COLUMN_GAP), column_y[p->layer]);
      sluice_document_get_node_rect (self, id, &r);
      column_y[p->layer] += r.height + SLUICE_LAYOUT_ROW_GAP;
    }
}

void
sluice_document_auto_layout (SluiceDocument *self)
{
  g_return_if_fail (SLUICE_IS_DOCUMENT (self));

  begin_command (self);
  layout_steps (self);
  end_layout_command (self);
}

/* notes and frames ------------------------------------------------------------------- */

static char *
add_annotation (SluiceDocument       *self,
                SluiceAnnotationKind  kind,
                const SluiceRect     *rect,
                const char           *text)
{
  g_autoptr(JsonObject) object = json_object_new ();
  const char *ids[2] = { NULL, NULL };
  char *id;

  begin_command (self);
  id = unique_annotation_id (self, kind, NULL);
  set_annotation_geometry (object, rect);
  json_object_set_string_member (object, annotation_text_key (kind), text ? text : "");
  json_object_set_object_member (layout_map (self, annotation_map_name (kind), TRUE), id, json_object_ref (object));
  ids[0] = id;
  set_selection_internal (self, ids);
  end_layout_command (self);
  return id;
}

char *
sluice_document_add_note (SluiceDocument *self,
                          double          x,
                          double          y,
                          const char     *text)
{
  SluiceRect r = { x, y, SLUICE_NOTE_WIDTH, SLUICE_NOTE_HEIGHT };

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);
  return add_annotation (self, SLUICE_ANNOTATION_NOTE, &r, text);
}

char *
sluice_document_frame_selection (SluiceDocument *self,
                                 const char     *title)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  SluiceRect frame;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), NULL);

  for (guint i = 0; self->selection[i] != NULL; i++)
    {
      SluiceRect r;

      if (!item_rect (self, self->selection[i], &r))
        continue;
      x0 = MIN (x0, r.x);
      y0 = MIN (y0, r.y);
      x1 = MAX (x1, r.x + r.width);
      y1 = MAX (y1, r.y + r.height);
    }
  if (x0 > x1)
    return NULL;

  // Room around the group, and above it for the title bar.
  frame.x = x0 - SLUICE_FRAME_PADDING;
  frame.y = y0 - SLUICE_FRAME_PADDING - SLUICE_FRAME_TITLE_HEIGHT;
  frame.width = x1 - x0 + 2 * SLUICE_FRAME_PADDING;
  frame.height = y1 - y0 + 2 * SLUICE_FRAME_PADDING + SLUICE_FRAME_TITLE_HEIGHT;
  // Rounded outwards, so what was framed stays wholly inside.
  frame.width = ceil (frame.x + frame.width) - floor (frame.x);
  frame.height = ceil (frame.y + frame.height) - floor (frame.y);
  frame.x = floor (frame.x);
  frame.y = floor (frame.y);
  return add_annotation (self, SLUICE_ANNOTATION_FRAME, &frame, title);
}

gboolean
sluice_document_set_annotation_rect (SluiceDocument   *self,
                                     const char       *id,
                                     const SluiceRect *rect)
{
  JsonObject *object;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if ((object = find_annotation (self, id, NULL)) == NULL ||
      !isfinite (rect->x) || !isfinite (rect->y) || !isfinite (rect->width) || !isfinite (rect->height))
    return FALSE;
  begin_command (self);
  set_annotation_geometry (object, rect);
  end_layout_command (self);
  return TRUE;
}

gboolean
sluice_document_set_annotation_text (SluiceDocument *self,
                                     const char     *id,
                                     const char     *text)
{
  SluiceAnnotationKind kind;
  JsonObject *object;

  g_return_val_if_fail (SLUICE_IS_DOCUMENT (self), FALSE);

  if ((object = find_annotation (self, id, &kind)) == NULL)
    return FALSE;
  begin_command (self);
  json_object_set_string_member (object, annotation_text_key (kind), text ? text : "");
  end_layout_command (self);
  return TRUE;
}
