// SPDX-License-Identifier: GPL-3.0-or-later
//
// Watches one run from outside the process that executes it and reports
// what happens as SluiceRunEvents, in batches. The runner records every
// event in the history (table events, logs in log_lines); a monitor reads
// them after a cursor, so it can attach at any time, replay a finished
// run, and resume after a reconnect without missing anything. The app's
// canvas and the server's event stream only ever see these batches, the
// same for a local run and a remote one.

#pragma once

#include <gio/gio.h>

#include "sluice-history.h"
#include "sluice-run-event.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_RUN_MONITOR (sluice_run_monitor_get_type ())

G_DECLARE_FINAL_TYPE (SluiceRunMonitor, sluice_run_monitor, SLUICE, RUN_MONITOR, GObject)

// Reads the history database at history_path (opened read-side by the
// monitor itself, so a runner in another process writes while it reads).
SluiceRunMonitor *sluice_run_monitor_new          (const char        *history_path,
                                                   gint64             run_id);
gint64            sluice_run_monitor_get_run_id   (SluiceRunMonitor  *self);
// How often to look for new events while the run is going (default 100 ms).
void              sluice_run_monitor_set_interval (SluiceRunMonitor  *self,
                                                   guint              milliseconds);
// The position after the last event delivered, as an opaque string (an
// SSE id). Set it before start to resume after that event.
char             *sluice_run_monitor_get_cursor   (SluiceRunMonitor  *self);
gboolean          sluice_run_monitor_set_cursor   (SluiceRunMonitor  *self,
                                                   const char        *cursor,
                                                   GError           **error);
// Delivers everything after the cursor at once, then polls until the run
// is final. Errors: the database cannot be opened, the run does not exist.
gboolean          sluice_run_monitor_start        (SluiceRunMonitor  *self,
                                                   GError           **error);
void              sluice_run_monitor_stop         (SluiceRunMonitor  *self);
// Reads what is new now, without waiting for the next poll.
void              sluice_run_monitor_poll         (SluiceRunMonitor  *self);
gboolean          sluice_run_monitor_is_finished  (SluiceRunMonitor  *self);

// Signals:
//   "events"   (GPtrArray *events)   a batch of SluiceRunEvent*, in order;
//                                    each event's cursor is in event->cursor
//   "finished" (SluiceState state)   once, after the batch with the run's final state

G_END_DECLS
