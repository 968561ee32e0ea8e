// SPDX-License-Identifier: GPL-3.0-or-later
//
// posix_spawn rather than GSubprocess: GLib falls back to fork+exec as soon
// as a working folder is set, and fork copies the page tables of a big
// parent (the app with a large graph loaded), while glibc's posix_spawn uses
// vfork semantics whatever the parent's size. It also gives us a process
// group (POSIX_SPAWN_SETPGROUP) without a child_setup function.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-error.h"
#include "sluice-process.h"

#define READ_CHUNK 16384

typedef struct
{
  SluiceProcess *process;
  char           stream;
  GInputStream  *input;
  GString       *pending;
  char           buffer[READ_CHUNK];
} Reader;

struct _SluiceProcess
{
  gatomicrefcount        ref_count;
  GPid                   pid;
  gboolean               exited;
  int                    exit_code;
  int                    signal;
  guint                  open_streams;
  guint                  child_watch;
  guint                  kill_timer;
  gboolean               finished;
  GCancellable          *cancellable;
  Reader                *readers[2];
  SluiceProcessLineFunc  on_line;
  SluiceProcessExitFunc  on_exit;
  gpointer               user_data;
};

static SluiceProcess *
process_ref (SluiceProcess *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
reader_free (Reader *reader)
{
  if (reader == NULL)
    return;
  g_clear_object (&reader->input);
  g_string_free (reader->pending, TRUE);
  g_free (reader);
}

static void
process_unref (SluiceProcess *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_handle_id (&self->child_watch, g_source_remove);
  g_clear_handle_id (&self->kill_timer, g_source_remove);
  g_clear_object (&self->cancellable);
  reader_free (self->readers[0]);
  reader_free (self->readers[1]);
  g_free (self);
}

static void
maybe_finish (SluiceProcess *self)
{
  if (!self->exited || self->open_streams > 0 || self->finished)
    return;

  self->finished = TRUE;
  g_clear_handle_id (&self->kill_timer, g_source_remove);
  if (self->on_exit != NULL && !g_cancellable_is_cancelled (self->cancellable))
    self->on_exit (self, self->exit_code, self->signal, self->user_data);
}

static void
emit_line (Reader     *reader,
           const char *line,
           gsize       length)
{
  SluiceProcess *self = reader->process;
  g_autofree char *text = NULL;

  if (self->on_line == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  // Output is shown and stored as text; replace invalid UTF-8 rather than
  // drop the line.
  text = g_utf8_make_valid (line, (gssize) length);
  self->on_line (self, reader->stream, text, self->user_data);
}

static void
split_lines (Reader *reader)
{
  GString *pending = reader->pending;
  gsize start = 0;

  for (gsize i = 0; i < pending->len; i++)
    if (pending->str[i] == '\n')
      {
        gsize end = i;

        if (end > start && pending->str[end - 1] == '\r')
          end--;
        emit_line (reader, pending->str + start, end - start);
        start = i + 1;
      }

  g_string_erase (pending, 0, (gssize) start);

  // A line without an end (binary output, a progress bar) is cut rather
  // than allowed to grow without bound.
  while (pending->len >= SLUICE_PROCESS_MAX_LINE)
    {
      emit_line (reader, pending->str, SLUICE_PROCESS_MAX_LINE);
      g_string_erase (pending, 0, SLUICE_PROCESS_MAX_LINE);
    }
}

static void read_more (Reader *reader);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *reader = user_data;
  SluiceProcess *self = reader->process;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n > 0 && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_string_append_len (reader->pending, reader->buffer, n);
      split_lines (reader);
      read_more (reader);
    }
  else
    {
      if (reader->pending->len > 0)
        emit_line (reader, reader->pending->str, reader->pending->len);
      g_string_truncate (reader->pending, 0);
      self->open_streams--;
      maybe_finish (self);
    }

  process_unref (self);
}

static void
read_more (Reader *reader)
{
  process_ref (reader->process);
  g_input_stream_read_async (reader->input, reader->buffer, sizeof reader->buffer, G_PRIORITY_DEFAULT,
                             reader->process->cancellable, on_read, reader);
}

