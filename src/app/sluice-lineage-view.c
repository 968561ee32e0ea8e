// SPDX-License-Identifier: GPL-3.0-or-later
//
// Where outputs came from, as an expandable tree: each artifact names the
// step, run and port that produced it, its hash, and below it the inputs
// that step read, down to the user's source files. Items are paths of
// indices into the lineage trees ("0/1/0"), so no item type is needed.

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sluice-lineage-view.h"
#include "sluice-widget-private.h"

#define SHORT_HASH 12

struct _SluiceLineageView
{
  GtkWidget    parent_instance;

  GPtrArray   *roots;         // SluiceLineageNode*

  /* Template widgets */
  GtkStack    *stack;
  GtkListView *list_view;
};

G_DEFINE_FINAL_TYPE (SluiceLineageView, sluice_lineage_view, GTK_TYPE_WIDGET)

static SluiceLineageNode *
node_at (SluiceLineageView *self,
         const char        *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  SluiceLineageNode *node = NULL;
  GPtrArray *level = self->roots;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 index = g_ascii_strtoull (parts[i], NULL, 10);

      if (level == NULL || index >= level->len)
        return NULL;
      node = g_ptr_array_index (level, index);
      level = node->inputs;
    }
  return node;
}

static GListModel *
index_list (const char *prefix,
            guint       n)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = prefix ? g_strdup_printf ("%s/%u", prefix, i) : g_strdup_printf ("%u", i);

      gtk_string_list_append (list, path);
    }
  return G_LIST_MODEL (list);
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  SluiceLineageView *self = user_data;
  const char *path = gtk_string_object_get_string (item);
  SluiceLineageNode *node = node_at (self, path);

  if (node == NULL || node->inputs->len == 0)
    return NULL;
  return index_list (path, node->inputs->len);
}

/* rows -------------------------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (GTK_LABEL (subtitle), FALSE);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (texts), title);
  gtk_box_append (GTK_BOX (texts), subtitle);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          SluiceLineageView        *self)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkWidget *box = gtk_tree_expander_get_child (expander);
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *texts = gtk_widget_get_next_sibling (icon);
  GtkLabel *title = GTK_LABEL (gtk_widget_get_first_child (texts));
  GtkLabel *subtitle = GTK_LABEL (gtk_widget_get_next_sibling (GTK_WIDGET (title)));
  GtkStringObject *path = gtk_tree_list_row_get_item (row);
  SluiceLineageNode *node = node_at (self, gtk_string_object_get_string (path));
  g_autofree char *title_text = NULL;
  g_autofree char *subtitle_text = NULL;
  g_autofree char *via = NULL;

  gtk_tree_expander_set_list_row (expander, row);
  g_object_unref (path);
  if (node == NULL)
    return;

  // Below the root, each node is what the step above read on one input.
  via = gtk_tree_list_row_get_depth (row) > 0 && node->port ? g_strdup_printf (_("input “%s” · "), node->port)
                                                             : g_strdup ("");
  if (node->step_id != NULL)
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (icon), "system-run-symbolic");
      title_text = g_strdup_printf ("%s → %s", node->step_id, node->output);
      subtitle_text = g_strdup_printf (_("%sRun %" G_GINT64_FORMAT " · %.*s%s"), via, node->run_id, SHORT_HASH, node->hash,
                                       node->repeated ? _(" · shown above") : "");
    }
  else
    {
      g_autofree char *name = node->source_path ? g_path_get_basename (node->source_path) : NULL;

      gtk_image_set_from_icon_name (GTK_IMAGE (icon), "text-x-generic-symbolic");
      title_text = name ? g_strdup (name) : g_strdup (_("Source file"));
      subtitle_text = g_strdup_printf ("%s%s · %.*s", via, node->source_path ? node->source_path : _("read from your files"),
                                       SHORT_HASH, node->hash);
    }
  gtk_label_set_text (title, title_text);
  gtk_label_set_text (subtitle, subtitle_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (subtitle), node->source_path ? node->source_path : node->hash);
}

/* GObject ------------------------------------------------------------------------------ */

