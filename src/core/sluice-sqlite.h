// SPDX-License-Identifier: GPL-3.0-or-later
//
// A small SQLite connection: WAL, prepared statements cached by their SQL,
// nestable transactions and errors as GError. One connection per thread
// (it is opened without SQLite's own mutex).

#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define SLUICE_SQLITE_ERROR (sluice_sqlite_error_quark ())

// The error code is SQLite's primary result code: SQLITE_BUSY,
// SQLITE_CONSTRAINT, SQLITE_CANTOPEN, SQLITE_CORRUPT, …

// A statement owned by the connection's cache. g_autoptr() resets it when
// it goes out of scope, which ends the read it may hold open.
typedef sqlite3_stmt SluiceSqliteStatement;

#define SLUICE_TYPE_SQLITE (sluice_sqlite_get_type ())

G_DECLARE_FINAL_TYPE (SluiceSqlite, sluice_sqlite, SLUICE, SQLITE, GObject)

GQuark                 sluice_sqlite_error_quark   (void);

// Creates the file if needed. journal_mode=WAL, synchronous=NORMAL,
// busy_timeout 5 s (waits for other writers instead of failing with
// SQLITE_BUSY), foreign_keys=ON.
SluiceSqlite          *sluice_sqlite_open          (const char             *path,
                                                    GError                **error);
const char            *sluice_sqlite_get_path      (SluiceSqlite           *self);
// Runs one or more statements that return no rows worth reading.
gboolean               sluice_sqlite_exec          (SluiceSqlite           *self,
                                                    const char             *sql,
                                                    GError                **error);
// The cached statement for sql, reset and with no bindings. Parameters
// are bound with sqlite3_bind_*() (1-based) and columns read with
// sqlite3_column_*(). sql should be a constant: every distinct text stays
// prepared for the connection's lifetime. A statement must not be used
// again through another prepare while its rows are still being read.
SluiceSqliteStatement *sluice_sqlite_prepare       (SluiceSqlite           *self,
                                                    const char             *sql,
                                                    GError                **error);
// SQLITE_ROW or SQLITE_DONE; any other result code comes with error set.
int                    sluice_sqlite_step          (SluiceSqlite           *self,
                                                    SluiceSqliteStatement  *statement,
                                                    GError                **error);
// Steps a statement that returns no rows (INSERT, UPDATE, …) to its end.
gboolean               sluice_sqlite_step_done     (SluiceSqlite           *self,
                                                    SluiceSqliteStatement  *statement,
                                                    GError                **error);
// Resets it and clears its bindings; the connection keeps it prepared.
void                   sluice_sqlite_statement_reset (SluiceSqliteStatement *statement);

// Transactions nest: the outermost is BEGIN IMMEDIATE … COMMIT, inner ones
// are savepoints, so a function can make its own writes atomic whether or
// not its caller opened a transaction.
gboolean               sluice_sqlite_begin         (SluiceSqlite           *self,
                                                    GError                **error);
gboolean               sluice_sqlite_commit        (SluiceSqlite           *self,
                                                    GError                **error);
// Undoes the innermost transaction. Without one it does nothing, so error
// paths may call it unconditionally.
void                   sluice_sqlite_rollback      (SluiceSqlite           *self);
guint                  sluice_sqlite_get_transaction_depth (SluiceSqlite *self);

gint64                 sluice_sqlite_last_insert_rowid (SluiceSqlite       *self);
// Rows changed by the last INSERT, UPDATE or DELETE.
gint64                 sluice_sqlite_changes       (SluiceSqlite           *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceSqliteStatement, sluice_sqlite_statement_reset)

G_END_DECLS
