// SPDX-License-Identifier: GPL-3.0-or-later
//
// The run engine. Like Builder's IdePipeline it never loops on its own: any
// change (a step finished, a slot freed, a cancel) asks for one tick, and a
// tick looks at every step and moves what can move. All state lives on the
// main loop; processes report back through callbacks.

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-component.h"
#include "sluice-error.h"
#include "sluice-file.h"
#include "sluice-graph.h"
#include "sluice-json.h"
#include "sluice-port-type.h"
#include "sluice-process.h"
#include "sluice-run.h"
#include "sluice-validate.h"

#define DEFAULT_KILL_GRACE_MS 5000
// How long events wait to be written to the history together. Short, as
// watchers in other processes (the app, the server's event stream) see an
// event only once it is written; long enough that a chatty step's lines
// share a commit (at most 40 a second, each a few ms in WAL mode).
#define HISTORY_FLUSH_INTERVAL_MS 25
#define MAX_BACKOFF_SECONDS   60.0

typedef struct
{
  SluiceRun        *run;
  SluiceStep       *step;
  SluiceComponent  *component;
  guint             index;
  GArray           *deps;            // guint
  SluiceState       state;
  guint             attempt;
  guint             max_attempts;
  double            timeout_s;       // 0 = none
  double            backoff_s;
  SluiceProcess    *process;
  guint             timeout_source;
  guint             retry_source;
  gboolean          timed_out;
  gboolean          cancel_requested;
  gboolean          forced;
  char             *work_dir;
  char             *cache_key;
  char             *code_hash;
  char             *code_git_commit;
  char             *tool_versions;   // JSON object text
  char            **argv;
  GHashTable       *arguments;       // input port -> argument text (NULL = not given)
  GHashTable       *input_hashes;    // input port -> artifact hash
  GHashTable       *output_paths;    // output port -> path in work_dir
  GHashTable       *output_hashes;   // output port -> artifact hash
  gint64            started_at;
  gint64            finished_at;
  gint              exit_code;
  gint64            reused_from_run;
  char             *message;
  char             *last_error_line; // the step's own last word on stderr, for failure messages
} StepRun;

struct _SluiceRun
{
  GObject                  parent_instance;

  SluicePipeline          *pipeline;
  SluiceComponentRegistry *registry;
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  SluiceRunRecord         *record;
  GHashTable              *input_overrides;   // name -> JsonNode*
  GHashTable              *forced;            // step ids
  guint                    jobs;
  guint                    kill_grace_ms;
  GPtrArray               *steps;             // StepRun*, in topological order
  GHashTable              *steps_by_id;       // id -> StepRun*
  guint                    running;
  guint                    tick_source;
  guint                    flush_source;
  gint64                   last_flush;     // when the history was last written (monotonic µs)
  GPtrArray               *pending_logs;      // SluiceLogLine*
  GPtrArray               *pending_events;    // SluiceRunEvent*, all kinds but logs
  gboolean                 stopping;          // a failure or cancel: start nothing new
  gboolean                 cancelled;
  gboolean                 continue_on_failure;
  gboolean                 force_all;
  SluiceState              state;
  GTask                   *task;
  gulong                   cancel_handler;
  GCancellable            *cancellable;
  char                    *base_dir;
  GHashTable              *specs;             // SluiceComponent* -> canonical spec text
  GHashTable              *tool_versions;     // program path -> its --version line
};

G_DEFINE_FINAL_TYPE (SluiceRun, sluice_run, G_TYPE_OBJECT)

enum {
  EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_tick (SluiceRun *self);

static void
step_run_free (gpointer data)
{
  StepRun *sr = data;

  g_clear_pointer (&sr->process, sluice_process_free);
  g_clear_handle_id (&sr->timeout_source, g_source_remove);
  g_clear_handle_id (&sr->retry_source, g_source_remove);
  g_clear_pointer (&sr->deps, g_array_unref);
  g_clear_object (&sr->step);
  g_clear_object (&sr->component);
  g_free (sr->work_dir);
  g_free (sr->cache_key);
  g_free (sr->code_hash);
  g_free (sr->code_git_commit);
  g_free (sr->tool_versions);
  g_strfreev (sr->argv);
  g_clear_pointer (&sr->arguments, g_hash_table_unref);
  g_clear_pointer (&sr->input_hashes, g_hash_table_unref);
  g_clear_pointer (&sr->output_paths, g_hash_table_unref);
  g_clear_pointer (&sr->output_hashes, g_hash_table_unref);
  g_free (sr->message);
  g_free (sr->last_error_line);
  g_free (sr);
}

static void
sluice_run_dispose (GObject *object)
{
  SluiceRun *self = (SluiceRun *)object;

  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->cancellable != NULL && self->cancel_handler != 0)
    g_cancellable_disconnect (self->cancellable, self->cancel_handler);
  self->cancel_handler = 0;
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->steps, g_ptr_array_unref);

  G_OBJECT_CLASS (sluice_run_parent_class)->dispose (object);
}

static void
sluice_run_finalize (GObject *object)
{
  SluiceRun *self = (SluiceRun *)object;

  g_clear_object (&self->pipeline);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_object (&self->history);
  g_clear_pointer (&self->record, sluice_run_record_free);
  g_clear_pointer (&self->input_overrides, g_hash_table_unref);
  g_clear_pointer (&self->forced, g_hash_table_unref);
  g_clear_pointer (&self->steps_by_id, g_hash_table_unref);
  g_clear_pointer (&self->pending_logs, g_ptr_array_unref);
  g_clear_pointer (&self->pending_events, g_ptr_array_unref);
  g_clear_object (&self->task);
  g_free (self->base_dir);
  g_clear_pointer (&self->specs, g_hash_table_unref);
  g_clear_pointer (&self->tool_versions, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_run_parent_class)->finalize (object);
}

static void
sluice_run_class_init (SluiceRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_run_dispose;
  object_class->finalize = sluice_run_finalize;

  /**
   * SluiceRun::event:
   * @event: a #SluiceRunEvent
   *
   * Everything that happens: run and step states, log lines, metrics and
   * artifacts, in the order they happen.
   */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1,
                                 SLUICE_TYPE_RUN_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sluice_run_init (SluiceRun *self)
{
  self->input_overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
  self->forced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->steps_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->pending_logs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
  self->pending_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  self->kill_grace_ms = DEFAULT_KILL_GRACE_MS;
  self->state = SLUICE_STATE_PENDING;
  self->specs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->tool_versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SluiceRun *
sluice_run_new (SluicePipeline          *pipeline,
                SluiceComponentRegistry *registry,
                SluiceArtifactStore     *store,
                SluiceHistory           *history)
{
  SluiceRun *self = g_object_new (SLUICE_TYPE_RUN, NULL);

  self->pipeline = g_object_ref (pipeline);
  self->registry = g_object_ref (registry);
  self->store = g_object_ref (store);
  self->history = g_object_ref (history);
  self->base_dir = sluice_pipeline_dup_base_dir (pipeline);
  return self;
}

void
sluice_run_set_jobs (SluiceRun *self,
                     guint      jobs)
{
  g_return_if_fail (SLUICE_IS_RUN (self));
  self->jobs = jobs;
}

void
sluice_run_set_input (SluiceRun  *self,
                      const char *name,
                      JsonNode   *value)
{
  g_return_if_fail (SLUICE_IS_RUN (self));
  g_hash_table_replace (self->input_overrides, g_strdup (name), json_node_copy (value));
}

void
sluice_run_force_step (SluiceRun  *self,
                       const char *step_id)
{
  g_return_if_fail (SLUICE_IS_RUN (self));
  g_hash_table_add (self->forced, g_strdup (step_id));
}

void
sluice_run_set_kill_grace (SluiceRun *self,
                           guint      milliseconds)
{
  g_return_if_fail (SLUICE_IS_RUN (self));
  self->kill_grace_ms = milliseconds;
}

gint64
sluice_run_get_id (SluiceRun *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN (self), 0);
  return self->record ? self->record->id : 0;
}

SluiceState
sluice_run_get_state (SluiceRun *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN (self), SLUICE_STATE_PENDING);
  return self->state;
}

