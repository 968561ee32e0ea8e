// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "sluice-hash.h"

// From `printf '' | xxhsum -H2` and `printf hello | xxhsum -H2` (xxhash 0.8.1).
#define XXH128_EMPTY "99aa06d3014798d86001c324468d497f"
#define XXH128_HELLO "b5e9c1ad071b3e7fc779cfaa5e523818"

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sluice-hash-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
rm_rf (const char *path)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static char *
write_file (const char *dir,
            const char *rel,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
make_link (const char *dir,
           const char *rel,
           const char *target)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);

  g_unlink (path);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

static char *
tree_hash (const char *dir)
{
  g_autoptr(GError) error = NULL;
  char *hash = sluice_hash_tree (dir, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hash);
  g_assert_cmpuint (strlen (hash), ==, SLUICE_HASH_HEX_LEN);
  return hash;
}

static char *
file_hash (const char      *path,
           SluiceStatCache *cache)
{
  g_autoptr(GError) error = NULL;
  char *hash = sluice_hash_file (path, cache, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hash);
  return hash;
}

static void
test_known_answers (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *empty = write_file (dir, "empty", "", 0644);
  g_autofree char *hello = write_file (dir, "hello", "hello", 0644);
  g_autofree char *h = NULL;
  g_autoptr(SluiceHasher) hasher = sluice_hasher_new ();
  g_autoptr(SluiceHasher) split1 = sluice_hasher_new ();
  g_autoptr(SluiceHasher) split2 = sluice_hasher_new ();
  g_autofree char *s1 = NULL;
  g_autofree char *s2 = NULL;

  h = sluice_hash_bytes ("", 0);
  g_assert_cmpstr (h, ==, XXH128_EMPTY);
  g_clear_pointer (&h, g_free);
  h = sluice_hash_bytes ("hello", 5);
  g_assert_cmpstr (h, ==, XXH128_HELLO);
  g_clear_pointer (&h, g_free);

  // Incremental hashing gives the same as one call.
  sluice_hasher_update (hasher, "hel", 3);
  sluice_hasher_update (hasher, "lo", 2);
  h = sluice_hasher_finish (g_steal_pointer (&hasher));
  g_assert_cmpstr (h, ==, XXH128_HELLO);
  g_clear_pointer (&h, g_free);

  // A file's hash is that of its bytes, as xxhsum prints it.
  h = file_hash (empty, NULL);
  g_assert_cmpstr (h, ==, XXH128_EMPTY);
  g_clear_pointer (&h, g_free);
  h = sluice_hash_path (hello, NULL, NULL);
  g_assert_cmpstr (h, ==, XXH128_HELLO);

  sluice_hasher_update_str (split1, "ab");
  sluice_hasher_update_str (split1, "c");
  sluice_hasher_update_str (split2, "a");
  sluice_hasher_update_str (split2, "bc");
  s1 = sluice_hasher_finish (g_steal_pointer (&split1));
  s2 = sluice_hasher_finish (g_steal_pointer (&split2));
  g_assert_cmpstr (s1, !=, s2);

  rm_rf (dir);
}

static void
test_large_file (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "big", NULL);
  // Larger than the read buffer, and not a multiple of it.
  gsize size = 3 * 1024 * 1024 + 12345;
  g_autofree guint8 *data = g_malloc (size);
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 2654435761u >> 13);
  g_file_set_contents (path, (const char *) data, (gssize) size, &error);
  g_assert_no_error (error);

  expected = sluice_hash_bytes (data, size);
  actual = file_hash (path, NULL);
  g_assert_cmpstr (actual, ==, expected);

  rm_rf (dir);
}

