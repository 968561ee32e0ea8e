// SPDX-License-Identifier: GPL-3.0-or-later
/* sluice-inspector.c
 *
 * Copyright 2026 The Sluice Developers
 *
 * The form is rebuilt only when what it is made of changes (another step,
 * another component, an input linked or unlinked). Every other change
 * updates the values in place, and never the field being edited, so that
 * committing a value (which changes the document) does not take the focus
 * away from the person typing.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "sluice-widget-private.h"
#include "sluice-inspector.h"
#include "sluice-json.h"
#include "sluice-port-type.h"

typedef enum
{
  EDITOR_SPIN,
  EDITOR_SWITCH,
  EDITOR_DROPDOWN,
  EDITOR_ENTRY,
  EDITOR_PATH,
  EDITOR_LINK,
} EditorKind;

/* One input of the selected step; freed with its row. */
typedef struct
{
  SluiceInspector      *self;
  char                 *port;
  const SluicePortSpec *spec;         // owned by self->component
  EditorKind            kind;
  GtkWidget            *row;
  GtkWidget            *widget;       // the spin, switch, drop-down or entry
  GtkWidget            *reset_button;
  GtkWidget            *message;      // validation message
  GtkWidget            *link_label;
  char                 *raw_text;     // a spin's text when it shows no number
  GPtrArray            *choices;      // a drop-down's values; NULL items unset
  GtkFileChooserNative *chooser;
} Editor;

struct _SluiceInspector
{
  GtkWidget             parent_instance;

  SluiceDocument       *document;
  gulong                changed_handler;
  gulong                selection_handler;

  char                 *step_id;      // the step the form is for
  char                 *structure;    // what the form was built from
  SluiceComponent      *component;
  GPtrArray            *editors;      // Editor*, borrowed from the rows
  guint                 updating : 1; // setting widgets, not the person
  guint                 flushing : 1; // committing before the form goes away

  /* Template widgets */
  GtkStack             *stack;
  AdwEntryRow          *pipeline_name_row;
  GtkWidget            *pipeline_name_error_row;
  GtkLabel             *pipeline_name_error;
  AdwEntryRow          *pipeline_display_name_row;
  AdwEntryRow          *pipeline_description_row;
  AdwEntryRow          *default_compute_row;
  GtkSwitch            *continue_switch;
  GtkSwitch            *force_rerun_switch;
  GtkLabel             *step_id_label;
  AdwEntryRow          *step_display_name_row;
  AdwActionRow         *component_row;
  AdwPreferencesGroup  *inputs_group;
  AdwStatusPage        *several_page;
};

G_DEFINE_FINAL_TYPE (SluiceInspector, sluice_inspector, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update (SluiceInspector *self);

/* helpers ---------------------------------------------------------------- */

static gboolean
is_editing (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static void
set_editable_text (GtkEditable *editable,
                   const char  *text)
{
  /* Setting the same text would move the cursor and emit "changed". */
  if (g_strcmp0 (gtk_editable_get_text (editable), text ? text : "") != 0)
    gtk_editable_set_text (editable, text ? text : "");
}

static char *
json_to_display (JsonNode *node)
{
  g_autofree char *text = sluice_json_to_string (node);

  return g_strdup (g_strchomp (text));
}

/* The shortest exact spelling, with no ".0" on whole numbers. */
static char *
format_number (const SluicePortSpec *spec,
               double                value)
{
  GString *out = g_string_new (NULL);

  if (g_str_equal (spec->type, "integer") || (value == floor (value) && fabs (value) < 1e15))
    g_string_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  else
    sluice_json_write_double (out, value);
  return g_string_free (out, FALSE);
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static double
node_number (JsonNode *node)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  return json_node_get_double (node);
}

/* A number as the person typed it: "3" stays an integer, "3.0" a number. */
static JsonNode *
parse_number (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  JsonNode *node;
  char *end = NULL;
  gint64 i;
  double d;

  g_strdelimit (copy, ",", '.');
  i = g_ascii_strtoll (copy, &end, 10);
  if (*copy != '\0' && *end == '\0')
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, i);
      return node;
    }

  d = g_ascii_strtod (copy, &end);
  if (*copy != '\0' && *end == '\0' && isfinite (d))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_double (node, d);
      return node;
    }
  return NULL;
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

static char *
choice_label (const char *value)
{
  if (value == NULL)
    return g_strdup (_("Not set"));
  if (g_str_equal (value, "\t"))
    return g_strdup (_("Tab"));
  if (g_str_equal (value, " "))
    return g_strdup (_("Space"));
  if (*value == '\0')
    return g_strdup (_("Empty"));
  return g_strescape (value, "\"");
}

static SluiceStep *
current_step (SluiceInspector *self)
{
  if (self->document == NULL || self->step_id == NULL)
    return NULL;
  return sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), self->step_id);
}

static const SluiceBinding *
editor_binding (Editor *ed)
{
  SluiceStep *step = current_step (ed->self);

  return step ? sluice_step_get_input (step, ed->port) : NULL;
}

/* What the input is when nothing more is done: its literal, else its default. */
static JsonNode *
editor_effective_value (Editor *ed)
{
  const SluiceBinding *binding = editor_binding (ed);

  if (binding != NULL && binding->kind == SLUICE_BINDING_LITERAL)
    return binding->literal;
  return ed->spec->default_value;
}

/* committing --------------------------------------------------------------- */

