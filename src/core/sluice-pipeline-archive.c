// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice-error.h"
#include "sluice-pipeline-archive.h"
#include "sluice-port-type.h"

struct _SluicePipelineArchive
{
  GObject     parent_instance;

  char       *base_dir;        // canonical, no trailing '/'
  char       *pipeline_text;
  GPtrArray  *roots;           // Root*: what the pipeline names, before folders are walked

  // Walking the folders can take a while (a data folder of many files),
  // so it waits for the first caller that needs it, usually the worker
  // thread of write_async.
  GMutex      lock;
  gboolean    walked;
  GError     *walk_error;
  GHashTable *sources;         // archive name -> absolute source path ("" for the root file)
  GHashTable *visited_dirs;    // "dev:ino" of folders walked, against symlink loops
  GStrv       paths;           // sorted names
};

typedef struct
{
  char *name;                  // in the archive
  char *full;                  // on disk
} Root;

static void
root_free (Root *root)
{
  g_free (root->name);
  g_free (root->full);
  g_free (root);
}

G_DEFINE_FINAL_TYPE (SluicePipelineArchive, sluice_pipeline_archive, G_TYPE_OBJECT)

static void
sluice_pipeline_archive_finalize (GObject *object)
{
  SluicePipelineArchive *self = SLUICE_PIPELINE_ARCHIVE (object);

  g_free (self->base_dir);
  g_free (self->pipeline_text);
  g_clear_pointer (&self->roots, g_ptr_array_unref);
  g_clear_error (&self->walk_error);
  g_mutex_clear (&self->lock);
  g_clear_pointer (&self->sources, g_hash_table_unref);
  g_clear_pointer (&self->visited_dirs, g_hash_table_unref);
  g_strfreev (self->paths);

  G_OBJECT_CLASS (sluice_pipeline_archive_parent_class)->finalize (object);
}

static void
sluice_pipeline_archive_class_init (SluicePipelineArchiveClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_pipeline_archive_finalize;
}

static void
sluice_pipeline_archive_init (SluicePipelineArchive *self)
{
  self->sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->visited_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->roots = g_ptr_array_new_with_free_func ((GDestroyNotify) root_free);
  g_mutex_init (&self->lock);
}

/* finding the files ------------------------------------------------------------ */

// "a/b/c.csv" needs "a/" and "a/b/" before it, so the tree unpacks anywhere.
static void
add_parent_folders (SluicePipelineArchive *self,
                    const char            *name)
{
  for (const char *slash = strchr (name, '/'); slash != NULL && slash[1] != '\0'; slash = strchr (slash + 1, '/'))
    {
      g_autofree char *folder = g_strndup (name, (gsize) (slash - name) + 1);
      g_autofree char *source = g_build_filename (self->base_dir, folder, NULL);

      if (!g_hash_table_contains (self->sources, folder))
        g_hash_table_insert (self->sources, g_steal_pointer (&folder), g_steal_pointer (&source));
    }
}

static gboolean add_tree (SluicePipelineArchive  *self,
                          const char             *full,
                          const char             *name,
                          GError                **error);

