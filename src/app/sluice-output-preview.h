// SPDX-License-Identifier: GPL-3.0-or-later
//
// One output of a step: its port, artifact hash and a preview of what it
// holds (a table, an image, text or JSON, a folder listing), with buttons
// to open it and to copy its path. The preview is read beforehand, off the
// main thread (sluice_artifact_preview_load()).

#pragma once

#include <adwaita.h>

#include "sluice-artifact-preview.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_OUTPUT_PREVIEW (sluice_output_preview_get_type ())

G_DECLARE_FINAL_TYPE (SluiceOutputPreview, sluice_output_preview, SLUICE, OUTPUT_PREVIEW, AdwBin)

// preview NULL: the artifact could not be read, and error says why.
// image: for an image, the picture decoded beforehand (else there is no
// picture, only a message).
GtkWidget  *sluice_output_preview_new      (const char                  *port,
                                            const char                  *hash,
                                            const char                  *path,
                                            const SluiceArtifactPreview *preview,
                                            GdkPaintable                *image,
                                            const char                  *error);
const char *sluice_output_preview_get_port (SluiceOutputPreview         *self);
// "table", "image", … or "error", for tests.
const char *sluice_output_preview_get_kind (SluiceOutputPreview         *self);

G_END_DECLS