/* value NULL unsets the input. Only valid values get here. */
static void
editor_commit (Editor   *ed,
               JsonNode *value)
{
  SluiceInspector *self = ed->self;
  const SluiceBinding *binding = editor_binding (ed);
  g_autoptr(GError) error = NULL;

  if (self->updating || self->document == NULL)
    return;

  if (value == NULL && binding == NULL)
    return;
  if (value != NULL && binding != NULL && binding->kind == SLUICE_BINDING_LITERAL &&
      !binding->malformed && json_node_equal (value, binding->literal))
    return;
  /* Leaving a field that shows the default must not pin the default. */
  if (value != NULL && binding == NULL && ed->spec->default_value != NULL &&
      json_node_equal (value, ed->spec->default_value))
    return;

  if (!sluice_document_set_input (self->document, self->step_id, ed->port, value, &error))
    g_warning ("Could not set input “%s” of “%s”: %s", ed->port, self->step_id, error->message);
}

static void
editor_show_message (Editor     *ed,
                     const char *message)
{
  gtk_label_set_text (GTK_LABEL (ed->message), message ? message : "");
  gtk_widget_set_visible (ed->message, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (ed->widget, "error");
  else
    gtk_widget_remove_css_class (ed->widget, "error");
}

/* Parses and checks what the field says. Returns FALSE when it is not a
 * valid value; *value is then NULL. Empty text is valid and means unset. */
static gboolean
editor_parse_text (Editor     *ed,
                   JsonNode  **value,
                   char      **why)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (ed->widget));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autoptr(JsonNode) node = NULL;

  *value = NULL;
  if (ed->kind == EDITOR_SPIN && ed->raw_text != NULL && g_str_equal (text, ed->raw_text))
    {
      /* Showing what the file says (or nothing); judge that as it is. */
      JsonNode *effective = editor_effective_value (ed);

      if (effective == NULL)
        return TRUE;
      if (!sluice_component_check_value (ed->spec, effective, why))
        return FALSE;
      *value = json_node_copy (effective);
      return TRUE;
    }

  /* Spaces around a number mean nothing; in a string they may. */
  if (*(ed->kind == EDITOR_SPIN ? stripped : text) == '\0')
    return TRUE;

  if (ed->kind == EDITOR_SPIN)
    {
      if ((node = parse_number (text)) == NULL)
        {
          *why = g_strdup_printf (_("“%s” is not a number"), text);
          return FALSE;
        }
    }
  else
    node = string_node (text);

  if (!sluice_component_check_value (ed->spec, node, why))
    return FALSE;
  *value = g_steal_pointer (&node);
  return TRUE;
}

static void
editor_validate (Editor *ed)
{
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *why = NULL;

  if (editor_parse_text (ed, &value, &why))
    editor_show_message (ed, NULL);
  else
    editor_show_message (ed, why ? why : _("Not a valid value"));
}

static void
editor_commit_text (Editor *ed)
{
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *why = NULL;

  if (ed->self->updating)
    return;
  if (editor_parse_text (ed, &value, &why))
    editor_commit (ed, value);
}

/* showing values ----------------------------------------------------------------- */

static void
spin_show (Editor   *ed,
           JsonNode *value)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (ed->widget);

  g_clear_pointer (&ed->raw_text, g_free);
  if (node_is_number (value))
    gtk_spin_button_set_value (spin, node_number (value));
  else
    ed->raw_text = value ? json_to_display (value) : g_strdup ("");

  /* set_value does not redraw the text when the number stays the same. */
  if (ed->raw_text != NULL)
    set_editable_text (GTK_EDITABLE (spin), ed->raw_text);
  else
    {
      g_autofree char *text = format_number (ed->spec, gtk_spin_button_get_value (spin));

      set_editable_text (GTK_EDITABLE (spin), text);
    }
}

static void
dropdown_show (Editor   *ed,
               JsonNode *value)
{
  const char *wanted = value && JSON_NODE_HOLDS_VALUE (value) &&
                       json_node_get_value_type (value) == G_TYPE_STRING
                       ? json_node_get_string (value) : NULL;

  for (guint i = 0; i < ed->choices->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ed->choices, i), wanted) == 0)
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (ed->widget), i);
        return;
      }
}

static void
link_show (Editor              *ed,
           const SluiceBinding *binding)
{
  g_autofree char *text = NULL;

  if (binding->malformed)
    {
      g_autofree char *raw = json_to_display (binding->literal);

      text = g_strdup_printf (_("Unreadable reference %s"), raw);
    }
  else if (binding->kind == SLUICE_BINDING_STEP_OUTPUT)
    text = g_strdup_printf (_("from %s.%s"), binding->step, binding->name);
  else if (binding->kind == SLUICE_BINDING_PIPELINE_INPUT)
    {
      const SluicePipelineIO *io = sluice_pipeline_find_input (sluice_document_get_pipeline (ed->self->document),
                                                               binding->name);
      g_autofree char *shown = io && io->value ? json_to_display (io->value) : NULL;

      /* Its value too: the person sees what the step will get. */
      text = shown ? g_strdup_printf (_("pipeline input %s (%s)"), binding->name, shown)
                   : g_strdup_printf (_("pipeline input %s"), binding->name);
    }
  else
    text = g_strdup_printf (_("pipeline output %s"), binding->name);

  gtk_label_set_text (GTK_LABEL (ed->link_label), text);
}