static void
on_child_exit (GPid     pid,
               gint     wait_status,
               gpointer user_data)
{
  SluiceProcess *self = user_data;

  self->child_watch = 0;
  self->exited = TRUE;
  if (WIFEXITED (wait_status))
    self->exit_code = WEXITSTATUS (wait_status);
  else
    {
      self->exit_code = -1;
      self->signal = WIFSIGNALED (wait_status) ? WTERMSIG (wait_status) : 0;
    }
  g_spawn_close_pid (pid);

  maybe_finish (self);
}

static gboolean
is_executable_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) && access (path, X_OK) == 0;
}

// PATH lookup with the step's own environment, not ours.
char *
sluice_find_program (const char         *program,
                     const char * const *envp)
{
  const char *path = g_environ_getenv ((char **) envp, "PATH");
  g_auto(GStrv) dirs = NULL;

  if (strchr (program, '/') != NULL)
    return g_strdup (program);

  dirs = g_strsplit (path ? path : "/usr/bin:/bin", ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (*dirs[i] ? dirs[i] : ".", program, NULL);

      if (is_executable_file (candidate))
        return g_steal_pointer (&candidate);
    }

  return NULL;
}

static Reader *
reader_new (SluiceProcess *self,
            char           stream,
            int            fd)
{
  Reader *reader = g_new0 (Reader, 1);

  reader->process = self;
  reader->stream = stream;
  reader->input = g_unix_input_stream_new (fd, TRUE);
  reader->pending = g_string_new (NULL);
  return reader;
}

static gboolean
setup_spawn (posix_spawn_file_actions_t *actions,
             posix_spawnattr_t          *attr,
             const char                 *cwd,
             int                         out_fd,
             int                         err_fd)
{
  sigset_t none, defaults;

  sigemptyset (&none);
  sigemptyset (&defaults);
  // Reset what a parent may have ignored or blocked; a step gets a normal
  // process, and its own group so that it can be stopped as a whole.
  sigaddset (&defaults, SIGPIPE);
  sigaddset (&defaults, SIGINT);
  sigaddset (&defaults, SIGTERM);
  sigaddset (&defaults, SIGHUP);
  sigaddset (&defaults, SIGCHLD);

  return posix_spawn_file_actions_init (actions) == 0 &&
         posix_spawnattr_init (attr) == 0 &&
         posix_spawn_file_actions_addopen (actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
         posix_spawn_file_actions_adddup2 (actions, out_fd, 1) == 0 &&
         posix_spawn_file_actions_adddup2 (actions, err_fd, 2) == 0 &&
         posix_spawn_file_actions_addchdir_np (actions, cwd) == 0 &&
         posix_spawnattr_setpgroup (attr, 0) == 0 &&
         posix_spawnattr_setsigmask (attr, &none) == 0 &&
         posix_spawnattr_setsigdefault (attr, &defaults) == 0 &&
         posix_spawnattr_setflags (attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETSIGDEF) == 0;
}

SluiceProcess *
sluice_process_spawn (const char * const     *argv,
                      const char             *cwd,
                      const char * const     *envp,
                      SluiceProcessLineFunc   on_line,
                      SluiceProcessExitFunc   on_exit,
                      gpointer                user_data,
                      GError                **error)
{
  g_autofree char *program = NULL;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
  SluiceProcess *self;
  pid_t pid;
  int rc;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  if (!g_file_test (cwd, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND, "working folder %s does not exist", cwd);
      return NULL;
    }

  program = sluice_find_program (argv[0], envp);
  if (program == NULL)
    {
      const char *path = g_environ_getenv ((char **) envp, "PATH");

      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND,
                   "program '%s' was not found in PATH (%s)", argv[0], path ? path : "");
      return NULL;
    }

  if (!g_unix_open_pipe (out_pipe, FD_CLOEXEC, error) || !g_unix_open_pipe (err_pipe, FD_CLOEXEC, error))
    {
      for (guint i = 0; i < 2; i++)
        {
          if (out_pipe[i] >= 0)
            close (out_pipe[i]);
          if (err_pipe[i] >= 0)
            close (err_pipe[i]);
        }
      return NULL;
    }

  if (!setup_spawn (&actions, &attr, cwd, out_pipe[1], err_pipe[1]))
    rc = errno ? errno : ENOMEM;
  else
    rc = posix_spawn (&pid, program, &actions, &attr, (char * const *) argv, (char * const *) envp);

  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);
  close (out_pipe[1]);
  close (err_pipe[1]);

  if (rc != 0)
    {
      close (out_pipe[0]);
      close (err_pipe[0]);
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_FAILED, "cannot start %s: %s", program, g_strerror (rc));
      return NULL;
    }

  self = g_new0 (SluiceProcess, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->pid = pid;
  self->on_line = on_line;
  self->on_exit = on_exit;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();
  self->readers[0] = reader_new (self, 'o', out_pipe[0]);
  self->readers[1] = reader_new (self, 'e', err_pipe[0]);
  self->open_streams = 2;
  self->child_watch = g_child_watch_add (pid, on_child_exit, self);
  read_more (self->readers[0]);
  read_more (self->readers[1]);
  return self;
}

