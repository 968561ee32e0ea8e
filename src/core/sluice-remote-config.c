// SPDX-License-Identifier: GPL-3.0-or-later
//
// A token goes to the user's keyring (Secret Service) when one is running
// and unlocked, as on a desktop session; otherwise (headless machines, CI,
// ssh) to a file of mode 0600, which is what ssh and other command-line
// tools rely on. remotes.json records where each token went, so the CLI
// and the app find the same token without probing both places.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-file.h"
#include "sluice-json.h"
#include "sluice-keyring.h"
#include "sluice-remote-config.h"

void
sluice_remote_entry_free (SluiceRemoteEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->url);
  g_free (entry);
}

// XDG_CONFIG_HOME is read each time (GLib caches its answer for the
// process), so tests and a changed environment see the right folder.
char *
sluice_remote_config_get_dir (void)
{
  const char *config = g_getenv ("XDG_CONFIG_HOME");

  if (config != NULL && g_path_is_absolute (config))
    return g_build_filename (config, "sluice", NULL);
  return g_build_filename (g_get_user_config_dir (), "sluice", NULL);
}

gboolean
sluice_remote_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || *name == '.' || *name == '-' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
check_name (const char  *name,
            GError     **error)
{
  if (sluice_remote_name_is_valid (name))
    return TRUE;
  g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
               "'%s' is not a remote name: use letters, digits, '-', '_' and '.', not first", name ? name : "");
  return FALSE;
}

static char *
remotes_path (void)
{
  g_autofree char *dir = sluice_remote_config_get_dir ();

  return g_build_filename (dir, "remotes.json", NULL);
}

static char *
token_path (const char *name)
{
  g_autofree char *dir = sluice_remote_config_get_dir ();

  return g_build_filename (dir, "tokens", name, NULL);
}

static gboolean
io_failed (const char  *what,
           const char  *path,
           int          saved_errno,
           GError     **error)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "cannot %s %s: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* remotes.json: {"remotes": {"NAME": {"url": "…", "token_store": "keyring"|"file"}}} - */

// The remotes object of the file; an empty one when there is no file yet.
static JsonObject *
read_remotes (GError **error)
{
  g_autofree char *path = remotes_path ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root, *remotes;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return json_object_new ();
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG, "%s: %s", path, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(remotes = json_object_get_member (json_node_get_object (root), "remotes")) || !JSON_NODE_HOLDS_OBJECT (remotes))
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "%s: expected {\"remotes\": {NAME: {\"url\": URL}}}", path);
      return NULL;
    }
  return json_object_ref (json_node_get_object (remotes));
}

static gboolean
write_remotes (JsonObject  *remotes,
               GError     **error)
{
  g_autofree char *dir = sluice_remote_config_get_dir ();
  g_autofree char *path = remotes_path ();
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) names = g_list_sort (json_object_get_members (remotes), (GCompareFunc) strcmp);
  g_autofree char *text = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return io_failed ("create", dir, errno, error);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "remotes");
  json_builder_begin_object (b);
  for (GList *l = names; l != NULL; l = l->next)
    {
      json_builder_set_member_name (b, l->data);
      json_builder_add_value (b, json_node_copy (json_object_get_member (remotes, l->data)));
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = sluice_json_to_string (root);
  return sluice_file_write_atomic (path, text, strlen (text), error);
}

static const char *
entry_string (JsonObject *remotes,
              const char *name,
              const char *member)
{
  JsonNode *node = json_object_get_member (remotes, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (node), member, NULL);
}

static const char *
entry_url (JsonObject *remotes,
           const char *name)
{
  return entry_string (remotes, name, "url");
}

// Entries written before tokens could go to the keyring have no
// token_store: their token is in a file.
static gboolean
entry_token_in_keyring (JsonObject *remotes,
                        const char *name)
{
  return g_strcmp0 (entry_string (remotes, name, "token_store"), "keyring") == 0;
}

