// SPDX-License-Identifier: GPL-3.0-or-later
//
// The built-in ML components, end to end, through the real run engine.
//
// Every tests/data/ml/*.case.json becomes one test case:
//
//   {
//     "description": "what the case shows",
//     "pipeline": { a pipeline, as in a *.sluice.json file },
//     "expect": {
//       "state": "succeeded" | "failed" | "invalid",   (invalid: refused before running)
//       "message_contains": "text",                     (with "invalid": in the refusal)
//       "steps": {
//         "STEP": {
//           "state": "succeeded",
//           "message_contains": "text",                 (in the step's message or its stderr)
//           "metrics": {"NAME": [min, max]},            (the last value the step logged)
//           "outputs": {
//             "PORT": {
//               "file": "model.json",                   (a file inside a folder output)
//               "files": ["roc.png"],                   (files that must exist in a folder output)
//               "rows": 10,                             (mltable: data rows of data.csv)
//               "columns": ["a", "b"],                  (mltable: exactly these columns, in order)
//               "column_values": {"a": [1, "x", null]}, (mltable: the first values of a column)
//               "contains_text": "text"                 (uri_file, or "file" in a folder)
//             }
//           }
//         }
//       }
//     }
//   }
//
// The pipeline is loaded from memory as if it were tests/data/ml/NAME.sluice.json,
// so relative paths in it resolve against tests/data/ml.
//
// Every examples/*.sluice.json is run too: it must succeed, and a second run
// must reuse every step. batch-scoring and retrain-on-drift need a trained
// model and its normalization: the test runs regression-diabetes first (in
// a store the two share, so the second finds it all reused) and passes its
// outputs as their pipeline inputs.
//
// SLUICE_TEST_PIPELINES (default 2): how many pipelines run at once.
// SLUICE_TEST_KEEP=1 keeps every test's store and history.

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sluice.h"

// Cases run ahead of the test that checks them, two pipelines at a time
// (SLUICE_TEST_PIPELINES), each in its own store and history, so the test
// keeps both cores busy: most of the time goes into Python starting up.

typedef enum
{
  JOB_CASE,
  JOB_EXAMPLE,
} JobKind;

typedef struct
{
  JobKind                  kind;
  char                    *path;       // the case or example file
  char                    *name;
  char                    *dir;        // temporary: store and history
  SluiceArtifactStore     *store;
  SluiceHistory           *history;
  gboolean                 started;
  gboolean                 done;
  guint                    phase;
  char                    *failure;    // set when the job could not do its work
  // a case
  JsonParser              *parser;
  SluicePipeline          *pipeline;
  char                    *refused;    // why the engine refused the pipeline, or NULL
  SluiceRun               *run;
  SluiceState              state;
  // an example
  SluicePipeline          *prep_pipeline;
  SluiceRun               *prep_run;
  GHashTable              *overrides;  // pipeline input name -> JsonNode*
  SluiceRun               *first;
  SluiceRun               *second;
} Job;

static SluiceComponentRegistry *registry;
static GPtrArray *jobs;                 // Job*, in test order
static guint running_jobs;
static guint max_running_jobs = 2;
static GPtrArray *picked;               // the -p paths, if any

// Pipelines that need a model (and what else) another example made: the
// pipeline input, and the example, step and output that provide it.
static const struct
{
  const char *example;
  const char *input;
  const char *from_example;
  const char *from_step;
  const char *from_port;
} borrowed_inputs[] = {
  { "batch-scoring.sluice.json", "model", "regression-diabetes.sluice.json", "train", "model" },
  { "batch-scoring.sluice.json", "transform", "regression-diabetes.sluice.json", "normalize", "transform_output" },
  { "retrain-on-drift.sluice.json", "current_model", "regression-diabetes.sluice.json", "train", "model" },
  { "retrain-on-drift.sluice.json", "transform", "regression-diabetes.sluice.json", "normalize", "transform_output" },
};

