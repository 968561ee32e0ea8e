// SPDX-License-Identifier: GPL-3.0-or-later
//
// The runner writes while the CLI and the app read, each with its own
// connection. Every statement is a constant so that SluiceSqlite prepares
// it once; states are stored as their names, so the file reads well in the
// sqlite3 shell and survives reordering of SluiceState.

#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sluice-history.h"
#include "sluice-json.h"
#include "sluice-process.h"
#include "sluice-sqlite.h"

struct _SluiceHistory
{
  GObject       parent_instance;

  SluiceSqlite *db;
};

G_DEFINE_FINAL_TYPE (SluiceHistory, sluice_history, G_TYPE_OBJECT)

G_DEFINE_QUARK (sluice-history-error-quark, sluice_history_error)

/* schema --------------------------------------------------------------------- */

// Migration i brings the schema from version i to i + 1 (PRAGMA
// user_version). Never edit one that has shipped; append a new one.
static const char * const migrations[] = {
  // 1: the initial schema.
  // runs and log_lines use AUTOINCREMENT so that ids are never reused after
  // the newest rows are deleted: run ids name folders and appear in other
  // runs' reused_from_run, and `--follow` relies on seq only growing.
  "CREATE TABLE runs ("
  "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  pipeline_name TEXT,"
  "  pipeline_file TEXT,"
  "  pipeline_json TEXT,"
  "  params_json   TEXT,"
  "  state         TEXT NOT NULL,"
  "  created_at    INTEGER NOT NULL DEFAULT 0,"
  "  started_at    INTEGER NOT NULL DEFAULT 0,"
  "  finished_at   INTEGER NOT NULL DEFAULT 0,"
  "  runner_pid    INTEGER NOT NULL DEFAULT 0,"
  "  host          TEXT,"
  "  user          TEXT"
  ");"
  "CREATE INDEX runs_by_pipeline ON runs (pipeline_name, id);"
  "CREATE INDEX runs_by_state ON runs (state);"
  "CREATE TABLE steps ("
  "  run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step_id         TEXT NOT NULL,"
  "  component_ref   TEXT,"
  "  component_json  TEXT,"
  "  code_hash       TEXT,"
  "  code_git_commit TEXT,"
  "  cache_key       TEXT,"
  "  state           TEXT NOT NULL,"
  "  attempts        INTEGER NOT NULL DEFAULT 0,"
  "  exit_code       INTEGER NOT NULL DEFAULT -1,"
  "  started_at      INTEGER NOT NULL DEFAULT 0,"
  "  finished_at     INTEGER NOT NULL DEFAULT 0,"
  "  argv_json       TEXT,"
  "  reused_from_run INTEGER NOT NULL DEFAULT 0,"
  "  message         TEXT,"
  "  PRIMARY KEY (run_id, step_id)"
  ");"
  "CREATE INDEX steps_by_cache_key ON steps (cache_key, state);"
  "CREATE TABLE attempts ("
  "  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step_id     TEXT NOT NULL,"
  "  attempt     INTEGER NOT NULL,"
  "  started_at  INTEGER NOT NULL DEFAULT 0,"
  "  finished_at INTEGER NOT NULL DEFAULT 0,"
  "  exit_code   INTEGER NOT NULL DEFAULT -1,"
  "  state       TEXT NOT NULL,"
  "  PRIMARY KEY (run_id, step_id, attempt)"
  ");"
  // step_id is NULL for notes about the run as a whole.
  "CREATE TABLE log_lines ("
  "  seq     INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step_id TEXT,"
  "  attempt INTEGER NOT NULL DEFAULT 0,"
  "  stream  TEXT NOT NULL,"
  "  time    INTEGER NOT NULL DEFAULT 0,"
  "  text    TEXT NOT NULL"
  ");"
  "CREATE INDEX log_lines_by_step ON log_lines (run_id, step_id, seq);"
  // Ordered by (run_id, seq) too, as every index ends with the rowid: the
  // lines of all steps of a run, in order, without sorting.
  "CREATE INDEX log_lines_by_run ON log_lines (run_id);"
  // value is NULL for NaN, which SQLite cannot store as a REAL.
  "CREATE TABLE metrics ("
  "  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step_id    TEXT NOT NULL,"
  "  name       TEXT NOT NULL,"
  "  value      REAL,"
  "  step_index INTEGER NOT NULL DEFAULT -1,"
  "  time       INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX metrics_by_run ON metrics (run_id, step_id, name);"
  "CREATE TABLE artifacts ("
  "  hash       TEXT PRIMARY KEY,"
  "  kind       TEXT NOT NULL,"
  "  size       INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  // The primary key starts with run_id, so it is also the index by run.
  // There is no foreign key to artifacts: a use may be recorded before the
  // artifact's own row, and gc removes objects, not their history.
  "CREATE TABLE artifact_uses ("
  "  run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  step_id   TEXT NOT NULL,"
  "  port      TEXT NOT NULL,"
  "  hash      TEXT NOT NULL,"
  "  is_output INTEGER NOT NULL,"
  "  PRIMARY KEY (run_id, step_id, is_output, port)"
  ");"
  "CREATE INDEX artifact_uses_by_hash ON artifact_uses (hash);",

  // 2: the interpreter and tool versions a step ran with, as a JSON object.
  "ALTER TABLE steps ADD COLUMN tool_versions TEXT;",

  // 3: every event of a run but its log lines (those are in log_lines), in
  // order, so a monitor in another process (the app, the server's event
  // stream) replays a run exactly and resumes after the last one it saw.
  // AUTOINCREMENT: seq only grows, it is a cursor.
  "CREATE TABLE events ("
  "  seq     INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  kind    TEXT NOT NULL,"
  "  step_id TEXT,"
  "  time    INTEGER NOT NULL DEFAULT 0,"
  "  state   TEXT,"
  "  attempt INTEGER NOT NULL DEFAULT 0,"
  "  text    TEXT,"
  "  name    TEXT,"
  "  value   REAL,"
  "  idx     INTEGER NOT NULL DEFAULT -1,"
  "  hash    TEXT"
  ");"
  "CREATE INDEX events_by_run ON events (run_id);",
};

#define SCHEMA_VERSION ((int) G_N_ELEMENTS (migrations))

// States in which a run or step has not finished; SQL for the same set.
// How long a recorded run may wait for its runner before it counts as lost.
#define RUNNER_START_GRACE_USEC (60 * G_USEC_PER_SEC)

#define UNFINISHED_STATES "('pending', 'queued', 'running')"

