// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-run-bar.h"
#include "sluice-widget-private.h"

struct _SluiceRunBar
{
  GtkWidget        parent_instance;

  SluiceRunStatus *status;
  gulong           changed_handler;
  guint            clock;           // updates the elapsed time while running

  GtkImage        *state_icon;
  GtkLabel        *title_label;
  GtkProgressBar  *progress;
  GtkLabel        *detail_label;
  GtkMenuButton   *steps_button;
  GtkButton       *cancel_button;
  GtkButton       *close_button;
  SluiceStepList  *step_list;
};

G_DEFINE_FINAL_TYPE (SluiceRunBar, sluice_run_bar, GTK_TYPE_WIDGET)

enum {
  STEP_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
state_icon_name (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_SUCCEEDED:
      return "emblem-ok-symbolic";
    case SLUICE_STATE_FAILED:
    case SLUICE_STATE_INTERRUPTED:
      return "dialog-error-symbolic";
    case SLUICE_STATE_CANCELLED:
      return "process-stop-symbolic";
    case SLUICE_STATE_RUNNING:
    case SLUICE_STATE_PENDING:
    case SLUICE_STATE_QUEUED:
    case SLUICE_STATE_SKIPPED:
    case SLUICE_STATE_REUSED:
    default:
      return "media-playback-start-symbolic";
    }
}

static char *
format_clock (gint64 usec)
{
  gint64 s = MAX (usec, 0) / G_USEC_PER_SEC;

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (s / 3600), (int) (s % 3600 / 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static void
update (SluiceRunBar *self)
{
  SluiceState state;
  guint total, done, failed, reused;
  gint64 started, finished;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *elapsed = NULL;
  g_autofree char *extra = NULL;
  gboolean going;
  const char *css;

  if (self->status == NULL)
    return;

  state = sluice_run_status_get_state (self->status);
  total = sluice_run_status_get_n_steps (self->status);
  done = sluice_run_status_count_finished (self->status);
  failed = sluice_run_status_count_state (self->status, SLUICE_STATE_FAILED);
  reused = sluice_run_status_count_state (self->status, SLUICE_STATE_REUSED);
  started = sluice_run_status_get_started_at (self->status);
  finished = sluice_run_status_get_finished_at (self->status);
  going = !sluice_state_is_final (state);

  title = g_strdup_printf (_("Run %" G_GINT64_FORMAT " · %s"), sluice_run_status_get_run_id (self->status),
                           sluice_state_to_string (state));
  elapsed = started ? format_clock ((finished ? finished : g_get_real_time ()) - started) : g_strdup ("0:00");
  if (failed > 0 && reused > 0)
    extra = g_strdup_printf (_(" · %u failed · %u reused"), failed, reused);
  else if (failed > 0)
    extra = g_strdup_printf (_(" · %u failed"), failed);
  else if (reused > 0)
    extra = g_strdup_printf (_(" · %u reused"), reused);
  detail = g_strdup_printf (_("%u of %u steps%s · %s"), done, total, extra ? extra : "", elapsed);

  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->detail_label, detail);
  gtk_progress_bar_set_fraction (self->progress, total ? (double) done / total : 0);
  gtk_image_set_from_icon_name (self->state_icon, state_icon_name (state));

  css = state == SLUICE_STATE_SUCCEEDED ? "success"
      : state == SLUICE_STATE_FAILED || state == SLUICE_STATE_INTERRUPTED ? "error"
      : going ? "accent" : "dim-label";
  gtk_widget_set_css_classes (GTK_WIDGET (self->state_icon), (const char *[]) { css, NULL });
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), going);
  gtk_widget_set_visible (GTK_WIDGET (self->close_button), !going);
}

static gboolean
on_clock (gpointer user_data)
{
  SluiceRunBar *self = user_data;

  update (self);
  if (self->status != NULL && !sluice_state_is_final (sluice_run_status_get_state (self->status)))
    return G_SOURCE_CONTINUE;
  self->clock = 0;
  return G_SOURCE_REMOVE;
}

static void
on_status_changed (SluiceRunBar *self)
{
  update (self);
  if (self->clock == 0 && !sluice_state_is_final (sluice_run_status_get_state (self->status)))
    self->clock = g_timeout_add_seconds (1, on_clock, self);
}

void
sluice_run_bar_set_status (SluiceRunBar    *self,
                           SluiceRunStatus *status)
{
  g_return_if_fail (SLUICE_IS_RUN_BAR (self));

  if (self->status == status)
    return;
  if (self->status != NULL)
    g_clear_signal_handler (&self->changed_handler, self->status);
  g_clear_handle_id (&self->clock, g_source_remove);
  g_set_object (&self->status, status);
  sluice_step_list_set_status (self->step_list, status);
  if (status != NULL)
    {
      self->changed_handler = g_signal_connect_swapped (status, "changed", G_CALLBACK (on_status_changed), self);
      on_status_changed (self);
    }
}

SluiceStepList *
sluice_run_bar_get_step_list (SluiceRunBar *self)
{
  g_return_val_if_fail (SLUICE_IS_RUN_BAR (self), NULL);
  return self->step_list;
}

void
sluice_run_bar_show_steps (SluiceRunBar *self)
{
  g_return_if_fail (SLUICE_IS_RUN_BAR (self));
  gtk_menu_button_popup (self->steps_button);
}

static void
on_step_activated_cb (SluiceRunBar *self,
                      const char   *step_id)
{
  gtk_menu_button_popdown (self->steps_button);
  g_signal_emit (self, signals[STEP_ACTIVATED], 0, step_id);
}

static void
sluice_run_bar_dispose (GObject *object)
{
  SluiceRunBar *self = (SluiceRunBar *)object;

  sluice_run_bar_set_status (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_RUN_BAR);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_run_bar_parent_class)->dispose (object);
}

static void
sluice_run_bar_class_init (SluiceRunBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_run_bar_dispose;

  /**
   * SluiceRunBar::step-activated:
   * @step_id: the step chosen in the step list
   */
  signals[STEP_ACTIVATED] = g_signal_new ("step-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (SLUICE_TYPE_STEP_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-run-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, title_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, progress);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, detail_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, steps_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, close_button);
  gtk_widget_class_bind_template_child (widget_class, SluiceRunBar, step_list);
  gtk_widget_class_bind_template_callback (widget_class, on_step_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluicerunbar");
}

static void
sluice_run_bar_init (SluiceRunBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sluice_run_bar_new (void)
{
  return g_object_new (SLUICE_TYPE_RUN_BAR, NULL);
}
