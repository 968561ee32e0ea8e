// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-archive.h"

G_DEFINE_QUARK (sluice-archive-error-quark, sluice_archive_error)

#define MAX_PATH_LENGTH 1024

void
sluice_archive_entry_free (SluiceArchiveEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->path);
  g_free (entry->sha256);
  g_free (entry);
}

typedef struct archive Archive;
typedef struct archive_entry ArchiveEntry;

static void
archive_read_release (Archive *a)
{
  archive_read_free (a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Archive, archive_read_release)

// The entry's path made relative and checked, or NULL with error set.
// "./a/b" and "a//b/" become "a/b"; "." alone becomes "".
static char *
clean_entry_path (const char  *raw,
                  GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  if (raw == NULL || *raw == '\0' || strlen (raw) > MAX_PATH_LENGTH)
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                   "archive entry '%s': missing or overlong path", raw ? raw : "");
      return NULL;
    }
  if (raw[0] == '/')
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                   "archive entry '%s': absolute paths are not allowed", raw);
      return NULL;
    }

  parts = g_strsplit (raw, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_equal (parts[i], ".."))
        {
          g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                       "archive entry '%s': '..' is not allowed in paths", raw);
          return NULL;
        }
      if (*parts[i] != '\0' && !g_str_equal (parts[i], "."))
        g_ptr_array_add (kept, parts[i]);
    }
  g_ptr_array_add (kept, NULL);
  return g_strjoinv ("/", (char **) kept->pdata);
}

static gboolean
check_entry_type (ArchiveEntry  *entry,
                  const char    *path,
                  GError       **error)
{
  mode_t type = archive_entry_filetype (entry);

  if (archive_entry_hardlink (entry) != NULL || archive_entry_symlink (entry) != NULL ||
      (type != AE_IFREG && type != AE_IFDIR))
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                   "archive entry '%s': only regular files and folders are allowed (no links or devices)", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_entry_data (Archive       *a,
                  int            fd,
                  const char    *path,
                  guint64        max_bytes,
                  guint64       *total,
                  GChecksum     *checksum,
                  GError       **error)
{
  char buffer[64 * 1024];
  la_ssize_t n;

  while ((n = archive_read_data (a, buffer, sizeof buffer)) > 0)
    {
      if ((*total += (guint64) n) > max_bytes)
        {
          g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_TOO_LARGE,
                       "the archive holds more than %" G_GUINT64_FORMAT " bytes", max_bytes);
          return FALSE;
        }
      g_checksum_update (checksum, (const guchar *) buffer, n);
      for (la_ssize_t done = 0; done < n;)
        {
          ssize_t w = write (fd, buffer + done, n - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            {
              int saved = errno;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path, g_strerror (saved));
              return FALSE;
            }
          done += w;
        }
    }
  if (n < 0)
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID,
                   "archive entry '%s': %s", path, archive_error_string (a));
      return FALSE;
    }
  return TRUE;
}

static gboolean
extract_file (Archive       *a,
              ArchiveEntry  *entry,
              const char    *dest,
              const char    *path,
              guint64        max_bytes,
              guint64       *total,
              GPtrArray     *entries,
              GError       **error)
{
  g_autofree char *target = g_build_filename (dest, path, NULL);
  g_autofree char *parent = g_path_get_dirname (target);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  mode_t mode = (archive_entry_perm (entry) & 0111) ? 0755 : 0644;
  SluiceArchiveEntry *result;
  gboolean ok;
  int fd;

  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                   "archive entry '%s': cannot make its folder: %s", path, g_strerror (saved));
      return FALSE;
    }
  // O_EXCL | O_NOFOLLOW: a duplicate entry or anything already there is refused.
  fd = open (target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                   "archive entry '%s': %s", path, saved == EEXIST ? "appears twice" : g_strerror (saved));
      return FALSE;
    }
  ok = write_entry_data (a, fd, path, max_bytes, total, checksum, error);
  close (fd);
  if (!ok)
    return FALSE;

  result = g_new0 (SluiceArchiveEntry, 1);
  result->path = g_strdup (path);
  result->sha256 = g_strdup (g_checksum_get_string (checksum));
  g_ptr_array_add (entries, result);
  return TRUE;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SluiceArchiveEntry *ea = *(SluiceArchiveEntry * const *) a;
  const SluiceArchiveEntry *eb = *(SluiceArchiveEntry * const *) b;

  return strcmp (ea->path, eb->path);
}