SluiceState
sluice_run_get_step_state (SluiceRun  *self,
                           const char *step_id)
{
  StepRun *sr;

  g_return_val_if_fail (SLUICE_IS_RUN (self), SLUICE_STATE_PENDING);
  sr = g_hash_table_lookup (self->steps_by_id, step_id);
  return sr ? sr->state : SLUICE_STATE_PENDING;
}

/* events and history ------------------------------------------------------- */

static gboolean flush_history (gpointer user_data);

// The first event after a quiet spell is written at once (on the next
// main loop turn, with whatever else this turn emits; not at idle, which a
// flood of log output would starve), later ones at most every
// HISTORY_FLUSH_INTERVAL_MS: watchers see a step change without waiting
// for the batch interval, and a flood of log lines is still one
// transaction per interval.
static void
schedule_flush (SluiceRun *self)
{
  gint64 since_last = (g_get_monotonic_time () - self->last_flush) / 1000;

  if (self->flush_source != 0)
    return;
  if (since_last >= HISTORY_FLUSH_INTERVAL_MS)
    self->flush_source = g_timeout_add (0, flush_history, self);
  else
    self->flush_source = g_timeout_add (HISTORY_FLUSH_INTERVAL_MS - since_last, flush_history, self);
}

// Every event but log lines (add_log queues those) is also kept for the
// history's events table, so monitors in other processes see the same.
static void
emit (SluiceRun      *self,
      SluiceRunEvent *event)
{
  g_signal_emit (self, signals[EVENT], 0, event);
  if (event->kind != SLUICE_RUN_EVENT_LOG && self->record != NULL && self->record->id > 0)
    {
      g_ptr_array_add (self->pending_events, event);
      schedule_flush (self);
    }
  else
    sluice_run_event_free (event);
}

static void
warn_history (const char *what,
              GError     *error)
{
  // The run goes on: losing a history row is bad, stopping the user's
  // pipeline because of it would be worse.
  g_warning ("could not record %s: %s", what, error ? error->message : "unknown error");
}

// Log lines and events go to the history together, every
// HISTORY_FLUSH_INTERVAL_MS: one transaction for many of them, and a monitor
// reading both tables sees them consistently.
static gboolean
flush_history (gpointer user_data)
{
  SluiceRun *self = user_data;
  g_autoptr(GError) error = NULL;

  self->flush_source = 0;
  if (self->pending_logs->len == 0 && self->pending_events->len == 0)
    return G_SOURCE_REMOVE;
  self->last_flush = g_get_monotonic_time ();

  if (!sluice_history_begin (self->history, &error) ||
      !sluice_history_add_log_lines (self->history, self->pending_logs, &error) ||
      !sluice_history_add_events (self->history, self->pending_events, &error) ||
      !sluice_history_commit (self->history, &error))
    {
      sluice_history_rollback (self->history);
      warn_history ("log lines and events", error);
    }
  g_ptr_array_set_size (self->pending_logs, 0);
  g_ptr_array_set_size (self->pending_events, 0);
  return G_SOURCE_REMOVE;
}

static void
add_log (StepRun    *sr,
         char        stream,
         const char *text)
{
  SluiceRun *self = sr->run;
  SluiceLogLine *line = g_new0 (SluiceLogLine, 1);
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, self->record->id,
                                                sluice_step_get_id (sr->step));

  line->run_id = self->record->id;
  line->step_id = g_strdup (sluice_step_get_id (sr->step));
  line->attempt = sr->attempt;
  line->stream = stream;
  line->time = event->time;
  line->text = g_strdup (text);
  g_ptr_array_add (self->pending_logs, line);
  schedule_flush (self);

  event->attempt = sr->attempt;
  event->stream = stream;
  event->text = g_strdup (text);
  emit (self, event);
}

G_GNUC_PRINTF (2, 3)
static void
note (StepRun    *sr,
      const char *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  add_log (sr, 's', text);
}

static char *
argv_to_json (char **argv)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  GString *s = g_string_new (NULL);

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    json_array_add_string_element (array, argv[i]);
  json_node_set_array (node, array);
  sluice_json_write (s, node, 0);
  return g_string_free (s, FALSE);
}

// The canonical spec text of a component, made once per run: a pipeline
// with thousands of steps shares a handful of components.
static const char *
component_spec (SluiceRun       *self,
                SluiceComponent *component)
{
  char *spec;

  if (component == NULL)
    return NULL;
  if ((spec = g_hash_table_lookup (self->specs, component)) == NULL)
    g_hash_table_insert (self->specs, component, (spec = sluice_component_to_data (component)));
  return spec;
}

static void
record_step (StepRun *sr)
{
  g_autoptr(GError) error = NULL;
  // The spec is recorded with the steps that ran; a reused step points at
  // the run that has it, which keeps the history small for big no-op runs.
  gboolean ran = sr->state == SLUICE_STATE_RUNNING || sr->state == SLUICE_STATE_SUCCEEDED ||
                 sr->state == SLUICE_STATE_FAILED || sr->state == SLUICE_STATE_CANCELLED;
  const char *component_json = ran ? component_spec (sr->run, sr->component) : NULL;
  g_autofree char *argv_json = sr->argv ? argv_to_json (sr->argv) : NULL;
  SluiceStepRecord rec = {
    .run_id = sr->run->record->id,
    .step_id = (char *) sluice_step_get_id (sr->step),
    .component_ref = (char *) sluice_step_get_component_ref (sr->step),
    .component_json = (char *) component_json,
    .code_hash = sr->code_hash,
    .code_git_commit = sr->code_git_commit,
    .tool_versions_json = sr->tool_versions,
    .cache_key = sr->cache_key,
    .state = sr->state,
    .attempts = sr->attempt,
    .exit_code = sr->exit_code,
    .started_at = sr->started_at,
    .finished_at = sr->finished_at,
    .argv_json = argv_json,
    .reused_from_run = sr->reused_from_run,
    .message = sr->message,
  };

  if (!sluice_history_put_step (sr->run->history, &rec, &error))
    warn_history ("a step", error);
}

static void
set_step_state (StepRun     *sr,
                SluiceState  state,
                const char  *message)
{
  SluiceRunEvent *event;

  if (message != NULL)
    {
      g_free (sr->message);
      sr->message = g_strdup (message);
    }
  if (sr->state == state && message == NULL)
    return;

  sr->state = state;
  if (sluice_state_is_final (state) && sr->finished_at == 0)
    sr->finished_at = g_get_real_time ();
  record_step (sr);

  event = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, sr->run->record->id, sluice_step_get_id (sr->step));
  event->state = state;
  event->attempt = sr->attempt;
  event->text = g_strdup (message);
  emit (sr->run, event);
}

static void
record_use (StepRun    *sr,
            const char *port,
            const char *hash,
            gboolean    is_output)
{
  g_autoptr(GError) error = NULL;
  SluiceArtifactUse use = {
    sr->run->record->id, (char *) sluice_step_get_id (sr->step), (char *) port, (char *) hash, is_output
  };

  if (!sluice_history_add_artifact_use (sr->run->history, &use, &error))
    warn_history ("an artifact", error);
}

/* inputs and the reuse key -------------------------------------------------- */

