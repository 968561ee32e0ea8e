// SPDX-License-Identifier: GPL-3.0-or-later
//
// One step's process: started with posix_spawn (no shell, its own process
// group, its own working folder), its output read line by line on the main
// loop, stopped as a group.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SluiceProcess SluiceProcess;

// stream is 'o' for stdout, 'e' for stderr.
typedef void (*SluiceProcessLineFunc) (SluiceProcess *process,
                                       char           stream,
                                       const char    *line,
                                       gpointer       user_data);
// Called once, after the process exited and both streams were read to the
// end. exit_code is -1 when it was killed by a signal (then signal is set).
typedef void (*SluiceProcessExitFunc) (SluiceProcess *process,
                                       int            exit_code,
                                       int            signal,
                                       gpointer       user_data);

#define SLUICE_PROCESS_MAX_LINE (64 * 1024)

SluiceProcess *sluice_process_spawn      (const char * const    *argv,
                                          const char            *cwd,
                                          const char * const    *envp,
                                          SluiceProcessLineFunc  on_line,
                                          SluiceProcessExitFunc  on_exit,
                                          gpointer               user_data,
                                          GError               **error);
GPid           sluice_process_get_pid    (SluiceProcess         *process);
// SIGTERM to the whole process group, SIGKILL after grace_ms if still there.
void           sluice_process_terminate  (SluiceProcess         *process,
                                          guint                  grace_ms);
// Frees it; a process still running is killed first (SIGKILL to its group).
void           sluice_process_free       (SluiceProcess         *process);
// After a runner died (kill -9, power cut while suspended…), the steps it
// started live on in their own process groups. This kills (SIGKILL) every
// group holding a process of that run: SLUICE_RUN_ID=run_id in its
// environment and its working folder inside store_root. Returns how many.
guint          sluice_process_kill_orphans (const char          *store_root,
                                          gint64                 run_id);
char          *sluice_find_program       (const char            *program,
                                          const char * const    *envp);

G_END_DECLS
