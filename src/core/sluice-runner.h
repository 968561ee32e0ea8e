// SPDX-License-Identifier: GPL-3.0-or-later
//
// Starting the detached runner: `sluice run --runner ID --store ROOT`, in a
// session of its own so a run goes on when the app, the terminal or the
// server that started it goes away. The CLI, the app and the server all
// start runs this way, after sluice_run_prepare() recorded them.

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  const char         *cli_path;          // the `sluice` binary
  const char         *store_root;
  gint64              run_id;
  guint               jobs;              // 0 = number of CPUs
  const char * const *force_steps;       // NULL-terminated, or NULL
  const char * const *components_dirs;   // NULL-terminated, or NULL
} SluiceRunnerOptions;

// The `sluice` binary to start runners with: $SLUICE_CLI when set (tests,
// uninstalled builds), else `sluice` next to the running executable, else
// the installed one.
char    *sluice_runner_find_cli (void);
// Returns the runner's pid, or 0 with error set. The runner is reaped by a
// child watch on the thread-default main context when it ends.
GPid     sluice_runner_spawn    (const SluiceRunnerOptions *options,
                                 GError                   **error);

G_END_DECLS
