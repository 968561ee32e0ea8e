// SPDX-License-Identifier: GPL-3.0-or-later
//
// The cron parser of sluice-server: syntax, day and month rules, and what
// happens around DST changes and month ends.

#include "config.h"

#include "sluice-cron.h"
#include "sluice-scheduler.h"

static GDateTime *
parse_time (const char *iso)
{
  GDateTime *time = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (time);
  return time;
}

// The next `count` fire times after `after`, in tz, as ISO 8601 joined by " ".
static char *
next_times (const char *expression,
            const char *zone,
            const char *after,
            guint       count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceCron) cron = sluice_cron_parse (expression, &error);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr(GDateTime) t = parse_time (after);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (tz);
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GDateTime) next = sluice_cron_next (cron, t, tz);
      g_autofree char *text = NULL;

      if (next == NULL)
        {
          g_string_append (out, i ? " never" : "never");
          break;
        }
      text = g_date_time_format (next, "%Y-%m-%dT%H:%M%:z");
      g_string_append_printf (out, "%s%s", i ? " " : "", text);
      g_date_time_unref (t);
      t = g_date_time_ref (next);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_next(expr, zone, after, count, expected) \
  G_STMT_START { \
    g_autofree char *got_ = next_times (expr, zone, after, count); \
    g_assert_cmpstr (got_, ==, expected); \
  } G_STMT_END

static void
test_cron_syntax_errors (void)
{
  static const char * const bad[] = {
    "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
    "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "1,,2 * * * *", "foo * * * *",
    "* * * jan-foo *", "-1 * * * *", "*/x * * * *", "1-2-3 * * * *",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SluiceCron) cron = sluice_cron_parse (bad[i], &error);

      g_test_message ("expression '%s'", bad[i]);
      g_assert_null (cron);
      g_assert_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID);
    }
}

static void
test_cron_basic (void)
{
  assert_next ("*/5 * * * *", "UTC", "2026-01-01T10:02:30Z", 3,
               "2026-01-01T10:05+00:00 2026-01-01T10:10+00:00 2026-01-01T10:15+00:00");
  // Strictly after: a fire time itself is not returned again.
  assert_next ("0 12 * * *", "UTC", "2026-01-01T12:00:00Z", 1, "2026-01-02T12:00+00:00");
  assert_next ("15,45 9-10 * * *", "UTC", "2026-01-01T00:00:00Z", 5,
               "2026-01-01T09:15+00:00 2026-01-01T09:45+00:00 2026-01-01T10:15+00:00 2026-01-01T10:45+00:00 2026-01-02T09:15+00:00");
  // "N/STEP" runs from N to the end of the range.
  assert_next ("50/5 0 * * *", "UTC", "2026-01-01T00:00:00Z", 3,
               "2026-01-01T00:50+00:00 2026-01-01T00:55+00:00 2026-01-02T00:50+00:00");
  assert_next ("0 0 1 */6 *", "UTC", "2026-02-01T00:00:00Z", 2, "2026-07-01T00:00+00:00 2027-01-01T00:00+00:00");
}

static void
test_cron_names (void)
{
  // 2026-01-05 is a Monday.
  assert_next ("0 9 * jan,JUL mon-fri", "UTC", "2026-01-09T10:00:00Z", 2, "2026-01-12T09:00+00:00 2026-01-13T09:00+00:00");
  assert_next ("0 9 * jan,JUL mon-fri", "UTC", "2026-01-31T10:00:00Z", 1, "2026-07-01T09:00+00:00");
  // Sunday is 0 and 7.
  assert_next ("0 0 * * 7", "UTC", "2026-01-05T00:00:00Z", 1, "2026-01-11T00:00+00:00");
  assert_next ("0 0 * * sun", "UTC", "2026-01-05T00:00:00Z", 1, "2026-01-11T00:00+00:00");
}

static void
test_cron_day_rules (void)
{
  // Both day fields restricted: either matches (the 13th, or a Friday).
  assert_next ("0 0 13 * fri", "UTC", "2026-02-01T00:00:00Z", 3,
               "2026-02-06T00:00+00:00 2026-02-13T00:00+00:00 2026-02-20T00:00+00:00");
  // Only one restricted: that one alone decides.
  assert_next ("0 0 13 * *", "UTC", "2026-02-01T00:00:00Z", 1, "2026-02-13T00:00+00:00");
}