/* tokens ------------------------------------------------------------------------------ */

// Created 0600 before a byte is written, then renamed over the old one, so
// the token is never readable by others, not even for a moment.
static gboolean
write_token (const char  *name,
             const char  *token,
             GError     **error)
{
  g_autofree char *path = token_path (name);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  g_autofree char *text = g_strconcat (token, "\n", NULL);
  gsize length = strlen (text);
  gsize written = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return io_failed ("create", dir, errno, error);
  if ((fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600)) < 0)
    return io_failed ("create", tmp, errno, error);
  while (written < length)
    {
      ssize_t n = write (fd, text + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_unlink (tmp);
          return io_failed ("write", tmp, saved, error);
        }
      written += (gsize) n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      return io_failed ("write", tmp, saved, error);
    }
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      return io_failed ("replace", path, saved, error);
    }
  return TRUE;
}

static char *
read_token_from_keyring (const char  *name,
                         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *token = sluice_keyring_lookup (name, &local_error);

  if (token != NULL)
    return token;
  if (local_error != NULL)
    g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                 "cannot read the token of remote '%s' from the keyring: %s", name, local_error->message);
  else
    g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                 "the keyring holds no token for remote '%s'; add it again with "
                 "`sluice remote add %s URL --token-file FILE`", name, name);
  return NULL;
}

static char *
read_token_from_file (const char  *name,
                      GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  struct stat st;

  path = token_path (name);
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                     "remote '%s' has no token (%s is missing); add it again with "
                     "`sluice remote add %s URL --token-file FILE`", name, path, name);
      else
        io_failed ("read", path, saved, error);
      return NULL;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INSECURE,
                   "token file %s is open to other users (mode %04o); make it private with "
                   "`chmod 600 %s`, or better, create a new token since this one may have been seen",
                   path, (unsigned) (st.st_mode & 07777), path);
      return NULL;
    }
  if (!(text = sluice_file_read (path, NULL, error)))
    return NULL;
  g_strstrip (text);
  if (*text == '\0')
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG, "token file %s is empty", path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

char *
sluice_remote_config_read_token (const char  *name,
                                 GError     **error)
{
  g_autoptr(JsonObject) remotes = NULL;

  if (!check_name (name, error) || !(remotes = read_remotes (error)))
    return NULL;
  if (entry_token_in_keyring (remotes, name))
    return read_token_from_keyring (name, error);
  return read_token_from_file (name, error);
}

static gboolean
remove_token_file (const char  *name,
                   GError     **error)
{
  g_autofree char *path = token_path (name);

  if (g_unlink (path) != 0 && errno != ENOENT)
    return io_failed ("remove", path, errno, error);
  return TRUE;
}

// The keyring when it can be used, else the file. The other place is
// emptied, so an old copy of a replaced token does not linger; the keyring
// only when the token was there (was_in_keyring), so a file-only setup
// never talks to D-Bus.
static gboolean
store_token (const char  *name,
             const char  *url,
             const char  *token,
             gboolean     was_in_keyring,
             gboolean    *in_keyring,
             GError     **error)
{
  g_autoptr(GError) keyring_error = NULL;

  *in_keyring = FALSE;
  if (sluice_keyring_is_usable ())
    {
      if (sluice_keyring_store (name, url, token, &keyring_error))
        {
          *in_keyring = TRUE;
          return remove_token_file (name, error);
        }
      g_debug ("keeping the token of '%s' in a file: %s", name, keyring_error->message);
      g_clear_error (&keyring_error);
    }
  if (!write_token (name, token, error))
    return FALSE;
  if (was_in_keyring && !sluice_keyring_clear (name, &keyring_error))
    g_debug ("an old keyring token of '%s' stays: %s", name, keyring_error->message);
  return TRUE;
}

/* the public calls --------------------------------------------------------------------- */

