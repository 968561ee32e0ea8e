// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sluice-run-monitor-private.h"

#define DEFAULT_INTERVAL_MS 100
// How often, when nothing new came, to look at the runs row: a runner
// killed with -9 writes no final event; its row (or its dead pid) says so.
#define ROW_CHECK_INTERVAL_USEC (2 * G_USEC_PER_SEC)
// After a write to the history is seen: SQLite marks a commit in the
// shared-memory index right after writing it to the WAL, so the read waits
// that long, and the writes of one transaction become one read.
#define WAKE_DELAY_MS 3

struct _SluiceRunMonitor
{
  GObject                        parent_instance;

  const SluiceRunMonitorBackend *backend;
  gpointer                       backend_data;
  GDestroyNotify                 destroy_backend_data;
  gint64                         run_id;
  guint                          interval_ms;
  char                          *cursor;
  gboolean                       started;
  gboolean                       finished;
};

G_DEFINE_FINAL_TYPE (SluiceRunMonitor, sluice_run_monitor, G_TYPE_OBJECT)

enum {
  EVENTS,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sluice_run_monitor_dispose (GObject *object)
{
  SluiceRunMonitor *self = (SluiceRunMonitor *)object;

  sluice_run_monitor_stop (self);
  if (self->destroy_backend_data != NULL)
    g_clear_pointer (&self->backend_data, self->destroy_backend_data);

  G_OBJECT_CLASS (sluice_run_monitor_parent_class)->dispose (object);
}

static void
sluice_run_monitor_finalize (GObject *object)
{
  SluiceRunMonitor *self = (SluiceRunMonitor *)object;

  g_free (self->cursor);

  G_OBJECT_CLASS (sluice_run_monitor_parent_class)->finalize (object);
}

static void
sluice_run_monitor_class_init (SluiceRunMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sluice_run_monitor_dispose;
  object_class->finalize = sluice_run_monitor_finalize;

  signals[EVENTS] = g_signal_new ("events", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
sluice_run_monitor_init (SluiceRunMonitor *self)
{
  self->interval_ms = DEFAULT_INTERVAL_MS;
}

/* delivering ------------------------------------------------------------------ */

void
_sluice_run_monitor_deliver (SluiceRunMonitor *self,
                             GPtrArray        *events)
{
  g_autoptr(GPtrArray) batch = events;
  g_autoptr(GObject) keep = NULL;
  SluiceState final_state = SLUICE_STATE_PENDING;
  gboolean ends = FALSE;

  g_return_if_fail (SLUICE_IS_RUN_MONITOR (self));

  if (self->finished || batch->len == 0)
    return;

  for (guint i = 0; i < batch->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (batch, i);

      if (event->kind == SLUICE_RUN_EVENT_RUN_STATE && sluice_state_is_final (event->state))
        {
          ends = TRUE;
          final_state = event->state;
        }
      if (event->cursor != NULL)
        {
          g_free (self->cursor);
          self->cursor = g_strdup (event->cursor);
        }
    }

  // A handler may drop the last reference to the monitor.
  keep = g_object_ref (G_OBJECT (self));
  if (ends)
    {
      self->finished = TRUE;
      sluice_run_monitor_stop (self);
    }
  g_signal_emit (self, signals[EVENTS], 0, batch);
  if (ends)
    g_signal_emit (self, signals[FINISHED], 0, (int) final_state);
}

/* the local backend: the history database ------------------------------------- */

typedef struct
{
  char          *history_path;
  SluiceHistory *history;
  gint64         event_seq;           // last delivered row of events
  gint64         log_seq;             // last delivered row of log_lines
  GHashTable    *step_states;         // step id -> SluiceState, as delivered
  guint          poll_source;
  gint64         last_row_check;
  char          *history_name;        // history_path's file name, as inotify names it
  int            wake_fd;             // inotify on the history's folder, or -1
  guint          wake_source;         // watches wake_fd
  guint          wake_read;           // the read a seen write asked for
} LocalFeed;

static void
local_feed_stop_waking (LocalFeed *feed)
{
  g_clear_handle_id (&feed->wake_source, g_source_remove);
  g_clear_handle_id (&feed->wake_read, g_source_remove);
  if (feed->wake_fd >= 0)
    close (feed->wake_fd);
  feed->wake_fd = -1;
}

static void
local_feed_free (gpointer data)
{
  LocalFeed *feed = data;

  g_clear_handle_id (&feed->poll_source, g_source_remove);
  local_feed_stop_waking (feed);
  g_clear_object (&feed->history);
  g_clear_pointer (&feed->step_states, g_hash_table_unref);
  g_free (feed->history_path);
  g_free (feed->history_name);
  g_free (feed);
}

static char *
format_cursor (gint64 event_seq,
               gint64 log_seq)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, event_seq, log_seq);
}

static gboolean
parse_cursor (const char  *cursor,
              gint64      *event_seq,
              gint64      *log_seq,
              GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (cursor, ".", 3);
  guint64 e, l;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXINT64, &e, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, &l, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a run event cursor (expected two numbers, like 12.345)", cursor);
      return FALSE;
    }
  *event_seq = (gint64) e;
  *log_seq = (gint64) l;
  return TRUE;
}

