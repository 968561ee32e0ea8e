// SPDX-License-Identifier: GPL-3.0-or-later
//
// The content-addressed artifact store. An object appears under its final
// name only through one rename(), and leaves it the same way (gc moves it
// out before deleting it), so whatever is under objects/ is complete.

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "sluice-artifact-store.h"

// Bounds the recursion of the tree walks, as sluice_hash_tree does.
#define MAX_TREE_DEPTH 256

struct _SluiceArtifactStore
{
  GObject          parent_instance;

  char            *root;
  char            *objects_dir;
  char            *work_dir;
  char            *stat_cache_path;
  SluiceStatCache *stat_cache;
};

G_DEFINE_FINAL_TYPE (SluiceArtifactStore, sluice_artifact_store, G_TYPE_OBJECT)

static void
sluice_artifact_store_finalize (GObject *object)
{
  SluiceArtifactStore *self = (SluiceArtifactStore *)object;

  g_clear_pointer (&self->root, g_free);
  g_clear_pointer (&self->objects_dir, g_free);
  g_clear_pointer (&self->work_dir, g_free);
  g_clear_pointer (&self->stat_cache_path, g_free);
  g_clear_object (&self->stat_cache);

  G_OBJECT_CLASS (sluice_artifact_store_parent_class)->finalize (object);
}

static void
sluice_artifact_store_class_init (SluiceArtifactStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_artifact_store_finalize;
}

static void
sluice_artifact_store_init (SluiceArtifactStore *self)
{
  self->stat_cache = sluice_stat_cache_new ();
}

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

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    return set_errno_error (error, errno, "Could not create the folder", path);
  return TRUE;
}

char *
sluice_artifact_store_default_root (void)
{
  const char *env = g_getenv ("SLUICE_STORE");

  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);
  return g_build_filename (g_get_user_data_dir (), "sluice", NULL);
}

// root may be NULL for the default root. The stat cache is only a speed-up,
// so one that cannot be read is started afresh rather than failing.
SluiceArtifactStore *
sluice_artifact_store_new (const char  *root,
                           GError     **error)
{
  g_autoptr(SluiceArtifactStore) self = g_object_new (SLUICE_TYPE_ARTIFACT_STORE, NULL);
  g_autoptr(GError) cache_error = NULL;

  self->root = root != NULL ? g_canonicalize_filename (root, NULL) : sluice_artifact_store_default_root ();
  self->objects_dir = g_build_filename (self->root, "objects", NULL);
  self->work_dir = g_build_filename (self->root, "work", NULL);
  self->stat_cache_path = g_build_filename (self->root, "statcache", NULL);

  if (!make_dir (self->objects_dir, error) || !make_dir (self->work_dir, error))
    return NULL;
  if (!sluice_stat_cache_load (self->stat_cache, self->stat_cache_path, &cache_error))
    g_debug ("Starting with an empty stat cache: %s", cache_error->message);

  return g_steal_pointer (&self);
}

const char *
sluice_artifact_store_get_root (SluiceArtifactStore *self)
{
  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);
  return self->root;
}

SluiceStatCache *
sluice_artifact_store_get_stat_cache (SluiceArtifactStore *self)
{
  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);
  return self->stat_cache;
}

gboolean
sluice_artifact_store_save_stat_cache (SluiceArtifactStore  *self,
                                       GError              **error)
{
  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), FALSE);
  return sluice_stat_cache_save (self->stat_cache, self->stat_cache_path, error);
}

// prefix may be NULL; a '/' in it would point outside work/.
char *
sluice_artifact_store_make_work_dir (SluiceArtifactStore  *self,
                                     const char           *prefix,
                                     GError              **error)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);

  name = g_strdup_printf ("%s-XXXXXX", prefix != NULL && *prefix != '\0' ? prefix : "step");
  g_strdelimit (name, G_DIR_SEPARATOR_S, '_');
  path = g_build_filename (self->work_dir, name, NULL);
  if (g_mkdtemp (path) == NULL)
    {
      set_errno_error (error, errno, "Could not create a work folder in", self->work_dir);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* Tree walks */

// Called for every entry of a tree, children before their folder; st is
// from lstat, so symbolic links are seen as links and never followed.
typedef gboolean (*WalkFunc) (const char         *path,
                              const struct stat  *st,
                              gpointer            user_data,
                              GError            **error);

// The whole listing is read before anything in it is touched: deleting
// entries while readdir() runs may make it skip others.
static GPtrArray *
list_names (const char  *path,
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
  return g_steal_pointer (&names);
}

static gboolean
walk_tree (const char  *path,
           guint        depth,
           WalkFunc     func,
           gpointer     user_data,
           GError     **error)
{
  g_autoptr(GPtrArray) names = NULL;
  struct stat st;

  if (lstat (path, &st) != 0)
    return set_errno_error (error, errno, "Could not read", path);

  if (S_ISDIR (st.st_mode))
    {
      if (depth > MAX_TREE_DEPTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Folders in '%s' are nested more than %d deep", path, MAX_TREE_DEPTH);
          return FALSE;
        }
      if ((names = list_names (path, error)) == NULL)
        return FALSE;
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

          if (!walk_tree (child, depth + 1, func, user_data, error))
            return FALSE;
        }
    }

  return func (path, &st, user_data, error);
}

