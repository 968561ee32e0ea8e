// SPDX-License-Identifier: GPL-3.0-or-later
//
// Reading a step's record, a log of a million lines, metrics and output
// previews all happens in a GTask thread with its own SluiceHistory (an
// SQLite connection belongs to one thread); the main loop only builds
// widgets from the result. Each load carries a generation number, so a
// result that arrives after the person picked another step is dropped.
//
// Live events and loads meet at the log: the history gives each line a
// seq, events carry it too, so lines are appended once whichever way they
// arrive first.

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sluice-artifact-preview.h"
#include "sluice-artifact-store.h"
#include "sluice-history.h"
#include "sluice-log-view.h"
#include "sluice-output-preview.h"
#include "sluice-step-details.h"
#include "sluice-step-info.h"
#include "sluice-widget-private.h"

// Lines kept in view (and read from the history) per step.
#define MAX_LOG_LINES 50000
// Lines of all steps kept for a run on a server.
#define MAX_REMOTE_LINES (4 * MAX_LOG_LINES)
// Lines read from the history at a time, so a huge log is never in memory whole.
#define LOG_PAGE 5000
// Larger images are not decoded for a preview.
#define MAX_IMAGE_BYTES (64 * 1024 * 1024)
// Runs offered in the run menu.
#define MAX_RUNS 50
// Events other than log lines are folded into one reload after this long.
#define REFRESH_DELAY_MS 250
// While a run shown goes on and no events come from the window, new log
// lines are looked for this often.
#define POLL_MS 300

struct _SluiceStepDetails
{
  GtkWidget      parent_instance;

  char          *history_path;
  gint64         run_id;          // set by the window: the active run, or 0
  char          *pipeline_file;   // its newest run is shown while run_id is 0
  gint64         chosen_run;      // picked in the run menu, or 0
  char          *step_id;
  guint          attempt;         // 0 = all attempts

  gint64         shown_run;       // the run the pane shows now
  SluiceState    shown_state;
  gboolean       has_step_record;
  gint64         last_seq;        // of the newest log line shown
  guint          generation;
  gboolean       loading_fresh;
  gboolean       loading;
  guint          shown_attempts;
  gint64         last_event_time; // monotonic, of the last forwarded event
  guint          poll_source;
  GPtrArray     *queued_events;   // LOG events that came during a fresh load
  GCancellable  *cancellable;
  guint          refresh_source;
  GArray        *run_ids;         // run menu position -> run id
  gboolean       updating_menus;
  guint          n_outputs;
  GPtrArray     *output_kinds;    // for tests
  guint          n_metrics;
  guint          n_inputs;
  char          *command;         // for tests
  gint64         producer_run;    // for a reused step: where its outputs, log and metrics are from
  char          *producer_step;

  // A run on a server has no history here: the events the window forwards
  // from the server's stream (which starts at the run's first event) are
  // what the pane shows.
  char          *remote_name;     // NULL: the run is in history_path
  GPtrArray     *remote_events;   // SluiceRunEvent*, log lines aside
  GPtrArray     *remote_lines;    // LOG SluiceRunEvent*, seq numbered here
  gint64         remote_seq;
  GHashTable    *remote_dropped;  // step id -> lines let go of, over MAX_REMOTE_LINES

  // Template widgets
  GtkStack       *main_stack;
  AdwStatusPage  *no_run_page;
  AdwStatusPage  *no_step_page;
  GtkImage       *state_icon;
  GtkLabel       *title_label;
  GtkLabel       *subtitle_label;
  GtkWidget      *page_buttons;
  GtkDropDown    *run_dropdown;
  GtkStack       *pages_stack;
  SluiceLogView  *log_view;
  GtkBox         *outputs_box;
  GtkBox         *metrics_box;
  GtkBox         *command_box;
  GtkDropDown    *attempt_dropdown;  // in the log view's toolbar
};

G_DEFINE_FINAL_TYPE (SluiceStepDetails, sluice_step_details, GTK_TYPE_WIDGET)

/* the load, in a thread ------------------------------------------------------------------ */

typedef enum
{
  LOAD_FRESH,                     // everything, the log from its start
  LOAD_UPDATE,                    // everything, the log after the last line shown
  LOAD_LOGS,                      // the step's state and new log lines only
} LoadMode;

typedef struct
{
  LoadMode  mode;
  char     *history_path;
  gint64    run_id;               // 0: the newest run of pipeline_file
  char     *pipeline_file;
  char     *step_id;
  guint     attempt;
  gint64    shown_run;            // what the pane shows now, for an incremental load
  gint64    after_seq;
  gboolean  fresh;
} LoadRequest;

typedef struct
{
  char                  *port;
  char                  *hash;
  char                  *path;
  SluiceArtifactPreview *preview;
  GdkTexture            *image;   // decoded here too, off the main thread
  char                  *error;
} OutputInfo;

typedef struct
{
  gboolean          fresh;
  gboolean          logs_only;
  gint64            run_id;       // 0: there is no run to show
  GPtrArray        *runs;         // SluiceRunRecord*, newest first
  SluiceRunRecord  *run;
  SluiceStepRecord *step;         // NULL: the step has no record (yet)
  GPtrArray        *lines;        // SluiceLogLine*
  guint64           dropped;
  gint64            last_seq;
  gint64            producer_run; // for a reused step: the run that made its outputs
  char             *producer_step;
  SluiceStepRecord *producer_record;
  GPtrArray        *producer_lines;
  guint64           producer_dropped;
  GPtrArray        *metrics;      // SluiceMetricSummary*
  GPtrArray        *inputs;       // SluiceStepInput*
  char             *inputs_error;
  char             *command;
  GPtrArray        *outputs;      // OutputInfo*
} LoadResult;

static void
load_request_free (LoadRequest *request)
{
  g_free (request->history_path);
  g_free (request->pipeline_file);
  g_free (request->step_id);
  g_free (request);
}

static void
output_info_free (OutputInfo *info)
{
  g_free (info->port);
  g_free (info->hash);
  g_free (info->path);
  sluice_artifact_preview_free (info->preview);
  g_clear_object (&info->image);
  g_free (info->error);
  g_free (info);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->runs, g_ptr_array_unref);
  g_clear_pointer (&result->run, sluice_run_record_free);
  g_clear_pointer (&result->step, sluice_step_record_free);
  g_clear_pointer (&result->producer_record, sluice_step_record_free);
  g_clear_pointer (&result->lines, g_ptr_array_unref);
  g_clear_pointer (&result->producer_lines, g_ptr_array_unref);
  g_clear_pointer (&result->metrics, g_ptr_array_unref);
  g_clear_pointer (&result->inputs, g_ptr_array_unref);
  g_clear_pointer (&result->outputs, g_ptr_array_unref);
  g_free (result->producer_step);
  g_free (result->inputs_error);
  g_free (result->command);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadResult, load_result_free)