static SluiceRunEvent *
event_from_log_line (const SluiceLogLine *line)
{
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, line->run_id, line->step_id);

  event->seq = line->seq;
  event->time = line->time;
  event->attempt = line->attempt;
  event->stream = line->stream;
  event->text = g_strdup (line->text);
  return event;
}

// Merges the two tables' new rows by time, keeping each table's order, and
// gives every event the cursor just after it.
static GPtrArray *
merge (LocalFeed *feed,
       GPtrArray *events,
       GPtrArray *lines)
{
  GPtrArray *batch = g_ptr_array_new_full (events->len + lines->len, (GDestroyNotify) sluice_run_event_free);
  guint e = 0, l = 0;

  while (e < events->len || l < lines->len)
    {
      SluiceRunEvent *next;
      gboolean take_event;

      if (e == events->len)
        take_event = FALSE;
      else if (l == lines->len)
        take_event = TRUE;
      else
        {
          SluiceRunEvent *event = g_ptr_array_index (events, e);
          SluiceLogLine *line = g_ptr_array_index (lines, l);

          // The run's end comes after every line, whatever the clocks say.
          take_event = event->kind != SLUICE_RUN_EVENT_RUN_STATE || !sluice_state_is_final (event->state)
                       ? event->time <= line->time : FALSE;
        }

      if (take_event)
        {
          next = g_steal_pointer (&g_ptr_array_index (events, e++));
          feed->event_seq = next->seq;
        }
      else
        {
          next = event_from_log_line (g_ptr_array_index (lines, l++));
          feed->log_seq = next->seq;
        }
      next->cursor = format_cursor (feed->event_seq, feed->log_seq);
      if (next->kind == SLUICE_RUN_EVENT_STEP_STATE)
        g_hash_table_insert (feed->step_states, g_strdup (next->step_id), GINT_TO_POINTER (next->state));
      g_ptr_array_add (batch, next);
    }
  return batch;
}

static gboolean
runner_is_gone (gint64 pid)
{
  return pid > 0 && kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
}

// The runs row is final but its final event never came (a runner killed
// with -9, then marked interrupted): the ending is made up from the rows,
// for the steps whose state differs from what was delivered.
static GPtrArray *
ending_from_rows (LocalFeed       *feed,
                  SluiceRunRecord *record)
{
  g_autoptr(GPtrArray) steps = sluice_history_list_steps (feed->history, record->id, NULL);
  GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  SluiceRunEvent *event;

  for (guint i = 0; steps != NULL && i < steps->len; i++)
    {
      SluiceStepRecord *step = g_ptr_array_index (steps, i);
      gpointer known;

      if (g_hash_table_lookup_extended (feed->step_states, step->step_id, NULL, &known) &&
          GPOINTER_TO_INT (known) == (int) step->state)
        continue;
      event = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, record->id, step->step_id);
      event->time = step->finished_at ? step->finished_at : record->finished_at;
      event->state = step->state;
      event->attempt = step->attempts;
      event->text = g_strdup (step->message);
      event->cursor = format_cursor (feed->event_seq, feed->log_seq);
      g_ptr_array_add (batch, event);
    }

  event = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, record->id, NULL);
  event->time = record->finished_at;
  event->state = record->state;
  event->cursor = format_cursor (feed->event_seq, feed->log_seq);
  g_ptr_array_add (batch, event);
  return batch;
}