// Writes the same tree, creating entries in the given order, so that the
// directory read order can differ between two copies.
static void
build_tree (const char *dir,
            gboolean    reverse)
{
  static const char *files[] = { "a.txt", "b.txt", "sub/c.bin", "sub/deeper/d", "zz", "Z", "é" };
  guint n = G_N_ELEMENTS (files);
  g_autofree char *empty = g_build_filename (dir, "empty-folder", NULL);

  for (guint k = 0; k < n; k++)
    {
      const char *rel = files[reverse ? n - 1 - k : k];

      g_free (write_file (dir, rel, rel, 0644));
    }
  make_link (dir, "sub/link", "../a.txt");
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
}

static void
test_tree_location_and_order (void)
{
  g_autofree char *dir1 = make_tmp_dir ();
  g_autofree char *dir2 = make_tmp_dir ();
  g_autofree char *nested = g_build_filename (dir2, "some", "where", "else", NULL);
  g_autofree char *h1 = NULL;
  g_autofree char *h2 = NULL;

  g_assert_cmpint (g_mkdir_with_parents (nested, 0755), ==, 0);
  build_tree (dir1, FALSE);
  build_tree (nested, TRUE);

  h1 = tree_hash (dir1);
  h2 = tree_hash (nested);
  g_assert_cmpstr (h1, ==, h2);

  rm_rf (dir1);
  rm_rf (dir2);
}

static void
assert_changes_and_back (const char *dir,
                         const char *original,
                         void      (*change) (const char *dir),
                         void      (*undo) (const char *dir))
{
  g_autofree char *changed = NULL;
  g_autofree char *restored = NULL;

  change (dir);
  changed = tree_hash (dir);
  g_assert_cmpstr (changed, !=, original);
  undo (dir);
  restored = tree_hash (dir);
  g_assert_cmpstr (restored, ==, original);
}

static void
change_byte (const char *dir)
{
  g_free (write_file (dir, "sub/c.bin", "sub/c.biN", 0644));
}

static void
undo_byte (const char *dir)
{
  g_free (write_file (dir, "sub/c.bin", "sub/c.bin", 0644));
}

static void
rename_file (const char *dir,
             const char *from,
             const char *to)
{
  g_autofree char *a = g_build_filename (dir, from, NULL);
  g_autofree char *b = g_build_filename (dir, to, NULL);

  g_assert_cmpint (g_rename (a, b), ==, 0);
}

static void
change_name (const char *dir)
{
  rename_file (dir, "b.txt", "c.txt");
}

static void
undo_name (const char *dir)
{
  rename_file (dir, "c.txt", "b.txt");
}

static void
change_exec (const char *dir)
{
  g_free (write_file (dir, "a.txt", "a.txt", 0755));
}

static void
undo_exec (const char *dir)
{
  g_free (write_file (dir, "a.txt", "a.txt", 0644));
}

static void
change_link (const char *dir)
{
  make_link (dir, "sub/link", "../b.txt");
}

static void
undo_link (const char *dir)
{
  make_link (dir, "sub/link", "../a.txt");
}

// A file moved into a subfolder keeps its name but not its relative path.
static void
change_folder (const char *dir)
{
  rename_file (dir, "zz", "sub/zz");
}

static void
undo_folder (const char *dir)
{
  rename_file (dir, "sub/zz", "zz");
}

static void
test_tree_changes (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *original = NULL;
  g_autofree char *outside = g_build_filename (dir, "a.txt", NULL);

  build_tree (dir, FALSE);
  original = tree_hash (dir);

  assert_changes_and_back (dir, original, change_byte, undo_byte);
  assert_changes_and_back (dir, original, change_name, undo_name);
  assert_changes_and_back (dir, original, change_exec, undo_exec);
  assert_changes_and_back (dir, original, change_link, undo_link);
  assert_changes_and_back (dir, original, change_folder, undo_folder);

  // Links are never followed: a dangling one is fine, and what a link
  // points at outside the tree does not matter.
  make_link (dir, "sub/link", "/nonexistent/sluice");
  g_free (tree_hash (dir));

  rm_rf (dir);
}

