// SPDX-License-Identifier: GPL-3.0-or-later
//
// Which runs in the history are "this pipeline's": runs recorded by the real
// CLI ($SLUICE_CLI) with a relative path from another folder, through a
// symlink, and from a same-named pipeline in another folder, plus rows an
// older Sluice recorded with a relative path.

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-file.h"
#include "sluice-history.h"

typedef struct
{
  char          *dir;
  char          *store;
  char          *engine;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *made = g_dir_make_tmp ("sluice-history-match-XXXXXX", &error);
  char *real;

  g_assert_no_error (error);
  // Without symlinks, so that the paths the CLI records compare as text.
  real = realpath (made, NULL);
  g_assert_nonnull (real);
  f->dir = g_strdup (real);
  free (real);
  f->store = g_build_filename (f->dir, "store", NULL);
  f->engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  sluice_file_remove_tree (f->dir, &error);
  g_assert_no_error (error);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->engine);
}

// Writes a one-step pipeline named name at dir/file_name; returns its path.
static char *
write_pipeline (Fixture    *f,
                const char *dir,
                const char *file_name,
                const char *name)
{
  g_autofree char *folder = g_build_filename (f->dir, dir, NULL);
  char *path = g_build_filename (folder, file_name, NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"name\": \"%s\",\n"
    " \"jobs\": {\"quick\": {\"component\": \"file:%s/produce.component.json\"}}}\n",
    name, f->engine);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

// `sluice run FILE --store STORE` started in cwd; returns the new run's id.
static gint64
cli_run (Fixture    *f,
         const char *cwd,
         const char *file)
{
  const char *argv[] = { g_getenv ("SLUICE_CLI"), "run", file, "--store", f->store, NULL };
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GPtrArray) newest = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *db = g_build_filename (f->store, "history.db", NULL);
  int wait_status = 0;

  g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &wait_status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    g_error ("sluice run %s failed:\n%s%s", file, out, err);

  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  newest = sluice_history_list_runs (history, NULL, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (newest->len, ==, 1);
  return ((SluiceRunRecord *) g_ptr_array_index (newest, 0))->id;
}

static gboolean
lists_run (GPtrArray *runs,
           gint64     run_id)
{
  for (guint i = 0; i < runs->len; i++)
    if (((SluiceRunRecord *) g_ptr_array_index (runs, i))->id == run_id)
      return TRUE;
  return FALSE;
}

static GPtrArray *
file_runs (Fixture    *f,
           const char *name,
           const char *file)
{
  g_autofree char *db = g_build_filename (f->store, "history.db", NULL);
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *runs;

  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  runs = sluice_history_list_file_runs (history, name, file, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (runs);
  return runs;
}

static void
test_relative_cli_run (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *mine = write_pipeline (f, "proj", "p.sluice.json", "same");
  g_autofree char *other = write_pipeline (f, "elsewhere", "p.sluice.json", "same");
  g_autofree char *proj = g_path_get_dirname (mine);
  g_autofree char *db = g_build_filename (f->store, "history.db", NULL);
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  gint64 relative_run, from_above, other_run;

  // Started in the pipeline's folder, and from the folder above it, with
  // relative paths; the same-named pipeline next door with an absolute one.
  relative_run = cli_run (f, proj, "p.sluice.json");
  from_above = cli_run (f, f->dir, "proj/../proj/./p.sluice.json");
  other_run = cli_run (f, proj, other);

  // The record holds the absolute, clean path whatever the CLI was given.
  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  record = sluice_history_get_run (history, from_above, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->pipeline_file, ==, mine);

  runs = file_runs (f, "same", mine);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpint (((SluiceRunRecord *) g_ptr_array_index (runs, 0))->id, ==, from_above);   // newest first
  g_assert_true (lists_run (runs, relative_run));
  g_assert_false (lists_run (runs, other_run));
  g_clear_pointer (&runs, g_ptr_array_unref);

  runs = file_runs (f, "same", other);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_true (lists_run (runs, other_run));
  g_clear_pointer (&runs, g_ptr_array_unref);

  // The name counts as well as the file.
  runs = file_runs (f, "renamed", mine);
  g_assert_cmpuint (runs->len, ==, 0);
  g_clear_pointer (&runs, g_ptr_array_unref);

  // limit keeps the newest matches, not the newest rows.
  runs = sluice_history_list_file_runs (history, "same", mine, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpint (((SluiceRunRecord *) g_ptr_array_index (runs, 0))->id, ==, from_above);
}

static void
test_symlink (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *mine = write_pipeline (f, "proj", "p.sluice.json", "same");
  g_autofree char *other = write_pipeline (f, "elsewhere", "p.sluice.json", "same");
  g_autofree char *links = g_build_filename (f->dir, "links", NULL);
  g_autofree char *link = g_build_filename (links, "link.sluice.json", NULL);
  g_autofree char *linked_dir = g_build_filename (f->dir, "proj-link", NULL);
  g_autofree char *through_dir = g_build_filename (linked_dir, "p.sluice.json", NULL);
  g_autofree char *proj = g_path_get_dirname (mine);
  g_autoptr(GPtrArray) runs = NULL;
  gint64 direct, via_link, via_dir, other_run;

  g_assert_cmpint (g_mkdir_with_parents (links, 0700), ==, 0);
  g_assert_cmpint (symlink (mine, link), ==, 0);
  g_assert_cmpint (symlink (proj, linked_dir), ==, 0);

  direct = cli_run (f, proj, mine);
  via_link = cli_run (f, links, "link.sluice.json");
  via_dir = cli_run (f, f->dir, "proj-link/p.sluice.json");
  other_run = cli_run (f, f->dir, other);

  // Opened as the file itself, or through either link: the same runs.
  for (guint i = 0; i < 3; i++)
    {
      const char *opened = (const char *[]) { mine, link, through_dir }[i];

      runs = file_runs (f, "same", opened);
      g_assert_cmpuint (runs->len, ==, 3);
      g_assert_true (lists_run (runs, direct));
      g_assert_true (lists_run (runs, via_link));
      g_assert_true (lists_run (runs, via_dir));
      g_assert_false (lists_run (runs, other_run));
      g_clear_pointer (&runs, g_ptr_array_unref);
    }
}

// Rows recorded by an older Sluice with the path the CLI was given, relative
// to a folder nobody knows: they belong to a file of the same pipeline name
// and the same file name only.
static void
test_legacy_relative_rows (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *mine = write_pipeline (f, "proj", "p.sluice.json", "same");
  g_autofree char *db = NULL;
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  const char *legacy_files[] = { "p.sluice.json", "sub/p.sluice.json", "q.sluice.json", NULL };
  const char *legacy_names[] = { "same", "same", "same", NULL };
  gint64 ids[3];

  g_assert_cmpint (g_mkdir_with_parents (f->store, 0700), ==, 0);
  db = g_build_filename (f->store, "history.db", NULL);
  history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  for (guint i = 0; legacy_files[i] != NULL; i++)
    {
      SluiceRunRecord record = { 0 };

      record.pipeline_name = (char *) legacy_names[i];
      record.pipeline_file = (char *) legacy_files[i];
      record.state = SLUICE_STATE_SUCCEEDED;
      g_assert_true (sluice_history_create_run (history, &record, &error));
      g_assert_no_error (error);
      ids[i] = record.id;
    }
  {
    // A row with no file at all (a pipeline given as data) is nobody's.
    SluiceRunRecord record = { 0 };

    record.pipeline_name = (char *) "same";
    record.state = SLUICE_STATE_SUCCEEDED;
    g_assert_true (sluice_history_create_run (history, &record, &error));
    g_assert_no_error (error);
  }

  runs = sluice_history_list_file_runs (history, "same", mine, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_true (lists_run (runs, ids[0]));
  g_assert_true (lists_run (runs, ids[1]));
  g_assert_false (lists_run (runs, ids[2]));
  g_clear_pointer (&runs, g_ptr_array_unref);

  // The same file name under another pipeline name is not this pipeline.
  runs = sluice_history_list_file_runs (history, "different", mine, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);

  {
    SluiceRunRecord absolute = { .pipeline_file = (char *) "/nowhere/p.sluice.json" };
    SluiceRunRecord relative = { .pipeline_file = (char *) "p.sluice.json" };

    g_assert_false (sluice_run_record_is_of_file (&absolute, mine));
    g_assert_true (sluice_run_record_is_of_file (&relative, mine));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("SLUICE_CLI") == NULL)
    g_error ("SLUICE_CLI must name the sluice binary");

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/history-match/relative-cli-run", test_relative_cli_run);
  ADD ("/history-match/symlink", test_symlink);
  ADD ("/history-match/legacy-relative-rows", test_legacy_relative_rows);
#undef ADD

  return g_test_run ();
}
