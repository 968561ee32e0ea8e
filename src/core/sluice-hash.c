// SPDX-License-Identifier: GPL-3.0-or-later
//
// XXH3-128 content hashes. A file's hash is the plain XXH3-128 of its bytes,
// so `xxhsum -H2` gives the same answer. A folder's hash covers a sorted
// listing of its whole tree and is computed with a seed of its own, so a
// file can never have the hash of a folder, even one whose bytes are exactly
// that folder's listing.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <xxhash.h>

#include "sluice-hash.h"

// read() copies each block into the buffer and XXH3 then reads it again:
// a buffer that fits in L2 with room to spare is read back from cache. On
// a 1 GiB file 512 KiB beat both 128 KiB (more system calls) and 1-2 MiB
// (~10% slower); see bench/hash.sh.
#define READ_BUFFER_SIZE (512 * 1024)
// Bounds the recursion of the tree walk; real trees are far shallower.
#define MAX_TREE_DEPTH 256
// A file whose mtime or ctime is this recent may still change within the
// same timestamp tick after we hash it, and the change would go unnoticed.
#define RACY_WINDOW_NS (2 * G_GINT64_CONSTANT (1000000000))
// "sluicetr": the seed for tree hashes (see the comment at the top).
#define TREE_SEED G_GUINT64_CONSTANT (0x736c756963657472)
#define TREE_FORMAT "sluice-tree-1"
#define STAT_CACHE_HEADER "sluice-statcache 1"

// Debian's libxxhash on x86-64 also exports variants that pick AVX2 or
// AVX-512 code at run time (xxh_x86dispatch.h); the plain functions stick
// to SSE2 and hash large files at about half the speed. Weak references are
// NULL where the library lacks them, and then the plain functions serve.
extern XXH_errorcode XXH3_128bits_update_dispatch (XXH3_state_t *state,
                                                   const void   *input,
                                                   size_t        length) __attribute__ ((weak));
extern XXH128_hash_t XXH3_128bits_dispatch (const void *input,
                                            size_t      length) __attribute__ ((weak));

static void
xxh3_update (XXH3_state_t *state,
             const void   *data,
             gsize         length)
{
  if (XXH3_128bits_update_dispatch != NULL)
    XXH3_128bits_update_dispatch (state, data, length);
  else
    XXH3_128bits_update (state, data, length);
}

static XXH128_hash_t
xxh3_oneshot (const void *data,
              gsize       length)
{
  if (XXH3_128bits_dispatch != NULL)
    return XXH3_128bits_dispatch (data, length);
  return XXH3_128bits (data, length);
}

struct _SluiceHasher
{
  XXH3_state_t *state;
};

static SluiceHasher *
hasher_new_with_seed (guint64 seed)
{
  SluiceHasher *hasher = g_new0 (SluiceHasher, 1);

  hasher->state = XXH3_createState ();
  if (hasher->state == NULL)
    g_error ("%s: out of memory", G_STRFUNC);
  XXH3_128bits_reset_withSeed (hasher->state, seed);
  return hasher;
}

SluiceHasher *
sluice_hasher_new (void)
{
  return hasher_new_with_seed (0);
}

void
sluice_hasher_update (SluiceHasher *hasher,
                      const void   *data,
                      gsize         length)
{
  g_return_if_fail (hasher != NULL);
  g_return_if_fail (data != NULL || length == 0);

  if (length > 0)
    xxh3_update (hasher->state, data, length);
}

void
sluice_hasher_update_str (SluiceHasher *hasher,
                          const char   *str)
{
  g_return_if_fail (str != NULL);

  // The terminating NUL is the separator: no string can contain one.
  sluice_hasher_update (hasher, str, strlen (str) + 1);
}