// The examples that borrow from another run it in one shared store: the
// first runs it, the others reuse every step.
static char *prep_dir;
static SluiceArtifactStore *prep_store;
static SluiceHistory *prep_history;

static void job_advance (Job *job);
static void start_more_jobs (void);

static char *
open_store (SluiceArtifactStore **store,
            SluiceHistory       **history)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *db = NULL;
  char *dir = g_dir_make_tmp ("sluice-components-XXXXXX", &error);

  g_assert_no_error (error);
  store_dir = g_build_filename (dir, "store", NULL);
  *store = sluice_artifact_store_new (store_dir, &error);
  g_assert_no_error (error);
  db = g_build_filename (store_dir, "history.db", NULL);
  *history = sluice_history_open (db, &error);
  g_assert_no_error (error);
  return dir;
}

static void
job_open_store (Job *job)
{
  job->dir = open_store (&job->store, &job->history);
}

static void
job_close (Job *job)
{
  g_clear_object (&job->run);
  g_clear_object (&job->prep_run);
  g_clear_object (&job->first);
  g_clear_object (&job->second);
  g_clear_object (&job->pipeline);
  g_clear_object (&job->prep_pipeline);
  g_clear_object (&job->parser);
  g_clear_pointer (&job->overrides, g_hash_table_unref);
  g_clear_object (&job->store);
  g_clear_object (&job->history);
  if (job->dir != NULL)
    {
      if (g_getenv ("SLUICE_TEST_KEEP") == NULL)
        sluice_file_remove_tree (job->dir, NULL);
      else
        g_test_message ("kept %s", job->dir);
    }
  g_clear_pointer (&job->dir, g_free);
}

/* running ---------------------------------------------------------------------- */

typedef struct
{
  Job        *job;
  SluiceRun **slot;
} Pending;

static void
on_finished (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  SluiceState state = sluice_run_execute_finish (SLUICE_RUN (source), result, &error);

  g_assert_no_error (error);
  pending->job->state = state;
  job_advance (pending->job);
  g_free (pending);
}

// Starts a run of pipeline into *slot. FALSE (with the reason in
// job->refused) when the engine refuses it before running.
static gboolean
job_start_run (Job            *job,
               SluicePipeline *pipeline,
               GHashTable     *overrides,
               SluiceRun     **slot)
{
  g_autoptr(GError) error = NULL;
  gboolean prep = slot == &job->prep_run;
  SluiceRun *run = sluice_run_new (pipeline, registry, prep ? prep_store : job->store,
                                   prep ? prep_history : job->history);
  Pending *pending = g_new0 (Pending, 1);

  sluice_run_set_jobs (run, 2);
  sluice_run_set_kill_grace (run, 300);
  if (overrides != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, overrides);
      while (g_hash_table_iter_next (&iter, &name, &value))
        sluice_run_set_input (run, name, value);
    }
  *slot = run;
  if (!sluice_run_prepare (run, 0, &error))
    {
      job->refused = g_strdup (error->message);
      g_free (pending);
      return FALSE;
    }
  pending->job = job;
  pending->slot = slot;
  sluice_run_execute_async (run, NULL, on_finished, pending);
  return TRUE;
}

static void
job_finish (Job *job)
{
  job->done = TRUE;
  running_jobs--;
  start_more_jobs ();
}

static SluicePipeline *
load_case_pipeline (Job *job)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (job->path);
  g_autofree char *pipeline_path = g_strdup_printf ("%s/%s.sluice.json", dir, job->name);
  g_autofree char *text = NULL;
  JsonObject *root;
  SluicePipeline *pipeline;

  job->parser = json_parser_new ();
  if (!json_parser_load_from_file (job->parser, job->path, &error))
    {
      job->failure = g_strdup_printf ("cannot read the case: %s", error->message);
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (job->parser));
  if (!json_object_has_member (root, "pipeline") || !json_object_has_member (root, "expect"))
    {
      job->failure = g_strdup ("the case needs \"pipeline\" and \"expect\"");
      return NULL;
    }

  // Loaded as if it were a file next to the case, never written there.
  text = json_to_string (json_object_get_member (root, "pipeline"), TRUE);
  pipeline = sluice_pipeline_load_data (text, strlen (text), pipeline_path, &error);
  if (pipeline == NULL)
    job->failure = g_strdup_printf ("cannot load the pipeline: %s", error->message);
  return pipeline;
}

