// SPDX-License-Identifier: GPL-3.0-or-later
//
// The server's own database (DATA/server.db): access tokens (hashed), the
// audit log, uploaded pipelines, which run came from where, published
// pipelines and schedules. Run history itself stays in the store's
// history.db, shared with the runners.

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SLUICE_SERVER_DB_ERROR (sluice_server_db_error_quark ())

typedef enum
{
  SLUICE_SERVER_DB_ERROR_SQLITE,
  SLUICE_SERVER_DB_ERROR_NOT_FOUND,
  SLUICE_SERVER_DB_ERROR_EXISTS,
  SLUICE_SERVER_DB_ERROR_SCHEMA,
} SluiceServerDbError;

typedef enum
{
  SLUICE_ROLE_VIEWER,
  SLUICE_ROLE_RUNNER,
  SLUICE_ROLE_ADMIN,
} SluiceRole;

// Times are microseconds since the epoch.
typedef struct
{
  char       *name;
  SluiceRole  role;
  char       *hash;           // hex SHA-256 of the token
  gint64      created_at;
  gint64      revoked_at;     // 0 while valid
} SluiceToken;

typedef struct
{
  gint64  id;
  gint64  time;
  char   *token;              // NULL when the request had no valid token
  char   *method;
  char   *path;
  guint   status;
} SluiceAuditEntry;

typedef struct
{
  char   *id;                 // content hash, see sluice-server-pipelines.c
  char   *name;
  guint   steps;
  gint64  created_at;
  char   *created_by;
} SluiceServerPipeline;

typedef struct
{
  gint64  run_id;
  char   *pipeline_id;
  char   *published;          // NULL unless started through a published pipeline
  guint   version;
  gint64  schedule_id;        // 0 unless a schedule fired it
  char   *started_by;         // token name
} SluiceServerRun;

typedef struct
{
  char   *name;
  guint   version;
  char   *pipeline_id;
  char   *inputs_json;        // default inputs, a JSON object
  gint64  created_at;
  char   *created_by;
} SluicePublished;

typedef struct
{
  gint64    id;
  char     *published;
  char     *cron;             // NULL for interval schedules
  guint     interval_seconds; // 0 for cron schedules
  char     *timezone;
  char     *inputs_json;
  gboolean  paused;
  gint64    created_at;
  char     *created_by;
  gint64    last_fire_at;     // 0 = never
  gint64    last_run_id;
} SluiceSchedule;

void         sluice_token_free            (SluiceToken          *token);
void         sluice_audit_entry_free      (SluiceAuditEntry     *entry);
void         sluice_server_pipeline_free  (SluiceServerPipeline *pipeline);
void         sluice_server_run_free       (SluiceServerRun      *run);
void         sluice_published_free        (SluicePublished      *published);
void         sluice_schedule_free         (SluiceSchedule       *schedule);
const char  *sluice_role_to_string        (SluiceRole            role);
gboolean     sluice_role_from_string      (const char           *text,
                                           SluiceRole           *role);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceToken, sluice_token_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceAuditEntry, sluice_audit_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceServerPipeline, sluice_server_pipeline_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceServerRun, sluice_server_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluicePublished, sluice_published_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceSchedule, sluice_schedule_free)

#define SLUICE_TYPE_SERVER_DB (sluice_server_db_get_type ())

G_DECLARE_FINAL_TYPE (SluiceServerDb, sluice_server_db, SLUICE, SERVER_DB, GObject)

GQuark          sluice_server_db_error_quark     (void);
SluiceServerDb *sluice_server_db_open            (const char      *path,
                                                  GError         **error);

// Tokens. Names are unique, also among revoked ones.
gboolean        sluice_server_db_add_token       (SluiceServerDb  *self,
                                                  const SluiceToken *token,
                                                  GError         **error);
GPtrArray      *sluice_server_db_list_tokens     (SluiceServerDb  *self,
                                                  gboolean         include_revoked,
                                                  GError         **error);
gboolean        sluice_server_db_revoke_token    (SluiceServerDb  *self,
                                                  const char      *name,
                                                  GError         **error);

gboolean        sluice_server_db_add_audit       (SluiceServerDb  *self,
                                                  const SluiceAuditEntry *entry,
                                                  GError         **error);
// Newest first.
GPtrArray      *sluice_server_db_list_audit      (SluiceServerDb  *self,
                                                  guint            limit,
                                                  GError         **error);

// Pipelines: adding one that exists is not an error (the id is its content).
gboolean        sluice_server_db_add_pipeline    (SluiceServerDb  *self,
                                                  const SluiceServerPipeline *pipeline,
                                                  GError         **error);
SluiceServerPipeline *sluice_server_db_get_pipeline (SluiceServerDb *self,
                                                  const char      *id,
                                                  GError         **error);
GPtrArray      *sluice_server_db_list_pipelines  (SluiceServerDb  *self,
                                                  GError         **error);

gboolean        sluice_server_db_add_run         (SluiceServerDb  *self,
                                                  const SluiceServerRun *run,
                                                  GError         **error);
SluiceServerRun *sluice_server_db_get_run        (SluiceServerDb  *self,
                                                  gint64           run_id,
                                                  GError         **error);
// Newest first; pipeline_id NULL for all; limit 0 = no limit.
GPtrArray      *sluice_server_db_list_runs       (SluiceServerDb  *self,
                                                  const char      *pipeline_id,
                                                  guint            limit,
                                                  GError         **error);

// Publishing makes the next version of name; published->version is set.
gboolean        sluice_server_db_publish         (SluiceServerDb  *self,
                                                  SluicePublished *published,
                                                  GError         **error);
// version 0 = the newest.
SluicePublished *sluice_server_db_get_published  (SluiceServerDb  *self,
                                                  const char      *name,
                                                  guint            version,
                                                  GError         **error);
// The newest version of every name, by name.
GPtrArray      *sluice_server_db_list_published  (SluiceServerDb  *self,
                                                  GError         **error);
// Every version of one name, oldest first; empty when there is none.
GPtrArray      *sluice_server_db_list_versions   (SluiceServerDb  *self,
                                                  const char      *name,
                                                  GError         **error);

// add fills schedule->id.
gboolean        sluice_server_db_add_schedule    (SluiceServerDb  *self,
                                                  SluiceSchedule  *schedule,
                                                  GError         **error);
SluiceSchedule *sluice_server_db_get_schedule    (SluiceServerDb  *self,
                                                  gint64           id,
                                                  GError         **error);
GPtrArray      *sluice_server_db_list_schedules  (SluiceServerDb  *self,
                                                  GError         **error);
gboolean        sluice_server_db_set_schedule_paused (SluiceServerDb *self,
                                                  gint64           id,
                                                  gboolean         paused,
                                                  GError         **error);
gboolean        sluice_server_db_set_schedule_fired (SluiceServerDb *self,
                                                  gint64           id,
                                                  gint64           time,
                                                  gint64           run_id,
                                                  GError         **error);
gboolean        sluice_server_db_delete_schedule (SluiceServerDb  *self,
                                                  gint64           id,
                                                  GError         **error);

G_END_DECLS
