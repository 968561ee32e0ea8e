// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice-file.h"
#include "sluice-history.h"
#include "sluice-sqlite.h"

typedef struct
{
  char          *dir;
  char          *path;
  SluiceHistory *history;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sluice-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "history.db", NULL);
  f->history = sluice_history_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->history);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->history);
  sluice_file_remove_tree (f->dir, &error);
  g_assert_no_error (error);
  g_free (f->path);
  g_free (f->dir);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->history);
  f->history = sluice_history_open (f->path, &error);
  g_assert_no_error (error);
}

// A second connection to the same file, as the CLI would have while the
// runner writes.
static SluiceSqlite *
open_raw (const char *path)
{
  g_autoptr(GError) error = NULL;
  SluiceSqlite *db = sluice_sqlite_open (path, &error);

  g_assert_no_error (error);
  return db;
}

static char *
query_text (SluiceSqlite *db,
            const char   *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceSqliteStatement) statement = sluice_sqlite_prepare (db, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sluice_sqlite_step (db, statement, &error), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (statement, 0));
}

static gint64
query_int (SluiceSqlite *db,
           const char   *sql)
{
  g_autofree char *text = query_text (db, sql);

  return g_ascii_strtoll (text, NULL, 10);
}

static gint64
add_run (SluiceHistory *history,
         const char    *pipeline_name,
         SluiceState    state,
         gint64         runner_pid,
         const char    *host)
{
  g_autoptr(GError) error = NULL;
  SluiceRunRecord record = {
    .pipeline_name = (char *) pipeline_name,
    .pipeline_file = (char *) "/tmp/p.sluice.json",
    .pipeline_json = (char *) "{}",
    .state = state,
    .created_at = g_get_real_time (),
    .runner_pid = runner_pid,
    .host = (char *) host,
    .user = (char *) "tester",
  };

  g_assert_true (sluice_history_create_run (history, &record, &error));
  g_assert_no_error (error);
  g_assert_cmpint (record.id, >, 0);
  return record.id;
}

static void
put_step (SluiceHistory *history,
          gint64         run_id,
          const char    *step_id,
          const char    *cache_key,
          SluiceState    state,
          gint64         finished_at,
          const char    *component_json)
{
  g_autoptr(GError) error = NULL;
  SluiceStepRecord record = {
    .run_id = run_id,
    .step_id = (char *) step_id,
    .component_ref = (char *) "builtin:train@1",
    .component_json = (char *) component_json,
    .cache_key = (char *) cache_key,
    .state = state,
    .attempts = 1,
    .exit_code = state == SLUICE_STATE_SUCCEEDED ? 0 : -1,
    .started_at = finished_at ? finished_at - 1 : 0,
    .finished_at = finished_at,
  };

  g_assert_true (sluice_history_put_step (history, &record, &error));
  g_assert_no_error (error);
}

static void
add_use (SluiceHistory *history,
         gint64         run_id,
         const char    *step_id,
         const char    *port,
         const char    *hash,
         gboolean       is_output)
{
  g_autoptr(GError) error = NULL;
  SluiceArtifactUse use = { run_id, (char *) step_id, (char *) port, (char *) hash, is_output };

  g_assert_true (sluice_history_add_artifact_use (history, &use, &error));
  g_assert_no_error (error);
}

/* the connection ------------------------------------------------------------- */

static void
test_sqlite_statements (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SluiceSqlite) db = open_raw (f->path);
  g_autoptr(GError) error = NULL;
  SluiceSqliteStatement *first, *second;

  g_assert_true (sluice_sqlite_exec (db, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)", &error));
  g_assert_no_error (error);

  // Hot statements are prepared once.
  first = sluice_sqlite_prepare (db, "INSERT INTO t (k, v) VALUES (?1, ?2)", &error);
  g_assert_no_error (error);
  sqlite3_bind_text (first, 1, "a", -1, SQLITE_STATIC);
  sqlite3_bind_int (first, 2, 1);
  g_assert_true (sluice_sqlite_step_done (db, first, &error));
  g_assert_cmpint (sluice_sqlite_last_insert_rowid (db), ==, 1);
  second = sluice_sqlite_prepare (db, "INSERT INTO t (k, v) VALUES (?1, ?2)", &error);
  g_assert_true (first == second);
  sqlite3_bind_text (second, 1, "a", -1, SQLITE_STATIC);
  g_assert_false (sluice_sqlite_step_done (db, second, &error));
  g_assert_error (error, SLUICE_SQLITE_ERROR, SQLITE_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "INSERT INTO t"));
  g_clear_error (&error);

  // Each prepare starts with no bindings.
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SluiceSqliteStatement) select = sluice_sqlite_prepare (db, "SELECT ?1", &error);

      g_assert_no_error (error);
      if (i == 0)
        sqlite3_bind_int (select, 1, 5);
      g_assert_cmpint (sluice_sqlite_step (db, select, &error), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_type (select, 0), ==, i == 0 ? SQLITE_INTEGER : SQLITE_NULL);
    }

  // The message has SQLite's words and the statement.
  g_assert_null (sluice_sqlite_prepare (db, "SELEC nothing", &error));
  g_assert_error (error, SLUICE_SQLITE_ERROR, SQLITE_ERROR);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_assert_nonnull (strstr (error->message, "SELEC nothing"));
  g_clear_error (&error);

  g_assert_null (sluice_sqlite_prepare (db, "SELECT 1; SELECT 2", &error));
  g_assert_error (error, SLUICE_SQLITE_ERROR, SQLITE_MISUSE);
  g_clear_error (&error);

  g_assert_false (sluice_sqlite_exec (db, "INSERT INTO nowhere VALUES (1)", &error));
  g_assert_error (error, SLUICE_SQLITE_ERROR, SQLITE_ERROR);
  g_assert_nonnull (strstr (error->message, "nowhere"));
}

