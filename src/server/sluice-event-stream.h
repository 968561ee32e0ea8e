// SPDX-License-Identifier: GPL-3.0-or-later
//
// The events of one run, for any number of Server-Sent-Events clients:
// one SluiceRunMonitor reads the history, and every event is kept as its
// SSE text with its cursor, so a client that connects late or reconnects
// with Last-Event-ID gets exactly the events after its cursor.

#pragma once

#include <gio/gio.h>

#include "sluice-history.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_EVENT_STREAM (sluice_event_stream_get_type ())

G_DECLARE_FINAL_TYPE (SluiceEventStream, sluice_event_stream, SLUICE, EVENT_STREAM, GObject)

// history: a connection to the same database, to read the runs row with.
SluiceEventStream *sluice_event_stream_new        (SluiceHistory      *history,
                                                   const char         *history_path,
                                                   gint64              run_id,
                                                   guint               poll_milliseconds);
// Reads what the run recorded so far. Errors: no such run, unreadable db.
gboolean           sluice_event_stream_start      (SluiceEventStream  *self,
                                                   GError            **error);
guint              sluice_event_stream_get_length (SluiceEventStream  *self);
// Events from..to-1 as one piece of SSE text: for each event
// "id: CURSOR\nevent: KIND\ndata: JSON\n\n". Clients at the same place
// share one GBytes, so a batch costs one copy whatever their number.
GBytes            *sluice_event_stream_get_range  (SluiceEventStream  *self,
                                                   guint               from,
                                                   guint               to);
// The index of the event after cursor (NULL = 0); FALSE for a cursor this
// run never had.
gboolean           sluice_event_stream_find       (SluiceEventStream  *self,
                                                   const char         *cursor,
                                                   guint              *index);
gboolean           sluice_event_stream_is_finished (SluiceEventStream *self);

// Finished means: the run's final event was read, and the runs row says
// the run is over too (the runner writes that row just after its last
// events), so a client that reads the run after the stream ended sees
// its final state.
//
// Signals:
//   "changed"   new events were appended, or the stream finished

G_END_DECLS