static gboolean
add_folder_contents (SluicePipelineArchive  *self,
                     const char             *full,
                     const char             *name,
                     const struct stat      *st,
                     GError                **error)
{
  g_autofree char *key = g_strdup_printf ("%ju:%ju", (uintmax_t) st->st_dev, (uintmax_t) st->st_ino);
  g_autoptr(GDir) dir = NULL;
  const char *child;

  // A symlink back up the tree would be walked forever.
  if (!g_hash_table_add (self->visited_dirs, g_steal_pointer (&key)))
    return TRUE;
  if (!(dir = g_dir_open (full, 0, error)))
    return FALSE;
  while ((child = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_full = g_build_filename (full, child, NULL);
      g_autofree char *child_name = g_strconcat (name, child, NULL);

      if (!add_tree (self, child_full, child_name, error))
        return FALSE;
    }
  return TRUE;
}

// Symlinks are followed: the server gets the files the pipeline would read.
static gboolean
add_tree (SluicePipelineArchive  *self,
          const char             *full,
          const char             *name,
          GError                **error)
{
  struct stat st;

  if (g_stat (full, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot read %s: %s", full, g_strerror (saved));
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autofree char *folder = g_str_has_suffix (name, "/") ? g_strdup (name) : g_strconcat (name, "/", NULL);

      g_hash_table_insert (self->sources, g_strdup (folder), g_strdup (full));
      return add_folder_contents (self, full, folder, &st, error);
    }
  if (S_ISREG (st.st_mode))
    {
      g_hash_table_insert (self->sources, g_strdup (name), g_strdup (full));
      return TRUE;
    }
  // Sockets, fifos and devices have no contents to send.
  return TRUE;
}

// path: as the pipeline or a component wrote it; base: the folder it is
// relative to; what: who refers to it, for the error message.
static gboolean
add_reference (SluicePipelineArchive  *self,
               const char             *path,
               const char             *base,
               const char             *what,
               GError                **error)
{
  g_autofree char *joined = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (base, path, NULL);
  g_autofree char *full = g_canonicalize_filename (joined, NULL);
  gsize base_len = strlen (self->base_dir);
  const char *name;

  if (strncmp (full, self->base_dir, base_len) != 0 || (full[base_len] != '/' && self->base_dir[base_len - 1] != '/') ||
      full[base_len] == '\0')
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
                   "%s refers to '%s', which is outside the pipeline's folder %s; only files inside it "
                   "can be sent to a server (move it there, or use an absolute path the server has)",
                   what, path, self->base_dir);
      return FALSE;
    }
  name = full + base_len + (full[base_len] == '/' ? 1 : 0);
  if (g_str_equal (name, SLUICE_PIPELINE_ARCHIVE_ROOT_FILE))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID,
                   "%s refers to '%s', a name the archive keeps for the pipeline itself; rename that file",
                   what, path);
      return FALSE;
    }
  if (!g_file_test (full, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "%s refers to '%s', which does not exist", what, path);
      return FALSE;
    }

  {
    Root *root = g_new0 (Root, 1);

    root->name = g_strdup (name);
    root->full = g_steal_pointer (&full);
    g_ptr_array_add (self->roots, root);
  }
  return TRUE;
}

// Absolute paths name files on the server (shared data); only relative
// ones travel with the pipeline.
static gboolean
is_relative_path (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
         *json_node_get_string (node) != '\0' && !g_path_is_absolute (json_node_get_string (node));
}