/* errors and statements ------------------------------------------------------ */

// Callers see one error domain: SQLite's errors become SLUICE_HISTORY_ERROR_SQLITE.
static gboolean
propagate (GError **error,
           GError  *sql_error)
{
  g_set_error_literal (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SQLITE, sql_error->message);
  g_error_free (sql_error);
  return FALSE;
}

static SluiceSqliteStatement *
prepare (SluiceHistory  *self,
         const char     *sql,
         GError        **error)
{
  GError *local_error = NULL;
  SluiceSqliteStatement *statement = sluice_sqlite_prepare (self->db, sql, &local_error);

  if (statement == NULL)
    propagate (error, local_error);
  return statement;
}

static int
step (SluiceHistory          *self,
      SluiceSqliteStatement  *statement,
      GError                **error)
{
  GError *local_error = NULL;
  int rc = sluice_sqlite_step (self->db, statement, &local_error);

  if (local_error != NULL)
    propagate (error, local_error);
  return rc;
}

static gboolean
step_done (SluiceHistory          *self,
           SluiceSqliteStatement  *statement,
           GError                **error)
{
  GError *local_error = NULL;

  return sluice_sqlite_step_done (self->db, statement, &local_error) || propagate (error, local_error);
}

static gboolean
exec (SluiceHistory  *self,
      const char     *sql,
      GError        **error)
{
  GError *local_error = NULL;

  return sluice_sqlite_exec (self->db, sql, &local_error) || propagate (error, local_error);
}

// A bind fails only for a wrong index (a bug here) or a value over SQLite's
// 1 GB limit; neither is worth an error path at every call.
static void
check_bind (int rc)
{
  if (G_UNLIKELY (rc != SQLITE_OK))
    g_warning ("could not bind an SQL parameter: %s", sqlite3_errstr (rc));
}

static void
bind_text (SluiceSqliteStatement *statement,
           int                    index,
           const char            *text)
{
  check_bind (sqlite3_bind_text (statement, index, text, -1, SQLITE_TRANSIENT));
}

static void
bind_int (SluiceSqliteStatement *statement,
          int                    index,
          gint64                 value)
{
  check_bind (sqlite3_bind_int64 (statement, index, value));
}

static void
bind_state (SluiceSqliteStatement *statement,
            int                    index,
            SluiceState            state)
{
  check_bind (sqlite3_bind_text (statement, index, sluice_state_to_string (state), -1, SQLITE_STATIC));
}

static char *
column_dup (SluiceSqliteStatement *statement,
            int                    column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static SluiceState
column_state (SluiceSqliteStatement *statement,
              int                    column)
{
  SluiceState state;

  // A state only a newer Sluice knows: failed is the safe reading, as it
  // is never reused and never taken for still running.
  if (!sluice_state_from_string ((const char *) sqlite3_column_text (statement, column), &state))
    return SLUICE_STATE_FAILED;
  return state;
}

/* opening -------------------------------------------------------------------- */

static void
sluice_history_finalize (GObject *object)
{
  SluiceHistory *self = (SluiceHistory *)object;

  g_clear_object (&self->db);

  G_OBJECT_CLASS (sluice_history_parent_class)->finalize (object);
}

static void
sluice_history_class_init (SluiceHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_history_finalize;
}

static void
sluice_history_init (SluiceHistory *self)
{
}

static int
read_version (SluiceHistory  *self,
              GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = prepare (self, "PRAGMA user_version", error);

  if (statement == NULL || step (self, statement, error) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (statement, 0);
}

static gboolean
check_version (SluiceHistory  *self,
               int             version,
               GError        **error)
{
  if (version <= SCHEMA_VERSION)
    return TRUE;

  g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SCHEMA,
               "the history database %s was written by a newer version of Sluice "
               "(schema version %d; this version knows up to %d); update Sluice to use it",
               sluice_sqlite_get_path (self->db), version, SCHEMA_VERSION);
  return FALSE;
}

static gboolean
apply_migrations (SluiceHistory  *self,
                  GError        **error)
{
  g_autofree char *set_version = NULL;
  int version;

  // Read again under the write lock: another process may have migrated
  // the file while this one waited for the lock.
  if ((version = read_version (self, error)) < 0 || !check_version (self, version, error))
    return FALSE;

  for (int v = version; v < SCHEMA_VERSION; v++)
    if (!exec (self, migrations[v], error))
      {
        g_prefix_error (error, "could not update the history database to schema version %d: ", v + 1);
        return FALSE;
      }

  // PRAGMA takes no parameters; the number is ours.
  set_version = g_strdup_printf ("PRAGMA user_version = %d", SCHEMA_VERSION);
  return exec (self, set_version, error);
}

static gboolean
migrate (SluiceHistory  *self,
         GError        **error)
{
  int version = read_version (self, error);

  if (version < 0 || !check_version (self, version, error))
    return FALSE;
  // The usual case, which needs no write lock.
  if (version == SCHEMA_VERSION)
    return TRUE;

  if (!sluice_history_begin (self, error))
    return FALSE;
  if (!apply_migrations (self, error) || !sluice_history_commit (self, error))
    {
      sluice_history_rollback (self);
      return FALSE;
    }
  return TRUE;
}

SluiceHistory *
sluice_history_open (const char  *path,
                     GError     **error)
{
  g_autoptr(SluiceHistory) self = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SLUICE_TYPE_HISTORY, NULL);
  if (!(self->db = sluice_sqlite_open (path, &local_error)))
    {
      propagate (error, local_error);
      return NULL;
    }

  if (!migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
sluice_history_begin (SluiceHistory  *self,
                      GError        **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  return sluice_sqlite_begin (self->db, &local_error) || propagate (error, local_error);
}

gboolean
sluice_history_commit (SluiceHistory  *self,
                       GError        **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  return sluice_sqlite_commit (self->db, &local_error) || propagate (error, local_error);
}

void
sluice_history_rollback (SluiceHistory *self)
{
  g_return_if_fail (SLUICE_IS_HISTORY (self));
  sluice_sqlite_rollback (self->db);
}

#define MAX_INTEGRITY_PROBLEMS 10

gboolean
sluice_history_check_integrity (SluiceHistory  *self,
                                GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);

  if (!(statement = prepare (self, "PRAGMA integrity_check(" G_STRINGIFY (MAX_INTEGRITY_PROBLEMS) ")", error)))
    return FALSE;

  // One row "ok" when all is well, else a row per problem.
  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (statement, 0);

      if (g_strcmp0 (text, "ok") == 0)
        continue;
      g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", text ? text : "?");
    }
  if (rc != SQLITE_DONE)
    return FALSE;

  if (problems->len > 0)
    {
      g_set_error (error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_SQLITE,
                   "the history database %s is damaged: %s", sluice_sqlite_get_path (self->db), problems->str);
      return FALSE;
    }
  return TRUE;
}

