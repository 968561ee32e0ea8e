// SPDX-License-Identifier: GPL-3.0-or-later
//
// Server-Sent Events (text/event-stream) as the HTML standard defines them:
// bytes go in as they arrive, in chunks cut anywhere, and complete events
// come out. Kept apart from the network code so it can be tested on
// hand-written streams.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *id;      // the last event id at dispatch (the stream's cursor), or NULL
  char *event;   // "message" when the stream gave no event field
  char *data;    // data lines joined with '\n'
} SluiceSseEvent;

typedef struct _SluiceSseParser SluiceSseParser;

void             sluice_sse_event_free          (SluiceSseEvent  *event);

SluiceSseParser *sluice_sse_parser_new          (void);
void             sluice_sse_parser_free         (SluiceSseParser *self);
// Appends every event completed by these bytes to events (SluiceSseEvent*,
// owned by the array's free function).
void             sluice_sse_parser_feed         (SluiceSseParser *self,
                                                 const char      *data,
                                                 gsize            length,
                                                 GPtrArray       *events);
// A new connection: forgets a half-received event and line (and an id
// read for it), keeps the last event id and the retry delay.
// The last event id is that of the last complete event: the one to send
// as Last-Event-ID.
void             sluice_sse_parser_reset        (SluiceSseParser *self);
const char      *sluice_sse_parser_get_last_id  (SluiceSseParser *self);
void             sluice_sse_parser_set_last_id  (SluiceSseParser *self,
                                                 const char      *id);
// The server's "retry:" in milliseconds, 0 when it sent none.
guint            sluice_sse_parser_get_retry    (SluiceSseParser *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceSseEvent, sluice_sse_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceSseParser, sluice_sse_parser_free)

G_END_DECLS