// The newest max lines after after_seq, read a page at a time; dropped
// counts the older ones left out.
static GPtrArray *
read_log_tail (SluiceHistory  *history,
               gint64          run_id,
               const char     *step_id,
               guint           attempt,
               gint64          after_seq,
               guint           max,
               guint64        *dropped,
               gint64         *last_seq,
               GError        **error)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);

  *dropped = 0;
  for (;;)
    {
      g_autoptr(GPtrArray) page = sluice_history_get_log_lines (history, run_id, step_id, attempt, after_seq, LOG_PAGE, error);
      guint n;

      if (page == NULL)
        return NULL;
      n = page->len;
      for (guint i = 0; i < n; i++)
        {
          SluiceLogLine *line = g_ptr_array_index (page, i);

          after_seq = line->seq;
          g_ptr_array_add (kept, line);
        }
      // The lines now belong to kept.
      g_ptr_array_set_free_func (page, NULL);
      if (kept->len > max)
        {
          guint extra = kept->len - max;

          g_ptr_array_remove_range (kept, 0, extra);
          *dropped += extra;
        }
      if (n < LOG_PAGE)
        break;
    }
  *last_seq = after_seq;
  return g_steal_pointer (&kept);
}

// The newest runs of pipeline_file (matched as the history sidebar does:
// the same file, symlinks resolved), and also_run.
static GPtrArray *
list_pipeline_runs (SluiceHistory  *history,
                    const char     *pipeline_file,
                    gint64          also_run,
                    GError        **error)
{
  g_autoptr(GPtrArray) runs = NULL;

  if (pipeline_file != NULL)
    runs = sluice_history_list_file_runs (history, NULL, pipeline_file, MAX_RUNS, error);
  else
    runs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_record_free);
  if (runs == NULL)
    return NULL;
  for (guint i = 0; i < runs->len; i++)
    if (((SluiceRunRecord *) g_ptr_array_index (runs, i))->id == also_run)
      return g_steal_pointer (&runs);
  // A run set by the window is offered even when it is not one of those.
  if (also_run != 0)
    {
      SluiceRunRecord *run = sluice_history_get_run (history, also_run, NULL);

      if (run != NULL)
        g_ptr_array_insert (runs, 0, run);
    }
  return g_steal_pointer (&runs);
}

// A reused step ran in an earlier run: the run and step that produced
// its outputs (found from an output's hash; the step may have another id
// there).
static void
find_producer (SluiceHistory *history,
               LoadResult    *result,
               GPtrArray     *uses)
{
  g_autoptr(SluiceArtifactUse) producer = NULL;

  for (guint i = 0; uses != NULL && i < uses->len && producer == NULL; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (use->is_output)
        producer = sluice_history_find_producer (history, use->hash, NULL);
    }
  result->producer_run = producer ? producer->run_id : result->step->reused_from_run;
  result->producer_step = g_strdup (producer ? producer->step_id : result->step->step_id);
  result->producer_record = sluice_history_get_step (history, result->producer_run, result->producer_step, NULL);
}

static void
load_outputs (const char *history_path,
              LoadResult *result,
              GPtrArray  *uses)
{
  g_autofree char *root = g_path_get_dirname (history_path);
  g_autoptr(SluiceArtifactStore) store = NULL;
  g_autoptr(GError) error = NULL;

  result->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) output_info_free);
  for (guint i = 0; uses != NULL && i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);
      OutputInfo *info;

      if (!use->is_output)
        continue;
      if (store == NULL && !(store = sluice_artifact_store_new (root, &error)))
        break;
      info = g_new0 (OutputInfo, 1);
      info->port = g_strdup (use->port);
      info->hash = g_strdup (use->hash);
      if (!sluice_artifact_store_contains (store, use->hash))
        info->error = g_strdup (_("The artifact is no longer in the store (it was garbage collected)."));
      else
        {
          g_autoptr(GError) preview_error = NULL;

          info->path = sluice_artifact_store_get_path (store, use->hash);
          info->preview = sluice_artifact_preview_load (info->path, NULL, &preview_error);
          if (info->preview == NULL)
            info->error = g_strdup (preview_error->message);
          else if (info->preview->kind == SLUICE_PREVIEW_IMAGE && info->preview->size <= MAX_IMAGE_BYTES)
            info->image = gdk_texture_new_from_filename (info->preview->data_path, NULL);
        }
      g_ptr_array_add (result->outputs, info);
    }
}

static void
load_step (SluiceHistory *history,
           LoadRequest   *request,
           LoadResult    *result)
{
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(GPtrArray) metrics = NULL;
  g_autoptr(GError) error = NULL;
  const SluiceStepRecord *ran;

  result->step = sluice_history_get_step (history, result->run_id, request->step_id, NULL);
  result->lines = read_log_tail (history, result->run_id, request->step_id, request->attempt,
                                 result->fresh ? 0 : request->after_seq, MAX_LOG_LINES,
                                 &result->dropped, &result->last_seq, NULL);
  if (result->step == NULL)
    return;

  uses = sluice_history_get_artifact_uses (history, result->run_id, request->step_id, NULL);
  if (result->step->reused_from_run > 0)
    {
      gint64 last_seq = 0;

      find_producer (history, result, uses);
      if (result->fresh)
        result->producer_lines = read_log_tail (history, result->producer_run, result->producer_step, 0, 0,
                                                MAX_LOG_LINES, &result->producer_dropped, &last_seq, NULL);
    }

  // A reused step's metrics are those its outputs were made with.
  metrics = sluice_history_get_metrics (history, result->producer_run ? result->producer_run : result->run_id, NULL);
  result->metrics = sluice_metrics_summarize (metrics, result->producer_step ? result->producer_step : request->step_id);

  // A reused step did not run: what ran is its producer.
  ran = result->producer_record ? result->producer_record : result->step;
  result->inputs = sluice_step_resolve_inputs (result->run->pipeline_json, result->run->params_json,
                                               ran->component_json, request->step_id, uses, &error);
  if (result->inputs == NULL)
    result->inputs_error = g_strdup (error->message);
  if (ran->argv_json != NULL)
    result->command = sluice_argv_json_to_shell (ran->argv_json, NULL);
  load_outputs (request->history_path, result, uses);
}

