// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <fcntl.h>

#include "sluice.h"

G_BEGIN_DECLS

extern char **opt_components_dirs;

GOptionContext          *sluice_cli_context       (const char         *parameters,
                                                   const char         *summary,
                                                   const GOptionEntry *entries,
                                                   gboolean            with_components);
gboolean                 sluice_cli_parse         (GOptionContext     *context,
                                                   int                *argc,
                                                   char             ***argv);
SluiceComponentRegistry *sluice_cli_make_registry (void);
SluicePipeline          *sluice_cli_load_pipeline (const char         *path);
// One line for an event of a run being followed (local or remote), after
// the clock text the caller chose; nothing for events not worth a line.
void                     sluice_cli_print_event_line (const char           *clock,
                                                      const SluiceRunEvent *event);

int sluice_cli_run     (int argc, char **argv);
int sluice_cli_runs    (int argc, char **argv);
int sluice_cli_logs    (int argc, char **argv);
int sluice_cli_metrics (int argc, char **argv);
int sluice_cli_lineage (int argc, char **argv);
int sluice_cli_cancel  (int argc, char **argv);
int sluice_cli_gc      (int argc, char **argv);
int sluice_cli_remote   (int argc, char **argv);
int sluice_cli_publish  (int argc, char **argv);
int sluice_cli_trigger  (int argc, char **argv);
int sluice_cli_schedule (int argc, char **argv);
// The --remote forms of run, runs, logs, metrics and cancel; -1 when not asked for.
int sluice_cli_remote_forward (int argc, char **argv);
int sluice_cli_new     (int argc, char **argv);
int sluice_cli_examples (int argc, char **argv);

G_END_DECLS
