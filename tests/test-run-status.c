// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-file.h"
#include "sluice-run-request.h"
#include "sluice-run-status.h"

typedef struct
{
  guint  emissions;
  GStrv  last;
} Changes;

static void
on_changed (SluiceRunStatus *status,
            GStrv            ids,
            Changes         *changes)
{
  changes->emissions++;
  g_strfreev (changes->last);
  changes->last = g_strdupv (ids);
}

static void
changes_clear (Changes *changes)
{
  g_clear_pointer (&changes->last, g_strfreev);
}

static SluiceRunEvent *
step_event (const char  *step,
            SluiceState  state,
            guint        attempt,
            gint64       time,
            gint64       seq)
{
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, 7, step);

  event->state = state;
  event->attempt = attempt;
  event->time = time;
  event->seq = seq;
  return event;
}

static SluiceRunEvent *
run_event (SluiceState state,
           gint64      time,
           gint64      seq)
{
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, 7, NULL);

  event->state = state;
  event->time = time;
  event->seq = seq;
  return event;
}

static SluiceRunEvent *
artifact_event (const char *step,
                const char *port,
                const char *hash,
                gint64      seq)
{
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_ARTIFACT, 7, step);

  event->name = g_strdup (port);
  event->hash = g_strdup (hash);
  event->seq = seq;
  return event;
}

static GPtrArray *
batch (SluiceRunEvent *first,
       ...)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  va_list args;

  va_start (args, first);
  for (SluiceRunEvent *e = first; e != NULL; e = va_arg (args, SluiceRunEvent *))
    g_ptr_array_add (events, e);
  va_end (args);
  return events;
}

static gboolean
strv_has_exactly (GStrv               ids,
                  const char * const *expected)
{
  if (ids == NULL || g_strv_length (ids) != g_strv_length ((GStrv) expected))
    return FALSE;
  for (guint i = 0; expected[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) ids, expected[i]))
      return FALSE;
  return TRUE;
}

static void
test_batch_and_counts (void)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (7);
  const char *ids[] = { "a", "b", "c", NULL };
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  Changes changes = { 0 };

  g_signal_connect (status, "changed", G_CALLBACK (on_changed), &changes);
  sluice_run_status_set_step_ids (status, ids);
  g_assert_cmpuint (sluice_run_status_get_n_steps (status), ==, 3);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_PENDING), ==, 3);
  g_assert_cmpint (sluice_run_status_get_state (status), ==, SLUICE_STATE_PENDING);
  g_assert_cmpstr (sluice_run_status_get_step_id (status, 1), ==, "b");

  first = batch (run_event (SLUICE_STATE_RUNNING, 1000, 1),
                 step_event ("a", SLUICE_STATE_QUEUED, 0, 1001, 2),
                 step_event ("a", SLUICE_STATE_RUNNING, 1, 1002, 3),
                 step_event ("b", SLUICE_STATE_REUSED, 0, 1003, 4),
                 NULL);
  sluice_run_status_apply (status, first);
  // One emission for the whole batch, naming every step that changed and the run.
  g_assert_cmpuint (changes.emissions, ==, 1);
  g_assert_true (strv_has_exactly (changes.last, (const char *[]) { "", "a", "b", NULL }));
  g_assert_cmpint (sluice_run_status_get_state (status), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpint (sluice_run_status_get_started_at (status), ==, 1000);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "a"), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpint (sluice_run_status_get_step_started_at (status, "a"), ==, 1002);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_RUNNING), ==, 1);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_REUSED), ==, 1);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_PENDING), ==, 1);
  g_assert_cmpuint (sluice_run_status_count_finished (status), ==, 1);

  second = batch (artifact_event ("a", "out", "xxh:1234", 5),
                  step_event ("a", SLUICE_STATE_SUCCEEDED, 1, 2002, 6),
                  step_event ("c", SLUICE_STATE_FAILED, 1, 2003, 7),
                  run_event (SLUICE_STATE_FAILED, 2004, 8),
                  NULL);
  ((SluiceRunEvent *) g_ptr_array_index (second, 2))->text = g_strdup ("exit status 3");
  sluice_run_status_apply (status, second);
  g_assert_cmpuint (changes.emissions, ==, 2);
  g_assert_true (strv_has_exactly (changes.last, (const char *[]) { "", "a", "c", NULL }));
  g_assert_cmpstr (sluice_run_status_get_output_hash (status, "a", "out"), ==, "xxh:1234");
  g_assert_null (sluice_run_status_get_output_hash (status, "a", "other"));
  g_assert_null (sluice_run_status_get_output_hash (status, "nope", "out"));
  g_assert_cmpint (sluice_run_status_get_step_finished_at (status, "a"), ==, 2002);
  g_assert_cmpstr (sluice_run_status_get_step_message (status, "c"), ==, "exit status 3");
  g_assert_cmpint (sluice_run_status_get_state (status), ==, SLUICE_STATE_FAILED);
  g_assert_cmpint (sluice_run_status_get_finished_at (status), ==, 2004);
  g_assert_cmpuint (sluice_run_status_count_finished (status), ==, 3);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_PENDING), ==, 0);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_FAILED), ==, 1);

  changes_clear (&changes);
}