static void
load_logs_only (SluiceHistory *history,
                LoadRequest   *request,
                LoadResult    *result)
{
  result->run_id = request->shown_run;
  result->run = sluice_history_get_run (history, result->run_id, NULL);
  result->step = sluice_history_get_step (history, result->run_id, request->step_id, NULL);
  result->lines = read_log_tail (history, result->run_id, request->step_id, request->attempt,
                                 request->after_seq, MAX_LOG_LINES, &result->dropped, &result->last_seq, NULL);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadRequest *request = task_data;
  g_autoptr(LoadResult) result = g_new0 (LoadResult, 1);
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GError) error = NULL;

  result->fresh = request->fresh;
  result->logs_only = request->mode == LOAD_LOGS;
  // Looking must not create a history where there is none.
  if (!g_file_test (request->history_path, G_FILE_TEST_IS_REGULAR))
    {
      g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) load_result_free);
      return;
    }
  if (!(history = sluice_history_open (request->history_path, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (result->logs_only)
    {
      load_logs_only (history, request, result);
      g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) load_result_free);
      return;
    }
  if (!(result->runs = list_pipeline_runs (history, request->pipeline_file, request->run_id, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result->run_id = request->run_id;
  if (result->run_id == 0 && result->runs->len > 0)
    result->run_id = ((SluiceRunRecord *) g_ptr_array_index (result->runs, 0))->id;
  if (result->run_id == 0)
    {
      g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) load_result_free);
      return;
    }
  if (!(result->run = sluice_history_get_run (history, result->run_id, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  // New lines of another run are not new lines of this one.
  if (result->run_id != request->shown_run)
    result->fresh = TRUE;
  if (request->step_id != NULL && !g_cancellable_is_cancelled (cancellable))
    load_step (history, request, result);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) load_result_free);
}

/* showing a result ------------------------------------------------------------------------ */

static void
remove_children (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static char *
format_duration (gint64 microseconds)
{
  double seconds = microseconds / (double) G_USEC_PER_SEC;

  if (seconds < 60)
    return g_strdup_printf (_("%.1f s"), seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%d min %02d s"), (int) seconds / 60, (int) seconds % 60);
  return g_strdup_printf (_("%d h %02d min"), (int) seconds / 3600, ((int) seconds % 3600) / 60);
}

static char *
format_time (gint64 microseconds)
{
  g_autoptr(GDateTime) time = microseconds > 0 ? g_date_time_new_from_unix_local (microseconds / G_USEC_PER_SEC) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (time) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M");
  return g_date_time_format (time, "%e %b %H:%M");
}

static const char *
state_label (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_PENDING:     return _("Pending");
    case SLUICE_STATE_QUEUED:      return _("Queued");
    case SLUICE_STATE_RUNNING:     return _("Running");
    case SLUICE_STATE_SUCCEEDED:   return _("Succeeded");
    case SLUICE_STATE_FAILED:      return _("Failed");
    case SLUICE_STATE_CANCELLED:   return _("Cancelled");
    case SLUICE_STATE_SKIPPED:     return _("Skipped");
    case SLUICE_STATE_REUSED:      return _("Reused");
    case SLUICE_STATE_INTERRUPTED: return _("Interrupted");
    default:                       return "";
    }
}

static void
set_state_icon (SluiceStepDetails *self,
                SluiceState        state)
{
  static const char * const classes[] = { "success", "error", "accent", "warning", "dim-label" };
  const char *icon, *css;

  switch (state)
    {
    case SLUICE_STATE_SUCCEEDED:   icon = "emblem-ok-symbolic";             css = "success";   break;
    case SLUICE_STATE_FAILED:      icon = "dialog-error-symbolic";          css = "error";     break;
    case SLUICE_STATE_RUNNING:     icon = "media-playback-start-symbolic";  css = "accent";    break;
    case SLUICE_STATE_REUSED:      icon = "emblem-synchronizing-symbolic";  css = "success";   break;
    case SLUICE_STATE_CANCELLED:   icon = "process-stop-symbolic";          css = "warning";   break;
    case SLUICE_STATE_INTERRUPTED: icon = "process-stop-symbolic";          css = "warning";   break;
    case SLUICE_STATE_SKIPPED:     icon = "action-unavailable-symbolic";    css = "dim-label"; break;
    case SLUICE_STATE_PENDING:
    case SLUICE_STATE_QUEUED:
    default:                       icon = "content-loading-symbolic";       css = "dim-label"; break;
    }
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), classes[i]);
  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), css);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_icon), state_label (state));
}

static void
show_header (SluiceStepDetails *self,
             LoadResult        *result)
{
  const SluiceStepRecord *step = result->step;
  g_autoptr(GString) subtitle = g_string_new (NULL);

  gtk_label_set_label (self->title_label, self->step_id);
  g_string_append_printf (subtitle, _("Run %" G_GINT64_FORMAT), result->run_id);
  if (step == NULL)
    {
      g_string_append_printf (subtitle, " · %s", _("Not started"));
      set_state_icon (self, SLUICE_STATE_PENDING);
      self->shown_state = SLUICE_STATE_PENDING;
    }
  else
    {
      g_string_append_printf (subtitle, " · %s", state_label (step->state));
      if (step->state == SLUICE_STATE_REUSED && result->producer_run > 0)
        g_string_append_printf (subtitle, _(" from run %" G_GINT64_FORMAT), result->producer_run);
      if (step->finished_at > 0 && step->started_at > 0 && step->state != SLUICE_STATE_REUSED)
        {
          g_autofree char *duration = format_duration (step->finished_at - step->started_at);

          g_string_append_printf (subtitle, _(" in %s"), duration);
        }
      if (step->exit_code >= 0)
        g_string_append_printf (subtitle, _(" · exit code %d"), step->exit_code);
      if (step->attempts > 1)
        g_string_append_printf (subtitle, _(" · %u attempts"), step->attempts);
      set_state_icon (self, step->state);
      self->shown_state = step->state;
    }
  gtk_label_set_label (self->subtitle_label, subtitle->str);
  // The subtitle may be cut short in a narrow pane; the tooltip has it all.
  if (step != NULL && step->message != NULL)
    g_string_append_printf (subtitle, "\n%s", step->message);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->subtitle_label), subtitle->str);
}

static void
setup_menu_item (GtkSignalListItemFactory *factory,
                 GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

// The menu button shows only "Run 12", its list what each run was.
static void
bind_menu_item (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  is_button)
{
  const char *text = gtk_string_object_get_string (gtk_list_item_get_item (item));
  const char *cut = is_button ? strstr (text, " · ") : NULL;
  g_autofree char *shown = cut ? g_strndup (text, cut - text) : g_strdup (text);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), shown);
}

static GtkListItemFactory *
menu_factory (gboolean is_button)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_menu_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_menu_item), GINT_TO_POINTER (is_button));
  return factory;
}

static void
show_run_menu (SluiceStepDetails *self,
               LoadResult        *result)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint selected = GTK_INVALID_LIST_POSITION;

  self->updating_menus = TRUE;
  g_array_set_size (self->run_ids, 0);
  for (guint i = 0; i < result->runs->len; i++)
    {
      SluiceRunRecord *run = g_ptr_array_index (result->runs, i);
      g_autofree char *when = format_time (run->started_at ? run->started_at : run->created_at);
      g_autofree char *name = g_strdup_printf (_("Run %" G_GINT64_FORMAT " · %s · %s"), run->id, state_label (run->state), when);

      gtk_string_list_append (names, name);
      g_array_append_val (self->run_ids, run->id);
      if (run->id == result->run_id)
        selected = i;
    }
  gtk_drop_down_set_model (self->run_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->run_dropdown, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->run_dropdown), result->runs->len > 0);
  self->updating_menus = FALSE;
}

static void
show_attempt_menu (SluiceStepDetails *self,
                   LoadResult        *result)
{
  guint attempts = result->step ? result->step->attempts : 0;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  self->updating_menus = TRUE;
  gtk_string_list_append (names, _("All Attempts"));
  for (guint i = 1; i <= attempts; i++)
    {
      g_autofree char *name = g_strdup_printf (_("Attempt %u"), i);

      gtk_string_list_append (names, name);
    }
  gtk_drop_down_set_model (self->attempt_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->attempt_dropdown, MIN (self->attempt, attempts));
  gtk_widget_set_visible (GTK_WIDGET (self->attempt_dropdown), attempts > 1);
  self->updating_menus = FALSE;
}

static void
append_lines (SluiceStepDetails *self,
              GPtrArray         *lines)
{
  for (guint i = 0; lines != NULL && i < lines->len; i++)
    {
      SluiceLogLine *line = g_ptr_array_index (lines, i);

      if (line->seq > self->last_seq)
        {
          sluice_log_view_append (self->log_view, line->stream, line->text);
          self->last_seq = line->seq;
        }
    }
}

