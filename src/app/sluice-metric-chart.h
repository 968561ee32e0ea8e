// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_METRIC_CHART (sluice_metric_chart_get_type ())

G_DECLARE_FINAL_TYPE (SluiceMetricChart, sluice_metric_chart, SLUICE, METRIC_CHART, GtkWidget)

GtkWidget *sluice_metric_chart_new            (void);
void       sluice_metric_chart_clear          (SluiceMetricChart  *self);
void       sluice_metric_chart_set_axis_labels (SluiceMetricChart *self,
                                               const char         *x_label,
                                               const char         *y_label);
// Names for whole-number x values (e.g. run names for x = 0, 1, 2…); the
// x axis then shows them instead of numbers. NULL for a numeric axis.
void       sluice_metric_chart_set_categories (SluiceMetricChart  *self,
                                               const char * const *names);
// One line with points; x and y have n values each (NAN y = no point).
void       sluice_metric_chart_add_series     (SluiceMetricChart  *self,
                                               const char         *label,
                                               const double       *x,
                                               const double       *y,
                                               guint               n);
guint      sluice_metric_chart_get_n_series   (SluiceMetricChart  *self);
// Where point `index` of series `series` was last drawn (widget coordinates).
gboolean   sluice_metric_chart_get_point_position (SluiceMetricChart *self,
                                                   guint              series,
                                                   guint              index,
                                                   double            *x,
                                                   double            *y);
// The point under the pointer as "series:index", or NULL.
char      *sluice_metric_chart_dup_hover  (SluiceMetricChart  *self);
// Nice tick positions covering [lo, hi], about `target` of them (for tests).
GArray    *sluice_metric_chart_nice_ticks     (double              lo,
                                               double              hi,
                                               guint               target);

G_END_DECLS
