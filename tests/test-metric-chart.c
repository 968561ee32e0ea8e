// SPDX-License-Identifier: GPL-3.0-or-later
//
// The metric chart's axis ticks: 1, 2, 5 × 10^k steps that cover the data,
// for ranges small and large, flat and reversed. No display is needed.

#include "config.h"

#include <math.h>

#include "sluice-metric-chart.h"

static void
assert_ticks (double        lo,
              double        hi,
              guint         target,
              const double *expected,
              guint         n)
{
  g_autoptr(GArray) ticks = sluice_metric_chart_nice_ticks (lo, hi, target);

  g_assert_cmpuint (ticks->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (g_array_index (ticks, double, i), expected[i], 1e-9);
}

static void
test_nice_ticks (void)
{
  // The loss curve of the history test data.
  assert_ticks (0.216, 0.8, 5, (double[]) { 0.2, 0.4, 0.6, 0.8 }, 4);
  assert_ticks (0, 1, 5, (double[]) { 0, 0.2, 0.4, 0.6, 0.8, 1 }, 6);
  assert_ticks (3, 97, 5, (double[]) { 0, 20, 40, 60, 80, 100 }, 6);
  assert_ticks (-1.5, 2.5, 5, (double[]) { -2, -1, 0, 1, 2, 3 }, 6);
  assert_ticks (1200, 56000, 6, (double[]) { 0, 20000, 40000, 60000 }, 4);
  // Reversed bounds are the same range.
  assert_ticks (1, 0, 5, (double[]) { 0, 0.2, 0.4, 0.6, 0.8, 1 }, 6);
}

static void
test_flat_and_invalid (void)
{
  g_autoptr(GArray) flat = sluice_metric_chart_nice_ticks (0.75, 0.75, 5);
  g_autoptr(GArray) zero = sluice_metric_chart_nice_ticks (0, 0, 5);
  g_autoptr(GArray) nan = sluice_metric_chart_nice_ticks (NAN, 1, 5);
  g_autoptr(GArray) inf = sluice_metric_chart_nice_ticks (0, INFINITY, 5);

  // A flat line still gets an axis around its value.
  g_assert_cmpuint (flat->len, >=, 2);
  g_assert_cmpfloat (g_array_index (flat, double, 0), <, 0.75);
  g_assert_cmpfloat (g_array_index (flat, double, flat->len - 1), >, 0.75);
  g_assert_cmpuint (zero->len, >=, 2);
  g_assert_cmpfloat (g_array_index (zero, double, 0), <, 0);
  g_assert_cmpuint (nan->len, ==, 0);
  g_assert_cmpuint (inf->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metric-chart/nice-ticks", test_nice_ticks);
  g_test_add_func ("/metric-chart/flat-and-invalid", test_flat_and_invalid);

  return g_test_run ();
}