static void
show_log (SluiceStepDetails *self,
          LoadResult        *result)
{
  if (result->fresh)
    {
      sluice_log_view_clear (self->log_view);
      self->last_seq = 0;
      sluice_log_view_add_dropped (self->log_view, result->dropped);
    }
  append_lines (self, result->lines);
  if (result->fresh && result->producer_lines != NULL)
    {
      g_autofree char *note = g_strdup_printf (_("This step reused the outputs of step “%s” in run %" G_GINT64_FORMAT
                                                 ". That step’s log follows."),
                                               result->producer_step, result->producer_run);

      sluice_log_view_append (self->log_view, 's', note);
      sluice_log_view_add_dropped (self->log_view, result->producer_dropped);
      for (guint i = 0; i < result->producer_lines->len; i++)
        {
          SluiceLogLine *line = g_ptr_array_index (result->producer_lines, i);

          sluice_log_view_append (self->log_view, line->stream, line->text);
        }
    }
  // The lines of the current run may go on after the producer's.
  if (result->last_seq > self->last_seq)
    self->last_seq = result->last_seq;
}

static GtkWidget *
placeholder (const char *icon,
             const char *title,
             const char *description)
{
  GtkWidget *page = adw_status_page_new ();

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), icon);
  adw_status_page_set_title (ADW_STATUS_PAGE (page), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (page), description);
  gtk_widget_add_css_class (page, "compact");
  return page;
}

static void
show_outputs (SluiceStepDetails *self,
              LoadResult        *result)
{
  remove_children (self->outputs_box);
  g_ptr_array_set_size (self->output_kinds, 0);
  self->n_outputs = result->outputs ? result->outputs->len : 0;
  if (self->n_outputs == 0)
    {
      gboolean done = result->step && sluice_state_is_done (result->step->state);

      gtk_box_append (self->outputs_box,
                      placeholder ("folder-symbolic", _("No Outputs"),
                                   done ? _("This step has no outputs.")
                                        : _("Outputs appear here once the step has produced them.")));
      return;
    }
  for (guint i = 0; i < result->outputs->len; i++)
    {
      OutputInfo *info = g_ptr_array_index (result->outputs, i);
      GtkWidget *preview = sluice_output_preview_new (info->port, info->hash, info->path, info->preview,
                                                      info->image ? GDK_PAINTABLE (info->image) : NULL, info->error);

      g_ptr_array_add (self->output_kinds, g_strdup (sluice_output_preview_get_kind (SLUICE_OUTPUT_PREVIEW (preview))));
      gtk_box_append (self->outputs_box, preview);
    }
}

static char *
format_metric_value (double value)
{
  if (isnan (value))
    return g_strdup ("NaN");
  return g_strdup_printf ("%.6g", value);
}

static void
show_metrics (SluiceStepDetails *self,
              LoadResult        *result)
{
  GtkWidget *group;

  remove_children (self->metrics_box);
  self->n_metrics = result->metrics ? result->metrics->len : 0;
  if (self->n_metrics == 0)
    {
      gtk_box_append (self->metrics_box,
                      placeholder ("utilities-system-monitor-symbolic", _("No Metrics"),
                                   _("A step records metrics by writing “name value [step]” lines to the file in $SLUICE_METRICS.")));
      return;
    }
  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Metrics"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("The latest value of each metric"));
  for (guint i = 0; i < result->metrics->len; i++)
    {
      SluiceMetricSummary *metric = g_ptr_array_index (result->metrics, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *value = format_metric_value (metric->value);
      g_autofree char *subtitle = NULL;
      GtkWidget *label = gtk_label_new (value);

      if (metric->index >= 0)
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u value · at step %" G_GINT64_FORMAT,
                                                 "%u values · latest at step %" G_GINT64_FORMAT, metric->count),
                                    metric->count, metric->index);
      else
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u value", "%u values", metric->count), metric->count);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), metric->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "title-4");
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  gtk_box_append (self->metrics_box, group);
}

static void
copy_text (GtkButton  *button,
           const char *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), text);
}

static GtkWidget *
command_group (const char *command,
               gint64      producer_run)
{
  g_autofree char *reused = producer_run ? g_strdup_printf (_("As it ran in run %" G_GINT64_FORMAT ", which made the outputs "
                                                              "this step reused"), producer_run) : NULL;
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new (command);
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Command Line"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         reused ? reused : _("As the last attempt ran it, quoted for a shell"));
  gtk_widget_add_css_class (copy, "flat");
  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (copy, _("Copy Command Line"));
  g_signal_connect_data (copy, "clicked", G_CALLBACK (copy_text), g_strdup (command), (GClosureNotify) g_free, 0);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), copy);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_widget_add_css_class (card, "card");
  gtk_box_append (GTK_BOX (card), label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), card);
  return group;
}

static char *
describe_input (const SluiceStepInput *input)
{
  const char *origin = sluice_input_origin_describe (input->origin);

  switch (input->origin)
    {
    case SLUICE_INPUT_ORIGIN_LINK:
      return input->hash
        ? g_strdup_printf (_("%s · from %s · %.12s"), input->type, input->source, input->hash)
        : g_strdup_printf (_("%s · from %s"), input->type, input->source);
    case SLUICE_INPUT_ORIGIN_RUN:
    case SLUICE_INPUT_ORIGIN_PIPELINE:
      return g_strdup_printf (_("%s · %s “%s”"), input->type, origin, input->source);
    case SLUICE_INPUT_ORIGIN_STEP:
    case SLUICE_INPUT_ORIGIN_DEFAULT:
    case SLUICE_INPUT_ORIGIN_UNSET:
    default:
      return g_strdup_printf ("%s · %s", input->type, origin);
    }
}

static GtkWidget *
inputs_group (LoadResult *result)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Inputs"));
  if (result->inputs_error != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), result->inputs_error);
  else if (result->inputs->len == 0)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("The component has no inputs."));
  for (guint i = 0; result->inputs != NULL && i < result->inputs->len; i++)
    {
      SluiceStepInput *input = g_ptr_array_index (result->inputs, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *subtitle = describe_input (input);
      GtkWidget *value = gtk_label_new (input->value ? input->value : input->origin == SLUICE_INPUT_ORIGIN_UNSET ? "—" : "");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), input->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (value), 40);
      gtk_widget_set_tooltip_text (value, input->value);
      gtk_widget_add_css_class (value, "monospace");
      if (input->origin == SLUICE_INPUT_ORIGIN_UNSET)
        gtk_widget_add_css_class (value, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  return group;
}

static void
add_fact (GtkWidget  *group,
          const char *title,
          const char *value)
{
  GtkWidget *row;
  GtkWidget *label;

  if (value == NULL || *value == '\0')
    return;
  row = adw_action_row_new ();
  label = gtk_label_new (value);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 48);
  gtk_widget_set_tooltip_text (label, value);
  gtk_widget_add_css_class (label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
}

static GtkWidget *
facts_group (const SluiceStepRecord *step)
{
  GtkWidget *group = adw_preferences_group_new ();
  g_autofree char *started = format_time (step->started_at);
  g_autoptr(JsonParser) parser = json_parser_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Environment"));
  add_fact (group, _("Component"), step->component_ref);
  add_fact (group, _("Started"), started);
  add_fact (group, _("Message"), step->message);
  add_fact (group, _("Code hash"), step->code_hash);
  add_fact (group, _("Git commit"), step->code_git_commit);
  add_fact (group, _("Cache key"), step->cache_key);
  if (step->tool_versions_json != NULL && json_parser_load_from_data (parser, step->tool_versions_json, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *tools = json_node_get_object (json_parser_get_root (parser));
      g_autoptr(GList) names = json_object_get_members (tools);

      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonNode *node = json_object_get_member (tools, l->data);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            add_fact (group, l->data, json_node_get_string (node));
        }
    }
  return group;
}