static gboolean
add_size (const char         *path,
          const struct stat  *st,
          gpointer            user_data,
          GError            **error)
{
  guint64 *total = user_data;

  // A folder's own st_size depends on the file system, not on its contents.
  if (!S_ISDIR (st->st_mode))
    *total += (guint64) st->st_size;
  return TRUE;
}

static gboolean
freeze_entry (const char         *path,
              const struct stat  *st,
              gpointer            user_data,
              GError            **error)
{
  mode_t mode;

  if (S_ISDIR (st->st_mode))
    mode = 0555;
  else if (S_ISREG (st->st_mode))
    mode = (st->st_mode & S_IXUSR) ? 0555 : 0444;
  else
    return TRUE;   // chmod would follow a symbolic link

  if ((st->st_mode & 07777) != mode && g_chmod (path, mode) != 0)
    return set_errno_error (error, errno, "Could not make read-only", path);
  return TRUE;
}

// Deleting needs write permission on every folder of a read-only object.
static gboolean
thaw_entry (const char         *path,
            const struct stat  *st,
            gpointer            user_data,
            GError            **error)
{
  if (S_ISDIR (st->st_mode) && g_chmod (path, (st->st_mode & 07777) | S_IRWXU) != 0)
    return set_errno_error (error, errno, "Could not make writable", path);
  return TRUE;
}

static gboolean
remove_entry (const char         *path,
              const struct stat  *st,
              gpointer            user_data,
              GError            **error)
{
  int ret = S_ISDIR (st->st_mode) ? g_rmdir (path) : g_unlink (path);

  if (ret != 0)
    return set_errno_error (error, errno, "Could not delete", path);
  return TRUE;
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  return walk_tree (path, 0, thaw_entry, NULL, error) && walk_tree (path, 0, remove_entry, NULL, error);
}

/* Objects */

static gboolean
is_hash (const char *str)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < SLUICE_HASH_HEX_LEN; i++)
    if (!g_ascii_isxdigit (str[i]) || g_ascii_isupper (str[i]))
      return FALSE;
  return str[SLUICE_HASH_HEX_LEN] == '\0';
}

// Only ever called with a valid hash, so the path stays under objects/.
static char *
object_path (SluiceArtifactStore *self,
             const char          *hash)
{
  char prefix[3] = { hash[0], hash[1], '\0' };

  return g_build_filename (self->objects_dir, prefix, hash, NULL);
}

// Like rename(), but fails with EEXIST instead of replacing an object that
// another process stored meanwhile (a folder over an empty folder, say).
static int
rename_no_replace (const char *from,
                   const char *to)
{
  int ret = renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);

  if (ret != 0 && (errno == EINVAL || errno == ENOSYS))
    {
      // The file system cannot do it: rename() can still only replace an
      // object with one of the same content, which is harmless.
      struct stat st;

      if (lstat (to, &st) == 0)
        {
          errno = EEXIST;
          return -1;
        }
      ret = rename (from, to);
    }
  return ret;
}

// Returns TRUE with *stored FALSE when the object already exists.
static gboolean
move_into_objects (const char  *path,
                   const char  *target,
                   gboolean    *stored,
                   GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (target);

  *stored = FALSE;
  if (g_file_test (target, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    return TRUE;
  if (!make_dir (parent, error))
    return FALSE;
  if (rename_no_replace (path, target) == 0)
    {
      *stored = TRUE;
      return TRUE;
    }
  if (errno == EEXIST || errno == ENOTEMPTY)
    return TRUE;
  if (errno == EXDEV)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot store '%s': it is not on the same file system as the store ('%s')",
                   path, target);
      return FALSE;
    }
  return set_errno_error (error, errno, "Could not move into the store", path);
}

static gboolean
check_storable (const char  *path,
                GError     **error)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return set_errno_error (error, errno, "Cannot store", path);
  if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    {
      // The hash would be that of the link's target, not of what is moved.
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   "Cannot store '%s': only files and folders can be stored", path);
      return FALSE;
    }
  return TRUE;
}

// The object is made read-only even when it was already stored, which also
// repairs one left writable by a crash right after its rename.
char *
sluice_artifact_store_ingest (SluiceArtifactStore  *self,
                              const char           *path,
                              GError              **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *target = NULL;
  gboolean stored;

  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!check_storable (path, error))
    return NULL;
  if ((hash = sluice_hash_path (path, self->stat_cache, error)) == NULL)
    return NULL;

  target = object_path (self, hash);
  if (!move_into_objects (path, target, &stored, error))
    return NULL;
  if (!stored && !remove_tree (path, error))
    return NULL;
  if (!walk_tree (target, 0, freeze_entry, NULL, error))
    return NULL;

  return g_steal_pointer (&hash);
}