static void
editor_update (Editor *ed)
{
  const SluiceBinding *binding = editor_binding (ed);
  JsonNode *value = editor_effective_value (ed);

  /* Hidden by opacity, so the header keeps its height and nothing jumps. */
  gtk_widget_set_opacity (ed->reset_button, binding != NULL ? 1.0 : 0.0);
  gtk_widget_set_sensitive (ed->reset_button, binding != NULL);
  gtk_widget_set_can_target (ed->reset_button, binding != NULL);

  if (ed->kind == EDITOR_LINK)
    {
      if (binding != NULL)
        link_show (ed, binding);
      return;
    }

  /* Switches and drop-downs commit at once, so only text can be mid-edit. */
  if (ed->kind != EDITOR_SWITCH && ed->kind != EDITOR_DROPDOWN && is_editing (ed->widget))
    return;

  switch (ed->kind)
    {
    case EDITOR_SPIN:
      spin_show (ed, value);
      break;
    case EDITOR_SWITCH:
      gtk_switch_set_active (GTK_SWITCH (ed->widget),
                             value && JSON_NODE_HOLDS_VALUE (value) &&
                             json_node_get_value_type (value) == G_TYPE_BOOLEAN &&
                             json_node_get_boolean (value));
      break;
    case EDITOR_DROPDOWN:
      dropdown_show (ed, value);
      break;
    case EDITOR_ENTRY:
    case EDITOR_PATH:
      {
        /* Only a literal is shown as text; the default is the placeholder. */
        JsonNode *literal = binding && binding->kind == SLUICE_BINDING_LITERAL ? binding->literal : NULL;
        g_autofree char *text = NULL;

        if (literal != NULL && JSON_NODE_HOLDS_VALUE (literal) &&
            json_node_get_value_type (literal) == G_TYPE_STRING)
          text = g_strdup (json_node_get_string (literal));
        else if (literal != NULL)
          text = json_to_display (literal);
        set_editable_text (GTK_EDITABLE (ed->widget), text);
      }
      break;
    case EDITOR_LINK:
    default:
      break;
    }

  if (ed->kind != EDITOR_SWITCH && ed->kind != EDITOR_DROPDOWN)
    editor_validate (ed);
  else if (value != NULL)
    {
      g_autofree char *why = NULL;

      editor_show_message (ed, sluice_component_check_value (ed->spec, value, &why) ? NULL : why);
    }
}

/* editor callbacks ----------------------------------------------------------------- */

static void
on_editor_text_changed_cb (GtkEditable *editable,
                           Editor      *ed)
{
  editor_validate (ed);
}

static void
on_editor_activate_cb (GtkWidget *widget,
                       Editor    *ed)
{
  editor_commit_text (ed);
}

static void
on_editor_leave_cb (GtkEventControllerFocus *controller,
                    Editor                  *ed)
{
  editor_commit_text (ed);
}

static int
on_spin_input_cb (GtkSpinButton *spin,
                  double        *new_value,
                  Editor        *ed)
{
  g_autoptr(JsonNode) node = parse_number (gtk_editable_get_text (GTK_EDITABLE (spin)));
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));

  /* Empty means unset: keep the number, and keep showing nothing. */
  if (*text == '\0')
    {
      g_free (ed->raw_text);
      ed->raw_text = g_strdup ("");
      *new_value = gtk_spin_button_get_value (spin);
      return TRUE;
    }
  if (ed->raw_text != NULL && g_str_equal (text, ed->raw_text))
    {
      *new_value = gtk_spin_button_get_value (spin);
      return TRUE;
    }
  if (!node_is_number (node))
    return GTK_INPUT_ERROR;

  g_clear_pointer (&ed->raw_text, g_free);
  *new_value = node_number (node);
  return TRUE;
}

/* The shortest exact spelling, so 0.0001 is not shown (and saved) as 0.00. */
static gboolean
on_spin_output_cb (GtkSpinButton *spin,
                   Editor        *ed)
{
  g_autofree char *text = NULL;

  if (ed->raw_text != NULL)
    text = g_strdup (ed->raw_text);
  else
    text = format_number (ed->spec, gtk_spin_button_get_value (spin));
  set_editable_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

/* On the adjustment, not the spin button: the spin button also says
 * "value-changed" when it puts back the old value after refusing text. */
static void
on_spin_value_changed_cb (GtkAdjustment *adjustment,
                          Editor        *ed)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (ed->widget);
  g_autofree char *text = NULL;

  if (ed->self->updating)
    return;

  /* The arrows were used, maybe on an empty field: show the number they
   * chose, without the noise of adding 0.1 three times (0.30000000000000004). */
  g_clear_pointer (&ed->raw_text, g_free);
  if (g_str_equal (ed->spec->type, "integer"))
    text = format_number (ed->spec, gtk_spin_button_get_value (spin));
  else
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      text = g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.12g", gtk_spin_button_get_value (spin)));
    }
  set_editable_text (GTK_EDITABLE (spin), text);
  editor_commit_text (ed);
}

static void
on_switch_active_cb (GtkSwitch  *widget,
                     GParamSpec *pspec,
                     Editor     *ed)
{
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (value, gtk_switch_get_active (widget));
  editor_commit (ed, value);
}

static void
on_dropdown_selected_cb (GtkDropDown *dropdown,
                         GParamSpec  *pspec,
                         Editor      *ed)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  const char *choice;
  g_autoptr(JsonNode) value = NULL;

  if (selected == GTK_INVALID_LIST_POSITION || selected >= ed->choices->len)
    return;
  if ((choice = g_ptr_array_index (ed->choices, selected)) != NULL)
    value = string_node (choice);
  editor_commit (ed, value);
}

static void
on_reset_clicked_cb (GtkButton *button,
                     Editor    *ed)
{
  g_autoptr(GError) error = NULL;

  if (ed->self->document == NULL)
    return;
  if (!sluice_document_set_input (ed->self->document, ed->self->step_id, ed->port, NULL, &error))
    g_warning ("Could not reset input “%s”: %s", ed->port, error->message);
}

