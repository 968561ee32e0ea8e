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

/* one row's item: a problem as shown ---------------------------------------------------- */

#define SLUICE_TYPE_PROBLEM_ITEM (sluice_problem_item_get_type ())
G_DECLARE_FINAL_TYPE (SluiceProblemItem, sluice_problem_item, SLUICE, PROBLEM_ITEM, GObject)

struct _SluiceProblemItem
{
  GObject   parent_instance;
  gboolean  is_error;
  char     *message;
  char     *location;
  char     *pointer;
};

G_DEFINE_FINAL_TYPE (SluiceProblemItem, sluice_problem_item, G_TYPE_OBJECT)

static void
sluice_problem_item_finalize (GObject *object)
{
  SluiceProblemItem *self = SLUICE_PROBLEM_ITEM (object);

  g_free (self->message);
  g_free (self->location);
  g_free (self->pointer);
  G_OBJECT_CLASS (sluice_problem_item_parent_class)->finalize (object);
}

static void
sluice_problem_item_class_init (SluiceProblemItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_problem_item_finalize;
}

static void
sluice_problem_item_init (SluiceProblemItem *self)
{
}

/* the view ------------------------------------------------------------------------------ */

struct _SluiceProblemsView
{
  GtkWidget       parent_instance;

  SluiceDocument *document;
  gulong          changed_handler;
  guint           refresh_source;
  guint           count;
  guint           error_count;
  char           *shown;          // what the rows say, to skip rebuilding them
  GListStore     *store;          // of SluiceProblemItem

  /* Template widgets */
  GtkStack       *stack;
  GtkListView    *list_view;
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

// A pipeline of thousands of steps has thousands of warnings: a list view
// makes widgets for the rows in view only. A list box kept one per problem,
// and the whole window was drawn slower for each of them, every frame.
static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *message = gtk_label_new (NULL);
  GtkWidget *where = gtk_label_new (NULL);

  gtk_widget_set_valign (icon, GTK_ALIGN_START);

  gtk_label_set_xalign (GTK_LABEL (message), 0);
  gtk_label_set_wrap (GTK_LABEL (message), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (message), PANGO_WRAP_WORD_CHAR);

  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_label_set_ellipsize (GTK_LABEL (where), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (where, "dim-label");
  gtk_widget_add_css_class (where, "caption");

  gtk_box_append (GTK_BOX (text), message);
  gtk_box_append (GTK_BOX (text), where);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  SluiceProblemItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *text = gtk_widget_get_next_sibling (icon);
  GtkWidget *message = gtk_widget_get_first_child (text);
  GtkWidget *where = gtk_widget_get_next_sibling (message);
  const char *icon_classes[] = { item->is_error ? "error" : "warning", NULL };

  gtk_image_set_from_icon_name (GTK_IMAGE (icon), item->is_error ? "dialog-error-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_css_classes (icon, icon_classes);
  gtk_widget_set_tooltip_text (icon, item->is_error ? _("Error") : _("Warning"));
  gtk_label_set_text (GTK_LABEL (message), item->message);
  gtk_label_set_text (GTK_LABEL (where), item->location);
  gtk_widget_set_tooltip_text (where, item->location);
}

static SluiceProblemItem *
create_item (SluiceProblemsView  *self,
             const SluiceProblem *problem)
{
  SluiceProblemItem *item = g_object_new (SLUICE_TYPE_PROBLEM_ITEM, NULL);

  item->is_error = problem->severity == SLUICE_SEVERITY_ERROR;
  item->message = g_strdup (problem->message);
  item->location = format_location (self, problem);
  item->pointer = g_strdup (problem->pointer ? problem->pointer : "");
  return item;
}

// In one splice: one items-changed for thousands of problems.
static void
set_items (SluiceProblemsView *self,
           GPtrArray          *problems)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_ptr_array_add (items, create_item (self, g_ptr_array_index (problems, i)));
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "list" : "empty");
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
      set_items (self, problems);
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
                     guint               position)
{
  g_autoptr(SluiceProblemItem) item = g_list_model_get_item (G_LIST_MODEL (self->store), position);

  if (item != NULL)
    g_signal_emit (self, signals[PROBLEM_ACTIVATED], 0, item->pointer);
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
  g_clear_object (&self->store);

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
  gtk_widget_class_bind_template_child (widget_class, SluiceProblemsView, stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceProblemsView, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluiceproblemsview");
}

static void
sluice_problems_view_init (SluiceProblemsView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSingleSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->store = g_list_store_new (SLUICE_TYPE_PROBLEM_ITEM);
  selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->store)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
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
