// SPDX-License-Identifier: GPL-3.0-or-later
//
// Adding, removing and reading a token may wait on the keyring's D-Bus
// service (and on the user unlocking it), so those calls run in a worker
// thread; the connection test is an ordinary async request.

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sluice-json.h"
#include "sluice-remote-config.h"
#include "sluice-preferences-window.h"

struct _SluicePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GtkListBox           *server_list;
  GtkButton            *add_button;
  AdwEntryRow          *name_row;
  AdwEntryRow          *url_row;
  AdwEntryRow          *token_row;

  GCancellable         *cancellable;
  GHashTable           *statuses;     // remote name -> last connection test's answer
  gboolean              adding;
};

G_DEFINE_FINAL_TYPE (SluicePreferencesWindow, sluice_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void refresh_servers (SluicePreferencesWindow *self);

static void
toast (SluicePreferencesWindow *self,
       const char              *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static const char *
row_remote_name (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "remote-name");
}

static GtkWidget *
find_row (SluicePreferencesWindow *self,
          const char              *name)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->server_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (row_remote_name (row), name) == 0)
      return row;
  return NULL;
}

static void
set_row_status (SluicePreferencesWindow *self,
                const char              *name,
                const char              *status)
{
  GtkWidget *row = find_row (self, name);
  g_autofree char *subtitle = NULL;

  // Kept by name, so rebuilding the list does not forget it.
  if (status != g_hash_table_lookup (self->statuses, name))
    g_hash_table_replace (self->statuses, g_strdup (name), g_strdup (status));
  if (row == NULL)
    return;
  subtitle = g_strdup_printf ("%s\n%s", (const char *) g_object_get_data (G_OBJECT (row), "summary"), status);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
}

/* testing a connection ------------------------------------------------------------ */

typedef struct
{
  char *name;
  char *url;
  char *token;
} Credentials;

static void
credentials_free (Credentials *c)
{
  g_free (c->name);
  g_free (c->url);
  if (c->token != NULL)
    memset (c->token, 0, strlen (c->token));
  g_free (c->token);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Credentials, credentials_free)

static void
read_credentials_in_thread (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  g_autoptr(Credentials) c = g_new0 (Credentials, 1);
  GError *error = NULL;

  c->name = g_strdup (task_data);
  if (!(c->url = sluice_remote_config_get_url (c->name, &error)) ||
      !(c->token = sluice_remote_config_read_token (c->name, &error)))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&c), (GDestroyNotify) credentials_free);
}

typedef struct
{
  SluicePreferencesWindow *self;
  char                    *name;
} TestData;

static void
test_data_free (TestData *t)
{
  g_object_unref (t->self);
  g_free (t->name);
  g_free (t);
}

static void
on_test_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TestData *t = user_data;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  reply = sluice_remote_list_runs_finish (SLUICE_REMOTE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      test_data_free (t);
      return;
    }
  if (reply == NULL)
    status = g_strdup_printf (_("Not connected: %s"), error->message);
  else
    status = g_strdup (_("Connected: the server accepted the token"));
  set_row_status (t->self, t->name, status);
  test_data_free (t);
}

static void
on_credentials_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TestData *t = user_data;
  g_autoptr(Credentials) c = NULL;
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  if (!(c = g_task_propagate_pointer (G_TASK (result), &error)) ||
      !(remote = sluice_remote_new (c->url, c->token, &error)))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          status = g_strdup_printf (_("Not connected: %s"), error->message);
          set_row_status (t->self, t->name, status);
        }
      test_data_free (t);
      return;
    }
  // Listing one run needs the lowest role (viewer), so any valid token
  // passes and a wrong one is refused (401).
  sluice_remote_list_runs_async (remote, NULL, 1, t->self->cancellable, on_test_answered, t);
}

