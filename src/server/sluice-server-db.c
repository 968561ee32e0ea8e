// SPDX-License-Identifier: GPL-3.0-or-later
//
// Every statement is a constant, so SluiceSqlite prepares it once. The
// server is the only writer but `sluice-server token …` runs while it
// serves, hence WAL and the busy timeout of SluiceSqlite.

#include "config.h"

#include "sluice-server-db.h"
#include "sluice-sqlite.h"

struct _SluiceServerDb
{
  GObject       parent_instance;

  SluiceSqlite *db;
};

G_DEFINE_FINAL_TYPE (SluiceServerDb, sluice_server_db, G_TYPE_OBJECT)

G_DEFINE_QUARK (sluice-server-db-error-quark, sluice_server_db_error)

// Migration i brings the schema from version i to i + 1 (PRAGMA
// user_version). Never edit one that has shipped; append a new one.
static const char * const migrations[] = {
  // 1: the initial schema.
  "CREATE TABLE tokens ("
  "  name        TEXT PRIMARY KEY,"
  "  role        TEXT NOT NULL,"
  "  hash        TEXT NOT NULL,"
  "  created_at  INTEGER NOT NULL,"
  "  revoked_at  INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE audit ("
  "  id      INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  time    INTEGER NOT NULL,"
  "  token   TEXT,"
  "  method  TEXT NOT NULL,"
  "  path    TEXT NOT NULL,"
  "  status  INTEGER NOT NULL"
  ");"
  "CREATE TABLE pipelines ("
  "  id          TEXT PRIMARY KEY,"
  "  name        TEXT,"
  "  steps       INTEGER NOT NULL,"
  "  created_at  INTEGER NOT NULL,"
  "  created_by  TEXT"
  ");"
  "CREATE TABLE runs ("
  "  run_id       INTEGER PRIMARY KEY,"
  "  pipeline_id  TEXT NOT NULL REFERENCES pipelines (id),"
  "  published    TEXT,"
  "  version      INTEGER NOT NULL DEFAULT 0,"
  "  schedule_id  INTEGER NOT NULL DEFAULT 0,"
  "  started_by   TEXT"
  ");"
  "CREATE INDEX runs_by_pipeline ON runs (pipeline_id, run_id);"
  "CREATE TABLE published ("
  "  name         TEXT NOT NULL,"
  "  version      INTEGER NOT NULL,"
  "  pipeline_id  TEXT NOT NULL REFERENCES pipelines (id),"
  "  inputs_json  TEXT NOT NULL,"
  "  created_at   INTEGER NOT NULL,"
  "  created_by   TEXT,"
  "  PRIMARY KEY (name, version)"
  ");"
  "CREATE TABLE schedules ("
  "  id                INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  published         TEXT NOT NULL,"
  "  cron              TEXT,"
  "  interval_seconds  INTEGER NOT NULL DEFAULT 0,"
  "  timezone          TEXT NOT NULL,"
  "  inputs_json       TEXT NOT NULL,"
  "  paused            INTEGER NOT NULL DEFAULT 0,"
  "  created_at        INTEGER NOT NULL,"
  "  created_by        TEXT,"
  "  last_fire_at      INTEGER NOT NULL DEFAULT 0,"
  "  last_run_id       INTEGER NOT NULL DEFAULT 0"
  ");",
};

#define SCHEMA_VERSION ((int) G_N_ELEMENTS (migrations))

/* records --------------------------------------------------------------------- */

static const char * const role_names[] = { "viewer", "runner", "admin" };

const char *
sluice_role_to_string (SluiceRole role)
{
  g_return_val_if_fail (role <= SLUICE_ROLE_ADMIN, "viewer");
  return role_names[role];
}

gboolean
sluice_role_from_string (const char *text,
                         SluiceRole *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (g_strcmp0 (text, role_names[i]) == 0)
      {
        *role = (SluiceRole) i;
        return TRUE;
      }
  return FALSE;
}

void
sluice_token_free (SluiceToken *token)
{
  if (token == NULL)
    return;
  g_free (token->name);
  g_free (token->hash);
  g_free (token);
}

void
sluice_audit_entry_free (SluiceAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->token);
  g_free (entry->method);
  g_free (entry->path);
  g_free (entry);
}

void
sluice_server_pipeline_free (SluiceServerPipeline *pipeline)
{
  if (pipeline == NULL)
    return;
  g_free (pipeline->id);
  g_free (pipeline->name);
  g_free (pipeline->created_by);
  g_free (pipeline);
}