static char *
hex_from_hash (XXH128_hash_t hash)
{
  static const char digits[] = "0123456789abcdef";
  XXH128_canonical_t canonical;
  char *hex = g_malloc (SLUICE_HASH_HEX_LEN + 1);

  // Canonical (big-endian) order is what xxhsum prints.
  XXH128_canonicalFromHash (&canonical, hash);
  for (guint i = 0; i < sizeof canonical.digest; i++)
    {
      hex[2 * i] = digits[canonical.digest[i] >> 4];
      hex[2 * i + 1] = digits[canonical.digest[i] & 0xf];
    }
  hex[SLUICE_HASH_HEX_LEN] = '\0';
  return hex;
}

char *
sluice_hasher_finish (SluiceHasher *hasher)
{
  char *hex;

  g_return_val_if_fail (hasher != NULL, NULL);

  hex = hex_from_hash (XXH3_128bits_digest (hasher->state));
  sluice_hasher_free (hasher);
  return hex;
}

void
sluice_hasher_free (SluiceHasher *hasher)
{
  if (hasher == NULL)
    return;
  XXH3_freeState (hasher->state);
  g_free (hasher);
}

char *
sluice_hash_bytes (const void *data,
                   gsize       length)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);

  return hex_from_hash (xxh3_oneshot (data, length));
}

/* Stat cache */

typedef struct
{
  guint64 size;
  gint64  mtime_ns;
  gint64  ctime_ns;
  guint64 inode;
  guint64 dev;
  char    hash[SLUICE_HASH_HEX_LEN + 1];
} CacheEntry;

struct _SluiceStatCache
{
  GObject     parent_instance;

  GHashTable *entries;   // absolute path -> CacheEntry*
  guint       hits;
};

G_DEFINE_FINAL_TYPE (SluiceStatCache, sluice_stat_cache, G_TYPE_OBJECT)

static void
sluice_stat_cache_finalize (GObject *object)
{
  SluiceStatCache *self = (SluiceStatCache *)object;

  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (sluice_stat_cache_parent_class)->finalize (object);
}

static void
sluice_stat_cache_class_init (SluiceStatCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_stat_cache_finalize;
}

static void
sluice_stat_cache_init (SluiceStatCache *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SluiceStatCache *
sluice_stat_cache_new (void)
{
  return g_object_new (SLUICE_TYPE_STAT_CACHE, NULL);
}

guint
sluice_stat_cache_get_hits (SluiceStatCache *self)
{
  g_return_val_if_fail (SLUICE_IS_STAT_CACHE (self), 0);
  return self->hits;
}

static gint64
timespec_ns (const struct timespec *ts)
{
  return (gint64) ts->tv_sec * G_GINT64_CONSTANT (1000000000) + ts->tv_nsec;
}

static void
entry_from_stat (CacheEntry        *entry,
                 const struct stat *st)
{
  entry->size = (guint64) st->st_size;
  entry->mtime_ns = timespec_ns (&st->st_mtim);
  entry->ctime_ns = timespec_ns (&st->st_ctim);
  entry->inode = (guint64) st->st_ino;
  entry->dev = (guint64) st->st_dev;
}

static gboolean
entry_matches (const CacheEntry  *entry,
               const struct stat *st)
{
  CacheEntry now;

  entry_from_stat (&now, st);
  return entry->size == now.size && entry->mtime_ns == now.mtime_ns && entry->ctime_ns == now.ctime_ns
         && entry->inode == now.inode && entry->dev == now.dev;
}

static const char *
cache_lookup (SluiceStatCache   *self,
              const char        *abs_path,
              const struct stat *st)
{
  CacheEntry *entry;

  if (self == NULL || (entry = g_hash_table_lookup (self->entries, abs_path)) == NULL)
    return NULL;
  if (!entry_matches (entry, st))
    return NULL;
  self->hits++;
  return entry->hash;
}

static gboolean
is_racy (const struct stat *st)
{
  gint64 now = g_get_real_time () * 1000;

  return now - timespec_ns (&st->st_mtim) < RACY_WINDOW_NS
         || now - timespec_ns (&st->st_ctim) < RACY_WINDOW_NS;
}

// before and after are the file's stat before and after reading it: a file
// that changed meanwhile, or may still change unnoticed, is not remembered.
static void
cache_store (SluiceStatCache   *self,
             const char        *abs_path,
             const struct stat *before,
             const struct stat *after,
             const char        *hash)
{
  CacheEntry entry;

  if (self == NULL)
    return;

  entry_from_stat (&entry, before);
  if (is_racy (after) || !entry_matches (&entry, after))
    {
      g_hash_table_remove (self->entries, abs_path);
      return;
    }
  g_strlcpy (entry.hash, hash, sizeof entry.hash);
  g_hash_table_replace (self->entries, g_strdup (abs_path), g_memdup2 (&entry, sizeof entry));
}

static gboolean
is_hash (const char *str)
{
  for (guint i = 0; i < SLUICE_HASH_HEX_LEN; i++)
    if (!g_ascii_isxdigit (str[i]) || g_ascii_isupper (str[i]))
      return FALSE;
  return str[SLUICE_HASH_HEX_LEN] == '\0';
}

static gboolean
parse_u64 (const char *str,
           guint64    *out)
{
  return g_ascii_string_to_unsigned (str, 10, 0, G_MAXUINT64, out, NULL);
}

static gboolean
parse_i64 (const char *str,
           gint64     *out)
{
  return g_ascii_string_to_signed (str, 10, G_MININT64, G_MAXINT64, out, NULL);
}

// One line: hash, size, mtime_ns, ctime_ns, inode, dev, path, tab-separated.
// The path comes last so that it may itself contain tabs.
static gboolean
parse_line (const char  *line,
            char       **path,
            CacheEntry  *entry)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", 7);

  if (g_strv_length (fields) != 7 || !is_hash (fields[0]) || !g_path_is_absolute (fields[6]))
    return FALSE;
  if (!parse_u64 (fields[1], &entry->size) || !parse_i64 (fields[2], &entry->mtime_ns)
      || !parse_i64 (fields[3], &entry->ctime_ns) || !parse_u64 (fields[4], &entry->inode)
      || !parse_u64 (fields[5], &entry->dev))
    return FALSE;
  g_strlcpy (entry->hash, fields[0], sizeof entry->hash);
  *path = g_strdup (fields[6]);
  return TRUE;
}