static void
show_command (SluiceStepDetails *self,
              LoadResult        *result)
{
  remove_children (self->command_box);
  g_free (self->command);
  self->command = g_strdup (result->command);
  self->n_inputs = result->inputs ? result->inputs->len : 0;
  if (result->step == NULL)
    {
      gtk_box_append (self->command_box,
                      placeholder ("utilities-terminal-symbolic", _("Not Started"),
                                   _("The command line and input values appear once the step starts.")));
      return;
    }
  if (result->command != NULL)
    gtk_box_append (self->command_box, command_group (result->command, result->producer_run));
  gtk_box_append (self->command_box, inputs_group (result));
  gtk_box_append (self->command_box, facts_group (result->producer_record ? result->producer_record : result->step));
}

static void apply_log_event (SluiceStepDetails    *self,
                             const SluiceRunEvent *event);
static void start_load      (SluiceStepDetails    *self,
                             LoadMode              mode);
static void set_live        (SluiceStepDetails    *self,
                             gboolean              live);

// New lines, and a full update when the step's state moved on.
static void
show_logs_only (SluiceStepDetails *self,
                LoadResult        *result)
{
  SluiceState state = result->step ? result->step->state : SLUICE_STATE_PENDING;
  guint attempts = result->step ? result->step->attempts : 0;

  if (result->run_id != self->shown_run)
    return;
  append_lines (self, result->lines);
  if (result->last_seq > self->last_seq)
    self->last_seq = result->last_seq;
  if ((result->step != NULL) != self->has_step_record || state != self->shown_state ||
      attempts != self->shown_attempts || (result->run && sluice_state_is_final (result->run->state)))
    start_load (self, LOAD_UPDATE);
}

static void
show_result (SluiceStepDetails *self,
             LoadResult        *result)
{
  g_autoptr(GPtrArray) queued = g_steal_pointer (&self->queued_events);

  self->queued_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  self->loading_fresh = FALSE;
  self->shown_run = result->run_id;
  set_live (self, result->run != NULL && !sluice_state_is_final (result->run->state));
  if (result->run_id == 0)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "no-run");
      return;
    }
  show_run_menu (self, result);
  if (self->step_id == NULL)
    {
      g_autofree char *description = g_strdup_printf (_("Select a step to see its log, outputs and metrics in run %" G_GINT64_FORMAT "."),
                                                      result->run_id);

      adw_status_page_set_description (self->no_step_page, description);
      gtk_stack_set_visible_child_name (self->main_stack, "no-step");
      return;
    }

  self->has_step_record = result->step != NULL;
  self->shown_attempts = result->step ? result->step->attempts : 0;
  self->producer_run = result->producer_run;
  g_free (self->producer_step);
  self->producer_step = g_strdup (result->producer_step);
  show_header (self, result);
  show_attempt_menu (self, result);
  show_log (self, result);
  show_outputs (self, result);
  show_metrics (self, result);
  show_command (self, result);
  gtk_stack_set_visible_child_name (self->main_stack, "details");

  for (guint i = 0; i < queued->len; i++)
    apply_log_event (self, g_ptr_array_index (queued, i));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *async_result,
           gpointer      user_data)
{
  g_autoptr(LoadResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SluiceStepDetails *self;
  guint generation = GPOINTER_TO_UINT (user_data);

  result = g_task_propagate_pointer (G_TASK (async_result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = SLUICE_STEP_DETAILS (source);
  if (generation != self->generation)
    return;
  self->loading = FALSE;
  if (result != NULL && result->logs_only)
    {
      show_logs_only (self, result);
      return;
    }
  if (result == NULL)
    {
      adw_status_page_set_title (self->no_run_page, _("Cannot Read the Run History"));
      adw_status_page_set_description (self->no_run_page, error->message);
      gtk_stack_set_visible_child_name (self->main_stack, "no-run");
      self->loading_fresh = FALSE;
      return;
    }
  adw_status_page_set_title (self->no_run_page, _("No Runs Yet"));
  adw_status_page_set_description (self->no_run_page, _("Run the pipeline to see its logs"));
  show_result (self, result);
}

static gint64
wanted_run (SluiceStepDetails *self)
{
  return self->chosen_run != 0 ? self->chosen_run : self->run_id;
}

/* a run on a server ---------------------------------------------------------------------- */

static SluiceRunRecord *
remote_run_record (SluiceStepDetails *self)
{
  SluiceRunRecord *run = g_new0 (SluiceRunRecord, 1);

  run->id = self->run_id;
  run->state = SLUICE_STATE_QUEUED;
  for (guint i = 0; i < self->remote_events->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (self->remote_events, i);

      if (e->kind != SLUICE_RUN_EVENT_RUN_STATE)
        continue;
      run->state = e->state;
      if (run->created_at == 0)
        run->created_at = e->time;
      if (e->state == SLUICE_STATE_RUNNING && run->started_at == 0)
        run->started_at = e->time;
      if (sluice_state_is_final (e->state))
        run->finished_at = e->time;
    }
  return run;
}

// NULL while the step has no state event yet, like a step with no record.
static SluiceStepRecord *
remote_step_record (SluiceStepDetails *self)
{
  SluiceStepRecord *step = NULL;

  for (guint i = 0; i < self->remote_events->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (self->remote_events, i);

      if (e->kind != SLUICE_RUN_EVENT_STEP_STATE || g_strcmp0 (e->step_id, self->step_id) != 0)
        continue;
      if (step == NULL)
        {
          step = g_new0 (SluiceStepRecord, 1);
          step->run_id = self->run_id;
          step->step_id = g_strdup (self->step_id);
          step->exit_code = -1;
        }
      step->state = e->state;
      step->attempts = MAX (step->attempts, e->attempt);
      if (e->state == SLUICE_STATE_RUNNING && step->started_at == 0)
        step->started_at = e->time;
      if (sluice_state_is_done (e->state))
        step->finished_at = e->time;
      if (e->text != NULL)
        {
          g_free (step->message);
          step->message = g_strdup (e->text);
        }
    }
  return step;
}

static gboolean
is_shown_step_line (SluiceStepDetails    *self,
                    const SluiceRunEvent *e)
{
  return g_strcmp0 (e->step_id, self->step_id) == 0 && (self->attempt == 0 || e->attempt == self->attempt);
}

// The newest MAX_LOG_LINES of the step (after after_seq).
static GPtrArray *
remote_log_lines (SluiceStepDetails *self,
                  gint64             after_seq,
                  guint64           *dropped)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_log_line_free);

  *dropped = GPOINTER_TO_UINT (g_hash_table_lookup (self->remote_dropped, self->step_id));
  for (guint i = 0; i < self->remote_lines->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (self->remote_lines, i);
      SluiceLogLine *line;

      if (e->seq <= after_seq || !is_shown_step_line (self, e))
        continue;
      line = g_new0 (SluiceLogLine, 1);
      line->seq = e->seq;
      line->run_id = self->run_id;
      line->step_id = g_strdup (e->step_id);
      line->attempt = e->attempt;
      line->stream = e->stream;
      line->time = e->time;
      line->text = g_strdup (e->text);
      g_ptr_array_add (lines, line);
    }
  if (lines->len > MAX_LOG_LINES)
    {
      *dropped += lines->len - MAX_LOG_LINES;
      g_ptr_array_remove_range (lines, 0, lines->len - MAX_LOG_LINES);
    }
  return lines;
}

static void
remote_metrics_and_outputs (SluiceStepDetails *self,
                            LoadResult        *result)
{
  g_autoptr(GPtrArray) metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_metric_free);

  result->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) output_info_free);
  for (guint i = 0; i < self->remote_events->len; i++)
    {
      const SluiceRunEvent *e = g_ptr_array_index (self->remote_events, i);

      if (g_strcmp0 (e->step_id, self->step_id) != 0)
        continue;
      if (e->kind == SLUICE_RUN_EVENT_METRIC)
        {
          SluiceMetric *metric = g_new0 (SluiceMetric, 1);

          metric->run_id = self->run_id;
          metric->step_id = g_strdup (e->step_id);
          metric->name = g_strdup (e->name);
          metric->value = e->value;
          metric->index = e->index;
          metric->time = e->time;
          g_ptr_array_add (metrics, metric);
        }
      else if (e->kind == SLUICE_RUN_EVENT_ARTIFACT)
        {
          OutputInfo *info = g_new0 (OutputInfo, 1);

          info->port = g_strdup (e->name);
          info->hash = g_strdup (e->hash);
          // The file is on the server: no preview here, and where to get it.
          info->error = g_strdup_printf (_("Kept on the server “%s”: GET /api/v1/runs/%" G_GINT64_FORMAT
                                           "/steps/%s/outputs/%s"),
                                         self->remote_name, self->run_id, e->step_id, e->name);
          g_ptr_array_add (result->outputs, info);
        }
    }
  result->metrics = sluice_metrics_summarize (metrics, self->step_id);
}

