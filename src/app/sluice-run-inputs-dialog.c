// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

#include "sluice-run-inputs-dialog.h"

/* remembered values ---------------------------------------------------------------- */

static char *
memory_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "sluice", "run-inputs.json", NULL);
}

static JsonObject *
load_memory (void)
{
  g_autofree char *path = memory_path ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || !json_parser_load_from_file (parser, path, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    return json_object_new ();
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
sluice_run_inputs_load (const char *path)
{
  g_autoptr(JsonObject) memory = load_memory ();
  JsonNode *node;

  g_return_val_if_fail (path != NULL, NULL);

  node = json_object_get_member (memory, path);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

gboolean
sluice_run_inputs_remember (const char  *path,
                            GHashTable  *inputs,
                            GError     **error)
{
  g_autoptr(JsonObject) memory = load_memory ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *file = memory_path ();
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *text = NULL;
  JsonObject *values = json_object_new ();
  GHashTableIter iter;
  gpointer name, value;

  g_return_val_if_fail (path != NULL, FALSE);

  // Values given earlier but not asked for now stay.
  if (json_object_has_member (memory, path) && JSON_NODE_HOLDS_OBJECT (json_object_get_member (memory, path)))
    {
      JsonObject *old = json_object_get_object_member (memory, path);
      JsonObjectIter it;
      const char *member;
      JsonNode *node;

      json_object_iter_init (&it, old);
      while (json_object_iter_next (&it, &member, &node))
        json_object_set_member (values, member, json_node_copy (node));
    }
  g_hash_table_iter_init (&iter, inputs);
  while (g_hash_table_iter_next (&iter, &name, &value))
    json_object_set_member (values, name, json_node_copy (value));
  json_object_set_object_member (memory, path, values);

  json_node_set_object (root, memory);
  text = json_to_string (root, TRUE);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  return sluice_file_write_atomic (file, text, strlen (text), error);
}

/* the dialog ------------------------------------------------------------------------ */

typedef enum
{
  KIND_STRING,
  KIND_INTEGER,
  KIND_NUMBER,
  KIND_BOOLEAN,
  KIND_FILE,
  KIND_FOLDER,
} Kind;

typedef struct
{
  char      *name;
  Kind       kind;
  GtkWidget *editor;     // AdwEntryRow or GtkSwitch
} Field;

typedef struct
{
  AdwMessageDialog        *dialog;
  char                    *base_dir;
  GPtrArray               *fields;
  GtkFileChooserNative    *chooser;
  Field                   *choosing;
  SluiceRunInputsCallback  callback;
  gpointer                 user_data;
} Ask;

static void
field_free (gpointer data)
{
  Field *field = data;

  g_free (field->name);
  g_free (field);
}

static void
ask_free (Ask *ask)
{
  g_clear_object (&ask->chooser);
  g_ptr_array_unref (ask->fields);
  g_free (ask->base_dir);
  g_free (ask);
}

static Kind
kind_of (const char *type)
{
  if (g_strcmp0 (type, "integer") == 0)
    return KIND_INTEGER;
  if (g_strcmp0 (type, "number") == 0)
    return KIND_NUMBER;
  if (g_strcmp0 (type, "boolean") == 0)
    return KIND_BOOLEAN;
  if (type == NULL || sluice_port_type_is_parameter (type))
    return KIND_STRING;
  return g_strcmp0 (type, "uri_file") == 0 || g_strcmp0 (type, "mltable") == 0 ? KIND_FILE : KIND_FOLDER;
}

// The field's value, or NULL when what is typed is not one.
static JsonNode *
field_value (Ask   *ask,
             Field *field)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  const char *text;
  char *end = NULL;

  if (field->kind == KIND_BOOLEAN)
    {
      json_node_set_boolean (node, gtk_switch_get_active (GTK_SWITCH (field->editor)));
      return g_steal_pointer (&node);
    }

  text = gtk_editable_get_text (GTK_EDITABLE (field->editor));
  if (*text == '\0')
    return NULL;
  switch (field->kind)
    {
    case KIND_INTEGER:
      {
        gint64 v = g_ascii_strtoll (text, &end, 10);

        if (end == text || *end != '\0')
          return NULL;
        json_node_set_int (node, v);
      }
      break;
    case KIND_NUMBER:
      {
        double v = g_ascii_strtod (text, &end);

        if (end == text || *end != '\0')
          return NULL;
        json_node_set_double (node, v);
      }
      break;
    case KIND_FILE:
    case KIND_FOLDER:
      {
        // The engine wants absolute paths; relative ones are the pipeline's.
        g_autofree char *absolute = g_canonicalize_filename (text, ask->base_dir);

        json_node_set_string (node, absolute);
      }
      break;
    case KIND_STRING:
    case KIND_BOOLEAN:
    default:
      json_node_set_string (node, text);
      break;
    }
  return g_steal_pointer (&node);
}

static void
validate (Ask *ask)
{
  gboolean all = TRUE;

  for (guint i = 0; i < ask->fields->len; i++)
    {
      Field *field = g_ptr_array_index (ask->fields, i);
      g_autoptr(JsonNode) value = NULL;

      if (field->kind == KIND_BOOLEAN)
        continue;
      value = field_value (ask, field);
      if (value == NULL && *gtk_editable_get_text (GTK_EDITABLE (field->editor)) != '\0')
        gtk_widget_add_css_class (field->editor, "error");
      else
        gtk_widget_remove_css_class (field->editor, "error");
      all = all && value != NULL;
    }
  adw_message_dialog_set_response_enabled (ask->dialog, "run", all);
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     Ask             *ask)
{
  if (response == GTK_RESPONSE_ACCEPT && ask->choosing != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (ask->choosing->editor), path);
    }
  ask->choosing = NULL;
  g_clear_object (&ask->chooser);
}

static void
on_choose_clicked (GtkButton *button,
                   Ask       *ask)
{
  Field *field = g_object_get_data (G_OBJECT (button), "sluice-field");
  gboolean folder = field->kind == KIND_FOLDER;

  if (ask->chooser != NULL)
    return;
  ask->choosing = field;
  ask->chooser = gtk_file_chooser_native_new (folder ? _("Choose a Folder") : _("Choose a File"),
                                              GTK_WINDOW (ask->dialog),
                                              folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN,
                                              _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (ask->chooser), TRUE);
  g_signal_connect (ask->chooser, "response", G_CALLBACK (on_chooser_response), ask);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (ask->chooser));
}