// Returns NULL when the text is not a stat cache; the whole file is then
// ignored, as a damaged cache is no worse than an empty one.
static GHashTable *
parse_cache (const char *text,
             gsize       length)
{
  g_autoptr(GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = NULL;

  if (memchr (text, '\0', length) != NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  if (g_strcmp0 (lines[0], STAT_CACHE_HEADER) != 0)
    return NULL;

  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_autofree CacheEntry *entry = g_new0 (CacheEntry, 1);
      char *path = NULL;

      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;   // the final newline
      if (!parse_line (lines[i], &path, entry))
        return NULL;
      g_hash_table_replace (entries, path, g_steal_pointer (&entry));
    }

  return g_steal_pointer (&entries);
}

// A missing or damaged file leaves the cache empty and is not an error;
// only a file that exists but cannot be read is.
gboolean
sluice_stat_cache_load (SluiceStatCache  *self,
                        const char       *path,
                        GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  GHashTable *entries;

  g_return_val_if_fail (SLUICE_IS_STAT_CACHE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_hash_table_remove_all (self->entries);
  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  entries = parse_cache (text, length);
  if (entries == NULL)
    {
      g_debug ("Ignoring the damaged stat cache '%s'", path);
      return TRUE;
    }
  g_hash_table_unref (self->entries);
  self->entries = entries;
  return TRUE;
}

// Entries of files that have since changed or gone (such as step outputs
// moved into the store) can never hit again; leaving them out keeps the
// file from growing forever.
static gboolean
entry_is_current (const char       *path,
                  const CacheEntry *entry)
{
  struct stat st;

  return stat (path, &st) == 0 && entry_matches (entry, &st);
}

gboolean
sluice_stat_cache_save (SluiceStatCache  *self,
                        const char       *path,
                        GError          **error)
{
  g_autoptr(GString) text = g_string_new (STAT_CACHE_HEADER "\n");
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (SLUICE_IS_STAT_CACHE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *file = key;
      const CacheEntry *entry = value;

      // A newline would end the line early; such files are simply rehashed.
      if (strchr (file, '\n') != NULL || !entry_is_current (file, entry))
        continue;
      g_string_append_printf (text, "%s\t%" G_GUINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
                              "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%s\n",
                              entry->hash, entry->size, entry->mtime_ns, entry->ctime_ns,
                              entry->inode, entry->dev, file);
    }

  return g_file_set_contents_full (path, text->str, (gssize) text->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* Files */

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s '%s': %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

static const char *
describe_special (mode_t mode)
{
  if (S_ISFIFO (mode))
    return "a named pipe (FIFO)";
  if (S_ISSOCK (mode))
    return "a socket";
  if (S_ISCHR (mode) || S_ISBLK (mode))
    return "a device";
  return "not a regular file";
}

static gboolean
set_special_error (GError     **error,
                   const char  *path,
                   mode_t       mode)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
               "Cannot hash '%s': it is %s; only files, folders and symbolic links can be hashed",
               path, describe_special (mode));
  return FALSE;
}

static char *
read_and_hash (int          fd,
               const char  *path,
               guint8      *buffer,
               gsize        buffer_size,
               GError     **error)
{
  g_autoptr(SluiceHasher) hasher = sluice_hasher_new ();

  for (;;)
    {
      ssize_t n = read (fd, buffer, buffer_size);

      if (n == 0)
        break;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, "Could not read", path);
          return NULL;
        }
      sluice_hasher_update (hasher, buffer, (gsize) n);
    }

  return sluice_hasher_finish (g_steal_pointer (&hasher));
}

