// SPDX-License-Identifier: GPL-3.0-or-later
//
// The pipeline canvas: one scrollable widget that draws every node, port
// and link itself in snapshot() (no widget per node), like papers' PpsView.
// Each node's drawing is kept as a render node and reused until something
// that shows on it changes, as sysprof's flame graph does, so a drag only
// re-translates cached nodes.

#include "config.h"

#include <adwaita.h>
#include <cairo-svg.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "sluice-canvas.h"
#include "sluice-widget-private.h"
#include "sluice.h"

#define MIN_ZOOM     0.15
#define MAX_ZOOM     3.0
#define VIEW_MARGIN  600.0
#define GRID         24.0
#define ARROW_STEP   10.0
#define LOD_ZOOM     0.35   // below this, node text is unreadable: nodes are drawn as blocks

typedef enum
{
  DRAG_NONE,
  DRAG_MOVE,
  DRAG_LINK,
  DRAG_RUBBER,
  DRAG_PAN,
  DRAG_RESIZE,
} DragMode;

typedef struct
{
  guint          key;
  GskRenderNode *node;
} CachedNode;

// Where the view is: what a picture kept from an earlier frame was made for.
typedef struct
{
  double h;
  double v;
  double zoom;
  int    width;
  int    height;
} ViewKey;

struct _SluiceCanvas
{
  GtkWidget       parent_instance;

  SluiceDocument *document;
  gulong          changed_handler;
  gulong          selection_handler;
  GtkAdjustment  *hadjustment;
  GtkAdjustment  *vadjustment;
  guint           hscroll_policy : 1;
  guint           vscroll_policy : 1;
  double          zoom;
  GHashTable     *node_cache;       // step id -> CachedNode*
  GHashTable     *error_steps;      // step ids with validation errors, or NULL when stale

  DragMode        drag_mode;
  double          drag_x;           // where the drag started, widget coordinates
  double          drag_y;
  double          drag_done_x;      // model distance already applied to a move
  double          drag_done_y;
  double          pan_h;
  double          pan_v;
  char           *link_step;        // output end of the link being drawn
  char           *link_port;
  double          pointer_x;        // model coordinates
  double          pointer_y;
  gboolean        link_in_group;    // a re-route: taking the link off is part of the same undo step
  gboolean        space_held;
  double          pinch_scale;      // scale of the pinch gesture at the last update
  gboolean        fit_pending;      // zoom to fit once the widget has a size
  gboolean        snap_to_grid;
  gboolean        read_only;        // a past run's pipeline: look, select, pan, never change
  GtkDropTarget  *drop;             // components dropped from a palette
  char           *hover_link_step;  // the link under the pointer (its input end)
  char           *hover_link_port;
  char          **drag_items;       // what a move drags: the selection and what its frames hold
  char           *resize_id;        // the note or frame being resized
  SluiceRect      resize_start;
  double          context_x;        // where the context menu was opened, model coordinates
  double          context_y;
  GtkWidget      *context_menu;
  GskRenderNode  *minimap_cache;    // the minimap's nodes, see minimap_nodes()
  guint           minimap_cache_key;
  FILE           *frame_stats;      // SLUICE_FRAME_STATS: one line per painted frame
  gint64          paint_start;
  gint64          paint_start_cpu;
  gint64          last_paint;
  gint64          snapshot_us;
  gboolean        first_frame_logged;

  // A run's states over the nodes (live or past), or NULL.
  SluiceRunStatus *run_status;
  gulong           run_status_handler;
  guint            run_tick;        // animates running nodes while any run
  gint64           run_frame_time;  // of the last animation frame
  guint            generation;      // counts changes of the run status and of the document shown
  gboolean         in_view_known;   // running_in_view()'s answer, for the view and generation below
  gboolean         in_view;
  ViewKey          in_view_view;
  guint            in_view_generation;
  guint            in_view_revision;
  GskRenderNode   *links_cache;     // the links that do not move, see append_links()
  GArray          *links_cache_shapes;
  ViewKey          links_cache_view;
};

static void scrollable_iface_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SluiceCanvas, sluice_canvas, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, scrollable_iface_init))

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_ZOOM,
  PROP_READ_ONLY,
  N_PROPS,
  PROP_HADJUSTMENT,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

enum {
  MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
scrollable_iface_init (GtkScrollableInterface *iface)
{
}

static void
cached_node_free (gpointer data)
{
  CachedNode *cached = data;

  g_clear_pointer (&cached->node, gsk_render_node_unref);
  g_free (cached);
}

/* coordinates ---------------------------------------------------------------------- */

static double
adjustment_value (GtkAdjustment *adjustment)
{
  return adjustment ? gtk_adjustment_get_value (adjustment) : 0;
}

static void
view_to_model (SluiceCanvas *self,
               double        vx,
               double        vy,
               double       *mx,
               double       *my)
{
  *mx = (vx + adjustment_value (self->hadjustment)) / self->zoom;
  *my = (vy + adjustment_value (self->vadjustment)) / self->zoom;
}

static void
configure_adjustment (GtkAdjustment *adjustment,
                      double         lower,
                      double         upper,
                      double         page,
                      double         value)
{
  if (adjustment == NULL)
    return;

  // The scrollable area covers the pipeline with a margin, and always the
  // current view, so that nothing jumps when nodes move out of the bounds.
  lower = MIN (lower, value);
  upper = MAX (upper, value + page);
  gtk_adjustment_configure (adjustment, value, lower, upper, 40, page * 0.9, page);
}

static void
update_adjustments (SluiceCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  SluiceRect bounds = { 0, 0, 0, 0 };

  if (self->document != NULL)
    sluice_document_get_bounds (self->document, &bounds);

  configure_adjustment (self->hadjustment, (bounds.x - VIEW_MARGIN) * self->zoom,
                        (bounds.x + bounds.width + VIEW_MARGIN) * self->zoom, width,
                        adjustment_value (self->hadjustment));
  configure_adjustment (self->vadjustment, (bounds.y - VIEW_MARGIN) * self->zoom,
                        (bounds.y + bounds.height + VIEW_MARGIN) * self->zoom, height,
                        adjustment_value (self->vadjustment));
}

/* colours ------------------------------------------------------------------------------- */

static gboolean
is_dark (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ());
}

static void
rgba (GdkRGBA *color,
      guint32  hex,
      float    alpha)
{
  color->red = ((hex >> 16) & 0xff) / 255.f;
  color->green = ((hex >> 8) & 0xff) / 255.f;
  color->blue = (hex & 0xff) / 255.f;
  color->alpha = alpha;
}

// GNOME palette colours, one per kind of data, so a link's type shows at a
// glance and matches its ports.
static void
port_color (const char *type,
            GdkRGBA    *color)
{
  if (g_strcmp0 (type, "mltable") == 0)
    rgba (color, 0x3584e4, 1);
  else if (g_strcmp0 (type, "uri_folder") == 0)
    rgba (color, 0xf6d32d, 1);
  else if (g_strcmp0 (type, "uri_file") == 0)
    rgba (color, 0xff7800, 1);
  else if (g_strcmp0 (type, "custom_model") == 0 || g_strcmp0 (type, "mlflow_model") == 0)
    rgba (color, 0x9141ac, 1);
  else if (sluice_port_type_is_parameter (type))
    rgba (color, 0x9a9996, 1);
  else
    rgba (color, 0x33d17a, 1);
}

static void
category_color (const char *category,
                GdkRGBA    *color)
{
  static const guint32 hues[] = { 0x1c71d8, 0x26a269, 0xe5a50a, 0xc64600, 0x813d9c, 0x63452c, 0x2190a4 };

  rgba (color, hues[g_str_hash (category ? category : "") % G_N_ELEMENTS (hues)], 1);
}

/* run states ---------------------------------------------------------------------------- */

typedef struct
{
  guint32     color;
  const char *glyph;
  const char *label;   // shown when there is no time to show
} StateLook;

static StateLook
state_look (SluiceState state)
{
  switch (state)
    {
    case SLUICE_STATE_QUEUED:
      return (StateLook) { 0x9a9996, "◷", N_("queued") };
    case SLUICE_STATE_RUNNING:
      return (StateLook) { 0x3584e4, "▶", N_("running") };
    case SLUICE_STATE_SUCCEEDED:
      return (StateLook) { 0x26a269, "✓", N_("succeeded") };
    case SLUICE_STATE_FAILED:
      return (StateLook) { 0xe01b24, "✕", N_("failed") };
    case SLUICE_STATE_CANCELLED:
      return (StateLook) { 0x77767b, "⊘", N_("cancelled") };
    case SLUICE_STATE_SKIPPED:
      return (StateLook) { 0x9a9996, "↷", N_("skipped") };
    case SLUICE_STATE_REUSED:
      return (StateLook) { 0x2190a4, "↺", N_("reused") };
    case SLUICE_STATE_INTERRUPTED:
      return (StateLook) { 0xe66100, "!", N_("interrupted") };
    case SLUICE_STATE_PENDING:
    default:
      return (StateLook) { 0, NULL, NULL };
    }
}

static char *
format_elapsed (gint64 usec)
{
  gint64 seconds = MAX (usec, 0) / G_USEC_PER_SEC;

  if (usec < 10 * G_USEC_PER_SEC)
    return g_strdup_printf ("%.1fs", MAX (usec, 0) / (double) G_USEC_PER_SEC);
  if (seconds < 3600)
    return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
  return g_strdup_printf ("%dh%02dm", (int) (seconds / 3600), (int) ((seconds % 3600) / 60));
}

// What the badge of a step says: its state, how long it took or has been
// going, and its attempt once there is more than one.
static char *
state_text (SluiceRunStatus *status,
            const char      *step_id)
{
  SluiceState state = sluice_run_status_get_step_state (status, step_id);
  StateLook look = state_look (state);
  gint64 started = sluice_run_status_get_step_started_at (status, step_id);
  gint64 finished = sluice_run_status_get_step_finished_at (status, step_id);
  guint attempt = sluice_run_status_get_step_attempt (status, step_id);
  g_autofree char *time = NULL;
  g_autofree char *tries = NULL;

  if (look.glyph == NULL)
    return NULL;
  if (started != 0 && (state == SLUICE_STATE_RUNNING || state == SLUICE_STATE_SUCCEEDED ||
                       state == SLUICE_STATE_FAILED))
    time = format_elapsed ((finished != 0 ? finished : g_get_real_time ()) - started);
  if (attempt > 1)
    tries = g_strdup_printf (_("try %u"), attempt);
  return g_strdup_printf ("%s %s%s%s", look.glyph, time ? time : _(look.label), tries ? " · " : "", tries ? tries : "");
}

static void
append_badge (GtkSnapshot *snapshot,
              GtkWidget   *widget,
              const char  *text,
              guint32      color,
              double       right,
              double       center_y,
              double      *width_out)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  g_autofree char *markup = g_markup_printf_escaped ("<span size='small' weight='bold'>%s</span>", text);
  PangoRectangle extents;
  GskRoundedRect pill;
  GdkRGBA fill, ink;
  double w, h;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_extents (layout, NULL, &extents);
  w = extents.width + 14;
  h = extents.height + 4;
  rgba (&fill, 0xffffff, 0.94f);
  rgba (&ink, color, 1);
  gsk_rounded_rect_init_from_rect (&pill, &GRAPHENE_RECT_INIT (right - w, center_y - h / 2, w, h), h / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, &fill, &pill.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (right - w + 7, center_y - extents.height / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, &ink);
  gtk_snapshot_restore (snapshot);
  *width_out = w;
}

// A ring around the node in its state's colour; dashed for a reused step,
// which did not run.
static void
append_state_ring (GtkSnapshot *snapshot,
                   SluiceRect  *rect,
                   SluiceState  state,
                   guint32      color)
{
  const double gap = 3.5;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (-gap - 2, -gap - 2, rect->width + 2 * gap + 4, rect->height + 2 * gap + 4);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &bounds);
  double dashes[] = { 7, 5 };
  GdkRGBA ring;

  rgba (&ring, color, state == SLUICE_STATE_QUEUED ? 0.6f : 1);
  cairo_new_sub_path (cr);
  cairo_arc (cr, rect->width + gap - 10, -gap + 10, 10, -G_PI / 2, 0);
  cairo_arc (cr, rect->width + gap - 10, rect->height + gap - 10, 10, 0, G_PI / 2);
  cairo_arc (cr, -gap + 10, rect->height + gap - 10, 10, G_PI / 2, G_PI);
  cairo_arc (cr, -gap + 10, -gap + 10, 10, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  if (state == SLUICE_STATE_REUSED || state == SLUICE_STATE_QUEUED)
    cairo_set_dash (cr, dashes, 2, 0);
  cairo_set_line_width (cr, state == SLUICE_STATE_QUEUED ? 1.5 : 2.5);
  gdk_cairo_set_source_rgba (cr, &ring);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

/* drawing a node ---------------------------------------------------------------------- */

static void
append_text (GtkSnapshot *snapshot,
             GtkWidget   *widget,
             const char  *text,
             double       x,
             double       y,
             double       width,
             gboolean     bold,
             gboolean     right,
             GdkRGBA     *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoRectangle extents;

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);

      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_get_pixel_extents (layout, NULL, &extents);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y - extents.height / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
append_port (GtkSnapshot *snapshot,
             const char  *type,
             double       x,
             double       y,
             gboolean     dim)
{
  GskRoundedRect shape;
  GdkRGBA color;
  double r = SLUICE_PORT_RADIUS;
  // Artifacts are round, parameters square: the shape tells the kind even
  // to someone who cannot tell the colours apart.
  double corner = sluice_port_type_is_parameter (type) ? 2 : r;

  port_color (type, &color);
  if (dim)
    color.alpha = 0.25f;
  gsk_rounded_rect_init_from_rect (&shape, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), corner);
  gtk_snapshot_push_rounded_clip (snapshot, &shape);
  gtk_snapshot_append_color (snapshot, &color, &shape.bounds);
  gtk_snapshot_pop (snapshot);
}

