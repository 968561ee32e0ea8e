// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SLUICE_ERROR (sluice_error_quark ())

typedef enum
{
  SLUICE_ERROR_FAILED,
  SLUICE_ERROR_NOT_FOUND,
  SLUICE_ERROR_INVALID,
  SLUICE_ERROR_UNSUPPORTED_VERSION,
  SLUICE_ERROR_TEMPLATE,
} SluiceError;

GQuark sluice_error_quark (void);

G_END_DECLS
