// SPDX-License-Identifier: GPL-3.0-or-later
//
// Server tokens in the keyring, against a real Secret Service (started by
// keyring-session.sh): where sluice_remote_config puts a token, how it is
// read back, replaced and removed, and the 0600 file it falls back to.

#include <glib/gstdio.h>
#include <string.h>

#include "sluice-keyring.h"
#include "sluice-remote-config.h"

static char *
token_file (const char *name)
{
  g_autofree char *dir = sluice_remote_config_get_dir ();

  return g_build_filename (dir, "tokens", name, NULL);
}

static SluiceRemoteEntry *
find_entry (GPtrArray  *list,
            const char *name)
{
  for (guint i = 0; i < list->len; i++)
    {
      SluiceRemoteEntry *entry = g_ptr_array_index (list, i);

      if (g_strcmp0 (entry->name, name) == 0)
        return entry;
    }
  return NULL;
}

static void
assert_token (const char *name,
              const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = sluice_remote_config_read_token (name, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, expected);
}

static void
forget_remote (const char *name)
{
  g_autoptr(GError) error = NULL;

  sluice_remote_config_remove (name, NULL);
  g_assert_true (sluice_keyring_clear (name, &error));
  g_assert_no_error (error);
}

static void
test_keyring_usable (void)
{
  g_assert_true (sluice_keyring_is_usable ());
  g_setenv ("SLUICE_TOKEN_STORE", "file", TRUE);
  g_assert_false (sluice_keyring_is_usable ());
  g_setenv ("SLUICE_TOKEN_STORE", "auto", TRUE);
}

static void
test_keyring_add_read_remove (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *file = token_file ("lab");
  g_autofree char *in_keyring = NULL;
  g_autoptr(SluiceRemote) remote = NULL;

  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8470", "tok-keyring-1", &error));
  g_assert_no_error (error);
  // In the keyring, and nowhere on disk.
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  in_keyring = sluice_keyring_lookup ("lab", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (in_keyring, ==, "tok-keyring-1");
  list = sluice_remote_config_list (&error);
  g_assert_no_error (error);
  g_assert_true (find_entry (list, "lab")->token_in_keyring);
  assert_token ("lab", "tok-keyring-1");
  remote = sluice_remote_config_open ("lab", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_remote_get_url (remote), ==, "http://127.0.0.1:8470");

  // Replaced under the same name: one item, the new token.
  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8471", "tok-keyring-2", &error));
  g_assert_no_error (error);
  assert_token ("lab", "tok-keyring-2");

  g_assert_true (sluice_remote_config_remove ("lab", &error));
  g_assert_no_error (error);
  g_clear_pointer (&in_keyring, g_free);
  in_keyring = sluice_keyring_lookup ("lab", &error);
  g_assert_no_error (error);
  g_assert_null (in_keyring);
}

// SLUICE_TOKEN_STORE=file moves a token out of the keyring into the file,
// and back again without it: no stale copy stays in the other place.
static void
test_keyring_switch_to_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = token_file ("lab");
  g_autofree char *in_keyring = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GStatBuf st;

  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8470", "tok-a", &error));
  g_assert_no_error (error);

  g_setenv ("SLUICE_TOKEN_STORE", "file", TRUE);
  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8470", "tok-b", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  in_keyring = sluice_keyring_lookup ("lab", &error);
  g_assert_no_error (error);
  g_assert_null (in_keyring);
  list = sluice_remote_config_list (&error);
  g_assert_false (find_entry (list, "lab")->token_in_keyring);
  assert_token ("lab", "tok-b");

  g_setenv ("SLUICE_TOKEN_STORE", "auto", TRUE);
  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8470", "tok-c", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  assert_token ("lab", "tok-c");
  forget_remote ("lab");
}

// remotes.json says keyring, but the item was deleted (say, with Seahorse).
static void
test_keyring_item_gone (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_true (sluice_remote_config_add ("lab", "http://127.0.0.1:8470", "tok-gone", &error));
  g_assert_no_error (error);
  g_assert_true (sluice_keyring_clear ("lab", &error));
  g_assert_no_error (error);

  token = sluice_remote_config_read_token ("lab", &error);
  g_assert_null (token);
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "keyring holds no token for remote 'lab'"));
  g_assert_nonnull (strstr (error->message, "sluice remote add lab"));
  forget_remote ("lab");
}

// A remotes.json from before tokens could be in the keyring.
static void
test_keyring_old_entry_reads_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = sluice_remote_config_get_dir ();
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *remotes = g_build_filename (dir, "remotes.json", NULL);
  g_autofree char *file = token_file ("old");

  g_assert_cmpint (g_mkdir_with_parents (tokens, 0700), ==, 0);
  g_assert_true (g_file_set_contents (remotes, "{\"remotes\": {\"old\": {\"url\": \"http://127.0.0.1:1\"}}}", -1, &error));
  g_assert_true (g_file_set_contents (file, "tok-old\n", -1, &error));
  g_assert_cmpint (g_chmod (file, 0600), ==, 0);
  assert_token ("old", "tok-old");
  forget_remote ("old");
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
}

// Without a session bus there is no keyring, and the file is used.
static void
test_keyring_no_bus (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = token_file ("nobus");
  g_autofree char *bus = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_assert_false (sluice_keyring_is_usable ());
  g_assert_true (sluice_remote_config_add ("nobus", "http://127.0.0.1:1", "tok-nobus", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  assert_token ("nobus", "tok-nobus");
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", bus, TRUE);
  forget_remote ("nobus");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("needs the Secret Service of tests/keyring-session.sh");
      return 77;
    }
  g_setenv ("SLUICE_TOKEN_STORE", "auto", TRUE);
  g_test_add_func ("/keyring/usable", test_keyring_usable);
  g_test_add_func ("/keyring/add-read-remove", test_keyring_add_read_remove);
  g_test_add_func ("/keyring/switch-to-file", test_keyring_switch_to_file);
  g_test_add_func ("/keyring/item-gone", test_keyring_item_gone);
  g_test_add_func ("/keyring/old-entry-reads-file", test_keyring_old_entry_reads_file);
  g_test_add_func ("/keyring/no-bus", test_keyring_no_bus);
  return g_test_run ();
}
