// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <gio/gio.h>

#include <signal.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sluice-file.h"
#include "sluice-run-request.h"

#define CANCEL_PREFIX "cancel-step."

static char *
requests_dir (const char *store_root,
              gint64      run_id)
{
  g_autofree char *name = g_strdup_printf ("run%" G_GINT64_FORMAT, run_id);

  return g_build_filename (store_root, "requests", name, NULL);
}

gboolean
sluice_run_request_cancel_step (const char  *store_root,
                                gint64       run_id,
                                const char  *step_id,
                                GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (store_root != NULL, FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  if (run_id <= 0 || *step_id == '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "a step cancellation needs a run number and a step name");
      return FALSE;
    }

  dir = requests_dir (store_root, run_id);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  // Escaped, so that any step name is one plain file name.
  escaped = g_uri_escape_string (step_id, NULL, FALSE);
  name = g_strconcat (CANCEL_PREFIX, escaped, NULL);
  // A dot is left as it is by URI escaping, but a temporary file of the
  // atomic write is told by one: no dot in a finished request's name.
  for (char *c = name + strlen (CANCEL_PREFIX); *c != '\0'; c++)
    if (*c == '.')
      {
        g_autofree char *head = g_strndup (name, c - name);
        char *joined = g_strconcat (head, "%2E", c + 1, NULL);

        c = joined + (c - name) + 2;
        g_free (name);
        name = joined;
      }
  path = g_build_filename (dir, name, NULL);
  return sluice_file_write_atomic (path, step_id, strlen (step_id), error);
}

GStrv
sluice_run_request_take_cancel_steps (const char *store_root,
                                      gint64      run_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *dir_path = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (store_root != NULL, NULL);

  dir_path = requests_dir (store_root, run_id);
  if ((dir = g_dir_open (dir_path, 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = NULL;
        g_autofree char *step_id = NULL;

        // Temporary files of a write still going on do not count.
        if (!g_str_has_prefix (name, CANCEL_PREFIX) || strchr (name + strlen (CANCEL_PREFIX), '.') != NULL)
          continue;
        path = g_build_filename (dir_path, name, NULL);
        step_id = g_uri_unescape_string (name + strlen (CANCEL_PREFIX), NULL);
        g_unlink (path);
        if (step_id != NULL && *step_id != '\0')
          g_strv_builder_add (builder, step_id);
      }
  return g_strv_builder_end (builder);
}

void
sluice_run_request_clear (const char *store_root,
                          gint64      run_id)
{
  g_autofree char *dir = NULL;

  g_return_if_fail (store_root != NULL);

  dir = requests_dir (store_root, run_id);
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    sluice_file_remove_tree (dir, NULL);
}

#define CANCEL_RUN "cancel-run"

static gboolean
write_cancel_run (const char  *store_root,
                  gint64       run_id,
                  GError     **error)
{
  g_autofree char *dir = requests_dir (store_root, run_id);
  g_autofree char *path = g_build_filename (dir, CANCEL_RUN, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return sluice_file_write_atomic (path, "", 0, error);
}

gboolean
sluice_run_request_cancel_run (SluiceHistory  *history,
                               const char     *store_root,
                               gint64          run_id,
                               GError        **error)
{
  g_autoptr(SluiceRunRecord) record = NULL;
  int saved;

  g_return_val_if_fail (SLUICE_IS_HISTORY (history), FALSE);
  g_return_val_if_fail (store_root != NULL, FALSE);

  if (!(record = sluice_history_get_run (history, run_id, error)))
    return FALSE;
  if (sluice_state_is_final (record->state))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "run %" G_GINT64_FORMAT " is not going on (%s)",
                   run_id, sluice_state_to_string (record->state));
      return FALSE;
    }
  if (record->runner_pid <= 0)
    return write_cancel_run (store_root, run_id, error);

  // The runner cancels its steps (SIGTERM to each process group, SIGKILL
  // after a grace period) and records the run as cancelled.
  if (kill ((pid_t) record->runner_pid, SIGTERM) == 0)
    return TRUE;
  saved = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               "cannot signal the runner of run %" G_GINT64_FORMAT " (pid %" G_GINT64_FORMAT "): %s",
               run_id, record->runner_pid, g_strerror (saved));
  return FALSE;
}

gboolean
sluice_run_request_take_cancel_run (const char *store_root,
                                    gint64      run_id)
{
  g_autofree char *dir = requests_dir (store_root, run_id);
  g_autofree char *path = g_build_filename (dir, CANCEL_RUN, NULL);

  return g_unlink (path) == 0;
}