void
sluice_server_run_free (SluiceServerRun *run)
{
  if (run == NULL)
    return;
  g_free (run->pipeline_id);
  g_free (run->published);
  g_free (run->started_by);
  g_free (run);
}

void
sluice_published_free (SluicePublished *published)
{
  if (published == NULL)
    return;
  g_free (published->name);
  g_free (published->pipeline_id);
  g_free (published->inputs_json);
  g_free (published->created_by);
  g_free (published);
}

void
sluice_schedule_free (SluiceSchedule *schedule)
{
  if (schedule == NULL)
    return;
  g_free (schedule->published);
  g_free (schedule->cron);
  g_free (schedule->timezone);
  g_free (schedule->inputs_json);
  g_free (schedule->created_by);
  g_free (schedule);
}

/* statements ------------------------------------------------------------------ */

static gboolean
propagate (GError **error,
           GError  *sql_error)
{
  g_set_error_literal (error, SLUICE_SERVER_DB_ERROR,
                       sql_error->code == SQLITE_CONSTRAINT ? SLUICE_SERVER_DB_ERROR_EXISTS : SLUICE_SERVER_DB_ERROR_SQLITE,
                       sql_error->message);
  g_error_free (sql_error);
  return FALSE;
}

static SluiceSqliteStatement *
prepare (SluiceServerDb  *self,
         const char      *sql,
         GError         **error)
{
  GError *local_error = NULL;
  SluiceSqliteStatement *statement = sluice_sqlite_prepare (self->db, sql, &local_error);

  if (statement == NULL)
    propagate (error, local_error);
  return statement;
}

static int
step (SluiceServerDb         *self,
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
step_done (SluiceServerDb         *self,
           SluiceSqliteStatement  *statement,
           GError                **error)
{
  GError *local_error = NULL;

  return sluice_sqlite_step_done (self->db, statement, &local_error) || propagate (error, local_error);
}

static gboolean
exec (SluiceServerDb  *self,
      const char      *sql,
      GError         **error)
{
  GError *local_error = NULL;

  return sluice_sqlite_exec (self->db, sql, &local_error) || propagate (error, local_error);
}

static void
bind_text (SluiceSqliteStatement *statement,
           int                    index,
           const char            *text)
{
  if (G_UNLIKELY (sqlite3_bind_text (statement, index, text, -1, SQLITE_TRANSIENT) != SQLITE_OK))
    g_warning ("could not bind an SQL parameter");
}

static void
bind_int (SluiceSqliteStatement *statement,
          int                    index,
          gint64                 value)
{
  if (G_UNLIKELY (sqlite3_bind_int64 (statement, index, value) != SQLITE_OK))
    g_warning ("could not bind an SQL parameter");
}

static char *
column_dup (SluiceSqliteStatement *statement,
            int                    column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_NOT_FOUND, "%s does not exist", what);
  return FALSE;
}

// Reads every row of a statement whose parameters are bound into records
// made by read_row.
typedef gpointer (*ReadRow) (SluiceSqliteStatement *statement);

static GPtrArray *
read_rows (SluiceServerDb         *self,
           SluiceSqliteStatement  *statement,
           ReadRow                 read_row,
           GDestroyNotify          free_row,
           GError                **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int rc;

  while ((rc = step (self, statement, error)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_row (statement));
  return rc == SQLITE_DONE ? g_steal_pointer (&rows) : NULL;
}

static gpointer
read_one (SluiceServerDb         *self,
          SluiceSqliteStatement  *statement,
          ReadRow                 read_row,
          const char             *what,
          GError                **error)
{
  int rc = step (self, statement, error);

  if (rc == SQLITE_ROW)
    return read_row (statement);
  if (rc == SQLITE_DONE)
    not_found (error, what);
  return NULL;
}

/* opening ---------------------------------------------------------------------- */

static void
sluice_server_db_finalize (GObject *object)
{
  SluiceServerDb *self = (SluiceServerDb *) object;

  g_clear_object (&self->db);
  G_OBJECT_CLASS (sluice_server_db_parent_class)->finalize (object);
}

static void
sluice_server_db_class_init (SluiceServerDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_server_db_finalize;
}

static void
sluice_server_db_init (SluiceServerDb *self)
{
}

static int
read_version (SluiceServerDb  *self,
              GError         **error)
{
  g_autoptr(SluiceSqliteStatement) statement = prepare (self, "PRAGMA user_version", error);

  if (statement == NULL || step (self, statement, error) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (statement, 0);
}

static gboolean
migrate (SluiceServerDb  *self,
         GError         **error)
{
  g_autofree char *set_version = NULL;
  GError *local_error = NULL;
  int version;

  if (!sluice_sqlite_begin (self->db, &local_error))
    return propagate (error, local_error);
  // Read under the write lock: a second process may have migrated meanwhile.
  if ((version = read_version (self, error)) < 0)
    goto fail;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_SCHEMA,
                   "%s was written by a newer sluice-server (schema %d, this one knows up to %d)",
                   sluice_sqlite_get_path (self->db), version, SCHEMA_VERSION);
      goto fail;
    }
  for (int v = version; v < SCHEMA_VERSION; v++)
    if (!exec (self, migrations[v], error))
      goto fail;
  // PRAGMA takes no parameters; the number is ours.
  set_version = g_strdup_printf ("PRAGMA user_version = %d", SCHEMA_VERSION);
  if (!exec (self, set_version, error))
    goto fail;
  if (!sluice_sqlite_commit (self->db, &local_error))
    {
      propagate (error, local_error);
      goto fail;
    }
  return TRUE;

fail:
  sluice_sqlite_rollback (self->db);
  return FALSE;
}