static GPtrArray *
check_run_row (LocalFeed *feed,
               gint64     run_id)
{
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  feed->last_row_check = g_get_monotonic_time ();
  if (!(record = sluice_history_get_run (feed->history, run_id, &error)))
    {
      g_debug ("run %" G_GINT64_FORMAT " cannot be read: %s", run_id, error->message);
      return NULL;
    }

  if (!sluice_state_is_final (record->state) && runner_is_gone (record->runner_pid))
    {
      // Its runner died without a word: record that, then read the result.
      sluice_history_mark_interrupted (feed->history, NULL);
      g_clear_pointer (&record, sluice_run_record_free);
      if (!(record = sluice_history_get_run (feed->history, run_id, NULL)))
        return NULL;
    }

  if (!sluice_state_is_final (record->state))
    return NULL;
  return ending_from_rows (feed, record);
}

static void
local_read (SluiceRunMonitor *monitor,
            LocalFeed        *feed)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *batch;

  // Events first, then lines: the runner writes a run's last lines and its
  // final event in one transaction, so once the final event is read, the
  // read that follows has every line.
  if (!(events = sluice_history_get_events (feed->history, monitor->run_id, feed->event_seq, 0, &error)) ||
      !(lines = sluice_history_get_log_lines (feed->history, monitor->run_id, NULL, 0, feed->log_seq, 0, &error)))
    {
      g_debug ("run %" G_GINT64_FORMAT ": cannot read new events: %s", monitor->run_id, error->message);
      return;
    }

  batch = merge (feed, events, lines);
  if (batch->len == 0 && g_get_monotonic_time () - feed->last_row_check >= ROW_CHECK_INTERVAL_USEC)
    {
      g_ptr_array_unref (batch);
      if (!(batch = check_run_row (feed, monitor->run_id)))
        return;
    }
  _sluice_run_monitor_deliver (monitor, batch);
}