static void
test_connection (SluicePreferencesWindow *self,
                 const char              *name)
{
  g_autoptr(GTask) task = NULL;
  TestData *t = g_new0 (TestData, 1);

  t->self = g_object_ref (self);
  t->name = g_strdup (name);
  set_row_status (self, name, _("Connecting…"));
  task = g_task_new (self, self->cancellable, on_credentials_read, t);
  g_task_set_source_tag (task, test_connection);
  g_task_set_task_data (task, g_strdup (name), g_free);
  g_task_run_in_thread (task, read_credentials_in_thread);
}

static void
on_test_clicked (GtkButton               *button,
                 SluicePreferencesWindow *self)
{
  test_connection (self, g_object_get_data (G_OBJECT (button), "remote-name"));
}

/* removing -------------------------------------------------------------------------- */

static void
remove_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;

  if (!sluice_remote_config_remove (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    text = g_strdup_printf (_("Could not remove the server: %s"), error->message);
  else
    {
      const char *name = g_task_get_task_data (G_TASK (result));

      text = g_strdup_printf (_("Removed “%s”"), name);
      g_hash_table_remove (self->statuses, name);
    }
  toast (self, text);
  refresh_servers (self);
}

static void
on_remove_clicked (GtkButton               *button,
                   SluicePreferencesWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "remote-name");
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_removed, NULL);

  g_task_set_source_tag (task, on_remove_clicked);
  g_task_set_task_data (task, g_strdup (name), g_free);
  g_task_run_in_thread (task, remove_in_thread);
}

/* the list -------------------------------------------------------------------------- */

static GtkWidget *
suffix_button (SluicePreferencesWindow *self,
               const char              *name,
               const char              *label,
               const char              *icon_name,
               GCallback                callback)
{
  GtkWidget *button = gtk_button_new ();

  if (icon_name != NULL)
    {
      gtk_button_set_icon_name (GTK_BUTTON (button), icon_name);
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      gtk_widget_add_css_class (button, "flat");
    }
  else
    gtk_button_set_label (GTK_BUTTON (button), label);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "remote-name", g_strdup (name), g_free);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

static GtkWidget *
server_row (SluicePreferencesWindow *self,
            SluiceRemoteEntry       *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *summary = g_strdup_printf ("%s · %s", entry->url,
                                              entry->token_in_keyring ? _("token in the keyring")
                                                                      : _("token in a private file"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  g_object_set_data_full (G_OBJECT (row), "remote-name", g_strdup (entry->name), g_free);
  g_object_set_data_full (G_OBJECT (row), "summary", g_steal_pointer (&summary), g_free);
  g_object_set_data (G_OBJECT (row), "in-keyring", GINT_TO_POINTER (entry->token_in_keyring));
  g_object_set_data_full (G_OBJECT (row), "url", g_strdup (entry->url), g_free);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button (self, entry->name, _("Test Connection"), NULL, G_CALLBACK (on_test_clicked)));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             suffix_button (self, entry->name, _("Remove Server"), "user-trash-symbolic",
                                            G_CALLBACK (on_remove_clicked)));
  return row;
}

// remotes.json is small and local: read here, as the Run on menu does.
static void
refresh_servers (SluicePreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = sluice_remote_config_list (&error);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->server_list))) != NULL)
    gtk_list_box_remove (self->server_list, child);
  if (remotes == NULL)
    {
      toast (self, error->message);
      return;
    }
  for (guint i = 0; i < remotes->len; i++)
    {
      SluiceRemoteEntry *entry = g_ptr_array_index (remotes, i);
      const char *status = g_hash_table_lookup (self->statuses, entry->name);

      gtk_list_box_append (self->server_list, server_row (self, entry));
      if (status != NULL)
        set_row_status (self, entry->name, status);
    }
}

/* adding ---------------------------------------------------------------------------- */