static JsonNode *
pipeline_input_value (SluiceRun              *self,
                      const SluicePipelineIO *io)
{
  JsonNode *override = g_hash_table_lookup (self->input_overrides, io->name);

  return override ? override : io->value;
}

static char *
absolute_path (SluiceRun  *self,
               const char *path)
{
  g_autofree char *joined = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (self->base_dir, path, NULL);

  return g_canonicalize_filename (joined, NULL);
}

// An artifact read from the user's files (a pipeline input or a literal
// path) is hashed where it is; only step outputs live in the store.
static gboolean
resolve_path_input (StepRun     *sr,
                    const char  *port,
                    const char  *path,
                    GError     **error)
{
  g_autofree char *full = absolute_path (sr->run, path);
  g_autofree char *hash = sluice_hash_path (full, sluice_artifact_store_get_stat_cache (sr->run->store), error);

  if (hash == NULL)
    {
      g_prefix_error (error, "input '%s': ", port);
      return FALSE;
    }

  g_hash_table_insert (sr->arguments, g_strdup (port), g_steal_pointer (&full));
  g_hash_table_insert (sr->input_hashes, g_strdup (port), g_steal_pointer (&hash));
  return TRUE;
}

static gboolean
resolve_value (StepRun              *sr,
               const SluicePortSpec *spec,
               JsonNode             *value,
               GError              **error)
{
  if (sluice_port_type_is_parameter (spec->type))
    {
      g_hash_table_insert (sr->arguments, g_strdup (spec->name), sluice_literal_to_argument (value));
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "input '%s' needs a path", spec->name);
      return FALSE;
    }
  return resolve_path_input (sr, spec->name, json_node_get_string (value), error);
}

static gboolean
resolve_step_output (StepRun             *sr,
                     const SluicePortSpec *spec,
                     const SluiceBinding *binding,
                     GError             **error)
{
  StepRun *from = g_hash_table_lookup (sr->run->steps_by_id, binding->step);
  const char *hash = from ? g_hash_table_lookup (from->output_hashes, binding->name) : NULL;

  if (hash == NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND,
                   "input '%s': step '%s' did not produce output '%s'", spec->name, binding->step, binding->name);
      return FALSE;
    }

  g_hash_table_insert (sr->arguments, g_strdup (spec->name), sluice_artifact_store_get_path (sr->run->store, hash));
  g_hash_table_insert (sr->input_hashes, g_strdup (spec->name), g_strdup (hash));
  return TRUE;
}

static gboolean
resolve_input (StepRun              *sr,
               const SluicePortSpec *spec,
               GError              **error)
{
  const SluiceBinding *binding = sluice_step_get_input (sr->step, spec->name);

  if (binding == NULL)
    return spec->default_value == NULL || resolve_value (sr, spec, spec->default_value, error);

  switch (binding->kind)
    {
    case SLUICE_BINDING_LITERAL:
      return resolve_value (sr, spec, binding->literal, error);

    case SLUICE_BINDING_PIPELINE_INPUT:
      {
        const SluicePipelineIO *io = sluice_pipeline_find_input (sr->run->pipeline, binding->name);
        JsonNode *value = io ? pipeline_input_value (sr->run, io) : NULL;

        if (value == NULL && spec->default_value != NULL)
          value = spec->default_value;
        if (value == NULL)
          {
            if (spec->optional)
              return TRUE;
            g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
                         "input '%s' needs a value: pipeline input '%s' was not given (use --set %s=VALUE)",
                         spec->name, binding->name, binding->name);
            return FALSE;
          }
        return resolve_value (sr, spec, value, error);
      }

    case SLUICE_BINDING_STEP_OUTPUT:
      return resolve_step_output (sr, spec, binding, error);

    case SLUICE_BINDING_PIPELINE_OUTPUT:
    default:
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "input '%s' has an invalid binding", spec->name);
      return FALSE;
    }
}

static char *
json_text (JsonNode *node)
{
  GString *s = g_string_new (NULL);

  if (node != NULL)
    sluice_json_write (s, node, 0);
  return g_string_free (s, FALSE);
}

static char *
read_trimmed (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return g_strstrip (text);
}

static char *
resolve_git_ref (const char *git_dir,
                 const char *ref)
{
  g_autofree char *loose = g_build_filename (git_dir, ref, NULL);
  g_autofree char *packed_path = g_build_filename (git_dir, "packed-refs", NULL);
  g_autofree char *packed = NULL;
  g_auto(GStrv) lines = NULL;
  char *sha;

  if ((sha = read_trimmed (loose)) != NULL)
    return sha;
  if (!g_file_get_contents (packed_path, &packed, NULL, NULL))
    return NULL;

  lines = g_strsplit (packed, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *space = strchr (lines[i], ' ');

      if (space != NULL && g_str_equal (space + 1, ref))
        return g_strndup (lines[i], space - lines[i]);
    }
  return NULL;
}

// The commit checked out in the git repository holding dir, read from
// .git directly so that git need not be installed. NULL outside a repository.
static char *
find_git_commit (const char *dir)
{
  g_autofree char *current = g_strdup (dir);

  while (current != NULL)
    {
      g_autofree char *dot_git = g_build_filename (current, ".git", NULL);
      g_autofree char *parent = NULL;

      if (g_file_test (dot_git, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *head_path = g_build_filename (dot_git, "HEAD", NULL);
          g_autofree char *head = read_trimmed (head_path);

          if (head == NULL)
            return NULL;
          if (g_str_has_prefix (head, "ref: "))
            return resolve_git_ref (dot_git, head + strlen ("ref: "));
          return g_steal_pointer (&head);
        }

      parent = g_path_get_dirname (current);
      if (g_str_equal (parent, current))
        break;
      g_free (current);
      current = g_steal_pointer (&parent);
    }

  return NULL;
}

// `PROGRAM --version`, once per run and program: a different interpreter
// is a different environment, so it is part of the reuse key and of lineage.
static const char *
tool_version (SluiceRun  *self,
              const char *program)
{
  const char *argv[] = { program, "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *version;
  int status = 0;

  if ((version = g_hash_table_lookup (self->tool_versions, program)) != NULL)
    return version;

  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL))
    version = g_strdup (g_strstrip (*out ? out : err));
  else
    version = g_strdup ("unavailable");
  if (strchr (version, '\n') != NULL)
    *strchr (version, '\n') = '\0';

  g_hash_table_insert (self->tool_versions, g_strdup (program), version);
  return version;
}

