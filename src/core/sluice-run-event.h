// SPDX-License-Identifier: GPL-3.0-or-later
//
// Everything that happens in a run, as one event type. A local run emits
// them from the engine; a remote run will rebuild them from the server's
// stream; the canvas and the CLI only ever see these.

#pragma once

#include <json-glib/json-glib.h>

#include "sluice-state.h"

G_BEGIN_DECLS

typedef enum
{
  SLUICE_RUN_EVENT_RUN_STATE,
  SLUICE_RUN_EVENT_STEP_STATE,
  SLUICE_RUN_EVENT_LOG,
  SLUICE_RUN_EVENT_METRIC,
  SLUICE_RUN_EVENT_ARTIFACT,
} SluiceRunEventKind;

#define SLUICE_TYPE_RUN_EVENT (sluice_run_event_get_type ())

typedef struct
{
  SluiceRunEventKind  kind;
  gint64              run_id;
  char               *step_id;     // NULL for run events
  gint64              time;        // µs since the epoch
  SluiceState         state;       // RUN_STATE, STEP_STATE
  guint               attempt;     // STEP_STATE, LOG
  char                stream;      // LOG: 'o', 'e' or 's' (Sluice's own note)
  char               *text;        // LOG line; STEP_STATE: why (failure, skip), or NULL
  char               *name;        // METRIC name; ARTIFACT output port
  double              value;       // METRIC
  gint64              index;       // METRIC step index, -1 if none
  char               *hash;        // ARTIFACT content hash
  gint64              seq;         // row in the history (events or log_lines), 0 if not recorded
  char               *cursor;      // a monitor's position after this event, or NULL
} SluiceRunEvent;

GType           sluice_run_event_get_type   (void) G_GNUC_CONST;
SluiceRunEvent *sluice_run_event_new        (SluiceRunEventKind    kind,
                                             gint64                run_id,
                                             const char           *step_id);
SluiceRunEvent *sluice_run_event_copy       (const SluiceRunEvent *event);
void            sluice_run_event_free       (SluiceRunEvent       *event);
const char     *sluice_run_event_kind_to_string (SluiceRunEventKind kind);
JsonNode       *sluice_run_event_to_json    (const SluiceRunEvent *event);
// The reverse of sluice_run_event_to_json(), for events that come back
// over the network. Errors (SLUICE_ERROR_INVALID) name what is missing.
SluiceRunEvent *sluice_run_event_new_from_json (JsonNode          *node,
                                                GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceRunEvent, sluice_run_event_free)

G_END_DECLS
