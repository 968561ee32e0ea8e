// SPDX-License-Identifier: GPL-3.0-or-later
//
// A small line chart for metrics, drawn with cairo in a snapshot: nice
// ticks on both axes, axis labels, a legend, and the exact value of the
// point under the pointer. No plotting library: the charts Sluice needs
// are a metric across runs and a metric over its steps.

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "sluice-metric-chart.h"

#define MARGIN_LEFT   64.0
#define MARGIN_RIGHT  20.0
#define MARGIN_TOP    36.0
#define MARGIN_BOTTOM 48.0
#define HOVER_RADIUS  12.0

typedef struct
{
  char   *label;
  GArray *x;
  GArray *y;
} Series;

typedef struct
{
  double x, y;              // where it is drawn, in widget coordinates
  guint  series;
  guint  index;
} DrawnPoint;

struct _SluiceMetricChart
{
  GtkWidget  parent_instance;

  GPtrArray *series;        // Series*
  char      *x_label;
  char      *y_label;
  GStrv      categories;
  GArray    *drawn;         // DrawnPoint, from the last snapshot
  gint       hover;         // index into drawn, -1 for none
};

G_DEFINE_FINAL_TYPE (SluiceMetricChart, sluice_metric_chart, GTK_TYPE_WIDGET)

// The GNOME palette: blue, green, orange, purple, red, brown, yellow.
static const char * const palette[] = { "#3584e4", "#2ec27e", "#ff7800", "#9141ac", "#e01b24", "#986a44", "#e5a50a" };

static void
series_free (Series *series)
{
  g_free (series->label);
  g_array_unref (series->x);
  g_array_unref (series->y);
  g_free (series);
}

/* ticks ------------------------------------------------------------------------ */

// Heckbert's nice numbers: 1, 2, 5 × 10^k.
static double
nice_number (double   value,
             gboolean round_it)
{
  double exponent = floor (log10 (value));
  double fraction = value / pow (10, exponent);
  double nice;

  if (round_it)
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * pow (10, exponent);
}

GArray *
sluice_metric_chart_nice_ticks (double lo,
                                double hi,
                                guint  target)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  double range, step, start;

  if (!isfinite (lo) || !isfinite (hi))
    return ticks;
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  // A flat line still gets an axis around its value.
  if (hi - lo < 1e-12)
    {
      double pad = fabs (lo) > 1e-12 ? fabs (lo) * 0.1 : 1;
      lo -= pad;
      hi += pad;
    }

  range = nice_number (hi - lo, FALSE);
  step = nice_number (range / MAX (target - 1, 1), TRUE);
  start = floor (lo / step) * step;
  for (double v = start; v <= ceil (hi / step) * step + step * 0.5; v += step)
    {
      double clean = fabs (v) < step * 1e-9 ? 0 : v;
      g_array_append_val (ticks, clean);
    }
  return ticks;
}

/* drawing ------------------------------------------------------------------------ */

static void
foreground (SluiceMetricChart *self,
            GdkRGBA           *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
set_color (cairo_t       *cr,
           const GdkRGBA *color,
           double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

static void
series_color (guint    index,
              GdkRGBA *color)
{
  gdk_rgba_parse (color, palette[index % G_N_ELEMENTS (palette)]);
}

static PangoLayout *
text_layout (SluiceMetricChart *self,
             const char        *text,
             gboolean           small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  if (small)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  return layout;
}

// Draws text with its anchor at (x, y): ax, ay = 0 left/top, 0.5 centre, 1 right/bottom.
static void
draw_text (SluiceMetricChart *self,
           cairo_t           *cr,
           const char        *text,
           double             x,
           double             y,
           double             ax,
           double             ay,
           gboolean           small)
{
  g_autoptr(PangoLayout) layout = text_layout (self, text, small);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * ax), round (y - h * ay));
  pango_cairo_show_layout (cr, layout);
}