// The programs an environment names: {"python": "/usr/bin/python3"} and
// {"tools": ["/usr/bin/R", …]}.
static void
compute_tool_versions (StepRun *sr)
{
  JsonNode *environment = sluice_component_get_environment (sr->component);
  g_autoptr(JsonObject) versions = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object;
  JsonNode *member;

  if (environment == NULL || !JSON_NODE_HOLDS_OBJECT (environment))
    return;
  object = json_node_get_object (environment);

  if ((member = json_object_get_member (object, "python")) != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    json_object_set_string_member (versions, json_node_get_string (member),
                                   tool_version (sr->run, json_node_get_string (member)));

  if ((member = json_object_get_member (object, "tools")) != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *tools = json_node_get_array (member);

      for (guint i = 0; i < json_array_get_length (tools); i++)
        {
          const char *tool = json_array_get_string_element (tools, i);

          if (tool != NULL)
            json_object_set_string_member (versions, tool, tool_version (sr->run, tool));
        }
    }

  if (json_object_get_size (versions) == 0)
    return;
  json_node_set_object (node, versions);
  g_free (sr->tool_versions);
  sr->tool_versions = json_text (node);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

// The listed part of a code folder, by relative path and content, in a
// fixed order: the same files give the same hash whatever else is there.
static char *
hash_code_files (const char         *code_dir,
                 const char * const *files,
                 SluiceStatCache    *cache,
                 GError            **error)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  SluiceHasher *hasher = sluice_hasher_new ();

  for (guint i = 0; files[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) files[i]);
  g_ptr_array_sort (sorted, (GCompareFunc) compare_strings);

  for (guint i = 0; i < sorted->len; i++)
    {
      g_autofree char *path = g_build_filename (code_dir, g_ptr_array_index (sorted, i), NULL);
      g_autofree char *hash = sluice_hash_path (path, cache, error);

      if (hash == NULL)
        {
          g_free (sluice_hasher_finish (hasher));
          return NULL;
        }
      sluice_hasher_update_str (hasher, g_ptr_array_index (sorted, i));
      sluice_hasher_update_str (hasher, hash);
    }
  return sluice_hasher_finish (hasher);
}

static gboolean
compute_code_hash (StepRun  *sr,
                   GError  **error)
{
  const char *code_dir = sluice_component_get_code_dir (sr->component);

  if (code_dir == NULL)
    return TRUE;
  sr->code_git_commit = find_git_commit (code_dir);
  if (sluice_component_get_code_files (sr->component) != NULL)
    sr->code_hash = hash_code_files (code_dir, sluice_component_get_code_files (sr->component),
                                     sluice_artifact_store_get_stat_cache (sr->run->store), error);
  else
    sr->code_hash = sluice_hash_tree (code_dir, sluice_artifact_store_get_stat_cache (sr->run->store), error);
  if (sr->code_hash == NULL)
    g_prefix_error (error, "code folder: ");
  return sr->code_hash != NULL;
}

// Everything that decides what a step produces: its component (spec and
// code), environment, parameters, and the contents of its inputs. Equal
// keys mean the earlier outputs can be reused.
static void
compute_cache_key (StepRun *sr)
{
  g_autoptr(SluiceHasher) hasher = sluice_hasher_new ();
  const char *spec = component_spec (sr->run, sr->component);
  g_autofree char *environment = json_text (sluice_component_get_environment (sr->component));
  GPtrArray *inputs = sluice_component_get_inputs (sr->component);
  GPtrArray *outputs = sluice_component_get_outputs (sr->component);

  sluice_hasher_update_str (hasher, "sluice-step-key-1");
  sluice_hasher_update_str (hasher, spec);
  sluice_hasher_update_str (hasher, sr->code_hash ? sr->code_hash : "");
  sluice_hasher_update_str (hasher, environment);
  sluice_hasher_update_str (hasher, sr->tool_versions ? sr->tool_versions : "");

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePortSpec *spec_in = g_ptr_array_index (inputs, i);
      const char *hash = g_hash_table_lookup (sr->input_hashes, spec_in->name);
      const char *argument = g_hash_table_lookup (sr->arguments, spec_in->name);

      sluice_hasher_update_str (hasher, spec_in->name);
      // Artifacts count by content, not by where they happen to be.
      if (hash != NULL)
        sluice_hasher_update_str (hasher, hash);
      else
        sluice_hasher_update_str (hasher, argument ? argument : "\x01unset");
    }

  for (guint i = 0; i < outputs->len; i++)
    sluice_hasher_update_str (hasher, ((SluicePortSpec *) g_ptr_array_index (outputs, i))->name);

  sr->cache_key = sluice_hasher_finish (g_steal_pointer (&hasher));
}

static gboolean
prepare_inputs (StepRun  *sr,
                GError  **error)
{
  GPtrArray *inputs = sluice_component_get_inputs (sr->component);

  g_hash_table_remove_all (sr->arguments);
  g_hash_table_remove_all (sr->input_hashes);

  for (guint i = 0; i < inputs->len; i++)
    if (!resolve_input (sr, g_ptr_array_index (inputs, i), error))
      return FALSE;

  if (sr->code_hash == NULL && !compute_code_hash (sr, error))
    return FALSE;
  if (sr->tool_versions == NULL)
    compute_tool_versions (sr);

  g_clear_pointer (&sr->cache_key, g_free);
  compute_cache_key (sr);
  return TRUE;
}

static void
record_inputs (StepRun *sr)
{
  GHashTableIter iter;
  gpointer port, hash;

  g_hash_table_iter_init (&iter, sr->input_hashes);
  while (g_hash_table_iter_next (&iter, &port, &hash))
    record_use (sr, port, hash, FALSE);
}

static gboolean
try_reuse (StepRun *sr)
{
  SluiceRun *self = sr->run;
  g_autoptr(SluiceCacheHit) hit = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer port, hash;

  if (sr->forced || self->force_all || !sluice_component_get_is_deterministic (sr->component))
    return FALSE;

  if (!(hit = sluice_history_lookup_cache (self->history, sr->cache_key, &error)))
    {
      if (error != NULL)
        warn_history ("a cache lookup", error);
      return FALSE;
    }

  // A hit is only as good as its artifacts: gc may have removed them.
  g_hash_table_iter_init (&iter, hit->outputs);
  while (g_hash_table_iter_next (&iter, &port, &hash))
    if (!sluice_artifact_store_contains (self->store, hash))
      return FALSE;

  g_hash_table_iter_init (&iter, hit->outputs);
  while (g_hash_table_iter_next (&iter, &port, &hash))
    {
      g_hash_table_insert (sr->output_hashes, g_strdup (port), g_strdup (hash));
      record_use (sr, port, hash, TRUE);
    }

  sr->reused_from_run = hit->run_id;
  sr->started_at = sr->finished_at = g_get_real_time ();
  record_inputs (sr);
  note (sr, "reused the outputs of step '%s' in run %" G_GINT64_FORMAT, hit->step_id, hit->run_id);
  set_step_state (sr, SLUICE_STATE_REUSED, NULL);
  return TRUE;
}

/* starting a step ------------------------------------------------------------ */

static const char *
lookup_argument (SluiceTemplateRefKind  kind,
                 const char            *name,
                 gpointer               user_data)
{
  StepRun *sr = user_data;

  if (kind == SLUICE_TEMPLATE_OUTPUT)
    return g_hash_table_lookup (sr->output_paths, name);
  return g_hash_table_lookup (sr->arguments, name);
}

static gboolean
make_output_paths (StepRun  *sr,
                   GError  **error)
{
  GPtrArray *outputs = sluice_component_get_outputs (sr->component);
  g_autofree char *dir = g_build_filename (sr->work_dir, "outputs", NULL);

  g_hash_table_remove_all (sr->output_paths);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_FAILED, "cannot create %s", dir);
      return FALSE;
    }

  for (guint i = 0; i < outputs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (outputs, i);
      char *path = g_build_filename (dir, spec->name, NULL);

      // Folder outputs are made for the step; a file output is its to write.
      if (!g_str_equal (spec->type, "uri_file") && !sluice_port_type_is_parameter (spec->type))
        g_mkdir (path, 0755);
      g_hash_table_insert (sr->output_paths, g_strdup (spec->name), path);
    }

  return TRUE;
}