static gboolean
local_poll_cb (gpointer user_data)
{
  SluiceRunMonitor *monitor = user_data;

  local_read (monitor, monitor->backend_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
local_wake_read_cb (gpointer user_data)
{
  SluiceRunMonitor *monitor = user_data;
  LocalFeed *feed = monitor->backend_data;

  feed->wake_read = 0;
  local_read (monitor, feed);
  return G_SOURCE_REMOVE;
}

// Whether one of the inotify events in buffer is about the history
// database or its WAL (history.db, history.db-wal): the folder also holds
// the store's other files.
static gboolean
names_history (const char *buffer,
               gssize      length,
               const char *history_name)
{
  gssize offset = 0;

  while (offset + (gssize) sizeof (struct inotify_event) <= length)
    {
      const struct inotify_event *event = (const struct inotify_event *) (buffer + offset);

      if (event->len > 0 && g_str_has_prefix (event->name, history_name))
        return TRUE;
      offset += sizeof (struct inotify_event) + event->len;
    }
  return FALSE;
}

static gboolean
on_history_written (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  SluiceRunMonitor *monitor = user_data;
  LocalFeed *feed = monitor->backend_data;
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  gboolean written = FALSE;
  gssize length;

  while ((length = read (fd, buffer, sizeof buffer)) > 0)
    written |= names_history (buffer, length, feed->history_name);
  if (written && feed->wake_read == 0)
    feed->wake_read = g_timeout_add (WAKE_DELAY_MS, local_wake_read_cb, monitor);
  return G_SOURCE_CONTINUE;
}

// Reads as soon as the runner writes, rather than up to a poll interval
// later (the poll stays, for file systems inotify does not see into).
static void
local_feed_start_waking (SluiceRunMonitor *monitor,
                         LocalFeed        *feed)
{
  g_autofree char *folder = g_path_get_dirname (feed->history_path);

  if ((feed->wake_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC)) < 0)
    {
      g_debug ("no inotify (%s): reading the history every %u ms", g_strerror (errno), monitor->interval_ms);
      return;
    }
  if (inotify_add_watch (feed->wake_fd, folder, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    {
      g_debug ("cannot watch %s (%s): reading the history every %u ms", folder, g_strerror (errno),
               monitor->interval_ms);
      local_feed_stop_waking (feed);
      return;
    }
  feed->wake_source = g_unix_fd_add (feed->wake_fd, G_IO_IN, on_history_written, monitor);
}

static gboolean
local_start (SluiceRunMonitor  *monitor,
             gpointer           data,
             const char        *cursor,
             GError           **error)
{
  LocalFeed *feed = data;
  g_autoptr(SluiceRunRecord) record = NULL;

  if (cursor != NULL && !parse_cursor (cursor, &feed->event_seq, &feed->log_seq, error))
    return FALSE;
  if (!g_file_test (feed->history_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND,
                   "there is no run history at %s", feed->history_path);
      return FALSE;
    }
  if (feed->history == NULL && !(feed->history = sluice_history_open (feed->history_path, error)))
    return FALSE;
  if (!(record = sluice_history_get_run (feed->history, monitor->run_id, error)))
    return FALSE;

  // A run that ended before this monitor, or before the events table
  // existed, is told from its rows if its events do not tell the end.
  feed->last_row_check = 0;
  local_read (monitor, feed);
  if (!monitor->finished)
    {
      feed->poll_source = g_timeout_add (monitor->interval_ms, local_poll_cb, monitor);
      local_feed_start_waking (monitor, feed);
    }
  return TRUE;
}

static void
local_stop (SluiceRunMonitor *monitor,
            gpointer          data)
{
  LocalFeed *feed = data;

  g_clear_handle_id (&feed->poll_source, g_source_remove);
  local_feed_stop_waking (feed);
}

static void
local_poll (SluiceRunMonitor *monitor,
            gpointer          data)
{
  local_read (monitor, data);
}

static const SluiceRunMonitorBackend local_backend = {
  local_start,
  local_stop,
  local_poll,
};

/* public ---------------------------------------------------------------------- */

SluiceRunMonitor *
_sluice_run_monitor_new_with_backend (const SluiceRunMonitorBackend *backend,
                                      gpointer                       data,
                                      GDestroyNotify                 destroy_data,
                                      gint64                         run_id)
{
  SluiceRunMonitor *self;

  g_return_val_if_fail (backend != NULL && backend->start != NULL && backend->stop != NULL, NULL);

  self = g_object_new (SLUICE_TYPE_RUN_MONITOR, NULL);
  self->backend = backend;
  self->backend_data = data;
  self->destroy_backend_data = destroy_data;
  self->run_id = run_id;
  return self;
}

SluiceRunMonitor *
sluice_run_monitor_new (const char *history_path,
                        gint64      run_id)
{
  LocalFeed *feed;

  g_return_val_if_fail (history_path != NULL, NULL);

  feed = g_new0 (LocalFeed, 1);
  feed->history_path = g_strdup (history_path);
  feed->history_name = g_path_get_basename (history_path);
  feed->wake_fd = -1;
  feed->step_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return _sluice_run_monitor_new_with_backend (&local_backend, feed, local_feed_free, run_id);
}

gint64
sluice_run_monitor_get_run_id (SluiceRunMonitor *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_MONITOR (self), 0);
  return self->run_id;
}

void
sluice_run_monitor_set_interval (SluiceRunMonitor *self,
                                 guint             milliseconds)
{
  g_return_if_fail (SLUICE_IS_RUN_MONITOR (self));
  self->interval_ms = MAX (milliseconds, 1);
}

char *
sluice_run_monitor_get_cursor (SluiceRunMonitor *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_MONITOR (self), NULL);
  return g_strdup (self->cursor);
}

gboolean
sluice_run_monitor_set_cursor (SluiceRunMonitor  *self,
                               const char        *cursor,
                               GError           **error)
{
  gint64 e, l;

  g_return_val_if_fail (SLUICE_IS_RUN_MONITOR (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  // Only the local form is checked here; a remote cursor is the server's.
  if (cursor != NULL && self->backend == &local_backend && !parse_cursor (cursor, &e, &l, error))
    return FALSE;
  g_free (self->cursor);
  self->cursor = g_strdup (cursor);
  return TRUE;
}

gboolean
sluice_run_monitor_start (SluiceRunMonitor  *self,
                          GError           **error)
{
  g_autoptr(GObject) keep = NULL;

  g_return_val_if_fail (SLUICE_IS_RUN_MONITOR (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  keep = g_object_ref (G_OBJECT (self));
  self->started = TRUE;
  if (!self->backend->start (self, self->backend_data, self->cursor, error))
    {
      self->started = FALSE;
      return FALSE;
    }
  return TRUE;
}

void
sluice_run_monitor_stop (SluiceRunMonitor *self)
{
  g_return_if_fail (SLUICE_IS_RUN_MONITOR (self));

  if (self->started && self->backend != NULL && self->backend_data != NULL)
    self->backend->stop (self, self->backend_data);
}

void
sluice_run_monitor_poll (SluiceRunMonitor *self)
{
  g_return_if_fail (SLUICE_IS_RUN_MONITOR (self));

  if (self->started && !self->finished && self->backend->poll != NULL)
    self->backend->poll (self, self->backend_data);
}

gboolean
sluice_run_monitor_is_finished (SluiceRunMonitor *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_MONITOR (self), FALSE);
  return self->finished;
}