static char *
format_value (double value)
{
  return g_strdup_printf ("%.6g", value);
}

static char *
format_tick (double value,
             double step)
{
  // As many decimals as the step needs, no more.
  int decimals = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);

  return g_strdup_printf ("%.*f", CLAMP (decimals, 0, 8), value);
}

typedef struct
{
  double x0, x1, y0, y1;        // data range
  double left, right, top, bottom;  // plot area in pixels
} Frame;

static double
to_px (const Frame *f,
       double       x)
{
  return f->left + (x - f->x0) / (f->x1 - f->x0) * (f->right - f->left);
}

static double
to_py (const Frame *f,
       double       y)
{
  return f->bottom - (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

static gboolean
data_range (SluiceMetricChart *self,
            double            *x0,
            double            *x1,
            double            *y0,
            double            *y1)
{
  gboolean any = FALSE;

  *x0 = *y0 = INFINITY;
  *x1 = *y1 = -INFINITY;
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = g_ptr_array_index (self->series, s);

      for (guint i = 0; i < series->x->len; i++)
        {
          double x = g_array_index (series->x, double, i);
          double y = g_array_index (series->y, double, i);

          if (!isfinite (x) || !isfinite (y))
            continue;
          *x0 = MIN (*x0, x);
          *x1 = MAX (*x1, x);
          *y0 = MIN (*y0, y);
          *y1 = MAX (*y1, y);
          any = TRUE;
        }
    }
  return any;
}

static void
draw_axes (SluiceMetricChart *self,
           cairo_t           *cr,
           Frame             *f,
           const GdkRGBA     *fg,
           GArray            *xticks,
           GArray            *yticks)
{
  double ystep = yticks->len > 1 ? g_array_index (yticks, double, 1) - g_array_index (yticks, double, 0) : 1;
  double xstep = xticks->len > 1 ? g_array_index (xticks, double, 1) - g_array_index (xticks, double, 0) : 1;

  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < yticks->len; i++)
    {
      double v = g_array_index (yticks, double, i);
      double py = round (to_py (f, v)) + 0.5;
      g_autofree char *label = format_tick (v, ystep);

      set_color (cr, fg, 0.12);
      cairo_move_to (cr, f->left, py);
      cairo_line_to (cr, f->right, py);
      cairo_stroke (cr);
      set_color (cr, fg, 0.7);
      draw_text (self, cr, label, f->left - 8, py, 1, 0.5, TRUE);
    }

  for (guint i = 0; i < xticks->len; i++)
    {
      double v = g_array_index (xticks, double, i);
      double px = round (to_px (f, v)) + 0.5;
      g_autofree char *label = NULL;

      if (self->categories != NULL)
        {
          gint k = (gint) round (v);

          if (fabs (v - k) > 1e-9 || k < 0 || (guint) k >= g_strv_length (self->categories))
            continue;
          label = g_strdup (self->categories[k]);
        }
      else
        label = format_tick (v, xstep);
      set_color (cr, fg, 0.35);
      cairo_move_to (cr, px, f->bottom);
      cairo_line_to (cr, px, f->bottom + 5);
      cairo_stroke (cr);
      set_color (cr, fg, 0.7);
      draw_text (self, cr, label, px, f->bottom + 8, 0.5, 0, TRUE);
    }

  set_color (cr, fg, 0.45);
  cairo_move_to (cr, f->left + 0.5, f->top);
  cairo_line_to (cr, f->left + 0.5, f->bottom + 0.5);
  cairo_line_to (cr, f->right, f->bottom + 0.5);
  cairo_stroke (cr);

  set_color (cr, fg, 0.85);
  if (self->x_label != NULL)
    draw_text (self, cr, self->x_label, (f->left + f->right) / 2, f->bottom + 28, 0.5, 0, FALSE);
  if (self->y_label != NULL)
    draw_text (self, cr, self->y_label, f->left - 8, f->top - 12, 0, 1, FALSE);
}