static void
test_attempts (void)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (7);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) late = NULL;

  events = batch (step_event ("f", SLUICE_STATE_RUNNING, 1, 10, 1),
                  step_event ("f", SLUICE_STATE_FAILED, 1, 20, 2),
                  step_event ("f", SLUICE_STATE_RUNNING, 2, 30, 3),
                  NULL);
  sluice_run_status_apply (status, events);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "f"), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpuint (sluice_run_status_get_step_attempt (status, "f"), ==, 2);
  // The step's time counts from its first attempt, and it is not finished.
  g_assert_cmpint (sluice_run_status_get_step_started_at (status, "f"), ==, 10);
  g_assert_cmpint (sluice_run_status_get_step_finished_at (status, "f"), ==, 0);

  // A late event of the first attempt changes nothing.
  late = batch (step_event ("f", SLUICE_STATE_FAILED, 1, 25, 0), NULL);
  sluice_run_status_apply (status, late);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "f"), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpuint (sluice_run_status_get_step_attempt (status, "f"), ==, 2);
}

static void
test_duplicates_and_order (void)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (7);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) replay = NULL;
  g_autoptr(GPtrArray) stale = NULL;
  g_autoptr(GPtrArray) other_run = NULL;
  Changes changes = { 0 };

  g_signal_connect (status, "changed", G_CALLBACK (on_changed), &changes);
  events = batch (step_event ("a", SLUICE_STATE_RUNNING, 1, 10, 1),
                  step_event ("a", SLUICE_STATE_SUCCEEDED, 1, 20, 2),
                  NULL);
  sluice_run_status_apply (status, events);
  g_assert_cmpuint (changes.emissions, ==, 1);

  // The same rows again (a reconnect that resumed too early): nothing changes, no signal.
  replay = batch (step_event ("a", SLUICE_STATE_RUNNING, 1, 10, 1),
                  step_event ("a", SLUICE_STATE_SUCCEEDED, 1, 20, 2),
                  NULL);
  sluice_run_status_apply (status, replay);
  g_assert_cmpuint (changes.emissions, ==, 1);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "a"), ==, SLUICE_STATE_SUCCEEDED);

  // Out of order, without row numbers (from a stream that merged two
  // sources): the end already seen is not undone by an earlier "running".
  stale = batch (step_event ("a", SLUICE_STATE_RUNNING, 1, 15, 0),
                 run_event (SLUICE_STATE_SUCCEEDED, 30, 0),
                 run_event (SLUICE_STATE_RUNNING, 5, 0),
                 NULL);
  sluice_run_status_apply (status, stale);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "a"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpint (sluice_run_status_get_state (status), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (changes.emissions, ==, 2);
  g_assert_true (strv_has_exactly (changes.last, (const char *[]) { "", NULL }));
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_SUCCEEDED), ==, 1);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_RUNNING), ==, 0);

  // Events of another run are not this one's.
  other_run = batch (step_event ("a", SLUICE_STATE_FAILED, 2, 40, 0), NULL);
  ((SluiceRunEvent *) g_ptr_array_index (other_run, 0))->run_id = 8;
  sluice_run_status_apply (status, other_run);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "a"), ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (changes.emissions, ==, 2);

  changes_clear (&changes);
}