static char *
node_to_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

static GtkWidget *
create_row (Ask                    *ask,
            const SluicePipelineIO *io,
            JsonNode               *remembered)
{
  Field *field = g_new0 (Field, 1);
  g_autofree char *text = node_to_text (remembered);
  g_autofree char *title = g_strdup_printf ("%s · %s", io->name, io->type ? io->type : "string");
  GtkWidget *row;

  field->name = g_strdup (io->name);
  field->kind = kind_of (io->type);
  g_ptr_array_add (ask->fields, field);

  if (field->kind == KIND_BOOLEAN)
    {
      row = adw_action_row_new ();
      field->editor = gtk_switch_new ();
      gtk_widget_set_valign (field->editor, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (field->editor), g_strcmp0 (text, "true") == 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), field->editor);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), field->editor);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (io->description != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), io->description);
      return row;
    }

  row = adw_entry_row_new ();
  field->editor = row;
  // Enter runs, as in any dialog with one obvious answer.
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (io->description != NULL)
    gtk_widget_set_tooltip_text (row, io->description);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  if (field->kind == KIND_INTEGER || field->kind == KIND_NUMBER)
    gtk_editable_set_alignment (GTK_EDITABLE (row), 0);
  if (field->kind == KIND_FILE || field->kind == KIND_FOLDER)
    {
      GtkWidget *choose = gtk_button_new_from_icon_name (field->kind == KIND_FOLDER ? "folder-open-symbolic"
                                                                                   : "document-open-symbolic");

      gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (choose, "flat");
      gtk_widget_set_tooltip_text (choose, field->kind == KIND_FOLDER ? _("Choose a folder") : _("Choose a file"));
      g_object_set_data (G_OBJECT (choose), "sluice-field", field);
      g_signal_connect (choose, "clicked", G_CALLBACK (on_choose_clicked), ask);
      adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), choose);
    }
  g_signal_connect_swapped (row, "changed", G_CALLBACK (validate), ask);
  return row;
}