static char *
path_for_document (SluiceInspector *self,
                   GFile           *file)
{
  g_autofree char *base_dir = sluice_pipeline_dup_base_dir (sluice_document_get_pipeline (self->document));
  g_autoptr(GFile) base = base_dir ? g_file_new_for_path (base_dir) : NULL;
  char *relative;

  /* Relative paths keep the pipeline working when its folder moves. */
  if (base != NULL && (relative = g_file_get_relative_path (base, file)) != NULL)
    return relative;
  return g_file_get_path (file);
}

static void
on_chooser_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        Editor          *ed)
{
  if (response == GTK_RESPONSE_ACCEPT && ed->self->document != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? path_for_document (ed->self, file) : NULL;

      if (path != NULL)
        {
          g_autoptr(JsonNode) value = string_node (path);

          set_editable_text (GTK_EDITABLE (ed->widget), path);
          editor_commit (ed, value);
        }
    }
  g_clear_object (&ed->chooser);
}

static void
on_choose_clicked_cb (GtkButton *button,
                      Editor    *ed)
{
  gboolean folder = !g_str_equal (ed->spec->type, "uri_file") && !sluice_port_type_is_custom (ed->spec->type);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));

  if (ed->chooser != NULL)
    return;

  ed->chooser = gtk_file_chooser_native_new (folder ? _("Choose a Folder") : _("Choose a File"),
                                             GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                             folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                    : GTK_FILE_CHOOSER_ACTION_OPEN,
                                             _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (ed->chooser), TRUE);
  g_signal_connect (ed->chooser, "response", G_CALLBACK (on_chooser_response_cb), ed);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (ed->chooser));
}

/* building the step form -------------------------------------------------------------- */

static void
editor_free (gpointer data)
{
  Editor *ed = data;

  if (ed->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (ed->chooser, ed);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (ed->chooser));
      g_clear_object (&ed->chooser);
    }
  g_clear_pointer (&ed->choices, g_ptr_array_unref);
  g_free (ed->raw_text);
  g_free (ed->port);
  g_free (ed);
}

static void
connect_text_editor (Editor    *ed,
                     GtkWidget *widget)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect (widget, "changed", G_CALLBACK (on_editor_text_changed_cb), ed);
  /* A spin button has no "activate" of its own before GTK 4.14; its text does. */
  g_signal_connect (GTK_IS_SPIN_BUTTON (widget) ? GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (widget))) : widget,
                    "activate", G_CALLBACK (on_editor_activate_cb), ed);
  g_signal_connect (focus, "leave", G_CALLBACK (on_editor_leave_cb), ed);
  gtk_widget_add_controller (widget, focus);
}

static GtkWidget *
create_spin (Editor *ed)
{
  const SluicePortSpec *spec = ed->spec;
  gboolean integer = g_str_equal (spec->type, "integer");
  /* 2^53: every integer up to it is exact in a double. */
  double wide = integer ? 9007199254740992.0 : 1e300;
  double lower = spec->has_min ? spec->min : -wide;
  double upper = spec->has_max ? spec->max : wide;
  double step = integer ? 1.0 : (spec->has_min && spec->has_max && upper - lower <= 2.0 ? 0.01 : 0.1);
  GtkAdjustment *adjustment = gtk_adjustment_new (CLAMP (0.0, lower, upper), lower, upper, step, step * 10, 0);
  GtkWidget *spin = gtk_spin_button_new (adjustment, step, integer ? 0 : 2);

  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), FALSE);
  /* Out-of-range text is refused, not clamped: the message says why. */
  gtk_spin_button_set_update_policy (GTK_SPIN_BUTTON (spin), GTK_UPDATE_IF_VALID);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 8);
  if (spec->default_value == NULL)
    gtk_text_set_placeholder_text (GTK_TEXT (gtk_editable_get_delegate (GTK_EDITABLE (spin))),
                                   spec->optional ? _("Not set") : _("Required"));
  gtk_widget_set_hexpand (spin, TRUE);

  g_signal_connect (spin, "input", G_CALLBACK (on_spin_input_cb), ed);
  g_signal_connect (spin, "output", G_CALLBACK (on_spin_output_cb), ed);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (on_spin_value_changed_cb), ed);
  connect_text_editor (ed, spin);
  return spin;
}

static GtkWidget *
create_dropdown (Editor *ed)
{
  const SluiceBinding *binding = editor_binding (ed);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *dropdown;

  ed->choices = g_ptr_array_new_with_free_func (g_free);
  if (ed->spec->default_value == NULL)
    g_ptr_array_add (ed->choices, NULL);
  for (guint i = 0; ed->spec->enum_values[i] != NULL; i++)
    g_ptr_array_add (ed->choices, g_strdup (ed->spec->enum_values[i]));

  /* A value from the file that is not a choice is still shown (as invalid). */
  if (binding != NULL && binding->kind == SLUICE_BINDING_LITERAL &&
      JSON_NODE_HOLDS_VALUE (binding->literal) &&
      json_node_get_value_type (binding->literal) == G_TYPE_STRING &&
      !g_strv_contains ((const char * const *) ed->spec->enum_values, json_node_get_string (binding->literal)))
    g_ptr_array_add (ed->choices, g_strdup (json_node_get_string (binding->literal)));

  for (guint i = 0; i < ed->choices->len; i++)
    {
      g_autofree char *label = choice_label (g_ptr_array_index (ed->choices, i));

      gtk_string_list_append (labels, label);
    }

  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&labels)), NULL);
  gtk_widget_set_hexpand (dropdown, TRUE);
  g_signal_connect (dropdown, "notify::selected", G_CALLBACK (on_dropdown_selected_cb), ed);
  return dropdown;
}