SluiceServerDb *
sluice_server_db_open (const char  *path,
                       GError     **error)
{
  g_autoptr(SluiceServerDb) self = g_object_new (SLUICE_TYPE_SERVER_DB, NULL);
  GError *local_error = NULL;

  if (!(self->db = sluice_sqlite_open (path, &local_error)))
    {
      propagate (error, local_error);
      return NULL;
    }
  if (!migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* tokens ----------------------------------------------------------------------- */

gboolean
sluice_server_db_add_token (SluiceServerDb     *self,
                            const SluiceToken  *token,
                            GError            **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)", error);
  GError *local_error = NULL;

  if (s == NULL)
    return FALSE;
  bind_text (s, 1, token->name);
  bind_text (s, 2, sluice_role_to_string (token->role));
  bind_text (s, 3, token->hash);
  bind_int (s, 4, token->created_at);
  if (!step_done (self, s, &local_error))
    {
      if (g_error_matches (local_error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_EXISTS))
        {
          g_error_free (local_error);
          g_set_error (error, SLUICE_SERVER_DB_ERROR, SLUICE_SERVER_DB_ERROR_EXISTS,
                       "a token named '%s' exists already", token->name);
          return FALSE;
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gpointer
read_token (SluiceSqliteStatement *s)
{
  SluiceToken *token = g_new0 (SluiceToken, 1);

  token->name = column_dup (s, 0);
  if (!sluice_role_from_string ((const char *) sqlite3_column_text (s, 1), &token->role))
    token->role = SLUICE_ROLE_VIEWER;   // a role only a newer server knows: the least power
  token->hash = column_dup (s, 2);
  token->created_at = sqlite3_column_int64 (s, 3);
  token->revoked_at = sqlite3_column_int64 (s, 4);
  return token;
}

GPtrArray *
sluice_server_db_list_tokens (SluiceServerDb  *self,
                              gboolean         include_revoked,
                              GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT name, role, hash, created_at, revoked_at FROM tokens WHERE ? OR revoked_at = 0 ORDER BY name", error);

  if (s == NULL)
    return NULL;
  bind_int (s, 1, include_revoked);
  return read_rows (self, s, read_token, (GDestroyNotify) sluice_token_free, error);
}

gboolean
sluice_server_db_revoke_token (SluiceServerDb  *self,
                               const char      *name,
                               GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at = 0", error);
  g_autofree char *what = g_strdup_printf ("a valid token named '%s'", name);

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, g_get_real_time ());
  bind_text (s, 2, name);
  if (!step_done (self, s, error))
    return FALSE;
  return sluice_sqlite_changes (self->db) > 0 || not_found (error, what);
}

/* audit ------------------------------------------------------------------------ */

#define AUDIT_KEEP 100000
#define AUDIT_PRUNE_EVERY 1000

gboolean
sluice_server_db_add_audit (SluiceServerDb          *self,
                            const SluiceAuditEntry  *entry,
                            GError                 **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "INSERT INTO audit (time, token, method, path, status) VALUES (?, ?, ?, ?, ?)", error);

  gint64 id;

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, entry->time);
  bind_text (s, 2, entry->token);
  bind_text (s, 3, entry->method);
  bind_text (s, 4, entry->path);
  bind_int (s, 5, entry->status);
  if (!step_done (self, s, error))
    return FALSE;

  // Now and then, forget the oldest entries beyond the newest AUDIT_KEEP.
  id = sluice_sqlite_last_insert_rowid (self->db);
  if (id % AUDIT_PRUNE_EVERY == 0)
    {
      g_autoptr(SluiceSqliteStatement) prune = prepare (self, "DELETE FROM audit WHERE id <= ?", error);

      if (prune == NULL)
        return FALSE;
      bind_int (prune, 1, id - AUDIT_KEEP);
      return step_done (self, prune, error);
    }
  return TRUE;
}

static gpointer
read_audit (SluiceSqliteStatement *s)
{
  SluiceAuditEntry *entry = g_new0 (SluiceAuditEntry, 1);

  entry->id = sqlite3_column_int64 (s, 0);
  entry->time = sqlite3_column_int64 (s, 1);
  entry->token = column_dup (s, 2);
  entry->method = column_dup (s, 3);
  entry->path = column_dup (s, 4);
  entry->status = (guint) sqlite3_column_int (s, 5);
  return entry;
}

GPtrArray *
sluice_server_db_list_audit (SluiceServerDb  *self,
                             guint            limit,
                             GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT id, time, token, method, path, status FROM audit ORDER BY id DESC LIMIT ?", error);

  if (s == NULL)
    return NULL;
  bind_int (s, 1, limit > 0 ? (gint64) limit : -1);
  return read_rows (self, s, read_audit, (GDestroyNotify) sluice_audit_entry_free, error);
}

/* pipelines -------------------------------------------------------------------- */

gboolean
sluice_server_db_add_pipeline (SluiceServerDb              *self,
                               const SluiceServerPipeline  *pipeline,
                               GError                     **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "INSERT OR IGNORE INTO pipelines (id, name, steps, created_at, created_by) VALUES (?, ?, ?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  bind_text (s, 1, pipeline->id);
  bind_text (s, 2, pipeline->name);
  bind_int (s, 3, pipeline->steps);
  bind_int (s, 4, pipeline->created_at);
  bind_text (s, 5, pipeline->created_by);
  return step_done (self, s, error);
}

static gpointer
read_pipeline (SluiceSqliteStatement *s)
{
  SluiceServerPipeline *p = g_new0 (SluiceServerPipeline, 1);

  p->id = column_dup (s, 0);
  p->name = column_dup (s, 1);
  p->steps = (guint) sqlite3_column_int (s, 2);
  p->created_at = sqlite3_column_int64 (s, 3);
  p->created_by = column_dup (s, 4);
  return p;
}

SluiceServerPipeline *
sluice_server_db_get_pipeline (SluiceServerDb  *self,
                               const char      *id,
                               GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT id, name, steps, created_at, created_by FROM pipelines WHERE id = ?", error);
  g_autofree char *what = g_strdup_printf ("pipeline %s", id);

  if (s == NULL)
    return NULL;
  bind_text (s, 1, id);
  return read_one (self, s, read_pipeline, what, error);
}

GPtrArray *
sluice_server_db_list_pipelines (SluiceServerDb  *self,
                                 GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT id, name, steps, created_at, created_by FROM pipelines ORDER BY created_at DESC, id", error);

  if (s == NULL)
    return NULL;
  return read_rows (self, s, read_pipeline, (GDestroyNotify) sluice_server_pipeline_free, error);
}

/* runs ------------------------------------------------------------------------- */

gboolean
sluice_server_db_add_run (SluiceServerDb         *self,
                          const SluiceServerRun  *run,
                          GError                **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "INSERT OR REPLACE INTO runs (run_id, pipeline_id, published, version, schedule_id, started_by) "
    "VALUES (?, ?, ?, ?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, run->run_id);
  bind_text (s, 2, run->pipeline_id);
  bind_text (s, 3, run->published);
  bind_int (s, 4, run->version);
  bind_int (s, 5, run->schedule_id);
  bind_text (s, 6, run->started_by);
  return step_done (self, s, error);
}

static gpointer
read_run (SluiceSqliteStatement *s)
{
  SluiceServerRun *run = g_new0 (SluiceServerRun, 1);

  run->run_id = sqlite3_column_int64 (s, 0);
  run->pipeline_id = column_dup (s, 1);
  run->published = column_dup (s, 2);
  run->version = (guint) sqlite3_column_int (s, 3);
  run->schedule_id = sqlite3_column_int64 (s, 4);
  run->started_by = column_dup (s, 5);
  return run;
}

SluiceServerRun *
sluice_server_db_get_run (SluiceServerDb  *self,
                          gint64           run_id,
                          GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT run_id, pipeline_id, published, version, schedule_id, started_by FROM runs WHERE run_id = ?", error);
  g_autofree char *what = g_strdup_printf ("run %" G_GINT64_FORMAT, run_id);

  if (s == NULL)
    return NULL;
  bind_int (s, 1, run_id);
  return read_one (self, s, read_run, what, error);
}

GPtrArray *
sluice_server_db_list_runs (SluiceServerDb  *self,
                           const char      *pipeline_id,
                           guint            limit,
                           GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT run_id, pipeline_id, published, version, schedule_id, started_by FROM runs "
    "WHERE ?1 IS NULL OR pipeline_id = ?1 ORDER BY run_id DESC LIMIT ?2", error);

  if (s == NULL)
    return NULL;
  bind_text (s, 1, pipeline_id);
  bind_int (s, 2, limit > 0 ? (gint64) limit : -1);
  return read_rows (self, s, read_run, (GDestroyNotify) sluice_server_run_free, error);
}