static void
test_sqlite_transactions (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SluiceSqlite) db = open_raw (f->path);
  g_autoptr(GError) error = NULL;

  g_assert_true (sluice_sqlite_exec (db, "CREATE TABLE t (v INTEGER)", &error));

  // Rolling back with nothing open is harmless.
  sluice_sqlite_rollback (db);

  g_assert_true (sluice_sqlite_begin (db, &error));
  g_assert_true (sluice_sqlite_exec (db, "INSERT INTO t VALUES (1)", &error));
  g_assert_true (sluice_sqlite_begin (db, &error));
  g_assert_cmpuint (sluice_sqlite_get_transaction_depth (db), ==, 2);
  g_assert_true (sluice_sqlite_exec (db, "INSERT INTO t VALUES (2)", &error));
  sluice_sqlite_rollback (db);
  g_assert_true (sluice_sqlite_begin (db, &error));
  g_assert_true (sluice_sqlite_exec (db, "INSERT INTO t VALUES (3)", &error));
  g_assert_true (sluice_sqlite_commit (db, &error));
  g_assert_true (sluice_sqlite_commit (db, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sluice_sqlite_get_transaction_depth (db), ==, 0);
  {
    g_autofree char *values = query_text (db, "SELECT group_concat(v, ',') FROM (SELECT v FROM t ORDER BY v)");

    g_assert_cmpstr (values, ==, "1,3");
  }

  // An inner commit does not save what the outer rollback drops.
  g_assert_true (sluice_sqlite_begin (db, &error));
  g_assert_true (sluice_sqlite_begin (db, &error));
  g_assert_true (sluice_sqlite_exec (db, "INSERT INTO t VALUES (4)", &error));
  g_assert_true (sluice_sqlite_commit (db, &error));
  sluice_sqlite_rollback (db);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM t"), ==, 2);
}

/* the schema ----------------------------------------------------------------- */

static void
test_schema (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) run = NULL;
  g_autoptr(SluiceSqlite) db = NULL;
  g_autofree char *mode = NULL;
  gint64 id;

  g_assert_cmpint (sluice_history_get_schema_version (f->history), ==, 3);
  g_assert_true (sluice_history_check_integrity (f->history, &error));
  g_assert_no_error (error);

  db = open_raw (f->path);
  mode = query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (db, "PRAGMA busy_timeout"), ==, 5000);
  // synchronous=NORMAL is 1.
  g_assert_cmpint (query_int (db, "PRAGMA synchronous"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'steps_by_cache_key'"), ==, 1);

  id = add_run (f->history, "keep", SLUICE_STATE_SUCCEEDED, 0, NULL);
  reopen (f);
  g_assert_cmpint (sluice_history_get_schema_version (f->history), ==, 3);
  run = sluice_history_get_run (f->history, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->pipeline_name, ==, "keep");
}

static void
test_newer_schema (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-history-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(SluiceHistory) history = NULL;

  {
    g_autoptr(SluiceSqlite) db = open_raw (path);

    g_assert_true (sluice_sqlite_exec (db, "PRAGMA user_version = 999", &error));
    g_assert_no_error (error);
  }

  history = sluice_history_open (path, &error);
  g_assert_null (history);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer version of Sluice"));
  g_assert_nonnull (strstr (error->message, "999"));
  g_assert_nonnull (strstr (error->message, path));

  g_clear_error (&error);
  sluice_file_remove_tree (dir, &error);
  g_assert_no_error (error);
}

static void
test_missing_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-history-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (dir, "no", "such", NULL);
  g_autofree char *path = g_build_filename (missing, "history.db", NULL);
  g_autoptr(SluiceHistory) history = sluice_history_open (path, &error);

  g_assert_null (history);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SQLITE);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  sluice_file_remove_tree (dir, &error);
  g_assert_no_error (error);
}

/* runs and steps ------------------------------------------------------------- */

