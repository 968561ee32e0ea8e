// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-cron.h"

G_DEFINE_QUARK (sluice-cron-error-quark, sluice_cron_error)

#define SECONDS_PER_DAY 86400
// How far ahead to look before deciding an expression never fires; a
// 29 February on a Monday can be 28 years away.
#define SEARCH_DAYS (366 * 29)

struct _SluiceCron
{
  guint64  minutes;   // bit n = minute n
  guint32  hours;
  guint32  days;      // bit n = day-of-month n (1..31)
  guint32  months;    // bit n = month n (1..12)
  guint32  weekdays;  // bit n = weekday n (0 = Sunday)
  gboolean days_star;
  gboolean weekdays_star;
  gboolean hours_star;
};

typedef struct
{
  const char          *what;
  guint                min;
  guint                max;
  const char * const  *names;    // names[i] stands for min + i, or NULL
} Field;

static const char * const month_names[] = {
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char * const weekday_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const Field fields[] = {
  { "minute", 0, 59, NULL },
  { "hour", 0, 23, NULL },
  { "day of month", 1, 31, NULL },
  { "month", 1, 12, month_names },
  // 7 is Sunday too, as in every cron.
  { "day of week", 0, 7, weekday_names },
};

static gboolean
parse_value (const Field  *field,
             const char   *text,
             guint        *value,
             GError      **error)
{
  char *end = NULL;
  guint64 number;

  for (guint i = 0; field->names != NULL && field->names[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, field->names[i]) == 0)
      {
        *value = field->min + i;
        return TRUE;
      }

  if (!g_ascii_isdigit (*text) || (number = g_ascii_strtoull (text, &end, 10), *end != '\0') ||
      number < field->min || number > field->max)
    {
      g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                   "'%s' is not a valid %s (%u-%u)", text, field->what, field->min, field->max);
      return FALSE;
    }
  *value = (guint) number;
  return TRUE;
}

// One list item: "*", "N", "A-B", each optionally followed by "/STEP"
// ("N/STEP" means N-max/STEP).
static gboolean
parse_item (const Field  *field,
            const char   *item,
            guint64      *bits,
            GError      **error)
{
  g_autofree char *range = g_strdup (item);
  char *slash = strchr (range, '/');
  char *dash;
  guint first = field->min, last = field->max, step = 1;

  if (slash != NULL)
    {
      char *end = NULL;
      guint64 s;

      *slash = '\0';
      s = g_ascii_strtoull (slash + 1, &end, 10);
      if (!g_ascii_isdigit (slash[1]) || *end != '\0' || s == 0 || s > field->max)
        {
          g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                       "'%s' has an invalid step in the %s field", item, field->what);
          return FALSE;
        }
      step = (guint) s;
    }

  if (!g_str_equal (range, "*"))
    {
      dash = strchr (range, '-');
      if (dash != NULL)
        *dash = '\0';
      if (!parse_value (field, range, &first, error))
        return FALSE;
      if (dash != NULL && !parse_value (field, dash + 1, &last, error))
        return FALSE;
      if (dash == NULL)
        last = slash != NULL ? field->max : first;
      if (first > last)
        {
          g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                       "'%s' is a backwards range in the %s field", item, field->what);
          return FALSE;
        }
    }

  for (guint v = first; v <= last; v += step)
    *bits |= G_GUINT64_CONSTANT (1) << v;
  return TRUE;
}

static gboolean
parse_field (const Field  *field,
             const char   *text,
             guint64      *bits,
             GError      **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  *bits = 0;
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (*items[i] == '\0')
        {
          g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                       "the %s field '%s' has an empty list item", field->what, text);
          return FALSE;
        }
      if (!parse_item (field, items[i], bits, error))
        return FALSE;
    }
  return TRUE;
}

SluiceCron *
sluice_cron_parse (const char  *expression,
                   GError     **error)
{
  g_autoptr(SluiceCron) cron = g_new0 (SluiceCron, 1);
  g_auto(GStrv) parts = NULL;
  g_autofree char *stripped = NULL;
  guint64 bits[G_N_ELEMENTS (fields)];

  g_return_val_if_fail (expression != NULL, NULL);

  stripped = g_strstrip (g_strdup (expression));
  parts = g_regex_split_simple ("\\s+", stripped, 0, 0);
  if (g_strv_length (parts) != G_N_ELEMENTS (fields))
    {
      g_set_error (error, SLUICE_CRON_ERROR, SLUICE_CRON_ERROR_INVALID,
                   "'%s' is not a cron expression: it needs 5 fields (minute hour day month weekday)", expression);
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (!parse_field (&fields[i], parts[i], &bits[i], error))
      return NULL;

  cron->minutes = bits[0];
  cron->hours = (guint32) bits[1];
  cron->days = (guint32) bits[2];
  cron->months = (guint32) bits[3];
  // Sunday may be written 0 or 7.
  cron->weekdays = (guint32) ((bits[4] | (bits[4] >> 7)) & 0x7f);
  cron->hours_star = g_str_has_prefix (parts[1], "*");
  cron->days_star = g_str_has_prefix (parts[2], "*");
  cron->weekdays_star = g_str_has_prefix (parts[4], "*");
  return g_steal_pointer (&cron);
}

void
sluice_cron_free (SluiceCron *cron)
{
  g_free (cron);
}

static gint32
offset_at (GTimeZone *tz,
           gint64     utc)
{
  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, utc));
}

