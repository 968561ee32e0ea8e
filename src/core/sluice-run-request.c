// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

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