static void
sluice_lineage_view_dispose (GObject *object)
{
  SluiceLineageView *self = SLUICE_LINEAGE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_LINEAGE_VIEW);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_lineage_view_parent_class)->dispose (object);
}

static void
sluice_lineage_view_finalize (GObject *object)
{
  SluiceLineageView *self = SLUICE_LINEAGE_VIEW (object);

  g_clear_pointer (&self->roots, g_ptr_array_unref);
  G_OBJECT_CLASS (sluice_lineage_view_parent_class)->finalize (object);
}

static void
sluice_lineage_view_class_init (SluiceLineageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_lineage_view_dispose;
  object_class->finalize = sluice_lineage_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-lineage-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceLineageView, stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceLineageView, list_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lineage-view");
}

static void
sluice_lineage_view_init (SluiceLineageView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->roots = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_lineage_node_free);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}

GtkWidget *
sluice_lineage_view_new (void)
{
  return g_object_new (SLUICE_TYPE_LINEAGE_VIEW, NULL);
}

// The outputs to trace: the step's, or the run's that no step of it read.
static GPtrArray *
outputs_to_trace (SluiceHistory  *history,
                  gint64          run_id,
                  const char     *step_id,
                  GError        **error)
{
  g_autoptr(GPtrArray) uses = NULL;
  g_autoptr(GHashTable) read = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(SluiceRunRecord) run = NULL;

  if (!(run = sluice_history_get_run (history, run_id, error)) ||
      !(uses = sluice_history_get_artifact_uses (history, run_id, NULL, error)))
    {
      g_ptr_array_unref (hashes);
      return NULL;
    }
  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (!use->is_output)
        g_hash_table_add (read, use->hash);
    }
  for (guint i = 0; i < uses->len; i++)
    {
      SluiceArtifactUse *use = g_ptr_array_index (uses, i);

      if (!use->is_output)
        continue;
      if (step_id != NULL ? g_str_equal (use->step_id, step_id) : !g_hash_table_contains (read, use->hash))
        g_ptr_array_add (hashes, g_strdup (use->hash));
    }
  return hashes;
}

gboolean
sluice_lineage_view_show_run (SluiceLineageView  *self,
                              SluiceHistory      *history,
                              gint64              run_id,
                              const char         *step_id,
                              GError            **error)
{
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GPtrArray) roots = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_lineage_node_free);
  g_autoptr(GtkTreeListModel) tree = NULL;
  g_autoptr(GtkSingleSelection) selection = NULL;

  g_return_val_if_fail (SLUICE_IS_LINEAGE_VIEW (self), FALSE);
  g_return_val_if_fail (SLUICE_IS_HISTORY (history), FALSE);

  if (!(hashes = outputs_to_trace (history, run_id, step_id, error)))
    return FALSE;
  for (guint i = 0; i < hashes->len; i++)
    {
      SluiceLineageNode *node = sluice_lineage_build (history, g_ptr_array_index (hashes, i), error);

      if (node == NULL)
        return FALSE;
      g_ptr_array_add (roots, node);
    }

  // The old model refers to the old trees: drop it before they go, and
  // build the new one after (it expands, reading the trees, at once).
  gtk_list_view_set_model (self->list_view, NULL);
  g_ptr_array_unref (self->roots);
  self->roots = g_steal_pointer (&roots);
  tree = gtk_tree_list_model_new (index_list (NULL, self->roots->len), FALSE, TRUE, create_children, self, NULL);
  selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (tree)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_stack_set_visible_child_name (self->stack, self->roots->len > 0 ? "tree" : "empty");
  return TRUE;
}

guint
sluice_lineage_view_get_n_roots (SluiceLineageView *self)
{
  g_return_val_if_fail (SLUICE_IS_LINEAGE_VIEW (self), 0);
  return self->roots->len;
}

JsonNode *
sluice_lineage_view_to_json (SluiceLineageView *self)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  g_return_val_if_fail (SLUICE_IS_LINEAGE_VIEW (self), NULL);

  for (guint i = 0; i < self->roots->len; i++)
    json_array_add_element (array, sluice_lineage_to_json (g_ptr_array_index (self->roots, i)));
  json_node_take_array (node, array);
  return node;
}