static GtkWidget *
create_entry (Editor *ed)
{
  GtkWidget *entry = gtk_entry_new ();
  g_autofree char *placeholder = NULL;

  if (ed->spec->default_value != NULL && JSON_NODE_HOLDS_VALUE (ed->spec->default_value) &&
      json_node_get_value_type (ed->spec->default_value) == G_TYPE_STRING)
    placeholder = g_strdup (json_node_get_string (ed->spec->default_value));
  else if (ed->kind == EDITOR_PATH)
    placeholder = g_strdup (g_str_equal (ed->spec->type, "uri_file") ? _("Path to a file") : _("Path to a folder"));
  else
    placeholder = g_strdup (ed->spec->optional ? _("Not set") : _("Required"));

  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_widget_set_hexpand (entry, TRUE);
  connect_text_editor (ed, entry);
  return entry;
}

static GtkWidget *
create_path_editor (Editor *ed)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("C_hoose…"));

  ed->widget = create_entry (ed);
  g_signal_connect (choose, "clicked", G_CALLBACK (on_choose_clicked_cb), ed);
  gtk_box_append (GTK_BOX (box), ed->widget);
  gtk_box_append (GTK_BOX (box), choose);
  return box;
}

static GtkWidget *
create_link (Editor *ed)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name ("insert-link-symbolic");

  ed->link_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (ed->link_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (ed->link_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (GTK_LABEL (ed->link_label), TRUE);
  gtk_widget_add_css_class (box, "dim-label");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), ed->link_label);
  ed->widget = ed->link_label;
  return box;
}

static EditorKind
choose_kind (const SluicePortSpec *spec,
             const SluiceBinding  *binding)
{
  if (binding != NULL && (binding->kind != SLUICE_BINDING_LITERAL || binding->malformed))
    return EDITOR_LINK;
  if (g_str_equal (spec->type, "integer") || g_str_equal (spec->type, "number"))
    return EDITOR_SPIN;
  if (g_str_equal (spec->type, "boolean"))
    return EDITOR_SWITCH;
  if (g_str_equal (spec->type, "string"))
    return spec->enum_values != NULL ? EDITOR_DROPDOWN : EDITOR_ENTRY;
  return EDITOR_PATH;
}

static char *
describe_input (const SluicePortSpec *spec)
{
  GString *text = g_string_new (spec->description);

  if (spec->default_value != NULL)
    {
      g_autofree char *shown = json_to_display (spec->default_value);

      if (text->len > 0)
        g_string_append (text, " ");
      g_string_append_printf (text, _("Default: %s."), shown);
    }
  return g_string_free (text, FALSE);
}

static GtkWidget *
create_header (Editor     *ed,
               GtkWidget  *suffix,
               GtkWidget **title_out)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (ed->port);
  g_autofree char *type_text = ed->spec->optional
    ? g_strdup_printf (_("%s, optional"), ed->spec->type)
    : g_strdup (ed->spec->type);
  GtkWidget *type = gtk_label_new (type_text);
  gboolean link = ed->kind == EDITOR_LINK;

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (type), 0);
  gtk_widget_set_hexpand (type, TRUE);
  gtk_widget_add_css_class (type, "dim-label");
  gtk_widget_add_css_class (type, "caption");

  ed->reset_button = gtk_button_new_from_icon_name (link ? "window-close-symbolic" : "edit-undo-symbolic");
  gtk_widget_set_tooltip_text (ed->reset_button, link ? _("Disconnect") : _("Reset to Default"));
  gtk_widget_set_valign (ed->reset_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (ed->reset_button, "flat");
  gtk_widget_add_css_class (ed->reset_button, "circular");
  g_signal_connect (ed->reset_button, "clicked", G_CALLBACK (on_reset_clicked_cb), ed);
  gtk_accessible_update_property (GTK_ACCESSIBLE (ed->reset_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, link ? _("Disconnect") : _("Reset to Default"),
                                  -1);

  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), type);
  gtk_box_append (GTK_BOX (box), ed->reset_button);
  if (suffix != NULL)
    gtk_box_append (GTK_BOX (box), suffix);
  *title_out = title;
  return box;
}

static GtkWidget *
create_editor_widget (Editor *ed)
{
  switch (ed->kind)
    {
    case EDITOR_SPIN:
      return ed->widget = create_spin (ed);
    case EDITOR_DROPDOWN:
      return ed->widget = create_dropdown (ed);
    case EDITOR_ENTRY:
      return ed->widget = create_entry (ed);
    case EDITOR_PATH:
      return create_path_editor (ed);
    case EDITOR_LINK:
      return create_link (ed);
    case EDITOR_SWITCH:
    default:
      return NULL;
    }
}

