// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-state.h"

static const char * const names[] = {
  [SLUICE_STATE_PENDING] = "pending",
  [SLUICE_STATE_QUEUED] = "queued",
  [SLUICE_STATE_RUNNING] = "running",
  [SLUICE_STATE_SUCCEEDED] = "succeeded",
  [SLUICE_STATE_FAILED] = "failed",
  [SLUICE_STATE_CANCELLED] = "cancelled",
  [SLUICE_STATE_SKIPPED] = "skipped",
  [SLUICE_STATE_REUSED] = "reused",
  [SLUICE_STATE_INTERRUPTED] = "interrupted",
};

const char *
sluice_state_to_string (SluiceState state)
{
  if ((guint) state >= G_N_ELEMENTS (names))
    return "unknown";
  return names[state];
}

gboolean
sluice_state_from_string (const char  *text,
                          SluiceState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *state = (SluiceState) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
sluice_state_is_final (SluiceState state)
{
  return state >= SLUICE_STATE_SUCCEEDED;
}

gboolean
sluice_state_is_done (SluiceState state)
{
  return state == SLUICE_STATE_SUCCEEDED || state == SLUICE_STATE_REUSED;
}