static char **
step_environment (StepRun    *sr,
                  const char *tmp_dir,
                  const char *metrics)
{
  JsonNode *environment = sluice_component_get_environment (sr->component);
  g_autofree char *run_id = g_strdup_printf ("%" G_GINT64_FORMAT, sr->run->record->id);
  g_autofree char *attempt = g_strdup_printf ("%u", sr->attempt);
  char **env = NULL;

  // A clean environment: what a step sees does not depend on who started
  // Sluice, so its outputs can be reused by anyone.
  env = g_environ_setenv (env, "PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  env = g_environ_setenv (env, "HOME", g_get_home_dir (), TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "TMPDIR", tmp_dir, TRUE);
  env = g_environ_setenv (env, "PYTHONDONTWRITEBYTECODE", "1", TRUE);
  env = g_environ_setenv (env, "PYTHONUNBUFFERED", "1", TRUE);
  env = g_environ_setenv (env, "SLUICE_METRICS", metrics, TRUE);
  env = g_environ_setenv (env, "SLUICE_RUN_ID", run_id, TRUE);
  env = g_environ_setenv (env, "SLUICE_STEP_ID", sluice_step_get_id (sr->step), TRUE);
  env = g_environ_setenv (env, "SLUICE_ATTEMPT", attempt, TRUE);

  if (environment != NULL && JSON_NODE_HOLDS_OBJECT (environment))
    {
      JsonNode *variables = json_object_get_member (json_node_get_object (environment), "variables");
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      if (variables != NULL && JSON_NODE_HOLDS_OBJECT (variables))
        {
          json_object_iter_init_ordered (&iter, json_node_get_object (variables));
          while (json_object_iter_next_ordered (&iter, &name, &value))
            if (JSON_NODE_HOLDS_VALUE (value))
              {
                g_autofree char *text = sluice_literal_to_argument (value);

                env = g_environ_setenv (env, name, text, TRUE);
              }
        }
    }

  return env;
}

static void history_begin (SluiceRun *self);
static void history_commit (SluiceRun *self);
static void on_process_line (SluiceProcess *process, char stream, const char *line, gpointer user_data);
static void on_process_exit (SluiceProcess *process, int exit_code, int signal, gpointer user_data);
static gboolean on_step_timeout (gpointer user_data);

// Only what the component lists: a step cannot come to depend on a file
// its reuse key does not cover.
static gboolean
copy_code_files (const char         *code_dir,
                 const char * const *files,
                 const char         *dest,
                 GError            **error)
{
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *from = g_build_filename (code_dir, files[i], NULL);
      g_autofree char *to = g_build_filename (dest, files[i], NULL);
      g_autofree char *parent = g_path_get_dirname (to);

      if (g_mkdir_with_parents (parent, 0755) != 0)
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_FAILED, "cannot create %s", parent);
          return FALSE;
        }
      if (!sluice_file_copy_tree (from, to, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_work_dir (StepRun  *sr,
                  char    **cwd,
                  GError  **error)
{
  g_autofree char *prefix = g_strdup_printf ("run%" G_GINT64_FORMAT "-%s-", sr->run->record->id,
                                             sluice_step_get_id (sr->step));
  const char *code_dir = sluice_component_get_code_dir (sr->component);
  g_autofree char *tmp = NULL;

  g_clear_pointer (&sr->work_dir, g_free);
  if (!(sr->work_dir = sluice_artifact_store_make_work_dir (sr->run->store, prefix, error)))
    return FALSE;

  tmp = g_build_filename (sr->work_dir, "tmp", NULL);
  g_mkdir (tmp, 0700);

  // The step runs in a copy of its code folder, so nothing it writes there
  // changes the code (and with it the reuse key) for the next run.
  *cwd = g_build_filename (sr->work_dir, "code", NULL);
  if (code_dir != NULL && sluice_component_get_code_files (sr->component) != NULL)
    return copy_code_files (code_dir, sluice_component_get_code_files (sr->component), *cwd, error);
  if (code_dir != NULL)
    return sluice_file_copy_tree (code_dir, *cwd, error);
  if (g_mkdir (*cwd, 0755) != 0)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_FAILED, "cannot create %s", *cwd);
      return FALSE;
    }
  return TRUE;
}

static gboolean
spawn_step (StepRun  *sr,
            GError  **error)
{
  g_autofree char *cwd = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *metrics = NULL;
  g_auto(GStrv) env = NULL;

  if (!prepare_work_dir (sr, &cwd, error) || !make_output_paths (sr, error))
    return FALSE;

  g_strfreev (sr->argv);
  sr->argv = sluice_template_expand (sluice_component_get_template (sr->component), lookup_argument, sr, error);
  if (sr->argv == NULL)
    return FALSE;

  tmp = g_build_filename (sr->work_dir, "tmp", NULL);
  metrics = g_build_filename (sr->work_dir, "metrics.txt", NULL);
  env = step_environment (sr, tmp, metrics);

  sr->timed_out = FALSE;
  g_clear_pointer (&sr->last_error_line, g_free);
  sr->process = sluice_process_spawn ((const char * const *) sr->argv, cwd, (const char * const *) env,
                                      on_process_line, on_process_exit, sr, error);
  if (sr->process == NULL)
    return FALSE;

  if (sr->timeout_s > 0)
    sr->timeout_source = g_timeout_add ((guint) (sr->timeout_s * 1000), on_step_timeout, sr);
  return TRUE;
}

static void cancel_step_run (StepRun *sr);

static void
fail_step (StepRun    *sr,
           const char *message)
{
  SluiceRun *self = sr->run;

  note (sr, "%s", message);
  set_step_state (sr, SLUICE_STATE_FAILED, message);
  if (self->continue_on_failure || self->stopping)
    return;

  // The first failure stops the run: what is running is cancelled, what
  // has not started is skipped by the next tick.
  self->stopping = TRUE;
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepRun *other = g_ptr_array_index (self->steps, i);

      if (other != sr && other->state == SLUICE_STATE_RUNNING)
        cancel_step_run (other);
    }
}

static void
start_attempt (StepRun *sr)
{
  SluiceRun *self = sr->run;
  g_autoptr(GError) error = NULL;

  sr->attempt++;
  if (sr->attempt == 1)
    sr->started_at = g_get_real_time ();
  self->running++;
  set_step_state (sr, SLUICE_STATE_RUNNING, NULL);

  if (!spawn_step (sr, &error))
    {
      self->running--;
      fail_step (sr, error->message);
      schedule_tick (self);
      return;
    }

  {
    g_autofree char *command = g_strjoinv (" ", sr->argv);

    note (sr, "attempt %u: %s", sr->attempt, command);
  }
}

static void
start_step (StepRun *sr)
{
  g_autoptr(GError) error = NULL;

  if (!prepare_inputs (sr, &error))
    {
      sr->attempt = MAX (sr->attempt, 1);
      fail_step (sr, error->message);
      return;
    }

  if (try_reuse (sr))
    return;

  record_inputs (sr);
  start_attempt (sr);
}

/* finishing a step ----------------------------------------------------------- */

static void
read_metrics (StepRun *sr)
{
  g_autofree char *path = g_build_filename (sr->work_dir, "metrics.txt", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr(GError) error = NULL;
      SluiceMetric metric = { sr->run->record->id, (char *) sluice_step_get_id (sr->step), NULL, 0, -1, g_get_real_time () };
      guint n = 0;
      char *end = NULL;
      SluiceRunEvent *event;

      for (guint w = 0; words[w] != NULL; w++)
        if (*words[w] != '\0')
          words[n++] = words[w];
      if (n == 0)
        continue;
      words[n] = NULL;

      metric.name = words[0];
      if (n >= 2)
        metric.value = g_ascii_strtod (words[1], &end);
      if (n < 2 || n > 3 || end == words[1] || *end != '\0' || !isfinite (metric.value))
        {
          note (sr, "ignored metrics line %u: expected 'name value [step]', got '%s'", i + 1, lines[i]);
          continue;
        }
      if (n == 3)
        metric.index = g_ascii_strtoll (words[2], NULL, 10);

      if (!sluice_history_add_metric (sr->run->history, &metric, &error))
        warn_history ("a metric", error);

      event = sluice_run_event_new (SLUICE_RUN_EVENT_METRIC, sr->run->record->id, sluice_step_get_id (sr->step));
      event->name = g_strdup (metric.name);
      event->value = metric.value;
      event->index = metric.index;
      emit (sr->run, event);
    }
}