static gboolean
port_shown (SluiceStep           *step,
            const SluicePortSpec *spec,
            gboolean              output)
{
  const SluiceBinding *binding;

  if (output || !sluice_port_type_is_parameter (spec->type))
    return TRUE;
  binding = sluice_step_get_input (step, spec->name);
  return binding != NULL && binding->kind == SLUICE_BINDING_STEP_OUTPUT;
}

static void
draw_ports (SluiceCanvas    *self,
            GtkSnapshot     *snapshot,
            SluiceStep      *step,
            SluiceComponent *component,
            gboolean         output,
            double           width)
{
  GPtrArray *specs = output ? sluice_component_get_outputs (component) : sluice_component_get_inputs (component);
  GdkRGBA text;
  guint row = 0;

  rgba (&text, is_dark () ? 0xdeddda : 0x3d3846, 1);
  for (guint i = 0; i < specs->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (specs, i);
      double y = SLUICE_NODE_HEADER + (row + 0.5) * SLUICE_NODE_PORT_ROW;

      if (!port_shown (step, spec, output))
        continue;
      append_port (snapshot, spec->type, output ? width : 0, y, FALSE);
      append_text (snapshot, GTK_WIDGET (self), spec->name, output ? width / 2 : 12, y, width / 2 - 12,
                   FALSE, output, &text);
      row++;
    }
}

static GskRenderNode *
render_node (SluiceCanvas *self,
             SluiceStep   *step,
             SluiceRect   *rect,
             gboolean      selected,
             gboolean      has_error)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  SluiceComponent *component = sluice_document_get_component (self->document, step);
  const char *title = sluice_step_get_display_name (step);
  SluiceState state = self->run_status ? sluice_run_status_get_step_state (self->run_status, sluice_step_get_id (step))
                                       : SLUICE_STATE_PENDING;
  StateLook look = state_look (state);
  g_autofree char *badge = self->run_status ? state_text (self->run_status, sluice_step_get_id (step)) : NULL;
  double badge_width = 0;
  GskRoundedRect body, header;
  GdkRGBA card, band, title_color, border;
  float widths[4];
  GdkRGBA borders[4];

  // A skipped step never got its turn: it fades, like something disabled.
  if (state == SLUICE_STATE_SKIPPED || state == SLUICE_STATE_CANCELLED)
    gtk_snapshot_push_opacity (snapshot, 0.55);
  if (look.glyph != NULL)
    append_state_ring (snapshot, rect, state, look.color);

  rgba (&card, is_dark () ? 0x303030 : 0xffffff, 1);
  category_color (component ? sluice_component_get_category (component) : NULL, &band);
  rgba (&title_color, 0xffffff, 1);
  if (has_error)
    rgba (&border, 0xe01b24, 1);
  else if (selected)
    rgba (&border, 0x3584e4, 1);
  else
    rgba (&border, is_dark () ? 0x5e5c64 : 0xc0bfbc, 1);

  gsk_rounded_rect_init_from_rect (&body, &GRAPHENE_RECT_INIT (0, 0, rect->width, rect->height), 8);
  gtk_snapshot_push_rounded_clip (snapshot, &body);
  gtk_snapshot_append_color (snapshot, &card, &body.bounds);
  gsk_rounded_rect_init_from_rect (&header, &GRAPHENE_RECT_INIT (0, 0, rect->width, SLUICE_NODE_HEADER - 6), 0);
  gtk_snapshot_append_color (snapshot, &band, &header.bounds);
  gtk_snapshot_pop (snapshot);

  for (guint i = 0; i < 4; i++)
    widths[i] = selected || has_error ? 2.5f : 1.0f, borders[i] = border;
  gtk_snapshot_append_border (snapshot, &body, widths, borders);

  if (badge != NULL)
    append_badge (snapshot, GTK_WIDGET (self), badge, look.color, rect->width - 6, (SLUICE_NODE_HEADER - 6) / 2.0,
                  &badge_width);
  if (title == NULL)
    title = component ? sluice_component_get_display_name (component) : sluice_step_get_id (step);
  append_text (snapshot, GTK_WIDGET (self), title, 12, (SLUICE_NODE_HEADER - 6) / 2.0,
               rect->width - 24 - (badge_width > 0 ? badge_width + 4 : 0), TRUE, FALSE, &title_color);

  if (component != NULL)
    {
      draw_ports (self, snapshot, step, component, FALSE, rect->width);
      draw_ports (self, snapshot, step, component, TRUE, rect->width);
    }
  else
    {
      GdkRGBA warning;

      rgba (&warning, 0xe01b24, 1);
      append_text (snapshot, GTK_WIDGET (self), _("Unknown component"), 12,
                   SLUICE_NODE_HEADER + SLUICE_NODE_PORT_ROW / 2, rect->width - 24, FALSE, FALSE, &warning);
    }

  if (state == SLUICE_STATE_SKIPPED || state == SLUICE_STATE_CANCELLED)
    gtk_snapshot_pop (snapshot);
  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

// What a node's picture depends on, apart from where it is.
static guint
node_key (SluiceCanvas *self,
          SluiceStep   *step,
          gboolean      selected,
          gboolean      has_error)
{
  GPtrArray *inputs = sluice_step_get_inputs (step);
  guint key = g_str_hash (sluice_step_get_component_ref (step) ? sluice_step_get_component_ref (step) : "");

  key = key * 31 + (sluice_step_get_display_name (step) ? g_str_hash (sluice_step_get_display_name (step)) : 0);
  key = key * 31 + (selected ? 1 : 0) + (has_error ? 2 : 0) + (is_dark () ? 4 : 0);
  for (guint i = 0; i < inputs->len; i++)
    {
      const SluiceBinding *b = g_ptr_array_index (inputs, i);

      key = key * 31 + g_str_hash (b->port) + b->kind;
    }
  if (self->run_status != NULL)
    {
      const char *id = sluice_step_get_id (step);
      SluiceState state = sluice_run_status_get_step_state (self->run_status, id);
      gint64 started = sluice_run_status_get_step_started_at (self->run_status, id);
      gint64 finished = sluice_run_status_get_step_finished_at (self->run_status, id);

      key = key * 31 + 1 + state;
      key = key * 31 + sluice_run_status_get_step_attempt (self->run_status, id);
      key = key * 31 + (guint) (finished - started);
      // A running step's clock moves: its picture changes (at most) every
      // tenth of a second under 10 s, then every second.
      if (state == SLUICE_STATE_RUNNING && started != 0)
        {
          gint64 elapsed = g_get_real_time () - started;

          key = key * 31 + (guint) (elapsed < 10 * G_USEC_PER_SEC ? elapsed / (G_USEC_PER_SEC / 10)
                                                                  : elapsed / G_USEC_PER_SEC);
        }
    }
  return key;
}

static gboolean
step_has_error (SluiceCanvas *self,
                const char   *step_id)
{
  if (self->error_steps == NULL)
    {
      GPtrArray *problems = sluice_document_get_problems (self->document);

      self->error_steps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < problems->len; i++)
        {
          const SluiceProblem *p = g_ptr_array_index (problems, i);
          g_auto(GStrv) parts = NULL;

          if (p->severity != SLUICE_SEVERITY_ERROR || !g_str_has_prefix (p->pointer, "/jobs/"))
            continue;
          parts = g_strsplit (p->pointer + strlen ("/jobs/"), "/", 2);
          g_hash_table_add (self->error_steps, g_strdup (parts[0]));
        }
    }
  return g_hash_table_contains (self->error_steps, step_id);
}

static GskRenderNode *
cached_node (SluiceCanvas *self,
             SluiceStep   *step,
             SluiceRect   *rect)
{
  const char *id = sluice_step_get_id (step);
  gboolean selected = sluice_document_is_selected (self->document, id);
  gboolean has_error = step_has_error (self, id);
  guint key = node_key (self, step, selected, has_error);
  CachedNode *cached = g_hash_table_lookup (self->node_cache, id);

  if (cached == NULL)
    {
      cached = g_new0 (CachedNode, 1);
      g_hash_table_insert (self->node_cache, g_strdup (id), cached);
    }
  if (cached->node == NULL || cached->key != key)
    {
      g_clear_pointer (&cached->node, gsk_render_node_unref);
      cached->node = render_node (self, step, rect, selected, has_error);
      cached->key = key;
    }
  return cached->node;
}

// A node far zoomed out: its card and coloured band, no text or ports.
// Thousands of nodes are then on screen, and text is what costs.
static void
append_node_block (SluiceCanvas *self,
                   GtkSnapshot  *snapshot,
                   SluiceStep   *step,
                   SluiceRect   *rect)
{
  SluiceComponent *component = sluice_document_get_component (self->document, step);
  const char *id = sluice_step_get_id (step);
  GdkRGBA card, band;

  rgba (&card, is_dark () ? 0x303030 : 0xffffff, 1);
  if (step_has_error (self, id))
    rgba (&band, 0xe01b24, 1);
  else if (sluice_document_is_selected (self->document, id))
    rgba (&band, 0x3584e4, 1);
  else
    category_color (component ? sluice_component_get_category (component) : NULL, &band);
  gtk_snapshot_append_color (snapshot, &card, &GRAPHENE_RECT_INIT (0, 0, rect->width, rect->height));
  gtk_snapshot_append_color (snapshot, &band, &GRAPHENE_RECT_INIT (0, 0, rect->width, SLUICE_NODE_HEADER - 6));
}

/* drawing links --------------------------------------------------------------------------- */

// Whether the box around the curve's control points (which holds the
// curve) meets the view: cairo would clip the rest, but only after
// flattening every curve of a big pipeline.
static gboolean
link_visible (double                 x1,
              double                 y1,
              double                 x2,
              double                 y2,
              const graphene_rect_t *visible)
{
  double d = MAX (40.0, fabs (x2 - x1) / 2), margin = 6;

  return MAX (x2, x1 + d) + margin >= visible->origin.x &&
         MIN (x1, x2 - d) - margin <= visible->origin.x + visible->size.width &&
         MAX (y1, y2) + margin >= visible->origin.y &&
         MIN (y1, y2) - margin <= visible->origin.y + visible->size.height;
}

// The same test from the two nodes' boxes alone, which are cached: most
// links of a big pipeline are out of view and skipped before their ports
// are looked up.
static gboolean
link_may_be_visible (SluiceCanvas          *self,
                     const char            *from_step,
                     const char            *to_step,
                     const graphene_rect_t *visible)
{
  SluiceRect from, to;

  if (!sluice_document_get_node_rect (self->document, from_step, &from) ||
      !sluice_document_get_node_rect (self->document, to_step, &to))
    return FALSE;
  return link_visible (from.x + from.width, MIN (from.y, to.y),
                       to.x, MAX (from.y + from.height, to.y + to.height), visible);
}

static void
bezier (cairo_t *cr,
        double   x1,
        double   y1,
        double   x2,
        double   y2)
{
  // The same curve hit testing uses in sluice-document.c.
  double d = MAX (40.0, fabs (x2 - x1) / 2);

  cairo_move_to (cr, x1, y1);
  cairo_curve_to (cr, x1 + d, y1, x2 - d, y2, x2, y2);
}

// During and after a run a link shows whether its data exists: solid and
// strong once its artifact is produced (or reused), dashed and faint while
// it is not, with the dashes marching while its step is at work.
typedef enum
{
  LINK_EDITING,    // no run shown
  LINK_PRODUCED,
  LINK_WAITING,
  LINK_MARCHING,
} LinkLook;

// One link as it is drawn, in model coordinates: two equal shapes draw the
// same pixels (but for a marching one, whose dashes move with the clock).
typedef struct
{
  double   x1, y1, x2, y2;
  GdkRGBA  color;
  gboolean selected;
  LinkLook look;
} LinkShape;

static gboolean
link_shape_equal (const LinkShape *a,
                  const LinkShape *b)
{
  return a->x1 == b->x1 && a->y1 == b->y1 && a->x2 == b->x2 && a->y2 == b->y2 &&
         gdk_rgba_equal (&a->color, &b->color) && a->selected == b->selected && a->look == b->look;
}

static LinkLook
run_link_look (SluiceCanvas *self,
               SluiceStep   *from,
               const char   *port)
{
  const char *id = sluice_step_get_id (from);
  SluiceState state = sluice_run_status_get_step_state (self->run_status, id);

  if (sluice_state_is_done (state) || sluice_run_status_get_output_hash (self->run_status, id, port) != NULL)
    return LINK_PRODUCED;
  return state == SLUICE_STATE_RUNNING ? LINK_MARCHING : LINK_WAITING;
}

