// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib.h>

G_BEGIN_DECLS

// States of a step, and of a run as a whole.
typedef enum
{
  SLUICE_STATE_PENDING,
  SLUICE_STATE_QUEUED,
  SLUICE_STATE_RUNNING,
  SLUICE_STATE_SUCCEEDED,
  SLUICE_STATE_FAILED,
  SLUICE_STATE_CANCELLED,
  SLUICE_STATE_SKIPPED,
  SLUICE_STATE_REUSED,
  SLUICE_STATE_INTERRUPTED,
} SluiceState;

const char *sluice_state_to_string   (SluiceState  state);
gboolean    sluice_state_from_string (const char  *text,
                                      SluiceState *state);
gboolean    sluice_state_is_final    (SluiceState  state);
// Succeeded or reused: its outputs exist and can be read.
gboolean    sluice_state_is_done     (SluiceState  state);

G_END_DECLS