static gboolean
collect_outputs (StepRun  *sr,
                 GError  **error)
{
  GPtrArray *outputs = sluice_component_get_outputs (sr->component);

  for (guint i = 0; i < outputs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (outputs, i);
      const char *path = g_hash_table_lookup (sr->output_paths, spec->name);
      gboolean is_file = g_str_equal (spec->type, "uri_file");
      g_autofree char *hash = NULL;
      SluiceRunEvent *event;

      if (is_file ? !g_file_test (path, G_FILE_TEST_IS_REGULAR) : !g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND,
                       "the step exited successfully but did not write its output '%s' (%s expected at %s)",
                       spec->name, is_file ? "a file" : "a folder", path);
          return FALSE;
        }

      if (!(hash = sluice_artifact_store_ingest (sr->run->store, path, error)))
        return FALSE;

      if (!sluice_history_add_artifact (sr->run->history, hash, is_file ? "file" : "folder",
                                        sluice_artifact_store_get_size (sr->run->store, hash), NULL))
        g_warning ("could not record artifact %s", hash);
      record_use (sr, spec->name, hash, TRUE);
      g_hash_table_insert (sr->output_hashes, g_strdup (spec->name), g_strdup (hash));

      event = sluice_run_event_new (SLUICE_RUN_EVENT_ARTIFACT, sr->run->record->id, sluice_step_get_id (sr->step));
      event->name = g_strdup (spec->name);
      event->hash = g_strdup (hash);
      emit (sr->run, event);
    }

  return TRUE;
}

static void
finish_success (StepRun *sr)
{
  g_autoptr(GError) error = NULL;

  read_metrics (sr);
  if (!collect_outputs (sr, &error))
    {
      fail_step (sr, error->message);
      return;
    }

  sluice_file_remove_tree (sr->work_dir, NULL);
  set_step_state (sr, SLUICE_STATE_SUCCEEDED, NULL);
}

static gboolean
on_retry (gpointer user_data)
{
  StepRun *sr = user_data;

  sr->retry_source = 0;
  sr->run->running--;
  if (sr->run->stopping || sr->cancel_requested)
    {
      set_step_state (sr, SLUICE_STATE_CANCELLED, "cancelled before its next attempt");
      schedule_tick (sr->run);
      return G_SOURCE_REMOVE;
    }
  start_attempt (sr);
  return G_SOURCE_REMOVE;
}

static char *
describe_exit (StepRun *sr,
               int      exit_code,
               int      signal_number)
{
  if (sr->timed_out)
    return g_strdup_printf ("timed out after %g s", sr->timeout_s);
  if (exit_code >= 0)
    return g_strdup_printf ("exited with status %d", exit_code);
  return g_strdup_printf ("was killed by signal %d (%s)", signal_number, g_strsignal (signal_number));
}

static void
finish_attempt (StepRun *sr,
                int      exit_code,
                int      signal_number)
{
  SluiceRun *self = sr->run;
  gboolean ok = exit_code == 0 && !sr->timed_out;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  SluiceState attempt_state;

  g_clear_handle_id (&sr->timeout_source, g_source_remove);
  sr->exit_code = exit_code;
  attempt_state = ok ? SLUICE_STATE_SUCCEEDED : sr->cancel_requested ? SLUICE_STATE_CANCELLED : SLUICE_STATE_FAILED;
  if (!sluice_history_add_attempt (self->history, self->record->id, sluice_step_get_id (sr->step), sr->attempt,
                                   sr->started_at, g_get_real_time (), exit_code, attempt_state, &error))
    warn_history ("an attempt", error);

  if (ok)
    {
      self->running--;
      finish_success (sr);
      return;
    }

  why = describe_exit (sr, exit_code, signal_number);

  if (sr->cancel_requested || self->cancelled)
    {
      self->running--;
      note (sr, "cancelled (%s)", why);
      set_step_state (sr, SLUICE_STATE_CANCELLED, "cancelled");
      return;
    }

  if (sr->attempt < sr->max_attempts && !self->stopping)
    {
      double delay = MIN (sr->backoff_s * pow (2, sr->attempt - 1), MAX_BACKOFF_SECONDS);

      // The slot stays taken while waiting, so a retrying step does not let
      // more work start than --jobs allows.
      note (sr, "attempt %u %s; retrying in %g s (work folder kept at %s)", sr->attempt, why, delay, sr->work_dir);
      sr->retry_source = g_timeout_add ((guint) (delay * 1000), on_retry, sr);
      return;
    }

  self->running--;
  {
    g_autofree char *message = sr->last_error_line
      ? g_strdup_printf ("%s: %s (work folder kept at %s)", why, sr->last_error_line, sr->work_dir)
      : g_strdup_printf ("%s (work folder kept at %s)", why, sr->work_dir);

    fail_step (sr, message);
  }
}

static void
on_process_line (SluiceProcess *process,
                 char           stream,
                 const char    *line,
                 gpointer       user_data)
{
  StepRun *sr = user_data;

  // Components print one clear line when they fail; that line, not "exit
  // status 1", is what a person needs to see in the run's summary.
  if (stream == 'e' && *line != '\0')
    {
      g_free (sr->last_error_line);
      sr->last_error_line = g_strdup (line);
    }
  add_log (sr, stream, line);
}

static gboolean
free_process_later (gpointer data)
{
  sluice_process_free (data);
  return G_SOURCE_REMOVE;
}

static void
on_process_exit (SluiceProcess *process,
                 int            exit_code,
                 int            signal_number,
                 gpointer       user_data)
{
  StepRun *sr = user_data;
  SluiceRun *self = g_object_ref (sr->run);

  // We are inside the process's own callback; free it once that returns.
  g_idle_add (free_process_later, g_steal_pointer (&sr->process));
  history_begin (self);
  finish_attempt (sr, exit_code, signal_number);
  history_commit (self);
  schedule_tick (self);
  g_object_unref (self);
}

static gboolean
on_step_timeout (gpointer user_data)
{
  StepRun *sr = user_data;

  sr->timeout_source = 0;
  sr->timed_out = TRUE;
  note (sr, "timed out after %g s; stopping it", sr->timeout_s);
  if (sr->process != NULL)
    sluice_process_terminate (sr->process, sr->run->kill_grace_ms);
  return G_SOURCE_REMOVE;
}

/* the tick --------------------------------------------------------------------- */

static guint
effective_jobs (SluiceRun *self)
{
  return self->jobs > 0 ? self->jobs : MAX (1, g_get_num_processors ());
}

static const char *
step_compute (StepRun *sr)
{
  const char *compute = sluice_step_get_compute (sr->step);
  const char *fallback = sluice_pipeline_get_settings (sr->run->pipeline)->default_compute;

  return compute ? compute : fallback ? fallback : "local";
}

// settings.compute_limits caps the steps running at once on one compute
// (a small GPU partition, say) below the overall --jobs.
static gboolean
compute_has_room (StepRun *sr)
{
  JsonNode *limits = json_object_get_member (sluice_pipeline_get_settings (sr->run->pipeline)->extra, "compute_limits");
  const char *compute = step_compute (sr);
  JsonNode *limit;
  gint64 running = 0;

  if (limits == NULL || !JSON_NODE_HOLDS_OBJECT (limits) ||
      !(limit = json_object_get_member (json_node_get_object (limits), compute)) ||
      !JSON_NODE_HOLDS_VALUE (limit) || json_node_get_value_type (limit) != G_TYPE_INT64)
    return TRUE;

  for (guint i = 0; i < sr->run->steps->len; i++)
    {
      StepRun *other = g_ptr_array_index (sr->run->steps, i);

      if (other->state == SLUICE_STATE_RUNNING && g_str_equal (step_compute (other), compute))
        running++;
    }
  return running < json_node_get_int (limit);
}