static void
test_runs (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) run = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) only_b = NULL;
  g_autoptr(GPtrArray) newest = NULL;
  gint64 a1 = add_run (f->history, "a", SLUICE_STATE_PENDING, 0, NULL);
  gint64 b1 = add_run (f->history, "b", SLUICE_STATE_PENDING, 0, NULL);
  gint64 a2 = add_run (f->history, "a", SLUICE_STATE_PENDING, 0, NULL);
  gint64 b2 = add_run (f->history, "b", SLUICE_STATE_PENDING, 0, NULL);

  g_assert_cmpint (a1, <, b1);

  run = sluice_history_get_run (f->history, b1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->id, ==, b1);
  g_assert_cmpstr (run->pipeline_name, ==, "b");
  g_assert_cmpstr (run->pipeline_file, ==, "/tmp/p.sluice.json");
  g_assert_cmpstr (run->pipeline_json, ==, "{}");
  g_assert_null (run->params_json);
  g_assert_null (run->host);
  g_assert_cmpstr (run->user, ==, "tester");
  g_assert_cmpint (run->state, ==, SLUICE_STATE_PENDING);

  run->state = SLUICE_STATE_SUCCEEDED;
  run->started_at = 10;
  run->finished_at = 20;
  run->runner_pid = 1234;
  g_free (run->params_json);
  run->params_json = g_strdup ("{\"epochs\": 3}");
  g_assert_true (sluice_history_update_run (f->history, run, &error));
  g_assert_no_error (error);
  g_clear_pointer (&run, sluice_run_record_free);

  run = sluice_history_get_run (f->history, b1, &error);
  g_assert_cmpint (run->state, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (run->started_at, ==, 10);
  g_assert_cmpint (run->finished_at, ==, 20);
  g_assert_cmpint (run->runner_pid, ==, 1234);
  g_assert_cmpstr (run->params_json, ==, "{\"epochs\": 3}");

  all = sluice_history_list_runs (f->history, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpint (((SluiceRunRecord *) all->pdata[0])->id, ==, b2);
  g_assert_cmpint (((SluiceRunRecord *) all->pdata[3])->id, ==, a1);

  only_b = sluice_history_list_runs (f->history, "b", 0, &error);
  g_assert_cmpuint (only_b->len, ==, 2);
  g_assert_cmpint (((SluiceRunRecord *) only_b->pdata[0])->id, ==, b2);
  g_assert_cmpint (((SluiceRunRecord *) only_b->pdata[1])->id, ==, b1);

  newest = sluice_history_list_runs (f->history, "a", 1, &error);
  g_assert_cmpuint (newest->len, ==, 1);
  g_assert_cmpint (((SluiceRunRecord *) newest->pdata[0])->id, ==, a2);

  g_clear_pointer (&run, sluice_run_record_free);
  run = sluice_history_get_run (f->history, 999, &error);
  g_assert_null (run);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  {
    SluiceRunRecord ghost = { .id = 999, .state = SLUICE_STATE_FAILED };

    g_assert_false (sluice_history_update_run (f->history, &ghost, &error));
    g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  }
}

static void
test_steps (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceStepRecord) step = NULL;
  g_autoptr(GPtrArray) steps = NULL;
  gint64 run = add_run (f->history, "p", SLUICE_STATE_RUNNING, 0, NULL);
  SluiceStepRecord full = {
    .run_id = run,
    .step_id = (char *) "train",
    .component_ref = (char *) "builtin:train@2",
    .component_json = (char *) "{\"name\": \"train\"}",
    .code_hash = (char *) "c0de",
    .code_git_commit = (char *) "abc123",
    .cache_key = (char *) "key-1",
    .state = SLUICE_STATE_FAILED,
    .attempts = 3,
    .exit_code = 2,
    .started_at = 100,
    .finished_at = 200,
    .argv_json = (char *) "[\"python3\", \"train.py\"]",
    .reused_from_run = 0,
    .message = (char *) "exited with status 2",
  };

  put_step (f->history, run, "prepare", NULL, SLUICE_STATE_SUCCEEDED, 50, NULL);
  put_step (f->history, run, "train", NULL, SLUICE_STATE_RUNNING, 0, NULL);
  // Same key: replaced in place, keeping its place in the list.
  g_assert_true (sluice_history_put_step (f->history, &full, &error));
  g_assert_no_error (error);
  put_step (f->history, run, "evaluate", NULL, SLUICE_STATE_PENDING, 0, NULL);

  step = sluice_history_get_step (f->history, run, "train", &error);
  g_assert_no_error (error);
  g_assert_cmpint (step->run_id, ==, run);
  g_assert_cmpstr (step->step_id, ==, "train");
  g_assert_cmpstr (step->component_ref, ==, "builtin:train@2");
  g_assert_cmpstr (step->component_json, ==, "{\"name\": \"train\"}");
  g_assert_cmpstr (step->code_hash, ==, "c0de");
  g_assert_cmpstr (step->code_git_commit, ==, "abc123");
  g_assert_cmpstr (step->cache_key, ==, "key-1");
  g_assert_cmpint (step->state, ==, SLUICE_STATE_FAILED);
  g_assert_cmpuint (step->attempts, ==, 3);
  g_assert_cmpint (step->exit_code, ==, 2);
  g_assert_cmpint (step->started_at, ==, 100);
  g_assert_cmpint (step->finished_at, ==, 200);
  g_assert_cmpstr (step->argv_json, ==, "[\"python3\", \"train.py\"]");
  g_assert_cmpint (step->reused_from_run, ==, 0);
  g_assert_cmpstr (step->message, ==, "exited with status 2");

  steps = sluice_history_list_steps (f->history, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (steps->len, ==, 3);
  g_assert_cmpstr (((SluiceStepRecord *) steps->pdata[0])->step_id, ==, "prepare");
  g_assert_cmpstr (((SluiceStepRecord *) steps->pdata[1])->step_id, ==, "train");
  g_assert_cmpstr (((SluiceStepRecord *) steps->pdata[2])->step_id, ==, "evaluate");
  g_assert_null (((SluiceStepRecord *) steps->pdata[2])->message);
  g_assert_cmpint (((SluiceStepRecord *) steps->pdata[2])->exit_code, ==, -1);

  g_clear_pointer (&step, sluice_step_record_free);
  step = sluice_history_get_step (f->history, run, "missing", &error);
  g_assert_null (step);
  g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  // A step belongs to a run that exists.
  put_step (f->history, run, "ok", NULL, SLUICE_STATE_PENDING, 0, NULL);
  {
    SluiceStepRecord orphan = { .run_id = 4242, .step_id = (char *) "x", .state = SLUICE_STATE_PENDING };

    g_assert_false (sluice_history_put_step (f->history, &orphan, &error));
    g_assert_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SQLITE);
    g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
  }
}

static void
test_attempts (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceSqlite) db = NULL;
  g_autofree char *rows = NULL;
  gint64 run = add_run (f->history, "p", SLUICE_STATE_RUNNING, 0, NULL);

  g_assert_true (sluice_history_add_attempt (f->history, run, "train", 1, 10, 20, 1, SLUICE_STATE_FAILED, &error));
  g_assert_true (sluice_history_add_attempt (f->history, run, "train", 2, 30, 0, -1, SLUICE_STATE_RUNNING, &error));
  // The same attempt again, when it ended.
  g_assert_true (sluice_history_add_attempt (f->history, run, "train", 2, 30, 40, 0, SLUICE_STATE_SUCCEEDED, &error));
  g_assert_no_error (error);

  db = open_raw (f->path);
  rows = query_text (db, "SELECT group_concat(r, ' ') FROM (SELECT attempt || ':' || started_at || '-' || "
                         "finished_at || ':' || exit_code || ':' || state AS r FROM attempts ORDER BY attempt)");
  g_assert_cmpstr (rows, ==, "1:10-20:1:failed 2:30-40:0:succeeded");
}

/* logs and metrics ----------------------------------------------------------- */

static SluiceLogLine *
log_line (gint64      run_id,
          const char *step_id,
          guint       attempt,
          char        stream,
          const char *text)
{
  SluiceLogLine *line = g_new0 (SluiceLogLine, 1);

  line->run_id = run_id;
  line->step_id = g_strdup (step_id);
  line->attempt = attempt;
  line->stream = stream;
  line->time = g_get_real_time ();
  line->text = g_strdup (text);
  return line;
}

// The texts of lines, joined with spaces.
static char *
texts (GPtrArray *lines)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  g_assert_nonnull (lines);
  for (guint i = 0; i < lines->len; i++)
    g_strv_builder_add (builder, ((SluiceLogLine *) lines->pdata[i])->text);
  strv = g_strv_builder_end (builder);
  return g_strjoinv (" ", strv);
}

static void
check_log (SluiceHistory *history,
           gint64         run,
           const char    *step_id,
           guint          attempt,
           gint64         after_seq,
           guint          limit,
           const char    *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = sluice_history_get_log_lines (history, run, step_id, attempt, after_seq, limit, &error);
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  got = texts (lines);
  g_assert_cmpstr (got, ==, expected);
  for (guint i = 1; i < lines->len; i++)
    g_assert_cmpint (((SluiceLogLine *) lines->pdata[i - 1])->seq, <, ((SluiceLogLine *) lines->pdata[i])->seq);
}

