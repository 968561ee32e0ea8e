// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "sluice-server-auth.h"

#define TOKEN_PREFIX "sluice_"
#define TOKEN_BYTES 32

typedef struct
{
  double tokens;
  gint64 updated;   // monotonic µs
} Bucket;

struct _SluiceServerAuth
{
  GObject         parent_instance;

  SluiceServerDb *db;
  double          rate;
  double          burst;
  GHashTable     *buckets;   // token name -> Bucket
};

G_DEFINE_FINAL_TYPE (SluiceServerAuth, sluice_server_auth, G_TYPE_OBJECT)

static void
sluice_server_auth_finalize (GObject *object)
{
  SluiceServerAuth *self = (SluiceServerAuth *) object;

  g_clear_object (&self->db);
  g_clear_pointer (&self->buckets, g_hash_table_unref);
  G_OBJECT_CLASS (sluice_server_auth_parent_class)->finalize (object);
}

static void
sluice_server_auth_class_init (SluiceServerAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_server_auth_finalize;
}

static void
sluice_server_auth_init (SluiceServerAuth *self)
{
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SluiceServerAuth *
sluice_server_auth_new (SluiceServerDb *db,
                        double          rate,
                        double          burst)
{
  SluiceServerAuth *self = g_object_new (SLUICE_TYPE_SERVER_AUTH, NULL);

  self->db = g_object_ref (db);
  self->rate = MAX (rate, 0);
  self->burst = MAX (burst, 1);
  return self;
}

// GRand is a Mersenne twister: predictable, not for secrets.
static gboolean
read_random (guint8   *buffer,
             gsize     length,
             GError  **error)
{
  int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  gsize done = 0;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open /dev/urandom: %s", g_strerror (saved));
      return FALSE;
    }
  while (done < length)
    {
      ssize_t n = read (fd, buffer + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          close (fd);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read /dev/urandom");
          return FALSE;
        }
      done += (gsize) n;
    }
  close (fd);
  return TRUE;
}

char *
sluice_server_auth_make_token (GError **error)
{
  guint8 bytes[TOKEN_BYTES];
  GString *token;

  if (!read_random (bytes, sizeof bytes, error))
    return NULL;
  token = g_string_new (TOKEN_PREFIX);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  memset (bytes, 0, sizeof bytes);
  return g_string_free (token, FALSE);
}

char *
sluice_server_auth_hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

char *
sluice_server_auth_create_token (SluiceServerDb  *db,
                                 const char      *name,
                                 SluiceRole       role,
                                 GError         **error)
{
  g_autofree char *secret = sluice_server_auth_make_token (error);
  g_autofree char *hash = NULL;
  SluiceToken token = { 0 };

  if (secret == NULL)
    return NULL;
  hash = sluice_server_auth_hash_token (secret);
  token.name = (char *) name;
  token.role = role;
  token.hash = hash;
  token.created_at = g_get_real_time ();
  if (!sluice_server_db_add_token (db, &token, error))
    return NULL;
  return g_steal_pointer (&secret);
}

// Takes as long whatever the strings hold (for strings of one length), so
// the time of a failed check tells nothing about how much of it matched.
static gboolean
equal_constant_time (const char *a,
                     const char *b)
{
  gsize length = strlen (a);
  guint8 diff = 0;

  if (length != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i];
  return diff == 0;
}

SluiceToken *
sluice_server_auth_check (SluiceServerAuth *self,
                          const char       *authorization)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  SluiceToken *found = NULL;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    return NULL;
  authorization += 7;
  while (*authorization == ' ')
    authorization++;
  if (*authorization == '\0' || strlen (authorization) > 256)
    return NULL;

  // Read every time: `sluice-server token create/revoke` change the
  // database while the server runs.
  if (!(tokens = sluice_server_db_list_tokens (self->db, FALSE, &error)))
    {
      g_warning ("cannot read the tokens: %s", error->message);
      return NULL;
    }
  hash = sluice_server_auth_hash_token (authorization);
  // Every stored hash is compared, so timing says nothing about which matched.
  for (guint i = 0; i < tokens->len; i++)
    {
      SluiceToken *token = g_ptr_array_index (tokens, i);

      if (equal_constant_time (hash, token->hash) && found == NULL)
        found = g_ptr_array_steal_index_fast (tokens, i--);
    }
  return found;
}

gboolean
sluice_server_auth_take (SluiceServerAuth *self,
                         const char       *name,
                         guint            *retry_after)
{
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket;

  if (self->rate <= 0)
    return TRUE;
  if (!(bucket = g_hash_table_lookup (self->buckets, name)))
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated = now;
      g_hash_table_insert (self->buckets, g_strdup (name), bucket);
    }

  bucket->tokens = MIN (self->burst, bucket->tokens + (double) (now - bucket->updated) / G_USEC_PER_SEC * self->rate);
  bucket->updated = now;
  if (bucket->tokens >= 1)
    {
      bucket->tokens -= 1;
      return TRUE;
    }
  if (retry_after != NULL)
    *retry_after = (guint) MAX (1, ceil ((1 - bucket->tokens) / self->rate));
  return FALSE;
}