GPid
sluice_process_get_pid (SluiceProcess *process)
{
  return process->pid;
}

static gboolean
kill_group (gpointer user_data)
{
  SluiceProcess *self = user_data;

  self->kill_timer = 0;
  if (!self->exited)
    kill (-self->pid, SIGKILL);
  return G_SOURCE_REMOVE;
}

void
sluice_process_terminate (SluiceProcess *process,
                          guint          grace_ms)
{
  if (process->exited || process->kill_timer != 0)
    return;

  kill (-process->pid, SIGTERM);
  process->kill_timer = g_timeout_add (grace_ms, kill_group, process);
}

static void
reap_quietly (GPid     pid,
              gint     wait_status,
              gpointer user_data)
{
  g_spawn_close_pid (pid);
}

void
sluice_process_free (SluiceProcess *process)
{
  if (process == NULL)
    return;

  if (!process->exited)
    {
      // Nobody will wait for it any more: stop it and let GLib reap it.
      kill (-process->pid, SIGKILL);
      g_clear_handle_id (&process->child_watch, g_source_remove);
      g_child_watch_add (process->pid, reap_quietly, NULL);
    }

  g_cancellable_cancel (process->cancellable);
  process_unref (process);
}

/* orphans -------------------------------------------------------------------- */

static gboolean
environ_has (const char *pid,
             const char *entry)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "environ", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  gsize entry_length = strlen (entry);

  // Another user's process, or one that ended: not ours to judge.
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize at = 0; at < length; at += strlen (contents + at) + 1)
    if (strncmp (contents + at, entry, entry_length + 1) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
works_inside (const char *pid,
              const char *root)
{
  g_autofree char *link = g_build_filename ("/proc", pid, "cwd", NULL);
  g_autofree char *cwd = g_file_read_link (link, NULL);

  return cwd != NULL && g_str_has_prefix (cwd, root) && cwd[strlen (root)] == '/';
}

// Field 5 of /proc/PID/stat; the command name before it may hold spaces
// and parentheses, so it is read after the last ')'.
static pid_t
process_group_of (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *stat = NULL;
  char state;
  int ppid, pgrp;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (end = strrchr (stat, ')')) == NULL)
    return 0;
  if (sscanf (end + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
    return 0;
  return pgrp;
}

guint
sluice_process_kill_orphans (const char *store_root,
                             gint64      run_id)
{
  g_autofree char *entry = g_strdup_printf ("SLUICE_RUN_ID=%" G_GINT64_FORMAT, run_id);
  g_autofree char *root = NULL;
  g_autoptr(GHashTable) groups = g_hash_table_new (NULL, NULL);
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GHashTableIter iter;
  gpointer group;
  const char *name;
  guint killed = 0;

  g_return_val_if_fail (store_root != NULL, 0);

  root = g_canonicalize_filename (store_root, NULL);
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      pid_t pgrp;

      if (!g_ascii_isdigit (name[0]) || !environ_has (name, entry) || !works_inside (name, root))
        continue;
      if ((pgrp = process_group_of (name)) > 1 && pgrp != getpgrp ())
        g_hash_table_add (groups, GINT_TO_POINTER (pgrp));
    }

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &group, NULL))
    if (kill (-(pid_t) GPOINTER_TO_INT (group), SIGKILL) == 0)
      killed++;
  return killed;
}