int
sluice_history_get_schema_version (SluiceHistory *self)
{
  g_return_val_if_fail (SLUICE_IS_HISTORY (self), -1);
  return read_version (self, NULL);
}

/* records -------------------------------------------------------------------- */

void
sluice_run_record_free (SluiceRunRecord *record)
{
  if (record == NULL)
    return;

  g_free (record->pipeline_name);
  g_free (record->pipeline_file);
  g_free (record->pipeline_json);
  g_free (record->params_json);
  g_free (record->host);
  g_free (record->user);
  g_free (record);
}

void
sluice_step_record_free (SluiceStepRecord *record)
{
  if (record == NULL)
    return;

  g_free (record->step_id);
  g_free (record->component_ref);
  g_free (record->component_json);
  g_free (record->code_hash);
  g_free (record->code_git_commit);
  g_free (record->tool_versions_json);
  g_free (record->cache_key);
  g_free (record->argv_json);
  g_free (record->message);
  g_free (record);
}

void
sluice_log_line_free (SluiceLogLine *line)
{
  if (line == NULL)
    return;

  g_free (line->step_id);
  g_free (line->text);
  g_free (line);
}

void
sluice_metric_free (SluiceMetric *metric)
{
  if (metric == NULL)
    return;

  g_free (metric->step_id);
  g_free (metric->name);
  g_free (metric);
}

void
sluice_cache_hit_free (SluiceCacheHit *hit)
{
  if (hit == NULL)
    return;

  g_free (hit->step_id);
  g_clear_pointer (&hit->outputs, g_hash_table_unref);
  g_free (hit);
}

void
sluice_artifact_use_free (SluiceArtifactUse *use)
{
  if (use == NULL)
    return;

  g_free (use->step_id);
  g_free (use->port);
  g_free (use->hash);
  g_free (use);
}

/* runs ----------------------------------------------------------------------- */

#define RUN_COLUMNS "id, pipeline_name, pipeline_file, pipeline_json, params_json, state, " \
                    "created_at, started_at, finished_at, runner_pid, host, user"

// Parameters 2 to 12, in RUN_COLUMNS order after id.
static void
bind_run (SluiceSqliteStatement *statement,
          const SluiceRunRecord *record)
{
  bind_text (statement, 2, record->pipeline_name);
  bind_text (statement, 3, record->pipeline_file);
  bind_text (statement, 4, record->pipeline_json);
  bind_text (statement, 5, record->params_json);
  bind_state (statement, 6, record->state);
  bind_int (statement, 7, record->created_at);
  bind_int (statement, 8, record->started_at);
  bind_int (statement, 9, record->finished_at);
  bind_int (statement, 10, record->runner_pid);
  bind_text (statement, 11, record->host);
  bind_text (statement, 12, record->user);
}

static SluiceRunRecord *
read_run (SluiceSqliteStatement *statement)
{
  SluiceRunRecord *record = g_new0 (SluiceRunRecord, 1);

  record->id = sqlite3_column_int64 (statement, 0);
  record->pipeline_name = column_dup (statement, 1);
  record->pipeline_file = column_dup (statement, 2);
  record->pipeline_json = column_dup (statement, 3);
  record->params_json = column_dup (statement, 4);
  record->state = column_state (statement, 5);
  record->created_at = sqlite3_column_int64 (statement, 6);
  record->started_at = sqlite3_column_int64 (statement, 7);
  record->finished_at = sqlite3_column_int64 (statement, 8);
  record->runner_pid = sqlite3_column_int64 (statement, 9);
  record->host = column_dup (statement, 10);
  record->user = column_dup (statement, 11);
  return record;
}

gboolean
sluice_history_create_run (SluiceHistory    *self,
                           SluiceRunRecord  *record,
                           GError          **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  // ?1 is the id, which SQLite chooses.
  statement = prepare (self, "INSERT INTO runs (" RUN_COLUMNS ") "
                             "VALUES (NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", error);
  if (statement == NULL)
    return FALSE;

  bind_run (statement, record);
  if (!step_done (self, statement, error))
    return FALSE;

  record->id = sluice_sqlite_last_insert_rowid (self->db);
  return TRUE;
}

G_GNUC_PRINTF (2, 3)
static gboolean
not_found (GError     **error,
           const char  *format,
           ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND, format, args));
  va_end (args);
  return FALSE;
}

gboolean
sluice_history_update_run (SluiceHistory          *self,
                           const SluiceRunRecord  *record,
                           GError                **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  statement = prepare (self, "UPDATE runs SET pipeline_name = ?2, pipeline_file = ?3, pipeline_json = ?4, "
                             "params_json = ?5, state = ?6, created_at = ?7, started_at = ?8, "
                             "finished_at = ?9, runner_pid = ?10, host = ?11, user = ?12 WHERE id = ?1", error);
  if (statement == NULL)
    return FALSE;

  bind_int (statement, 1, record->id);
  bind_run (statement, record);
  if (!step_done (self, statement, error))
    return FALSE;

  if (sluice_sqlite_changes (self->db) == 0)
    return not_found (error, "there is no run %" G_GINT64_FORMAT, record->id);
  return TRUE;
}

