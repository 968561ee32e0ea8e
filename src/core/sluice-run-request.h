// SPDX-License-Identifier: GPL-3.0-or-later
//
// Asking a run that goes on in another process (the detached runner) to do
// something for one step. A request is a small file under the store
// (ROOT/requests/run<ID>/), written atomically; the runner looks for new
// ones a few times a second and removes each one it took. Files rather
// than a signal: they carry the step's name, need no handler installed
// before they are sent, and outlive a runner that is just starting.

#pragma once

#include <glib.h>

#include "sluice-history.h"

G_BEGIN_DECLS

// Asks the runner of run_id to cancel step_id (its process gets SIGTERM,
// then SIGKILL after the grace period; what depends on it is skipped).
gboolean  sluice_run_request_cancel_step       (const char  *store_root,
                                                gint64       run_id,
                                                const char  *step_id,
                                                GError     **error);
// Runner side: the steps whose cancellation was asked since the last call
// (NULL-terminated, maybe empty); their requests are removed.
GStrv     sluice_run_request_take_cancel_steps (const char  *store_root,
                                                gint64       run_id);
// Cancels a run going on in a detached runner: SIGTERM to the runner once it
// has recorded its pid (it has its handlers then), else a request it takes
// up as it starts, so a cancel sent right after the start is not lost and
// cannot kill a runner that has not recorded anything yet. Errors: no such
// run, the run is not going on, its runner is gone.
gboolean  sluice_run_request_cancel_run        (SluiceHistory *history,
                                                const char  *store_root,
                                                gint64       run_id,
                                                GError     **error);
// Runner side: whether cancelling the whole run was asked (and forgets it).
gboolean  sluice_run_request_take_cancel_run   (const char  *store_root,
                                                gint64       run_id);
// Removes what is left of the run's requests (when the run ends).
void      sluice_run_request_clear             (const char  *store_root,
                                                gint64       run_id);

G_END_DECLS
