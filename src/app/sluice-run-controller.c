// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sluice-run-controller.h"

struct _SluiceRunController
{
  GObject           parent_instance;

  char             *store_root;
  char             *history_path;
  SluiceHistory    *history;        // the main thread's connection, opened on first use
  SluiceRunStatus  *status;
  SluiceRunMonitor *monitor;
  JsonObject       *run_inputs;
  gboolean          starting;
  char             *target;         // a remote's name, or NULL for this computer
  SluiceRemote     *remote;         // the client for target, opened when a run starts there
  char             *shown_remote;   // the remote the shown run lives on, or NULL
  gboolean          disconnected;
};

G_DEFINE_FINAL_TYPE (SluiceRunController, sluice_run_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_TARGET,
  PROP_DISCONNECTED,
  N_PROPS
};

enum {
  FINISHED,
  EVENTS,
  REQUEST_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
stop_monitor (SluiceRunController *self)
{
  if (self->monitor == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->monitor, self);
  sluice_run_monitor_stop (self->monitor);
  g_clear_object (&self->monitor);
}

static void
sluice_run_controller_dispose (GObject *object)
{
  SluiceRunController *self = (SluiceRunController *)object;

  stop_monitor (self);
  g_clear_object (&self->status);
  g_clear_object (&self->history);
  g_clear_pointer (&self->run_inputs, json_object_unref);
  if (self->remote != NULL)
    g_signal_handlers_disconnect_by_data (self->remote, self);
  g_clear_object (&self->remote);

  G_OBJECT_CLASS (sluice_run_controller_parent_class)->dispose (object);
}

static void
sluice_run_controller_finalize (GObject *object)
{
  SluiceRunController *self = (SluiceRunController *)object;

  g_free (self->store_root);
  g_free (self->history_path);
  g_free (self->target);
  g_free (self->shown_remote);

  G_OBJECT_CLASS (sluice_run_controller_parent_class)->finalize (object);
}

static void
sluice_run_controller_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  SluiceRunController *self = SLUICE_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_object (value, self->status);
      break;
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_DISCONNECTED:
      g_value_set_boolean (value, self->disconnected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_run_controller_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  SluiceRunController *self = SLUICE_RUN_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      sluice_run_controller_set_target (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_run_controller_class_init (SluiceRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_run_controller_dispose;
  object_class->finalize = sluice_run_controller_finalize;
  object_class->get_property = sluice_run_controller_get_property;
  object_class->set_property = sluice_run_controller_set_property;

  properties[PROP_STATUS] =
    g_param_spec_object ("status", NULL, NULL, SLUICE_TYPE_RUN_STATUS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISCONNECTED] =
    g_param_spec_boolean ("disconnected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BOOLEAN);
  signals[EVENTS] = g_signal_new ("events", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[REQUEST_FAILED] = g_signal_new ("request-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sluice_run_controller_init (SluiceRunController *self)
{
  self->store_root = sluice_artifact_store_default_root ();
  self->history_path = g_build_filename (self->store_root, "history.db", NULL);
}

SluiceRunController *
sluice_run_controller_new (void)
{
  return g_object_new (SLUICE_TYPE_RUN_CONTROLLER, NULL);
}

const char *
sluice_run_controller_get_store_root (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), NULL);
  return self->store_root;
}

static SluiceHistory *
get_history (SluiceRunController  *self,
             GError              **error)
{
  if (self->history == NULL)
    {
      if (!g_file_test (self->history_path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND,
                       _("There is no run history at %s"), self->history_path);
          return NULL;
        }
      self->history = sluice_history_open (self->history_path, error);
    }
  return self->history;
}

/* starting -------------------------------------------------------------------------- */

typedef struct
{
  char        *store_root;
  char        *path;
  GHashTable  *inputs;       // name -> JsonNode*
  GStrv        force_steps;
  gint64       run_id;
  // Remote runs only:
  char                  *remote_name;
  char                  *remote_url;
  char                  *remote_token;  // read in the worker: the keyring may take a while
  SluiceRemote          *remote;
  SluicePipelineArchive *archive;
  GStrv                  step_ids;
} StartData;

static void
start_data_free (gpointer data)
{
  StartData *d = data;

  g_free (d->store_root);
  g_free (d->path);
  g_clear_pointer (&d->inputs, g_hash_table_unref);
  g_strfreev (d->force_steps);
  g_free (d->remote_name);
  g_free (d->remote_url);
  g_free (d->remote_token);
  g_clear_object (&d->remote);
  g_clear_object (&d->archive);
  g_strfreev (d->step_ids);
  g_free (d);
}

static GStrv
list_step_ids (SluicePipeline *pipeline)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);

  for (guint i = 0; i < steps->len; i++)
    g_strv_builder_add (builder, sluice_step_get_id (g_ptr_array_index (steps, i)));
  return g_strv_builder_end (builder);
}

// The server runs what it is sent: the pipeline file and the component
// files and folders it refers to, read here as they are saved.
static void
pack_for_remote (GTask                   *task,
                 StartData               *d,
                 SluicePipeline          *pipeline,
                 SluiceComponentRegistry *registry)
{
  GError *error = NULL;

  if (!(d->archive = sluice_pipeline_archive_new (pipeline, registry, &error)) ||
      sluice_pipeline_archive_get_paths (d->archive, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  d->step_ids = list_step_ids (pipeline);
  g_task_return_boolean (task, TRUE);
}

// In a worker thread, with objects of its own (registry, store, history
// connection): nothing here is shared with the main thread.
static void
prepare_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  StartData *d = task_data;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new_default ();
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceArtifactStore) store = NULL;
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(SluiceRun) run = NULL;
  g_autofree char *db = NULL;
  GError *error = NULL;
  GHashTableIter iter;
  gpointer name, value;

  if (!(pipeline = sluice_pipeline_load_file (d->path, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  if (d->remote_name != NULL)
    {
      if (!(d->remote_token = sluice_remote_config_read_token (d->remote_name, &error)))
        {
          g_task_return_error (task, error);
          return;
        }
      pack_for_remote (task, d, pipeline, registry);
      return;
    }
  if (!(store = sluice_artifact_store_new (d->store_root, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  db = g_build_filename (sluice_artifact_store_get_root (store), "history.db", NULL);
  if (!(history = sluice_history_open (db, &error)))
    {
      g_task_return_error (task, error);
      return;
    }

  run = sluice_run_new (pipeline, registry, store, history);
  if (d->inputs != NULL)
    {
      g_hash_table_iter_init (&iter, d->inputs);
      while (g_hash_table_iter_next (&iter, &name, &value))
        sluice_run_set_input (run, name, value);
    }
  for (guint i = 0; d->force_steps != NULL && d->force_steps[i] != NULL; i++)
    sluice_run_force_step (run, d->force_steps[i]);

  if (!sluice_run_prepare (run, 0, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  d->run_id = sluice_run_get_id (run);
  // Read here, the run's steps need not be parsed again from its record on
  // the main thread (a fifth of a second for thousands of steps).
  d->step_ids = list_step_ids (pipeline);
  g_task_return_boolean (task, TRUE);
}

static JsonObject *
inputs_to_object (GHashTable *inputs)
{
  JsonObject *object = json_object_new ();
  GHashTableIter iter;
  gpointer name, value;

  if (inputs == NULL)
    return object;
  g_hash_table_iter_init (&iter, inputs);
  while (g_hash_table_iter_next (&iter, &name, &value))
    json_object_set_member (object, name, json_node_copy (value));
  return object;
}

/* remote runs -------------------------------------------------------------------- */

static gboolean attach_local (SluiceRunController  *self,
                              gint64                run_id,
                              const char * const   *step_ids,
                              GError              **error);
static void attach_remote (SluiceRunController *self,
                           SluiceRemote        *remote,
                           gint64               run_id,
                           const char * const  *step_ids,
                           JsonObject          *inputs);

static void
fail_start (GTask  *task,
            GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
on_remote_run_started (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  SluiceRunController *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  GError *error = NULL;
  gint64 run_id;

  if (!(reply = sluice_remote_start_run_finish (SLUICE_REMOTE (source), result, &error)))
    {
      fail_start (task, error);
      return;
    }
  run_id = JSON_NODE_HOLDS_OBJECT (reply) ? json_object_get_int_member_with_default (json_node_get_object (reply), "id", 0) : 0;
  if (run_id <= 0)
    {
      fail_start (task, g_error_new (SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_SERVER,
                                     _("The server did not say which run it started")));
      return;
    }
  inputs = inputs_to_object (d->inputs);
  attach_remote (self, d->remote, run_id, (const char * const *) d->step_ids, inputs);
  g_task_return_int (task, run_id);
  g_object_unref (task);
}

static void
on_remote_uploaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) inputs = NULL;
  const char *pipeline_id = NULL;
  GError *error = NULL;

  if (!(reply = sluice_remote_upload_pipeline_finish (SLUICE_REMOTE (source), result, &error)))
    {
      fail_start (task, error);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (reply))
    pipeline_id = json_object_get_string_member_with_default (json_node_get_object (reply), "id", NULL);
  if (pipeline_id == NULL)
    {
      fail_start (task, g_error_new (SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_SERVER,
                                     _("The server did not say how it stored the pipeline")));
      return;
    }
  inputs = inputs_to_object (d->inputs);
  sluice_remote_start_run_async (d->remote, pipeline_id, inputs, (const char * const *) d->force_steps,
                                 g_task_get_cancellable (task), on_remote_run_started, task);
}

static void
on_remote_packed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) ||
      !(d->remote = sluice_remote_new (d->remote_url, d->remote_token, &error)))
    {
      fail_start (task, error);
      return;
    }
  sluice_remote_upload_pipeline_async (d->remote, d->archive, g_task_get_cancellable (task),
                                       on_remote_uploaded, task);
}

// Packing reads files, so it is done in a thread; the rest is the
// server's work, asked for one request after the other.
static void
start_remote (SluiceRunController *self,
              GTask               *task)
{
  StartData *d = g_task_get_task_data (task);
  g_autoptr(GTask) pack = NULL;
  GError *error = NULL;

  d->remote_name = g_strdup (self->target);
  if (!(d->remote_url = sluice_remote_config_get_url (self->target, &error)))
    {
      fail_start (task, error);
      return;
    }
  self->starting = TRUE;
  pack = g_task_new (self, g_task_get_cancellable (task), on_remote_packed, task);
  g_task_set_source_tag (pack, start_remote);
  g_task_set_task_data (pack, d, NULL);
  g_task_run_in_thread (pack, prepare_in_thread);
}

void
sluice_run_controller_start_async (SluiceRunController *self,
                                   const char          *path,
                                   GHashTable          *inputs,
                                   const char * const  *force_steps,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StartData *d;

  g_return_if_fail (SLUICE_IS_RUN_CONTROLLER (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_run_controller_start_async);
  if (self->starting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, _("A run is being started already"));
      return;
    }

  d = g_new0 (StartData, 1);
  d->store_root = g_strdup (self->store_root);
  d->path = g_strdup (path);
  d->force_steps = g_strdupv ((GStrv) force_steps);
  if (inputs != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      d->inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
      g_hash_table_iter_init (&iter, inputs);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (d->inputs, g_strdup (name), json_node_copy (value));
    }
  g_task_set_task_data (task, d, start_data_free);
  if (self->target != NULL)
    {
      start_remote (self, g_steal_pointer (&task));
      return;
    }
  self->starting = TRUE;
  g_task_run_in_thread (task, prepare_in_thread);
}

gint64
sluice_run_controller_start_finish (SluiceRunController  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  GTask *task = G_TASK (result);
  StartData *d = g_task_get_task_data (task);
  g_autofree char *cli = NULL;
  SluiceRunnerOptions options = { 0 };

  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  self->starting = FALSE;
  if (d->remote_name != NULL)
    {
      // Not MAX (): it would take the result twice.
      gssize run_id = g_task_propagate_int (task, error);
      return run_id > 0 ? run_id : 0;
    }
  if (!g_task_propagate_boolean (task, error))
    return 0;

  // The runner is started here, on the main thread, where its child
  // watch belongs.
  cli = sluice_runner_find_cli ();
  options.cli_path = cli;
  options.store_root = d->store_root;
  options.run_id = d->run_id;
  options.force_steps = (const char * const *) d->force_steps;
  if (sluice_runner_spawn (&options, error) == 0)
    return 0;
  if (!attach_local (self, d->run_id, (const char * const *) d->step_ids, error))
    return 0;
  return d->run_id;
}

/* watching -------------------------------------------------------------------------- */

static void
on_monitor_events (SluiceRunMonitor    *monitor,
                   GPtrArray           *events,
                   SluiceRunController *self)
{
  sluice_run_status_apply (self->status, events);
  g_signal_emit (self, signals[EVENTS], 0, events);
}

static void
on_monitor_finished (SluiceRunMonitor    *monitor,
                     int                  state,
                     SluiceRunController *self)
{
  g_autoptr(SluiceRunController) keep = g_object_ref (self);

  // A run already over when attached is not news, but the window's
  // actions change all the same.
  g_signal_emit (self, signals[FINISHED], 0, state,
                 g_object_get_data (G_OBJECT (monitor), "sluice-was-final") == NULL);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

// Every step of the run's own pipeline is known from the start, so those
// without events yet count as pending. Only the job names are read: a whole
// pipeline load of a 2000-step run takes a fifth of a second.
static void
set_steps_from_record (SluiceRunStatus *status,
                       SluiceRunRecord *record)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  JsonNode *root, *jobs;
  JsonObjectIter iter;
  const char *id;

  if (record->pipeline_json == NULL || !json_parser_load_from_data (parser, record->pipeline_json, -1, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(jobs = json_object_get_member (json_node_get_object (root), "jobs")) || !JSON_NODE_HOLDS_OBJECT (jobs))
    return;
  json_object_iter_init_ordered (&iter, json_node_get_object (jobs));
  while (json_object_iter_next_ordered (&iter, &id, NULL))
    g_strv_builder_add (builder, id);
  ids = g_strv_builder_end (builder);
  sluice_run_status_set_step_ids (status, (const char * const *) ids);
}

static void
set_disconnected (SluiceRunController *self,
                  gboolean             disconnected)
{
  if (self->disconnected == disconnected)
    return;
  self->disconnected = disconnected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISCONNECTED]);
}

static void
on_remote_connection_lost (SluiceRemote        *remote,
                           SluiceRunMonitor    *monitor,
                           GError              *error,
                           SluiceRunController *self)
{
  if (monitor == self->monitor)
    set_disconnected (self, TRUE);
}

static void
on_remote_reconnected (SluiceRemote        *remote,
                       SluiceRunMonitor    *monitor,
                       SluiceRunController *self)
{
  if (monitor == self->monitor)
    set_disconnected (self, FALSE);
}

static void
on_remote_watch_failed (SluiceRemote        *remote,
                        SluiceRunMonitor    *monitor,
                        GError              *error,
                        SluiceRunController *self)
{
  if (monitor != self->monitor)
    return;
  g_warning ("stopped following remote run %" G_GINT64_FORMAT ": %s",
             sluice_run_monitor_get_run_id (monitor), error->message);
  set_disconnected (self, FALSE);
}

static void
use_remote (SluiceRunController *self,
            SluiceRemote        *remote)
{
  if (self->remote == remote)
    return;
  if (self->remote != NULL)
    g_signal_handlers_disconnect_by_data (self->remote, self);
  g_set_object (&self->remote, remote);
  g_signal_connect (remote, "connection-lost", G_CALLBACK (on_remote_connection_lost), self);
  g_signal_connect (remote, "reconnected", G_CALLBACK (on_remote_reconnected), self);
  g_signal_connect (remote, "watch-failed", G_CALLBACK (on_remote_watch_failed), self);
}

// Like attach, with the server's event stream in place of the local
// history: the canvas and run bar cannot tell the difference.
static void
attach_remote (SluiceRunController *self,
               SluiceRemote        *remote,
               gint64               run_id,
               const char * const  *step_ids,
               JsonObject          *inputs)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (run_id);
  g_autoptr(GError) error = NULL;

  sluice_run_status_set_step_ids (status, step_ids);
  stop_monitor (self);
  use_remote (self, remote);
  set_disconnected (self, FALSE);
  g_free (self->shown_remote);
  self->shown_remote = g_strdup (self->target);
  g_set_object (&self->status, status);
  g_clear_pointer (&self->run_inputs, json_object_unref);
  self->run_inputs = json_object_ref (inputs);
  self->monitor = sluice_remote_watch_run (remote, run_id);
  g_signal_connect (self->monitor, "events", G_CALLBACK (on_monitor_events), self);
  g_signal_connect (self->monitor, "finished", G_CALLBACK (on_monitor_finished), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  if (!sluice_run_monitor_start (self->monitor, &error))
    g_warning ("cannot follow remote run %" G_GINT64_FORMAT ": %s", run_id, error->message);
}

// step_ids: the run's steps when known, else they are read from its record.
static gboolean
attach_local (SluiceRunController  *self,
              gint64                run_id,
              const char * const   *step_ids,
              GError              **error)
{
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(SluiceRunMonitor) monitor = NULL;
  g_autoptr(SluiceRunStatus) status = NULL;
  SluiceHistory *history;

  if (!(history = get_history (self, error)) ||
      !(record = sluice_history_get_run (history, run_id, error)))
    return FALSE;

  status = sluice_run_status_new (run_id);
  if (step_ids != NULL)
    sluice_run_status_set_step_ids (status, step_ids);
  else
    set_steps_from_record (status, record);
  monitor = sluice_run_monitor_new (self->history_path, run_id);
  if (sluice_state_is_final (record->state))
    g_object_set_data (G_OBJECT (monitor), "sluice-was-final", GINT_TO_POINTER (TRUE));

  stop_monitor (self);
  g_clear_pointer (&self->shown_remote, g_free);
  set_disconnected (self, FALSE);
  g_set_object (&self->status, status);
  g_clear_pointer (&self->run_inputs, json_object_unref);
  self->run_inputs = parse_object (record->params_json);
  self->monitor = g_steal_pointer (&monitor);
  g_signal_connect (self->monitor, "events", G_CALLBACK (on_monitor_events), self);
  g_signal_connect (self->monitor, "finished", G_CALLBACK (on_monitor_finished), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);

  // Delivers everything recorded so far at once, then follows.
  if (!sluice_run_monitor_start (self->monitor, error))
    {
      sluice_run_controller_clear (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
sluice_run_controller_attach (SluiceRunController  *self,
                              gint64                run_id,
                              GError              **error)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);

  return attach_local (self, run_id, NULL, error);
}

gint64
sluice_run_controller_find_latest_run (SluiceRunController *self,
                                       const char          *path)
{
  return sluice_run_controller_find_latest_run_named (self, path, NULL);
}

gint64
sluice_run_controller_find_latest_run_named (SluiceRunController *self,
                                             const char          *path,
                                             const char          *pipeline_name)
{
  g_autoptr(GPtrArray) runs = NULL;
  SluiceHistory *history;

  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), 0);

  // Matched as the history sidebar does: by name, then by the file itself
  // (symlinks resolved), so runs started from another folder count too.
  if (path == NULL || !(history = get_history (self, NULL)) ||
      !(runs = sluice_history_list_file_runs (history, pipeline_name, path, 1, NULL)) || runs->len == 0)
    return 0;
  return ((SluiceRunRecord *) g_ptr_array_index (runs, 0))->id;
}

void
sluice_run_controller_clear (SluiceRunController *self)
{
  g_return_if_fail (SLUICE_IS_RUN_CONTROLLER (self));

  stop_monitor (self);
  g_clear_pointer (&self->run_inputs, json_object_unref);
  g_clear_pointer (&self->shown_remote, g_free);
  set_disconnected (self, FALSE);
  if (self->status != NULL)
    {
      g_clear_object (&self->status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

SluiceRunStatus *
sluice_run_controller_get_status (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), NULL);
  return self->status;
}

gboolean
sluice_run_controller_is_running (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);
  return self->monitor != NULL && !sluice_run_monitor_is_finished (self->monitor);
}

gboolean
sluice_run_controller_is_starting (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);
  return self->starting;
}

JsonObject *
sluice_run_controller_get_run_inputs (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), NULL);
  return self->run_inputs;
}

/* requests ------------------------------------------------------------------------- */

static gboolean
check_going_on (SluiceRunController  *self,
                GError              **error)
{
  if (!sluice_run_controller_is_running (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No run is going on"));
      return FALSE;
    }
  return TRUE;
}

static void
on_remote_cancelled (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SluiceRunController) self = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (!(reply = sluice_remote_cancel_run_finish (SLUICE_REMOTE (source), result, &error)))
    g_signal_emit (self, signals[REQUEST_FAILED], 0, error->message);
}

// As `sluice cancel` does: SIGTERM to the runner, which cancels its steps
// and records the run as cancelled; a runner that has not recorded its pid
// yet (Cancel pressed right after Run) finds the request as it starts.
gboolean
sluice_run_controller_cancel (SluiceRunController  *self,
                              GError              **error)
{
  SluiceHistory *history;

  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);

  if (self->shown_remote != NULL)
    {
      if (!check_going_on (self, error))
        return FALSE;
      // The stream reports the cancelled run; only a refusal is news.
      sluice_remote_cancel_run_async (self->remote, sluice_run_status_get_run_id (self->status), NULL,
                                      on_remote_cancelled, g_object_ref (self));
      return TRUE;
    }
  if (!check_going_on (self, error) || !(history = get_history (self, error)))
    return FALSE;
  return sluice_run_request_cancel_run (history, self->store_root, sluice_run_status_get_run_id (self->status), error);
}

gboolean
sluice_run_controller_cancel_step (SluiceRunController  *self,
                                   const char           *step_id,
                                   GError              **error)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  if (!check_going_on (self, error))
    return FALSE;
  if (self->shown_remote != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("A server cannot cancel a single step; cancel the run instead"));
      return FALSE;
    }
  if (sluice_state_is_final (sluice_run_status_get_step_state (self->status, step_id)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Step “%s” is over already"), step_id);
      return FALSE;
    }
  if (!sluice_run_request_cancel_step (self->store_root, sluice_run_status_get_run_id (self->status), step_id, error))
    return FALSE;
  return TRUE;
}

/* target ----------------------------------------------------------------------------- */

// Where the next run goes: NULL for this computer, else the name of a
// remote from sluice-remote-config. The shown run stays where it is.
void
sluice_run_controller_set_target (SluiceRunController *self,
                                  const char          *remote_name)
{
  g_return_if_fail (SLUICE_IS_RUN_CONTROLLER (self));

  if (remote_name != NULL && remote_name[0] == '\0')
    remote_name = NULL;
  if (g_strcmp0 (self->target, remote_name) == 0)
    return;
  g_free (self->target);
  self->target = g_strdup (remote_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
}

const char *
sluice_run_controller_get_target (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), NULL);
  return self->target;
}

const char *
sluice_run_controller_get_shown_remote (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), NULL);
  return self->shown_remote;
}

gboolean
sluice_run_controller_get_disconnected (SluiceRunController *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_CONTROLLER (self), FALSE);
  return self->disconnected;
}