static Editor *
create_editor (SluiceInspector      *self,
               SluiceStep           *step,
               const SluicePortSpec *spec)
{
  Editor *ed = g_new0 (Editor, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  g_autofree char *description = describe_input (spec);
  GtkWidget *details = gtk_label_new (description);
  GtkWidget *editor;
  GtkWidget *title;

  ed->self = self;
  ed->port = g_strdup (spec->name);
  ed->spec = spec;
  ed->kind = choose_kind (spec, sluice_step_get_input (step, spec->name));

  if (ed->kind == EDITOR_SWITCH)
    {
      ed->widget = gtk_switch_new ();
      gtk_widget_set_valign (ed->widget, GTK_ALIGN_CENTER);
      g_signal_connect (ed->widget, "notify::active", G_CALLBACK (on_switch_active_cb), ed);
    }
  editor = create_editor_widget (ed);

  ed->message = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (ed->message), 0);
  gtk_label_set_wrap (GTK_LABEL (ed->message), TRUE);
  gtk_widget_add_css_class (ed->message, "error");
  gtk_widget_add_css_class (ed->message, "caption");
  gtk_widget_set_visible (ed->message, FALSE);

  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_label_set_wrap (GTK_LABEL (details), TRUE);
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_add_css_class (details, "caption");
  gtk_widget_set_visible (details, *description != '\0');

  gtk_box_append (GTK_BOX (box), create_header (ed, ed->kind == EDITOR_SWITCH ? ed->widget : NULL, &title));
  /* The port name is the field's label for screen readers too. */
  gtk_accessible_update_relation (GTK_ACCESSIBLE (ed->widget),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, title, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, details, NULL,
                                  -1);
  if (editor != NULL)
    gtk_box_append (GTK_BOX (box), editor);
  gtk_box_append (GTK_BOX (box), ed->message);
  gtk_box_append (GTK_BOX (box), details);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 10);

  /* A preferences row, so that the group puts it in its boxed list. */
  ed->row = adw_preferences_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (ed->row), ed->port);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (ed->row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (ed->row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (ed->row), box);
  g_object_set_data_full (G_OBJECT (ed->row), "sluice-editor", ed, editor_free);
  return ed;
}

/* Everything that decides which widgets the form has. */
static char *
describe_structure (SluiceInspector *self,
                    SluiceStep      *step,
                    SluiceComponent *component)
{
  GString *text = g_string_new (NULL);
  GPtrArray *inputs;

  g_string_append_printf (text, "%s %p", sluice_step_get_id (step), (gpointer) component);
  if (component == NULL)
    return g_string_free (text, FALSE);

  inputs = sluice_component_get_inputs (component);
  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (inputs, i);
      const SluiceBinding *binding = sluice_step_get_input (step, spec->name);
      EditorKind kind = choose_kind (spec, binding);

      g_string_append_printf (text, "|%s:%d", spec->name, kind);
      /* A drop-down lists a value it does not accept only when built with it. */
      if (kind == EDITOR_DROPDOWN && binding != NULL && JSON_NODE_HOLDS_VALUE (binding->literal) &&
          json_node_get_value_type (binding->literal) == G_TYPE_STRING &&
          !g_strv_contains ((const char * const *) spec->enum_values, json_node_get_string (binding->literal)))
        g_string_append_printf (text, ":%s", json_node_get_string (binding->literal));
    }
  return g_string_free (text, FALSE);
}

static void
clear_inputs (SluiceInspector *self)
{
  for (guint i = 0; i < self->editors->len; i++)
    {
      Editor *ed = g_ptr_array_index (self->editors, i);

      adw_preferences_group_remove (self->inputs_group, ed->row);
    }
  g_ptr_array_set_size (self->editors, 0);
}

static void
build_step_form (SluiceInspector *self,
                 SluiceStep      *step,
                 SluiceComponent *component)
{
  GPtrArray *inputs = component ? sluice_component_get_inputs (component) : NULL;

  clear_inputs (self);
  g_set_object (&self->component, component);

  gtk_label_set_text (self->step_id_label, sluice_step_get_id (step));
  if (component == NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("“%s” could not be found"),
                                                   sluice_step_get_component_ref (step));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->component_row), _("Unknown Component"));
      adw_action_row_set_subtitle (self->component_row, subtitle);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->component_row), NULL);
    }
  else
    {
      const char *description = sluice_component_get_description (component);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->component_row),
                                     sluice_component_get_display_name (component));
      adw_action_row_set_subtitle (self->component_row, description ? description : "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->component_row), sluice_step_get_component_ref (step));
    }

  adw_preferences_group_set_description (self->inputs_group,
                                         inputs && inputs->len > 0 ? NULL : _("This component has no inputs."));
  for (guint i = 0; inputs != NULL && i < inputs->len; i++)
    {
      Editor *ed = create_editor (self, step, g_ptr_array_index (inputs, i));

      g_ptr_array_add (self->editors, ed);
      adw_preferences_group_add (self->inputs_group, ed->row);
    }
}

static void
update_step_form (SluiceInspector *self,
                  SluiceStep      *step)
{
  SluiceComponent *component = sluice_document_get_component (self->document, step);
  g_autofree char *structure = describe_structure (self, step, component);
  gboolean rebuilt = FALSE;

  if (g_strcmp0 (structure, self->structure) != 0)
    {
      build_step_form (self, step, component);
      g_free (self->structure);
      self->structure = g_steal_pointer (&structure);
      rebuilt = TRUE;
    }

  /* The entry outlives the form: after a rebuild (another step) its text
   * belongs to the old step, focused or not. */
  if (rebuilt || !is_editing (GTK_WIDGET (self->step_display_name_row)))
    set_editable_text (GTK_EDITABLE (self->step_display_name_row), sluice_step_get_display_name (step));
  for (guint i = 0; i < self->editors->len; i++)
    editor_update (g_ptr_array_index (self->editors, i));
}