static void
test_log_lines (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
  g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
  g_autoptr(GPtrArray) back = NULL;
  gint64 run = add_run (f->history, "p", SLUICE_STATE_RUNNING, 0, NULL);
  gint64 run2 = add_run (f->history, "p", SLUICE_STATE_RUNNING, 0, NULL);
  SluiceLogLine *first, *third;

  g_ptr_array_add (lines, log_line (run, "s1", 1, 'o', "a1"));
  g_ptr_array_add (lines, log_line (run, "s1", 1, 'e', "a2"));
  g_ptr_array_add (lines, log_line (run, "s2", 1, 'o', "b1"));
  g_ptr_array_add (lines, log_line (run, "s1", 2, 'o', "a3"));
  g_ptr_array_add (lines, log_line (run, NULL, 0, 's', "note"));
  g_ptr_array_add (lines, log_line (run, "s2", 1, 'o', "b2"));
  g_ptr_array_add (other, log_line (run2, "s1", 1, 'o', "elsewhere"));

  // As the engine does it: a batch in a transaction.
  g_assert_true (sluice_history_begin (f->history, &error));
  g_assert_true (sluice_history_add_log_lines (f->history, lines, &error));
  g_assert_true (sluice_history_add_log_lines (f->history, other, &error));
  g_assert_true (sluice_history_commit (f->history, &error));
  g_assert_no_error (error);

  for (guint i = 1; i < lines->len; i++)
    g_assert_cmpint (((SluiceLogLine *) lines->pdata[i - 1])->seq, <, ((SluiceLogLine *) lines->pdata[i])->seq);
  first = lines->pdata[0];
  third = lines->pdata[2];

  check_log (f->history, run, NULL, 0, 0, 0, "a1 a2 b1 a3 note b2");
  check_log (f->history, run, NULL, 0, third->seq, 0, "a3 note b2");
  check_log (f->history, run, "s1", 0, 0, 0, "a1 a2 a3");
  check_log (f->history, run, "s1", 0, first->seq, 0, "a2 a3");
  check_log (f->history, run, "s1", 2, 0, 0, "a3");
  check_log (f->history, run, NULL, 1, 0, 0, "a1 a2 b1 b2");
  check_log (f->history, run, NULL, 0, 0, 2, "a1 a2");
  check_log (f->history, run, "s2", 0, 0, 1, "b1");
  check_log (f->history, run2, NULL, 0, 0, 0, "elsewhere");
  check_log (f->history, run, NULL, 0, ((SluiceLogLine *) lines->pdata[5])->seq, 0, "");

  back = sluice_history_get_log_lines (f->history, run, NULL, 0, 0, 0, &error);
  g_assert_cmpuint (back->len, ==, 6);
  for (guint i = 0; i < back->len; i++)
    {
      SluiceLogLine *want = lines->pdata[i];
      SluiceLogLine *got = back->pdata[i];

      g_assert_cmpint (got->seq, ==, want->seq);
      g_assert_cmpint (got->run_id, ==, run);
      g_assert_cmpstr (got->step_id, ==, want->step_id);
      g_assert_cmpuint (got->attempt, ==, want->attempt);
      g_assert_cmpint (got->stream, ==, want->stream);
      g_assert_cmpint (got->time, ==, want->time);
    }

  // Without a transaction of the caller's, they still go in all at once.
  g_ptr_array_set_size (lines, 0);
  g_ptr_array_add (lines, log_line (run, "s3", 1, 'o', "c1"));
  g_ptr_array_add (lines, log_line (run, "s3", 1, 'o', "c2"));
  g_assert_true (sluice_history_add_log_lines (f->history, lines, &error));
  check_log (f->history, run, "s3", 0, 0, 0, "c1 c2");
}

static void
test_metrics (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) metrics = NULL;
  gint64 run = add_run (f->history, "p", SLUICE_STATE_RUNNING, 0, NULL);
  SluiceMetric m = { run, (char *) "train", (char *) "loss", 0.5, 1, 100 };
  SluiceMetric *got;

  g_assert_true (sluice_history_add_metric (f->history, &m, &error));
  m.value = 0.25;
  m.index = 2;
  g_assert_true (sluice_history_add_metric (f->history, &m, &error));
  m.name = (char *) "diverged";
  m.value = NAN;
  m.index = -1;
  g_assert_true (sluice_history_add_metric (f->history, &m, &error));
  m.step_id = (char *) "evaluate";
  m.name = (char *) "mae";
  m.value = -INFINITY;
  g_assert_true (sluice_history_add_metric (f->history, &m, &error));
  g_assert_no_error (error);

  metrics = sluice_history_get_metrics (f->history, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (metrics->len, ==, 4);
  got = metrics->pdata[0];
  g_assert_cmpint (got->run_id, ==, run);
  g_assert_cmpstr (got->step_id, ==, "train");
  g_assert_cmpstr (got->name, ==, "loss");
  g_assert_cmpfloat (got->value, ==, 0.5);
  g_assert_cmpint (got->index, ==, 1);
  g_assert_cmpint (got->time, ==, 100);
  got = metrics->pdata[1];
  g_assert_cmpfloat (got->value, ==, 0.25);
  g_assert_cmpint (got->index, ==, 2);
  got = metrics->pdata[2];
  g_assert_cmpstr (got->name, ==, "diverged");
  g_assert_true (isnan (got->value));
  g_assert_cmpint (got->index, ==, -1);
  got = metrics->pdata[3];
  g_assert_cmpstr (got->step_id, ==, "evaluate");
  g_assert_true (isinf (got->value) && got->value < 0);
}

/* artifacts and the cache ---------------------------------------------------- */

