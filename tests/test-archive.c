// SPDX-License-Identifier: GPL-3.0-or-later
//
// The server's archive code on its own: what safe extraction lets through
// and what it refuses, its limits, and packing a folder.

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sluice-archive.h"
#include "sluice-file.h"

typedef enum { FILE_ENTRY, DIR_ENTRY, SYMLINK_ENTRY, HARDLINK_ENTRY, DEVICE_ENTRY, FIFO_ENTRY } Kind;

typedef struct
{
  Kind        kind;
  const char *path;
  const char *content;   // files; link target for links
} Entry;

static GBytes *
make_archive (const Entry *entries,
              guint        n)
{
  struct archive *a = archive_write_new ();
  GByteArray *out = g_byte_array_new ();
  size_t used = 0;
  gsize capacity = 1024 * 1024;

  g_byte_array_set_size (out, (guint) capacity);
  archive_write_add_filter_gzip (a);
  archive_write_set_format_pax_restricted (a);
  g_assert_cmpint (archive_write_open_memory (a, out->data, capacity, &used), ==, ARCHIVE_OK);
  for (guint i = 0; i < n; i++)
    {
      struct archive_entry *e = archive_entry_new ();

      archive_entry_set_pathname (e, entries[i].path);
      archive_entry_set_perm (e, 0644);
      switch (entries[i].kind)
        {
        case FILE_ENTRY:
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_size (e, (la_int64_t) strlen (entries[i].content));
          break;
        case DIR_ENTRY:
          archive_entry_set_filetype (e, AE_IFDIR);
          break;
        case SYMLINK_ENTRY:
          archive_entry_set_filetype (e, AE_IFLNK);
          archive_entry_set_symlink (e, entries[i].content);
          break;
        case HARDLINK_ENTRY:
          archive_entry_set_filetype (e, AE_IFREG);
          archive_entry_set_hardlink (e, entries[i].content);
          break;
        case DEVICE_ENTRY:
          archive_entry_set_filetype (e, AE_IFCHR);
          archive_entry_set_rdev (e, 0x0103);
          break;
        case FIFO_ENTRY:
        default:
          archive_entry_set_filetype (e, AE_IFIFO);
          break;
        }
      g_assert_cmpint (archive_write_header (a, e), ==, ARCHIVE_OK);
      if (entries[i].kind == FILE_ENTRY)
        archive_write_data (a, entries[i].content, strlen (entries[i].content));
      archive_entry_free (e);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  g_byte_array_set_size (out, (guint) used);
  return g_byte_array_free_to_bytes (out);
}

typedef struct
{
  char *dir;
  char *dest;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sluice-archive-XXXXXX", &error);
  g_assert_no_error (error);
  f->dest = g_build_filename (f->dir, "out", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->dir);
  g_free (f->dest);
}

static const SluiceArchiveLimits roomy = { 100, 1024 * 1024 };

// Extraction must fail with code and a message naming `named`, and leave
// nothing outside dest.
static void
assert_refused (Fixture                   *f,
                const Entry               *entries,
                guint                      n,
                const SluiceArchiveLimits *limits,
                int                        code,
                const char                *named)
{
  g_autoptr(GBytes) archive = make_archive (entries, n);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  sluice_file_remove_tree (f->dest, NULL);
  g_assert_false (sluice_archive_extract (archive, f->dest, limits, &listed, &error));
  g_assert_error (error, SLUICE_ARCHIVE_ERROR, code);
  g_test_message ("%s", error->message);
  if (named != NULL)
    g_assert_nonnull (strstr (error->message, named));
  g_assert_null (listed);

  // Only dest itself was made next to where it was asked for.
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_cmpstr (name, ==, "out");
}

static void
test_extract_ok (Fixture       *f,
                 gconstpointer  data)
{
  Entry entries[] = {
    { FILE_ENTRY, "./b.txt", "bee\n" },
    { DIR_ENTRY, "code/", NULL },
    { FILE_ENTRY, "code//run.sh", "echo hi\n" },
    { FILE_ENTRY, "a.txt", "" },
    { DIR_ENTRY, ".", NULL },
  };
  g_autoptr(GBytes) archive = make_archive (entries, G_N_ELEMENTS (entries));
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *b = g_build_filename (f->dest, "b.txt", NULL);
  g_autofree char *run = g_build_filename (f->dest, "code", "run.sh", NULL);
  g_autofree char *text = NULL;
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "bee\n", -1);
  SluiceArchiveEntry *first, *second, *third;

  g_assert_true (sluice_archive_extract (archive, f->dest, &roomy, &listed, &error));
  g_assert_no_error (error);
  // Files only, sorted, with clean paths and their SHA-256.
  g_assert_cmpuint (listed->len, ==, 3);
  first = g_ptr_array_index (listed, 0);
  second = g_ptr_array_index (listed, 1);
  third = g_ptr_array_index (listed, 2);
  g_assert_cmpstr (first->path, ==, "a.txt");
  g_assert_cmpstr (second->path, ==, "b.txt");
  g_assert_cmpstr (third->path, ==, "code/run.sh");
  g_assert_cmpstr (second->sha256, ==, expected);
  g_assert_true (g_file_get_contents (b, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "bee\n");
  g_assert_true (g_file_test (run, G_FILE_TEST_IS_REGULAR));
}

static void
test_extract_unsafe (Fixture       *f,
                     gconstpointer  data)
{
  {
    Entry entries[] = { { FILE_ENTRY, "ok.txt", "x" }, { FILE_ENTRY, "../evil.txt", "x" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "../evil.txt");
  }
  {
    Entry entries[] = { { FILE_ENTRY, "a/b/../../../evil.txt", "x" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'..'");
  }
  {
    Entry entries[] = { { FILE_ENTRY, "/tmp/evil.txt", "x" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "/tmp/evil.txt");
  }
  {
    Entry entries[] = { { SYMLINK_ENTRY, "link", "/etc/passwd" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'link'");
  }
  {
    // A link to a folder, then a file "through" it.
    Entry entries[] = { { SYMLINK_ENTRY, "d", ".." }, { FILE_ENTRY, "d/evil.txt", "x" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'d'");
  }
  {
    Entry entries[] = { { FILE_ENTRY, "a.txt", "x" }, { HARDLINK_ENTRY, "b.txt", "a.txt" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'b.txt'");
  }
  {
    Entry entries[] = { { DEVICE_ENTRY, "tty", NULL } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'tty'");
  }
  {
    Entry entries[] = { { FIFO_ENTRY, "pipe", NULL } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "'pipe'");
  }
  {
    Entry entries[] = { { FILE_ENTRY, "same.txt", "1" }, { FILE_ENTRY, "./same.txt", "2" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &roomy, SLUICE_ARCHIVE_ERROR_UNSAFE, "twice");
  }
}

static void
test_extract_limits (Fixture       *f,
                     gconstpointer  data)
{
  static const SluiceArchiveLimits tight = { 3, 10 };

  {
    Entry entries[] = { { FILE_ENTRY, "1", "" }, { FILE_ENTRY, "2", "" }, { FILE_ENTRY, "3", "" }, { FILE_ENTRY, "4", "" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &tight, SLUICE_ARCHIVE_ERROR_TOO_LARGE, "3 entries");
  }
  {
    Entry entries[] = { { FILE_ENTRY, "a", "123456" }, { FILE_ENTRY, "b", "123456" } };

    assert_refused (f, entries, G_N_ELEMENTS (entries), &tight, SLUICE_ARCHIVE_ERROR_TOO_LARGE, "10 bytes");
  }
}

static void
test_extract_garbage (Fixture       *f,
                      gconstpointer  data)
{
  static const char *const inputs[] = { "", "not an archive at all", "\x1f\x8b\x08\x00garbage" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (inputs[i], strlen (inputs[i]));
      g_autoptr(GError) error = NULL;

      sluice_file_remove_tree (f->dest, NULL);
      g_assert_false (sluice_archive_extract (bytes, f->dest, &roomy, NULL, &error));
      g_assert_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID);
    }
  // A truncated archive.
  {
    Entry entries[] = { { FILE_ENTRY, "a.txt", "some content to cut short" } };
    g_autoptr(GBytes) whole = make_archive (entries, 1);
    g_autoptr(GBytes) cut = g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) / 2);
    g_autoptr(GError) error = NULL;

    sluice_file_remove_tree (f->dest, NULL);
    g_assert_false (sluice_archive_extract (cut, f->dest, &roomy, NULL, &error));
    g_assert_error (error, SLUICE_ARCHIVE_ERROR, SLUICE_ARCHIVE_ERROR_INVALID);
  }
}

static void
test_pack_folder (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (f->dir, "folder", NULL);
  g_autofree char *sub = g_build_filename (folder, "sub", NULL);
  g_autofree char *a = g_build_filename (folder, "a.txt", NULL);
  g_autofree char *b = g_build_filename (sub, "b.txt", NULL);
  g_autofree char *packed = g_build_filename (f->dir, "folder.tar.gz", NULL);
  g_autofree char *b_out = g_build_filename (f->dest, "sub", "b.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) archive = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  g_assert_true (g_file_set_contents (a, "a\n", -1, NULL));
  g_assert_true (g_file_set_contents (b, "b\n", -1, NULL));

  g_assert_true (sluice_archive_pack_folder (folder, packed, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (packed, &contents, &length, NULL));
  archive = g_bytes_new_take (g_steal_pointer (&contents), length);

  // What the server packs, it can unpack safely again.
  g_assert_true (sluice_archive_extract (archive, f->dest, &roomy, &listed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 2);
  g_assert_cmpstr (((SluiceArchiveEntry *) g_ptr_array_index (listed, 0))->path, ==, "a.txt");
  g_assert_cmpstr (((SluiceArchiveEntry *) g_ptr_array_index (listed, 1))->path, ==, "sub/b.txt");
  g_assert_true (g_file_get_contents (b_out, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "b\n");

  // A folder that is not there.
  g_assert_false (sluice_archive_pack_folder ("/nonexistent/folder", packed, &error));
  g_assert_nonnull (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/archive/extract-ok", Fixture, NULL, fixture_setup, test_extract_ok, fixture_teardown);
  g_test_add ("/archive/extract-unsafe", Fixture, NULL, fixture_setup, test_extract_unsafe, fixture_teardown);
  g_test_add ("/archive/extract-limits", Fixture, NULL, fixture_setup, test_extract_limits, fixture_teardown);
  g_test_add ("/archive/extract-garbage", Fixture, NULL, fixture_setup, test_extract_garbage, fixture_teardown);
  g_test_add ("/archive/pack-folder", Fixture, NULL, fixture_setup, test_pack_folder, fixture_teardown);
  return g_test_run ();
}