// visible: the part of the pipeline in view, or NULL for all of it.
static GArray *
collect_links (SluiceCanvas          *self,
               const graphene_rect_t *visible)
{
  SluicePipeline *pipeline = sluice_document_get_pipeline (self->document);
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);
  GArray *links = g_array_new (FALSE, FALSE, sizeof (LinkShape));
  const char *link_step = NULL, *link_port = NULL;

  sluice_document_get_selected_link (self->document, &link_step, &link_port);
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      GPtrArray *inputs = sluice_step_get_inputs (step);

      for (guint j = 0; j < inputs->len; j++)
        {
          const SluiceBinding *b = g_ptr_array_index (inputs, j);
          SluiceStep *from;
          SluiceComponent *component;
          const SluicePortSpec *spec;
          LinkShape link;

          if (b->kind != SLUICE_BINDING_STEP_OUTPUT ||
              !(from = sluice_pipeline_find_step (pipeline, b->step)) ||
              (visible != NULL && !link_may_be_visible (self, b->step, sluice_step_get_id (step), visible)) ||
              !sluice_document_get_port_point (self->document, b->step, TRUE, b->name, &link.x1, &link.y1) ||
              !sluice_document_get_port_point (self->document, sluice_step_get_id (step), FALSE, b->port, &link.x2, &link.y2))
            continue;
          if (visible != NULL && !link_visible (link.x1, link.y1, link.x2, link.y2, visible))
            continue;

          component = sluice_document_get_component (self->document, from);
          spec = component ? sluice_component_find_output (component, b->name) : NULL;
          port_color (spec ? spec->type : NULL, &link.color);
          link.selected = (g_strcmp0 (link_step, sluice_step_get_id (step)) == 0 &&
                           g_strcmp0 (link_port, b->port) == 0) ||
                          (g_strcmp0 (self->hover_link_step, sluice_step_get_id (step)) == 0 &&
                           g_strcmp0 (self->hover_link_port, b->port) == 0);
          link.look = self->run_status != NULL ? run_link_look (self, from, b->name) : LINK_EDITING;
          g_array_append_val (links, link);
        }
    }
  return links;
}

static void
stroke_link (SluiceCanvas    *self,
             cairo_t         *cr,
             const LinkShape *link)
{
  const GdkRGBA *color = &link->color;
  double dashes[] = { 6, 6 };

  bezier (cr, link->x1, link->y1, link->x2, link->y2);
  switch (link->look)
    {
    case LINK_PRODUCED:
      cairo_set_line_width (cr, link->selected ? 5 : 3.5);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, 1);
      break;
    case LINK_MARCHING:
      {
        GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
        gint64 now = clock ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();

        cairo_set_dash (cr, dashes, 2, -fmod (now / 1000.0 * 0.03, 12.0));
        cairo_set_line_width (cr, link->selected ? 5 : 2.5);
        cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.9);
      }
      break;
    case LINK_WAITING:
      cairo_set_dash (cr, dashes, 2, 0);
      cairo_set_line_width (cr, link->selected ? 5 : 2);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, link->selected ? 1 : 0.45);
      break;
    case LINK_EDITING:
    default:
      cairo_set_line_width (cr, link->selected ? 5 : 2.5);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, link->selected ? 1 : 0.85);
      break;
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

// The link being drawn, from its output to the pointer.
static void
draw_new_link (SluiceCanvas *self,
               cairo_t      *cr)
{
  double x1, y1;
  double dashes[] = { 6, 4 };

  if (self->drag_mode != DRAG_LINK ||
      !sluice_document_get_port_point (self->document, self->link_step, TRUE, self->link_port, &x1, &y1))
    return;
  bezier (cr, x1, y1, self->pointer_x, self->pointer_y);
  cairo_set_dash (cr, dashes, 2, 0);
  cairo_set_line_width (cr, 2.5);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

// visible: the part of the pipeline in view, or NULL for all of it.
static void
draw_links (SluiceCanvas          *self,
            cairo_t               *cr,
            const graphene_rect_t *visible)
{
  g_autoptr(GArray) links = collect_links (self, visible);

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < links->len; i++)
    stroke_link (self, cr, &g_array_index (links, LinkShape, i));
  draw_new_link (self, cr);
}

static ViewKey
view_key (SluiceCanvas *self)
{
  ViewKey key = {
    adjustment_value (self->hadjustment),
    adjustment_value (self->vadjustment),
    self->zoom,
    gtk_widget_get_width (GTK_WIDGET (self)),
    gtk_widget_get_height (GTK_WIDGET (self)),
  };

  return key;
}

static gboolean
view_key_equal (const ViewKey *a,
                const ViewKey *b)
{
  return a->h == b->h && a->v == b->v && a->zoom == b->zoom && a->width == b->width && a->height == b->height;
}

// Widget coordinates for model ones: the view transform, on a context
// whose origin is the widget's.
static void
set_view_transform (SluiceCanvas *self,
                    cairo_t      *cr)
{
  cairo_translate (cr, -adjustment_value (self->hadjustment), -adjustment_value (self->vadjustment));
  cairo_scale (cr, self->zoom, self->zoom);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
}

static gboolean
links_cache_holds (SluiceCanvas  *self,
                   GArray        *still,
                   const ViewKey *view)
{
  if (self->links_cache_shapes == NULL || self->links_cache_shapes->len != still->len ||
      !view_key_equal (&self->links_cache_view, view))
    return FALSE;
  for (guint i = 0; i < still->len; i++)
    if (!link_shape_equal (&g_array_index (still, LinkShape, i), &g_array_index (self->links_cache_shapes, LinkShape, i)))
      return FALSE;
  return TRUE;
}

// The box around a link's curve and its stroke, in widget coordinates.
static void
add_link_bounds (SluiceCanvas    *self,
                 const LinkShape *link,
                 graphene_rect_t *bounds,
                 gboolean        *any)
{
  double d = MAX (40.0, fabs (link->x2 - link->x1) / 2), pad = 4;
  double x0 = MIN (link->x1, link->x2 - d) - pad, x1 = MAX (link->x2, link->x1 + d) + pad;
  double y0 = MIN (link->y1, link->y2) - pad, y1 = MAX (link->y1, link->y2) + pad;
  graphene_rect_t box = GRAPHENE_RECT_INIT (x0 * self->zoom - adjustment_value (self->hadjustment),
                                            y0 * self->zoom - adjustment_value (self->vadjustment),
                                            (x1 - x0) * self->zoom, (y1 - y0) * self->zoom);

  if (*any)
    graphene_rect_union (bounds, &box, bounds);
  else
    *bounds = box;
  *any = TRUE;
}

// Links are drawn by cairo, and GTK cannot tell whether two cairo pictures
// are the same: a new one each frame has the whole canvas painted again,
// even when all that changed is a step finishing out of view, which during
// a big run is every frame. So the still links are kept in one picture
// until they or the view change, and only the marching ones (and a link
// being drawn) are drawn anew, in a picture just as big as they are.
static void
append_links (SluiceCanvas          *self,
              GtkSnapshot           *snapshot,
              const graphene_rect_t *visible)
{
  g_autoptr(GArray) links = collect_links (self, visible);
  g_autoptr(GArray) still = g_array_new (FALSE, FALSE, sizeof (LinkShape));
  g_autoptr(GArray) marching = g_array_new (FALSE, FALSE, sizeof (LinkShape));
  ViewKey view = view_key (self);
  graphene_rect_t whole = GRAPHENE_RECT_INIT (0, 0, view.width, view.height);
  graphene_rect_t moving = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  gboolean any_moving = FALSE;
  cairo_t *cr;

  if (view.width <= 0 || view.height <= 0)
    return;
  for (guint i = 0; i < links->len; i++)
    {
      const LinkShape *link = &g_array_index (links, LinkShape, i);

      if (link->look == LINK_MARCHING)
        {
          g_array_append_val (marching, *link);
          add_link_bounds (self, link, &moving, &any_moving);
        }
      else
        g_array_append_val (still, *link);
    }

  if (!links_cache_holds (self, still, &view))
    {
      g_clear_pointer (&self->links_cache, gsk_render_node_unref);
      g_clear_pointer (&self->links_cache_shapes, g_array_unref);
      self->links_cache_shapes = g_steal_pointer (&still);
      self->links_cache_view = view;
      if (self->links_cache_shapes->len > 0)
        {
          self->links_cache = gsk_cairo_node_new (&whole);
          cr = gsk_cairo_node_get_draw_context (self->links_cache);
          set_view_transform (self, cr);
          for (guint i = 0; i < self->links_cache_shapes->len; i++)
            stroke_link (self, cr, &g_array_index (self->links_cache_shapes, LinkShape, i));
          cairo_destroy (cr);
        }
    }
  if (self->links_cache != NULL)
    gtk_snapshot_append_node (snapshot, self->links_cache);

  if (self->drag_mode == DRAG_LINK)
    moving = whole;
  else if (!any_moving || !graphene_rect_intersection (&moving, &whole, &moving))
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &moving);
  set_view_transform (self, cr);
  for (guint i = 0; i < marching->len; i++)
    stroke_link (self, cr, &g_array_index (marching, LinkShape, i));
  draw_new_link (self, cr);
  cairo_destroy (cr);
}

// While a link is drawn, inputs it may connect to get a ring; the others
// are dimmed. The same rule as validation decides.
static void
draw_link_targets (SluiceCanvas *self,
                   GtkSnapshot  *snapshot)
{
  SluicePipeline *pipeline = sluice_document_get_pipeline (self->document);
  SluiceStep *from = sluice_pipeline_find_step (pipeline, self->link_step);
  SluiceComponent *from_component = from ? sluice_document_get_component (self->document, from) : NULL;
  const SluicePortSpec *out = from_component ? sluice_component_find_output (from_component, self->link_port) : NULL;
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);

  if (out == NULL)
    return;

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      SluiceComponent *component = sluice_document_get_component (self->document, step);
      GPtrArray *inputs;

      if (component == NULL || step == from)
        continue;
      inputs = sluice_component_get_inputs (component);
      for (guint j = 0; j < inputs->len; j++)
        {
          const SluicePortSpec *spec = g_ptr_array_index (inputs, j);
          double x, y;

          if (!sluice_document_get_port_point (self->document, sluice_step_get_id (step), FALSE, spec->name, &x, &y))
            continue;
          if (sluice_port_type_is_compatible (out->type, spec->type))
            {
              GskRoundedRect ring;
              float widths[4] = { 3, 3, 3, 3 };
              GdkRGBA colors[4];
              double r = SLUICE_PORT_RADIUS + 4;

              for (guint k = 0; k < 4; k++)
                rgba (&colors[k], 0x2ec27e, 1);
              gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), r);
              gtk_snapshot_append_border (snapshot, &ring, widths, colors);
            }
          else
            {
              GdkRGBA veil;
              GskRoundedRect shape;
              double r = SLUICE_PORT_RADIUS + 1;

              rgba (&veil, is_dark () ? 0x303030 : 0xffffff, 0.8f);
              gsk_rounded_rect_init_from_rect (&shape, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), r);
              gtk_snapshot_push_rounded_clip (snapshot, &shape);
              gtk_snapshot_append_color (snapshot, &veil, &shape.bounds);
              gtk_snapshot_pop (snapshot);
            }
        }
    }
}

static void
draw_grid (SluiceCanvas          *self,
           GtkSnapshot           *snapshot,
           const graphene_rect_t *visible)
{
  GdkRGBA line;
  double x0, y0;

  // Zoomed far out, a grid is only noise (and thousands of lines).
  if (self->zoom < 0.4)
    return;

  rgba (&line, is_dark () ? 0xffffff : 0x000000, 0.05f);
  x0 = floor (visible->origin.x / GRID) * GRID;
  y0 = floor (visible->origin.y / GRID) * GRID;
  for (double x = x0; x < visible->origin.x + visible->size.width; x += GRID)
    gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (x, visible->origin.y, 1 / self->zoom,
                                                                      visible->size.height));
  for (double y = y0; y < visible->origin.y + visible->size.height; y += GRID)
    gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (visible->origin.x, y, visible->size.width,
                                                                      1 / self->zoom));
}

static void center_on (SluiceCanvas *self, double mx, double my);

#define MINIMAP_WIDTH  180.0
#define MINIMAP_HEIGHT 120.0
#define MINIMAP_MARGIN 12.0

// The minimap shows the whole pipeline in the bottom-right corner when it
// does not fit in the view, with the visible part outlined. Returns FALSE
// when there is none to show.
static gboolean
minimap_geometry (SluiceCanvas    *self,
                  graphene_rect_t *frame,
                  SluiceRect      *bounds,
                  double          *scale)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->document == NULL || width < 3 * MINIMAP_WIDTH || height < 2 * MINIMAP_HEIGHT ||
      sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document))->len == 0)
    return FALSE;

  sluice_document_get_bounds (self->document, bounds);
  if (bounds->width * self->zoom <= width && bounds->height * self->zoom <= height)
    return FALSE;

  *scale = MIN (MINIMAP_WIDTH / MAX (bounds->width, 1), MINIMAP_HEIGHT / MAX (bounds->height, 1));
  graphene_rect_init (frame, width - MINIMAP_WIDTH - MINIMAP_MARGIN, height - MINIMAP_HEIGHT - MINIMAP_MARGIN,
                      MINIMAP_WIDTH, MINIMAP_HEIGHT);
  return TRUE;
}