// What a load from the history would give, made from the run's events.
static LoadResult *
remote_result (SluiceStepDetails *self,
               LoadMode           mode)
{
  LoadResult *result = g_new0 (LoadResult, 1);

  result->fresh = mode == LOAD_FRESH || self->shown_run != self->run_id;
  result->run_id = self->run_id;
  result->run = remote_run_record (self);
  result->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_record_free);
  g_ptr_array_add (result->runs, remote_run_record (self));
  if (self->step_id == NULL)
    return result;
  result->step = remote_step_record (self);
  result->lines = remote_log_lines (self, result->fresh ? 0 : self->last_seq, &result->dropped);
  result->last_seq = self->remote_seq;
  result->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_step_input_free);
  result->inputs_error = g_strdup_printf (_("The command line and input values of a run on a server are kept "
                                            "there: sluice runs show --remote %s %" G_GINT64_FORMAT),
                                          self->remote_name, self->run_id);
  remote_metrics_and_outputs (self, result);
  return result;
}

static void
show_remote (SluiceStepDetails *self,
             LoadMode           mode)
{
  g_autoptr(LoadResult) result = remote_result (self, mode);

  self->generation++;
  self->loading = FALSE;
  show_result (self, result);
}

// Kept whole but for log lines, which are many: the oldest go first.
static void
keep_remote_event (SluiceStepDetails    *self,
                   const SluiceRunEvent *event)
{
  SluiceRunEvent *copy = sluice_run_event_copy (event);

  if (event->kind != SLUICE_RUN_EVENT_LOG)
    {
      g_ptr_array_add (self->remote_events, copy);
      return;
    }
  copy->seq = ++self->remote_seq;
  g_ptr_array_add (self->remote_lines, copy);
  if (self->remote_lines->len > MAX_REMOTE_LINES)
    {
      guint extra = self->remote_lines->len - MAX_REMOTE_LINES + MAX_REMOTE_LINES / 10;

      for (guint i = 0; i < extra; i++)
        {
          const char *step = ((SluiceRunEvent *) g_ptr_array_index (self->remote_lines, i))->step_id;
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->remote_dropped, step));

          if (step != NULL)
            g_hash_table_replace (self->remote_dropped, g_strdup (step), GUINT_TO_POINTER (count + 1));
        }
      g_ptr_array_remove_range (self->remote_lines, 0, extra);
    }
}

static void
clear_remote (SluiceStepDetails *self)
{
  g_clear_pointer (&self->remote_name, g_free);
  g_ptr_array_set_size (self->remote_events, 0);
  g_ptr_array_set_size (self->remote_lines, 0);
  self->remote_seq = 0;
  g_hash_table_remove_all (self->remote_dropped);
}

static void
start_load (SluiceStepDetails *self,
            LoadMode           mode)
{
  gboolean fresh = mode == LOAD_FRESH;
  g_autoptr(GTask) task = NULL;
  LoadRequest *request;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->remote_name != NULL)
    {
      show_remote (self, mode);
      return;
    }
  if (self->history_path == NULL)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "no-run");
      return;
    }
  // A fresh load makes any load under way pointless.
  if (fresh)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      self->loading_fresh = TRUE;
      g_ptr_array_set_size (self->queued_events, 0);
    }

  request = g_new0 (LoadRequest, 1);
  request->mode = mode;
  request->history_path = g_strdup (self->history_path);
  request->run_id = wanted_run (self);
  request->pipeline_file = g_strdup (self->pipeline_file);
  request->step_id = g_strdup (self->step_id);
  request->attempt = self->attempt;
  request->shown_run = fresh ? 0 : self->shown_run;
  request->after_seq = self->last_seq;
  request->fresh = fresh || self->shown_run == 0;

  self->generation++;
  self->loading = TRUE;
  task = g_task_new (self, self->cancellable, on_loaded, GUINT_TO_POINTER (self->generation));
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, request, (GDestroyNotify) load_request_free);
  g_task_run_in_thread (task, load_thread);
}

static gboolean
refresh_cb (gpointer user_data)
{
  SluiceStepDetails *self = user_data;

  self->refresh_source = 0;
  start_load (self, LOAD_UPDATE);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (SluiceStepDetails *self)
{
  if (self->refresh_source == 0 && !self->loading_fresh)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

static gboolean
poll_cb (gpointer user_data)
{
  SluiceStepDetails *self = user_data;

  // Events forwarded by the window make polling needless.
  if (self->remote_name == NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) && !self->loading && self->step_id != NULL &&
      self->refresh_source == 0 && g_get_monotonic_time () - self->last_event_time > G_USEC_PER_SEC)
    start_load (self, LOAD_LOGS);
  return G_SOURCE_CONTINUE;
}

static void
set_live (SluiceStepDetails *self,
          gboolean           live)
{
  if (live && self->poll_source == 0)
    self->poll_source = g_timeout_add (POLL_MS, poll_cb, self);
  else if (!live)
    g_clear_handle_id (&self->poll_source, g_source_remove);
}

/* events ------------------------------------------------------------------------------------ */

static void
apply_log_event (SluiceStepDetails    *self,
                 const SluiceRunEvent *event)
{
  if (self->attempt != 0 && event->attempt != self->attempt)
    return;
  // Already read from the history.
  if (event->seq != 0 && event->seq <= self->last_seq)
    return;
  sluice_log_view_append (self->log_view, event->stream, event->text);
  if (event->seq > self->last_seq)
    self->last_seq = event->seq;
}

void
sluice_step_details_apply_events (SluiceStepDetails *self,
                                  GPtrArray         *events)
{
  gboolean refresh = FALSE;

  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));
  g_return_if_fail (events != NULL);

  self->last_event_time = g_get_monotonic_time ();
  for (guint i = 0; i < events->len; i++)
    {
      const SluiceRunEvent *event = g_ptr_array_index (events, i);

      if (event->run_id != wanted_run (self) && event->run_id != self->shown_run)
        continue;
      if (self->remote_name != NULL)
        {
          keep_remote_event (self, event);
          // The kept copy, with this pane's numbering of the lines.
          if (event->kind == SLUICE_RUN_EVENT_LOG)
            event = g_ptr_array_index (self->remote_lines, self->remote_lines->len - 1);
        }
      if (event->kind == SLUICE_RUN_EVENT_RUN_STATE)
        {
          refresh = TRUE;
          continue;
        }
      if (self->step_id == NULL || g_strcmp0 (event->step_id, self->step_id) != 0)
        continue;
      if (event->kind != SLUICE_RUN_EVENT_LOG)
        refresh = TRUE;
      else if (self->loading_fresh || event->run_id != self->shown_run)
        g_ptr_array_add (self->queued_events, sluice_run_event_copy (event));
      else
        apply_log_event (self, event);
    }
  if (refresh)
    schedule_refresh (self);
}

