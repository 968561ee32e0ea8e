// SPDX-License-Identifier: GPL-3.0-or-later
//
// Finds components: the built-in folder, the user's folder, folders named
// by SLUICE_COMPONENTS_PATH or --components, and files named by a pipeline.
// Each file is read once, however many steps use it.

#include "config.h"

#include <string.h>

#include "sluice-component-registry.h"
#include "sluice-problem.h"

#define MAX_SCAN_DEPTH 4

struct _SluiceComponentRegistry
{
  GObject     parent_instance;

  GPtrArray  *directories;     // char*, NULL-terminated
  gboolean    scanned;
  GHashTable *by_key;          // "name@version" -> SluiceComponent*
  GHashTable *by_file;         // canonical path -> SluiceComponent* (may be NULL value)
  GHashTable *problems;        // canonical path -> GPtrArray of SluiceProblem*
  GPtrArray  *scan_problems;   // SluiceProblem*, owned
};

G_DEFINE_FINAL_TYPE (SluiceComponentRegistry, sluice_component_registry, G_TYPE_OBJECT)

static void
unref_if_set (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
sluice_component_registry_finalize (GObject *object)
{
  SluiceComponentRegistry *self = (SluiceComponentRegistry *)object;

  g_clear_pointer (&self->directories, g_ptr_array_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->by_file, g_hash_table_unref);
  g_clear_pointer (&self->problems, g_hash_table_unref);
  g_clear_pointer (&self->scan_problems, g_ptr_array_unref);

  G_OBJECT_CLASS (sluice_component_registry_parent_class)->finalize (object);
}

static void
sluice_component_registry_class_init (SluiceComponentRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sluice_component_registry_finalize;
}

static void
sluice_component_registry_init (SluiceComponentRegistry *self)
{
  self->directories = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  self->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->by_file = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unref_if_set);
  self->problems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->scan_problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
}

SluiceComponentRegistry *
sluice_component_registry_new (void)
{
  return g_object_new (SLUICE_TYPE_COMPONENT_REGISTRY, NULL);
}

static const char *
builtin_directory (void)
{
  const char *env = g_getenv ("SLUICE_BUILTIN_COMPONENTS_DIR");

  if (env != NULL && *env != '\0')
    return env;
  // Running from the build tree, before `meson install`.
  if (!g_file_test (SLUICE_BUILTIN_COMPONENTS_DIR, G_FILE_TEST_IS_DIR))
    return SLUICE_SOURCE_COMPONENTS_DIR;
  return SLUICE_BUILTIN_COMPONENTS_DIR;
}

// Later folders win over earlier ones for the same name and version, so a
// user's folder can replace a built-in component.
SluiceComponentRegistry *
sluice_component_registry_new_default (void)
{
  SluiceComponentRegistry *self = sluice_component_registry_new ();
  g_autofree char *user_dir = g_build_filename (g_get_user_data_dir (), "sluice", "components", NULL);
  const char *path = g_getenv ("SLUICE_COMPONENTS_PATH");

  sluice_component_registry_add_directory (self, builtin_directory ());
  sluice_component_registry_add_directory (self, user_dir);

  if (path != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          sluice_component_registry_add_directory (self, dirs[i]);
    }

  return self;
}

void
sluice_component_registry_add_directory (SluiceComponentRegistry *self,
                                         const char              *directory)
{
  g_return_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self));
  g_return_if_fail (directory != NULL);

  g_ptr_array_add (self->directories, g_canonicalize_filename (directory, NULL));
  self->scanned = FALSE;
}

const char * const *
sluice_component_registry_get_directories (SluiceComponentRegistry *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);
  return (const char * const *) self->directories->pdata;
}

SluiceComponent *
sluice_component_registry_load_file (SluiceComponentRegistry *self,
                                     const char              *path)
{
  g_autofree char *canonical = NULL;
  GPtrArray *problems;
  SluiceComponent *component;
  gpointer cached;

  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);

  canonical = g_canonicalize_filename (path, NULL);
  if (g_hash_table_lookup_extended (self->by_file, canonical, NULL, &cached))
    return cached;

  problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
  component = sluice_component_load_file (canonical, problems);
  g_hash_table_insert (self->problems, g_strdup (canonical), problems);
  g_hash_table_insert (self->by_file, g_steal_pointer (&canonical), component);
  return component;
}

static void
index_component (SluiceComponentRegistry *self,
                 SluiceComponent         *component)
{
  const char *name = sluice_component_get_name (component);
  const char *version = sluice_component_get_version (component);

  if (name == NULL || version == NULL)
    return;

  g_hash_table_replace (self->by_key, g_strdup_printf ("%s@%s", name, version), g_object_ref (component));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
scan_directory (SluiceComponentRegistry *self,
                const char              *directory,
                guint                    depth)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (depth > MAX_SCAN_DEPTH || !(dir = g_dir_open (directory, 0, NULL)))
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  // Directory order is arbitrary; sort so that results never depend on it.
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (directory, g_ptr_array_index (names, i), NULL);

      if (g_str_has_suffix (path, ".component.json") && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          SluiceComponent *component = sluice_component_registry_load_file (self, path);
          GPtrArray *problems = g_hash_table_lookup (self->problems, path);

          for (guint j = 0; problems != NULL && j < problems->len; j++)
            g_ptr_array_add (self->scan_problems, sluice_problem_copy (g_ptr_array_index (problems, j)));
          if (component != NULL && sluice_component_is_valid (component))
            index_component (self, component);
        }
      else if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        scan_directory (self, path, depth + 1);
    }
}