// What the minimap's picture of the nodes depends on: where they are
// (the document's revision), the style, its size and the run's states,
// which change with the generation. Not the states themselves: looking up
// thousands of them at every frame costs more than drawing the picture
// again when the run changed.
static guint
minimap_key (SluiceCanvas          *self,
             const graphene_rect_t *frame)
{
  guint key = sluice_document_get_revision (self->document) * 2 + (is_dark () ? 1 : 0);

  key = key * 31 + (guint) frame->origin.x * 7 + (guint) frame->origin.y;
  return key * 31 + (self->run_status != NULL ? self->generation : 0);
}

// The nodes in the minimap, drawn once into one picture and kept until
// something it shows changes: thousands of tiny rectangles per frame cost
// more than the rest of the canvas when a big pipeline is panned. They are
// filled one colour at a time, a handful of fills for thousands of steps.
static GskRenderNode *
minimap_nodes (SluiceCanvas          *self,
               const graphene_rect_t *frame,
               const SluiceRect      *bounds,
               double                 scale,
               const GdkRGBA         *node)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  guint key = minimap_key (self, frame);
  g_autofree guint32 *colors = NULL;
  g_autofree SluiceRect *rects = NULL;
  guint32 plain = 0xff000000;   // not a state's colour: the node colour
  cairo_t *cr;

  if (self->minimap_cache != NULL && self->minimap_cache_key == key)
    return self->minimap_cache;

  g_clear_pointer (&self->minimap_cache, gsk_render_node_unref);
  self->minimap_cache = gsk_cairo_node_new (frame);
  self->minimap_cache_key = key;
  colors = g_new (guint32, steps->len);
  rects = g_new (SluiceRect, steps->len);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));
      // A big run is read from here: where it fails, where it is at.
      StateLook look = self->run_status != NULL ? state_look (sluice_run_status_get_step_state (self->run_status, id))
                                                : (StateLook) { 0, NULL, NULL };

      colors[i] = !sluice_document_get_node_rect (self->document, id, &rects[i]) ? 0xfe000000
                  : look.glyph != NULL ? look.color : plain;
    }

  cr = gsk_cairo_node_get_draw_context (self->minimap_cache);
  for (guint i = 0; i < steps->len; i++)
    {
      guint32 color = colors[i];
      GdkRGBA state_color;

      if (color == 0xfe000000)
        continue;
      for (guint j = i; j < steps->len; j++)
        {
          const SluiceRect *r = &rects[j];

          if (colors[j] != color)
            continue;
          colors[j] = 0xfe000000;
          cairo_rectangle (cr, frame->origin.x + (r->x - bounds->x) * scale, frame->origin.y + (r->y - bounds->y) * scale,
                           MAX (2, r->width * scale), MAX (2, r->height * scale));
        }
      if (color != plain)
        rgba (&state_color, color, 1);
      gdk_cairo_set_source_rgba (cr, color != plain ? &state_color : node);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
  return self->minimap_cache;
}

static void
draw_minimap (SluiceCanvas *self,
              GtkSnapshot  *snapshot)
{
  graphene_rect_t frame;
  SluiceRect bounds;
  GskRoundedRect outline;
  GdkRGBA panel, node, view;
  float widths[4] = { 1.5f, 1.5f, 1.5f, 1.5f };
  GdkRGBA view_colors[4];
  double scale, vx, vy;

  if (!minimap_geometry (self, &frame, &bounds, &scale))
    return;

  rgba (&panel, is_dark () ? 0x303030 : 0xffffff, 0.92f);
  rgba (&node, 0x9a9996, 1);
  rgba (&view, 0x3584e4, 1);
  gsk_rounded_rect_init_from_rect (&outline, &frame, 6);
  gtk_snapshot_push_rounded_clip (snapshot, &outline);
  gtk_snapshot_append_color (snapshot, &panel, &frame);

  gtk_snapshot_append_node (snapshot, minimap_nodes (self, &frame, &bounds, scale, &node));

  view_to_model (self, 0, 0, &vx, &vy);
  for (guint i = 0; i < 4; i++)
    view_colors[i] = view;
  {
    graphene_rect_t visible, shown;

    // The view may reach past the pipeline; outline only what is in the frame.
    graphene_rect_init (&visible, frame.origin.x + (vx - bounds.x) * scale, frame.origin.y + (vy - bounds.y) * scale,
                        gtk_widget_get_width (GTK_WIDGET (self)) / self->zoom * scale,
                        gtk_widget_get_height (GTK_WIDGET (self)) / self->zoom * scale);
    if (!graphene_rect_intersection (&visible, &frame, &shown))
      shown = frame;
    gsk_rounded_rect_init_from_rect (&outline, &shown, 2);
  }
  gtk_snapshot_append_border (snapshot, &outline, widths, view_colors);
  gtk_snapshot_pop (snapshot);
}

// A press on the minimap centres the view there.
static gboolean
minimap_jump (SluiceCanvas *self,
              double        x,
              double        y)
{
  graphene_rect_t frame;
  SluiceRect bounds;
  double scale;

  if (!minimap_geometry (self, &frame, &bounds, &scale) || !graphene_rect_contains_point (&frame, &GRAPHENE_POINT_INIT (x, y)))
    return FALSE;

  center_on (self, bounds.x + (x - frame.origin.x) / scale, bounds.y + (y - frame.origin.y) / scale);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

// The moving part of a running node, drawn every frame on top of its
// cached picture: a light sweeping along the bottom of its header.
static void
append_running_stripe (SluiceCanvas *self,
                       GtkSnapshot  *snapshot,
                       SluiceRect   *r)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  gint64 now = clock ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  double phase = fmod (now / (1.4 * G_USEC_PER_SEC), 1.0);
  double segment = r->width * 0.35;
  double x = phase * (r->width + segment) - segment;
  graphene_rect_t track = GRAPHENE_RECT_INIT (0, SLUICE_NODE_HEADER - 6, r->width, 4);
  GskColorStop stops[3];
  GdkRGBA base;

  rgba (&base, 0x3584e4, 0.25f);
  rgba (&stops[0].color, 0x3584e4, 0);
  rgba (&stops[1].color, 0x62a0ea, 1);
  rgba (&stops[2].color, 0x3584e4, 0);
  stops[0].offset = 0;
  stops[1].offset = 0.5;
  stops[2].offset = 1;

  gtk_snapshot_push_clip (snapshot, &track);
  gtk_snapshot_append_color (snapshot, &base, &track);
  gtk_snapshot_append_linear_gradient (snapshot, &GRAPHENE_RECT_INIT (x, track.origin.y, segment, track.size.height),
                                       &GRAPHENE_POINT_INIT (x, 0), &GRAPHENE_POINT_INIT (x + segment, 0),
                                       stops, G_N_ELEMENTS (stops));
  gtk_snapshot_pop (snapshot);
}

/* notes and frames ---------------------------------------------------------------------- */

static gboolean
rect_visible (const SluiceRect      *r,
              const graphene_rect_t *visible)
{
  return !(r->x > visible->origin.x + visible->size.width || r->x + r->width < visible->origin.x ||
           r->y > visible->origin.y + visible->size.height || r->y + r->height < visible->origin.y);
}

// Dots in the bottom-right corner: where to drag to resize.
static void
append_resize_grip (GtkSnapshot      *snapshot,
                    const SluiceRect *r,
                    const GdkRGBA    *color)
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j <= i; j++)
      gtk_snapshot_append_color (snapshot, color,
                                 &GRAPHENE_RECT_INIT (r->x + r->width - 6 - 4 * (i - j), r->y + r->height - 6 - 4 * j,
                                                      2, 2));
}

static void
append_outline (GtkSnapshot          *snapshot,
                const GskRoundedRect *shape,
                float                 width,
                const GdkRGBA        *color)
{
  float widths[4] = { width, width, width, width };
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  gtk_snapshot_append_border (snapshot, shape, widths, colors);
}

// A frame: a tinted box under the nodes, with a title bar to drag it by.
static void
draw_frame (SluiceCanvas     *self,
            GtkSnapshot      *snapshot,
            const SluiceRect *r,
            const char       *title,
            gboolean          selected)
{
  guint32 accent = is_dark () ? 0x78aeed : 0x3584e4;
  GskRoundedRect box;
  GdkRGBA tint, bar, line, text;

  rgba (&tint, accent, is_dark () ? 0.10f : 0.07f);
  rgba (&bar, accent, is_dark () ? 0.30f : 0.20f);
  rgba (&line, accent, selected ? 1 : 0.55f);
  rgba (&text, is_dark () ? 0xffffff : 0x241f31, 1);

  gsk_rounded_rect_init_from_rect (&box, &GRAPHENE_RECT_INIT (r->x, r->y, r->width, r->height), 10);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &tint, &box.bounds);
  gtk_snapshot_append_color (snapshot, &bar, &GRAPHENE_RECT_INIT (r->x, r->y, r->width, SLUICE_FRAME_TITLE_HEIGHT));
  gtk_snapshot_pop (snapshot);
  append_outline (snapshot, &box, selected ? 2.5f : 1.0f, &line);
  if (title != NULL && *title != '\0')
    append_text (snapshot, GTK_WIDGET (self), title, r->x + 12, r->y + SLUICE_FRAME_TITLE_HEIGHT / 2, r->width - 24,
                 TRUE, FALSE, &text);
  append_resize_grip (snapshot, r, &line);
}

// A note: a sticky note with wrapped text, cut at its box.
static void
draw_note (SluiceCanvas     *self,
           GtkSnapshot      *snapshot,
           const SluiceRect *r,
           const char       *text,
           gboolean          selected)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  gboolean empty = text == NULL || *text == '\0';
  GskRoundedRect box;
  GdkRGBA paper, edge, ink;

  // Yellow paper with dark ink in light mode; dimmer paper with light ink
  // in dark mode, so the note does not glare.
  rgba (&paper, is_dark () ? 0x4d4424 : 0xf9f06b, 1);
  rgba (&ink, is_dark () ? 0xf6f5f4 : 0x3d3846, empty ? 0.55f : 1);
  if (selected)
    rgba (&edge, is_dark () ? 0x78aeed : 0x3584e4, 1);
  else
    rgba (&edge, is_dark () ? 0x8a7a3a : 0xe5a50a, 1);

  gsk_rounded_rect_init_from_rect (&box, &GRAPHENE_RECT_INIT (r->x, r->y, r->width, r->height), 4);
  gtk_snapshot_push_rounded_clip (snapshot, &box);
  gtk_snapshot_append_color (snapshot, &paper, &box.bounds);

  pango_layout_set_text (layout, empty ? _("Double-click to write") : text, -1);
  pango_layout_set_width (layout, (int) ((r->width - 20) * PANGO_SCALE));
  pango_layout_set_height (layout, (int) ((r->height - 20) * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (r->x + 10, r->y + 10));
  gtk_snapshot_append_layout (snapshot, layout, &ink);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);

  append_outline (snapshot, &box, selected ? 2.5f : 1.0f, &edge);
  append_resize_grip (snapshot, r, &edge);
}

// Frames first, then notes: both under the links and nodes.
static void
draw_annotations (SluiceCanvas          *self,
                  GtkSnapshot           *snapshot,
                  const graphene_rect_t *visible)
{
  for (SluiceAnnotationKind kind = SLUICE_ANNOTATION_FRAME;; kind = SLUICE_ANNOTATION_NOTE)
    {
      g_auto(GStrv) ids = sluice_document_list_annotations (self->document, kind);

      for (guint i = 0; ids[i] != NULL; i++)
        {
          gboolean selected = sluice_document_is_selected (self->document, ids[i]);
          const char *text;
          SluiceRect r;

          if (!sluice_document_get_annotation (self->document, ids[i], NULL, &r, &text) || !rect_visible (&r, visible))
            continue;
          if (kind == SLUICE_ANNOTATION_FRAME)
            draw_frame (self, snapshot, &r, text, selected);
          else
            draw_note (self, snapshot, &r, text, selected);
        }
      if (kind == SLUICE_ANNOTATION_NOTE)
        break;
    }
}

