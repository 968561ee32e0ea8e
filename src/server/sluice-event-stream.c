// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-event-stream.h"
#include "sluice-run-monitor.h"

struct _SluiceEventStream
{
  GObject           parent_instance;

  SluiceRunMonitor *monitor;
  SluiceHistory    *history;
  gint64            run_id;
  guint             row_check;     // waiting for the runs row to be final
  guint             row_checks;
  GPtrArray        *texts;     // SSE text of each event, in order
  GHashTable       *cursors;   // cursor -> index of the event after it + 1
  gboolean          finished;
  GBytes           *range;     // the last range asked for, from range_from to range_to
  guint             range_from;
  guint             range_to;
};

G_DEFINE_FINAL_TYPE (SluiceEventStream, sluice_event_stream, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
sluice_event_stream_dispose (GObject *object)
{
  SluiceEventStream *self = (SluiceEventStream *) object;

  g_clear_handle_id (&self->row_check, g_source_remove);
  g_clear_object (&self->history);
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      sluice_run_monitor_stop (self->monitor);
      g_clear_object (&self->monitor);
    }
  G_OBJECT_CLASS (sluice_event_stream_parent_class)->dispose (object);
}

static void
sluice_event_stream_finalize (GObject *object)
{
  SluiceEventStream *self = (SluiceEventStream *) object;

  g_clear_pointer (&self->texts, g_ptr_array_unref);
  g_clear_pointer (&self->cursors, g_hash_table_unref);
  g_clear_pointer (&self->range, g_bytes_unref);
  G_OBJECT_CLASS (sluice_event_stream_parent_class)->finalize (object);
}

static void
sluice_event_stream_class_init (SluiceEventStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_event_stream_dispose;
  object_class->finalize = sluice_event_stream_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sluice_event_stream_init (SluiceEventStream *self)
{
  self->texts = g_ptr_array_new_with_free_func (g_free);
  self->cursors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

// One SSE event. JSON from json-glib has no raw newlines (they are
// escaped in strings), so the data fits on one "data:" line.
static char *
format_event (const SluiceRunEvent *event)
{
  g_autoptr(JsonNode) node = sluice_run_event_to_json (event);
  g_autofree char *json = json_to_string (node, FALSE);

  return g_strdup_printf ("id: %s\nevent: %s\ndata: %s\n\n", event->cursor ? event->cursor : "",
                          sluice_run_event_kind_to_string (event->kind), json);
}

static void
on_events (SluiceRunMonitor  *monitor,
           GPtrArray         *events,
           SluiceEventStream *self)
{
  for (guint i = 0; i < events->len; i++)
    {
      const SluiceRunEvent *event = g_ptr_array_index (events, i);

      g_ptr_array_add (self->texts, format_event (event));
      if (event->cursor != NULL)
        g_hash_table_replace (self->cursors, g_strdup (event->cursor), GUINT_TO_POINTER (self->texts->len + 1));
    }
  if (events->len > 0)
    g_signal_emit (self, signals[CHANGED], 0);
}

#define ROW_CHECK_MS 10
#define ROW_CHECKS_MAX 200

static gboolean
row_is_final (SluiceEventStream *self)
{
  g_autoptr(SluiceRunRecord) record = sluice_history_get_run (self->history, self->run_id, NULL);

  return record == NULL || sluice_state_is_final (record->state);
}

static gboolean
check_row (gpointer user_data)
{
  SluiceEventStream *self = user_data;

  // Give up after 2 s: a runner that died right there leaves the row as
  // it is until it is marked interrupted.
  if (!row_is_final (self) && ++self->row_checks < ROW_CHECKS_MAX)
    return G_SOURCE_CONTINUE;
  self->row_check = 0;
  self->finished = TRUE;
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
on_finished (SluiceRunMonitor  *monitor,
             int                state,
             SluiceEventStream *self)
{
  if (!row_is_final (self))
    {
      self->row_check = g_timeout_add (ROW_CHECK_MS, check_row, self);
      return;
    }
  self->finished = TRUE;
  g_signal_emit (self, signals[CHANGED], 0);
}

SluiceEventStream *
sluice_event_stream_new (SluiceHistory *history,
                         const char    *history_path,
                         gint64         run_id,
                         guint          poll_milliseconds)
{
  SluiceEventStream *self = g_object_new (SLUICE_TYPE_EVENT_STREAM, NULL);

  self->history = g_object_ref (history);
  self->run_id = run_id;
  self->monitor = sluice_run_monitor_new (history_path, run_id);
  sluice_run_monitor_set_interval (self->monitor, poll_milliseconds);
  g_signal_connect (self->monitor, "events", G_CALLBACK (on_events), self);
  g_signal_connect (self->monitor, "finished", G_CALLBACK (on_finished), self);
  return self;
}

gboolean
sluice_event_stream_start (SluiceEventStream  *self,
                           GError            **error)
{
  g_return_val_if_fail (SLUICE_IS_EVENT_STREAM (self), FALSE);
  return sluice_run_monitor_start (self->monitor, error);
}

guint
sluice_event_stream_get_length (SluiceEventStream *self)
{
  return self->texts->len;
}

GBytes *
sluice_event_stream_get_range (SluiceEventStream *self,
                               guint              from,
                               guint              to)
{
  GString *text;

  g_return_val_if_fail (from <= to && to <= self->texts->len, NULL);
  if (self->range != NULL && self->range_from == from && self->range_to == to)
    return g_bytes_ref (self->range);

  text = g_string_new (NULL);
  for (guint i = from; i < to; i++)
    g_string_append (text, g_ptr_array_index (self->texts, i));
  g_clear_pointer (&self->range, g_bytes_unref);
  self->range = g_string_free_to_bytes (text);
  self->range_from = from;
  self->range_to = to;
  return g_bytes_ref (self->range);
}

gboolean
sluice_event_stream_find (SluiceEventStream *self,
                          const char        *cursor,
                          guint             *index)
{
  guint stored;

  if (cursor == NULL || *cursor == '\0')
    {
      *index = 0;
      return TRUE;
    }
  // The monitor may not have read up to it yet.
  if ((stored = GPOINTER_TO_UINT (g_hash_table_lookup (self->cursors, cursor))) == 0)
    sluice_run_monitor_poll (self->monitor);
  if ((stored = GPOINTER_TO_UINT (g_hash_table_lookup (self->cursors, cursor))) == 0)
    return FALSE;
  *index = stored - 1;
  return TRUE;
}

gboolean
sluice_event_stream_is_finished (SluiceEventStream *self)
{
  return self->finished;
}