static gboolean
add_pipeline_inputs (SluicePipelineArchive  *self,
                     SluicePipeline         *pipeline,
                     GError                **error)
{
  GPtrArray *inputs = sluice_pipeline_get_inputs (pipeline);

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (inputs, i);
      g_autofree char *what = NULL;

      if (io->type == NULL || sluice_port_type_is_parameter (io->type) || !is_relative_path (io->value))
        continue;
      what = g_strdup_printf ("pipeline input '%s'", io->name);
      if (!add_reference (self, json_node_get_string (io->value), self->base_dir, what, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_step_literals (SluicePipelineArchive  *self,
                   SluiceStep             *step,
                   SluiceComponent        *component,
                   GError                **error)
{
  GPtrArray *bindings = sluice_step_get_inputs (step);

  for (guint i = 0; i < bindings->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (bindings, i);
      const SluicePortSpec *spec = sluice_component_find_input (component, binding->port);
      g_autofree char *what = NULL;

      if (binding->kind != SLUICE_BINDING_LITERAL || spec == NULL || sluice_port_type_is_parameter (spec->type) ||
          !is_relative_path (binding->literal))
        continue;
      what = g_strdup_printf ("input '%s' of step '%s'", binding->port, sluice_step_get_id (step));
      if (!add_reference (self, json_node_get_string (binding->literal), self->base_dir, what, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_step (SluicePipelineArchive    *self,
          SluiceStep               *step,
          SluiceComponentRegistry  *registry,
          GError                  **error)
{
  const char *ref = sluice_step_get_component_ref (step);
  const char *id = sluice_step_get_id (step);
  g_autofree char *message = NULL;
  g_autofree char *what = NULL;
  SluiceComponent *component;
  const char *code_dir;

  if (ref != NULL && g_str_has_prefix (ref, "file:") && !g_path_is_absolute (ref + strlen ("file:")))
    {
      what = g_strdup_printf ("step '%s'", id);
      if (!add_reference (self, ref + strlen ("file:"), self->base_dir, what, error))
        return FALSE;
    }

  // A component this machine does not know may well be on the server
  // (built-in ones of another version): the server judges those. Only a
  // local component file must be readable here, to send it.
  if (!(component = sluice_component_registry_resolve (registry, ref, self->base_dir, &message)))
    {
      if (what == NULL)
        return TRUE;
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "step '%s': %s", id,
                   message ? message : "it names no component");
      return FALSE;
    }

  // The code folder of a local component travels with it; built-in
  // components are the server's own.
  code_dir = sluice_component_get_code_dir (component);
  if (what != NULL && code_dir != NULL)
    {
      g_autofree char *code_what = g_strdup_printf ("the code folder of component file '%s' (step '%s')",
                                                    ref + strlen ("file:"), id);

      if (!add_reference (self, code_dir, self->base_dir, code_what, error))
        return FALSE;
    }

  return add_step_literals (self, step, component, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
sort_paths (SluicePipelineArchive *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, self->sources);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  self->paths = (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

SluicePipelineArchive *
sluice_pipeline_archive_new (SluicePipeline           *pipeline,
                             SluiceComponentRegistry  *registry,
                             GError                  **error)
{
  g_autoptr(SluicePipelineArchive) self = NULL;
  GPtrArray *steps;

  g_return_val_if_fail (SLUICE_IS_PIPELINE (pipeline), NULL);
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (registry), NULL);

  self = g_object_new (SLUICE_TYPE_PIPELINE_ARCHIVE, NULL);
  self->base_dir = sluice_pipeline_dup_base_dir (pipeline);
  self->pipeline_text = sluice_pipeline_to_data (pipeline);
  g_hash_table_insert (self->sources, g_strdup (SLUICE_PIPELINE_ARCHIVE_ROOT_FILE), g_strdup (""));

  if (!add_pipeline_inputs (self, pipeline, error))
    return NULL;
  steps = sluice_pipeline_get_steps (pipeline);
  for (guint i = 0; i < steps->len; i++)
    if (!add_step (self, g_ptr_array_index (steps, i), registry, error))
      return NULL;

  return g_steal_pointer (&self);
}

// Walks the folders once, for whichever thread asks first.
static gboolean
walk (SluicePipelineArchive  *self,
      GError                **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (!self->walked)
    {
      for (guint i = 0; i < self->roots->len && self->walk_error == NULL; i++)
        {
          Root *root = g_ptr_array_index (self->roots, i);

          add_parent_folders (self, root->name);
          add_tree (self, root->full, root->name, &self->walk_error);
        }
      sort_paths (self);
      self->walked = TRUE;
    }
  if (self->walk_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->walk_error));
      return FALSE;
    }
  return TRUE;
}

const char * const *
sluice_pipeline_archive_get_paths (SluicePipelineArchive  *self,
                                   GError                **error)
{
  g_return_val_if_fail (SLUICE_IS_PIPELINE_ARCHIVE (self), NULL);

  if (!walk (self, error))
    return NULL;
  return (const char * const *) self->paths;
}

/* writing ------------------------------------------------------------------------- */

static la_ssize_t
append_to_bytes (struct archive *a,
                 void           *user_data,
                 const void     *buffer,
                 size_t          length)
{
  g_byte_array_append (user_data, buffer, (guint) length);
  return (la_ssize_t) length;
}

static gboolean
archive_failed (struct archive  *a,
                const char      *what,
                GError         **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot pack %s: %s", what,
               archive_error_string (a) ? archive_error_string (a) : "unknown error");
  return FALSE;
}

// Only what the contents need: no times, owners or names of this machine,
// so the bytes depend on the files alone.
static struct archive_entry *
new_entry (const char *name,
           mode_t      type,
           mode_t      perm,
           gint64      size)
{
  struct archive_entry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, type);
  archive_entry_set_perm (entry, perm);
  archive_entry_set_size (entry, size);
  archive_entry_set_mtime (entry, 0, 0);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  return entry;
}

static gboolean
write_data (struct archive  *a,
            const char      *name,
            const char      *data,
            gsize            length,
            GError         **error)
{
  struct archive_entry *entry = new_entry (name, AE_IFREG, 0644, (gint64) length);
  gboolean ok = archive_write_header (a, entry) == ARCHIVE_OK &&
                (length == 0 || archive_write_data (a, data, length) == (la_ssize_t) length);

  archive_entry_free (entry);
  return ok || archive_failed (a, name, error);
}

static gboolean
write_file (struct archive  *a,
            const char      *name,
            const char      *source,
            GError         **error)
{
  g_autoptr(GMappedFile) mapped = g_mapped_file_new (source, FALSE, error);
  struct archive_entry *entry;
  struct stat st;
  gboolean ok;

  if (mapped == NULL)
    return FALSE;
  if (g_stat (source, &st) != 0)
    st.st_mode = 0644;
  entry = new_entry (name, AE_IFREG, (st.st_mode & S_IXUSR) ? 0755 : 0644, (gint64) g_mapped_file_get_length (mapped));
  ok = archive_write_header (a, entry) == ARCHIVE_OK &&
       (g_mapped_file_get_length (mapped) == 0 ||
        archive_write_data (a, g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped)) ==
          (la_ssize_t) g_mapped_file_get_length (mapped));
  archive_entry_free (entry);
  return ok || archive_failed (a, source, error);
}

static gboolean
write_entry (SluicePipelineArchive  *self,
             struct archive         *a,
             const char             *name,
             GError                **error)
{
  const char *source = g_hash_table_lookup (self->sources, name);
  struct archive_entry *entry;
  gboolean ok;

  if (g_str_equal (name, SLUICE_PIPELINE_ARCHIVE_ROOT_FILE))
    return write_data (a, name, self->pipeline_text, strlen (self->pipeline_text), error);
  if (!g_str_has_suffix (name, "/"))
    return write_file (a, name, source, error);

  entry = new_entry (name, AE_IFDIR, 0755, 0);
  ok = archive_write_header (a, entry) == ARCHIVE_OK;
  archive_entry_free (entry);
  return ok || archive_failed (a, name, error);
}

GBytes *
sluice_pipeline_archive_write (SluicePipelineArchive  *self,
                               GError                **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct archive *a;
  gboolean ok = TRUE;

  g_return_val_if_fail (SLUICE_IS_PIPELINE_ARCHIVE (self), NULL);

  if (!walk (self, error))
    return NULL;
  a = archive_write_new ();
  // "!timestamp": no time in the gzip header either.
  if (archive_write_add_filter_gzip (a) != ARCHIVE_OK ||
      archive_write_set_filter_option (a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted (a) != ARCHIVE_OK ||
      archive_write_open (a, bytes, NULL, append_to_bytes, NULL) != ARCHIVE_OK)
    ok = archive_failed (a, "the pipeline", error);

  for (guint i = 0; ok && self->paths[i] != NULL; i++)
    ok = write_entry (self, a, self->paths[i], error);

  if (ok && archive_write_close (a) != ARCHIVE_OK)
    ok = archive_failed (a, "the pipeline", error);
  archive_write_free (a);

  return ok ? g_byte_array_free_to_bytes (g_steal_pointer (&bytes)) : NULL;
}

static void
write_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;
  GBytes *bytes = sluice_pipeline_archive_write (source_object, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
sluice_pipeline_archive_write_async (SluicePipelineArchive *self,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SLUICE_IS_PIPELINE_ARCHIVE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sluice_pipeline_archive_write_async);
  g_task_run_in_thread (task, write_in_thread);
}

GBytes *
sluice_pipeline_archive_write_finish (SluicePipelineArchive  *self,
                                      GAsyncResult           *result,
                                      GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, sluice_pipeline_archive_write_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