static void
test_artifacts (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceSqlite) db = NULL;
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(GPtrArray) train_uses = NULL;
  g_autoptr(SluiceArtifactUse) producer = NULL;
  gint64 run1 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run2 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  SluiceArtifactUse *use;

  g_assert_true (sluice_history_add_artifact (f->history, "h-data", "folder", 4096, &error));
  g_assert_true (sluice_history_add_artifact (f->history, "h-model", "file", 12, &error));
  // The same content again changes nothing.
  g_assert_true (sluice_history_add_artifact (f->history, "h-model", "file", 12, &error));
  g_assert_no_error (error);

  add_use (f->history, run1, "prepare", "data", "h-data", TRUE);
  add_use (f->history, run1, "train", "data", "h-data", FALSE);
  add_use (f->history, run1, "train", "model", "h-old", TRUE);
  // A retried attempt records the port again: the newer hash wins.
  add_use (f->history, run1, "train", "model", "h-model", TRUE);
  add_use (f->history, run2, "prepare", "data", "h-data", TRUE);

  uses = sluice_history_get_artifact_uses (f->history, run1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uses->len, ==, 3);
  use = uses->pdata[0];
  g_assert_cmpstr (use->step_id, ==, "prepare");
  g_assert_true (use->is_output);

  train_uses = sluice_history_get_artifact_uses (f->history, run1, "train", &error);
  g_assert_cmpuint (train_uses->len, ==, 2);
  use = train_uses->pdata[0];
  g_assert_cmpint (use->run_id, ==, run1);
  g_assert_cmpstr (use->port, ==, "data");
  g_assert_cmpstr (use->hash, ==, "h-data");
  g_assert_false (use->is_output);
  use = train_uses->pdata[1];
  g_assert_cmpstr (use->port, ==, "model");
  g_assert_cmpstr (use->hash, ==, "h-model");
  g_assert_true (use->is_output);

  // The first run that produced it, not a later one.
  producer = sluice_history_find_producer (f->history, "h-data", &error);
  g_assert_no_error (error);
  g_assert_cmpint (producer->run_id, ==, run1);
  g_assert_cmpstr (producer->step_id, ==, "prepare");
  g_assert_cmpstr (producer->port, ==, "data");
  g_clear_pointer (&producer, sluice_artifact_use_free);
  producer = sluice_history_find_producer (f->history, "h-unknown", &error);
  g_assert_null (producer);
  g_assert_no_error (error);

  db = open_raw (f->path);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM artifacts"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT size FROM artifacts WHERE hash = 'h-data'"), ==, 4096);
}

static void
check_hit (SluiceHistory *history,
           const char    *key,
           gint64         run_id,
           const char    *model_hash)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceCacheHit) hit = sluice_history_lookup_cache (history, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hit);
  g_assert_cmpint (hit->run_id, ==, run_id);
  g_assert_cmpstr (hit->step_id, ==, "train");
  g_assert_cmpstr (g_hash_table_lookup (hit->outputs, "model"), ==, model_hash);
  // Inputs are not outputs.
  g_assert_false (g_hash_table_contains (hit->outputs, "data"));
}

static void
test_cache (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceCacheHit) miss = NULL;
  g_autoptr(SluiceCacheHit) empty = NULL;
  const char *two_outputs = "{\"name\": \"train\", \"outputs\": {\"model\": {}, \"metrics\": {}}}";
  gint64 run1 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run2 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run3 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run4 = add_run (f->history, "p", SLUICE_STATE_FAILED, 0, NULL);
  gint64 run5 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run6 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);

  put_step (f->history, run1, "train", "K", SLUICE_STATE_SUCCEEDED, 100, NULL);
  add_use (f->history, run1, "train", "data", "h-data", FALSE);
  add_use (f->history, run1, "train", "model", "h1", TRUE);
  check_hit (f->history, "K", run1, "h1");

  // Newest wins.
  put_step (f->history, run2, "train", "K", SLUICE_STATE_SUCCEEDED, 200, NULL);
  add_use (f->history, run2, "train", "model", "h2", TRUE);
  check_hit (f->history, "K", run2, "h2");

  // Neither a reused nor a failed step is a source.
  put_step (f->history, run3, "train", "K", SLUICE_STATE_REUSED, 300, NULL);
  add_use (f->history, run3, "train", "model", "h2", TRUE);
  put_step (f->history, run4, "train", "K", SLUICE_STATE_FAILED, 400, NULL);
  add_use (f->history, run4, "train", "model", "h4", TRUE);
  check_hit (f->history, "K", run2, "h2");

  // A success whose component declares an output it never recorded.
  put_step (f->history, run5, "train", "K", SLUICE_STATE_SUCCEEDED, 500, two_outputs);
  add_use (f->history, run5, "train", "model", "h5", TRUE);
  check_hit (f->history, "K", run2, "h2");
  add_use (f->history, run5, "train", "metrics", "h5m", TRUE);
  check_hit (f->history, "K", run5, "h5");

  miss = sluice_history_lookup_cache (f->history, "other-key", &error);
  g_assert_null (miss);
  g_assert_no_error (error);
  g_assert_null (sluice_history_lookup_cache (f->history, NULL, &error));
  g_assert_no_error (error);

  // A step without outputs is a hit all the same.
  put_step (f->history, run6, "train", "Z", SLUICE_STATE_SUCCEEDED, 600, "{\"outputs\": {}}");
  empty = sluice_history_lookup_cache (f->history, "Z", &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpint (empty->run_id, ==, run6);
  g_assert_cmpuint (g_hash_table_size (empty->outputs), ==, 0);
}

/* recovery and gc ------------------------------------------------------------ */

// The pid of a process that has exited and been reaped.
static GPid
dead_pid (void)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "true", NULL };
  GPid pid = 0;
  int status;

  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return pid;
}

static SluiceState
run_state (SluiceHistory *history,
           gint64         run_id)
{
  g_autoptr(SluiceRunRecord) run = sluice_history_get_run (history, run_id, NULL);

  g_assert_nonnull (run);
  return run->state;
}

static SluiceState
step_state (SluiceHistory *history,
            gint64         run_id,
            const char    *step_id)
{
  g_autoptr(SluiceStepRecord) step = sluice_history_get_step (history, run_id, step_id, NULL);

  g_assert_nonnull (step);
  return step->state;
}