gboolean
sluice_remote_config_add (const char  *name,
                          const char  *url,
                          const char  *token,
                          GError     **error)
{
  g_autoptr(SluiceRemote) check = NULL;
  g_autoptr(JsonObject) remotes = NULL;
  g_autofree char *clean_token = NULL;
  gboolean in_keyring;
  JsonObject *entry;

  if (!check_name (name, error) || !(check = sluice_remote_new (url, NULL, error)))
    return FALSE;
  clean_token = g_strstrip (g_strdup (token ? token : ""));
  if (*clean_token == '\0' || strpbrk (clean_token, "\r\n\t ") != NULL)
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "the token for '%s' is empty or has spaces in it; give the token "
                   "`sluice-server token create` printed", name);
      return FALSE;
    }
  if (!(remotes = read_remotes (error)) ||
      !store_token (name, sluice_remote_get_url (check), clean_token, entry_token_in_keyring (remotes, name),
                    &in_keyring, error))
    return FALSE;

  entry = json_object_new ();
  json_object_set_string_member (entry, "url", sluice_remote_get_url (check));
  json_object_set_string_member (entry, "token_store", in_keyring ? "keyring" : "file");
  json_object_set_object_member (remotes, name, entry);
  return write_remotes (remotes, error);
}

gboolean
sluice_remote_config_remove (const char  *name,
                             GError     **error)
{
  g_autoptr(JsonObject) remotes = NULL;
  g_autoptr(GError) keyring_error = NULL;
  gboolean in_keyring;

  if (!check_name (name, error) || !(remotes = read_remotes (error)))
    return FALSE;
  if (!json_object_has_member (remotes, name))
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "there is no remote '%s' (see `sluice remote list`)", name);
      return FALSE;
    }
  in_keyring = entry_token_in_keyring (remotes, name);
  json_object_remove_member (remotes, name);
  if (!write_remotes (remotes, error))
    return FALSE;
  if (in_keyring && !sluice_keyring_clear (name, &keyring_error))
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "remote '%s' is removed but its token stays in the keyring: %s", name, keyring_error->message);
      return FALSE;
    }
  return remove_token_file (name, error);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SluiceRemoteEntry *x = *(SluiceRemoteEntry * const *) a;
  const SluiceRemoteEntry *y = *(SluiceRemoteEntry * const *) b;

  return strcmp (x->name, y->name);
}

GPtrArray *
sluice_remote_config_list (GError **error)
{
  g_autoptr(JsonObject) remotes = read_remotes (error);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GList) names = NULL;

  if (remotes == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_remote_entry_free);
  names = json_object_get_members (remotes);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *url = entry_url (remotes, l->data);
      SluiceRemoteEntry *entry;

      if (url == NULL)
        continue;
      entry = g_new0 (SluiceRemoteEntry, 1);
      entry->name = g_strdup (l->data);
      entry->url = g_strdup (url);
      entry->token_in_keyring = entry_token_in_keyring (remotes, l->data);
      g_ptr_array_add (list, entry);
    }
  g_ptr_array_sort (list, compare_entries);
  return g_steal_pointer (&list);
}

char *
sluice_remote_config_get_url (const char  *name,
                              GError     **error)
{
  g_autoptr(JsonObject) remotes = NULL;
  const char *url;

  if (!check_name (name, error) || !(remotes = read_remotes (error)))
    return NULL;
  if (!(url = entry_url (remotes, name)))
    {
      g_set_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG,
                   "there is no remote '%s'; add it with `sluice remote add %s URL --token-file FILE`", name, name);
      return NULL;
    }
  return g_strdup (url);
}

SluiceRemote *
sluice_remote_config_open (const char  *name,
                           GError     **error)
{
  g_autofree char *url = sluice_remote_config_get_url (name, error);
  g_autofree char *token = NULL;

  if (url == NULL || !(token = sluice_remote_config_read_token (name, error)))
    return NULL;
  return sluice_remote_new (url, token, error);
}
