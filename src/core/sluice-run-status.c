// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-run-status.h"

#define N_STATES (SLUICE_STATE_INTERRUPTED + 1)

typedef struct
{
  SluiceState  state;
  guint        attempt;
  gint64       started_at;
  gint64       finished_at;
  char        *message;
  GHashTable  *outputs;        // port -> artifact hash, or NULL
} StepStatus;

struct _SluiceRunStatus
{
  GObject      parent_instance;

  gint64       run_id;
  SluiceState  state;
  gint64       started_at;
  gint64       finished_at;
  GHashTable  *steps;          // step id -> StepStatus*
  GPtrArray   *order;          // step ids as first known, owned by steps
  guint        counts[N_STATES];
  gint64       last_seq;       // newest recorded event applied, to drop replays
};

G_DEFINE_FINAL_TYPE (SluiceRunStatus, sluice_run_status, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
step_status_free (gpointer data)
{
  StepStatus *step = data;

  g_clear_pointer (&step->outputs, g_hash_table_unref);
  g_free (step->message);
  g_free (step);
}

static void
sluice_run_status_finalize (GObject *object)
{
  SluiceRunStatus *self = (SluiceRunStatus *)object;

  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->steps, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_run_status_parent_class)->finalize (object);
}

static void
sluice_run_status_class_init (SluiceRunStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_run_status_finalize;

  /**
   * SluiceRunStatus::changed:
   * @step_ids: the steps whose state, attempt, times or outputs changed
   *   ("" for the run itself)
   *
   * Emitted once per applied batch that changed anything.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
}

static void
sluice_run_status_init (SluiceRunStatus *self)
{
  self->steps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, step_status_free);
  self->order = g_ptr_array_new ();
  self->state = SLUICE_STATE_PENDING;
}

SluiceRunStatus *
sluice_run_status_new (gint64 run_id)
{
  SluiceRunStatus *self = g_object_new (SLUICE_TYPE_RUN_STATUS, NULL);

  self->run_id = run_id;
  return self;
}

static StepStatus *
ensure_step (SluiceRunStatus *self,
             const char      *step_id)
{
  StepStatus *step = g_hash_table_lookup (self->steps, step_id);
  char *key;

  if (step != NULL)
    return step;

  step = g_new0 (StepStatus, 1);
  step->state = SLUICE_STATE_PENDING;
  key = g_strdup (step_id);
  g_hash_table_insert (self->steps, key, step);
  g_ptr_array_add (self->order, key);
  self->counts[SLUICE_STATE_PENDING]++;
  return step;
}

void
sluice_run_status_set_step_ids (SluiceRunStatus    *self,
                                const char * const *step_ids)
{
  g_return_if_fail (SLUICE_IS_RUN_STATUS (self));

  for (guint i = 0; step_ids != NULL && step_ids[i] != NULL; i++)
    ensure_step (self, step_ids[i]);
}

/* applying events ---------------------------------------------------------------- */

static void
set_step_state (SluiceRunStatus *self,
                StepStatus      *step,
                SluiceState      state)
{
  if ((guint) state >= N_STATES)
    state = SLUICE_STATE_PENDING;
  self->counts[step->state]--;
  step->state = state;
  self->counts[state]++;
}

// Events may come twice (a replay after a reconnect) or late (merged from
// two sources): an older attempt, or a step going back from an end to a
// beginning within the same attempt, is news from the past and is dropped.
static gboolean
is_stale (const StepStatus     *step,
          const SluiceRunEvent *event)
{
  if (event->attempt != 0 && event->attempt < step->attempt)
    return TRUE;
  return (event->attempt == 0 || event->attempt == step->attempt) &&
         sluice_state_is_final (step->state) && !sluice_state_is_final (event->state);
}

static gboolean
apply_step_state (SluiceRunStatus      *self,
                  const SluiceRunEvent *event)
{
  StepStatus *step = ensure_step (self, event->step_id);
  gboolean changed = FALSE;

  if (is_stale (step, event))
    return FALSE;

  if (step->state != event->state)
    {
      set_step_state (self, step, event->state);
      changed = TRUE;
    }
  if (event->attempt > step->attempt)
    {
      step->attempt = event->attempt;
      changed = TRUE;
    }
  if (event->state == SLUICE_STATE_RUNNING && step->started_at == 0)
    {
      step->started_at = event->time;
      changed = TRUE;
    }
  if (sluice_state_is_final (event->state))
    {
      if (step->finished_at != event->time)
        changed = TRUE;
      step->finished_at = event->time;
    }
  else if (step->finished_at != 0)
    {
      // A retry after a failed attempt is going again.
      step->finished_at = 0;
      changed = TRUE;
    }
  if (g_strcmp0 (step->message, event->text) != 0)
    {
      g_free (step->message);
      step->message = g_strdup (event->text);
      changed = TRUE;
    }
  return changed;
}

static gboolean
apply_run_state (SluiceRunStatus      *self,
                 const SluiceRunEvent *event)
{
  gboolean changed = FALSE;

  if (sluice_state_is_final (self->state) && !sluice_state_is_final (event->state))
    return FALSE;

  if (self->state != event->state)
    {
      self->state = event->state;
      changed = TRUE;
    }
  if (event->state == SLUICE_STATE_RUNNING && self->started_at == 0)
    {
      self->started_at = event->time;
      changed = TRUE;
    }
  if (sluice_state_is_final (event->state) && self->finished_at != event->time)
    {
      self->finished_at = event->time;
      changed = TRUE;
    }
  return changed;
}

static gboolean
apply_artifact (SluiceRunStatus      *self,
                const SluiceRunEvent *event)
{
  StepStatus *step;

  if (event->name == NULL || event->hash == NULL)
    return FALSE;

  step = ensure_step (self, event->step_id);
  if (step->outputs == NULL)
    step->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_strcmp0 (g_hash_table_lookup (step->outputs, event->name), event->hash) == 0)
    return FALSE;
  g_hash_table_replace (step->outputs, g_strdup (event->name), g_strdup (event->hash));
  return TRUE;
}