static void
test_cron_month_end (void)
{
  // The 31st skips the months that have none.
  assert_next ("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", 3,
               "2026-03-31T00:00+00:00 2026-05-31T00:00+00:00 2026-07-31T00:00+00:00");
  // 29 February: the next leap year.
  assert_next ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2, "2028-02-29T00:00+00:00 2032-02-29T00:00+00:00");
  // A date that never exists.
  assert_next ("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", 1, "never");
  // The last minute of a year rolls into the next.
  assert_next ("59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z", 1, "2027-12-31T23:59+00:00");
}

static void
test_cron_dst_spring (void)
{
  // Berlin skips 02:00-03:00 on 2026-03-29: 02:30 fires when the clock jumps.
  assert_next ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00+01:00", 3,
               "2026-03-29T03:00+02:00 2026-03-30T02:30+02:00 2026-03-31T02:30+02:00");
  // Several skipped times collapse into one fire.
  assert_next ("*/20 2 * * *", "Europe/Berlin", "2026-03-29T01:50:00+01:00", 2,
               "2026-03-29T03:00+02:00 2026-03-30T02:00+02:00");
  // Hourly jobs just go on by the clock.
  assert_next ("0 * * * *", "Europe/Berlin", "2026-03-29T01:30:00+01:00", 2,
               "2026-03-29T03:00+02:00 2026-03-29T04:00+02:00");
}

static void
test_cron_dst_autumn (void)
{
  // Berlin repeats 02:00-03:00 on 2026-10-25: a fixed time fires once.
  assert_next ("30 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00", 2,
               "2026-10-25T02:30+02:00 2026-10-26T02:30+01:00");
  // An hourly job fires in both copies of the hour.
  assert_next ("0 * * * *", "Europe/Berlin", "2026-10-25T01:30:00+02:00", 3,
               "2026-10-25T02:00+02:00 2026-10-25T02:00+01:00 2026-10-25T03:00+01:00");
  // Starting inside the second copy does not go back to the first.
  assert_next ("30 2 * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00", 1, "2026-10-26T02:30+01:00");
}

static void
test_cron_time_zone (void)
{
  // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
  g_autoptr(SluiceCron) cron = sluice_cron_parse ("0 9 * * *", NULL);
  g_autoptr(GTimeZone) ny = g_time_zone_new_identifier ("America/New_York");
  g_autoptr(GDateTime) winter = parse_time ("2026-01-10T00:00:00Z");
  g_autoptr(GDateTime) summer = parse_time ("2026-07-10T00:00:00Z");
  g_autoptr(GDateTime) w = sluice_cron_next (cron, winter, ny);
  g_autoptr(GDateTime) s = sluice_cron_next (cron, summer, ny);
  g_autoptr(GDateTime) wu = g_date_time_to_utc (w);
  g_autoptr(GDateTime) su = g_date_time_to_utc (s);

  g_assert_cmpint (g_date_time_get_hour (wu), ==, 14);
  g_assert_cmpint (g_date_time_get_hour (su), ==, 13);
}

static void
test_schedule_check (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sluice_schedule_check ("*/5 * * * *", 0, "Europe/Berlin", NULL));
  g_assert_true (sluice_schedule_check (NULL, 1, "UTC", NULL));
  g_assert_false (sluice_schedule_check ("*/5 * * * *", 10, "UTC", &error));
  g_assert_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sluice_schedule_check (NULL, 0, "UTC", &error));
  g_assert_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sluice_schedule_check ("* * * * *", 0, "Mars/Olympus_Mons", &error));
  g_assert_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cron/syntax-errors", test_cron_syntax_errors);
  g_test_add_func ("/cron/basic", test_cron_basic);
  g_test_add_func ("/cron/names", test_cron_names);
  g_test_add_func ("/cron/day-rules", test_cron_day_rules);
  g_test_add_func ("/cron/month-end", test_cron_month_end);
  g_test_add_func ("/cron/dst-spring", test_cron_dst_spring);
  g_test_add_func ("/cron/dst-autumn", test_cron_dst_autumn);
  g_test_add_func ("/cron/time-zone", test_cron_time_zone);
  g_test_add_func ("/cron/schedule-check", test_schedule_check);
  return g_test_run ();
}
