// SPDX-License-Identifier: GPL-3.0-or-later
//
// Items are found by the remote's name alone (attribute "remote"): the
// name is what remotes.json and the CLI know a server by, and the URL may
// change with `sluice remote add` under the same name.

#include "config.h"

#include <gio/gio.h>

#include "sluice-keyring.h"

#if HAVE_LIBSECRET

#include <libsecret/secret.h>

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "io.github.sluice.Sluice.ServerToken", SECRET_SCHEMA_NONE,
    {
      { "remote", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

gboolean
sluice_keyring_is_usable (void)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (g_getenv ("SLUICE_TOKEN_STORE"), "file") == 0)
    return FALSE;
  // Without a session bus GDBus would try to autolaunch one over X11.
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return FALSE;
  if (!(service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error)))
    {
      g_debug ("no Secret Service: %s", error->message);
      return FALSE;
    }
  // A missing default collection would make libsecret ask the user to
  // create one, and a locked one to unlock it: both prompt, which a
  // command-line tool or a test must not wait for.
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  if (collection == NULL)
    {
      g_debug ("no default keyring: %s", error ? error->message : "none set");
      return FALSE;
    }
  return !secret_collection_get_locked (collection);
}

gboolean
sluice_keyring_store (const char  *remote_name,
                      const char  *url,
                      const char  *token,
                      GError     **error)
{
  g_autofree char *label = g_strdup_printf ("Sluice server token for %s", remote_name);

  // An item is replaced only when all its attributes match: with another
  // URL the old token would stay beside the new one.
  if (!sluice_keyring_clear (remote_name, error))
    return FALSE;
  return secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT, label, token, NULL, error,
                                     "remote", remote_name, "url", url, NULL);
}

char *
sluice_keyring_lookup (const char  *remote_name,
                       GError     **error)
{
  char *secret = secret_password_lookup_sync (token_schema (), NULL, error, "remote", remote_name, NULL);
  char *token;

  if (secret == NULL)
    return NULL;
  token = g_strdup (secret);
  // Wipes the memory the token was in.
  secret_password_free (secret);
  return token;
}

gboolean
sluice_keyring_clear (const char  *remote_name,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (secret_password_clear_sync (token_schema (), NULL, &local_error, "remote", remote_name, NULL))
    return TRUE;
  if (local_error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

#else

gboolean
sluice_keyring_is_usable (void)
{
  return FALSE;
}

gboolean
sluice_keyring_store (const char  *remote_name,
                      const char  *url,
                      const char  *token,
                      GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Sluice was built without libsecret");
  return FALSE;
}

char *
sluice_keyring_lookup (const char  *remote_name,
                       GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Sluice was built without libsecret");
  return NULL;
}

gboolean
sluice_keyring_clear (const char  *remote_name,
                      GError     **error)
{
  return TRUE;
}

#endif