static gboolean
apply_event (SluiceRunStatus      *self,
             const SluiceRunEvent *event)
{
  switch (event->kind)
    {
    case SLUICE_RUN_EVENT_RUN_STATE:
      return apply_run_state (self, event);
    case SLUICE_RUN_EVENT_STEP_STATE:
      return event->step_id != NULL && apply_step_state (self, event);
    case SLUICE_RUN_EVENT_ARTIFACT:
      return event->step_id != NULL && apply_artifact (self, event);
    case SLUICE_RUN_EVENT_LOG:
    case SLUICE_RUN_EVENT_METRIC:
    default:
      return FALSE;
    }
}

void
sluice_run_status_apply (SluiceRunStatus *self,
                         GPtrArray       *events)
{
  g_autoptr(GHashTable) changed = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) ids = NULL;
  GHashTableIter iter;
  gpointer id;

  g_return_if_fail (SLUICE_IS_RUN_STATUS (self));

  if (events == NULL)
    return;

  changed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < events->len; i++)
    {
      const SluiceRunEvent *event = g_ptr_array_index (events, i);

      // Logs and metrics are numbered in their own table: their seq says
      // nothing about the events', and they change nothing here anyway.
      if (event->kind == SLUICE_RUN_EVENT_LOG || event->kind == SLUICE_RUN_EVENT_METRIC ||
          (self->run_id != 0 && event->run_id != 0 && event->run_id != self->run_id))
        continue;
      if (event->seq > 0)
        {
          if (event->seq <= self->last_seq)
            continue;
          self->last_seq = event->seq;
        }
      if (apply_event (self, event))
        g_hash_table_add (changed, event->step_id ? event->step_id : (char *) "");
    }

  if (g_hash_table_size (changed) == 0)
    return;

  builder = g_strv_builder_new ();
  g_hash_table_iter_init (&iter, changed);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_strv_builder_add (builder, id);
  ids = g_strv_builder_end (builder);
  g_signal_emit (self, signals[CHANGED], 0, ids);
}

/* reading ---------------------------------------------------------------------- */

gint64
sluice_run_status_get_run_id (SluiceRunStatus *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  return self->run_id;
}

SluiceState
sluice_run_status_get_state (SluiceRunStatus *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), SLUICE_STATE_PENDING);
  return self->state;
}

gint64
sluice_run_status_get_started_at (SluiceRunStatus *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  return self->started_at;
}

gint64
sluice_run_status_get_finished_at (SluiceRunStatus *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  return self->finished_at;
}

static StepStatus *
find_step (SluiceRunStatus *self,
           const char      *step_id)
{
  return step_id ? g_hash_table_lookup (self->steps, step_id) : NULL;
}

SluiceState
sluice_run_status_get_step_state (SluiceRunStatus *self,
                                  const char      *step_id)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), SLUICE_STATE_PENDING);
  step = find_step (self, step_id);
  return step ? step->state : SLUICE_STATE_PENDING;
}

guint
sluice_run_status_get_step_attempt (SluiceRunStatus *self,
                                    const char      *step_id)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  step = find_step (self, step_id);
  return step ? step->attempt : 0;
}

gint64
sluice_run_status_get_step_started_at (SluiceRunStatus *self,
                                       const char      *step_id)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  step = find_step (self, step_id);
  return step ? step->started_at : 0;
}

gint64
sluice_run_status_get_step_finished_at (SluiceRunStatus *self,
                                        const char      *step_id)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  step = find_step (self, step_id);
  return step ? step->finished_at : 0;
}

const char *
sluice_run_status_get_step_message (SluiceRunStatus *self,
                                    const char      *step_id)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), NULL);
  step = find_step (self, step_id);
  return step ? step->message : NULL;
}

const char *
sluice_run_status_get_output_hash (SluiceRunStatus *self,
                                   const char      *step_id,
                                   const char      *port)
{
  StepStatus *step;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), NULL);
  step = find_step (self, step_id);
  if (step == NULL || step->outputs == NULL || port == NULL)
    return NULL;
  return g_hash_table_lookup (step->outputs, port);
}

guint
sluice_run_status_get_n_steps (SluiceRunStatus *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  return self->order->len;
}

const char *
sluice_run_status_get_step_id (SluiceRunStatus *self,
                               guint            position)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), NULL);
  g_return_val_if_fail (position < self->order->len, NULL);
  return g_ptr_array_index (self->order, position);
}

guint
sluice_run_status_count_state (SluiceRunStatus *self,
                               SluiceState      state)
{
  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  return (guint) state < N_STATES ? self->counts[state] : 0;
}

guint
sluice_run_status_count_finished (SluiceRunStatus *self)
{
  guint n = 0;

  g_return_val_if_fail (SLUICE_IS_RUN_STATUS (self), 0);
  for (guint s = 0; s < N_STATES; s++)
    if (sluice_state_is_final ((SluiceState) s))
      n += self->counts[s];
  return n;
}
