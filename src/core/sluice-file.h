// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  sluice_file_write_atomic (const char  *path,
                                    const char  *contents,
                                    gsize        length,
                                    GError     **error);
char     *sluice_file_read         (const char  *path,
                                    gsize       *length,
                                    GError     **error);

G_END_DECLS