static void
draw_legend (SluiceMetricChart *self,
             cairo_t           *cr,
             const Frame       *f,
             const GdkRGBA     *fg)
{
  double x = f->right;

  // Right-aligned, one swatch and label per series, above the plot.
  for (guint s = self->series->len; s > 0; s--)
    {
      Series *series = g_ptr_array_index (self->series, s - 1);
      g_autoptr(PangoLayout) layout = text_layout (self, series->label, TRUE);
      GdkRGBA color;
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      x -= w;
      set_color (cr, fg, 0.8);
      cairo_move_to (cr, x, f->top - 12 - h);
      pango_cairo_show_layout (cr, layout);
      series_color (s - 1, &color);
      set_color (cr, &color, 1);
      cairo_arc (cr, x - 9, f->top - 12 - h / 2.0, 4.5, 0, 2 * G_PI);
      cairo_fill (cr);
      x -= 28;
    }
}

static void
draw_series (SluiceMetricChart *self,
             cairo_t           *cr,
             const Frame       *f)
{
  g_array_set_size (self->drawn, 0);
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = g_ptr_array_index (self->series, s);
      gboolean pen_down = FALSE;
      GdkRGBA color;

      series_color (s, &color);
      set_color (cr, &color, 1);
      cairo_set_line_width (cr, 2);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      for (guint i = 0; i < series->x->len; i++)
        {
          double y = g_array_index (series->y, double, i);

          if (!isfinite (y))
            {
              pen_down = FALSE;
              continue;
            }
          if (pen_down)
            cairo_line_to (cr, to_px (f, g_array_index (series->x, double, i)), to_py (f, y));
          else
            cairo_move_to (cr, to_px (f, g_array_index (series->x, double, i)), to_py (f, y));
          pen_down = TRUE;
        }
      cairo_stroke (cr);

      for (guint i = 0; i < series->x->len; i++)
        {
          double y = g_array_index (series->y, double, i);
          DrawnPoint point;

          if (!isfinite (y))
            continue;
          point.x = to_px (f, g_array_index (series->x, double, i));
          point.y = to_py (f, y);
          point.series = s;
          point.index = i;
          g_array_append_val (self->drawn, point);
          cairo_arc (cr, point.x, point.y, 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
}

static void
draw_hover (SluiceMetricChart *self,
            cairo_t           *cr,
            const GdkRGBA     *fg,
            double             width)
{
  const DrawnPoint *p;
  Series *series;
  g_autofree char *value = NULL;
  g_autofree char *x_text = NULL;
  g_autofree char *text = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  double x, bx, by;
  int w, h;
  GdkRGBA color;

  if (self->hover < 0 || (guint) self->hover >= self->drawn->len)
    return;

  p = &g_array_index (self->drawn, DrawnPoint, self->hover);
  series = g_ptr_array_index (self->series, p->series);
  x = g_array_index (series->x, double, p->index);
  value = format_value (g_array_index (series->y, double, p->index));
  if (self->categories != NULL && x >= 0 && (guint) x < g_strv_length (self->categories))
    x_text = g_strdup (self->categories[(guint) x]);
  else
    x_text = g_strdup_printf ("%s %.6g", self->x_label ? self->x_label : "x", x);
  text = g_strdup_printf ("%s\n%s: %s", series->label, x_text, value);

  series_color (p->series, &color);
  set_color (cr, &color, 1);
  cairo_set_line_width (cr, 2);
  cairo_arc (cr, p->x, p->y, 6.5, 0, 2 * G_PI);
  cairo_stroke (cr);

  // A tooltip-like box beside the point, kept inside the widget.
  layout = text_layout (self, text, TRUE);
  pango_layout_get_pixel_size (layout, &w, &h);
  bx = p->x + 12 + w + 16 > width ? p->x - 12 - w - 16 : p->x + 12;
  by = MAX (p->y - h - 20, 4);
  cairo_new_sub_path (cr);
  cairo_arc (cr, bx + w + 16 - 6, by + 6, 6, -G_PI / 2, 0);
  cairo_arc (cr, bx + w + 16 - 6, by + h + 12 - 6, 6, 0, G_PI / 2);
  cairo_arc (cr, bx + 6, by + h + 12 - 6, 6, G_PI / 2, G_PI);
  cairo_arc (cr, bx + 6, by + 6, 6, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, bx + 8, by + 6);
  pango_cairo_show_layout (cr, layout);
  (void) fg;
}

static gboolean
x_is_whole (SluiceMetricChart *self)
{
  for (guint s = 0; s < self->series->len; s++)
    {
      Series *series = g_ptr_array_index (self->series, s);

      for (guint i = 0; i < series->x->len; i++)
        if (g_array_index (series->x, double, i) != floor (g_array_index (series->x, double, i)))
          return FALSE;
    }
  return TRUE;
}

static void
sluice_metric_chart_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  SluiceMetricChart *self = SLUICE_METRIC_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  g_autoptr(GArray) xticks = NULL;
  g_autoptr(GArray) yticks = NULL;
  cairo_t *cr;
  GdkRGBA fg;
  Frame f;

  foreground (self, &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!data_range (self, &f.x0, &f.x1, &f.y0, &f.y1))
    {
      set_color (cr, &fg, 0.55);
      draw_text (self, cr, _("No values to chart"), width / 2, height / 2, 0.5, 0.5, FALSE);
      g_array_set_size (self->drawn, 0);
      cairo_destroy (cr);
      return;
    }

  yticks = sluice_metric_chart_nice_ticks (f.y0, f.y1, 5);
  f.y0 = g_array_index (yticks, double, 0);
  f.y1 = g_array_index (yticks, double, yticks->len - 1);
  if (self->categories != NULL)
    {
      // Runs are categories: whole steps, half a step of room either side.
      xticks = g_array_new (FALSE, FALSE, sizeof (double));
      for (guint i = 0; self->categories[i] != NULL; i++)
        {
          double v = i;
          g_array_append_val (xticks, v);
        }
      f.x0 -= 0.5;
      f.x1 += 0.5;
    }
  else if (x_is_whole (self) && f.x1 - f.x0 <= 12)
    {
      // Step indices: a tick per step, never half a step.
      xticks = g_array_new (FALSE, FALSE, sizeof (double));
      for (double v = f.x0; v <= f.x1; v++)
        g_array_append_val (xticks, v);
      if (f.x1 - f.x0 < 1)
        {
          f.x0 -= 0.5;
          f.x1 += 0.5;
        }
    }
  else
    {
      xticks = sluice_metric_chart_nice_ticks (f.x0, f.x1, 6);
      f.x0 = g_array_index (xticks, double, 0);
      f.x1 = g_array_index (xticks, double, xticks->len - 1);
    }

  f.left = MARGIN_LEFT;
  f.right = MAX (width - MARGIN_RIGHT, f.left + 10);
  f.top = MARGIN_TOP + 12;
  f.bottom = MAX (height - MARGIN_BOTTOM, f.top + 10);

  draw_axes (self, cr, &f, &fg, xticks, yticks);
  draw_legend (self, cr, &f, &fg);
  draw_series (self, cr, &f);
  draw_hover (self, cr, &fg, width);
  cairo_destroy (cr);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SluiceMetricChart        *self)
{
  gint hover = -1;
  double best = HOVER_RADIUS * HOVER_RADIUS;

  for (guint i = 0; i < self->drawn->len; i++)
    {
      const DrawnPoint *p = &g_array_index (self->drawn, DrawnPoint, i);
      double d = (p->x - x) * (p->x - x) + (p->y - y) * (p->y - y);

      if (d <= best)
        {
          best = d;
          hover = (gint) i;
        }
    }
  if (hover != self->hover)
    {
      self->hover = hover;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_leave (GtkEventControllerMotion *controller,
          SluiceMetricChart        *self)
{
  if (self->hover != -1)
    {
      self->hover = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
sluice_metric_chart_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 200;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 560 : 280;
}

static void
sluice_metric_chart_finalize (GObject *object)
{
  SluiceMetricChart *self = SLUICE_METRIC_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->drawn, g_array_unref);
  g_clear_pointer (&self->categories, g_strfreev);
  g_free (self->x_label);
  g_free (self->y_label);

  G_OBJECT_CLASS (sluice_metric_chart_parent_class)->finalize (object);
}

static void
sluice_metric_chart_class_init (SluiceMetricChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sluice_metric_chart_finalize;
  widget_class->snapshot = sluice_metric_chart_snapshot;
  widget_class->measure = sluice_metric_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "metric-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sluice_metric_chart_init (SluiceMetricChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->drawn = g_array_new (FALSE, FALSE, sizeof (DrawnPoint));
  self->hover = -1;
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
sluice_metric_chart_new (void)
{
  return g_object_new (SLUICE_TYPE_METRIC_CHART, NULL);
}

void
sluice_metric_chart_clear (SluiceMetricChart *self)
{
  g_return_if_fail (SLUICE_IS_METRIC_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  g_array_set_size (self->drawn, 0);
  self->hover = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sluice_metric_chart_set_axis_labels (SluiceMetricChart *self,
                                     const char        *x_label,
                                     const char        *y_label)
{
  g_return_if_fail (SLUICE_IS_METRIC_CHART (self));

  g_free (self->x_label);
  g_free (self->y_label);
  self->x_label = g_strdup (x_label);
  self->y_label = g_strdup (y_label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sluice_metric_chart_set_categories (SluiceMetricChart  *self,
                                    const char * const *names)
{
  g_return_if_fail (SLUICE_IS_METRIC_CHART (self));

  g_clear_pointer (&self->categories, g_strfreev);
  self->categories = g_strdupv ((char **) names);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sluice_metric_chart_add_series (SluiceMetricChart *self,
                                const char        *label,
                                const double      *x,
                                const double      *y,
                                guint              n)
{
  Series *series;

  g_return_if_fail (SLUICE_IS_METRIC_CHART (self));
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  series = g_new0 (Series, 1);
  series->label = g_strdup (label ? label : "");
  series->x = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  series->y = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  g_array_append_vals (series->x, x, n);
  g_array_append_vals (series->y, y, n);
  g_ptr_array_add (self->series, series);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
sluice_metric_chart_get_n_series (SluiceMetricChart *self)
{
  g_return_val_if_fail (SLUICE_IS_METRIC_CHART (self), 0);
  return self->series->len;
}

gboolean
sluice_metric_chart_get_point_position (SluiceMetricChart *self,
                                        guint              series,
                                        guint              index,
                                        double            *x,
                                        double            *y)
{
  g_return_val_if_fail (SLUICE_IS_METRIC_CHART (self), FALSE);

  for (guint i = 0; i < self->drawn->len; i++)
    {
      const DrawnPoint *p = &g_array_index (self->drawn, DrawnPoint, i);

      if (p->series == series && p->index == index)
        {
          *x = p->x;
          *y = p->y;
          return TRUE;
        }
    }
  return FALSE;
}

char *
sluice_metric_chart_dup_hover (SluiceMetricChart *self)
{
  const DrawnPoint *p;

  g_return_val_if_fail (SLUICE_IS_METRIC_CHART (self), NULL);

  if (self->hover < 0 || (guint) self->hover >= self->drawn->len)
    return NULL;
  p = &g_array_index (self->drawn, DrawnPoint, self->hover);
  return g_strdup_printf ("%u:%u", p->series, p->index);
}