static void
sluice_canvas_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  SluiceCanvas *self = SLUICE_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  graphene_rect_t visible;
  GdkRGBA background;
  GPtrArray *steps;
  gint64 start = self->frame_stats != NULL ? g_get_monotonic_time () : 0;

  rgba (&background, is_dark () ? 0x242424 : 0xfafafa, 1);
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->document == NULL)
    return;

  {
    double x0, y0;

    view_to_model (self, 0, 0, &x0, &y0);
    visible.origin.x = x0;
    visible.origin.y = y0;
  }
  visible.size.width = width / self->zoom;
  visible.size.height = height / self->zoom;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-adjustment_value (self->hadjustment),
                                                          -adjustment_value (self->vadjustment)));
  gtk_snapshot_scale (snapshot, self->zoom, self->zoom);

  draw_grid (self, snapshot, &visible);
  draw_annotations (self, snapshot, &visible);
  gtk_snapshot_restore (snapshot);

  // Links are stroked by cairo in widget coordinates, with the view
  // transform set on the cairo context, so that the curves stay sharp at
  // any zoom.
  append_links (self, snapshot, &visible);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-adjustment_value (self->hadjustment),
                                                          -adjustment_value (self->vadjustment)));
  gtk_snapshot_scale (snapshot, self->zoom, self->zoom);

  steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      SluiceRect r;

      if (!sluice_document_get_node_rect (self->document, sluice_step_get_id (step), &r) ||
          r.x > visible.origin.x + visible.size.width || r.x + r.width < visible.origin.x ||
          r.y > visible.origin.y + visible.size.height || r.y + r.height < visible.origin.y)
        continue;

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (r.x, r.y));
      if (self->zoom < LOD_ZOOM)
        append_node_block (self, snapshot, step, &r);
      else
        gtk_snapshot_append_node (snapshot, cached_node (self, step, &r));
      if (self->run_status != NULL &&
          sluice_run_status_get_step_state (self->run_status, sluice_step_get_id (step)) == SLUICE_STATE_RUNNING)
        append_running_stripe (self, snapshot, &r);
      gtk_snapshot_restore (snapshot);
    }

  if (self->drag_mode == DRAG_LINK)
    draw_link_targets (self, snapshot);

  if (self->drag_mode == DRAG_RUBBER)
    {
      double x0, y0;
      GdkRGBA fill;

      view_to_model (self, self->drag_x, self->drag_y, &x0, &y0);
      rgba (&fill, 0x3584e4, 0.15f);
      gtk_snapshot_append_color (snapshot, &fill,
                                 &GRAPHENE_RECT_INIT (MIN (x0, self->pointer_x), MIN (y0, self->pointer_y),
                                                      fabs (self->pointer_x - x0), fabs (self->pointer_y - y0)));
    }

  gtk_snapshot_restore (snapshot);

  draw_minimap (self, snapshot);
  if (self->frame_stats != NULL)
    self->snapshot_us = g_get_monotonic_time () - start;
}

/* frame statistics ------------------------------------------------------------------ */

// SLUICE_FRAME_STATS=FILE logs every frame in which the canvas was drawn:
// "frame INTERVAL_US WORK_US SNAPSHOT_US CPU_US" (time since the previous
// such frame; layout + snapshot + render of the whole window; the canvas's
// own snapshot; the main thread's CPU time for that work, which other
// programs' load does not inflate), and once "first-frame REALTIME_US STEPS"
// when the first pipeline with steps is on screen. bench/canvas.sh reads it.
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
on_before_paint (GdkFrameClock *clock,
                 SluiceCanvas  *self)
{
  self->paint_start = g_get_monotonic_time ();
  self->paint_start_cpu = thread_cpu_us ();
  self->snapshot_us = -1;
}

static void
on_after_paint (GdkFrameClock *clock,
                SluiceCanvas  *self)
{
  gint64 now = g_get_monotonic_time ();
  guint steps;

  if (self->snapshot_us < 0 || self->paint_start == 0)
    return;
  fprintf (self->frame_stats, "frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
           self->last_paint ? now - self->last_paint : 0, now - self->paint_start, self->snapshot_us,
           thread_cpu_us () - self->paint_start_cpu);
  self->last_paint = now;
  steps = self->document ? sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document))->len : 0;
  if (!self->first_frame_logged && steps > 0)
    {
      self->first_frame_logged = TRUE;
      fprintf (self->frame_stats, "first-frame %" G_GINT64_FORMAT " %u\n", g_get_real_time (), steps);
    }
  self->snapshot_us = -1;
}

static void
on_realize_frame_stats (GtkWidget    *widget,
                        SluiceCanvas *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect_object (clock, "before-paint", G_CALLBACK (on_before_paint), self, 0);
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (on_after_paint), self, 0);
}

static void
setup_frame_stats (SluiceCanvas *self)
{
  const char *path = g_getenv ("SLUICE_FRAME_STATS");

  if (path == NULL || *path == '\0')
    return;
  if ((self->frame_stats = fopen (path, "w")) == NULL)
    {
      g_warning ("SLUICE_FRAME_STATS: cannot write %s: %s", path, g_strerror (errno));
      return;
    }
  setvbuf (self->frame_stats, NULL, _IOLBF, 0);
  self->snapshot_us = -1;
  g_signal_connect (self, "realize", G_CALLBACK (on_realize_frame_stats), self);
}

/* document ------------------------------------------------------------------------------- */

static gboolean
cached_step_gone (gpointer key,
                  gpointer value,
                  gpointer pipeline)
{
  return sluice_pipeline_find_step (pipeline, key) == NULL;
}

static void
on_document_changed (SluiceCanvas *self)
{
  g_clear_pointer (&self->error_steps, g_hash_table_unref);
  // Pictures of steps that no longer exist go; the others stay, as their
  // key says whether they still show what they showed (a drag changes no
  // picture, and redrawing every node's text per frame is what made
  // dragging 2 000 steps stutter).
  if (self->document != NULL)
    g_hash_table_foreach_remove (self->node_cache, cached_step_gone, sluice_document_get_pipeline (self->document));
  else
    g_hash_table_remove_all (self->node_cache);
  update_adjustments (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void update_accessible_label (SluiceCanvas *self);

static void
on_selection_changed (SluiceCanvas *self)
{
  update_accessible_label (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SluiceDocument *
sluice_canvas_get_document (SluiceCanvas *self)
{
  g_return_val_if_fail (SLUICE_IS_CANVAS (self), NULL);
  return self->document;
}

void
sluice_canvas_set_document (SluiceCanvas   *self,
                            SluiceDocument *document)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == document)
    return;

  if (self->document != NULL)
    {
      g_clear_signal_handler (&self->changed_handler, self->document);
      g_clear_signal_handler (&self->selection_handler, self->document);
    }
  g_set_object (&self->document, document);
  self->generation++;
  if (document != NULL)
    {
      self->changed_handler = g_signal_connect_swapped (document, "changed", G_CALLBACK (on_document_changed), self);
      self->selection_handler = g_signal_connect_swapped (document, "selection-changed",
                                                          G_CALLBACK (on_selection_changed), self);
    }
  on_document_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

/* zoom ------------------------------------------------------------------------------------ */

double
sluice_canvas_get_zoom (SluiceCanvas *self)
{
  g_return_val_if_fail (SLUICE_IS_CANVAS (self), 1.0);
  return self->zoom;
}

// Zooms keeping the model point under (vx, vy) where it is on screen.
static void
zoom_at (SluiceCanvas *self,
         double        zoom,
         double        vx,
         double        vy)
{
  double mx, my;

  zoom = CLAMP (zoom, MIN_ZOOM, MAX_ZOOM);
  if (zoom == self->zoom)
    return;

  view_to_model (self, vx, vy, &mx, &my);
  // Node pictures are vectors and text, drawn at the new scale as they
  // are; keeping them makes zooming a big pipeline smooth.
  self->zoom = zoom;
  update_adjustments (self);
  if (self->hadjustment != NULL)
    gtk_adjustment_set_value (self->hadjustment, mx * zoom - vx);
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, my * zoom - vy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
sluice_canvas_set_zoom (SluiceCanvas *self,
                        double        zoom)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));
  zoom_at (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
sluice_canvas_get_view_center (SluiceCanvas *self,
                               double       *x,
                               double       *y)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));
  view_to_model (self, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                 gtk_widget_get_height (GTK_WIDGET (self)) / 2.0, x, y);
}

static void
center_on (SluiceCanvas *self,
           double        mx,
           double        my)
{
  update_adjustments (self);
  if (self->hadjustment != NULL)
    gtk_adjustment_set_value (self->hadjustment, mx * self->zoom - gtk_widget_get_width (GTK_WIDGET (self)) / 2.0);
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, my * self->zoom - gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
sluice_canvas_zoom_to_fit (SluiceCanvas *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  SluiceRect b;

  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == NULL)
    return;
  if (width <= 1 || height <= 1)
    {
      self->fit_pending = TRUE;
      return;
    }
  self->fit_pending = FALSE;
  sluice_document_get_bounds (self->document, &b);
  // Below half size node titles are unreadable; a bigger pipeline is shown
  // from its centre instead, to be panned.
  self->zoom = CLAMP (MIN ((width - 80) / MAX (b.width, 1), (height - 80) / MAX (b.height, 1)), 0.5, 1.0);
  g_hash_table_remove_all (self->node_cache);
  center_on (self, b.x + b.width / 2, b.y + b.height / 2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

void
sluice_canvas_reveal_step (SluiceCanvas *self,
                           const char   *step_id)
{
  const char *ids[] = { step_id, NULL };
  SluiceRect r;

  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == NULL || !sluice_document_get_node_rect (self->document, step_id, &r))
    return;
  sluice_document_set_selection (self->document, ids);
  center_on (self, r.x + r.width / 2, r.y + r.height / 2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* run status ---------------------------------------------------------------------------- */

// Whether something that moves (a running node, or a link out of one) is
// in view: a big pipeline zoomed in usually shows none of its running steps,
// and then there is nothing to animate.
static gboolean
find_running_in_view (SluiceCanvas *self)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  double x0, y0, x1, y1;

  view_to_model (self, 0, 0, &x0, &y0);
  view_to_model (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)), &x1, &y1);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));
      SluiceRect r;

      if (sluice_run_status_get_step_state (self->run_status, id) != SLUICE_STATE_RUNNING ||
          !sluice_document_get_node_rect (self->document, id, &r))
        continue;
      // Its outgoing links may reach far: a generous margin around the view.
      if (r.x + r.width > x0 - 400 && r.x < x1 + 400 && r.y + r.height > y0 - 400 && r.y < y1 + 400)
        return TRUE;
    }
  return FALSE;
}

// Asked at every tick of the frame clock while a run goes on; looking
// through thousands of steps each time would take a good part of the
// frame, and the answer only changes with the run, the pipeline or the view.
static gboolean
running_in_view (SluiceCanvas *self)
{
  ViewKey view = view_key (self);
  guint revision = sluice_document_get_revision (self->document);

  if (!self->in_view_known || self->in_view_generation != self->generation ||
      self->in_view_revision != revision || !view_key_equal (&self->in_view_view, &view))
    {
      self->in_view = find_running_in_view (self);
      self->in_view_known = TRUE;
      self->in_view_generation = self->generation;
      self->in_view_revision = revision;
      self->in_view_view = view;
    }
  return self->in_view;
}

#define RUN_FRAME_USEC (G_USEC_PER_SEC / 30)

static gboolean
run_tick (GtkWidget     *widget,
          GdkFrameClock *clock,
          gpointer       user_data)
{
  SluiceCanvas *self = SLUICE_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (self->run_status == NULL || self->document == NULL ||
      sluice_run_status_count_state (self->run_status, SLUICE_STATE_RUNNING) == 0)
    {
      self->run_tick = 0;
      gtk_widget_queue_draw (widget);
      return G_SOURCE_REMOVE;
    }
  // 30 frames a second are smooth enough for a stripe, and each frame
  // draws every link: no more, and none for what is out of view.
  if (now - self->run_frame_time >= RUN_FRAME_USEC && running_in_view (self))
    {
      self->run_frame_time = now;
      gtk_widget_queue_draw (widget);
    }
  return G_SOURCE_CONTINUE;
}

// Animation costs a frame every 16 ms: only while a step runs.
static void
update_run_tick (SluiceCanvas *self)
{
  gboolean running = self->run_status != NULL &&
                     sluice_run_status_count_state (self->run_status, SLUICE_STATE_RUNNING) > 0;

  if (running && self->run_tick == 0)
    self->run_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), run_tick, NULL, NULL);
  else if (!running && self->run_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->run_tick);
      self->run_tick = 0;
    }
}

