// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "sluice-artifact-store.h"

typedef struct
{
  char                *root;
  SluiceArtifactStore *store;
} Fixture;

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

      // Store objects are read-only.
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

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("sluice-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = sluice_artifact_store_new (f->root, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  rm_rf (f->root);
  g_clear_pointer (&f->root, g_free);
}

static char *
work_dir (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *dir = sluice_artifact_store_make_work_dir (f->store, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
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

// A small output folder: 3 + 4 bytes of files, a 6-byte link target.
static char *
write_tree (Fixture *f)
{
  char *dir = work_dir (f);
  g_autofree char *link = g_build_filename (dir, "sub", "link", NULL);

  g_free (write_file (dir, "run.sh", "run", 0755));
  g_free (write_file (dir, "sub/data", "data", 0644));
  g_assert_cmpint (symlink ("../x/y", link), ==, 0);
  return dir;
}

static char *
ingest (Fixture    *f,
        const char *path)
{
  g_autoptr(GError) error = NULL;
  char *hash = sluice_artifact_store_ingest (f->store, path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hash);
  g_assert_cmpuint (strlen (hash), ==, SLUICE_HASH_HEX_LEN);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK));
  return hash;
}

static guint
mode_at (const char *path)
{
  struct stat st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static guint
mode_of (const char *dir,
         const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);

  return mode_at (path);
}