gboolean
sluice_artifact_store_contains (SluiceArtifactStore *self,
                                const char          *hash)
{
  g_autofree char *path = NULL;
  struct stat st;

  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), FALSE);

  if (!is_hash (hash))
    return FALSE;
  path = object_path (self, hash);
  return lstat (path, &st) == 0;
}

// NULL when the object is not stored (or hash is not a hash).
char *
sluice_artifact_store_get_path (SluiceArtifactStore *self,
                                const char          *hash)
{
  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);

  if (!sluice_artifact_store_contains (self, hash))
    return NULL;
  return object_path (self, hash);
}

static guint64
tree_size (const char *path)
{
  guint64 total = 0;

  if (!walk_tree (path, 0, add_size, &total, NULL))
    return 0;
  return total;
}

// The bytes of every file (and link target) in the object; 0 if absent.
guint64
sluice_artifact_store_get_size (SluiceArtifactStore *self,
                                const char          *hash)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), 0);

  if ((path = sluice_artifact_store_get_path (self, hash)) == NULL)
    return 0;
  return tree_size (path);
}

/* Garbage collection */

typedef struct
{
  SluiceArtifactStore *store;
  GHashTable          *keep;
  gboolean             dry_run;
  char                *trash;     // under work/, made on first use
  GPtrArray           *removed;
  guint64              bytes;
} Collection;

// Moving the object out first means a crash half-way through deleting it
// never leaves a partial object under its name. A folder needs write
// permission on itself to be moved (its ".." changes).
static gboolean
discard_object (Collection  *gc,
                const char  *path,
                const char  *hash,
                GError     **error)
{
  g_autofree char *moved = NULL;
  struct stat st;

  if (gc->trash == NULL
      && (gc->trash = sluice_artifact_store_make_work_dir (gc->store, "gc", error)) == NULL)
    return FALSE;

  if (lstat (path, &st) != 0)
    return set_errno_error (error, errno, "Could not read", path);
  if (!thaw_entry (path, &st, NULL, error))
    return FALSE;
  moved = g_build_filename (gc->trash, hash, NULL);
  if (rename (path, moved) != 0)
    return set_errno_error (error, errno, "Could not move out of the store", path);
  return remove_tree (moved, error);
}

static gboolean
collect_object (Collection  *gc,
                const char  *bucket,
                const char  *name,
                GError     **error)
{
  g_autofree char *path = NULL;

  // Anything that is not an object was not put here by the store: leave it.
  if (!is_hash (name) || strncmp (name, bucket, 2) != 0 || g_hash_table_contains (gc->keep, name))
    return TRUE;

  path = g_build_filename (gc->store->objects_dir, bucket, name, NULL);
  gc->bytes += tree_size (path);
  if (!gc->dry_run && !discard_object (gc, path, name, error))
    return FALSE;
  g_ptr_array_add (gc->removed, g_strdup (name));
  return TRUE;
}

static gboolean
collect_bucket (Collection  *gc,
                const char  *bucket,
                GError     **error)
{
  g_autofree char *path = g_build_filename (gc->store->objects_dir, bucket, NULL);
  g_autoptr(GPtrArray) names = NULL;
  struct stat st;

  if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode))
    return TRUE;
  if ((names = list_names (path, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < names->len; i++)
    if (!collect_object (gc, bucket, g_ptr_array_index (names, i), error))
      return FALSE;

  // Fails, as it should, while the bucket still holds objects.
  if (!gc->dry_run)
    g_rmdir (path);
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
collection_clear (Collection *gc)
{
  if (gc->trash != NULL)
    g_rmdir (gc->trash);
  g_clear_pointer (&gc->trash, g_free);
  g_clear_pointer (&gc->removed, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Collection, collection_clear)

// keep may be NULL (keep nothing). The result is sorted.
GPtrArray *
sluice_artifact_store_gc (SluiceArtifactStore  *self,
                          GHashTable           *keep,
                          gboolean              dry_run,
                          guint64              *bytes_freed,
                          GError              **error)
{
  g_autoptr(GHashTable) empty = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(Collection) gc = { self, keep != NULL ? keep : empty, dry_run, NULL, NULL, 0 };
  g_autoptr(GPtrArray) buckets = NULL;

  g_return_val_if_fail (SLUICE_IS_ARTIFACT_STORE (self), NULL);

  gc.removed = g_ptr_array_new_with_free_func (g_free);
  if ((buckets = list_names (self->objects_dir, error)) == NULL)
    return NULL;
  for (guint i = 0; i < buckets->len; i++)
    if (!collect_bucket (&gc, g_ptr_array_index (buckets, i), error))
      return NULL;

  g_ptr_array_sort (gc.removed, compare_strings);
  if (bytes_freed != NULL)
    *bytes_freed = gc.bytes;
  return g_steal_pointer (&gc.removed);
}