static void
add_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Credentials *c = task_data;
  GError *error = NULL;

  if (!sluice_remote_config_add (c->name, c->url, c->token, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (source);
  Credentials *c = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  self->adding = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), TRUE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      // What was typed stays, to be corrected.
      text = g_strdup_printf (_("Could not add the server: %s"), error->message);
      toast (self, text);
      return;
    }
  text = g_strdup_printf (_("Added “%s”"), c->name);
  toast (self, text);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  // Ready for the next one.
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  refresh_servers (self);
  // A typo in the address or token shows now, not at the first run.
  test_connection (self, c->name);
}

static const char *
entry_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
on_add_clicked (SluicePreferencesWindow *self)
{
  g_autoptr(GTask) task = NULL;
  Credentials *c;

  if (self->adding || !gtk_widget_get_sensitive (GTK_WIDGET (self->add_button)))
    return;
  c = g_new0 (Credentials, 1);
  c->name = g_strstrip (g_strdup (entry_text (self->name_row)));
  c->url = g_strstrip (g_strdup (entry_text (self->url_row)));
  c->token = g_strdup (entry_text (self->token_row));
  self->adding = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), FALSE);
  task = g_task_new (self, self->cancellable, on_added, NULL);
  g_task_set_source_tag (task, on_add_clicked);
  g_task_set_task_data (task, c, (GDestroyNotify) credentials_free);
  g_task_run_in_thread (task, add_in_thread);
}

// Add is offered once the three fields are filled in; a bad name or
// address is explained by sluice_remote_config_add's error.
static void
on_entry_changed (SluicePreferencesWindow *self)
{
  gboolean filled = *entry_text (self->name_row) && *entry_text (self->url_row) && *entry_text (self->token_row);

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), filled && !self->adding);
}

/* GObject --------------------------------------------------------------------------- */

static void
sluice_preferences_window_dispose (GObject *object)
{
  SluicePreferencesWindow *self = SLUICE_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->statuses, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SLUICE_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (sluice_preferences_window_parent_class)->dispose (object);
}

static void
sluice_preferences_window_class_init (SluicePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/sluice/Sluice/ui/sluice-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, server_list);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, url_row);
  gtk_widget_class_bind_template_child (widget_class, SluicePreferencesWindow, token_row);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
}

static void
no_servers_placeholder (SluicePreferencesWindow *self)
{
  GtkWidget *label = gtk_label_new (_("No servers yet: add one below"));

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_list_box_set_placeholder (self->server_list, label);
}

// In the capture phase: the entry rows would take Escape for themselves.
static void
close_on_escape (SluicePreferencesWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
sluice_preferences_window_init (SluicePreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  close_on_escape (self);
  no_servers_placeholder (self);
  refresh_servers (self);
  // With no server yet, adding one is what the window is opened for.
  if (gtk_widget_get_first_child (GTK_WIDGET (self->server_list)) == NULL)
    gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->name_row));
}

GtkWidget *
sluice_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (SLUICE_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}

gboolean
sluice_preferences_window_dump_state (SluicePreferencesWindow  *self,
                                      const char               *path,
                                      GError                  **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (SLUICE_IS_PREFERENCES_WINDOW (self), FALSE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "servers");
  json_builder_begin_array (b);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->server_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      const char *name = row_remote_name (row);
      const char *status;

      if (name == NULL)
        continue;
      status = g_hash_table_lookup (self->statuses, name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, row_remote_name (row));
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, g_object_get_data (G_OBJECT (row), "url"));
      json_builder_set_member_name (b, "token_in_keyring");
      json_builder_add_boolean_value (b, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "in-keyring")));
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, status ? status : "");
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  // Not the token.
  json_builder_set_member_name (b, "name_entry");
  json_builder_add_string_value (b, entry_text (self->name_row));
  json_builder_set_member_name (b, "url_entry");
  json_builder_add_string_value (b, entry_text (self->url_row));
  json_builder_set_member_name (b, "add_sensitive");
  json_builder_add_boolean_value (b, gtk_widget_get_sensitive (GTK_WIDGET (self->add_button)));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = sluice_json_to_string (root);
  return g_file_set_contents (path, text, -1, error);
}
