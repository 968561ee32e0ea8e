// SPDX-License-Identifier: GPL-3.0-or-later
//
// How long does starting a step's process take, and does it depend on how
// big the parent is? For bench/engine.sh; answers "measure GSubprocess
// against posix_spawn and keep the faster".
//
//   sluice-spawn-latency [-n N] [--alloc-mib M] [--no-small]
//
// Spawns /bin/true N times (default 300, after 10 warm-up spawns) in each
// of these ways, taking turns, and prints the p50 and p99 latency from the
// spawn call to the moment the parent has seen the exit (and, where there
// are pipes, the end of both output streams):
//
//   sluice_process_spawn   libsluice's posix_spawn path, with a working
//                          folder, the engine's environment and stdout/stderr
//                          pipes, on a GMainLoop until its exit callback;
//   GSubprocess + cwd      g_subprocess_launcher_set_cwd, stdout/stderr
//                          pipes, the same environment, communicate_async on
//                          a GMainLoop (GLib falls back to fork+exec when a
//                          working folder is set);
//   GSubprocess, no cwd    the same without a working folder, for
//                          comparison (GLib 2.74 forks here too: strace shows
//                          a plain clone, not CLONE_VM|CLONE_VFORK);
//   fork+exec              fork, chdir, execve in the child, pipes read to
//                          the end and waitpid in the parent, no main loop.
//
// It does that twice: first as it is (a small parent), then after mapping
// and touching M MiB (default 1024) of anonymous memory with 4 KiB pages
// (MADV_NOHUGEPAGE, like a heap of many small objects), since fork copies
// the page tables of the parent and posix_spawn (vfork semantics) does not.
// Ratios are p50 against "GSubprocess + cwd", the alternative the engine
// would otherwise use. Times depend on the machine; only the ratios of one
// run on one machine mean something.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-process.h"

#define WARMUP 10

typedef struct
{
  const char *name;
  double      p50_ms;
  double      p99_ms;
  gboolean    ok;
} Result;

typedef struct
{
  GMainLoop *loop;
  gint64     end;
  int        status;
} Wait;

static const char *true_argv[] = { "/bin/true", NULL };
static char *cwd;
static char **env;

/* sluice_process_spawn -------------------------------------------------------- */

static void
on_sluice_exit (SluiceProcess *process,
                int            exit_code,
                int            signal_number,
                gpointer       user_data)
{
  Wait *wait = user_data;

  wait->end = g_get_monotonic_time ();
  wait->status = exit_code;
  g_main_loop_quit (wait->loop);
}

static gint64
spawn_sluice (GMainLoop *loop)
{
  g_autoptr(GError) error = NULL;
  Wait wait = { loop, 0, -1 };
  gint64 start = g_get_monotonic_time ();
  SluiceProcess *process = sluice_process_spawn (true_argv, cwd, (const char * const *) env,
                                                 NULL, on_sluice_exit, &wait, &error);

  if (process == NULL)
    {
      g_printerr ("sluice_process_spawn: %s\n", error->message);
      return -1;
    }
  g_main_loop_run (loop);
  sluice_process_free (process);
  return wait.status == 0 ? wait.end - start : -1;
}

/* GSubprocess ----------------------------------------------------------------- */

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  if (g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, &err, &error))
    {
      wait->end = g_get_monotonic_time ();
      wait->status = g_subprocess_get_if_exited (G_SUBPROCESS (source))
                     ? g_subprocess_get_exit_status (G_SUBPROCESS (source)) : -1;
    }
  else
    g_printerr ("GSubprocess: %s\n", error->message);
  g_main_loop_quit (wait->loop);
}

static gint64
spawn_gsubprocess (GMainLoop *loop,
                   gboolean   with_cwd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  Wait wait = { loop, 0, -1 };
  gint64 start = g_get_monotonic_time ();

  // The launcher is part of what a caller pays for every step.
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, env);
  if (with_cwd)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  process = g_subprocess_launcher_spawnv (launcher, true_argv, &error);
  if (process == NULL)
    {
      g_printerr ("GSubprocess: %s\n", error->message);
      return -1;
    }
  g_subprocess_communicate_async (process, NULL, NULL, on_communicated, &wait);
  g_main_loop_run (loop);
  return wait.status == 0 ? wait.end - start : -1;
}