/* Commits what is typed in the focused field before the form goes away. */
static void
flush_step_form (SluiceInspector *self)
{
  g_autofree char *step_id = g_strdup (self->step_id);

  if (step_id == NULL || self->document == NULL || current_step (self) == NULL)
    return;

  if (is_editing (GTK_WIDGET (self->step_display_name_row)))
    sluice_document_set_display_name (self->document, step_id,
                                      gtk_editable_get_text (GTK_EDITABLE (self->step_display_name_row)));
  for (guint i = 0; i < self->editors->len; i++)
    {
      Editor *ed = g_ptr_array_index (self->editors, i);

      if (ed->kind != EDITOR_LINK && is_editing (ed->widget))
        editor_commit_text (ed);
    }
}

static void
on_step_display_name_commit_cb (SluiceInspector *self)
{
  SluiceStep *step = current_step (self);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->step_display_name_row));
  const char *current;

  if (step == NULL || self->updating)
    return;
  current = sluice_step_get_display_name (step);
  if (g_strcmp0 (current ? current : "", text) != 0)
    sluice_document_set_display_name (self->document, self->step_id, text);
}

static void
on_step_display_name_leave_cb (SluiceInspector *self)
{
  on_step_display_name_commit_cb (self);
}

/* pipeline form ------------------------------------------------------------------------ */

static void
update_pipeline_form (SluiceInspector *self)
{
  SluicePipeline *pipeline = sluice_document_get_pipeline (self->document);
  SluicePipelineSettings *settings = sluice_pipeline_get_settings (pipeline);
  struct { AdwEntryRow *row; const char *value; } fields[] = {
    { self->pipeline_name_row, sluice_pipeline_get_name (pipeline) },
    { self->pipeline_display_name_row, sluice_pipeline_get_display_name (pipeline) },
    { self->pipeline_description_row, sluice_pipeline_get_description (pipeline) },
    { self->default_compute_row, settings->default_compute },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (!is_editing (GTK_WIDGET (fields[i].row)))
      set_editable_text (GTK_EDITABLE (fields[i].row), fields[i].value);

  gtk_switch_set_active (self->continue_switch, settings->continue_on_step_failure);
  gtk_switch_set_active (self->force_rerun_switch, settings->force_rerun);
}

static gboolean
check_pipeline_name (SluiceInspector *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->pipeline_name_row));
  gboolean valid = *text == '\0' || sluice_name_is_valid (text);

  gtk_label_set_text (self->pipeline_name_error,
                      _("A name starts with a lowercase letter and uses only a–z, 0–9 and _"));
  gtk_widget_set_visible (self->pipeline_name_error_row, !valid);
  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->pipeline_name_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->pipeline_name_row), "error");
  return valid;
}

static void
on_pipeline_name_changed_cb (SluiceInspector *self)
{
  check_pipeline_name (self);
}

static void
set_pipeline_field (SluicePipeline *pipeline,
                    AdwEntryRow    *row,
                    SluiceInspector *self,
                    const char     *value)
{
  SluicePipelineSettings *settings = sluice_pipeline_get_settings (pipeline);

  if (row == self->pipeline_name_row)
    sluice_pipeline_set_name (pipeline, value);
  else if (row == self->pipeline_display_name_row)
    sluice_pipeline_set_display_name (pipeline, value);
  else if (row == self->pipeline_description_row)
    sluice_pipeline_set_description (pipeline, value);
  else
    {
      g_free (settings->default_compute);
      settings->default_compute = g_strdup (value);
    }
}

static const char *
get_pipeline_field (SluicePipeline  *pipeline,
                    AdwEntryRow     *row,
                    SluiceInspector *self)
{
  if (row == self->pipeline_name_row)
    return sluice_pipeline_get_name (pipeline);
  if (row == self->pipeline_display_name_row)
    return sluice_pipeline_get_display_name (pipeline);
  if (row == self->pipeline_description_row)
    return sluice_pipeline_get_description (pipeline);
  return sluice_pipeline_get_settings (pipeline)->default_compute;
}

static void
commit_pipeline_entry (SluiceInspector *self,
                       AdwEntryRow     *row)
{
  SluicePipeline *pipeline;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  const char *current;

  if (self->document == NULL || self->updating)
    return;
  if (row == self->pipeline_name_row && !check_pipeline_name (self))
    return;

  pipeline = sluice_document_get_pipeline (self->document);
  current = get_pipeline_field (pipeline, row, self);
  if (g_strcmp0 (current ? current : "", text) == 0)
    return;

  /* The pipeline setters are not commands; the group makes them one. */
  sluice_document_begin_group (self->document);
  set_pipeline_field (pipeline, row, self, *text ? text : NULL);
  sluice_document_end_group (self->document);
}

static void
on_pipeline_entry_commit_cb (SluiceInspector *self,
                             AdwEntryRow     *row)
{
  commit_pipeline_entry (self, row);
}

static void
on_pipeline_entry_leave_cb (SluiceInspector         *self,
                            GtkEventControllerFocus *controller)
{
  commit_pipeline_entry (self, ADW_ENTRY_ROW (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller))));
}

static void
on_setting_switch_cb (SluiceInspector *self,
                      GParamSpec      *pspec,
                      GtkSwitch       *widget)
{
  SluicePipelineSettings *settings;
  gboolean active = gtk_switch_get_active (widget);
  gboolean *field;

  if (self->document == NULL || self->updating)
    return;

  settings = sluice_pipeline_get_settings (sluice_document_get_pipeline (self->document));
  field = widget == self->continue_switch ? &settings->continue_on_step_failure : &settings->force_rerun;
  if (*field == active)
    return;

  sluice_document_begin_group (self->document);
  /* Fetched again: begin_group leaves the pipeline alone, but be safe. */
  settings = sluice_pipeline_get_settings (sluice_document_get_pipeline (self->document));
  if (widget == self->continue_switch)
    settings->continue_on_step_failure = active;
  else
    settings->force_rerun = active;
  sluice_document_end_group (self->document);
}

