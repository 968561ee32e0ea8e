// SPDX-License-Identifier: GPL-3.0-or-later
//
// The example pipelines shipped with Sluice, offered as templates by the
// app's "New from Example" and by `sluice new --from`.

#pragma once

#include "sluice-component-registry.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;          // absolute path of the .sluice.json
  char *name;          // the pipeline's name, what --from takes
  char *title;         // display name, or the name
  char *description;   // may be NULL
} SluiceExample;

void        sluice_example_free             (SluiceExample *example);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceExample, sluice_example_free)

// $SLUICE_EXAMPLES_DIR, else the installed examples, else the source tree's.
const char *sluice_examples_get_directory   (void);
// Every example that loads, sorted by title. Never NULL.
GPtrArray  *sluice_examples_list            (void);
SluiceExample *sluice_examples_find         (const char     *name);
// Writes a copy of the example at path (not overwriting an existing file),
// its relative paths rewritten so its data and components stay found.
gboolean    sluice_example_copy_to          (const SluiceExample     *example,
                                             SluiceComponentRegistry *registry,
                                             const char              *path,
                                             GError                 **error);

G_END_DECLS