/* published -------------------------------------------------------------------- */

gboolean
sluice_server_db_publish (SluiceServerDb   *self,
                          SluicePublished  *published,
                          GError          **error)
{
  g_autoptr(SluiceSqliteStatement) s = NULL;
  GError *local_error = NULL;

  // The version number is read and used under one write lock.
  if (!sluice_sqlite_begin (self->db, &local_error))
    return propagate (error, local_error);
  s = prepare (self,
    "INSERT INTO published (name, version, pipeline_id, inputs_json, created_at, created_by) "
    "VALUES (?1, (SELECT IFNULL(MAX(version), 0) + 1 FROM published WHERE name = ?1), ?2, ?3, ?4, ?5) "
    "RETURNING version", error);
  if (s == NULL)
    goto fail;
  bind_text (s, 1, published->name);
  bind_text (s, 2, published->pipeline_id);
  bind_text (s, 3, published->inputs_json);
  bind_int (s, 4, published->created_at);
  bind_text (s, 5, published->created_by);
  if (step (self, s, error) != SQLITE_ROW)
    goto fail;
  published->version = (guint) sqlite3_column_int (s, 0);
  if (step (self, s, error) != SQLITE_DONE)
    goto fail;
  sluice_sqlite_statement_reset (g_steal_pointer (&s));
  if (!sluice_sqlite_commit (self->db, &local_error))
    {
      propagate (error, local_error);
      goto fail;
    }
  return TRUE;

fail:
  g_clear_pointer (&s, sluice_sqlite_statement_reset);
  sluice_sqlite_rollback (self->db);
  return FALSE;
}