static void
test_kinds (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *empty_folder = g_build_filename (dir, "folder", NULL);
  g_autofree char *empty_file = write_file (dir, "file", "", 0644);
  g_autofree char *folder_hash = NULL;
  g_autofree char *folder_path_hash = NULL;
  g_autofree char *file_path_hash = NULL;

  g_assert_cmpint (g_mkdir (empty_folder, 0755), ==, 0);
  folder_hash = tree_hash (empty_folder);
  folder_path_hash = sluice_hash_path (empty_folder, NULL, NULL);
  file_path_hash = sluice_hash_path (empty_file, NULL, NULL);

  g_assert_cmpstr (folder_hash, ==, folder_path_hash);
  g_assert_cmpstr (file_path_hash, ==, XXH128_EMPTY);
  g_assert_cmpstr (folder_hash, !=, file_path_hash);

  rm_rf (dir);
}

static void
set_mtime (const char *path,
           gint64      seconds_ago)
{
  struct timespec times[2] = {
    { .tv_sec = 0, .tv_nsec = UTIME_OMIT },
    { .tv_sec = time (NULL) - seconds_ago, .tv_nsec = 0 },
  };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static void
test_stat_cache (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = write_file (dir, "data", "aaaa", 0644);
  g_autofree char *fresh = NULL;
  g_autofree char *cache_file = g_build_filename (dir, "statcache", NULL);
  g_autoptr(SluiceStatCache) cache = sluice_stat_cache_new ();
  g_autoptr(SluiceStatCache) loaded = sluice_stat_cache_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *h1 = NULL;
  g_autofree char *h2 = NULL;
  g_autofree char *h3 = NULL;
  g_autofree char *h4 = NULL;
  g_autofree char *h5 = NULL;

  // Only files whose mtime and ctime are over 2 s old are remembered, and
  // a test cannot set the ctime.
  set_mtime (path, 3600);
  g_usleep (2100 * G_TIME_SPAN_MILLISECOND);

  h1 = file_hash (path, cache);
  g_assert_cmpuint (sluice_stat_cache_get_hits (cache), ==, 0);
  h2 = file_hash (path, cache);
  g_assert_cmpuint (sluice_stat_cache_get_hits (cache), ==, 1);
  g_assert_cmpstr (h1, ==, h2);

  // A freshly written file is hashed every time.
  fresh = write_file (dir, "fresh", "fresh", 0644);
  g_free (file_hash (fresh, cache));
  g_free (file_hash (fresh, cache));
  g_assert_cmpuint (sluice_stat_cache_get_hits (cache), ==, 1);

  // Saved and loaded again, the entry still hits.
  g_assert_true (sluice_stat_cache_save (cache, cache_file, &error));
  g_assert_no_error (error);
  g_assert_true (sluice_stat_cache_load (loaded, cache_file, &error));
  g_assert_no_error (error);
  h3 = file_hash (path, loaded);
  g_assert_cmpuint (sluice_stat_cache_get_hits (loaded), ==, 1);
  g_assert_cmpstr (h3, ==, h1);

  // Same size, other contents, another mtime: a miss, and the new hash.
  g_free (write_file (dir, "data", "bbbb", 0644));
  set_mtime (path, 1800);
  h4 = file_hash (path, cache);
  g_assert_cmpuint (sluice_stat_cache_get_hits (cache), ==, 1);
  g_assert_cmpstr (h4, !=, h1);
  h5 = sluice_hash_bytes ("bbbb", 4);
  g_assert_cmpstr (h4, ==, h5);

  rm_rf (dir);
}

static void
assert_load_hits (const char *cache_file,
                  const char *path,
                  guint       hits)
{
  g_autoptr(SluiceStatCache) cache = sluice_stat_cache_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sluice_stat_cache_load (cache, cache_file, &error));
  g_assert_no_error (error);
  g_free (file_hash (path, cache));
  g_assert_cmpuint (sluice_stat_cache_get_hits (cache), ==, hits);
}

