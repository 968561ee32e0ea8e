// SPDX-License-Identifier: GPL-3.0-or-later
//
// Server tokens in the user's keyring (the Secret Service, through
// libsecret), used by sluice-remote-config when a keyring is there.
// Every call blocks on D-Bus: call them from a worker thread in the app.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

// TRUE when tokens can be kept in the keyring now: libsecret was built in,
// SLUICE_TOKEN_STORE is not "file", a session bus is running and its
// Secret Service has an unlocked default collection. Never prompts: a
// locked or missing keyring (a headless machine, CI, ssh) means FALSE.
gboolean  sluice_keyring_is_usable (void);
gboolean  sluice_keyring_store     (const char  *remote_name,
                                    const char  *url,
                                    const char  *token,
                                    GError     **error);
// NULL with no error when the keyring holds no token for remote_name.
char     *sluice_keyring_lookup    (const char  *remote_name,
                                    GError     **error);
// TRUE also when there was nothing to remove.
gboolean  sluice_keyring_clear     (const char  *remote_name,
                                    GError     **error);

G_END_DECLS