// The changed nodes get new pictures through their cache keys (state,
// attempt and times are part of them); the others are reused as they are.
// queue_draw coalesces any number of batches into one frame.
static void
on_run_status_changed (SluiceCanvas    *self,
                       GStrv            step_ids)
{
  self->generation++;
  update_run_tick (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SluiceRunStatus *
sluice_canvas_get_run_status (SluiceCanvas *self)
{
  g_return_val_if_fail (SLUICE_IS_CANVAS (self), NULL);
  return self->run_status;
}

void
sluice_canvas_set_run_status (SluiceCanvas    *self,
                              SluiceRunStatus *status)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));
  g_return_if_fail (status == NULL || SLUICE_IS_RUN_STATUS (status));

  if (self->run_status == status)
    return;
  if (self->run_status != NULL)
    g_clear_signal_handler (&self->run_status_handler, self->run_status);
  g_set_object (&self->run_status, status);
  self->generation++;
  if (status != NULL)
    self->run_status_handler = g_signal_connect_swapped (status, "changed", G_CALLBACK (on_run_status_changed), self);
  update_run_tick (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* interaction -------------------------------------------------------------------------- */

static void
message (SluiceCanvas *self,
         const char   *text)
{
  g_signal_emit (self, signals[MESSAGE], 0, text);
}

static void
clear_link_selection (SluiceCanvas *self)
{
  if (self->document != NULL && sluice_document_get_selected_link (self->document, NULL, NULL))
    sluice_document_set_selection (self->document, NULL);
}

static void
select_only (SluiceCanvas *self,
             const char   *step_id)
{
  const char *ids[] = { step_id, NULL };

  sluice_document_set_selection (self->document, ids);
}

static void
toggle_selected (SluiceCanvas *self,
                 const char   *step_id)
{
  const char * const *current = sluice_document_get_selection (self->document);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  gboolean found = FALSE;

  for (guint i = 0; current[i] != NULL; i++)
    {
      if (g_str_equal (current[i], step_id))
        found = TRUE;
      else
        g_strv_builder_add (builder, current[i]);
    }
  if (!found)
    g_strv_builder_add (builder, step_id);
  ids = g_strv_builder_end (builder);
  sluice_document_set_selection (self->document, (const char * const *) ids);
}

static void
begin_link (SluiceCanvas *self,
            const char   *step_id,
            const char   *port)
{
  self->drag_mode = DRAG_LINK;
  g_free (self->link_step);
  g_free (self->link_port);
  self->link_step = g_strdup (step_id);
  self->link_port = g_strdup (port);
}

// Dragging the end of a link off an input takes it away from there, to be
// dropped on another input (re-route) or on nothing (delete).
static gboolean
begin_reroute (SluiceCanvas *self,
               const char   *step_id,
               const char   *port)
{
  SluiceStep *step = sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), step_id);
  const SluiceBinding *binding = step ? sluice_step_get_input (step, port) : NULL;
  g_autofree char *from_step = NULL;
  g_autofree char *from_port = NULL;

  if (binding == NULL || binding->kind != SLUICE_BINDING_STEP_OUTPUT)
    return FALSE;

  from_step = g_strdup (binding->step);
  from_port = g_strdup (binding->name);
  sluice_document_begin_group (self->document);
  self->link_in_group = TRUE;
  sluice_document_disconnect (self->document, step_id, port);
  begin_link (self, from_step, from_port);
  return TRUE;
}

// A frame drags along what lies inside it when the drag starts.
static void
begin_move (SluiceCanvas *self)
{
  g_strfreev (self->drag_items);
  self->drag_items = sluice_document_with_frame_contents (self->document, sluice_document_get_selection (self->document));
  self->drag_mode = DRAG_MOVE;
  sluice_document_begin_group (self->document);
}

static void
begin_resize (SluiceCanvas *self,
              const char   *id)
{
  if (!sluice_document_get_annotation (self->document, id, NULL, &self->resize_start, NULL))
    return;
  g_free (self->resize_id);
  self->resize_id = g_strdup (id);
  self->drag_mode = DRAG_RESIZE;
  sluice_document_begin_group (self->document);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SluiceCanvas   *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  SluiceHit hit;

  if (self->document == NULL)
    return;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (minimap_jump (self, x, y))
    {
      self->drag_mode = DRAG_NONE;
      return;
    }
  self->drag_x = x;
  self->drag_y = y;
  self->drag_done_x = self->drag_done_y = 0;
  view_to_model (self, x, y, &self->pointer_x, &self->pointer_y);

  if (self->space_held)
    {
      self->drag_mode = DRAG_PAN;
      self->pan_h = adjustment_value (self->hadjustment);
      self->pan_v = adjustment_value (self->vadjustment);
      return;
    }

  hit = sluice_document_hit_test (self->document, self->pointer_x, self->pointer_y);
  clear_link_selection (self);

  switch (hit.kind)
    {
    case SLUICE_HIT_OUTPUT_PORT:
      if (self->read_only)
        self->drag_mode = DRAG_NONE;
      else
        begin_link (self, hit.step_id, hit.port);
      break;
    case SLUICE_HIT_INPUT_PORT:
      if (self->read_only || !begin_reroute (self, hit.step_id, hit.port))
        self->drag_mode = DRAG_NONE;
      break;
    case SLUICE_HIT_NODE:
    case SLUICE_HIT_NOTE:
    case SLUICE_HIT_FRAME:
      if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK))
        toggle_selected (self, hit.step_id);
      else if (!sluice_document_is_selected (self->document, hit.step_id))
        select_only (self, hit.step_id);
      // Read-only, a node is selected to be looked at, not moved.
      if (self->read_only)
        self->drag_mode = DRAG_NONE;
      else
        begin_move (self);
      break;
    case SLUICE_HIT_LINK:
      sluice_document_select_link (self->document, hit.step_id, hit.port);
      self->drag_mode = DRAG_NONE;
      break;
    case SLUICE_HIT_RESIZE:
      select_only (self, hit.step_id);
      if (self->read_only)
        self->drag_mode = DRAG_NONE;
      else
        begin_resize (self, hit.step_id);
      break;
    case SLUICE_HIT_NONE:
    default:
      if (!(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)))
        sluice_document_set_selection (self->document, NULL);
      self->drag_mode = DRAG_RUBBER;
      break;
    }

  sluice_hit_clear (&hit);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                SluiceCanvas   *self)
{
  if (self->document == NULL)
    return;

  view_to_model (self, self->drag_x + dx, self->drag_y + dy, &self->pointer_x, &self->pointer_y);

  switch (self->drag_mode)
    {
    case DRAG_MOVE:
      {
        double want_x = dx / self->zoom, want_y = dy / self->zoom;

        sluice_document_move_steps (self->document, (const char * const *) self->drag_items,
                                    want_x - self->drag_done_x, want_y - self->drag_done_y);
        self->drag_done_x = want_x;
        self->drag_done_y = want_y;
      }
      break;
    case DRAG_RESIZE:
      {
        SluiceRect r = self->resize_start;

        r.width = MAX (SLUICE_ANNOTATION_MIN, r.width + dx / self->zoom);
        r.height = MAX (SLUICE_ANNOTATION_MIN, r.height + dy / self->zoom);
        sluice_document_set_annotation_rect (self->document, self->resize_id, &r);
      }
      break;
    case DRAG_PAN:
      gtk_adjustment_set_value (self->hadjustment, self->pan_h - dx);
      gtk_adjustment_set_value (self->vadjustment, self->pan_v - dy);
      break;
    case DRAG_LINK:
    case DRAG_RUBBER:
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    case DRAG_NONE:
    default:
      break;
    }
}

static void
finish_link (SluiceCanvas *self)
{
  g_autoptr(GError) error = NULL;
  SluiceHit hit = sluice_document_hit_test (self->document, self->pointer_x, self->pointer_y);

  if (hit.kind == SLUICE_HIT_INPUT_PORT &&
      !sluice_document_connect (self->document, self->link_step, self->link_port, hit.step_id, hit.port, &error))
    message (self, error->message);
  sluice_hit_clear (&hit);
}

static void
finish_rubber_band (SluiceCanvas *self)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char * const *current = sluice_document_get_selection (self->document);
  g_auto(GStrv) ids = NULL;
  double x0, y0, x1, y1;

  view_to_model (self, self->drag_x, self->drag_y, &x0, &y0);
  x1 = MAX (x0, self->pointer_x), y1 = MAX (y0, self->pointer_y);
  x0 = MIN (x0, self->pointer_x), y0 = MIN (y0, self->pointer_y);

  g_strv_builder_addv (builder, (const char **) current);
  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = sluice_step_get_id (g_ptr_array_index (steps, i));
      SluiceRect r;

      if (sluice_document_get_node_rect (self->document, id, &r) && !g_strv_contains (current, id) &&
          r.x < x1 && r.x + r.width > x0 && r.y < y1 && r.y + r.height > y0)
        g_strv_builder_add (builder, id);
    }
  // Notes it touches, frames it holds whole (a band drawn inside a frame
  // selects nodes in it, not the frame).
  for (SluiceAnnotationKind kind = SLUICE_ANNOTATION_NOTE; kind <= SLUICE_ANNOTATION_FRAME; kind++)
    {
      g_auto(GStrv) annotations = sluice_document_list_annotations (self->document, kind);

      for (guint i = 0; annotations[i] != NULL; i++)
        {
          SluiceRect r;

          if (g_strv_contains (current, annotations[i]) ||
              !sluice_document_get_annotation (self->document, annotations[i], NULL, &r, NULL))
            continue;
          if (kind == SLUICE_ANNOTATION_NOTE ? r.x < x1 && r.x + r.width > x0 && r.y < y1 && r.y + r.height > y0
                                             : r.x >= x0 && r.x + r.width <= x1 && r.y >= y0 && r.y + r.height <= y1)
            g_strv_builder_add (builder, annotations[i]);
        }
    }
  ids = g_strv_builder_end (builder);
  sluice_document_set_selection (self->document, (const char * const *) ids);
}

// Part of the drag's undo step: the nodes land on the grid.
static void
snap_selection (SluiceCanvas *self)
{
  const char * const *ids = sluice_document_get_selection (self->document);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *one[] = { ids[i], NULL };
      double x, y;

      sluice_document_get_position (self->document, ids[i], &x, &y);
      sluice_document_move_steps (self->document, one, round (x / GRID) * GRID - x, round (y / GRID) * GRID - y);
    }
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             SluiceCanvas   *self)
{
  DragMode mode = self->drag_mode;

  if (self->document == NULL)
    return;

  on_drag_update (gesture, dx, dy, self);
  self->drag_mode = DRAG_NONE;

  switch (mode)
    {
    case DRAG_MOVE:
      if (self->snap_to_grid)
        snap_selection (self);
      g_clear_pointer (&self->drag_items, g_strfreev);
      sluice_document_end_group (self->document);
      break;
    case DRAG_RESIZE:
      g_clear_pointer (&self->resize_id, g_free);
      sluice_document_end_group (self->document);
      break;
    case DRAG_LINK:
      finish_link (self);
      if (self->link_in_group)
        {
          self->link_in_group = FALSE;
          sluice_document_end_group (self->document);
        }
      break;
    case DRAG_RUBBER:
      finish_rubber_band (self);
      break;
    case DRAG_PAN:
    case DRAG_NONE:
    default:
      break;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_middle_drag_begin (GtkGestureDrag *gesture,
                      double          x,
                      double          y,
                      SluiceCanvas   *self)
{
  self->pan_h = adjustment_value (self->hadjustment);
  self->pan_v = adjustment_value (self->vadjustment);
}

static void
on_middle_drag_update (GtkGestureDrag *gesture,
                       double          dx,
                       double          dy,
                       SluiceCanvas   *self)
{
  if (self->hadjustment == NULL || self->vadjustment == NULL)
    return;
  gtk_adjustment_set_value (self->hadjustment, self->pan_h - dx);
  gtk_adjustment_set_value (self->vadjustment, self->pan_v - dy);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SluiceCanvas             *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  if (state & GDK_CONTROL_MASK)
    {
      GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
      double x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0, y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
      double wx, wy;

      // Zoom around the pointer, so what is under it stays under it.
      if (event != NULL && gdk_event_get_position (event, &wx, &wy))
        {
          graphene_point_t p;

          if (gtk_widget_compute_point (GTK_WIDGET (gtk_widget_get_native (GTK_WIDGET (self))), GTK_WIDGET (self),
                                        &GRAPHENE_POINT_INIT (wx, wy), &p))
            x = p.x, y = p.y;
        }
      zoom_at (self, self->zoom * pow (1.1, -dy), x, y);
      return TRUE;
    }

  if (self->hadjustment == NULL || self->vadjustment == NULL)
    return FALSE;
  if (state & GDK_SHIFT_MASK)
    dx = dx != 0 ? dx : dy, dy = 0;
  gtk_adjustment_set_value (self->hadjustment, adjustment_value (self->hadjustment) + dx * 40);
  gtk_adjustment_set_value (self->vadjustment, adjustment_value (self->vadjustment) + dy * 40);
  return TRUE;
}

static void
on_zoom_gesture (GtkGestureZoom *gesture,
                 double          scale,
                 SluiceCanvas   *self)
{
  double x, y;

  // The gesture reports the scale since it began; apply only the change.
  gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y);
  zoom_at (self, self->zoom * scale / MAX (0.01, self->pinch_scale), x, y);
  self->pinch_scale = scale;
}

static void
on_zoom_begin (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               SluiceCanvas     *self)
{
  self->pinch_scale = 1.0;
}

void
sluice_canvas_delete_selection (SluiceCanvas *self)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == NULL || self->read_only)
    return;
  {
    const char *link_step, *link_port;

    if (sluice_document_get_selected_link (self->document, &link_step, &link_port))
      {
        g_autofree char *step = g_strdup (link_step);
        g_autofree char *port = g_strdup (link_port);

        sluice_document_disconnect (self->document, step, port);
        return;
      }
  }
  sluice_document_remove_steps (self->document, sluice_document_get_selection (self->document));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SluiceCanvas             *self)
{
  SluiceHit hit;
  double mx, my;
  gboolean changed;

  if (self->document == NULL || self->drag_mode != DRAG_NONE)
    return;

  view_to_model (self, x, y, &mx, &my);
  hit = sluice_document_hit_test (self->document, mx, my);
  if (hit.kind != SLUICE_HIT_LINK)
    sluice_hit_clear (&hit);
  changed = g_strcmp0 (hit.step_id, self->hover_link_step) != 0 || g_strcmp0 (hit.port, self->hover_link_port) != 0;
  g_free (self->hover_link_step);
  g_free (self->hover_link_port);
  self->hover_link_step = g_steal_pointer (&hit.step_id);
  self->hover_link_port = g_steal_pointer (&hit.port);
  if (changed)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

// Tab walks the nodes in file order, so every node is reachable without a
// mouse; the selection shows where focus is, and screen readers hear it.
static void
select_next (SluiceCanvas *self,
             gboolean      backwards)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  const char *current = sluice_document_get_selection (self->document)[0];
  guint n = steps->len, next = backwards ? n - 1 : 0;

  if (n == 0)
    return;
  for (guint i = 0; current != NULL && i < n; i++)
    if (g_str_equal (sluice_step_get_id (g_ptr_array_index (steps, i)), current))
      next = backwards ? (i + n - 1) % n : (i + 1) % n;
  sluice_canvas_reveal_step (self, sluice_step_get_id (g_ptr_array_index (steps, next)));
}