/* the whole ------------------------------------------------------------------------------ */

static void
forget_step (SluiceInspector *self)
{
  clear_inputs (self);
  g_clear_pointer (&self->step_id, g_free);
  g_clear_pointer (&self->structure, g_free);
  g_clear_object (&self->component);
}

static void
show_selection (SluiceInspector    *self,
                const char * const *selection)
{
  guint n = selection ? g_strv_length ((char **) selection) : 0;
  SluiceStep *step;

  if (n == 1 && (step = sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), selection[0])))
    {
      if (g_strcmp0 (self->step_id, selection[0]) != 0)
        {
          forget_step (self);
          self->step_id = g_strdup (selection[0]);
        }
      update_step_form (self, step);
      gtk_stack_set_visible_child_name (self->stack, "step");
      return;
    }

  forget_step (self);
  if (n > 1)
    {
      g_autofree char *title = g_strdup_printf (ngettext ("%u step selected", "%u steps selected", n), n);

      adw_status_page_set_title (self->several_page, title);
      gtk_stack_set_visible_child_name (self->stack, "several");
      return;
    }

  update_pipeline_form (self);
  gtk_stack_set_visible_child_name (self->stack, "pipeline");
}

// A read-only document (a past run's pipeline) is shown, not edited: its
// fields stay readable but take no input.
static void
update_editable (SluiceInspector *self)
{
  gboolean editable = self->document == NULL || !sluice_document_get_read_only (self->document);
  GtkWidget *fields[] = {
    GTK_WIDGET (self->pipeline_name_row), GTK_WIDGET (self->pipeline_display_name_row),
    GTK_WIDGET (self->pipeline_description_row), GTK_WIDGET (self->default_compute_row),
    GTK_WIDGET (self->continue_switch), GTK_WIDGET (self->force_rerun_switch),
    GTK_WIDGET (self->step_display_name_row), GTK_WIDGET (self->inputs_group),
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    gtk_widget_set_sensitive (fields[i], editable);
}

static void
update (SluiceInspector *self)
{
  if (self->updating || self->flushing)
    return;

  update_editable (self);
  self->updating = TRUE;
  if (self->document == NULL)
    {
      forget_step (self);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    show_selection (self, sluice_document_get_selection (self->document));
  self->updating = FALSE;
}

static void
on_document_changed_cb (SluiceInspector *self,
                        SluiceDocument  *document)
{
  update (self);
}

static void
on_selection_changed_cb (SluiceInspector *self,
                         SluiceDocument  *document)
{
  const char * const *selection = sluice_document_get_selection (document);

  /* Typing and then clicking another node must not lose what was typed. */
  if (self->step_id != NULL && !self->updating &&
      !(selection && selection[0] && !selection[1] && g_str_equal (selection[0], self->step_id)))
    {
      self->flushing = TRUE;
      flush_step_form (self);
      self->flushing = FALSE;
    }
  update (self);
}

static void
sluice_inspector_dispose (GObject *object)
{
  SluiceInspector *self = SLUICE_INSPECTOR (object);

  sluice_inspector_set_document (self, NULL);
  g_clear_pointer (&self->editors, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_INSPECTOR);
  _sluice_widget_unparent_children (GTK_WIDGET (self));
  g_clear_pointer (&self->step_id, g_free);
  g_clear_pointer (&self->structure, g_free);
  g_clear_object (&self->component);

  G_OBJECT_CLASS (sluice_inspector_parent_class)->dispose (object);
}

static void
sluice_inspector_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SluiceInspector *self = SLUICE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_inspector_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SluiceInspector *self = SLUICE_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      sluice_inspector_set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_inspector_class_init (SluiceInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_inspector_dispose;
  object_class->get_property = sluice_inspector_get_property;
  object_class->set_property = sluice_inspector_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, SLUICE_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, pipeline_name_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, pipeline_name_error_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, pipeline_name_error);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, pipeline_display_name_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, pipeline_description_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, default_compute_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, continue_switch);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, force_rerun_switch);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, step_id_label);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, step_display_name_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, component_row);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, inputs_group);
  gtk_widget_class_bind_template_child (widget_class, SluiceInspector, several_page);
  gtk_widget_class_bind_template_callback (widget_class, on_pipeline_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_pipeline_entry_commit_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_pipeline_entry_leave_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_setting_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_step_display_name_commit_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_step_display_name_leave_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluiceinspector");
}

static void
sluice_inspector_init (SluiceInspector *self)
{
  self->editors = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
sluice_inspector_new (void)
{
  return g_object_new (SLUICE_TYPE_INSPECTOR, NULL);
}

void
sluice_inspector_set_document (SluiceInspector *self,
                               SluiceDocument  *document)
{
  g_return_if_fail (SLUICE_IS_INSPECTOR (self));
  g_return_if_fail (!document || SLUICE_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    {
      g_clear_signal_handler (&self->changed_handler, self->document);
      g_clear_signal_handler (&self->selection_handler, self->document);
    }
  forget_step (self);
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      self->changed_handler = g_signal_connect_object (document, "changed",
                                                       G_CALLBACK (on_document_changed_cb), self,
                                                       G_CONNECT_SWAPPED);
      self->selection_handler = g_signal_connect_object (document, "selection-changed",
                                                         G_CALLBACK (on_selection_changed_cb), self,
                                                         G_CONNECT_SWAPPED);
    }

  if (!gtk_widget_in_destruction (GTK_WIDGET (self)))
    update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}
