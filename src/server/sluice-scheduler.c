// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-cron.h"
#include "sluice-scheduler.h"

typedef struct
{
  SluiceScheduler *scheduler;
  gint64           id;
  gint64           next;      // µs since the epoch
  guint            timer;
} Armed;

struct _SluiceScheduler
{
  GObject              parent_instance;

  SluiceServerDb      *db;
  SluiceSchedulerFire  fire;
  gpointer             user_data;
  GHashTable          *armed;   // schedule id (gint64*) -> Armed
};

G_DEFINE_FINAL_TYPE (SluiceScheduler, sluice_scheduler, G_TYPE_OBJECT)

static void
armed_free (Armed *armed)
{
  g_clear_handle_id (&armed->timer, g_source_remove);
  g_free (armed);
}

static void
sluice_scheduler_finalize (GObject *object)
{
  SluiceScheduler *self = (SluiceScheduler *) object;

  g_clear_pointer (&self->armed, g_hash_table_unref);
  g_clear_object (&self->db);
  G_OBJECT_CLASS (sluice_scheduler_parent_class)->finalize (object);
}

static void
sluice_scheduler_class_init (SluiceSchedulerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sluice_scheduler_finalize;
}

static void
sluice_scheduler_init (SluiceScheduler *self)
{
  self->armed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) armed_free);
}

SluiceScheduler *
sluice_scheduler_new (SluiceServerDb      *db,
                      SluiceSchedulerFire  fire,
                      gpointer             user_data)
{
  SluiceScheduler *self = g_object_new (SLUICE_TYPE_SCHEDULER, NULL);

  self->db = g_object_ref (db);
  self->fire = fire;
  self->user_data = user_data;
  return self;
}

gboolean
sluice_schedule_check (const char  *cron,
                       guint        interval_seconds,
                       const char  *timezone,
                       GError     **error)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(SluiceCron) parsed = NULL;

  if ((cron == NULL) == (interval_seconds == 0))
    {
      g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                   "give either \"cron\" or a positive \"interval_seconds\"");
      return FALSE;
    }
  if (timezone != NULL && !(tz = g_time_zone_new_identifier (timezone)))
    {
      g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID, "'%s' is not a known time zone", timezone);
      return FALSE;
    }
  if (cron != NULL && !(parsed = sluice_cron_parse (cron, error)))
    return FALSE;
  return TRUE;
}

// The fire time after `after` (µs), or 0 when there is none.
static gint64
next_after (const SluiceSchedule *schedule,
            gint64                after)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(SluiceCron) cron = NULL;
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) next = NULL;

  if (schedule->interval_seconds > 0)
    return after + (gint64) schedule->interval_seconds * G_USEC_PER_SEC;

  if (!(cron = sluice_cron_parse (schedule->cron, NULL)))
    return 0;
  tz = g_time_zone_new_identifier (schedule->timezone);
  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  from = g_date_time_new_from_unix_utc (after / G_USEC_PER_SEC);
  if (!(next = sluice_cron_next (cron, from, tz)))
    return 0;
  return g_date_time_to_unix (next) * G_USEC_PER_SEC;
}

static void arm (SluiceScheduler *self, gint64 id, gint64 next);

static gboolean
on_timer (gpointer user_data)
{
  Armed *armed = user_data;
  SluiceScheduler *self = armed->scheduler;
  g_autoptr(SluiceSchedule) schedule = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = armed->id, fired_for = armed->next, run_id;

  armed->timer = 0;
  if (!(schedule = sluice_server_db_get_schedule (self->db, id, &error)) || schedule->paused)
    {
      g_hash_table_remove (self->armed, &id);
      return G_SOURCE_REMOVE;
    }

  if ((run_id = self->fire (schedule, self->user_data, &error)) == 0)
    g_warning ("schedule %" G_GINT64_FORMAT " could not start a run: %s", id, error->message);
  else
    {
      g_autoptr(GError) db_error = NULL;

      if (!sluice_server_db_set_schedule_fired (self->db, id, g_get_real_time (), run_id, &db_error))
        g_warning ("schedule %" G_GINT64_FORMAT ": %s", id, db_error->message);
    }
  // From the planned time, so an interval does not drift; never in the past.
  arm (self, id, next_after (schedule, MAX (fired_for, g_get_real_time () - G_USEC_PER_SEC)));
  return G_SOURCE_REMOVE;
}

static void
arm (SluiceScheduler *self,
     gint64           id,
     gint64           next)
{
  Armed *armed;
  gint64 delay;

  if (next == 0)
    {
      g_hash_table_remove (self->armed, &id);
      return;
    }
  if (!(armed = g_hash_table_lookup (self->armed, &id)))
    {
      armed = g_new0 (Armed, 1);
      armed->scheduler = self;
      armed->id = id;
      g_hash_table_insert (self->armed, g_memdup2 (&id, sizeof id), armed);
    }
  g_clear_handle_id (&armed->timer, g_source_remove);
  armed->next = next;
  delay = MAX (0, next - g_get_real_time ());
  armed->timer = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (delay / 1000, G_MAXUINT), on_timer, armed, NULL);
}

gboolean
sluice_scheduler_reload (SluiceScheduler  *self,
                         GError          **error)
{
  g_autoptr(GPtrArray) schedules = sluice_server_db_list_schedules (self->db, error);
  g_autoptr(GHashTable) keep = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTableIter iter;
  gpointer key;
  gint64 now = g_get_real_time ();

  if (schedules == NULL)
    return FALSE;
  for (guint i = 0; i < schedules->len; i++)
    {
      SluiceSchedule *schedule = g_ptr_array_index (schedules, i);
      Armed *armed = g_hash_table_lookup (self->armed, &schedule->id);

      if (schedule->paused)
        continue;
      g_hash_table_add (keep, &schedule->id);
      // A schedule armed already keeps its time; a new or resumed one counts from now.
      if (armed == NULL)
        arm (self, schedule->id, next_after (schedule, now));
    }

  g_hash_table_iter_init (&iter, self->armed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (keep, key))
      g_hash_table_iter_remove (&iter);
  return TRUE;
}

GPtrArray *
sluice_scheduler_next_runs (SluiceScheduler      *self,
                            const SluiceSchedule *schedule,
                            guint                 n)
{
  GPtrArray *times = g_ptr_array_new_with_free_func ((GDestroyNotify) g_date_time_unref);
  Armed *armed = g_hash_table_lookup (self->armed, &schedule->id);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (schedule->timezone);
  gint64 t = armed ? armed->next : next_after (schedule, g_get_real_time ());

  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  for (guint i = 0; i < n && t != 0; i++, t = next_after (schedule, t))
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);

      g_ptr_array_add (times, g_date_time_to_timezone (utc, tz));
    }
  return times;
}
