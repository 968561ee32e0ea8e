// SPDX-License-Identifier: GPL-3.0-or-later
//
// Bearer tokens: made from /dev/urandom, stored only as SHA-256, checked in
// constant time; and a token bucket per token name for rate limiting.

#pragma once

#include "sluice-server-db.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_SERVER_AUTH (sluice_server_auth_get_type ())

G_DECLARE_FINAL_TYPE (SluiceServerAuth, sluice_server_auth, SLUICE, SERVER_AUTH, GObject)

// A new secret: "sluice_" and 64 hex digits (32 random bytes).
char             *sluice_server_auth_make_token   (GError           **error);
char             *sluice_server_auth_hash_token   (const char        *token);
// Creates a token in db and returns the secret, which is stored nowhere.
char             *sluice_server_auth_create_token (SluiceServerDb    *db,
                                                   const char        *name,
                                                   SluiceRole         role,
                                                   GError           **error);

// rate: requests per second each token may make on average; burst: how
// many at once. rate 0 = no limit.
SluiceServerAuth *sluice_server_auth_new          (SluiceServerDb    *db,
                                                   double             rate,
                                                   double             burst);
// The token an "Authorization: Bearer …" header value names, or NULL when
// it is missing, malformed, unknown or revoked.
SluiceToken      *sluice_server_auth_check        (SluiceServerAuth  *self,
                                                   const char        *authorization);
// Takes one request from name's bucket. FALSE when it is empty; then
// retry_after is how many seconds until it holds one again.
gboolean          sluice_server_auth_take         (SluiceServerAuth  *self,
                                                   const char        *name,
                                                   guint             *retry_after);

G_END_DECLS
