// SPDX-License-Identifier: GPL-3.0-or-later
//
// Run history in SQLite: runs, steps, attempts, logs, metrics, artifacts,
// lineage and the reuse cache. One database per store, WAL mode, so the
// detached runner writes while the CLI or the app reads.

#pragma once

#include <glib-object.h>

#include "sluice-run-event.h"
#include "sluice-state.h"

G_BEGIN_DECLS

#define SLUICE_HISTORY_ERROR (sluice_history_error_quark ())

typedef enum
{
  SLUICE_HISTORY_ERROR_SQLITE,
  SLUICE_HISTORY_ERROR_NOT_FOUND,
  SLUICE_HISTORY_ERROR_SCHEMA,     // the database is from a newer Sluice
} SluiceHistoryError;

// Times are microseconds since the Unix epoch (g_get_real_time()); 0 = unset.
typedef struct
{
  gint64       id;
  char        *pipeline_name;
  char        *pipeline_file;    // absolute; rows older than that may be relative to the CLI's cwd
  char        *pipeline_json;    // the exact pipeline the run used
  char        *params_json;      // {"input": value, …} overrides given with --set
  SluiceState  state;
  gint64       created_at;
  gint64       started_at;
  gint64       finished_at;
  gint64       runner_pid;       // 0 when no runner owns it
  char        *host;
  char        *user;
} SluiceRunRecord;

typedef struct
{
  gint64       run_id;
  char        *step_id;
  char        *component_ref;
  char        *component_json;   // the exact component spec used
  char        *code_hash;        // tree hash of its code folder, or NULL
  char        *code_git_commit;  // HEAD of the git repository holding the code folder, or NULL
  char        *cache_key;
  SluiceState  state;
  guint        attempts;
  gint         exit_code;        // -1 when it never exited
  gint64       started_at;
  gint64       finished_at;
  char        *argv_json;        // ["prog", "arg", …] of the last attempt
  gint64       reused_from_run;  // for reused steps: the run that produced the outputs
  char        *message;          // why it failed / was skipped, or NULL
  char        *tool_versions_json; // {"python": "Python 3.11.2", …} the step ran with, or NULL
} SluiceStepRecord;

typedef struct
{
  gint64  seq;                   // increasing per database; for --follow
  gint64  run_id;
  char   *step_id;
  guint   attempt;
  char    stream;                // 'o' stdout, 'e' stderr, 's' Sluice's own notes
  gint64  time;
  char   *text;                  // one line, without its newline
} SluiceLogLine;

typedef struct
{
  gint64  run_id;
  char   *step_id;
  char   *name;
  double  value;
  gint64  index;                 // the optional "step" of the metric line, -1 if none
  gint64  time;
} SluiceMetric;

typedef struct
{
  gint64      run_id;            // the run and step that produced the outputs
  char       *step_id;
  GHashTable *outputs;           // output name -> artifact hash
} SluiceCacheHit;

typedef struct
{
  gint64  run_id;
  char   *step_id;
  char   *port;                  // input or output name
  char   *hash;
  gboolean is_output;
} SluiceArtifactUse;

void  sluice_run_record_free     (SluiceRunRecord  *record);
void  sluice_step_record_free    (SluiceStepRecord *record);
void  sluice_log_line_free       (SluiceLogLine    *line);
void  sluice_metric_free         (SluiceMetric     *metric);
void  sluice_cache_hit_free      (SluiceCacheHit   *hit);
void  sluice_artifact_use_free   (SluiceArtifactUse *use);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceRunRecord, sluice_run_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceStepRecord, sluice_step_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceCacheHit, sluice_cache_hit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceArtifactUse, sluice_artifact_use_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceLogLine, sluice_log_line_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceMetric, sluice_metric_free)

#define SLUICE_TYPE_HISTORY (sluice_history_get_type ())

G_DECLARE_FINAL_TYPE (SluiceHistory, sluice_history, SLUICE, HISTORY, GObject)

GQuark          sluice_history_error_quark       (void);

// Opens (creating and migrating) the database: WAL, synchronous=NORMAL,
// busy_timeout 5 s, foreign_keys on.
SluiceHistory  *sluice_history_open              (const char        *path,
                                                  GError           **error);
gboolean        sluice_history_begin             (SluiceHistory     *self,
                                                  GError           **error);
gboolean        sluice_history_commit            (SluiceHistory     *self,
                                                  GError           **error);
void            sluice_history_rollback          (SluiceHistory     *self);
gboolean        sluice_history_check_integrity   (SluiceHistory     *self,
                                                  GError           **error);
int             sluice_history_get_schema_version(SluiceHistory     *self);

// Runs. create fills record->id.
gboolean        sluice_history_create_run        (SluiceHistory     *self,
                                                  SluiceRunRecord   *record,
                                                  GError           **error);