static void
test_mark_interrupted (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) record = NULL;
  g_autoptr(SluiceStepRecord) step = NULL;
  const char *host = g_get_host_name ();
  GPid gone = dead_pid ();
  gint64 orphan = add_run (f->history, "p", SLUICE_STATE_RUNNING, gone, host);
  gint64 alive = add_run (f->history, "p", SLUICE_STATE_RUNNING, getpid (), host);
  gint64 never_started = add_run (f->history, "p", SLUICE_STATE_QUEUED, 0, NULL);
  gint64 finished = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, gone, host);
  gint64 elsewhere = add_run (f->history, "p", SLUICE_STATE_RUNNING, gone, "another-machine.invalid");

  put_step (f->history, orphan, "done", NULL, SLUICE_STATE_SUCCEEDED, 10, NULL);
  put_step (f->history, orphan, "reused", NULL, SLUICE_STATE_REUSED, 10, NULL);
  put_step (f->history, orphan, "broke", NULL, SLUICE_STATE_FAILED, 10, NULL);
  put_step (f->history, orphan, "busy", NULL, SLUICE_STATE_RUNNING, 0, NULL);
  put_step (f->history, orphan, "waiting", NULL, SLUICE_STATE_PENDING, 0, NULL);
  put_step (f->history, orphan, "next", NULL, SLUICE_STATE_QUEUED, 0, NULL);
  put_step (f->history, alive, "busy", NULL, SLUICE_STATE_RUNNING, 0, NULL);

  g_assert_cmpuint (sluice_history_mark_interrupted (f->history, &error), ==, 2);
  g_assert_no_error (error);

  record = sluice_history_get_run (f->history, orphan, &error);
  g_assert_cmpint (record->state, ==, SLUICE_STATE_INTERRUPTED);
  g_assert_cmpint (record->finished_at, >, 0);
  g_assert_cmpint (run_state (f->history, never_started), ==, SLUICE_STATE_INTERRUPTED);
  g_assert_cmpint (run_state (f->history, alive), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpint (run_state (f->history, finished), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (run_state (f->history, elsewhere), ==, SLUICE_STATE_RUNNING);

  g_assert_cmpint (step_state (f->history, orphan, "done"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (step_state (f->history, orphan, "reused"), ==, SLUICE_STATE_REUSED);
  g_assert_cmpint (step_state (f->history, orphan, "broke"), ==, SLUICE_STATE_FAILED);
  g_assert_cmpint (step_state (f->history, orphan, "busy"), ==, SLUICE_STATE_INTERRUPTED);
  g_assert_cmpint (step_state (f->history, orphan, "waiting"), ==, SLUICE_STATE_INTERRUPTED);
  g_assert_cmpint (step_state (f->history, orphan, "next"), ==, SLUICE_STATE_INTERRUPTED);
  g_assert_cmpint (step_state (f->history, alive, "busy"), ==, SLUICE_STATE_RUNNING);

  step = sluice_history_get_step (f->history, orphan, "done", &error);
  g_assert_cmpint (step->finished_at, ==, 10);

  // Done already: nothing more to do.
  g_assert_cmpuint (sluice_history_mark_interrupted (f->history, &error), ==, 0);
  g_assert_no_error (error);
}

static GHashTable *
referenced (SluiceHistory *history,
            guint          keep_runs)
{
  g_autoptr(GError) error = NULL;
  GHashTable *set = sluice_history_referenced_artifacts (history, keep_runs, &error);

  g_assert_no_error (error);
  g_assert_nonnull (set);
  return set;
}

static void
test_referenced_artifacts (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GHashTable) newest = NULL;
  g_autoptr(GHashTable) two = NULL;
  g_autoptr(GHashTable) with_running = NULL;
  gint64 run1 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);
  gint64 run2 = add_run (f->history, "p", SLUICE_STATE_FAILED, 0, NULL);
  gint64 run3 = add_run (f->history, "p", SLUICE_STATE_SUCCEEDED, 0, NULL);

  add_use (f->history, run1, "a", "out", "h1", TRUE);
  add_use (f->history, run1, "b", "in", "h1", FALSE);
  add_use (f->history, run2, "a", "out", "h2", TRUE);
  add_use (f->history, run3, "a", "in", "h1", FALSE);
  add_use (f->history, run3, "a", "out", "h3", TRUE);

  all = referenced (f->history, 0);
  g_assert_cmpuint (g_hash_table_size (all), ==, 3);
  g_assert_true (g_hash_table_contains (all, "h1"));
  g_assert_true (g_hash_table_contains (all, "h2"));
  g_assert_true (g_hash_table_contains (all, "h3"));

  newest = referenced (f->history, 1);
  g_assert_cmpuint (g_hash_table_size (newest), ==, 2);
  g_assert_true (g_hash_table_contains (newest, "h1"));
  g_assert_true (g_hash_table_contains (newest, "h3"));

  two = referenced (f->history, 2);
  g_assert_cmpuint (g_hash_table_size (two), ==, 3);

  // A run still going keeps its artifacts however old it is.
  {
    g_autoptr(SluiceRunRecord) record = sluice_history_get_run (f->history, run2, NULL);

    record->state = SLUICE_STATE_RUNNING;
    g_assert_true (sluice_history_update_run (f->history, record, NULL));
  }
  with_running = referenced (f->history, 1);
  g_assert_cmpuint (g_hash_table_size (with_running), ==, 3);
}

/* strings and transactions --------------------------------------------------- */

static void
test_hostile_strings (Fixture       *f,
                      gconstpointer  data)
{
  const char *hostile[] = {
    "'); DROP TABLE runs; --",
    "\"double\" and 'single' quotes, `back` ticks; \\ backslash",
    "naïve café — 日本語 🚀 \u202e",
    "%s %n %d ?1 :name @x $y",
    "line one\nline two\r\n\ttab",
    "",
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      const char *s = hostile[i];
      g_autoptr(SluiceRunRecord) run = NULL;
      g_autoptr(SluiceStepRecord) step = NULL;
      g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
      g_autoptr(GPtrArray) back = NULL;
      g_autoptr(GPtrArray) metrics = NULL;
      g_autoptr(GPtrArray) runs = NULL;
      g_autoptr(SluiceArtifactUse) producer = NULL;
      g_autoptr(SluiceCacheHit) hit = NULL;
      SluiceRunRecord record = {
        .pipeline_name = (char *) s, .pipeline_file = (char *) s, .pipeline_json = (char *) s,
        .params_json = (char *) s, .state = SLUICE_STATE_SUCCEEDED, .host = (char *) s, .user = (char *) s,
      };
      SluiceStepRecord step_record = {
        .step_id = (char *) s, .component_ref = (char *) s, .code_hash = (char *) s,
        .cache_key = (char *) s, .state = SLUICE_STATE_SUCCEEDED, .argv_json = (char *) s, .message = (char *) s,
      };
      SluiceMetric metric = { 0, (char *) s, (char *) s, 1.0, -1, 0 };

      g_assert_true (sluice_history_create_run (f->history, &record, &error));
      g_assert_no_error (error);
      step_record.run_id = metric.run_id = record.id;
      g_assert_true (sluice_history_put_step (f->history, &step_record, &error));
      g_ptr_array_add (lines, log_line (record.id, s, 1, 'o', s));
      g_assert_true (sluice_history_add_log_lines (f->history, lines, &error));
      g_assert_true (sluice_history_add_metric (f->history, &metric, &error));
      add_use (f->history, record.id, s, s, s, TRUE);
      g_assert_no_error (error);

      run = sluice_history_get_run (f->history, record.id, &error);
      g_assert_cmpstr (run->pipeline_name, ==, s);
      g_assert_cmpstr (run->pipeline_file, ==, s);
      g_assert_cmpstr (run->pipeline_json, ==, s);
      g_assert_cmpstr (run->params_json, ==, s);
      g_assert_cmpstr (run->host, ==, s);
      g_assert_cmpstr (run->user, ==, s);
      runs = sluice_history_list_runs (f->history, s, 0, &error);
      g_assert_cmpuint (runs->len, ==, 1);

      step = sluice_history_get_step (f->history, record.id, s, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (step->step_id, ==, s);
      g_assert_cmpstr (step->component_ref, ==, s);
      g_assert_cmpstr (step->argv_json, ==, s);
      g_assert_cmpstr (step->message, ==, s);

      back = sluice_history_get_log_lines (f->history, record.id, s, 0, 0, 0, &error);
      g_assert_cmpuint (back->len, ==, 1);
      g_assert_cmpstr (((SluiceLogLine *) back->pdata[0])->text, ==, s);
      metrics = sluice_history_get_metrics (f->history, record.id, &error);
      g_assert_cmpstr (((SluiceMetric *) metrics->pdata[0])->name, ==, s);

      producer = sluice_history_find_producer (f->history, s, &error);
      g_assert_nonnull (producer);
      g_assert_cmpstr (producer->port, ==, s);
      hit = sluice_history_lookup_cache (f->history, s, &error);
      g_assert_nonnull (hit);
      g_assert_cmpstr (g_hash_table_lookup (hit->outputs, s), ==, s);
      g_assert_no_error (error);
    }

  g_assert_true (sluice_history_check_integrity (f->history, &error));
  g_assert_no_error (error);
}

static void
test_transactions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  gint64 kept;

  sluice_history_rollback (f->history);

  g_assert_true (sluice_history_begin (f->history, &error));
  kept = add_run (f->history, "t", SLUICE_STATE_PENDING, 0, NULL);
  g_assert_true (sluice_history_begin (f->history, &error));
  add_run (f->history, "t", SLUICE_STATE_PENDING, 0, NULL);
  sluice_history_rollback (f->history);
  g_assert_true (sluice_history_commit (f->history, &error));
  g_assert_no_error (error);

  g_assert_true (sluice_history_begin (f->history, &error));
  g_assert_true (sluice_history_begin (f->history, &error));
  add_run (f->history, "t", SLUICE_STATE_PENDING, 0, NULL);
  g_assert_true (sluice_history_commit (f->history, &error));
  sluice_history_rollback (f->history);

  runs = sluice_history_list_runs (f->history, "t", 0, &error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpint (((SluiceRunRecord *) runs->pdata[0])->id, ==, kept);
}

/* crash safety --------------------------------------------------------------- */

#define CRASH_ITERATIONS     20
#define CRASH_LINES_PER_RUN  20

// One transaction: a run (its number in params_json), a step, its log
// lines and a metric.
static gboolean
write_transaction (SluiceHistory *history,
                   guint          counter)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
  g_autofree char *number = g_strdup_printf ("%u", counter);
  SluiceRunRecord run = { .pipeline_name = (char *) "crash", .params_json = number, .state = SLUICE_STATE_SUCCEEDED };
  SluiceMetric metric = { 0, (char *) "s", (char *) "n", counter, -1, 0 };

  if (!sluice_history_begin (history, NULL))
    return FALSE;
  if (!sluice_history_create_run (history, &run, NULL))
    return FALSE;
  put_step (history, run.id, "s", number, SLUICE_STATE_SUCCEEDED, 1, NULL);
  for (guint i = 0; i < CRASH_LINES_PER_RUN; i++)
    g_ptr_array_add (lines, log_line (run.id, "s", 1, 'o', "a line of output that takes a little room"));
  metric.run_id = run.id;
  return sluice_history_add_log_lines (history, lines, NULL) &&
         sluice_history_add_metric (history, &metric, NULL) &&
         sluice_history_commit (history, NULL);
}

// Writes transactions until killed, telling the parent each number once
// its commit has returned.
G_GNUC_NORETURN
static void
crash_child (const char *path,
             int         fd)
{
  SluiceHistory *history;
  GPtrArray *newest;
  guint counter = 0;

  // Should the parent never kill it.
  alarm (30);

  if (!(history = sluice_history_open (path, NULL)) ||
      !(newest = sluice_history_list_runs (history, "crash", 1, NULL)))
    _exit (2);
  if (newest->len > 0)
    counter = (guint) g_ascii_strtoull (((SluiceRunRecord *) newest->pdata[0])->params_json, NULL, 10);

  for (;;)
    {
      counter++;
      if (!write_transaction (history, counter))
        _exit (3);
      if (write (fd, &counter, sizeof counter) != sizeof counter)
        _exit (4);
    }
}

// The highest number the child reported as committed, 0 if none.
static guint
read_confirmed (int fd)
{
  guint value, last = 0;

  while (read (fd, &value, sizeof value) == sizeof value)
    last = value;
  return last;
}

static void
check_after_crash (const char *path,
                   guint       confirmed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceHistory) history = sluice_history_open (path, &error);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(SluiceSqlite) db = NULL;

  g_assert_no_error (error);
  g_assert_true (sluice_history_check_integrity (history, &error));
  g_assert_no_error (error);

  // Numbers N, N-1, … 1, newest first: none missing, none twice.
  runs = sluice_history_list_runs (history, "crash", 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    {
      SluiceRunRecord *run = runs->pdata[i];

      g_assert_cmpuint (g_ascii_strtoull (run->params_json, NULL, 10), ==, runs->len - i);
    }
  // Every commit that returned is there (one more may be, killed before
  // it could say so).
  g_assert_cmpuint (runs->len, >=, confirmed);
  g_assert_cmpuint (runs->len, <=, confirmed + 1);

  // Whole transactions or nothing.
  db = open_raw (path);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM steps"), ==, runs->len);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM metrics"), ==, runs->len);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM log_lines"), ==, runs->len * CRASH_LINES_PER_RUN);
}

