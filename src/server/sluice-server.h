// SPDX-License-Identifier: GPL-3.0-or-later
//
// The remote orchestrator: a REST API under /api/v1 over a data folder
// (server.db, pipelines/, store/), runs started as detached runners, live
// events as Server-Sent Events, published pipelines and schedules.

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SLUICE_SERVER_ERROR (sluice_server_error_quark ())

// Each code maps to one HTTP status.
typedef enum
{
  SLUICE_SERVER_ERROR_FAILED,        // 500
  SLUICE_SERVER_ERROR_BAD_REQUEST,   // 400
  SLUICE_SERVER_ERROR_NOT_FOUND,     // 404
  SLUICE_SERVER_ERROR_CONFLICT,      // 409
  SLUICE_SERVER_ERROR_INVALID,       // 422
} SluiceServerError;

typedef struct
{
  const char *data_dir;
  guint       poll_milliseconds;     // how often live runs are read (0 = 20)
  guint       keepalive_seconds;     // between ": keepalive" lines of event streams (0 = 15)
  double      rate_limit;            // requests per second per token (0 = none)
  double      rate_burst;
  guint64     max_archive_bytes;     // 0 = 64 MiB
  guint64     max_json_bytes;        // 0 = 1 MiB
} SluiceServerOptions;

#define SLUICE_TYPE_SERVER (sluice_server_get_type ())

G_DECLARE_FINAL_TYPE (SluiceServer, sluice_server, SLUICE, SERVER, GObject)

GQuark        sluice_server_error_quark (void);
// Opens (creating) the data folder, marks runs whose runner died as
// interrupted and arms the schedules.
SluiceServer *sluice_server_new         (const SluiceServerOptions *options,
                                         GError                   **error);
// Listens on address ("HOST:PORT"; port 0 picks a free one); with a
// certificate it speaks HTTPS. Returns the base URL actually bound.
char         *sluice_server_listen      (SluiceServer             *self,
                                         const char               *address,
                                         GTlsCertificate          *certificate,
                                         GError                  **error);

G_END_DECLS