static StepRun *
first_unusable_dependency (StepRun *sr)
{
  for (guint i = 0; i < sr->deps->len; i++)
    {
      StepRun *dep = g_ptr_array_index (sr->run->steps, g_array_index (sr->deps, guint, i));

      if (sluice_state_is_final (dep->state) && !sluice_state_is_done (dep->state))
        return dep;
    }
  return NULL;
}

static gboolean
dependencies_done (StepRun *sr)
{
  for (guint i = 0; i < sr->deps->len; i++)
    {
      StepRun *dep = g_ptr_array_index (sr->run->steps, g_array_index (sr->deps, guint, i));

      if (!sluice_state_is_done (dep->state))
        return FALSE;
    }
  return TRUE;
}

static void
finish_run (SluiceRun *self)
{
  g_autoptr(GError) error = NULL;
  SluiceState state = SLUICE_STATE_SUCCEEDED;
  SluiceRunEvent *event;

  for (guint i = 0; i < self->steps->len; i++)
    {
      StepRun *sr = g_ptr_array_index (self->steps, i);

      if (sr->state == SLUICE_STATE_FAILED)
        state = SLUICE_STATE_FAILED;
      else if (!sluice_state_is_done (sr->state) && state == SLUICE_STATE_SUCCEEDED)
        state = SLUICE_STATE_CANCELLED;
    }
  if (self->cancelled && state == SLUICE_STATE_SUCCEEDED)
    state = SLUICE_STATE_CANCELLED;

  self->state = state;
  event = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, self->record->id, NULL);
  event->state = state;
  emit (self, event);

  // Every event, the final state last, before the runs row says the run is
  // over: a monitor that sees a finished row without that event knows the
  // runner died and makes the ending up from the rows instead.
  g_clear_handle_id (&self->flush_source, g_source_remove);
  flush_history (self);

  self->record->state = state;
  self->record->finished_at = g_get_real_time ();
  self->record->runner_pid = 0;
  if (!sluice_history_update_run (self->history, self->record, &error))
    warn_history ("the run", error);
  if (!sluice_artifact_store_save_stat_cache (self->store, &error))
    g_debug ("stat cache not saved: %s", error->message);

  if (self->task != NULL)
    {
      GTask *task = g_steal_pointer (&self->task);

      g_task_return_int (task, state);
      g_object_unref (task);
    }
}

// Many small history writes happen together (a tick may reuse thousands of
// steps); one transaction around them costs one commit instead of thousands.
static void
history_begin (SluiceRun *self)
{
  g_autoptr(GError) error = NULL;

  if (!sluice_history_begin (self->history, &error))
    warn_history ("a transaction", error);
}

static void
history_commit (SluiceRun *self)
{
  g_autoptr(GError) error = NULL;

  if (!sluice_history_commit (self->history, &error))
    {
      warn_history ("a transaction", error);
      sluice_history_rollback (self->history);
    }
}

static gboolean
tick (gpointer user_data)
{
  SluiceRun *self = user_data;
  gboolean all_final = TRUE;

  self->tick_source = 0;
  history_begin (self);

  for (guint i = 0; i < self->steps->len; i++)
    {
      StepRun *sr = g_ptr_array_index (self->steps, i);
      StepRun *blocker;

      if (sr->state == SLUICE_STATE_PENDING || sr->state == SLUICE_STATE_QUEUED)
        {
          if (self->stopping)
            set_step_state (sr, self->cancelled ? SLUICE_STATE_CANCELLED : SLUICE_STATE_SKIPPED,
                            self->cancelled ? "the run was cancelled" : "an earlier step failed");
          else if ((blocker = first_unusable_dependency (sr)) != NULL)
            {
              g_autofree char *why = g_strdup_printf ("needs step '%s', which %s", sluice_step_get_id (blocker->step),
                                                      sluice_state_to_string (blocker->state));

              set_step_state (sr, SLUICE_STATE_SKIPPED, why);
            }
          else if (dependencies_done (sr))
            {
              if (self->running < effective_jobs (self) && compute_has_room (sr))
                start_step (sr);
              else if (sr->state == SLUICE_STATE_PENDING)
                set_step_state (sr, SLUICE_STATE_QUEUED, NULL);
            }
        }

      if (!sluice_state_is_final (sr->state))
        all_final = FALSE;
    }

  history_commit (self);

  if (all_final && self->running == 0 && self->state == SLUICE_STATE_RUNNING)
    finish_run (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_tick (SluiceRun *self)
{
  if (self->tick_source == 0)
    self->tick_source = g_idle_add_full (G_PRIORITY_DEFAULT, tick, self, NULL);
}

/* preparing and running ------------------------------------------------------- */

static double
number_member (JsonObject *object,
               const char *key,
               double      fallback)
{
  double value = fallback;

  if (object != NULL)
    sluice_json_node_get_number (json_object_get_member (object, key), &value);
  return value;
}

// "timeout": seconds, "retry": N or {"count": N, "backoff": seconds}.
static void
read_step_policy (StepRun *sr)
{
  JsonObject *extra = sluice_step_get_extra (sr->step);
  JsonNode *retry = json_object_get_member (extra, "retry");
  double count = 0;

  sr->timeout_s = MAX (0, number_member (extra, "timeout", 0));
  sr->backoff_s = 1.0;
  if (retry != NULL && JSON_NODE_HOLDS_OBJECT (retry))
    {
      count = number_member (json_node_get_object (retry), "count", 0);
      sr->backoff_s = MAX (0, number_member (json_node_get_object (retry), "backoff", 1.0));
    }
  else if (retry != NULL)
    count = number_member (extra, "retry", 0);
  sr->max_attempts = 1 + (guint) CLAMP (count, 0, 100);
}

static gboolean
check_problems (SluiceRun  *self,
                GError    **error)
{
  g_autoptr(GPtrArray) problems = sluice_pipeline_validate (self->pipeline, self->registry);
  g_autoptr(GString) message = NULL;

  if (!sluice_problems_have_errors (problems))
    return TRUE;

  message = g_string_new ("the pipeline has problems; fix them first (sluice validate shows them all):");
  for (guint i = 0, shown = 0; i < problems->len && shown < 10; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *line = NULL;

      if (problem->severity != SLUICE_SEVERITY_ERROR)
        continue;
      line = sluice_problem_format (problem, NULL);
      g_string_append_printf (message, "\n  %s", line);
      shown++;
    }
  g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, message->str);
  return FALSE;
}

static gboolean
build_steps (SluiceRun  *self,
             GError    **error)
{
  g_autoptr(GPtrArray) order = sluice_pipeline_topological_order (self->pipeline, NULL);
  g_autoptr(GHashTable) index_of = g_hash_table_new (NULL, NULL);

  self->steps = g_ptr_array_new_with_free_func (step_run_free);

  for (guint i = 0; i < order->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (order, i);
      g_autofree char *message = NULL;
      g_autoptr(GPtrArray) deps = sluice_pipeline_get_step_dependencies (self->pipeline, step);
      StepRun *sr = g_new0 (StepRun, 1);

      sr->run = self;
      sr->step = g_object_ref (step);
      sr->index = i;
      sr->exit_code = -1;
      sr->component = sluice_pipeline_resolve_step (self->pipeline, step, self->registry, &message);
      if (sr->component == NULL)
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "step '%s': %s", sluice_step_get_id (step), message);
          step_run_free (sr);
          return FALSE;
        }
      g_object_ref (sr->component);
      sr->deps = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint d = 0; d < deps->len; d++)
        {
          guint dep_index = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, g_ptr_array_index (deps, d))) - 1;

          g_array_append_val (sr->deps, dep_index);
        }
      sr->arguments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sr->input_hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sr->output_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sr->output_hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sr->forced = g_hash_table_contains (self->forced, sluice_step_get_id (step));
      read_step_policy (sr);

      g_hash_table_insert (index_of, step, GUINT_TO_POINTER (i + 1));
      g_hash_table_insert (self->steps_by_id, (gpointer) sluice_step_get_id (step), sr);
      g_ptr_array_add (self->steps, sr);
    }

  {
    GHashTableIter iter;
    gpointer id;

    g_hash_table_iter_init (&iter, self->forced);
    while (g_hash_table_iter_next (&iter, &id, NULL))
      if (!g_hash_table_contains (self->steps_by_id, id))
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "--force: the pipeline has no step '%s'", (char *) id);
          return FALSE;
        }
  }

  return TRUE;
}