/* full log ------------------------------------------------------------------------------------ */

typedef struct
{
  char   *history_path;
  gint64  run_id;
  char   *step_id;
  guint   attempt;
} FullLogRequest;

static void
full_log_request_free (FullLogRequest *request)
{
  g_free (request->history_path);
  g_free (request->step_id);
  g_free (request);
}

// Streams every line to a file in the cache folder, a page at a time.
static void
write_full_log_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  FullLogRequest *request = task_data;
  g_autoptr(SluiceHistory) history = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "sluice", "logs", NULL);
  g_autofree char *name = g_strdup_printf ("run-%" G_GINT64_FORMAT "-%s%s.log", request->run_id, request->step_id,
                                           request->attempt ? "-attempt" : "");
  g_autofree char *path = NULL;
  gint64 after_seq = 0;

  g_mkdir_with_parents (dir, 0700);
  path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (path);
  // g_file_replace() writes a temporary file and renames it at close.
  if (!(history = sluice_history_open (request->history_path, &error)) ||
      !(stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (;;)
    {
      g_autoptr(GPtrArray) page = sluice_history_get_log_lines (history, request->run_id, request->step_id,
                                                                request->attempt, after_seq, LOG_PAGE, &error);
      g_autoptr(GString) text = g_string_new (NULL);

      if (page == NULL)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          SluiceLogLine *line = g_ptr_array_index (page, i);

          g_string_append_printf (text, "%s%s\n", line->stream == 'e' ? "[stderr] " : line->stream == 's' ? "[sluice] " : "",
                                  line->text);
          after_seq = line->seq;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (stream), text->str, text->len, NULL, cancellable, &error) ||
          page->len < LOG_PAGE)
        break;
    }
  if (error == NULL)
    g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_file_get_uri (file), g_free);
}

static void
on_full_log_launched (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_message ("Could not open the full log: %s", error->message);
}

static void
on_full_log_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_task_propagate_pointer (G_TASK (result), &error);

  if (uri == NULL)
    {
      g_message ("Could not write the full log: %s", error->message);
      return;
    }
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_full_log_launched, NULL);
}

static void
on_open_full_log (SluiceStepDetails *self)
{
  g_autoptr(GTask) task = NULL;
  FullLogRequest *request;

  if (self->history_path == NULL || self->shown_run == 0 || self->step_id == NULL || self->remote_name != NULL)
    return;
  // A reused step's own log is a note; the full log is its producer's.
  request = g_new0 (FullLogRequest, 1);
  request->history_path = g_strdup (self->history_path);
  request->run_id = self->producer_run ? self->producer_run : self->shown_run;
  request->step_id = g_strdup (self->producer_run ? self->producer_step : self->step_id);
  request->attempt = self->producer_run ? 0 : self->attempt;
  task = g_task_new (self, NULL, on_full_log_written, NULL);
  g_task_set_source_tag (task, on_open_full_log);
  g_task_set_task_data (task, request, (GDestroyNotify) full_log_request_free);
  g_task_run_in_thread (task, write_full_log_thread);
}

/* menus ----------------------------------------------------------------------------------- */

static void
on_run_selected (SluiceStepDetails *self)
{
  guint selected = gtk_drop_down_get_selected (self->run_dropdown);

  if (self->updating_menus || selected >= self->run_ids->len)
    return;
  if (g_array_index (self->run_ids, gint64, selected) == self->shown_run)
    return;
  self->chosen_run = g_array_index (self->run_ids, gint64, selected);
  self->attempt = 0;
  start_load (self, LOAD_FRESH);
}

static void
on_attempt_selected (SluiceStepDetails *self)
{
  guint selected = gtk_drop_down_get_selected (self->attempt_dropdown);

  if (self->updating_menus || selected == GTK_INVALID_LIST_POSITION || selected == self->attempt)
    return;
  self->attempt = selected;
  start_load (self, LOAD_FRESH);
}

// The page buttons are named after the pages they show.
static void
on_page_toggled (GtkToggleButton   *button,
                 SluiceStepDetails *self)
{
  if (gtk_toggle_button_get_active (button))
    gtk_stack_set_visible_child_name (self->pages_stack, gtk_widget_get_name (GTK_WIDGET (button)));
}

/* GObject ------------------------------------------------------------------------------------ */

static void
sluice_step_details_map (GtkWidget *widget)
{
  SluiceStepDetails *self = SLUICE_STEP_DETAILS (widget);

  GTK_WIDGET_CLASS (sluice_step_details_parent_class)->map (widget);
  // Without a live run to follow, runs made elsewhere (the CLI) show up
  // when the pane is looked at again.
  if (wanted_run (self) == 0 && self->history_path != NULL && !self->loading_fresh)
    start_load (self, LOAD_UPDATE);
}

static void
sluice_step_details_dispose (GObject *object)
{
  SluiceStepDetails *self = SLUICE_STEP_DETAILS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_STEP_DETAILS);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_step_details_parent_class)->dispose (object);
}

static void
sluice_step_details_finalize (GObject *object)
{
  SluiceStepDetails *self = SLUICE_STEP_DETAILS (object);

  g_free (self->history_path);
  g_free (self->pipeline_file);
  g_free (self->step_id);
  g_free (self->command);
  g_free (self->producer_step);
  g_ptr_array_unref (self->queued_events);
  g_ptr_array_unref (self->output_kinds);
  g_free (self->remote_name);
  g_ptr_array_unref (self->remote_events);
  g_ptr_array_unref (self->remote_lines);
  g_hash_table_unref (self->remote_dropped);
  g_array_unref (self->run_ids);

  G_OBJECT_CLASS (sluice_step_details_parent_class)->finalize (object);
}

static void
sluice_step_details_class_init (SluiceStepDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_step_details_dispose;
  object_class->finalize = sluice_step_details_finalize;
  widget_class->map = sluice_step_details_map;

  g_type_ensure (SLUICE_TYPE_LOG_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-step-details.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, no_run_page);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, no_step_page);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, title_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, page_buttons);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, run_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, pages_stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, log_view);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, outputs_box);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, metrics_box);
  gtk_widget_class_bind_template_child (widget_class, SluiceStepDetails, command_box);
  gtk_widget_class_bind_template_callback (widget_class, on_run_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_open_full_log);
  gtk_widget_class_bind_template_callback (widget_class, on_page_toggled);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluicestepdetails");
}

