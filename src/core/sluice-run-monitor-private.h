// SPDX-License-Identifier: GPL-3.0-or-later
//
// How a source of events plugs into SluiceRunMonitor: the local history
// poller is one backend, the remote event stream (sluice-remote.c) another.
// Whatever the backend, the monitor's users see the same signals.

#pragma once

#include "sluice-run-monitor.h"

G_BEGIN_DECLS

typedef struct
{
  // Begin delivering events after cursor (NULL = from the start).
  gboolean (*start) (SluiceRunMonitor *monitor,
                     gpointer          data,
                     const char       *cursor,
                     GError          **error);
  void     (*stop)  (SluiceRunMonitor *monitor,
                     gpointer          data);
  // Optional: look for new events now.
  void     (*poll)  (SluiceRunMonitor *monitor,
                     gpointer          data);
} SluiceRunMonitorBackend;

SluiceRunMonitor *_sluice_run_monitor_new_with_backend (const SluiceRunMonitorBackend *backend,
                                                        gpointer                       data,
                                                        GDestroyNotify                 destroy_data,
                                                        gint64                         run_id);
// Called by a backend with a batch of events (ownership of the array and
// its events moves to the monitor). Each event's cursor must be set. The
// monitor emits "events", remembers the last cursor, and emits "finished"
// after a batch holding the run's final RUN_STATE event.
void              _sluice_run_monitor_deliver          (SluiceRunMonitor *self,
                                                        GPtrArray        *events);

G_END_DECLS