gboolean        sluice_history_update_run        (SluiceHistory     *self,
                                                  const SluiceRunRecord *record,
                                                  GError           **error);
SluiceRunRecord *sluice_history_get_run          (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  GError           **error);
// Newest first; pipeline_name NULL for all. limit 0 = no limit.
GPtrArray      *sluice_history_list_runs         (SluiceHistory     *self,
                                                  const char        *pipeline_name,
                                                  guint              limit,
                                                  GError           **error);
// The runs of the pipeline saved at file, newest first: those named
// pipeline_name (NULL: any name) that sluice_run_record_is_of_file()
// accepts. limit 0 = no limit.
GPtrArray      *sluice_history_list_file_runs    (SluiceHistory     *self,
                                                  const char        *pipeline_name,
                                                  const char        *file,
                                                  guint              limit,
                                                  GError           **error);
// Whether the run was of the pipeline saved at file: the same file once both
// paths are absolute with their symlinks resolved. A run recorded with a
// relative path (by an older Sluice) matches only a file of the same name.
gboolean        sluice_run_record_is_of_file     (const SluiceRunRecord *record,
                                                  const char        *file);
// The path a run records for a pipeline file: absolute (relative paths are
// taken from the current folder) and without "." or "..".
char           *sluice_history_pipeline_path     (const char        *file);

// Steps: insert or replace by (run_id, step_id).
gboolean        sluice_history_put_step          (SluiceHistory     *self,
                                                  const SluiceStepRecord *record,
                                                  GError           **error);
SluiceStepRecord *sluice_history_get_step        (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  const char        *step_id,
                                                  GError           **error);
GPtrArray      *sluice_history_list_steps        (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  GError           **error);

gboolean        sluice_history_add_attempt       (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  const char        *step_id,
                                                  guint              attempt,
                                                  gint64             started_at,
                                                  gint64             finished_at,
                                                  gint               exit_code,
                                                  SluiceState        state,
                                                  GError           **error);

// Logs: lines is an array of SluiceLogLine* (seq is assigned).
gboolean        sluice_history_add_log_lines     (SluiceHistory     *self,
                                                  GPtrArray         *lines,
                                                  GError           **error);
// Lines of a run (step_id NULL = all steps; attempt 0 = all attempts) with
// seq > after_seq, in order. limit 0 = no limit.
GPtrArray      *sluice_history_get_log_lines     (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  const char        *step_id,
                                                  guint              attempt,
                                                  gint64             after_seq,
                                                  guint              limit,
                                                  GError           **error);

// Events but log lines (which go to add_log_lines), in order, all or none;
// each event's seq is set. The runner records every event it emits, so
// monitors in other processes can replay and follow a run.
gboolean        sluice_history_add_events        (SluiceHistory     *self,
                                                  GPtrArray         *events,
                                                  GError           **error);
// A run's recorded events with seq > after_seq, in order (with seq set).
// limit 0 = no limit.
GPtrArray      *sluice_history_get_events        (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  gint64             after_seq,
                                                  guint              limit,
                                                  GError           **error);

gboolean        sluice_history_add_metric        (SluiceHistory     *self,
                                                  const SluiceMetric *metric,
                                                  GError           **error);
GPtrArray      *sluice_history_get_metrics       (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  GError           **error);

// Artifacts and lineage.
gboolean        sluice_history_add_artifact      (SluiceHistory     *self,
                                                  const char        *hash,
                                                  const char        *kind,     // "file" or "folder"
                                                  guint64            size,
                                                  GError           **error);
gboolean        sluice_history_add_artifact_use  (SluiceHistory     *self,
                                                  const SluiceArtifactUse *use,
                                                  GError           **error);
// Every use (as input or output) of a step; of all steps when step_id NULL.
GPtrArray      *sluice_history_get_artifact_uses (SluiceHistory     *self,
                                                  gint64             run_id,
                                                  const char        *step_id,
                                                  GError           **error);
// Where an artifact came from: its first producing use (is_output), or NULL.
SluiceArtifactUse *sluice_history_find_producer  (SluiceHistory     *self,
                                                  const char        *hash,
                                                  GError           **error);

// The reuse cache: a succeeded step with this cache key whose outputs are
// all recorded. Newest first. NULL (no error) when there is none.
SluiceCacheHit *sluice_history_lookup_cache      (SluiceHistory     *self,
                                                  const char        *cache_key,
                                                  GError           **error);

// Runs left running/queued/pending whose runner is gone (pid not alive, or
// 0) become interrupted, with their unfinished steps. Returns how many runs.
guint           sluice_history_mark_interrupted  (SluiceHistory     *self,
                                                  GError           **error);
// Hashes referenced by any artifact use of the newest keep_runs runs
// (0 = all runs), as a set of strings (for gc).
GHashTable     *sluice_history_referenced_artifacts (SluiceHistory  *self,
                                                  guint              keep_runs,
                                                  GError           **error);

G_END_DECLS
