// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-problems-view.c
 *
 * Copyright 2026 The Sluice Developers
 */

#include "config.h"

#include <glib/gi18n.h>

#include "sluice-widget-private.h"
#include "sluice-problem.h"
#include "sluice-problems-view.h"

struct _SluiceProblemsView
{
  GtkWidget       parent_instance;

  SluiceDocument *document;
  gulong          changed_handler;
  guint           refresh_source;
  guint           count;
  guint           error_count;
  char           *shown;          // what the rows say, to skip rebuilding them

  /* Template widgets */
  GtkListBox     *list_box;
};

G_DEFINE_FINAL_TYPE (SluiceProblemsView, sluice_problems_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_COUNT,
  PROP_ERROR_COUNT,
  N_PROPS
};

enum {
  PROBLEM_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define ROW_POINTER "sluice-pointer"

static char *
format_location (SluiceProblemsView  *self,
                 const SluiceProblem *problem)
{
  const char *document_file = sluice_document_get_file (self->document);
  GString *location = g_string_new (NULL);

  /* Component problems point into the component's file, not the pipeline. */
  if (problem->file != NULL && g_strcmp0 (problem->file, document_file) != 0)
    {
      g_autofree char *basename = g_path_get_basename (problem->file);

      g_string_append_printf (location, "%s ", basename);
    }
  if (problem->line > 0)
    g_string_append_printf (location, "%u:%u ", problem->line, problem->column);
  g_string_append (location, problem->pointer && *problem->pointer ? problem->pointer : "/");
  return g_string_free (location, FALSE);
}

static GtkWidget *
create_row (SluiceProblemsView  *self,
            const SluiceProblem *problem)
{
  gboolean is_error = problem->severity == SLUICE_SEVERITY_ERROR;
  g_autofree char *location = format_location (self, problem);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name (is_error ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  GtkWidget *message = gtk_label_new (problem->message);
  GtkWidget *where = gtk_label_new (location);

  gtk_widget_add_css_class (icon, is_error ? "error" : "warning");
  gtk_widget_set_valign (icon, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (icon, is_error ? _("Error") : _("Warning"));

  gtk_label_set_xalign (GTK_LABEL (message), 0);
  gtk_label_set_wrap (GTK_LABEL (message), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (message), PANGO_WRAP_WORD_CHAR);

  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_label_set_ellipsize (GTK_LABEL (where), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (where, "dim-label");
  gtk_widget_add_css_class (where, "caption");
  gtk_widget_set_tooltip_text (where, location);

  gtk_box_append (GTK_BOX (text), message);
  gtk_box_append (GTK_BOX (text), where);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), ROW_POINTER,
                          g_strdup (problem->pointer ? problem->pointer : ""), g_free);
  return row;
}

static void
remove_all_rows (SluiceProblemsView *self)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      g_ptr_array_add (rows, child);

  for (guint i = 0; i < rows->len; i++)
    gtk_list_box_remove (self->list_box, g_ptr_array_index (rows, i));
}

static void
set_counts (SluiceProblemsView *self,
            guint               count,
            guint               error_count)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->count != count)
    {
      self->count = count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
    }
  if (self->error_count != error_count)
    {
      self->error_count = error_count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_COUNT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static char *
describe_problems (SluiceProblemsView *self,
                   GPtrArray          *problems)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *location = format_location (self, problem);

      g_string_append_printf (text, "%d %s %s\n", problem->severity, location, problem->message);
    }
  return g_string_free (text, FALSE);
}

static void
refresh (SluiceProblemsView *self)
{
  GPtrArray *problems = self->document ? sluice_document_get_problems (self->document) : NULL;
  g_autofree char *shown = describe_problems (self, problems);
  guint error_count = 0;

  /* Most edits leave the problems as they were; keep the rows (and the
   * selection and scroll position) then. */
  if (g_strcmp0 (shown, self->shown) != 0)
    {
      remove_all_rows (self);
      for (guint i = 0; problems != NULL && i < problems->len; i++)
        gtk_list_box_append (self->list_box, create_row (self, g_ptr_array_index (problems, i)));
      g_free (self->shown);
      self->shown = g_steal_pointer (&shown);
    }

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    if (((SluiceProblem *) g_ptr_array_index (problems, i))->severity == SLUICE_SEVERITY_ERROR)
      error_count++;
  set_counts (self, problems ? problems->len : 0, error_count);
}

