// SPDX-License-Identifier: GPL-3.0-or-later
//
// The servers a user has added, shared by the CLI and the app:
// $XDG_CONFIG_HOME/sluice/remotes.json names each remote's URL; its token
// is in the user's keyring when one is running and unlocked, else in
// $XDG_CONFIG_HOME/sluice/tokens/NAME, readable by the user alone
// (SLUICE_TOKEN_STORE=file always uses the file). Calls that touch tokens
// may wait on D-Bus: the app makes them in a worker thread.

#pragma once

#include "sluice-remote.h"

G_BEGIN_DECLS

typedef struct
{
  char     *name;
  char     *url;
  gboolean  token_in_keyring;
} SluiceRemoteEntry;

void          sluice_remote_entry_free          (SluiceRemoteEntry  *entry);

// The folder holding remotes.json and tokens/.
char         *sluice_remote_config_get_dir      (void);
// Adds or replaces a remote. The token is written before the URL, so a
// remote that is listed always has one.
gboolean      sluice_remote_config_add          (const char         *name,
                                                 const char         *url,
                                                 const char         *token,
                                                 GError            **error);
gboolean      sluice_remote_config_remove       (const char         *name,
                                                 GError            **error);
// SluiceRemoteEntry*, sorted by name; empty when nothing was added.
GPtrArray    *sluice_remote_config_list         (GError            **error);
char         *sluice_remote_config_get_url      (const char         *name,
                                                 GError            **error);
// From the keyring or the file, wherever remotes.json says it went.
// Refuses a token file others can read (SLUICE_REMOTE_ERROR_INSECURE).
char         *sluice_remote_config_read_token   (const char         *name,
                                                 GError            **error);
// A client for the remote called name, with its URL and token.
SluiceRemote *sluice_remote_config_open         (const char         *name,
                                                 GError            **error);
gboolean      sluice_remote_name_is_valid       (const char         *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceRemoteEntry, sluice_remote_entry_free)

G_END_DECLS