static void
collect_borrowed_inputs (Job *job)
{
  g_autofree char *base = g_path_get_basename (job->path);

  job->overrides = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) json_node_unref);
  for (guint i = 0; i < G_N_ELEMENTS (borrowed_inputs); i++)
    if (g_str_equal (base, borrowed_inputs[i].example))
      {
        g_autoptr(GPtrArray) uses = sluice_history_get_artifact_uses (prep_history, sluice_run_get_id (job->prep_run),
                                                                      borrowed_inputs[i].from_step, NULL);
        g_autofree char *path = NULL;

        for (guint u = 0; uses != NULL && u < uses->len; u++)
          {
            SluiceArtifactUse *use = g_ptr_array_index (uses, u);

            if (use->is_output && g_str_equal (use->port, borrowed_inputs[i].from_port))
              path = sluice_artifact_store_get_path (prep_store, use->hash);
          }
        if (path == NULL)
          {
            job->failure = g_strdup_printf ("%s made no output %s.%s", borrowed_inputs[i].from_example,
                                            borrowed_inputs[i].from_step, borrowed_inputs[i].from_port);
            return;
          }
        g_hash_table_insert (job->overrides, (gpointer) borrowed_inputs[i].input,
                             json_node_init_string (json_node_alloc (), path));
      }
}

static const char *
borrowed_from (Job *job)
{
  g_autofree char *base = g_path_get_basename (job->path);

  for (guint i = 0; i < G_N_ELEMENTS (borrowed_inputs); i++)
    if (g_str_equal (base, borrowed_inputs[i].example))
      return borrowed_inputs[i].from_example;
  return NULL;
}

// The job's state machine; called to start it and after every run.
//   case:    0 start the run → 1 done
//   example: 0 [run the example it borrows from → 1] run it → 2 run it again → 3 done
static void
job_advance (Job *job)
{
  if (job->kind == JOB_CASE)
    {
      if (job->phase++ == 0 && (job->pipeline = load_case_pipeline (job)) != NULL &&
          job_start_run (job, job->pipeline, NULL, &job->run))
        return;
      job_finish (job);
      return;
    }

  for (;;)
    switch (job->phase++)
      {
      case 0:
        {
          const char *from = borrowed_from (job);
          g_autoptr(GError) error = NULL;
          g_autofree char *dir = g_path_get_dirname (job->path);
          g_autofree char *from_path = NULL;

          job->pipeline = sluice_pipeline_load_file (job->path, &error);
          if (job->pipeline == NULL)
            {
              job->failure = g_strdup_printf ("cannot load: %s", error->message);
              job_finish (job);
              return;
            }
          if (from == NULL)
            continue;
          from_path = g_build_filename (dir, from, NULL);
          if (prep_store == NULL)
            prep_dir = open_store (&prep_store, &prep_history);
          job->prep_pipeline = sluice_pipeline_load_file (from_path, &error);
          if (job->prep_pipeline == NULL)
            {
              job->failure = g_strdup_printf ("cannot load %s: %s", from, error->message);
              job_finish (job);
              return;
            }
          if (job_start_run (job, job->prep_pipeline, NULL, &job->prep_run))
            return;
          job->failure = g_strdup_printf ("%s was refused: %s", from, job->refused);
          job_finish (job);
          return;
        }

      case 1:
        if (job->prep_run != NULL)
          {
            if (job->state != SLUICE_STATE_SUCCEEDED)
              job->failure = g_strdup_printf ("%s, which it needs, ended %s", borrowed_from (job),
                                              sluice_state_to_string (job->state));
            else
              collect_borrowed_inputs (job);
            if (job->failure != NULL)
              {
                job_finish (job);
                return;
              }
          }
        if (job_start_run (job, job->pipeline, job->overrides, &job->first))
          return;
        job_finish (job);
        return;

      case 2:
        if (job->state != SLUICE_STATE_SUCCEEDED)
          {
            job->failure = g_strdup_printf ("the first run ended %s", sluice_state_to_string (job->state));
            job_finish (job);
            return;
          }
        if (job_start_run (job, job->pipeline, job->overrides, &job->second))
          return;
        job_finish (job);
        return;

      default:
        if (job->state != SLUICE_STATE_SUCCEEDED && job->failure == NULL)
          job->failure = g_strdup_printf ("the second run ended %s", sluice_state_to_string (job->state));
        job_finish (job);
        return;
      }
}

