// SPDX-License-Identifier: GPL-3.0-or-later
//
// Modelled on Epiphany's EphySQLiteConnection, with a statement cache: the
// runner writes log lines every ~100 ms, and parsing the same INSERT each
// time would cost more than running it.

#include "config.h"

#include "sluice-sqlite.h"

#define BUSY_TIMEOUT_MS      5000
#define MAX_SQL_IN_MESSAGE   160
#define SAVEPOINT_NAME       "sluice_nested"

struct _SluiceSqlite
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   // SQL text -> sqlite3_stmt*, owned
  guint       depth;        // transactions begun and not yet ended
};

G_DEFINE_FINAL_TYPE (SluiceSqlite, sluice_sqlite, G_TYPE_OBJECT)

G_DEFINE_QUARK (sluice-sqlite-error-quark, sluice_sqlite_error)

static void
sluice_sqlite_finalize (GObject *object)
{
  SluiceSqlite *self = (SluiceSqlite *)object;

  // Statements first: sqlite3_close() refuses to close with any left.
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("could not close %s: %s", self->path, sqlite3_errmsg (self->db));
  self->db = NULL;
  g_free (self->path);

  G_OBJECT_CLASS (sluice_sqlite_parent_class)->finalize (object);
}

static void
sluice_sqlite_class_init (SluiceSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_sqlite_finalize;
}

static void
sluice_sqlite_init (SluiceSqlite *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
}

// Multi-line SQL on one line, cut short, for error messages.
static char *
shorten_sql (const char *sql)
{
  GString *s = g_string_new (NULL);
  gboolean space = FALSE;
  const char *p;

  for (p = sql; *p != '\0' && s->len < MAX_SQL_IN_MESSAGE; p = g_utf8_next_char (p))
    {
      if (g_ascii_isspace (*p))
        {
          space = s->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (s, ' ');
      space = FALSE;
      g_string_append_len (s, p, g_utf8_next_char (p) - p);
    }
  if (*p != '\0')
    g_string_append (s, "…");

  return g_string_free (s, FALSE);
}

static void
set_error (SluiceSqlite  *self,
           int            code,
           const char    *sql,
           GError       **error)
{
  g_autofree char *short_sql = shorten_sql (sql ? sql : "");

  g_set_error (error, SLUICE_SQLITE_ERROR, code & 0xff, "%s (while running “%s”)",
               sqlite3_errmsg (self->db), short_sql);
}

// SQLite only says "unable to open database file"; a missing folder is the
// usual reason, and worth naming.
static gboolean
check_folder (const char  *path,
              GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);

  if (g_file_test (folder, G_FILE_TEST_IS_DIR))
    return TRUE;

  g_set_error (error, SLUICE_SQLITE_ERROR, SQLITE_CANTOPEN,
               "cannot open database %s: the folder %s does not exist", path, folder);
  return FALSE;
}

// Readers do not block the writer, and the writer does not block readers,
// only with a write-ahead log. Some file systems (network ones) cannot have
// one; the database still works there, just with more waiting.
static gboolean
enable_wal (SluiceSqlite  *self,
            GError       **error)
{
  g_autoptr(SluiceSqliteStatement) statement = NULL;
  const char *mode;
  int rc;

  if (!(statement = sluice_sqlite_prepare (self, "PRAGMA journal_mode = WAL", error)))
    return FALSE;
  if ((rc = sluice_sqlite_step (self, statement, error)) != SQLITE_ROW)
    return rc == SQLITE_DONE;

  mode = (const char *) sqlite3_column_text (statement, 0);
  if (g_strcmp0 (mode, "wal") != 0 && g_strcmp0 (mode, "memory") != 0)
    g_warning ("%s: cannot use a write-ahead log (journal mode is %s); readers will wait for writers",
               self->path, mode ? mode : "unknown");
  return TRUE;
}