static void
sluice_step_details_init (SluiceStepDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->queued_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  self->output_kinds = g_ptr_array_new_with_free_func (g_free);
  self->run_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->remote_events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  self->remote_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  self->remote_dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->main_stack, "no-run");
  {
    g_autoptr(GtkListItemFactory) button = menu_factory (TRUE);
    g_autoptr(GtkListItemFactory) list = menu_factory (FALSE);

    gtk_drop_down_set_factory (self->run_dropdown, button);
    gtk_drop_down_set_list_factory (self->run_dropdown, list);
  }
  // Attempts only filter the log, so their menu is in the log's toolbar.
  self->attempt_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
  gtk_widget_set_visible (GTK_WIDGET (self->attempt_dropdown), FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->attempt_dropdown), _("Attempt"));
  g_signal_connect_swapped (self->attempt_dropdown, "notify::selected", G_CALLBACK (on_attempt_selected), self);
  sluice_log_view_set_extra_widget (self->log_view, GTK_WIDGET (self->attempt_dropdown));
}

GtkWidget *
sluice_step_details_new (void)
{
  return g_object_new (SLUICE_TYPE_STEP_DETAILS, NULL);
}

static gboolean
set_history_path (SluiceStepDetails *self,
                  const char        *history_path)
{
  if (g_strcmp0 (self->history_path, history_path) == 0)
    return FALSE;
  g_free (self->history_path);
  self->history_path = g_strdup (history_path);
  return TRUE;
}

void
sluice_step_details_set_run (SluiceStepDetails *self,
                             const char        *history_path,
                             gint64             run_id)
{
  gboolean changed;

  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));

  changed = set_history_path (self, history_path);
  if (!changed && self->run_id == run_id && self->chosen_run == 0 && self->remote_name == NULL)
    return;
  clear_remote (self);
  self->run_id = run_id;
  self->chosen_run = 0;
  self->attempt = 0;
  start_load (self, LOAD_FRESH);
}

void
sluice_step_details_set_remote_run (SluiceStepDetails *self,
                                    const char        *remote_name,
                                    gint64             run_id)
{
  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));
  g_return_if_fail (remote_name != NULL && run_id > 0);

  if (g_strcmp0 (self->remote_name, remote_name) == 0 && self->run_id == run_id)
    return;
  clear_remote (self);
  self->remote_name = g_strdup (remote_name);
  self->run_id = run_id;
  self->chosen_run = 0;
  self->attempt = 0;
  start_load (self, LOAD_FRESH);
}

void
sluice_step_details_set_pipeline_file (SluiceStepDetails *self,
                                       const char        *history_path,
                                       const char        *pipeline_file)
{
  gboolean changed;

  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));

  changed = set_history_path (self, history_path);
  if (!changed && g_strcmp0 (self->pipeline_file, pipeline_file) == 0)
    return;
  g_free (self->pipeline_file);
  self->pipeline_file = g_strdup (pipeline_file);
  self->chosen_run = 0;
  self->attempt = 0;
  start_load (self, LOAD_FRESH);
}

void
sluice_step_details_set_step (SluiceStepDetails *self,
                              const char        *step_id)
{
  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));

  if (g_strcmp0 (self->step_id, step_id) == 0)
    return;
  g_free (self->step_id);
  self->step_id = g_strdup (step_id);
  self->attempt = 0;
  start_load (self, LOAD_FRESH);
}

void
sluice_step_details_reload (SluiceStepDetails *self)
{
  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));
  start_load (self, LOAD_UPDATE);
}

gint64
sluice_step_details_get_shown_run (SluiceStepDetails *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP_DETAILS (self), 0);
  return self->shown_run;
}

gboolean
sluice_step_details_has_run (SluiceStepDetails *self)
{
  g_return_val_if_fail (SLUICE_IS_STEP_DETAILS (self), FALSE);
  return self->shown_run != 0 || wanted_run (self) != 0;
}

static void
dump_widget_center (JsonBuilder *builder,
                    const char  *name,
                    GtkWidget   *widget,
                    GtkWidget   *relative_to)
{
  double x = 0, y = 0;

  if (!gtk_widget_get_mapped (widget) ||
      !gtk_widget_translate_coordinates (widget, relative_to,
                                         gtk_widget_get_width (widget) / 2.0, gtk_widget_get_height (widget) / 2.0,
                                         &x, &y))
    return;
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, x);
  json_builder_add_double_value (builder, y);
  json_builder_end_array (builder);
}

void
sluice_step_details_dump (SluiceStepDetails *self,
                          JsonBuilder       *builder,
                          GtkWidget         *relative_to)
{
  GtkWidget *button;
  int min_width = 0;

  g_return_if_fail (SLUICE_IS_STEP_DETAILS (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "view");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->main_stack));
  json_builder_set_member_name (builder, "run");
  json_builder_add_int_value (builder, self->shown_run);
  json_builder_set_member_name (builder, "remote");
  json_builder_add_string_value (builder, self->remote_name);
  json_builder_set_member_name (builder, "step");
  json_builder_add_string_value (builder, self->step_id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, self->has_step_record ? sluice_state_to_string (self->shown_state) : NULL);
  json_builder_set_member_name (builder, "page");
  json_builder_add_string_value (builder, gtk_stack_get_visible_child_name (self->pages_stack));
  json_builder_set_member_name (builder, "log_lines");
  json_builder_add_int_value (builder, sluice_log_view_get_n_lines (self->log_view));
  json_builder_set_member_name (builder, "log_dropped");
  json_builder_add_int_value (builder, sluice_log_view_get_dropped (self->log_view));
  json_builder_set_member_name (builder, "log_matches");
  json_builder_add_int_value (builder, sluice_log_view_get_n_matches (self->log_view));
  json_builder_set_member_name (builder, "log_follow");
  json_builder_add_boolean_value (builder, sluice_log_view_get_follow (self->log_view));
  json_builder_set_member_name (builder, "log_at_end");
  json_builder_add_boolean_value (builder, sluice_log_view_is_at_end (self->log_view));
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, self->command);
  json_builder_set_member_name (builder, "inputs");
  json_builder_add_int_value (builder, self->n_inputs);
  json_builder_set_member_name (builder, "metrics");
  json_builder_add_int_value (builder, self->n_metrics);
  json_builder_set_member_name (builder, "attempt");
  json_builder_add_int_value (builder, self->attempt);
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, self->shown_attempts);
  json_builder_set_member_name (builder, "runs");
  json_builder_add_int_value (builder, self->run_ids->len);
  json_builder_set_member_name (builder, "reused_from");
  json_builder_add_int_value (builder, self->producer_run);
  // The pane shares a column with the canvas: it must not force it wider.
  gtk_widget_measure (GTK_WIDGET (self), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  json_builder_set_member_name (builder, "min_width");
  json_builder_add_int_value (builder, min_width);
  json_builder_set_member_name (builder, "outputs");
  json_builder_begin_array (builder);
  for (guint k = 0; k < self->output_kinds->len; k++)
    json_builder_add_string_value (builder, g_ptr_array_index (self->output_kinds, k));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "buttons");
  json_builder_begin_object (builder);
  for (button = gtk_widget_get_first_child (self->page_buttons); button != NULL;
       button = gtk_widget_get_next_sibling (button))
    dump_widget_center (builder, gtk_widget_get_name (button), button, relative_to);
  dump_widget_center (builder, "search", sluice_log_view_get_search_entry (self->log_view), relative_to);
  dump_widget_center (builder, "attempt-menu", GTK_WIDGET (self->attempt_dropdown), relative_to);
  dump_widget_center (builder, "run-menu", GTK_WIDGET (self->run_dropdown), relative_to);
  dump_widget_center (builder, "open-full-log", sluice_log_view_get_open_full_log_button (self->log_view), relative_to);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}