static void
job_start (Job *job)
{
  if (job->started)
    return;
  job->started = TRUE;
  running_jobs++;
  job_open_store (job);
  job_advance (job);
}

static guint next_job;

// Keeps up to max_running_jobs jobs going, in test order, from the one the
// current test needs on.
static void
start_more_jobs (void)
{
  while (next_job < jobs->len && running_jobs < max_running_jobs)
    job_start (g_ptr_array_index (jobs, next_job++));
}

static void
job_wait (Job *job)
{
  guint index = 0;

  g_ptr_array_find (jobs, job, &index);
  if (next_job <= index)
    next_job = index;  // a test run on its own (-p): do not start the ones before it
  job_start (job);
  start_more_jobs ();
  while (!job->done)
    g_main_context_iteration (NULL, TRUE);
}

// The path in the store of an output of a step, or NULL.
static char *
output_path (Job        *job,
             SluiceRun  *run,
             const char *step,
             const char *port)
{
  g_autoptr(GPtrArray) uses = sluice_history_get_artifact_uses (job->history, sluice_run_get_id (run), step, NULL);

  for (guint i = 0; uses != NULL && i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (use->is_output && g_str_equal (use->port, port))
        return sluice_artifact_store_get_path (job->store, use->hash);
    }
  return NULL;
}

// The step's message and what it wrote to stderr, for messages and for
// showing why a case failed.
static char *
step_text (Job        *job,
           SluiceRun  *run,
           const char *step,
           gboolean    stderr_only)
{
  g_autoptr(SluiceStepRecord) rec = sluice_history_get_step (job->history, sluice_run_get_id (run), step, NULL);
  g_autoptr(GPtrArray) lines = sluice_history_get_log_lines (job->history, sluice_run_get_id (run), step, 0, 0, 0, NULL);
  GString *s = g_string_new (rec && rec->message ? rec->message : "");

  g_string_append_c (s, '\n');
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    {
      SluiceLogLine *line = g_ptr_array_index (lines, i);

      if (stderr_only && line->stream != 'e')
        continue;
      g_string_append_printf (s, "%c| %s\n", line->stream, line->text);
    }
  return g_string_free (s, FALSE);
}

static char *
all_logs (Job       *job,
          SluiceRun *run)
{
  g_autoptr(GPtrArray) steps = sluice_history_list_steps (job->history, sluice_run_get_id (run), NULL);
  GString *s = g_string_new (NULL);

  for (guint i = 0; steps != NULL && i < steps->len; i++)
    {
      SluiceStepRecord *rec = g_ptr_array_index (steps, i);
      g_autofree char *text = step_text (job, run, rec->step_id, FALSE);

      g_string_append_printf (s, "--- step %s: %s\n%s", rec->step_id, sluice_state_to_string (rec->state), text);
    }
  return g_string_free (s, FALSE);
}

/* a tiny CSV reader -------------------------------------------------------------- */

