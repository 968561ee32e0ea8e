// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fires the schedules stored in the server database: one timer per active
// schedule, armed for its next fire time. Fires missed while the server
// was down are not made up: after a (re)load the next one counts from now.

#pragma once

#include "sluice-server-db.h"

G_BEGIN_DECLS

#define SLUICE_TYPE_SCHEDULER (sluice_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (SluiceScheduler, sluice_scheduler, SLUICE, SCHEDULER, GObject)

// Starts a run for the schedule; returns its id, or 0 with error set.
typedef gint64 (*SluiceSchedulerFire) (SluiceSchedule  *schedule,
                                       gpointer         user_data,
                                       GError         **error);

SluiceScheduler *sluice_scheduler_new        (SluiceServerDb       *db,
                                              SluiceSchedulerFire   fire,
                                              gpointer              user_data);
// Re-reads the schedules; call after any change to them.
gboolean         sluice_scheduler_reload     (SluiceScheduler      *self,
                                              GError              **error);
// Checks cron or interval_seconds (exactly one) and the time zone.
gboolean         sluice_schedule_check       (const char           *cron,
                                              guint                 interval_seconds,
                                              const char           *timezone,
                                              GError              **error);
// The next n fire times after now (GDateTime*, in the schedule's zone).
// For a schedule the scheduler runs, they start at its armed time.
GPtrArray       *sluice_scheduler_next_runs  (SluiceScheduler      *self,
                                              const SluiceSchedule *schedule,
                                              guint                 n);

G_END_DECLS
