// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-file.h"

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "cannot %s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
copy_file (const char  *source,
           const char  *dest,
           mode_t       mode,
           GError     **error)
{
  g_autoptr(GFile) from = g_file_new_for_path (source);
  g_autoptr(GFile) to = g_file_new_for_path (dest);

  if (!g_file_copy (from, to, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error))
    return FALSE;
  if (g_chmod (dest, (mode & 0777) | S_IWUSR) != 0)
    return set_errno_error (error, errno, "set the mode of", dest);
  return TRUE;
}

gboolean
sluice_file_copy_tree (const char  *source,
                       const char  *dest,
                       GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  struct stat st;
  const char *name;

  if (g_lstat (source, &st) != 0)
    return set_errno_error (error, errno, "read", source);

  if (S_ISLNK (st.st_mode))
    {
      g_autofree char *target = g_file_read_link (source, error);

      if (target == NULL)
        return FALSE;
      if (symlink (target, dest) != 0)
        return set_errno_error (error, errno, "create the link", dest);
      return TRUE;
    }

  if (S_ISREG (st.st_mode))
    return copy_file (source, dest, st.st_mode, error);

  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cannot copy %s: not a file or folder", source);
      return FALSE;
    }

  if (g_mkdir (dest, 0755) != 0)
    return set_errno_error (error, errno, "create", dest);
  if (!(dir = g_dir_open (source, 0, error)))
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (source, name, NULL);
      g_autofree char *to = g_build_filename (dest, name, NULL);

      if (!sluice_file_copy_tree (from, to, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
sluice_file_remove_tree (const char  *path,
                         GError     **error)
{
  struct stat st;

  if (g_lstat (path, &st) != 0)
    return errno == ENOENT ? TRUE : set_errno_error (error, errno, "read", path);

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      // The artifact store makes folders read-only; entries of a folder can
      // only be removed once it is writable again.
      if ((st.st_mode & S_IWUSR) == 0)
        g_chmod (path, (st.st_mode & 07777) | S_IWUSR | S_IXUSR | S_IRUSR);
      if (!(dir = g_dir_open (path, 0, error)))
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!sluice_file_remove_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        return set_errno_error (error, errno, "remove", path);
      return TRUE;
    }

  if (g_unlink (path) != 0)
    return set_errno_error (error, errno, "remove", path);
  return TRUE;
}