static gpointer
read_published (SluiceSqliteStatement *s)
{
  SluicePublished *p = g_new0 (SluicePublished, 1);

  p->name = column_dup (s, 0);
  p->version = (guint) sqlite3_column_int (s, 1);
  p->pipeline_id = column_dup (s, 2);
  p->inputs_json = column_dup (s, 3);
  p->created_at = sqlite3_column_int64 (s, 4);
  p->created_by = column_dup (s, 5);
  return p;
}

SluicePublished *
sluice_server_db_get_published (SluiceServerDb  *self,
                                const char      *name,
                                guint            version,
                                GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT name, version, pipeline_id, inputs_json, created_at, created_by FROM published "
    "WHERE name = ?1 AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1", error);
  g_autofree char *what = version > 0 ? g_strdup_printf ("version %u of published pipeline '%s'", version, name)
                                      : g_strdup_printf ("published pipeline '%s'", name);

  if (s == NULL)
    return NULL;
  bind_text (s, 1, name);
  bind_int (s, 2, version);
  return read_one (self, s, read_published, what, error);
}

GPtrArray *
sluice_server_db_list_published (SluiceServerDb  *self,
                                 GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT name, version, pipeline_id, inputs_json, created_at, created_by FROM published p "
    "WHERE version = (SELECT MAX(version) FROM published WHERE name = p.name) ORDER BY name", error);

  if (s == NULL)
    return NULL;
  return read_rows (self, s, read_published, (GDestroyNotify) sluice_published_free, error);
}

GPtrArray *
sluice_server_db_list_versions (SluiceServerDb  *self,
                                const char      *name,
                                GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT name, version, pipeline_id, inputs_json, created_at, created_by FROM published "
    "WHERE name = ? ORDER BY version", error);

  if (s == NULL)
    return NULL;
  bind_text (s, 1, name);
  return read_rows (self, s, read_published, (GDestroyNotify) sluice_published_free, error);
}