gboolean
sluice_archive_extract (GBytes                     *archive,
                        const char                 *dest,
                        const SluiceArchiveLimits  *limits,
                        GPtrArray                 **entries,
                        GError                    **error)
{
  g_autoptr(Archive) a = archive_read_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_archive_entry_free);
  ArchiveEntry *entry;
  guint64 total = 0;
  guint count = 0;
  gsize size;
  const void *data = g_bytes_get_data (archive, &size);
  int rc;

  if (g_mkdir (dest, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s: %s", dest, g_strerror (saved));
      return FALSE;
    }

  archive_read_support_filter_gzip (a);
  archive_read_support_format_tar (a);
  if (archive_read_open_memory (a, data, size) != ARCHIVE_OK)
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID,
                   "not a gzip'd tar archive: %s", archive_error_string (a));
      return FALSE;
    }

  while ((rc = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      g_autofree char *path = clean_entry_path (archive_entry_pathname (entry), error);

      if (path == NULL || !check_entry_type (entry, path, error))
        return FALSE;
      if (++count > limits->max_entries)
        {
          g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_TOO_LARGE,
                       "the archive has more than %u entries", limits->max_entries);
          return FALSE;
        }
      if (archive_entry_filetype (entry) == AE_IFDIR)
        {
          g_autofree char *folder = g_build_filename (dest, path, NULL);

          if (g_mkdir_with_parents (folder, 0755) != 0)
            {
              g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE,
                           "archive entry '%s': cannot make the folder", path);
              return FALSE;
            }
          continue;
        }
      if (*path == '\0')
        {
          g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_UNSAFE, "archive entry '.' is a file");
          return FALSE;
        }
      if (!extract_file (a, entry, dest, path, limits->max_bytes, &total, files, error))
        return FALSE;
    }
  if (rc != ARCHIVE_EOF)
    {
      g_set_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID,
                   "the archive is damaged: %s", archive_error_string (a));
      return FALSE;
    }

  g_ptr_array_sort (files, compare_entries);
  if (entries != NULL)
    *entries = g_steal_pointer (&files);
  return TRUE;
}

/* packing -------------------------------------------------------------------- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean pack_path (struct archive  *a,
                           const char      *root,
                           const char      *relative,
                           GError         **error);

static gboolean
pack_children (struct archive  *a,
               const char      *root,
               const char      *relative,
               GError         **error)
{
  g_autofree char *folder = relative ? g_build_filename (root, relative, NULL) : g_strdup (root);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = relative ? g_build_filename (relative, names->pdata[i], NULL) : g_strdup (names->pdata[i]);

      if (!pack_path (a, root, child, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
pack_file_data (struct archive  *a,
                const char      *path,
                GError         **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, error);
  char buffer[64 * 1024];
  gssize n;

  if (in == NULL)
    return FALSE;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, error)) > 0)
    if (archive_write_data (a, buffer, (size_t) n) != n)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot pack %s: %s", path, archive_error_string (a));
        return FALSE;
      }
  return n == 0;
}

static gboolean
pack_path (struct archive  *a,
           const char      *root,
           const char      *relative,
           GError         **error)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *link = NULL;
  struct archive_entry *entry;
  GStatBuf st;
  gboolean ok = TRUE;

  if (g_lstat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot read %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISLNK (st.st_mode) && !(link = g_file_read_link (path, error)))
    return FALSE;
  if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode) && !S_ISLNK (st.st_mode))
    return TRUE;

  entry = archive_entry_new ();
  archive_entry_set_pathname (entry, relative);
  archive_entry_set_mtime (entry, st.st_mtime, 0);
  archive_entry_set_perm (entry, (st.st_mode & 0111) ? 0755 : 0644);
  if (S_ISDIR (st.st_mode))
    archive_entry_set_filetype (entry, AE_IFDIR);
  else if (S_ISLNK (st.st_mode))
    {
      archive_entry_set_filetype (entry, AE_IFLNK);
      archive_entry_set_symlink (entry, link);
    }
  else
    {
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_size (entry, (la_int64_t) st.st_size);
    }

  if (archive_write_header (a, entry) != ARCHIVE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot pack %s: %s", path, archive_error_string (a));
      ok = FALSE;
    }
  archive_entry_free (entry);
  if (ok && S_ISREG (st.st_mode) && st.st_size > 0)
    ok = pack_file_data (a, path, error);
  if (ok && S_ISDIR (st.st_mode))
    ok = pack_children (a, root, relative, error);
  return ok;
}

gboolean
sluice_archive_pack_folder (const char  *folder,
                            const char  *dest,
                            GError     **error)
{
  struct archive *a = archive_write_new ();
  gboolean ok;

  archive_write_add_filter_gzip (a);
  archive_write_set_format_pax_restricted (a);
  if (archive_write_open_filename (a, dest) != ARCHIVE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s: %s", dest, archive_error_string (a));
      archive_write_free (a);
      return FALSE;
    }
  ok = pack_children (a, folder, NULL, error);
  if (archive_write_close (a) != ARCHIVE_OK && ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot pack %s: %s", folder, archive_error_string (a));
      ok = FALSE;
    }
  archive_write_free (a);
  return ok;
}