static gint64
spawn_gsubprocess_cwd (GMainLoop *loop)
{
  return spawn_gsubprocess (loop, TRUE);
}

static gint64
spawn_gsubprocess_plain (GMainLoop *loop)
{
  return spawn_gsubprocess (loop, FALSE);
}

/* fork+exec -------------------------------------------------------------------- */

static void
drain (int fd)
{
  char buffer[4096];

  for (;;)
    {
      ssize_t got = read (fd, buffer, sizeof buffer);

      if (got > 0 || (got < 0 && errno == EINTR))
        continue;
      break;
    }
  close (fd);
}

static gint64
spawn_fork (G_GNUC_UNUSED GMainLoop *loop)
{
  int out[2], err[2], status = 0;
  gint64 start = g_get_monotonic_time (), end;
  pid_t pid;

  if (pipe2 (out, O_CLOEXEC) != 0)
    return -1;
  if (pipe2 (err, O_CLOEXEC) != 0)
    {
      close (out[0]);
      close (out[1]);
      return -1;
    }

  pid = fork ();
  if (pid == 0)
    {
      // Only async-signal-safe calls from here on.
      int devnull = open ("/dev/null", O_RDONLY);

      if (devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (out[1], 1) < 0 || dup2 (err[1], 2) < 0 ||
          chdir (cwd) != 0 || setpgid (0, 0) != 0)
        _exit (127);
      execve (true_argv[0], (char * const *) true_argv, env);
      _exit (127);
    }
  close (out[1]);
  close (err[1]);
  if (pid < 0)
    {
      close (out[0]);
      close (err[0]);
      return -1;
    }
  drain (out[0]);
  drain (err[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  end = g_get_monotonic_time ();
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? end - start : -1;
}

/* measuring ------------------------------------------------------------------- */

typedef gint64 (*SpawnFunc) (GMainLoop *loop);

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static Result
percentiles (const char *name,
             gint64     *samples,
             guint       n)
{
  Result result = { name, 0, 0, TRUE };

  qsort (samples, n, sizeof *samples, compare_gint64);
  result.p50_ms = samples[(n - 1) / 2] / 1000.0;
  result.p99_ms = samples[MIN (n - 1, (guint) ceil (n * 0.99) - 1)] / 1000.0;
  return result;
}

static long
rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return strtol (line + strlen ("VmRSS:"), NULL, 10) / 1024;
}

typedef struct
{
  double sluice_p50_ms;       // 0 = not measured or failed
  double reference_p50_ms;    // GSubprocess + cwd
} Summary;

static Summary
run_all (const char *label,
         guint       n)
{
  struct { const char *name; SpawnFunc spawn; } methods[] = {
    { "sluice_process_spawn", spawn_sluice },
    { "GSubprocess + cwd", spawn_gsubprocess_cwd },
    { "GSubprocess, no cwd", spawn_gsubprocess_plain },
    { "fork+exec", spawn_fork },
  };
  enum { N_METHODS = G_N_ELEMENTS (methods) };
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gint64 *samples = g_new (gint64, (gsize) N_METHODS * n);
  Result results[N_METHODS];
  gboolean ok[N_METHODS];
  Summary summary = { 0, 0 };

  // Round robin, one spawn of each method in turn, so that a drift of the
  // machine (frequency, other load, a VM's scheduling) hits every method
  // alike rather than whichever happens to run then.
  for (guint m = 0; m < N_METHODS; m++)
    ok[m] = TRUE;
  for (guint i = 0; i < WARMUP + n; i++)
    for (guint m = 0; m < N_METHODS; m++)
      if (ok[m])
        {
          gint64 t = methods[m].spawn (loop);

          if (t < 0)
            ok[m] = FALSE;
          else if (i >= WARMUP)
            samples[m * n + i - WARMUP] = t;
        }
  for (guint m = 0; m < N_METHODS; m++)
    {
      results[m] = percentiles (methods[m].name, samples + m * n, n);
      results[m].ok = ok[m];
    }
  summary.sluice_p50_ms = results[0].ok ? results[0].p50_ms : 0;
  summary.reference_p50_ms = results[1].ok ? results[1].p50_ms : 0;

  printf ("parent RSS %ld MiB (%s), %u spawns of /bin/true per method:\n", rss_mib (), label, n);
  printf ("  %-22s %9s %9s  %s\n", "method", "p50 ms", "p99 ms", "p50 / GSubprocess + cwd");
  for (guint i = 0; i < N_METHODS; i++)
    {
      if (!results[i].ok)
        {
          printf ("  %-22s %9s %9s  (failed)\n", results[i].name, "-", "-");
          continue;
        }
      printf ("  %-22s %9.3f %9.3f  %.2f\n", results[i].name, results[i].p50_ms, results[i].p99_ms,
              summary.reference_p50_ms > 0 ? results[i].p50_ms / summary.reference_p50_ms : 0);
    }
  fflush (stdout);
  return summary;
}

int
main (int    argc,
      char **argv)
{
  static int n = 300;
  static int alloc_mib = 1024;
  static gboolean no_small;
  static const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &n, "Spawns per method and parent size (default 300)", "N" },
    { "alloc-mib", 0, 0, G_OPTION_ARG_INT, &alloc_mib, "MiB to allocate and touch for the big parent (default 1024; 0: skip)", "M" },
    { "no-small", 0, 0, G_OPTION_ARG_NONE, &no_small, "Skip the small-parent round", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- spawn latency of /bin/true, three ways");
  g_autoptr(GError) error = NULL;
  g_autofree char *metrics = NULL;
  g_autofree char *tmp = NULL;
  Summary small = { 0, 0 }, big = { 0, 0 };
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n < 1 || alloc_mib < 0)
    {
      g_printerr ("%s\n", error ? error->message : "-n must be at least 1 and --alloc-mib at least 0");
      return 2;
    }

  if (!(cwd = g_dir_make_tmp ("sluice-spawn-XXXXXX", &error)))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  tmp = g_build_filename (cwd, "tmp", NULL);
  metrics = g_build_filename (cwd, "metrics.txt", NULL);
  g_mkdir (tmp, 0700);

  // What the engine gives a step (see step_environment in sluice-run.c).
  env = g_environ_setenv (env, "PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  env = g_environ_setenv (env, "HOME", g_get_home_dir (), TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "TMPDIR", tmp, TRUE);
  env = g_environ_setenv (env, "PYTHONDONTWRITEBYTECODE", "1", TRUE);
  env = g_environ_setenv (env, "PYTHONUNBUFFERED", "1", TRUE);
  env = g_environ_setenv (env, "SLUICE_METRICS", metrics, TRUE);
  env = g_environ_setenv (env, "SLUICE_RUN_ID", "1", TRUE);
  env = g_environ_setenv (env, "SLUICE_STEP_ID", "bench", TRUE);
  env = g_environ_setenv (env, "SLUICE_ATTEMPT", "1", TRUE);

  if (!no_small)
    {
      small = run_all ("as started", (guint) n);
      printf ("\n");
    }

  if (alloc_mib > 0)
    {
      size_t size = (size_t) alloc_mib * 1024 * 1024;
      char *block = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      g_autofree char *label = NULL;

      if (block == MAP_FAILED)
        {
          g_printerr ("cannot map %d MiB: %s\n", alloc_mib, g_strerror (errno));
          status = 2;
        }
      else
        {
          madvise (block, size, MADV_NOHUGEPAGE);
          memset (block, 1, size);
          label = g_strdup_printf ("after touching %d MiB in 4 KiB pages", alloc_mib);
          big = run_all (label, (guint) n);
          munmap (block, size);
        }
    }

  // For scripts: p50 of sluice_process_spawn and of GSubprocess + cwd, in
  // ms, for the small and the big parent (0 = not measured or failed).
  printf ("\nspawn-summary small %.3f %.3f big %.3f %.3f\n", small.sluice_p50_ms, small.reference_p50_ms,
          big.sluice_p50_ms, big.reference_p50_ms);

  g_unlink (metrics);
  g_rmdir (tmp);
  g_rmdir (cwd);
  g_free (cwd);
  g_strfreev (env);
  if (status == 0 && ((!no_small && (small.sluice_p50_ms == 0 || small.reference_p50_ms == 0)) ||
                      (alloc_mib > 0 && (big.sluice_p50_ms == 0 || big.reference_p50_ms == 0))))
    status = 1;
  return status;
}