// RFC 4180: fields separated by commas, rows by \n or \r\n, quoted fields
// may hold commas, quotes ("") and newlines. Returns rows of GStrv.
static GPtrArray *
csv_parse (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean quoted = FALSE, field_started = FALSE;
  const char *p = text;

  for (;; p++)
    {
      char c = *p;

      if (quoted)
        {
          if (c == '\0')
            break;
          if (c == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p++;
            }
          else if (c == '"')
            quoted = FALSE;
          else
            g_string_append_c (field, c);
          continue;
        }

      if (c == '"' && field->len == 0)
        {
          quoted = TRUE;
          field_started = TRUE;
        }
      else if (c == ',')
        {
          g_ptr_array_add (fields, g_strdup (field->str));
          g_string_truncate (field, 0);
          field_started = TRUE;
        }
      else if (c == '\n' || c == '\0' || (c == '\r' && p[1] == '\n'))
        {
          if (field_started || field->len > 0 || fields->len > 0)
            {
              g_ptr_array_add (fields, g_strdup (field->str));
              g_ptr_array_add (fields, NULL);
              g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
            }
          g_string_truncate (field, 0);
          field_started = FALSE;
          if (c == '\r')
            p++;
          if (c == '\0')
            break;
        }
      else
        {
          g_string_append_c (field, c);
          field_started = TRUE;
        }
    }
  return rows;
}

/* checking expectations -------------------------------------------------------------- */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
    ? json_node_get_string (node) : NULL;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
