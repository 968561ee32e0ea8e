// SPDX-License-Identifier: GPL-3.0-or-later
//
// Five-field cron expressions ("minute hour day-of-month month day-of-week")
// with ranges, lists, steps and names (jan…dec, sun…sat), evaluated in a
// time zone. Wall times that a DST change skips fire at the instant the
// clock jumps; wall times it repeats fire once, on their first occurrence,
// unless the hour field is "*" (then every real hour fires).

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SLUICE_CRON_ERROR (sluice_cron_error_quark ())

typedef enum
{
  SLUICE_CRON_ERROR_INVALID,
} SluiceCronError;

typedef struct _SluiceCron SluiceCron;

GQuark      sluice_cron_error_quark (void);
SluiceCron *sluice_cron_parse       (const char        *expression,
                                     GError           **error);
void        sluice_cron_free        (SluiceCron        *cron);
// The first fire time strictly after `after`, in tz; NULL when the
// expression never matches (e.g. "0 0 30 2 *").
GDateTime  *sluice_cron_next        (const SluiceCron  *cron,
                                     GDateTime         *after,
                                     GTimeZone         *tz);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceCron, sluice_cron_free)

G_END_DECLS