static void
ensure_scanned (SluiceComponentRegistry *self)
{
  if (self->scanned)
    return;

  g_hash_table_remove_all (self->by_key);
  g_ptr_array_set_size (self->scan_problems, 0);
  for (guint i = 0; i < self->directories->len; i++)
    scan_directory (self, g_ptr_array_index (self->directories, i), 0);
  self->scanned = TRUE;
}

static int
compare_components (gconstpointer a,
                    gconstpointer b)
{
  SluiceComponent *ca = *(SluiceComponent * const *) a;
  SluiceComponent *cb = *(SluiceComponent * const *) b;
  int cmp = g_strcmp0 (sluice_component_get_category (ca), sluice_component_get_category (cb));

  if (cmp == 0)
    cmp = g_strcmp0 (sluice_component_get_name (ca), sluice_component_get_name (cb));
  if (cmp == 0)
    cmp = -sluice_version_compare (sluice_component_get_version (ca), sluice_component_get_version (cb));
  return cmp;
}

// Every known component, by category, then name, newest version first.
GPtrArray *
sluice_component_registry_list (SluiceComponentRegistry *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);

  ensure_scanned (self);
  g_hash_table_iter_init (&iter, self->by_key);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, g_object_ref (value));
  g_ptr_array_sort (list, compare_components);
  return list;
}

// With version NULL, the newest version of name.
SluiceComponent *
sluice_component_registry_lookup (SluiceComponentRegistry *self,
                                  const char              *name,
                                  const char              *version)
{
  SluiceComponent *best = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);

  ensure_scanned (self);

  if (version != NULL)
    {
      g_autofree char *key = g_strdup_printf ("%s@%s", name, version);

      return g_hash_table_lookup (self->by_key, key);
    }

  g_hash_table_iter_init (&iter, self->by_key);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SluiceComponent *component = value;

      if (g_strcmp0 (sluice_component_get_name (component), name) != 0)
        continue;
      if (best == NULL || sluice_version_compare (sluice_component_get_version (component),
                                                  sluice_component_get_version (best)) > 0)
        best = component;
    }

  return best;
}

// "builtin:NAME@VERSION", "builtin:NAME" (newest) or "file:PATH", relative
// to base_dir. Returns NULL with a message a person can act on.
SluiceComponent *
sluice_component_registry_resolve (SluiceComponentRegistry  *self,
                                   const char               *reference,
                                   const char               *base_dir,
                                   char                    **error_message)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);

  if (reference == NULL)
    return NULL;

  if (g_str_has_prefix (reference, "file:"))
    {
      const char *rel = reference + strlen ("file:");
      g_autofree char *path = g_path_is_absolute (rel) ? g_strdup (rel)
                                                       : g_build_filename (base_dir ? base_dir : ".", rel, NULL);
      g_autofree char *canonical = g_canonicalize_filename (path, NULL);
      SluiceComponent *component;
      gpointer cached;

      if (*rel == '\0')
        {
          *error_message = g_strdup ("'file:' must be followed by the path of a component file");
          return NULL;
        }
      // Many steps share a component: answer from the cache without asking
      // the file system again.
      if (g_hash_table_lookup_extended (self->by_file, canonical, NULL, &cached) && cached != NULL)
        return cached;
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          *error_message = g_strdup_printf ("component file '%s' does not exist", rel);
          return NULL;
        }
      component = sluice_component_registry_load_file (self, path);
      if (component == NULL)
        *error_message = g_strdup_printf ("component file '%s' could not be read", rel);
      return component;
    }

  if (g_str_has_prefix (reference, "builtin:"))
    {
      g_autofree char *name = g_strdup (reference + strlen ("builtin:"));
      char *at = strchr (name, '@');
      SluiceComponent *component;

      if (at != NULL)
        *at++ = '\0';
      component = sluice_component_registry_lookup (self, name, at);
      if (component == NULL)
        {
          SluiceComponent *any = at ? sluice_component_registry_lookup (self, name, NULL) : NULL;

          if (any != NULL)
            *error_message = g_strdup_printf ("unknown component '%s': there is no version %s of '%s' "
                                              "(the newest is %s)", reference, at, name,
                                              sluice_component_get_version (any));
          else
            *error_message = g_strdup_printf ("unknown component '%s'; `sluice components list` shows "
                                              "the components available", reference);
        }
      return component;
    }

  *error_message = g_strdup_printf ("component reference '%s' must be 'builtin:NAME@VERSION' "
                                    "or 'file:PATH'", reference);
  return NULL;
}

GPtrArray *
sluice_component_registry_get_problems (SluiceComponentRegistry *self,
                                        SluiceComponent         *component)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);
  g_return_val_if_fail (SLUICE_IS_COMPONENT (component), NULL);
  return g_hash_table_lookup (self->problems, sluice_component_get_file (component));
}

GPtrArray *
sluice_component_registry_get_scan_problems (SluiceComponentRegistry *self)
{
  g_return_val_if_fail (SLUICE_IS_COMPONENT_REGISTRY (self), NULL);
  ensure_scanned (self);
  return self->scan_problems;
}