static void
update_accessible_label (SluiceCanvas *self)
{
  const char *selected = self->document ? sluice_document_get_selection (self->document)[0] : NULL;
  SluiceStep *step = selected ? sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), selected) : NULL;
  g_autofree char *label = NULL;
  SluiceAnnotationKind kind;
  const char *text;

  if (step == NULL && selected != NULL &&
      sluice_document_get_annotation (self->document, selected, &kind, NULL, &text))
    label = g_strdup_printf (kind == SLUICE_ANNOTATION_NOTE ? _("Pipeline canvas, note selected: %s")
                                                            : _("Pipeline canvas, frame %s selected"), text);
  else if (step != NULL)
    {
      SluiceComponent *component = sluice_document_get_component (self->document, step);
      const char *name = sluice_step_get_display_name (step);

      label = g_strdup_printf (_("Pipeline canvas, step %s selected (%s)"), selected,
                               name ? name : component ? sluice_component_get_display_name (component) : "");
    }
  else
    label = g_strdup (_("Pipeline canvas"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

typedef struct
{
  SluiceCanvas *canvas;
  char         *from_step;
  char         *output;
  char         *to_step;
  char         *input;
} LinkChoice;

static void
link_choice_free (gpointer data)
{
  LinkChoice *c = data;

  g_free (c->from_step);
  g_free (c->output);
  g_free (c->to_step);
  g_free (c->input);
  g_free (c);
}

static void
on_link_choice_clicked (GtkButton  *button,
                        LinkChoice *choice)
{
  SluiceCanvas *self = choice->canvas;
  g_autoptr(GError) error = NULL;
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER);

  if (!sluice_document_connect (self->document, choice->from_step, choice->output, choice->to_step, choice->input, &error))
    message (self, error->message);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
add_link_choices (SluiceCanvas *self,
                  GtkBox       *box,
                  SluiceStep   *from,
                  const SluicePortSpec *out)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *to = g_ptr_array_index (steps, i);
      SluiceComponent *component = sluice_document_get_component (self->document, to);
      GPtrArray *inputs;

      if (to == from || component == NULL)
        continue;
      inputs = sluice_component_get_inputs (component);
      for (guint j = 0; j < inputs->len; j++)
        {
          const SluicePortSpec *in = g_ptr_array_index (inputs, j);
          g_autofree char *label = NULL;
          LinkChoice *choice;
          GtkWidget *button;

          if (!sluice_port_type_is_compatible (out->type, in->type))
            continue;
          label = g_strdup_printf ("%s → %s.%s", out->name, sluice_step_get_id (to), in->name);
          button = gtk_button_new_with_label (label);
          gtk_widget_add_css_class (button, "flat");
          choice = g_new0 (LinkChoice, 1);
          choice->canvas = self;
          choice->from_step = g_strdup (sluice_step_get_id (from));
          choice->output = g_strdup (out->name);
          choice->to_step = g_strdup (sluice_step_get_id (to));
          choice->input = g_strdup (in->name);
          g_signal_connect_data (button, "clicked", G_CALLBACK (on_link_choice_clicked), choice,
                                 (GClosureNotify) link_choice_free, 0);
          gtk_box_append (box, button);
        }
    }
}

// The keyboard way to link: L on a selected node lists every input its
// outputs may feed (by the same type rule), and Enter connects.
static void
show_port_picker (SluiceCanvas *self)
{
  const char *selected = sluice_document_get_selection (self->document)[0];
  SluiceStep *from = selected ? sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), selected) : NULL;
  SluiceComponent *component = from ? sluice_document_get_component (self->document, from) : NULL;
  GtkWidget *popover, *scroller, *box;
  GPtrArray *outputs;
  SluiceRect r;

  if (self->read_only || component == NULL || !sluice_document_get_node_rect (self->document, selected, &r))
    return;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  outputs = sluice_component_get_outputs (component);
  for (guint i = 0; i < outputs->len; i++)
    add_link_choices (self, GTK_BOX (box), from, g_ptr_array_index (outputs, i));
  if (gtk_widget_get_first_child (box) == NULL)
    {
      message (self, _("No input in this pipeline can take this step's outputs"));
      g_object_ref_sink (box);
      g_object_unref (box);
      return;
    }

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);
  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), scroller);
  gtk_widget_set_parent (popover, GTK_WIDGET (self));
  gtk_popover_set_pointing_to (GTK_POPOVER (popover),
                               &(GdkRectangle) { (int) ((r.x + r.width) * self->zoom - adjustment_value (self->hadjustment)),
                                                 (int) (r.y * self->zoom - adjustment_value (self->vadjustment)), 1, 1 });
  g_signal_connect (popover, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                SluiceCanvas          *self)
{
  double step = state & GDK_SHIFT_MASK ? 1 : ARROW_STEP;
  double dx = 0, dy = 0;

  if (self->document == NULL)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_space:
      self->space_held = TRUE;
      return TRUE;
    case GDK_KEY_Delete:
    case GDK_KEY_BackSpace:
      sluice_canvas_delete_selection (self);
      return TRUE;
    case GDK_KEY_Tab:
    case GDK_KEY_ISO_Left_Tab:
      if (state & GDK_CONTROL_MASK)
        return FALSE;   // Ctrl+Tab leaves the canvas
      select_next (self, keyval == GDK_KEY_ISO_Left_Tab || (state & GDK_SHIFT_MASK));
      return TRUE;
    case GDK_KEY_l:
      if (state & GDK_CONTROL_MASK)
        return FALSE;
      show_port_picker (self);
      return TRUE;
    case GDK_KEY_Left:
      dx = -step;
      break;
    case GDK_KEY_Right:
      dx = step;
      break;
    case GDK_KEY_Up:
      dy = -step;
      break;
    case GDK_KEY_Down:
      dy = step;
      break;
    default:
      return FALSE;
    }

  // Read-only, the arrows scroll the view instead.
  if (self->read_only || sluice_document_get_selection (self->document)[0] == NULL)
    return FALSE;
  {
    g_auto(GStrv) items = sluice_document_with_frame_contents (self->document,
                                                               sluice_document_get_selection (self->document));

    sluice_document_move_steps (self->document, (const char * const *) items, dx, dy);
  }
  return TRUE;
}

static void
on_key_released (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 SluiceCanvas          *self)
{
  if (keyval == GDK_KEY_space)
    self->space_held = FALSE;
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         SluiceCanvas  *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  double mx, my;

  if (self->document == NULL || !G_VALUE_HOLDS_STRING (value))
    return FALSE;
  if (self->read_only)
    {
      message (self, _("A past run cannot be changed; go back to editing to add steps"));
      return FALSE;
    }

  view_to_model (self, x, y, &mx, &my);
  id = sluice_document_add_step (self->document, g_value_get_string (value),
                                 mx - SLUICE_NODE_WIDTH / 2, my - SLUICE_NODE_HEADER / 2, &error);
  if (id == NULL)
    {
      message (self, error->message);
      return FALSE;
    }
  return TRUE;
}

// Over a node during or after a run: its state, attempt and why it failed
// or was skipped, which the badge has no room for.
static gboolean
set_run_tooltip (SluiceCanvas *self,
                 const char   *step_id,
                 GtkTooltip   *tooltip)
{
  SluiceState state = sluice_run_status_get_step_state (self->run_status, step_id);
  const char *message = sluice_run_status_get_step_message (self->run_status, step_id);
  guint attempt = sluice_run_status_get_step_attempt (self->run_status, step_id);
  g_autofree char *attempts = attempt > 1 ? g_strdup_printf (_(" (attempt %u)"), attempt) : g_strdup ("");
  g_autofree char *text = NULL;

  if (state == SLUICE_STATE_PENDING && message == NULL)
    return FALSE;
  // "cancelled" because cancelled says nothing more.
  if (g_strcmp0 (message, sluice_state_to_string (state)) == 0)
    message = NULL;
  text = g_markup_printf_escaped ("<b>%s</b> · %s%s%s%s", step_id, _(state_look (state).label ? state_look (state).label
                                                                                              : sluice_state_to_string (state)),
                                  attempts, message ? "\n" : "", message ? message : "");
  gtk_tooltip_set_markup (tooltip, text);
  return TRUE;
}

static gboolean
on_query_tooltip (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip,
                  SluiceCanvas *self)
{
  SluiceStep *step;
  SluiceComponent *component;
  const SluicePortSpec *spec;
  g_autofree char *text = NULL;
  SluiceHit hit;
  double mx, my;

  if (self->document == NULL || keyboard)
    return FALSE;

  view_to_model (self, x, y, &mx, &my);
  hit = sluice_document_hit_test (self->document, mx, my);
  if (hit.kind == SLUICE_HIT_NODE && self->run_status != NULL)
    {
      gboolean shown = set_run_tooltip (self, hit.step_id, tooltip);

      sluice_hit_clear (&hit);
      return shown;
    }
  if (hit.kind != SLUICE_HIT_INPUT_PORT && hit.kind != SLUICE_HIT_OUTPUT_PORT)
    {
      sluice_hit_clear (&hit);
      return FALSE;
    }

  step = sluice_pipeline_find_step (sluice_document_get_pipeline (self->document), hit.step_id);
  component = sluice_document_get_component (self->document, step);
  spec = hit.kind == SLUICE_HIT_INPUT_PORT ? sluice_component_find_input (component, hit.port)
                                           : sluice_component_find_output (component, hit.port);
  text = g_markup_printf_escaped ("<b>%s</b> · %s%s%s", spec->name, spec->type,
                                  spec->description ? "\n" : "", spec->description ? spec->description : "");
  gtk_tooltip_set_markup (tooltip, text);
  sluice_hit_clear (&hit);
  return TRUE;
}

/* editing notes and frames -------------------------------------------------------- */

#define EDITOR_ID "sluice-annotation-id"

static char *
editor_text (GtkWidget *editor)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  if (GTK_IS_EDITABLE (editor))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (editor)));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

// Closing the editor (Escape, a click outside, Enter in a title) keeps
// what was typed, as a sticky note would.
static void
on_editor_closed (GtkPopover   *popover,
                  SluiceCanvas *self)
{
  GtkWidget *editor = g_object_get_data (G_OBJECT (popover), "sluice-editor");
  const char *id = g_object_get_data (G_OBJECT (popover), EDITOR_ID);
  g_autofree char *text = editor_text (editor);
  const char *current;

  if (self->document != NULL &&
      sluice_document_get_annotation (self->document, id, NULL, NULL, &current) &&
      g_strcmp0 (current, text) != 0)
    sluice_document_set_annotation_text (self->document, id, text);
  gtk_widget_unparent (GTK_WIDGET (popover));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_title_activate (GtkEntry *entry,
                   gpointer  user_data)
{
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (GTK_WIDGET (entry), GTK_TYPE_POPOVER)));
}

// Edits a note's text or a frame's title in place, in a popover over it.
void
sluice_canvas_edit_annotation (SluiceCanvas *self,
                               const char   *id)
{
  SluiceAnnotationKind kind;
  const char *text;
  GtkWidget *popover, *editor, *child;
  SluiceRect r;

  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == NULL || self->read_only ||
      !sluice_document_get_annotation (self->document, id, &kind, &r, &text))
    return;

  if (kind == SLUICE_ANNOTATION_FRAME)
    {
      editor = child = gtk_entry_new ();
      gtk_editable_set_text (GTK_EDITABLE (editor), text);
      gtk_editable_set_width_chars (GTK_EDITABLE (editor), 28);
      g_signal_connect (editor, "activate", G_CALLBACK (on_title_activate), NULL);
      gtk_accessible_update_property (GTK_ACCESSIBLE (editor), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Frame title"), -1);
    }
  else
    {
      editor = gtk_text_view_new ();
      gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (editor), GTK_WRAP_WORD_CHAR);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), text, -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (editor), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note text"), -1);
      child = gtk_scrolled_window_new ();
      gtk_widget_set_size_request (child, 280, 160);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (child), editor);
    }

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), child);
  g_object_set_data (G_OBJECT (popover), "sluice-editor", editor);
  g_object_set_data_full (G_OBJECT (popover), EDITOR_ID, g_strdup (id), g_free);
  gtk_widget_set_parent (popover, GTK_WIDGET (self));
  gtk_popover_set_position (GTK_POPOVER (popover), GTK_POS_BOTTOM);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover),
                               &(GdkRectangle) { (int) ((r.x + 20) * self->zoom - adjustment_value (self->hadjustment)),
                                                 (int) ((r.y + 20) * self->zoom - adjustment_value (self->vadjustment)),
                                                 1, 1 });
  g_signal_connect (popover, "closed", G_CALLBACK (on_editor_closed), self);
  gtk_popover_popup (GTK_POPOVER (popover));
  gtk_widget_grab_focus (editor);
}

