// SPDX-License-Identifier: GPL-3.0-or-later
//
// The step details pane on its own, under Xvfb: it reads a run from a
// history made here, and takes live events as the window forwards them:
// each line once (whether it came from the history or an event), only its
// own step's, and a flood of lines without stalling the frame clock.

#include <adwaita.h>
#include <glib/gstdio.h>

#include "sluice-file.h"
#include "sluice-history.h"
#include "sluice-step-details.h"

typedef struct
{
  char              *dir;
  char              *db;
  SluiceHistory     *history;
  gint64             run;
  GtkWindow         *window;
  SluiceStepDetails *details;
} Fixture;

static const char pipeline_json[] =
  "{\"sluice\": 1, \"name\": \"t\", \"jobs\": {\"s\": {\"component\": \"file:c.component.json\"}}}";
static const char component_json[] =
  "{\"name\": \"c\", \"version\": \"1\", \"display_name\": \"C\", \"inputs\": {}, \"outputs\": {}, \"command\": \"true\"}";

static void
add_lines (Fixture    *f,
           const char *step_id,
           guint       count,
           GArray     *seqs)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < count; i++)
    {
      SluiceLogLine *line = g_new0 (SluiceLogLine, 1);

      line->run_id = f->run;
      line->step_id = g_strdup (step_id);
      line->attempt = 1;
      line->stream = i % 10 == 0 ? 'e' : 'o';
      line->text = g_strdup_printf ("%s line %u", step_id, i);
      g_ptr_array_add (lines, line);
    }
  g_assert_true (sluice_history_add_log_lines (f->history, lines, &error));
  g_assert_no_error (error);
  for (guint i = 0; seqs != NULL && i < lines->len; i++)
    g_array_append_val (seqs, ((SluiceLogLine *) g_ptr_array_index (lines, i))->seq);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SluiceRunRecord run = {
    .pipeline_name = (char *) "t",
    .pipeline_file = (char *) "/tmp/t.sluice.json",
    .pipeline_json = (char *) pipeline_json,
    .state = SLUICE_STATE_RUNNING,
    .created_at = g_get_real_time (),
  };
  SluiceStepRecord step = {
    .step_id = (char *) "s",
    .component_ref = (char *) "file:c.component.json",
    .component_json = (char *) component_json,
    .state = SLUICE_STATE_RUNNING,
    .attempts = 1,
    .exit_code = -1,
    .started_at = g_get_real_time (),
  };

  f->dir = g_dir_make_tmp ("sluice-details-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "history.db", NULL);
  f->history = sluice_history_open (f->db, &error);
  g_assert_no_error (error);
  g_assert_true (sluice_history_create_run (f->history, &run, &error));
  f->run = run.id;
  step.run_id = run.id;
  g_assert_true (sluice_history_put_step (f->history, &step, &error));
  g_assert_no_error (error);
  add_lines (f, "s", 100, NULL);
  add_lines (f, "other", 5, NULL);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 500);
  f->details = SLUICE_STEP_DETAILS (sluice_step_details_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->details));
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->history);
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->db);
  g_free (f->dir);
}

static gint64
shown (Fixture    *f,
       const char *member)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  sluice_step_details_dump (f->details, builder, GTK_WIDGET (f->details));
  root = json_builder_get_root (builder);
  return json_object_get_int_member (json_node_get_object (root), member);
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

// Runs the main loop until member shows value (the pane reads in a thread
// and appends once per frame), for at most ten seconds.
static void
wait_for (Fixture    *f,
          const char *member,
          gint64      value)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (10, timed_out, &expired);

  while (!expired && shown (f, member) != value)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (shown (f, member), ==, value);
  if (!expired)
    g_source_remove (timeout);
}