static void
test_crash_safety (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sluice-history-crash-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  guint confirmed = 0;

  for (guint i = 0; i < CRASH_ITERATIONS; i++)
    {
      int fds[2];
      int status;
      guint reported;
      pid_t pid;

      g_assert_cmpint (pipe (fds), ==, 0);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          close (fds[0]);
          crash_child (path, fds[1]);
        }

      close (fds[1]);
      g_usleep (g_test_rand_int_range (2000, 60000));
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      // Killed by us, not dead of its own failure.
      if (!WIFSIGNALED (status))
        g_error ("the writer exited with status %d", WEXITSTATUS (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      // A child killed before its first commit confirms nothing new.
      reported = read_confirmed (fds[0]);
      confirmed = MAX (confirmed, reported);
      check_after_crash (path, confirmed);
      close (fds[0]);
    }

  sluice_file_remove_tree (dir, &error);
  g_assert_no_error (error);
}

static void
test_events (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  g_autoptr(GPtrArray) read = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(SluiceSqlite) db = NULL;
  gint64 id = add_run (f->history, "events", SLUICE_STATE_RUNNING, 0, NULL);
  gint64 other = add_run (f->history, "other", SLUICE_STATE_RUNNING, 0, NULL);
  SluiceRunEvent *e;

  e = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, id, "a");
  e->state = SLUICE_STATE_RUNNING;
  e->attempt = 2;
  e->text = g_strdup ("why\n'); DROP TABLE runs; --");
  g_ptr_array_add (events, e);
  // Log lines belong to log_lines: add_events leaves them out.
  e = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, id, "a");
  e->text = g_strdup ("a line");
  g_ptr_array_add (events, e);
  e = sluice_run_event_new (SLUICE_RUN_EVENT_METRIC, id, "a");
  e->name = g_strdup ("loss");
  e->value = NAN;
  e->index = 7;
  g_ptr_array_add (events, e);
  e = sluice_run_event_new (SLUICE_RUN_EVENT_ARTIFACT, other, "b");
  e->name = g_strdup ("out");
  e->hash = g_strdup ("abc");
  g_ptr_array_add (events, e);
  e = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, id, NULL);
  e->state = SLUICE_STATE_SUCCEEDED;
  g_ptr_array_add (events, e);

  g_assert_true (sluice_history_add_events (f->history, events, &error));
  g_assert_no_error (error);

  read = sluice_history_get_events (f->history, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->len, ==, 3);
  e = g_ptr_array_index (read, 0);
  g_assert_cmpint (e->kind, ==, SLUICE_RUN_EVENT_STEP_STATE);
  g_assert_cmpstr (e->step_id, ==, "a");
  g_assert_cmpint (e->state, ==, SLUICE_STATE_RUNNING);
  g_assert_cmpuint (e->attempt, ==, 2);
  g_assert_cmpstr (e->text, ==, "why\n'); DROP TABLE runs; --");
  g_assert_cmpint (e->seq, ==, ((SluiceRunEvent *) g_ptr_array_index (events, 0))->seq);
  e = g_ptr_array_index (read, 1);
  g_assert_cmpint (e->kind, ==, SLUICE_RUN_EVENT_METRIC);
  g_assert_true (isnan (e->value));
  g_assert_cmpint (e->index, ==, 7);
  e = g_ptr_array_index (read, 2);
  g_assert_cmpint (e->kind, ==, SLUICE_RUN_EVENT_RUN_STATE);
  g_assert_null (e->step_id);
  g_assert_cmpint (e->state, ==, SLUICE_STATE_SUCCEEDED);

  // After a seq: only what follows, in order.
  after = sluice_history_get_events (f->history, id, ((SluiceRunEvent *) g_ptr_array_index (read, 0))->seq, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpint (((SluiceRunEvent *) g_ptr_array_index (after, 0))->kind, ==, SLUICE_RUN_EVENT_METRIC);

  // A kind only a newer Sluice knows is skipped, not misread.
  db = open_raw (f->path);
  g_assert_true (sluice_sqlite_exec (db, "INSERT INTO events (run_id, kind) VALUES (1, 'from-the-future')", &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_ptr_array_unref);
  after = sluice_history_get_events (f->history, id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 3);
}

static void
test_runner_start_grace (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunRecord) fresh = NULL;
  g_autoptr(SluiceRunRecord) stale = NULL;
  gint64 fresh_id = add_run (f->history, "fresh", SLUICE_STATE_PENDING, 0, g_get_host_name ());
  gint64 stale_id = add_run (f->history, "stale", SLUICE_STATE_PENDING, 0, g_get_host_name ());

  // Recorded two minutes ago and still without a runner: lost.
  stale = sluice_history_get_run (f->history, stale_id, &error);
  stale->created_at -= 120 * G_USEC_PER_SEC;
  g_assert_true (sluice_history_update_run (f->history, stale, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (sluice_history_mark_interrupted (f->history, &error), ==, 1);
  g_assert_no_error (error);
  fresh = sluice_history_get_run (f->history, fresh_id, &error);
  g_assert_cmpint (fresh->state, ==, SLUICE_STATE_PENDING);
  g_clear_pointer (&stale, sluice_run_record_free);
  stale = sluice_history_get_run (f->history, stale_id, &error);
  g_assert_cmpint (stale->state, ==, SLUICE_STATE_INTERRUPTED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sqlite/statements", test_sqlite_statements);
  ADD ("/sqlite/transactions", test_sqlite_transactions);
  ADD ("/history/schema", test_schema);
  g_test_add_func ("/history/newer-schema", test_newer_schema);
  g_test_add_func ("/history/missing-folder", test_missing_folder);
  ADD ("/history/runs", test_runs);
  ADD ("/history/steps", test_steps);
  ADD ("/history/attempts", test_attempts);
  ADD ("/history/log-lines", test_log_lines);
  ADD ("/history/metrics", test_metrics);
  ADD ("/history/events", test_events);
  ADD ("/history/runner-start-grace", test_runner_start_grace);
  ADD ("/history/artifacts", test_artifacts);
  ADD ("/history/cache", test_cache);
  ADD ("/history/mark-interrupted", test_mark_interrupted);
  ADD ("/history/referenced-artifacts", test_referenced_artifacts);
  ADD ("/history/hostile-strings", test_hostile_strings);
  ADD ("/history/transactions", test_transactions);
  g_test_add_func ("/history/crash-safety", test_crash_safety);
#undef ADD

  return g_test_run ();
}