static void
test_logs_ignored (void)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (7);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  g_autoptr(GPtrArray) after = NULL;
  Changes changes = { 0 };

  g_signal_connect (status, "changed", G_CALLBACK (on_changed), &changes);
  // A flood of log lines (numbered in their own table, with large seqs)
  // neither changes anything nor hides the state events that follow.
  for (guint i = 0; i < 5000; i++)
    {
      SluiceRunEvent *line = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, 7, "a");

      line->text = g_strdup_printf ("line %u", i);
      line->seq = 100000 + i;
      g_ptr_array_add (events, line);
    }
  sluice_run_status_apply (status, events);
  g_assert_cmpuint (changes.emissions, ==, 0);
  g_assert_cmpuint (sluice_run_status_get_n_steps (status), ==, 0);

  after = batch (step_event ("a", SLUICE_STATE_RUNNING, 1, 10, 3), NULL);
  sluice_run_status_apply (status, after);
  g_assert_cmpuint (changes.emissions, ==, 1);
  g_assert_cmpint (sluice_run_status_get_step_state (status, "a"), ==, SLUICE_STATE_RUNNING);
  g_assert_cmpuint (sluice_run_status_get_n_steps (status), ==, 1);

  changes_clear (&changes);
}

static void
test_large_run (void)
{
  g_autoptr(SluiceRunStatus) status = sluice_run_status_new (7);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  Changes changes = { 0 };
  gint64 seq = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *id = g_strdup_printf ("step%04u", i);

      g_strv_builder_add (builder, id);
      g_ptr_array_add (events, step_event (id, SLUICE_STATE_RUNNING, 1, i, ++seq));
      g_ptr_array_add (events, step_event (id, i % 10 == 0 ? SLUICE_STATE_REUSED : SLUICE_STATE_SUCCEEDED,
                                           1, i + 1, ++seq));
    }
  ids = g_strv_builder_end (builder);
  sluice_run_status_set_step_ids (status, (const char * const *) ids);
  g_signal_connect (status, "changed", G_CALLBACK (on_changed), &changes);
  sluice_run_status_apply (status, events);
  g_assert_cmpuint (changes.emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (changes.last), ==, 2000);
  g_assert_cmpuint (sluice_run_status_count_finished (status), ==, 2000);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_REUSED), ==, 200);
  g_assert_cmpuint (sluice_run_status_count_state (status, SLUICE_STATE_SUCCEEDED), ==, 1800);
  changes_clear (&changes);
}

// Any step name goes through a request file and back, once.
static void
test_request_round_trip (void)
{
  g_autofree char *root = g_dir_make_tmp ("sluice-request-XXXXXX", NULL);
  const char *names[] = { "train", "a.b", "x/y", "ünï cødé", "..", NULL };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) taken = NULL;
  g_auto(GStrv) again = NULL;
  g_auto(GStrv) other = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_true (sluice_run_request_cancel_step (root, 3, names[i], &error));
      g_assert_no_error (error);
    }
  g_assert_false (sluice_run_request_cancel_step (root, 3, "", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);

  other = sluice_run_request_take_cancel_steps (root, 4);
  g_assert_cmpuint (g_strv_length (other), ==, 0);
  taken = sluice_run_request_take_cancel_steps (root, 3);
  g_assert_cmpuint (g_strv_length (taken), ==, g_strv_length ((GStrv) names));
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_true (g_strv_contains ((const char * const *) taken, names[i]));
  again = sluice_run_request_take_cancel_steps (root, 3);
  g_assert_cmpuint (g_strv_length (again), ==, 0);

  sluice_run_request_clear (root, 3);
  g_assert_true (sluice_file_remove_tree (root, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/run-status/batch-and-counts", test_batch_and_counts);
  g_test_add_func ("/run-status/attempts", test_attempts);
  g_test_add_func ("/run-status/duplicates-and-order", test_duplicates_and_order);
  g_test_add_func ("/run-status/logs-ignored", test_logs_ignored);
  g_test_add_func ("/run-status/large-run", test_large_run);
  g_test_add_func ("/run-request/round-trip", test_request_round_trip);

  return g_test_run ();
}