static gboolean
refresh_idle_cb (gpointer user_data)
{
  SluiceProblemsView *self = user_data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* Validation is not free and a drag changes the document many times a
 * second, so validate once the main loop is idle. */
static void
on_document_changed_cb (SluiceProblemsView *self,
                        SluiceDocument     *document)
{
  if (self->refresh_source == 0)
    self->refresh_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_idle_cb, self, NULL);
}

static void
on_row_activated_cb (SluiceProblemsView *self,
                     GtkListBoxRow      *row)
{
  g_signal_emit (self, signals[PROBLEM_ACTIVATED], 0, g_object_get_data (G_OBJECT (row), ROW_POINTER));
}

static void
sluice_problems_view_dispose (GObject *object)
{
  SluiceProblemsView *self = SLUICE_PROBLEMS_VIEW (object);

  sluice_problems_view_set_document (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_PROBLEMS_VIEW);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_problems_view_parent_class)->dispose (object);
}

static void
sluice_problems_view_finalize (GObject *object)
{
  SluiceProblemsView *self = SLUICE_PROBLEMS_VIEW (object);

  g_clear_pointer (&self->shown, g_free);

  G_OBJECT_CLASS (sluice_problems_view_parent_class)->finalize (object);
}

static void
sluice_problems_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SluiceProblemsView *self = SLUICE_PROBLEMS_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_COUNT:
      g_value_set_uint (value, self->count);
      break;
    case PROP_ERROR_COUNT:
      g_value_set_uint (value, self->error_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_problems_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  SluiceProblemsView *self = SLUICE_PROBLEMS_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      sluice_problems_view_set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_problems_view_class_init (SluiceProblemsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_problems_view_dispose;
  object_class->finalize = sluice_problems_view_finalize;
  object_class->get_property = sluice_problems_view_get_property;
  object_class->set_property = sluice_problems_view_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, SLUICE_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Errors and warnings together, for a badge. */
  properties[PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_COUNT] =
    g_param_spec_uint ("error-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SluiceProblemsView::problem-activated:
   * @pointer: JSON pointer into the file the problem is in ("" for the root)
   */
  signals[PROBLEM_ACTIVATED] =
    g_signal_new ("problem-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-problems-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceProblemsView, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluiceproblemsview");
}

static void
sluice_problems_view_init (SluiceProblemsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
sluice_problems_view_new (void)
{
  return g_object_new (SLUICE_TYPE_PROBLEMS_VIEW, NULL);
}

void
sluice_problems_view_set_document (SluiceProblemsView *self,
                                   SluiceDocument     *document)
{
  g_return_if_fail (SLUICE_IS_PROBLEMS_VIEW (self));
  g_return_if_fail (!document || SLUICE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_handler, self->document);
  g_set_object (&self->document, document);
  if (document != NULL)
    self->changed_handler = g_signal_connect_object (document, "changed",
                                                     G_CALLBACK (on_document_changed_cb), self,
                                                     G_CONNECT_SWAPPED);

  /* Show the new document's problems at once rather than stale ones. */
  if (!gtk_widget_in_destruction (GTK_WIDGET (self)))
    refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

guint
sluice_problems_view_get_count (SluiceProblemsView *self)
{
  g_return_val_if_fail (SLUICE_IS_PROBLEMS_VIEW (self), 0);
  return self->count;
}

guint
sluice_problems_view_get_error_count (SluiceProblemsView *self)
{
  g_return_val_if_fail (SLUICE_IS_PROBLEMS_VIEW (self), 0);
  return self->error_count;
}
