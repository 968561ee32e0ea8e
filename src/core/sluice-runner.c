// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include "sluice-runner.h"

char *
sluice_runner_find_cli (void)
{
  const char *env = g_getenv ("SLUICE_CLI");
  g_autofree char *self_path = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  // Installed side by side (bindir), or the CLI itself starting a runner.
  if ((self_path = g_file_read_link ("/proc/self/exe", NULL)) != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_path);
      g_autofree char *basename = g_path_get_basename (self_path);
      g_autofree char *sibling = g_build_filename (dir, "sluice", NULL);
      // An uninstalled build: src/app/ or src/server/ next to src/cli/.
      g_autofree char *in_build = g_build_filename (dir, "..", "cli", "sluice", NULL);

      if (g_str_equal (basename, "sluice"))
        return g_steal_pointer (&self_path);
      if (g_file_test (sibling, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&sibling);
      if (g_file_test (in_build, G_FILE_TEST_IS_EXECUTABLE))
        return g_canonicalize_filename (in_build, NULL);
    }
  return g_build_filename (SLUICE_BINDIR, "sluice", NULL);
}

static void
add_repeated (GPtrArray          *argv,
              const char         *option,
              const char * const *values)
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup (option));
      g_ptr_array_add (argv, g_strdup (values[i]));
    }
}

static GPtrArray *
runner_argv (const SluiceRunnerOptions *options)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (options->cli_path));
  g_ptr_array_add (argv, g_strdup ("run"));
  g_ptr_array_add (argv, g_strdup ("--runner"));
  g_ptr_array_add (argv, g_strdup_printf ("%" G_GINT64_FORMAT, options->run_id));
  g_ptr_array_add (argv, g_strdup ("--store"));
  g_ptr_array_add (argv, g_strdup (options->store_root));
  if (options->jobs > 0)
    {
      g_ptr_array_add (argv, g_strdup ("--jobs"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", options->jobs));
    }
  add_repeated (argv, "--force", options->force_steps);
  add_repeated (argv, "--components", options->components_dirs);
  g_ptr_array_add (argv, NULL);
  return argv;
}

static void
reap_runner (GPid     pid,
             int      wait_status,
             gpointer user_data)
{
  g_spawn_close_pid (pid);
}

// A new session (setsid) with no terminal and no inherited descriptors but
// /dev/null: the runner outlives whatever started it, and closing that
// terminal or app sends it nothing.
GPid
sluice_runner_spawn (const SluiceRunnerOptions  *options,
                     GError                    **error)
{
  g_autoptr(GPtrArray) argv = NULL;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  pid_t pid = 0;
  int rc;

  g_return_val_if_fail (options != NULL && options->cli_path != NULL && options->store_root != NULL, 0);
  g_return_val_if_fail (options->run_id > 0, 0);

  argv = runner_argv (options);
  posix_spawn_file_actions_init (&actions);
  posix_spawnattr_init (&attr);
  posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen (&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSID);
  rc = posix_spawn (&pid, options->cli_path, &actions, &attr, (char * const *) argv->pdata, environ);
  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);

  if (rc != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (rc),
                   "cannot start the runner %s: %s", options->cli_path, g_strerror (rc));
      return 0;
    }
  // Reaped when it ends, so a long-lived app or server keeps no zombie
  // (which would also look alive to the interrupted-run check).
  g_child_watch_add (pid, reap_runner, NULL);
  return pid;
}