node_is_number (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
    (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static double
node_number (JsonNode *node)
{
  return json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
}

// Does a CSV cell hold the value a case expects? Numbers compare with a
// relative tolerance of 1e-6, null means an empty cell, booleans are
// true/false, strings compare exactly.
static gboolean
cell_matches (const char *cell,
              JsonNode   *want)
{
  if (JSON_NODE_HOLDS_NULL (want))
    return *cell == '\0';
  if (node_is_number (want))
    {
      char *end = NULL;
      double value = g_ascii_strtod (cell, &end);
      double expected = node_number (want);

      if (*cell == '\0' || end == cell || *end != '\0')
        return FALSE;
      return fabs (value - expected) <= 1e-6 * MAX (1.0, fabs (expected));
    }
  if (json_node_get_value_type (want) == G_TYPE_BOOLEAN)
    return g_ascii_strcasecmp (cell, json_node_get_boolean (want) ? "true" : "false") == 0;
  return g_str_equal (cell, json_node_get_string (want));
}

static char *
node_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static void
check_table (const char *where,
             const char *folder,
             JsonObject *want,
             GString    *problems)
{
  g_autofree char *csv_path = g_build_filename (folder, "data.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  char **header;

  if (!g_file_get_contents (csv_path, &text, NULL, NULL))
    {
      g_string_append_printf (problems, "%s: no data.csv in %s\n", where, folder);
      return;
    }
  rows = csv_parse (text);
  if (rows->len == 0)
    {
      g_string_append_printf (problems, "%s: data.csv is empty\n", where);
      return;
    }
  header = g_ptr_array_index (rows, 0);

  if (json_object_has_member (want, "rows"))
    {
      gint64 n = json_object_get_int_member (want, "rows");

      if ((gint64) rows->len - 1 != n)
        g_string_append_printf (problems, "%s: %u rows, expected %" G_GINT64_FORMAT "\n", where, rows->len - 1, n);
    }

  if (json_object_has_member (want, "columns"))
    {
      JsonArray *columns = json_object_get_array_member (want, "columns");
      g_autofree char *have = g_strjoinv (", ", header);
      gboolean same = g_strv_length (header) == json_array_get_length (columns);

      for (guint i = 0; same && i < json_array_get_length (columns); i++)
        same = g_str_equal (header[i], json_array_get_string_element (columns, i));
      if (!same)
        {
          g_autofree char *expected = node_text (json_object_get_member (want, "columns"));

          g_string_append_printf (problems, "%s: columns are [%s], expected %s\n", where, have, expected);
        }
    }

  if (json_object_has_member (want, "column_values"))
    {
      JsonObject *values = json_object_get_object_member (want, "column_values");
      JsonObjectIter iter;
      const char *column;
      JsonNode *list;

      json_object_iter_init_ordered (&iter, values);
      while (json_object_iter_next_ordered (&iter, &column, &list))
        {
          JsonArray *expected = json_node_get_array (list);
          gint index = -1;

          for (guint i = 0; header[i] != NULL; i++)
            if (g_str_equal (header[i], column))
              index = (gint) i;
          if (index < 0)
            {
              g_string_append_printf (problems, "%s: no column '%s'\n", where, column);
              continue;
            }
          for (guint r = 0; r < json_array_get_length (expected); r++)
            {
              JsonNode *w = json_array_get_element (expected, r);
              char **row = r + 1 < rows->len ? g_ptr_array_index (rows, r + 1) : NULL;
              const char *cell = row && (guint) index < g_strv_length (row) ? row[index] : NULL;

              if (cell == NULL || !cell_matches (cell, w))
                {
                  g_autofree char *wt = node_text (w);

                  g_string_append_printf (problems, "%s: column '%s' row %u is '%s', expected %s\n",
                                          where, column, r + 1, cell ? cell : "(no row)", wt);
                }
            }
        }
    }
}

static void
check_output (Job        *job,
              SluiceRun  *run,
              const char *step,
              const char *port,
              JsonObject *want,
              GString    *problems)
{
  g_autofree char *path = output_path (job, run, step, port);
  g_autofree char *where = g_strdup_printf ("step '%s' output '%s'", step, port);
  g_autofree char *file_path = NULL;
  const char *file = member_string (want, "file");
  const char *text_wanted = member_string (want, "contains_text");

  if (path == NULL)
    {
      g_string_append_printf (problems, "%s: not produced\n", where);
      return;
    }

  if (json_object_has_member (want, "files"))
    {
      JsonArray *files = json_object_get_array_member (want, "files");

      for (guint i = 0; i < json_array_get_length (files); i++)
        {
          g_autofree char *p = g_build_filename (path, json_array_get_string_element (files, i), NULL);

          if (!g_file_test (p, G_FILE_TEST_IS_REGULAR))
            g_string_append_printf (problems, "%s: no file '%s'\n", where, json_array_get_string_element (files, i));
        }
    }

  if (json_object_has_member (want, "rows") || json_object_has_member (want, "columns") ||
      json_object_has_member (want, "column_values"))
    check_table (where, path, want, problems);

  if (text_wanted != NULL)
    {
      g_autofree char *text = NULL;

      file_path = file ? g_build_filename (path, file, NULL) : g_strdup (path);
      if (!g_file_get_contents (file_path, &text, NULL, NULL))
        g_string_append_printf (problems, "%s: cannot read %s\n", where, file_path);
      else if (strstr (text, text_wanted) == NULL)
        g_string_append_printf (problems, "%s: '%s' not found in %s:\n%.2000s\n", where, text_wanted,
                                file ? file : "it", text);
    }
}

static void
check_metrics (Job        *job,
               SluiceRun  *run,
               const char *step,
               JsonObject *want,
               GString    *problems)
{
  g_autoptr(GPtrArray) metrics = sluice_history_get_metrics (job->history, sluice_run_get_id (run), NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *range;

  json_object_iter_init_ordered (&iter, want);
  while (json_object_iter_next_ordered (&iter, &name, &range))
    {
      JsonArray *bounds = json_node_get_array (range);
      double lo = node_number (json_array_get_element (bounds, 0));
      double hi = node_number (json_array_get_element (bounds, 1));
      gboolean found = FALSE;
      double value = 0;

      for (guint i = 0; metrics != NULL && i < metrics->len; i++)
        {
          SluiceMetric *m = g_ptr_array_index (metrics, i);

          if (g_str_equal (m->step_id, step) && g_str_equal (m->name, name))
            {
              found = TRUE;
              value = m->value;
            }
        }
      if (!found)
        g_string_append_printf (problems, "step '%s': no metric '%s'\n", step, name);
      else if (!(value >= lo && value <= hi))
        g_string_append_printf (problems, "step '%s': metric '%s' is %.17g, expected within [%g, %g]\n",
                                step, name, value, lo, hi);
    }
}

static void
check_step (Job        *job,
            SluiceRun  *run,
            const char *step,
            JsonObject *want,
            GString    *problems)
{
  const char *state = member_string (want, "state");
  const char *message = member_string (want, "message_contains");
  JsonObject *outputs = member_object (want, "outputs");
  JsonObject *metrics = member_object (want, "metrics");
  SluiceState have = sluice_run_get_step_state (run, step);

  if (state != NULL && !g_str_equal (state, sluice_state_to_string (have)))
    g_string_append_printf (problems, "step '%s' is %s, expected %s\n", step, sluice_state_to_string (have), state);

  if (message != NULL)
    {
      g_autofree char *text = step_text (job, run, step, TRUE);

      if (strstr (text, message) == NULL)
        g_string_append_printf (problems, "step '%s': '%s' not in its message or stderr:\n%s\n", step, message, text);
    }

  if (metrics != NULL)
    check_metrics (job, run, step, metrics, problems);

  if (outputs != NULL)
    {
      JsonObjectIter iter;
      const char *port;
      JsonNode *node;

      json_object_iter_init_ordered (&iter, outputs);
      while (json_object_iter_next_ordered (&iter, &port, &node))
        check_output (job, run, step, port, json_node_get_object (node), problems);
    }
}

static void
test_case (gconstpointer data)
{
  Job *job = (Job *) data;
  g_autoptr(GString) problems = g_string_new (NULL);
  JsonObject *expect, *steps;
  const char *want_state, *want_message;

  job_wait (job);
  if (job->failure != NULL)
    {
      g_test_fail_printf ("%s: %s", job->name, job->failure);
      job_close (job);
      return;
    }

  expect = member_object (json_node_get_object (json_parser_get_root (job->parser)), "expect");
  want_state = member_string (expect, "state");
  want_message = member_string (expect, "message_contains");

  if (job->refused != NULL)
    {
      if (g_strcmp0 (want_state, "invalid") != 0)
        g_test_fail_printf ("%s: the pipeline was refused: %s", job->name, job->refused);
      else if (want_message != NULL && strstr (job->refused, want_message) == NULL)
        g_test_fail_printf ("%s: '%s' not in the refusal: %s", job->name, want_message, job->refused);
      job_close (job);
      return;
    }
  if (g_strcmp0 (want_state, "invalid") == 0)
    {
      g_test_fail_printf ("%s: expected the pipeline to be refused, but it ran", job->name);
      job_close (job);
      return;
    }

  if (want_state != NULL && !g_str_equal (want_state, sluice_state_to_string (job->state)))
    g_string_append_printf (problems, "the run is %s, expected %s\n", sluice_state_to_string (job->state), want_state);

  if ((steps = member_object (expect, "steps")) != NULL)
    {
      JsonObjectIter iter;
      const char *step;
      JsonNode *node;

      json_object_iter_init_ordered (&iter, steps);
      while (json_object_iter_next_ordered (&iter, &step, &node))
        check_step (job, job->run, step, json_node_get_object (node), problems);
    }

  if (problems->len > 0)
    {
      g_autofree char *logs = all_logs (job, job->run);

      g_test_message ("%s", logs);
      g_test_fail_printf ("%s:\n%s", job->name, problems->str);
    }
  job_close (job);
}

static void
test_example (gconstpointer data)
{
  Job *job = (Job *) data;
  GPtrArray *steps;

  job_wait (job);
  if (job->failure != NULL || job->refused != NULL)
    {
      SluiceRun *last = job->second ? job->second : job->first;

      if (last != NULL)
        {
          g_autofree char *logs = all_logs (job, last);

          g_test_message ("%s", logs);
        }
      g_test_fail_printf ("%s: %s", job->name, job->failure ? job->failure : job->refused);
      job_close (job);
      return;
    }

  steps = sluice_pipeline_get_steps (job->pipeline);
  g_assert_cmpuint (steps->len, >, 0);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));
      SluiceState state = sluice_run_get_step_state (job->second, id);

      if (state != SLUICE_STATE_REUSED)
        g_test_fail_printf ("%s: step '%s' was %s on the second run, expected reused", job->name, id,
                            sluice_state_to_string (state));
    }
  job_close (job);
}

/* main -------------------------------------------------------------------------- */

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
list_files (const char *dir,
            const char *suffix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, compare_paths);
  return files;
}