// Lets the main loop run for a while, to see that nothing more happens.
static void
settle (guint milliseconds)
{
  gboolean expired = FALSE;

  g_timeout_add (milliseconds, timed_out, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static SluiceRunEvent *
log_event (gint64      run_id,
           const char *step_id,
           gint64      seq,
           const char *text)
{
  SluiceRunEvent *event = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, run_id, step_id);

  event->attempt = 1;
  event->stream = 'o';
  event->seq = seq;
  event->text = g_strdup (text);
  return event;
}

static void
load_step (Fixture *f)
{
  sluice_step_details_set_run (f->details, f->db, f->run);
  sluice_step_details_set_step (f->details, "s");
  wait_for (f, "log_lines", 100);
  g_assert_cmpint (shown (f, "run"), ==, f->run);
}

static void
test_events_once_each (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);

  load_step (f);

  // Three new lines, recorded (as the runner does) and sent as events.
  add_lines (f, "s", 3, seqs);
  for (guint i = 0; i < seqs->len; i++)
    {
      g_ptr_array_add (events, log_event (f->run, "s", g_array_index (seqs, gint64, i), "new"));
      g_ptr_array_add (again, log_event (f->run, "s", g_array_index (seqs, gint64, i), "new"));
    }
  // Not for this pane: another step, another run, a line already shown.
  g_ptr_array_add (events, log_event (f->run, "other", g_array_index (seqs, gint64, 2) + 1, "other step"));
  g_ptr_array_add (events, log_event (f->run + 1, "s", g_array_index (seqs, gint64, 2) + 2, "other run"));
  g_ptr_array_add (events, log_event (f->run, "s", g_array_index (seqs, gint64, 0) - 5, "old"));

  sluice_step_details_apply_events (f->details, events);
  sluice_step_details_apply_events (f->details, again);
  wait_for (f, "log_lines", 103);
  // Longer than the pane waits before it polls the history itself: the
  // same lines read again are not shown twice.
  settle (1500);
  g_assert_cmpint (shown (f, "log_lines"), ==, 103);
}

// Without events, a running run's new lines are read from the history.
static void
test_polls_without_events (Fixture       *f,
                           gconstpointer  data)
{
  load_step (f);
  add_lines (f, "s", 7, NULL);
  add_lines (f, "other", 7, NULL);
  wait_for (f, "log_lines", 107);
}

typedef struct
{
  Fixture *f;
  guint    batches;
  guint    per_batch;
  gint64   last_tick;
  gint64   longest_gap;
} Flood;

static gboolean
send_batch (gpointer user_data)
{
  Flood *flood = user_data;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);

  for (guint i = 0; i < flood->per_batch; i++)
    // seq 0: lines not recorded, as from a run in this process.
    g_ptr_array_add (events, log_event (flood->f->run, "s", 0, "epoch 12: loss=0.125 accuracy=0.875 lr=0.001"));
  sluice_step_details_apply_events (flood->f->details, events);
  return --flood->batches > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Flood *flood = user_data;
  gint64 now = g_get_monotonic_time ();

  if (flood->last_tick != 0)
    flood->longest_gap = MAX (flood->longest_gap, now - flood->last_tick);
  flood->last_tick = now;
  return G_SOURCE_CONTINUE;
}

// 100 lines every 16 ms: several lines a millisecond. Frames keep coming,
// and the newest 50 000 lines stay.
static void
test_line_flood (Fixture       *f,
                 gconstpointer  data)
{
  Flood flood = { f, 600, 100, 0, 0 };
  guint tick;

  load_step (f);
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (f->window), on_tick, &flood, NULL);
  g_timeout_add (16, send_batch, &flood);
  while (flood.batches > 0)
    g_main_context_iteration (NULL, TRUE);
  wait_for (f, "log_dropped", 100 + 600 * 100 - 50000);
  gtk_widget_remove_tick_callback (GTK_WIDGET (f->window), tick);
  g_assert_cmpint (shown (f, "log_lines"), ==, 50000);
  g_test_message ("longest frame gap %" G_GINT64_FORMAT " ms", flood.longest_gap / 1000);
  // Generous, for a loaded machine: no frame waits for the whole flood.
  g_assert_cmpint (flood.longest_gap, <, 500 * 1000);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/step-details/events-once-each", Fixture, NULL, fixture_setup, test_events_once_each, fixture_teardown);
  g_test_add ("/step-details/polls-without-events", Fixture, NULL, fixture_setup, test_polls_without_events, fixture_teardown);
  g_test_add ("/step-details/line-flood", Fixture, NULL, fixture_setup, test_line_flood, fixture_teardown);

  return g_test_run ();
}