static guint
count_objects (Fixture *f)
{
  g_autofree char *objects = g_build_filename (f->root, "objects", NULL);
  g_autoptr(GDir) dir = g_dir_open (objects, 0, NULL);
  const char *bucket;
  guint n = 0;

  while ((bucket = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (objects, bucket, NULL);
      g_autoptr(GDir) sub = g_dir_open (path, 0, NULL);

      while (g_dir_read_name (sub) != NULL)
        n++;
    }
  return n;
}

static void
test_layout (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *objects = g_build_filename (f->root, "objects", NULL);
  g_autofree char *work = g_build_filename (f->root, "work", NULL);
  g_autofree char *dir1 = work_dir (f);
  g_autofree char *dir2 = work_dir (f);
  g_autofree char *base = g_path_get_basename (dir1);
  g_autofree char *parent = g_path_get_dirname (dir1);

  g_assert_cmpstr (sluice_artifact_store_get_root (f->store), ==, f->root);
  g_assert_true (g_file_test (objects, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (work, G_FILE_TEST_IS_DIR));
  g_assert_nonnull (sluice_artifact_store_get_stat_cache (f->store));

  g_assert_cmpstr (parent, ==, work);
  g_assert_true (g_str_has_prefix (base, "test-"));
  g_assert_cmpstr (dir1, !=, dir2);
  g_assert_true (g_file_test (dir1, G_FILE_TEST_IS_DIR));
}

static void
test_default_root (void)
{
  g_autofree char *old = g_strdup (g_getenv ("SLUICE_STORE"));
  g_autofree char *root = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "sluice", NULL);

  g_setenv ("SLUICE_STORE", "/some/where", TRUE);
  root = sluice_artifact_store_default_root ();
  g_assert_cmpstr (root, ==, "/some/where");
  g_unsetenv ("SLUICE_STORE");
  fallback = sluice_artifact_store_default_root ();
  g_assert_cmpstr (fallback, ==, expected);

  if (old != NULL)
    g_setenv ("SLUICE_STORE", old, TRUE);
}

static void
test_ingest_file (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = work_dir (f);
  g_autofree char *path = write_file (dir, "model.bin", "weights", 0644);
  g_autofree char *script = write_file (dir, "predict", "#!/bin/sh\n", 0755);
  g_autofree char *expected = sluice_hash_bytes ("weights", 7);
  g_autofree char *hash = ingest (f, path);
  g_autofree char *exec_hash = ingest (f, script);
  g_autofree char *object = sluice_artifact_store_get_path (f->store, hash);
  g_autofree char *exec_object = sluice_artifact_store_get_path (f->store, exec_hash);
  g_autofree char *tail = g_build_filename ("objects", (char[]) { hash[0], hash[1], '\0' }, hash, NULL);
  g_autofree char *contents = NULL;

  // A file's hash is that of its contents.
  g_assert_cmpstr (hash, ==, expected);
  g_assert_true (sluice_artifact_store_contains (f->store, hash));
  g_assert_nonnull (object);
  g_assert_true (g_str_has_suffix (object, tail));
  g_assert_true (g_file_get_contents (object, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "weights");
  g_assert_cmpuint (sluice_artifact_store_get_size (f->store, hash), ==, 7);

  g_assert_cmpuint (mode_at (object), ==, 0444);
  g_assert_cmpuint (mode_at (exec_object), ==, 0555);
}

static void
test_ingest_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = write_tree (f);
  g_autofree char *expected = sluice_hash_tree (dir, NULL, NULL);
  g_autofree char *hash = ingest (f, dir);
  g_autofree char *object = sluice_artifact_store_get_path (f->store, hash);
  g_autofree char *again = NULL;

  g_assert_cmpstr (hash, ==, expected);
  g_assert_true (g_file_test (object, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (sluice_artifact_store_get_size (f->store, hash), ==, 3 + 4 + 6);

  g_assert_cmpuint (mode_at (object), ==, 0555);
  g_assert_cmpuint (mode_of (object, "sub"), ==, 0555);
  g_assert_cmpuint (mode_of (object, "run.sh"), ==, 0555);
  g_assert_cmpuint (mode_of (object, "sub/data"), ==, 0444);

  // Making it read-only changed nothing the hash covers.
  again = sluice_hash_path (object, NULL, NULL);
  g_assert_cmpstr (again, ==, hash);
}

static void
test_dedupe (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *dir1 = write_tree (f);
  g_autofree char *dir2 = write_tree (f);
  g_autofree char *dir3 = work_dir (f);
  g_autofree char *file1 = write_file (dir3, "a", "same", 0644);
  g_autofree char *file2 = write_file (dir3, "b", "same", 0644);
  g_autofree char *sub = g_build_filename (dir2, "sub", NULL);
  g_autofree char *h1 = ingest (f, dir1);
  g_autofree char *h2 = NULL;
  g_autofree char *h3 = NULL;
  g_autofree char *h4 = NULL;

  // A step may leave read-only folders behind; the copy is deleted anyway.
  g_assert_cmpint (g_chmod (sub, 0555), ==, 0);
  h2 = ingest (f, dir2);
  g_assert_cmpstr (h1, ==, h2);

  h3 = ingest (f, file1);
  h4 = ingest (f, file2);
  g_assert_cmpstr (h3, ==, h4);
  g_assert_cmpuint (count_objects (f), ==, 2);
}

static void
test_missing_path (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = work_dir (f);
  g_autofree char *path = write_file (dir, "kept", "kept", 0644);
  g_autofree char *hash = ingest (f, path);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;
  char *result;

  result = sluice_artifact_store_ingest (f->store, missing, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));

  g_assert_cmpuint (count_objects (f), ==, 1);
  g_assert_true (sluice_artifact_store_contains (f->store, hash));
}

static void
test_unknown_hashes (Fixture       *f,
                     gconstpointer  data)
{
  static const char *bad[] = {
    "00000000000000000000000000000000",   // well formed, not stored
    "../../../../../../../../etc/passwd",
    "0123",
    "ABCDEF00000000000000000000000000",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (sluice_artifact_store_contains (f->store, bad[i]));
      g_assert_null (sluice_artifact_store_get_path (f->store, bad[i]));
      g_assert_cmpuint (sluice_artifact_store_get_size (f->store, bad[i]), ==, 0);
    }
}

static void
test_gc (Fixture       *f,
         gconstpointer  data)
{
  g_autofree char *dir = work_dir (f);
  g_autofree char *kept_path = write_file (dir, "kept", "kept", 0644);
  g_autofree char *old_path = write_file (dir, "old", "old!!", 0644);
  g_autofree char *tree_dir = write_tree (f);
  g_autofree char *kept = ingest (f, kept_path);
  g_autofree char *old = ingest (f, old_path);
  g_autofree char *tree = ingest (f, tree_dir);
  g_autoptr(GHashTable) keep = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) removed = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  g_hash_table_add (keep, kept);

  removed = sluice_artifact_store_gc (f->store, keep, TRUE, &bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_cmpuint (bytes, ==, 5 + 13);
  g_assert_true (g_ptr_array_find_with_equal_func (removed, old, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (removed, tree, g_str_equal, NULL));
  // A dry run removes nothing.
  g_assert_cmpuint (count_objects (f), ==, 3);
  g_clear_pointer (&removed, g_ptr_array_unref);

  bytes = 0;
  removed = sluice_artifact_store_gc (f->store, keep, FALSE, &bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_cmpuint (bytes, ==, 5 + 13);
  g_assert_false (sluice_artifact_store_contains (f->store, old));
  g_assert_false (sluice_artifact_store_contains (f->store, tree));
  g_assert_true (sluice_artifact_store_contains (f->store, kept));
  g_assert_cmpuint (count_objects (f), ==, 1);

  none = sluice_artifact_store_gc (f->store, keep, FALSE, &bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (bytes, ==, 0);
}

static void
test_stat_cache_saved (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->root, "statcache", NULL);
  g_autoptr(SluiceArtifactStore) reopened = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sluice_artifact_store_save_stat_cache (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  // A damaged cache does not keep the store from opening.
  g_file_set_contents (path, "\x01\x02 not a cache", -1, &error);
  g_assert_no_error (error);
  reopened = sluice_artifact_store_new (f->root, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reopened);
}

static void
add_test (const char *name,
          void      (*func) (Fixture *, gconstpointer))
{
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/artifact-store/layout", test_layout);
  g_test_add_func ("/artifact-store/default-root", test_default_root);
  add_test ("/artifact-store/ingest-file", test_ingest_file);
  add_test ("/artifact-store/ingest-folder", test_ingest_folder);
  add_test ("/artifact-store/dedupe", test_dedupe);
  add_test ("/artifact-store/missing-path", test_missing_path);
  add_test ("/artifact-store/unknown-hashes", test_unknown_hashes);
  add_test ("/artifact-store/gc", test_gc);
  add_test ("/artifact-store/stat-cache-saved", test_stat_cache_saved);

  return g_test_run ();
}