// path is only used in messages; abs_path is the cache key. O_NONBLOCK
// keeps a FIFO that replaced the file since it was checked from blocking.
static char *
hash_regular_file (const char      *path,
                   const char      *abs_path,
                   gboolean         follow,
                   SluiceStatCache *cache,
                   guint8          *buffer,
                   gsize            buffer_size,
                   GError         **error)
{
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  struct stat before, after;
  const char *cached;
  char *hex = NULL;
  int fd = open (path, flags);

  if (fd < 0)
    {
      set_errno_error (error, errno, "Could not open", path);
      return NULL;
    }

  if (fstat (fd, &before) != 0)
    set_errno_error (error, errno, "Could not read", path);
  else if (!S_ISREG (before.st_mode))
    set_special_error (error, path, before.st_mode);
  else if ((cached = cache_lookup (cache, abs_path, &before)) != NULL)
    hex = g_strdup (cached);
  else
    {
      posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      hex = read_and_hash (fd, path, buffer, buffer_size, error);
      if (hex != NULL && fstat (fd, &after) == 0)
        cache_store (cache, abs_path, &before, &after, hex);
    }

  close (fd);
  return hex;
}

char *
sluice_hash_file (const char       *path,
                  SluiceStatCache  *cache,
                  GError          **error)
{
  g_autofree char *abs_path = NULL;
  g_autofree guint8 *buffer = NULL;
  gsize buffer_size;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cache == NULL || SLUICE_IS_STAT_CACHE (cache), NULL);

  // Checked before opening: opening a device can have side effects.
  if (stat (path, &st) != 0)
    {
      set_errno_error (error, errno, "Could not read", path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      set_special_error (error, path, st.st_mode);
      return NULL;
    }

  abs_path = g_canonicalize_filename (path, NULL);
  // A small file needs no more than its size (+1 to see the end at once).
  buffer_size = MIN ((gsize) st.st_size + 1, READ_BUFFER_SIZE);
  buffer = g_malloc (buffer_size);
  return hash_regular_file (path, abs_path, TRUE, cache, buffer, buffer_size, error);
}

/* Trees */