static gboolean
configure (SluiceSqlite  *self,
           GError       **error)
{
  // Before anything else: switching to WAL needs a lock another process may hold.
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  // NORMAL in WAL mode: a crash of the process loses nothing committed; a
  // power cut may lose the last transactions, but never corrupts the file.
  return enable_wal (self, error) &&
         sluice_sqlite_exec (self, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", error);
}

SluiceSqlite *
sluice_sqlite_open (const char  *path,
                    GError     **error)
{
  g_autoptr(SluiceSqlite) self = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_str_equal (path, ":memory:") && !check_folder (path, error))
    return NULL;

  self = g_object_new (SLUICE_TYPE_SQLITE, NULL);
  self->path = g_strdup (path);

  // Even when it fails, sqlite3_open_v2() usually returns a handle, which
  // holds the message and which finalize closes.
  if ((rc = sqlite3_open_v2 (path, &self->db, flags, NULL)) != SQLITE_OK)
    {
      g_set_error (error, SLUICE_SQLITE_ERROR, rc & 0xff, "cannot open database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  if (!configure (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
sluice_sqlite_get_path (SluiceSqlite *self)
{
  g_return_val_if_fail (SLUICE_IS_SQLITE (self), NULL);
  return self->path;
}

gboolean
sluice_sqlite_exec (SluiceSqlite  *self,
                    const char    *sql,
                    GError       **error)
{
  int rc;

  g_return_val_if_fail (SLUICE_IS_SQLITE (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  if ((rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
    {
      set_error (self, rc, sql, error);
      return FALSE;
    }
  return TRUE;
}

void
sluice_sqlite_statement_reset (SluiceSqliteStatement *statement)
{
  if (statement == NULL)
    return;

  // reset's result repeats the last step's error, which was reported then.
  sqlite3_reset (statement);
  sqlite3_clear_bindings (statement);
}

static gboolean
only_space (const char *text)
{
  while (*text != '\0' && g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

static sqlite3_stmt *
compile (SluiceSqlite  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3_stmt *statement = NULL;
  const char *tail = NULL;
  int rc;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, &tail);
  if (rc != SQLITE_OK)
    {
      set_error (self, rc, sql, error);
      return NULL;
    }

  // Only the first statement would ever run; that is a mistake worth catching.
  if (statement == NULL || !only_space (tail))
    {
      g_autofree char *short_sql = shorten_sql (sql);

      sqlite3_finalize (statement);
      g_set_error (error, SLUICE_SQLITE_ERROR, SQLITE_MISUSE,
                   "expected exactly one SQL statement in “%s”", short_sql);
      return NULL;
    }

  return statement;
}

SluiceSqliteStatement *
sluice_sqlite_prepare (SluiceSqlite  *self,
                       const char    *sql,
                       GError       **error)
{
  sqlite3_stmt *statement;

  g_return_val_if_fail (SLUICE_IS_SQLITE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  if ((statement = g_hash_table_lookup (self->statements, sql)) != NULL)
    {
      sluice_sqlite_statement_reset (statement);
      return statement;
    }

  if (!(statement = compile (self, sql, error)))
    return NULL;

  g_hash_table_insert (self->statements, g_strdup (sql), statement);
  return statement;
}

int
sluice_sqlite_step (SluiceSqlite           *self,
                    SluiceSqliteStatement  *statement,
                    GError                **error)
{
  int rc;

  g_return_val_if_fail (SLUICE_IS_SQLITE (self), SQLITE_MISUSE);
  g_return_val_if_fail (statement != NULL, SQLITE_MISUSE);

  // SQLITE_BUSY only comes back once busy_timeout has run out.
  rc = sqlite3_step (statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    set_error (self, rc, sqlite3_sql (statement), error);
  return rc;
}

gboolean
sluice_sqlite_step_done (SluiceSqlite           *self,
                         SluiceSqliteStatement  *statement,
                         GError                **error)
{
  int rc = sluice_sqlite_step (self, statement, error);

  if (rc == SQLITE_ROW)
    {
      g_autofree char *short_sql = shorten_sql (sqlite3_sql (statement));

      g_set_error (error, SLUICE_SQLITE_ERROR, SQLITE_MISUSE,
                   "“%s” returned rows where none were expected", short_sql);
    }
  sluice_sqlite_statement_reset (statement);
  return rc == SQLITE_DONE;
}

static gboolean
run (SluiceSqlite  *self,
     const char    *sql,
     GError       **error)
{
  SluiceSqliteStatement *statement = sluice_sqlite_prepare (self, sql, error);

  return statement != NULL && sluice_sqlite_step_done (self, statement, error);
}

// A transaction SQLite ended on its own: it rolls back by itself on some
// errors (a full disk, an I/O error), whatever our counter says.
static gboolean
transaction_lost (SluiceSqlite *self)
{
  return sqlite3_get_autocommit (self->db) != 0;
}

gboolean
sluice_sqlite_begin (SluiceSqlite  *self,
                     GError       **error)
{
  const char *sql;

  g_return_val_if_fail (SLUICE_IS_SQLITE (self), FALSE);

  // IMMEDIATE takes the write lock now, waiting for it if needed. A
  // deferred transaction that reads and then writes fails at once with
  // SQLITE_BUSY when another connection wrote in between: waiting can't help.
  sql = self->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT " SAVEPOINT_NAME;
  if (!run (self, sql, error))
    return FALSE;

  self->depth++;
  return TRUE;
}

// On failure the transaction stays open (the caller rolls it back).
gboolean
sluice_sqlite_commit (SluiceSqlite  *self,
                      GError       **error)
{
  const char *sql;

  g_return_val_if_fail (SLUICE_IS_SQLITE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  if (transaction_lost (self))
    {
      g_set_error (error, SLUICE_SQLITE_ERROR, SQLITE_ABORT,
                   "%s: the transaction was rolled back after an earlier error", self->path);
      return FALSE;
    }

  sql = self->depth == 1 ? "COMMIT" : "RELEASE " SAVEPOINT_NAME;
  if (!run (self, sql, error))
    return FALSE;

  self->depth--;
  return TRUE;
}

void
sluice_sqlite_rollback (SluiceSqlite *self)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_return_if_fail (SLUICE_IS_SQLITE (self));

  if (self->depth == 0)
    return;

  self->depth--;
  if (transaction_lost (self))
    return;

  if (self->depth == 0)
    ok = run (self, "ROLLBACK", &error);
  else
    // ROLLBACK TO keeps the savepoint open; RELEASE ends it.
    ok = run (self, "ROLLBACK TO " SAVEPOINT_NAME, &error) && run (self, "RELEASE " SAVEPOINT_NAME, &error);

  if (!ok)
    g_warning ("%s: %s", self->path, error->message);
}

guint
sluice_sqlite_get_transaction_depth (SluiceSqlite *self)
{
  g_return_val_if_fail (SLUICE_IS_SQLITE (self), 0);
  return self->depth;
}

gint64
sluice_sqlite_last_insert_rowid (SluiceSqlite *self)
{
  g_return_val_if_fail (SLUICE_IS_SQLITE (self), 0);
  return sqlite3_last_insert_rowid (self->db);
}

gint64
sluice_sqlite_changes (SluiceSqlite *self)
{
  g_return_val_if_fail (SLUICE_IS_SQLITE (self), 0);
  return sqlite3_changes64 (self->db);
}