static GHashTable *
collect (Ask *ask)
{
  GHashTable *inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);

  for (guint i = 0; i < ask->fields->len; i++)
    {
      Field *field = g_ptr_array_index (ask->fields, i);
      JsonNode *value = field_value (ask, field);

      if (value != NULL)
        g_hash_table_insert (inputs, g_strdup (field->name), value);
    }
  return inputs;
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             Ask              *ask)
{
  g_autoptr(GHashTable) inputs = NULL;

  if (g_str_equal (response, "run"))
    inputs = collect (ask);
  ask->callback (inputs, ask->user_data);
  ask_free (ask);
}

static gboolean
needs_value (const SluicePipelineIO *io)
{
  return io->value == NULL && !io->optional;
}

void
sluice_run_inputs_ask (GtkWindow               *parent,
                       SluicePipeline          *pipeline,
                       const char              *path,
                       gboolean                 always_ask,
                       SluiceRunInputsCallback  callback,
                       gpointer                 user_data)
{
  g_autoptr(JsonObject) remembered = sluice_run_inputs_load (path);
  GPtrArray *ios = sluice_pipeline_get_inputs (pipeline);
  GtkWidget *list;
  Ask *ask;
  guint needed = 0, known = 0;

  for (guint i = 0; i < ios->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (ios, i);

      if (!needs_value (io))
        continue;
      needed++;
      if (remembered != NULL && json_object_has_member (remembered, io->name))
        known++;
    }

  if (needed == 0 || (!always_ask && known == needed))
    {
      g_autoptr(GHashTable) inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) json_node_unref);

      for (guint i = 0; i < ios->len && needed > 0; i++)
        {
          const SluicePipelineIO *io = g_ptr_array_index (ios, i);

          if (needs_value (io))
            g_hash_table_insert (inputs, g_strdup (io->name),
                                 json_node_copy (json_object_get_member (remembered, io->name)));
        }
      callback (inputs, user_data);
      return;
    }

  ask = g_new0 (Ask, 1);
  ask->fields = g_ptr_array_new_with_free_func (field_free);
  ask->base_dir = g_path_get_dirname (path);
  ask->callback = callback;
  ask->user_data = user_data;
  ask->dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Run Inputs"),
                                                            _("These pipeline inputs have no value. "
                                                              "The values are remembered for the next run.")));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_size_request (list, 360, -1);
  for (guint i = 0; i < ios->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (ios, i);

      if (needs_value (io))
        gtk_list_box_append (GTK_LIST_BOX (list),
                             create_row (ask, io, remembered ? json_object_get_member (remembered, io->name) : NULL));
    }
  adw_message_dialog_set_extra_child (ask->dialog, list);
  adw_message_dialog_add_responses (ask->dialog, "cancel", _("_Cancel"), "run", _("_Run"), NULL);
  adw_message_dialog_set_response_appearance (ask->dialog, "run", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ask->dialog, "run");
  adw_message_dialog_set_close_response (ask->dialog, "cancel");
  g_signal_connect (ask->dialog, "response", G_CALLBACK (on_response), ask);
  validate (ask);
  gtk_window_present (GTK_WINDOW (ask->dialog));
}