static char *
inputs_to_json (SluiceRun *self)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  GHashTableIter iter;
  gpointer name, value;

  g_hash_table_iter_init (&iter, self->input_overrides);
  while (g_hash_table_iter_next (&iter, &name, &value))
    json_object_set_member (object, name, json_node_copy (value));
  json_node_set_object (node, object);
  return sluice_json_to_string (node);
}

// A resumed run keeps what its finished steps produced.
static gboolean
restore_finished_steps (SluiceRun  *self,
                        GError    **error)
{
  g_autoptr(GPtrArray) records = sluice_history_list_steps (self->history, self->record->id, error);
  g_autoptr(GPtrArray) uses = NULL;

  if (records == NULL)
    return FALSE;
  if (!(uses = sluice_history_get_artifact_uses (self->history, self->record->id, NULL, error)))
    return FALSE;

  for (guint i = 0; i < records->len; i++)
    {
      SluiceStepRecord *rec = g_ptr_array_index (records, i);
      StepRun *sr = g_hash_table_lookup (self->steps_by_id, rec->step_id);
      gboolean complete = sr != NULL && sluice_state_is_done (rec->state);

      for (guint u = 0; complete && u < uses->len; u++)
        {
          SluiceArtifactUse *use = g_ptr_array_index (uses, u);

          if (use->is_output && g_str_equal (use->step_id, rec->step_id))
            {
              if (!sluice_artifact_store_contains (self->store, use->hash))
                complete = FALSE;
              else
                g_hash_table_insert (sr->output_hashes, g_strdup (use->port), g_strdup (use->hash));
            }
        }

      if (!complete)
        {
          if (sr != NULL)
            g_hash_table_remove_all (sr->output_hashes);
          continue;
        }

      sr->state = rec->state;
      sr->attempt = rec->attempts;
      sr->started_at = rec->started_at;
      sr->finished_at = rec->finished_at;
      sr->exit_code = rec->exit_code;
      sr->reused_from_run = rec->reused_from_run;
      sr->cache_key = g_strdup (rec->cache_key);
    }

  return TRUE;
}

gboolean
sluice_run_prepare (SluiceRun  *self,
                    gint64      resume_run_id,
                    GError    **error)
{
  SluicePipelineSettings *settings;

  g_return_val_if_fail (SLUICE_IS_RUN (self), FALSE);
  g_return_val_if_fail (self->record == NULL, FALSE);

  if (!check_problems (self, error) || !build_steps (self, error))
    return FALSE;

  settings = sluice_pipeline_get_settings (self->pipeline);
  self->continue_on_failure = settings->continue_on_step_failure;
  self->force_all = settings->force_rerun;

  if (resume_run_id > 0)
    {
      if (!(self->record = sluice_history_get_run (self->history, resume_run_id, error)))
        return FALSE;
      return restore_finished_steps (self, error);
    }

  self->record = g_new0 (SluiceRunRecord, 1);
  self->record->pipeline_name = g_strdup (sluice_pipeline_get_name (self->pipeline));
  // Absolute, so that the run is found again from the file whatever folder
  // the CLI was started in, and the runner finds its relative references.
  if (sluice_pipeline_get_file (self->pipeline) != NULL)
    self->record->pipeline_file = sluice_history_pipeline_path (sluice_pipeline_get_file (self->pipeline));
  self->record->pipeline_json = sluice_pipeline_to_data (self->pipeline);
  self->record->params_json = inputs_to_json (self);
  self->record->state = SLUICE_STATE_PENDING;
  self->record->created_at = g_get_real_time ();
  self->record->host = g_strdup (g_get_host_name ());
  self->record->user = g_strdup (g_get_user_name ());
  return sluice_history_create_run (self->history, self->record, error);
}

static void
on_cancelled (GCancellable *cancellable,
              SluiceRun    *self)
{
  sluice_run_cancel (self);
}

void
sluice_run_execute_async (SluiceRun           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  SluiceRunEvent *event;

  g_return_if_fail (SLUICE_IS_RUN (self));
  g_return_if_fail (self->record != NULL);
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, sluice_run_execute_async);

  self->state = SLUICE_STATE_RUNNING;
  self->record->state = SLUICE_STATE_RUNNING;
  self->record->started_at = g_get_real_time ();
  self->record->finished_at = 0;
  self->record->runner_pid = getpid ();
  if (!sluice_history_update_run (self->history, self->record, &error))
    warn_history ("the run", error);

  event = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, self->record->id, NULL);
  event->state = SLUICE_STATE_RUNNING;
  emit (self, event);

  for (guint i = 0; i < self->steps->len; i++)
    {
      StepRun *sr = g_ptr_array_index (self->steps, i);

      if (sluice_state_is_done (sr->state))
        {
          SluiceRunEvent *restored = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, self->record->id,
                                                           sluice_step_get_id (sr->step));

          restored->state = sr->state;
          restored->attempt = sr->attempt;
          emit (self, restored);
        }
      else if (sr->state != SLUICE_STATE_PENDING)
        {
          sr->state = SLUICE_STATE_PENDING;
          sr->finished_at = 0;
        }
    }

  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
    }

  schedule_tick (self);
}

SluiceState
sluice_run_execute_finish (SluiceRun     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), SLUICE_STATE_FAILED);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sluice_run_execute_async, SLUICE_STATE_FAILED);
  return (SluiceState) g_task_propagate_int (G_TASK (result), error);
}

static void
cancel_step_run (StepRun *sr)
{
  sr->cancel_requested = TRUE;
  if (sr->process != NULL)
    sluice_process_terminate (sr->process, sr->run->kill_grace_ms);
  else if (sr->retry_source != 0)
    {
      g_clear_handle_id (&sr->retry_source, g_source_remove);
      sr->run->running--;
      set_step_state (sr, SLUICE_STATE_CANCELLED, "cancelled");
    }
  else if (!sluice_state_is_final (sr->state))
    set_step_state (sr, SLUICE_STATE_CANCELLED, "cancelled");
}

void
sluice_run_cancel (SluiceRun *self)
{
  g_return_if_fail (SLUICE_IS_RUN (self));

  if (self->steps == NULL || self->state != SLUICE_STATE_RUNNING)
    return;

  self->cancelled = TRUE;
  self->stopping = TRUE;
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepRun *sr = g_ptr_array_index (self->steps, i);

      if (sr->state == SLUICE_STATE_RUNNING)
        cancel_step_run (sr);
    }
  schedule_tick (self);
}

gboolean
sluice_run_cancel_step (SluiceRun  *self,
                        const char *step_id)
{
  StepRun *sr;

  g_return_val_if_fail (SLUICE_IS_RUN (self), FALSE);

  sr = g_hash_table_lookup (self->steps_by_id, step_id);
  if (sr == NULL || sluice_state_is_final (sr->state))
    return FALSE;

  cancel_step_run (sr);
  schedule_tick (self);
  return TRUE;
}