// As GLib matches -p: the path itself or a folder of it.
static gboolean
is_picked (const char *test_path)
{
  if (picked->len == 0)
    return TRUE;
  for (guint i = 0; i < picked->len; i++)
    {
      const char *p = g_ptr_array_index (picked, i);
      gsize n = strlen (p);

      if (strncmp (test_path, p, n) == 0 && (test_path[n] == '\0' || test_path[n] == '/' || (n > 0 && p[n - 1] == '/')))
        return TRUE;
    }
  return FALSE;
}

static void
add_jobs (JobKind     kind,
          const char *dir,
          const char *suffix,
          const char *prefix,
          GTestDataFunc func)
{
  g_autoptr(GPtrArray) files = list_files (dir, suffix);

  for (guint i = 0; i < files->len; i++)
    {
      Job *job = g_new0 (Job, 1);
      g_autofree char *test_path = NULL;

      job->kind = kind;
      job->path = g_strdup (g_ptr_array_index (files, i));
      job->name = g_path_get_basename (job->path);
      *strstr (job->name, suffix) = '\0';
      test_path = g_strdup_printf ("%s%s", prefix, job->name);
      if (!is_picked (test_path))
        {
          g_free (job->path);
          g_free (job->name);
          g_free (job);
          continue;
        }
      g_ptr_array_add (jobs, job);
      g_test_add_data_func (test_path, job, func);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cases_dir = NULL;
  g_autofree char *examples_dir = NULL;
  const char *pipelines = g_getenv ("SLUICE_TEST_PIPELINES");
  int status;

  // Only the tests picked with -p get a job, so none runs for nothing.
  picked = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "-p") && i + 1 < argc)
      g_ptr_array_add (picked, argv[i + 1]);
    else if (g_str_has_prefix (argv[i], "-p="))
      g_ptr_array_add (picked, argv[i] + 3);
  g_test_init (&argc, &argv, NULL);

  if (pipelines != NULL && g_ascii_strtoull (pipelines, NULL, 10) > 0)
    max_running_jobs = (guint) g_ascii_strtoull (pipelines, NULL, 10);
  registry = sluice_component_registry_new_default ();
  jobs = g_ptr_array_new ();
  cases_dir = g_test_build_filename (G_TEST_DIST, "data", "ml", NULL);
  examples_dir = g_test_build_filename (G_TEST_DIST, "..", "examples", NULL);
  add_jobs (JOB_CASE, cases_dir, ".case.json", "/components/case/", test_case);
  add_jobs (JOB_EXAMPLE, examples_dir, ".sluice.json", "/components/example/", test_example);

  status = g_test_run ();
  g_clear_object (&prep_store);
  g_clear_object (&prep_history);
  if (prep_dir != NULL)
    sluice_file_remove_tree (prep_dir, NULL);
  g_free (prep_dir);
  return status;
}