static void
assert_loads_empty (const char *cache_file,
                    const char *path)
{
  assert_load_hits (cache_file, path, 0);
}

// A line the cache would have written for path (the format is the one
// sluice-hash.c documents).
static char *
cache_line (const char *path)
{
  g_autofree char *hash = file_hash (path, NULL);
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return g_strdup_printf ("%s\t%" G_GUINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
                          "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%s\n",
                          hash, (guint64) st.st_size,
                          (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                          (gint64) st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
                          (guint64) st.st_ino, (guint64) st.st_dev, path);
}

static void
test_stat_cache_damaged (void)
{
  static const char *damaged[] = {
    "",
    "garbage\n\x01\x02\x03",
    "sluice-statcache 1\nnot\ta\tline\n",
    "sluice-statcache 1\n99aa06d3014798d86001c324468d497f\t1\t2\t3\t4\t5\trelative/path\n",
    "sluice-statcache 1\n99aa06d3014798d86001c324468d497f\tx\t2\t3\t4\t5\t/abs\n",
    "sluice-statcache 1\n99AA06D3014798D86001C324468D497F\t1\t2\t3\t4\t5\t/abs\n",
    "sluice-statcache 1\n99aa06d3\t1\t2\t3\t4\t5\t/abs\n",
  };
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = write_file (dir, "data", "aaaa", 0644);
  g_autofree char *cache_file = g_build_filename (dir, "statcache", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;

  assert_loads_empty (missing, path);
  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_file_set_contents (cache_file, damaged[i], -1, &error);
      g_assert_no_error (error);
      assert_loads_empty (cache_file, path);
    }
  // With a NUL byte in the middle.
  g_file_set_contents (cache_file, "sluice-statcache 1\n\0\n", 21, &error);
  g_assert_no_error (error);
  assert_loads_empty (cache_file, path);

  rm_rf (dir);
}

// A good line is used, but not next to a bad one: the whole file is dropped.
static void
test_stat_cache_all_or_nothing (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = write_file (dir, "data", "aaaa", 0644);
  g_autofree char *cache_file = g_build_filename (dir, "statcache", NULL);
  g_autofree char *line = cache_line (path);
  g_autofree char *good = g_strconcat ("sluice-statcache 1\n", line, NULL);
  g_autofree char *bad = g_strconcat (good, "oops\n", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (cache_file, good, -1, &error);
  g_assert_no_error (error);
  assert_load_hits (cache_file, path, 1);
  g_file_set_contents (cache_file, bad, -1, &error);
  g_assert_no_error (error);
  assert_loads_empty (cache_file, path);

  rm_rf (dir);
}

static void
test_special_files (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *fifo = g_build_filename (dir, "pipe", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;
  char *hash;

  g_free (write_file (dir, "ok", "ok", 0644));
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);

  // Must fail at once: opening a FIFO for reading would wait for a writer.
  hash = sluice_hash_tree (dir, NULL, &error);
  g_assert_null (hash);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_assert_nonnull (strstr (error->message, fifo));
  g_clear_error (&error);

  hash = sluice_hash_file (fifo, NULL, &error);
  g_assert_null (hash);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  g_clear_error (&error);

  hash = sluice_hash_path (missing, NULL, &error);
  g_assert_null (hash);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));

  rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hash/known-answers", test_known_answers);
  g_test_add_func ("/hash/large-file", test_large_file);
  g_test_add_func ("/hash/tree-location-and-order", test_tree_location_and_order);
  g_test_add_func ("/hash/tree-changes", test_tree_changes);
  g_test_add_func ("/hash/kinds", test_kinds);
  g_test_add_func ("/hash/stat-cache", test_stat_cache);
  g_test_add_func ("/hash/stat-cache-damaged", test_stat_cache_damaged);
  g_test_add_func ("/hash/stat-cache-all-or-nothing", test_stat_cache_all_or_nothing);
  g_test_add_func ("/hash/special-files", test_special_files);

  return g_test_run ();
}