typedef struct
{
  SluiceHasher    *hasher;
  SluiceStatCache *cache;
  guint8          *buffer;   // READ_BUFFER_SIZE bytes, shared by all files
} TreeWalk;

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  // strcmp compares bytes as unsigned char: the order needs no locale.
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
list_sorted (const char  *path,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  // Directory order depends on the file system; the hash must not.
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

// Every entry adds four NUL-terminated fields: kind, relative path,
// executable bit, and content (file hash, link target, or nothing).
static void
add_record (SluiceHasher *hasher,
            const char   *kind,
            const char   *rel_path,
            gboolean      executable,
            const char   *content)
{
  sluice_hasher_update_str (hasher, kind);
  sluice_hasher_update_str (hasher, rel_path);
  sluice_hasher_update_str (hasher, executable ? "x" : "-");
  sluice_hasher_update_str (hasher, content);
}

static gboolean walk_folder (TreeWalk    *walk,
                             const char  *abs_path,
                             const char  *rel_path,
                             guint        depth,
                             GError     **error);

static gboolean
walk_entry (TreeWalk    *walk,
            const char  *abs_path,
            const char  *rel_path,
            guint        depth,
            GError     **error)
{
  struct stat st;

  if (lstat (abs_path, &st) != 0)
    return set_errno_error (error, errno, "Could not read", abs_path);

  if (S_ISLNK (st.st_mode))
    {
      // The target is hashed as text and never followed.
      g_autofree char *target = g_file_read_link (abs_path, error);

      if (target == NULL)
        return FALSE;
      add_record (walk->hasher, "l", rel_path, FALSE, target);
      return TRUE;
    }
  if (S_ISDIR (st.st_mode))
    {
      add_record (walk->hasher, "d", rel_path, FALSE, "");
      return walk_folder (walk, abs_path, rel_path, depth + 1, error);
    }
  if (S_ISREG (st.st_mode))
    {
      g_autofree char *hash = hash_regular_file (abs_path, abs_path, FALSE, walk->cache,
                                                 walk->buffer, READ_BUFFER_SIZE, error);

      if (hash == NULL)
        return FALSE;
      add_record (walk->hasher, "f", rel_path, (st.st_mode & S_IXUSR) != 0, hash);
      return TRUE;
    }
  return set_special_error (error, abs_path, st.st_mode);
}

static gboolean
walk_folder (TreeWalk    *walk,
             const char  *abs_path,
             const char  *rel_path,
             guint        depth,
             GError     **error)
{
  g_autoptr(GPtrArray) names = NULL;

  if (depth > MAX_TREE_DEPTH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot hash '%s': folders are nested more than %d deep", abs_path, MAX_TREE_DEPTH);
      return FALSE;
    }
  if ((names = list_sorted (abs_path, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *child_abs = g_build_filename (abs_path, name, NULL);
      g_autofree char *child_rel = rel_path[0] != '\0' ? g_strconcat (rel_path, "/", name, NULL)
                                                       : g_strdup (name);

      if (!walk_entry (walk, child_abs, child_rel, depth, error))
        return FALSE;
    }
  return TRUE;
}

// A symbolic link given as path itself is followed; links inside are not.
char *
sluice_hash_tree (const char       *path,
                  SluiceStatCache  *cache,
                  GError          **error)
{
  g_autofree char *abs_path = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autoptr(SluiceHasher) hasher = NULL;
  TreeWalk walk;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cache == NULL || SLUICE_IS_STAT_CACHE (cache), NULL);

  abs_path = g_canonicalize_filename (path, NULL);
  buffer = g_malloc (READ_BUFFER_SIZE);
  hasher = hasher_new_with_seed (TREE_SEED);
  sluice_hasher_update_str (hasher, TREE_FORMAT);

  walk.hasher = hasher;
  walk.cache = cache;
  walk.buffer = buffer;
  if (!walk_folder (&walk, abs_path, "", 0, error))
    return NULL;
  return sluice_hasher_finish (g_steal_pointer (&hasher));
}

char *
sluice_hash_path (const char       *path,
                  SluiceStatCache  *cache,
                  GError          **error)
{
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);

  if (stat (path, &st) != 0)
    {
      set_errno_error (error, errno, "Could not read", path);
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    return sluice_hash_tree (path, cache, error);
  return sluice_hash_file (path, cache, error);
}