// The instants (up to 2) whose wall time in tz is `wall` (seconds since
// the epoch as if the wall time were UTC). For a wall time in a DST gap,
// the one instant is when the clock jumps over it.
static guint
wall_to_instants (GTimeZone *tz,
                  gint64     wall,
                  gint64     instants[2])
{
  gint32 offsets[3] = { offset_at (tz, wall - SECONDS_PER_DAY), offset_at (tz, wall), offset_at (tz, wall + SECONDS_PER_DAY) };
  gint32 low = MIN (offsets[0], MIN (offsets[1], offsets[2]));
  gint32 high = MAX (offsets[0], MAX (offsets[1], offsets[2]));
  guint n = 0;
  gint64 lo, hi;

  for (guint i = 0; i < 3; i++)
    {
      gint64 utc = wall - offsets[i];
      gboolean seen = FALSE;

      for (guint j = 0; j < n; j++)
        seen |= instants[j] == utc;
      if (!seen && n < 2 && offset_at (tz, utc) == offsets[i])
        instants[n++] = utc;
    }
  if (n == 2 && instants[0] > instants[1])
    {
      gint64 t = instants[0];

      instants[0] = instants[1];
      instants[1] = t;
    }
  if (n > 0)
    return n;

  // In a gap: the first instant whose wall time is at or past `wall`.
  lo = wall - high;
  hi = wall - low;
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (mid + offset_at (tz, mid) >= wall)
        hi = mid;
      else
        lo = mid + 1;
    }
  instants[0] = lo;
  return 1;
}

static gboolean
day_matches (const SluiceCron *cron,
             gint64            day)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (day * SECONDS_PER_DAY);
  gboolean dom = (cron->days >> g_date_time_get_day_of_month (date)) & 1;
  gboolean dow = (cron->weekdays >> (g_date_time_get_day_of_week (date) % 7)) & 1;

  if (!((cron->months >> g_date_time_get_month (date)) & 1))
    return FALSE;
  // Vixie cron: when both day fields are restricted, either may match.
  if (!cron->days_star && !cron->weekdays_star)
    return dom || dow;
  return dom && dow;
}

GDateTime *
sluice_cron_next (const SluiceCron *cron,
                  GDateTime        *after,
                  GTimeZone        *tz)
{
  gint64 after_utc, start_wall, best = G_MAXINT64, best_wall = 0;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) found = NULL;

  g_return_val_if_fail (cron != NULL && after != NULL && tz != NULL, NULL);

  after_utc = g_date_time_to_unix (after);
  local = g_date_time_to_timezone (after, tz);
  // Start a little before `after` in wall time: around a DST change an
  // earlier wall time can be a later instant.
  start_wall = after_utc + g_date_time_get_utc_offset (local) / G_USEC_PER_SEC - 3 * 3600;

  for (gint64 day = start_wall / SECONDS_PER_DAY - 1; day < start_wall / SECONDS_PER_DAY + SEARCH_DAYS; day++)
    {
      if (!day_matches (cron, day))
        continue;
      for (guint h = 0; h < 24; h++)
        for (guint m = 0; (cron->hours >> h) & 1 && m < 60; m++)
          {
            gint64 wall = day * SECONDS_PER_DAY + h * 3600 + m * 60;
            gint64 instants[2];
            guint n;

            if (!((cron->minutes >> m) & 1) || wall < start_wall)
              continue;
            // Walls map to instants almost in order; once one fires, any
            // earlier instant lies within the size of a DST shift.
            if (best != G_MAXINT64 && wall > best_wall + 3 * 3600)
              goto done;
            n = wall_to_instants (tz, wall, instants);
            for (guint i = 0; i < (cron->hours_star ? n : MIN (n, 1)); i++)
              if (instants[i] > after_utc && instants[i] < best)
                {
                  best = instants[i];
                  best_wall = wall;
                }
          }
    }
done:
  if (best == G_MAXINT64)
    return NULL;
  found = g_date_time_new_from_unix_utc (best);
  return g_date_time_to_timezone (found, tz);
}