static void
add_note_at (SluiceCanvas *self,
             double        x,
             double        y)
{
  g_autofree char *id = NULL;

  if (self->document == NULL || self->read_only)
    return;
  id = sluice_document_add_note (self->document, x, y, "");
  gtk_widget_queue_draw (GTK_WIDGET (self));
  sluice_canvas_edit_annotation (self, id);
}

// A new note in the middle of the view, ready to be written.
void
sluice_canvas_add_note (SluiceCanvas *self)
{
  double x, y;

  g_return_if_fail (SLUICE_IS_CANVAS (self));
  sluice_canvas_get_view_center (self, &x, &y);
  add_note_at (self, x - SLUICE_NOTE_WIDTH / 2, y - SLUICE_NOTE_HEIGHT / 2);
}

// A frame around the selection, with its title ready to be typed.
void
sluice_canvas_frame_selection (SluiceCanvas *self)
{
  g_autofree char *id = NULL;

  g_return_if_fail (SLUICE_IS_CANVAS (self));

  if (self->document == NULL || self->read_only)
    return;
  if ((id = sluice_document_frame_selection (self->document, _("Group"))) == NULL)
    {
      message (self, _("Select the steps to frame first"));
      return;
    }
  sluice_canvas_edit_annotation (self, id);
}

static void
add_note_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SluiceCanvas *self = SLUICE_CANVAS (widget);

  add_note_at (self, self->context_x, self->context_y);
}

static void
frame_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  sluice_canvas_frame_selection (SLUICE_CANVAS (widget));
}

static void
on_double_click (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 SluiceCanvas    *self)
{
  SluiceHit hit;
  double mx, my;

  if (n_press != 2 || self->document == NULL)
    return;
  view_to_model (self, x, y, &mx, &my);
  hit = sluice_document_hit_test (self->document, mx, my);
  if (hit.kind == SLUICE_HIT_NOTE || hit.kind == SLUICE_HIT_FRAME)
    sluice_canvas_edit_annotation (self, hit.step_id);
  sluice_hit_clear (&hit);
}

static GMenuModel *
context_menu_model (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) edit = g_menu_new ();
  g_autoptr(GMenu) arrange = g_menu_new ();

  g_menu_append (edit, _("Add _Note"), "canvas.add-note");
  g_menu_append (edit, _("_Frame Selection"), "canvas.frame-selection");
  g_menu_append (arrange, _("_Paste"), "win.paste");
  g_menu_append (arrange, _("_Delete"), "win.delete");
  g_menu_append (arrange, _("Arrange _Automatically"), "win.auto-layout");
  g_menu_append (arrange, _("Output _Lineage"), "win.show-lineage");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (edit));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (arrange));
  {
    // The run's actions on the step under the pointer (it is selected).
    g_autoptr(GMenu) run = g_menu_new ();

    g_menu_append (run, _("_Cancel Step"), "win.cancel-step");
    g_menu_append (run, _("Re-run From _Here"), "win.rerun-from");
    g_menu_append (run, _("Re-run With _Force"), "win.rerun-force");
    g_menu_append_section (menu, NULL, G_MENU_MODEL (run));
  }
  return G_MENU_MODEL (menu);
}

// Right-click: what is under the pointer joins the selection first, so the
// menu acts on it; a note is added where the menu was opened.
static void
on_context_click (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  SluiceCanvas    *self)
{
  SluiceHit hit;

  if (self->document == NULL)
    return;
  view_to_model (self, x, y, &self->context_x, &self->context_y);
  hit = sluice_document_hit_test (self->document, self->context_x, self->context_y);
  if ((hit.kind == SLUICE_HIT_NODE || hit.kind == SLUICE_HIT_NOTE || hit.kind == SLUICE_HIT_FRAME) &&
      !sluice_document_is_selected (self->document, hit.step_id))
    select_only (self, hit.step_id);
  sluice_hit_clear (&hit);

  if (self->context_menu == NULL)
    {
      g_autoptr(GMenuModel) model = context_menu_model ();

      self->context_menu = gtk_popover_menu_new_from_model (model);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* GObject ------------------------------------------------------------------------------- */

static void
on_adjustment_changed (SluiceCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_adjustment (SluiceCanvas   *self,
                GtkAdjustment **slot,
                GtkAdjustment  *adjustment)
{
  if (*slot == adjustment)
    return;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, self);
  g_set_object (slot, adjustment);
  if (adjustment != NULL)
    g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (on_adjustment_changed), self);
  update_adjustments (self);
}

static void
sluice_canvas_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  SluiceCanvas *self = SLUICE_CANVAS (widget);

  update_adjustments (self);
  if (self->fit_pending && width > 1 && height > 1)
    sluice_canvas_zoom_to_fit (self);
}

static void
sluice_canvas_dispose (GObject *object)
{
  SluiceCanvas *self = (SluiceCanvas *)object;

  sluice_canvas_set_document (self, NULL);
  sluice_canvas_set_run_status (self, NULL);
  set_adjustment (self, &self->hadjustment, NULL);
  // An open port picker, editor or context menu is our child.
  _sluice_widget_unparent_children (GTK_WIDGET (self));
  self->context_menu = NULL;
  set_adjustment (self, &self->vadjustment, NULL);

  G_OBJECT_CLASS (sluice_canvas_parent_class)->dispose (object);
}

static void
sluice_canvas_finalize (GObject *object)
{
  SluiceCanvas *self = (SluiceCanvas *)object;

  g_clear_pointer (&self->node_cache, g_hash_table_unref);
  g_clear_pointer (&self->error_steps, g_hash_table_unref);
  g_free (self->link_step);
  g_free (self->link_port);
  g_free (self->hover_link_step);
  g_free (self->hover_link_port);
  g_strfreev (self->drag_items);
  g_free (self->resize_id);
  g_clear_pointer (&self->minimap_cache, gsk_render_node_unref);
  g_clear_pointer (&self->links_cache, gsk_render_node_unref);
  g_clear_pointer (&self->links_cache_shapes, g_array_unref);
  if (self->frame_stats != NULL)
    fclose (self->frame_stats);

  G_OBJECT_CLASS (sluice_canvas_parent_class)->finalize (object);
}

static void
sluice_canvas_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SluiceCanvas *self = SLUICE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_canvas_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SluiceCanvas *self = SLUICE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      sluice_canvas_set_document (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      sluice_canvas_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_READ_ONLY:
      sluice_canvas_set_read_only (self, g_value_get_boolean (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, &self->hadjustment, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, &self->vadjustment, g_value_get_object (value));
      break;
    case PROP_HSCROLL_POLICY:
      self->hscroll_policy = g_value_get_enum (value);
      break;
    case PROP_VSCROLL_POLICY:
      self->vscroll_policy = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_canvas_class_init (SluiceCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_canvas_dispose;
  object_class->finalize = sluice_canvas_finalize;
  object_class->get_property = sluice_canvas_get_property;
  object_class->set_property = sluice_canvas_set_property;

  widget_class->snapshot = sluice_canvas_snapshot;
  widget_class->size_allocate = sluice_canvas_size_allocate;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, SLUICE_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, MIN_ZOOM, MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * SluiceCanvas:read-only:
   *
   * Whether the pipeline shown may be changed. Read-only (a past run), its
   * nodes can be selected and the view panned and zoomed, but nothing is
   * moved, resized, linked, deleted, added or dropped.
   */
  properties[PROP_READ_ONLY] =
    g_param_spec_boolean ("read-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  /**
   * SluiceCanvas::message:
   * @text: what to tell the user
   *
   * Something the user tried was refused (an incompatible link, say); the
   * window shows it as a toast.
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "canvas.add-note", NULL, add_note_action);
  gtk_widget_class_install_action (widget_class, "canvas.frame-selection", NULL, frame_selection_action);

  gtk_widget_class_set_css_name (widget_class, "sluicecanvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sluice_canvas_init (SluiceCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *middle = gtk_gesture_drag_new ();
  GtkGesture *zoom = gtk_gesture_zoom_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_COPY);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *double_click = gtk_gesture_click_new ();
  GtkGesture *context_click = gtk_gesture_click_new ();

  self->zoom = 1.0;
  self->node_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_node_free);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pipeline canvas"), -1);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (middle), GDK_BUTTON_MIDDLE);
  g_signal_connect (middle, "drag-begin", G_CALLBACK (on_middle_drag_begin), self);
  g_signal_connect (middle, "drag-update", G_CALLBACK (on_middle_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (middle));

  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_gesture), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (keys, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  self->drop = drop;
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), self);

  g_signal_connect (double_click, "released", G_CALLBACK (on_double_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (double_click));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (context_click), GDK_BUTTON_SECONDARY);
  g_signal_connect (context_click, "pressed", G_CALLBACK (on_context_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (context_click));

  setup_frame_stats (self);
}

void
sluice_canvas_set_read_only (SluiceCanvas *self,
                             gboolean      read_only)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));

  read_only = !!read_only;
  if (self->read_only == read_only)
    return;
  self->read_only = read_only;
  // A drag begun before stays what it was; the document takes back any
  // change it would make (see sluice_document_set_read_only()).
  gtk_drop_target_set_actions (self->drop, read_only ? 0 : GDK_ACTION_COPY);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "canvas.add-note", !read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "canvas.frame-selection", !read_only);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_ONLY]);
}

gboolean
sluice_canvas_get_read_only (SluiceCanvas *self)
{
  g_return_val_if_fail (SLUICE_IS_CANVAS (self), FALSE);
  return self->read_only;
}

// Where a pipeline point is on its window's surface: for tests that drive the canvas
// with a pointer, and for placing popovers.
gboolean
sluice_canvas_model_to_window (SluiceCanvas *self,
                               double        mx,
                               double        my,
                               double       *wx,
                               double       *wy)
{
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
  graphene_point_t p;
  double sx = 0, sy = 0;

  g_return_val_if_fail (SLUICE_IS_CANVAS (self), FALSE);

  if (root == NULL ||
      !gtk_widget_compute_point (GTK_WIDGET (self), root,
                                 &GRAPHENE_POINT_INIT (mx * self->zoom - adjustment_value (self->hadjustment),
                                                       my * self->zoom - adjustment_value (self->vadjustment)),
                                 &p))
    return FALSE;
  // Relative to the window's surface, which may include a shadow margin.
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  *wx = p.x + sx;
  *wy = p.y + sy;
  return TRUE;
}

static void
draw_scene (SluiceCanvas *self,
            cairo_t      *cr,
            SluiceRect   *bounds,
            double        margin)
{
  GPtrArray *steps = sluice_pipeline_get_steps (sluice_document_get_pipeline (self->document));
  GdkRGBA background;

  rgba (&background, is_dark () ? 0x242424 : 0xfafafa, 1);
  gdk_cairo_set_source_rgba (cr, &background);
  cairo_paint (cr);
  cairo_translate (cr, margin - bounds->x, margin - bounds->y);
  {
    g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
    g_autoptr(GskRenderNode) annotations = NULL;
    graphene_rect_t all = GRAPHENE_RECT_INIT (bounds->x, bounds->y, bounds->width, bounds->height);

    draw_annotations (self, snapshot, &all);
    if ((annotations = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot))) != NULL)
      gsk_render_node_draw (annotations, cr);
  }
  draw_links (self, cr, NULL);

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      SluiceRect r;

      if (!sluice_document_get_node_rect (self->document, sluice_step_get_id (step), &r))
        continue;
      cairo_save (cr);
      cairo_translate (cr, r.x, r.y);
      gsk_render_node_draw (cached_node (self, step, &r), cr);
      cairo_restore (cr);
    }
}

// The whole pipeline at full size, as PNG or SVG (by the file name), for
// reports and slides. Drawn by cairo from the same node pictures.
gboolean
sluice_canvas_export (SluiceCanvas  *self,
                      const char    *path,
                      GError       **error)
{
  const double margin = 40;
  gboolean svg = g_str_has_suffix (path, ".svg");
  cairo_surface_t *surface;
  cairo_status_t status;
  SluiceRect b;
  cairo_t *cr;
  double width, height;

  g_return_val_if_fail (SLUICE_IS_CANVAS (self), FALSE);

  if (self->document == NULL)
    return TRUE;
  sluice_document_get_bounds (self->document, &b);
  width = b.width + 2 * margin;
  height = b.height + 2 * margin;

  surface = svg ? cairo_svg_surface_create (path, width, height)
                : cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width), (int) ceil (height));
  cr = cairo_create (surface);
  draw_scene (self, cr, &b, margin);
  cairo_destroy (cr);
  if (!svg)
    cairo_surface_write_to_png (surface, path);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

void
sluice_canvas_set_snap_to_grid (SluiceCanvas *self,
                                gboolean      snap)
{
  g_return_if_fail (SLUICE_IS_CANVAS (self));
  self->snap_to_grid = !!snap;
}

GtkWidget *
sluice_canvas_new (void)
{
  return g_object_new (SLUICE_TYPE_CANVAS, NULL);
}