/* schedules -------------------------------------------------------------------- */

gboolean
sluice_server_db_add_schedule (SluiceServerDb  *self,
                               SluiceSchedule  *schedule,
                               GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "INSERT INTO schedules (published, cron, interval_seconds, timezone, inputs_json, paused, created_at, created_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (s == NULL)
    return FALSE;
  bind_text (s, 1, schedule->published);
  bind_text (s, 2, schedule->cron);
  bind_int (s, 3, schedule->interval_seconds);
  bind_text (s, 4, schedule->timezone);
  bind_text (s, 5, schedule->inputs_json);
  bind_int (s, 6, schedule->paused);
  bind_int (s, 7, schedule->created_at);
  bind_text (s, 8, schedule->created_by);
  if (!step_done (self, s, error))
    return FALSE;
  schedule->id = sluice_sqlite_last_insert_rowid (self->db);
  return TRUE;
}

static gpointer
read_schedule (SluiceSqliteStatement *s)
{
  SluiceSchedule *schedule = g_new0 (SluiceSchedule, 1);

  schedule->id = sqlite3_column_int64 (s, 0);
  schedule->published = column_dup (s, 1);
  schedule->cron = column_dup (s, 2);
  schedule->interval_seconds = (guint) sqlite3_column_int (s, 3);
  schedule->timezone = column_dup (s, 4);
  schedule->inputs_json = column_dup (s, 5);
  schedule->paused = sqlite3_column_int (s, 6) != 0;
  schedule->created_at = sqlite3_column_int64 (s, 7);
  schedule->created_by = column_dup (s, 8);
  schedule->last_fire_at = sqlite3_column_int64 (s, 9);
  schedule->last_run_id = sqlite3_column_int64 (s, 10);
  return schedule;
}

SluiceSchedule *
sluice_server_db_get_schedule (SluiceServerDb  *self,
                               gint64           id,
                               GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT id, published, cron, interval_seconds, timezone, inputs_json, paused, created_at, created_by, "
    "last_fire_at, last_run_id FROM schedules WHERE id = ?", error);
  g_autofree char *what = g_strdup_printf ("schedule %" G_GINT64_FORMAT, id);

  if (s == NULL)
    return NULL;
  bind_int (s, 1, id);
  return read_one (self, s, read_schedule, what, error);
}

GPtrArray *
sluice_server_db_list_schedules (SluiceServerDb  *self,
                                 GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "SELECT id, published, cron, interval_seconds, timezone, inputs_json, paused, created_at, created_by, "
    "last_fire_at, last_run_id FROM schedules ORDER BY id", error);

  if (s == NULL)
    return NULL;
  return read_rows (self, s, read_schedule, (GDestroyNotify) sluice_schedule_free, error);
}

static gboolean
check_schedule_changed (SluiceServerDb  *self,
                        gint64           id,
                        GError         **error)
{
  g_autofree char *what = NULL;

  if (sluice_sqlite_changes (self->db) > 0)
    return TRUE;
  what = g_strdup_printf ("schedule %" G_GINT64_FORMAT, id);
  return not_found (error, what);
}

gboolean
sluice_server_db_set_schedule_paused (SluiceServerDb  *self,
                                      gint64           id,
                                      gboolean         paused,
                                      GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self, "UPDATE schedules SET paused = ? WHERE id = ?", error);

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, paused);
  bind_int (s, 2, id);
  return step_done (self, s, error) && check_schedule_changed (self, id, error);
}

gboolean
sluice_server_db_set_schedule_fired (SluiceServerDb  *self,
                                     gint64           id,
                                     gint64           time,
                                     gint64           run_id,
                                     GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self,
    "UPDATE schedules SET last_fire_at = ?, last_run_id = ? WHERE id = ?", error);

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, time);
  bind_int (s, 2, run_id);
  bind_int (s, 3, id);
  return step_done (self, s, error) && check_schedule_changed (self, id, error);
}

gboolean
sluice_server_db_delete_schedule (SluiceServerDb  *self,
                                  gint64           id,
                                  GError         **error)
{
  g_autoptr(SluiceSqliteStatement) s = prepare (self, "DELETE FROM schedules WHERE id = ?", error);

  if (s == NULL)
    return FALSE;
  bind_int (s, 1, id);
  return step_done (self, s, error) && check_schedule_changed (self, id, error);
}