SluiceRunRecord *
sluice_history_get_run (SluiceHistory  *self,
                        gint64          run_id,
                        GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  int rc;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  if (!(statement = prepare (self, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1", error)))
    return NULL;

  bind_int (statement, 1, run_id);
  if ((rc = step (self, statement, error)) == SQLITE_ROW)
    return read_run (statement);
  if (rc == SQLITE_DONE)
    not_found (error, "there is no run %" G_GINT64_FORMAT, run_id);
  return NULL;
}

typedef gpointer (*ReadRowFunc) (SluiceSqliteStatement *statement);

// Steps statement to the end, reading each row with read into a new array.
static GPtrArray *
collect (SluiceHistory          *self,
         SluiceSqliteStatement  *statement,
         ReadRowFunc             read,
         GDestroyNotify          free_func,
         GError                **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    g_ptr_array_add (rows, read (statement));
  sluice_sqlite_statement_reset (statement);

  return rc == SQLITE_DONE ? g_steal_pointer (&rows) : NULL;
}

GPtrArray *
sluice_history_list_runs (SluiceHistory  *self,
                          const char     *pipeline_name,
                          guint           limit,
                          GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  statement = prepare (self, "SELECT " RUN_COLUMNS " FROM runs WHERE ?1 IS NULL OR pipeline_name = ?1 "
                             "ORDER BY id DESC LIMIT ?2", error);
  if (statement == NULL)
    return NULL;

  bind_text (statement, 1, pipeline_name);
  bind_int (statement, 2, limit == 0 ? -1 : (gint64) limit);   // a negative LIMIT is none
  return collect (self, statement, (ReadRowFunc) read_run, (GDestroyNotify) sluice_run_record_free, error);
}

char *
sluice_history_pipeline_path (const char *file)
{
  g_return_val_if_fail (file != NULL, NULL);

  // Symlinks are kept: the pipeline's relative references are resolved from
  // the folder it was opened in, which the runner must find again.
  return g_canonicalize_filename (file, NULL);
}

// The file a path names in the end, or the path made absolute when it does
// not exist (any more).
static char *
resolve_path (const char *path)
{
  char *real = realpath (path, NULL);
  char *resolved;

  if (real == NULL)
    return g_canonicalize_filename (path, NULL);
  resolved = g_strdup (real);
  free (real);
  return resolved;
}

static gboolean
is_of_resolved_file (const char *run_file,
                     const char *resolved_file)
{
  g_autofree char *resolved_run_file = NULL;
  g_autofree char *run_base = NULL;
  g_autofree char *base = NULL;

  if (run_file == NULL || *run_file == '\0')
    return FALSE;
  if (g_path_is_absolute (run_file))
    {
      resolved_run_file = resolve_path (run_file);
      return g_str_equal (resolved_run_file, resolved_file);
    }
  // Recorded relative to a folder nobody wrote down (older CLIs): the
  // file's name is all there is to go by, so that at least a pipeline of
  // the same name saved under another file name does not mix in. The
  // callers also match the pipeline's name.
  run_base = g_path_get_basename (run_file);
  base = g_path_get_basename (resolved_file);
  return g_str_equal (run_base, base);
}

gboolean
sluice_run_record_is_of_file (const SluiceRunRecord *record,
                              const char            *file)
{
  g_autofree char *resolved = NULL;

  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (file != NULL, FALSE);

  resolved = resolve_path (file);
  return is_of_resolved_file (record->pipeline_file, resolved);
}

// The ids of the matching runs, newest first. Only ids and paths are read,
// and each distinct path is resolved once: a history holds many runs of
// few files, and a file never run is looked for through all of them.
static GArray *
find_file_run_ids (SluiceHistory  *self,
                   const char     *pipeline_name,
                   const char     *resolved_file,
                   guint           limit,
                   GError        **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) matches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  SluiceSqliteStatement *statement;
  int rc = SQLITE_DONE;

  statement = prepare (self, "SELECT id, pipeline_file FROM runs WHERE ?1 IS NULL OR pipeline_name = ?1 "
                             "ORDER BY id DESC", error);
  if (statement == NULL)
    return NULL;

  bind_text (statement, 1, pipeline_name);
  while ((limit == 0 || ids->len < limit) && (rc = step (self, statement, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);
      const char *run_file = (const char *) sqlite3_column_text (statement, 1);
      gpointer match;

      if (run_file == NULL)
        continue;
      if (!g_hash_table_lookup_extended (matches, run_file, NULL, &match))
        {
          match = GINT_TO_POINTER (is_of_resolved_file (run_file, resolved_file));
          g_hash_table_insert (matches, g_strdup (run_file), match);
        }
      if (GPOINTER_TO_INT (match))
        g_array_append_val (ids, id);
    }
  sluice_sqlite_statement_reset (statement);
  // SQLITE_ROW: stopped at the limit.
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? g_steal_pointer (&ids) : NULL;
}

GPtrArray *
sluice_history_list_file_runs (SluiceHistory  *self,
                               const char     *pipeline_name,
                               const char     *file,
                               guint           limit,
                               GError        **error)
{
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_record_free);
  g_autofree char *resolved = NULL;
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);
  g_return_val_if_fail (file != NULL, NULL);

  resolved = resolve_path (file);
  if (!(ids = find_file_run_ids (self, pipeline_name, resolved, limit, error)))
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      SluiceRunRecord *record = sluice_history_get_run (self, g_array_index (ids, gint64, i), &local_error);

      // A run deleted in between (by `sluice gc`) is no longer one of them.
      if (record != NULL)
        g_ptr_array_add (runs, record);
      else if (!g_error_matches (local_error, SLUICE_HISTORY_ERROR, SLUICE_HISTORY_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&runs);
}

/* steps ---------------------------------------------------------------------- */

#define STEP_COLUMNS "run_id, step_id, component_ref, component_json, code_hash, code_git_commit, " \
                     "cache_key, state, attempts, exit_code, started_at, finished_at, argv_json, " \
                     "reused_from_run, message, tool_versions"

static SluiceStepRecord *
read_step (SluiceSqliteStatement *statement)
{
  SluiceStepRecord *record = g_new0 (SluiceStepRecord, 1);

  record->run_id = sqlite3_column_int64 (statement, 0);
  record->step_id = column_dup (statement, 1);
  record->component_ref = column_dup (statement, 2);
  record->component_json = column_dup (statement, 3);
  record->code_hash = column_dup (statement, 4);
  record->code_git_commit = column_dup (statement, 5);
  record->cache_key = column_dup (statement, 6);
  record->state = column_state (statement, 7);
  record->attempts = (guint) sqlite3_column_int64 (statement, 8);
  record->exit_code = sqlite3_column_int (statement, 9);
  record->started_at = sqlite3_column_int64 (statement, 10);
  record->finished_at = sqlite3_column_int64 (statement, 11);
  record->argv_json = column_dup (statement, 12);
  record->reused_from_run = sqlite3_column_int64 (statement, 13);
  record->message = column_dup (statement, 14);
  record->tool_versions_json = column_dup (statement, 15);
  return record;
}

// An upsert rather than INSERT OR REPLACE: REPLACE deletes the old row
// first, which is more work and would fire ON DELETE actions.
gboolean
sluice_history_put_step (SluiceHistory           *self,
                         const SluiceStepRecord  *record,
                         GError                 **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (record != NULL && record->step_id != NULL, FALSE);

  statement = prepare (self, "INSERT INTO steps (" STEP_COLUMNS ") "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                             "ON CONFLICT (run_id, step_id) DO UPDATE SET "
                             "component_ref = excluded.component_ref, component_json = excluded.component_json, "
                             "code_hash = excluded.code_hash, code_git_commit = excluded.code_git_commit, "
                             "cache_key = excluded.cache_key, state = excluded.state, "
                             "attempts = excluded.attempts, exit_code = excluded.exit_code, "
                             "started_at = excluded.started_at, finished_at = excluded.finished_at, "
                             "argv_json = excluded.argv_json, reused_from_run = excluded.reused_from_run, "
                             "message = excluded.message, tool_versions = excluded.tool_versions", error);
  if (statement == NULL)
    return FALSE;

  bind_int (statement, 1, record->run_id);
  bind_text (statement, 2, record->step_id);
  bind_text (statement, 3, record->component_ref);
  bind_text (statement, 4, record->component_json);
  bind_text (statement, 5, record->code_hash);
  bind_text (statement, 6, record->code_git_commit);
  bind_text (statement, 7, record->cache_key);
  bind_state (statement, 8, record->state);
  bind_int (statement, 9, record->attempts);
  bind_int (statement, 10, record->exit_code);
  bind_int (statement, 11, record->started_at);
  bind_int (statement, 12, record->finished_at);
  bind_text (statement, 13, record->argv_json);
  bind_int (statement, 14, record->reused_from_run);
  bind_text (statement, 15, record->message);
  bind_text (statement, 16, record->tool_versions_json);
  return step_done (self, statement, error);
}

SluiceStepRecord *
sluice_history_get_step (SluiceHistory  *self,
                         gint64          run_id,
                         const char     *step_id,
                         GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  int rc;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);
  g_return_val_if_fail (step_id != NULL, NULL);

  if (!(statement = prepare (self, "SELECT " STEP_COLUMNS " FROM steps WHERE run_id = ?1 AND step_id = ?2", error)))
    return NULL;

  bind_int (statement, 1, run_id);
  bind_text (statement, 2, step_id);
  if ((rc = step (self, statement, error)) == SQLITE_ROW)
    return read_step (statement);
  if (rc == SQLITE_DONE)
    not_found (error, "run %" G_GINT64_FORMAT " has no step '%s'", run_id, step_id);
  return NULL;
}

// In the order they were first recorded.
GPtrArray *
sluice_history_list_steps (SluiceHistory  *self,
                           gint64          run_id,
                           GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  if (!(statement = prepare (self, "SELECT " STEP_COLUMNS " FROM steps WHERE run_id = ?1 ORDER BY rowid", error)))
    return NULL;

  bind_int (statement, 1, run_id);
  return collect (self, statement, (ReadRowFunc) read_step, (GDestroyNotify) sluice_step_record_free, error);
}

// Recording the same attempt again (when it started, then when it ended)
// updates it.
gboolean
sluice_history_add_attempt (SluiceHistory  *self,
                            gint64          run_id,
                            const char     *step_id,
                            guint           attempt,
                            gint64          started_at,
                            gint64          finished_at,
                            gint            exit_code,
                            SluiceState     state,
                            GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  statement = prepare (self, "INSERT INTO attempts (run_id, step_id, attempt, started_at, finished_at, exit_code, state) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                             "ON CONFLICT (run_id, step_id, attempt) DO UPDATE SET "
                             "started_at = excluded.started_at, finished_at = excluded.finished_at, "
                             "exit_code = excluded.exit_code, state = excluded.state", error);
  if (statement == NULL)
    return FALSE;

  bind_int (statement, 1, run_id);
  bind_text (statement, 2, step_id);
  bind_int (statement, 3, attempt);
  bind_int (statement, 4, started_at);
  bind_int (statement, 5, finished_at);
  bind_int (statement, 6, exit_code);
  bind_state (statement, 7, state);
  return step_done (self, statement, error);
}

/* events --------------------------------------------------------------------- */

static gboolean
insert_event (SluiceHistory          *self,
              SluiceSqliteStatement  *statement,
              SluiceRunEvent         *event,
              GError                **error)
{
  gboolean has_state = event->kind == SLUICE_RUN_EVENT_RUN_STATE || event->kind == SLUICE_RUN_EVENT_STEP_STATE;

  bind_int (statement, 1, event->run_id);
  check_bind (sqlite3_bind_text (statement, 2, sluice_run_event_kind_to_string (event->kind), -1, SQLITE_STATIC));
  bind_text (statement, 3, event->step_id);
  bind_int (statement, 4, event->time);
  if (has_state)
    bind_state (statement, 5, event->state);
  bind_int (statement, 6, event->attempt);
  bind_text (statement, 7, event->text);
  bind_text (statement, 8, event->name);
  if (event->kind == SLUICE_RUN_EVENT_METRIC)
    check_bind (sqlite3_bind_double (statement, 9, event->value));
  bind_int (statement, 10, event->index);
  bind_text (statement, 11, event->hash);
  if (!step_done (self, statement, error))
    return FALSE;

  event->seq = sluice_sqlite_last_insert_rowid (self->db);
  return TRUE;
}

gboolean
sluice_history_add_events (SluiceHistory  *self,
                           GPtrArray      *events,
                           GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (events != NULL, FALSE);

  if (events->len == 0)
    return TRUE;

  statement = prepare (self, "INSERT INTO events (run_id, kind, step_id, time, state, attempt, text, name, value, idx, hash) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error);
  if (statement == NULL || !sluice_history_begin (self, error))
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (events, i);

      // Log lines have their own table; they are never stored twice.
      if (event->kind != SLUICE_RUN_EVENT_LOG && !insert_event (self, statement, event, error))
        {
          sluice_history_rollback (self);
          return FALSE;
        }
    }
  if (!sluice_history_commit (self, error))
    {
      sluice_history_rollback (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
kind_from_string (const char         *text,
                  SluiceRunEventKind *kind)
{
  static const SluiceRunEventKind kinds[] = {
    SLUICE_RUN_EVENT_RUN_STATE, SLUICE_RUN_EVENT_STEP_STATE, SLUICE_RUN_EVENT_LOG,
    SLUICE_RUN_EVENT_METRIC, SLUICE_RUN_EVENT_ARTIFACT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (text, sluice_run_event_kind_to_string (kinds[i])) == 0)
      {
        *kind = kinds[i];
        return TRUE;
      }
  return FALSE;
}

static SluiceRunEvent *
read_event (SluiceSqliteStatement *statement)
{
  SluiceRunEventKind kind;
  SluiceRunEvent *event;

  // A kind only a newer Sluice writes: skipped by the caller.
  if (!kind_from_string ((const char *) sqlite3_column_text (statement, 2), &kind))
    kind = (SluiceRunEventKind) -1;

  event = sluice_run_event_new (kind, sqlite3_column_int64 (statement, 1), (const char *) sqlite3_column_text (statement, 3));
  event->seq = sqlite3_column_int64 (statement, 0);
  event->time = sqlite3_column_int64 (statement, 4);
  if (sqlite3_column_type (statement, 5) != SQLITE_NULL)
    event->state = column_state (statement, 5);
  event->attempt = (guint) sqlite3_column_int64 (statement, 6);
  event->text = column_dup (statement, 7);
  event->name = column_dup (statement, 8);
  event->value = sqlite3_column_type (statement, 9) == SQLITE_NULL ? NAN : sqlite3_column_double (statement, 9);
  event->index = sqlite3_column_int64 (statement, 10);
  event->hash = column_dup (statement, 11);
  return event;
}

GPtrArray *
sluice_history_get_events (SluiceHistory  *self,
                           gint64          run_id,
                           gint64          after_seq,
                           guint           limit,
                           GError        **error)
{
  SluiceSqliteStatement *statement;
  g_autoptr(GPtrArray) events = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  statement = prepare (self, "SELECT seq, run_id, kind, step_id, time, state, attempt, text, name, value, idx, hash "
                             "FROM events WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3", error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, run_id);
  bind_int (statement, 2, after_seq);
  bind_int (statement, 3, limit == 0 ? -1 : (gint64) limit);
  events = collect (self, statement, (ReadRowFunc) read_event, (GDestroyNotify) sluice_run_event_free, error);
  if (events == NULL)
    return NULL;

  for (guint i = events->len; i > 0; i--)
    {
      SluiceRunEvent *event = g_ptr_array_index (events, i - 1);

      if ((int) event->kind < 0)
        g_ptr_array_remove_index (events, i - 1);
    }
  return g_steal_pointer (&events);
}

/* logs and metrics ----------------------------------------------------------- */

static gboolean
insert_log_line (SluiceHistory           *self,
                 SluiceSqliteStatement   *statement,
                 SluiceLogLine           *line,
                 GError                 **error)
{
  bind_int (statement, 1, line->run_id);
  bind_text (statement, 2, line->step_id);
  bind_int (statement, 3, line->attempt);
  check_bind (sqlite3_bind_text (statement, 4, &line->stream, 1, SQLITE_TRANSIENT));
  bind_int (statement, 5, line->time);
  bind_text (statement, 6, line->text ? line->text : "");
  if (!step_done (self, statement, error))
    return FALSE;

  line->seq = sluice_sqlite_last_insert_rowid (self->db);
  return TRUE;
}

static gboolean
insert_log_lines (SluiceHistory  *self,
                  GPtrArray      *lines,
                  GError        **error)
{
  SluiceSqliteStatement *statement;

  statement = prepare (self, "INSERT INTO log_lines (run_id, step_id, attempt, stream, time, text) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (statement == NULL)
    return FALSE;

  for (guint i = 0; i < lines->len; i++)
    if (!insert_log_line (self, statement, g_ptr_array_index (lines, i), error))
      return FALSE;
  return TRUE;
}

// All or none, in a transaction of their own (a savepoint, when the caller
// has one), which also makes them one disk write instead of one per line.
gboolean
sluice_history_add_log_lines (SluiceHistory  *self,
                              GPtrArray      *lines,
                              GError        **error)
{
  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (lines != NULL, FALSE);

  if (lines->len == 0)
    return TRUE;

  if (!sluice_history_begin (self, error))
    return FALSE;
  if (!insert_log_lines (self, lines, error) || !sluice_history_commit (self, error))
    {
      sluice_history_rollback (self);
      return FALSE;
    }
  return TRUE;
}

static SluiceLogLine *
read_log_line (SluiceSqliteStatement *statement)
{
  SluiceLogLine *line = g_new0 (SluiceLogLine, 1);
  const char *stream = (const char *) sqlite3_column_text (statement, 4);

  line->seq = sqlite3_column_int64 (statement, 0);
  line->run_id = sqlite3_column_int64 (statement, 1);
  line->step_id = column_dup (statement, 2);
  line->attempt = (guint) sqlite3_column_int64 (statement, 3);
  line->stream = stream ? stream[0] : '\0';
  line->time = sqlite3_column_int64 (statement, 5);
  line->text = column_dup (statement, 6);
  return line;
}

#define LOG_LINE_SELECT "SELECT seq, run_id, step_id, attempt, stream, time, text FROM log_lines "
#define LOG_LINE_FILTER "seq > ?2 AND (?3 = 0 OR attempt = ?3) ORDER BY seq LIMIT ?4"

GPtrArray *
sluice_history_get_log_lines (SluiceHistory  *self,
                              gint64          run_id,
                              const char     *step_id,
                              guint           attempt,
                              gint64          after_seq,
                              guint           limit,
                              GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  // Two statements, not "?5 IS NULL OR step_id = ?5": each has an index
  // that gives its rows in seq order, which `--follow` asks for often.
  if (step_id != NULL)
    statement = prepare (self, LOG_LINE_SELECT "WHERE run_id = ?1 AND step_id = ?5 AND " LOG_LINE_FILTER, error);
  else
    statement = prepare (self, LOG_LINE_SELECT "WHERE run_id = ?1 AND " LOG_LINE_FILTER, error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, run_id);
  bind_int (statement, 2, after_seq);
  bind_int (statement, 3, attempt);
  bind_int (statement, 4, limit == 0 ? -1 : (gint64) limit);
  if (step_id != NULL)
    bind_text (statement, 5, step_id);
  return collect (self, statement, (ReadRowFunc) read_log_line, (GDestroyNotify) sluice_log_line_free, error);
}

gboolean
sluice_history_add_metric (SluiceHistory       *self,
                           const SluiceMetric  *metric,
                           GError             **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (metric != NULL && metric->step_id != NULL && metric->name != NULL, FALSE);

  statement = prepare (self, "INSERT INTO metrics (run_id, step_id, name, value, step_index, time) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (statement == NULL)
    return FALSE;

  bind_int (statement, 1, metric->run_id);
  bind_text (statement, 2, metric->step_id);
  bind_text (statement, 3, metric->name);
  // SQLite binds NaN as NULL.
  check_bind (sqlite3_bind_double (statement, 4, metric->value));
  bind_int (statement, 5, metric->index);
  bind_int (statement, 6, metric->time);
  return step_done (self, statement, error);
}

static SluiceMetric *
read_metric (SluiceSqliteStatement *statement)
{
  SluiceMetric *metric = g_new0 (SluiceMetric, 1);

  metric->run_id = sqlite3_column_int64 (statement, 0);
  metric->step_id = column_dup (statement, 1);
  metric->name = column_dup (statement, 2);
  metric->value = sqlite3_column_type (statement, 3) == SQLITE_NULL ? NAN : sqlite3_column_double (statement, 3);
  metric->index = sqlite3_column_int64 (statement, 4);
  metric->time = sqlite3_column_int64 (statement, 5);
  return metric;
}

// In the order they were recorded.
GPtrArray *
sluice_history_get_metrics (SluiceHistory  *self,
                            gint64          run_id,
                            GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  statement = prepare (self, "SELECT run_id, step_id, name, value, step_index, time FROM metrics "
                             "WHERE run_id = ?1 ORDER BY rowid", error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, run_id);
  return collect (self, statement, (ReadRowFunc) read_metric, (GDestroyNotify) sluice_metric_free, error);
}

/* artifacts ------------------------------------------------------------------ */

// Content-addressed: the same hash is the same artifact, so the first
// record (and its created_at) stays.
gboolean
sluice_history_add_artifact (SluiceHistory  *self,
                             const char     *hash,
                             const char     *kind,
                             guint64         size,
                             GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (hash != NULL && kind != NULL, FALSE);

  statement = prepare (self, "INSERT INTO artifacts (hash, kind, size, created_at) VALUES (?1, ?2, ?3, ?4) "
                             "ON CONFLICT (hash) DO NOTHING", error);
  if (statement == NULL)
    return FALSE;

  bind_text (statement, 1, hash);
  bind_text (statement, 2, kind);
  bind_int (statement, 3, (gint64) MIN (size, (guint64) G_MAXINT64));
  bind_int (statement, 4, g_get_real_time ());
  return step_done (self, statement, error);
}

// A port holds one artifact: recording it again (a retried attempt)
// replaces the hash.
gboolean
sluice_history_add_artifact_use (SluiceHistory            *self,
                                 const SluiceArtifactUse  *use,
                                 GError                  **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (use != NULL && use->step_id != NULL && use->port != NULL && use->hash != NULL, FALSE);

  statement = prepare (self, "INSERT INTO artifact_uses (run_id, step_id, port, hash, is_output) "
                             "VALUES (?1, ?2, ?3, ?4, ?5) "
                             "ON CONFLICT (run_id, step_id, is_output, port) DO UPDATE SET hash = excluded.hash", error);
  if (statement == NULL)
    return FALSE;

  bind_int (statement, 1, use->run_id);
  bind_text (statement, 2, use->step_id);
  bind_text (statement, 3, use->port);
  bind_text (statement, 4, use->hash);
  bind_int (statement, 5, use->is_output ? 1 : 0);
  return step_done (self, statement, error);
}

#define USE_COLUMNS "run_id, step_id, port, hash, is_output"

static SluiceArtifactUse *
read_use (SluiceSqliteStatement *statement)
{
  SluiceArtifactUse *use = g_new0 (SluiceArtifactUse, 1);

  use->run_id = sqlite3_column_int64 (statement, 0);
  use->step_id = column_dup (statement, 1);
  use->port = column_dup (statement, 2);
  use->hash = column_dup (statement, 3);
  use->is_output = sqlite3_column_int (statement, 4) != 0;
  return use;
}

GPtrArray *
sluice_history_get_artifact_uses (SluiceHistory  *self,
                                  gint64          run_id,
                                  const char     *step_id,
                                  GError        **error)
{
  SluiceSqliteStatement *statement;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  statement = prepare (self, "SELECT " USE_COLUMNS " FROM artifact_uses "
                             "WHERE run_id = ?1 AND (?2 IS NULL OR step_id = ?2) ORDER BY rowid", error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, run_id);
  bind_text (statement, 2, step_id);
  return collect (self, statement, (ReadRowFunc) read_use, (GDestroyNotify) sluice_artifact_use_free, error);
}

SluiceArtifactUse *
sluice_history_find_producer (SluiceHistory  *self,
                              const char     *hash,
                              GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);
  g_return_val_if_fail (hash != NULL, NULL);

  statement = prepare (self, "SELECT " USE_COLUMNS " FROM artifact_uses WHERE hash = ?1 AND is_output = 1 "
                             "ORDER BY run_id, rowid LIMIT 1", error);
  if (statement == NULL)
    return NULL;

  bind_text (statement, 1, hash);
  return step (self, statement, error) == SQLITE_ROW ? read_use (statement) : NULL;
}

/* the reuse cache ------------------------------------------------------------ */

// output name -> hash of one step's recorded outputs, or NULL on error.
static GHashTable *
read_outputs (SluiceHistory  *self,
              gint64          run_id,
              const char     *step_id,
              GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  g_autoptr(GHashTable) outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  statement = prepare (self, "SELECT port, hash FROM artifact_uses "
                             "WHERE run_id = ?1 AND step_id = ?2 AND is_output = 1", error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, run_id);
  bind_text (statement, 2, step_id);
  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    g_hash_table_insert (outputs, column_dup (statement, 0), column_dup (statement, 1));

  return rc == SQLITE_DONE ? g_steal_pointer (&outputs) : NULL;
}

// Whether every output the step's component declares has a recorded
// artifact. Recording a use can fail without failing the step (the engine
// only warns), and reusing such a step would leave its consumers without
// an input. Without a readable spec, what was recorded has to do.
static gboolean
outputs_complete (const char *component_json,
                  GHashTable *outputs)
{
  g_autoptr(SluiceJsonDoc) doc = NULL;
  g_autoptr(GList) names = NULL;
  JsonNode *root;
  JsonObject *spec;

  if (component_json == NULL ||
      !(doc = sluice_json_doc_parse (component_json, strlen (component_json), NULL, NULL, NULL)))
    return TRUE;

  root = sluice_json_doc_get_root (doc);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return TRUE;
  spec = json_node_get_object (root);
  if (!json_object_has_member (spec, "outputs") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (spec, "outputs")))
    return TRUE;

  names = json_object_get_members (json_object_get_object_member (spec, "outputs"));
  for (GList *l = names; l != NULL; l = l->next)
    if (!g_hash_table_contains (outputs, l->data))
      return FALSE;
  return TRUE;
}

static SluiceCacheHit *
cache_hit_new (gint64      run_id,
               const char *step_id,
               GHashTable *outputs)
{
  SluiceCacheHit *hit = g_new0 (SluiceCacheHit, 1);

  hit->run_id = run_id;
  hit->step_id = g_strdup (step_id);
  hit->outputs = outputs;
  return hit;
}

// Only 'succeeded' rows: a 'reused' row names outputs it did not make, and
// following those would hide which run really made them.
SluiceCacheHit *
sluice_history_lookup_cache (SluiceHistory  *self,
                             const char     *cache_key,
                             GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  int rc;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  if (cache_key == NULL)
    return NULL;

  statement = prepare (self, "SELECT run_id, step_id, component_json FROM steps "
                             "WHERE cache_key = ?1 AND state = 'succeeded' "
                             "ORDER BY finished_at DESC, run_id DESC, step_id", error);
  if (statement == NULL)
    return NULL;

  bind_text (statement, 1, cache_key);
  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    {
      gint64 run_id = sqlite3_column_int64 (statement, 0);
      const char *step_id = (const char *) sqlite3_column_text (statement, 1);
      g_autoptr(GHashTable) outputs = read_outputs (self, run_id, step_id, error);

      if (outputs == NULL)
        return NULL;
      if (outputs_complete ((const char *) sqlite3_column_text (statement, 2), outputs))
        return cache_hit_new (run_id, step_id, g_steal_pointer (&outputs));
    }

  return NULL;
}

/* recovery and gc ------------------------------------------------------------ */

static gboolean
runner_alive (gint64 pid)
{
  if (pid <= 0 || pid > G_MAXINT)
    return FALSE;
  // EPERM: alive, only someone else's.
  return kill ((pid_t) pid, 0) == 0 || errno != ESRCH;
}

// Ids of unfinished runs whose runner is gone. Only runs of this machine:
// a pid says nothing about a process elsewhere (a history on a shared
// home folder).
static GArray *
find_orphans (SluiceHistory  *self,
              GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  // A run recorded a moment ago whose runner has not started yet (pid 0,
  // still pending) is not an orphan: `run --detach`, the app and the server
  // record the run first, then start its runner.
  statement = prepare (self, "SELECT id, runner_pid FROM runs "
                             "WHERE state IN " UNFINISHED_STATES " AND (host IS NULL OR host = ?1) "
                             "AND NOT (runner_pid = 0 AND state = 'pending' AND created_at > ?2)", error);
  if (statement == NULL)
    return NULL;

  bind_text (statement, 1, g_get_host_name ());
  bind_int (statement, 2, g_get_real_time () - RUNNER_START_GRACE_USEC);
  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (statement, 0);

      if (!runner_alive (sqlite3_column_int64 (statement, 1)))
        g_array_append_val (ids, id);
    }

  return rc == SQLITE_DONE ? g_steal_pointer (&ids) : NULL;
}

static void
kill_orphans_of (SluiceHistory *self,
                 gint64         run_id)
{
  g_autofree char *store_root = g_path_get_dirname (sluice_sqlite_get_path (self->db));
  guint killed = sluice_process_kill_orphans (store_root, run_id);

  if (killed > 0)
    g_debug ("run %" G_GINT64_FORMAT ": stopped %u process groups its dead runner left", run_id, killed);
}

// Whether it changed the run; the state test makes two processes doing
// this at once harmless.
static gboolean
interrupt_run (SluiceHistory  *self,
               gint64          run_id,
               gint64          now,
               gboolean       *changed,
               GError        **error)
{
  SluiceSqliteStatement *statement;

  statement = prepare (self, "UPDATE runs SET state = 'interrupted', finished_at = ?2 "
                             "WHERE id = ?1 AND state IN " UNFINISHED_STATES, error);
  if (statement == NULL)
    return FALSE;
  bind_int (statement, 1, run_id);
  bind_int (statement, 2, now);
  if (!step_done (self, statement, error))
    return FALSE;
  if (!(*changed = sluice_sqlite_changes (self->db) > 0))
    return TRUE;

  // Its runner is gone; the steps it started must not run on unseen,
  // writing into the store. The store is the folder of this database.
  kill_orphans_of (self, run_id);

  // Steps that never started keep finished_at unset.
  statement = prepare (self, "UPDATE steps SET state = 'interrupted', "
                             "finished_at = CASE WHEN started_at > 0 AND finished_at = 0 THEN ?2 ELSE finished_at END "
                             "WHERE run_id = ?1 AND state IN " UNFINISHED_STATES, error);
  if (statement == NULL)
    return FALSE;
  bind_int (statement, 1, run_id);
  bind_int (statement, 2, now);
  return step_done (self, statement, error);
}

static gboolean
interrupt_runs (SluiceHistory  *self,
                GArray         *ids,
                guint          *count,
                GError        **error)
{
  gint64 now = g_get_real_time ();

  for (guint i = 0; i < ids->len; i++)
    {
      gboolean changed = FALSE;

      if (!interrupt_run (self, g_array_index (ids, gint64, i), now, &changed, error))
        return FALSE;
      *count += changed ? 1 : 0;
    }
  return TRUE;
}

guint
sluice_history_mark_interrupted (SluiceHistory  *self,
                                 GError        **error)
{
  g_autoptr(GArray) ids = NULL;
  guint count = 0;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), 0);

  // Looked for first, outside a transaction: usually there is nothing to
  // do, and readers should not take the write lock for nothing.
  if (!(ids = find_orphans (self, error)) || ids->len == 0)
    return 0;

  if (!sluice_history_begin (self, error))
    return 0;
  if (!interrupt_runs (self, ids, &count, error) || !sluice_history_commit (self, error))
    {
      sluice_history_rollback (self);
      return 0;
    }
  return count;
}

// Runs not finished yet count whatever keep_runs says: an older run still
// running must not lose its inputs to gc.
GHashTable *
sluice_history_referenced_artifacts (SluiceHistory  *self,
                                     guint           keep_runs,
                                     GError        **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  g_autoptr(GHashTable) hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  g_return_val_if_fail (SLUICE_IS_HISTORY (self), NULL);

  statement = prepare (self, "SELECT DISTINCT hash FROM artifact_uses "
                             "WHERE run_id IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?1) "
                             "OR run_id IN (SELECT id FROM runs WHERE state IN " UNFINISHED_STATES ")", error);
  if (statement == NULL)
    return NULL;

  bind_int (statement, 1, keep_runs == 0 ? -1 : (gint64) keep_runs);
  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    g_hash_table_add (hashes, column_dup (statement, 0));

  return rc == SQLITE_DONE ? g_steal_pointer (&hashes) : NULL;
}
