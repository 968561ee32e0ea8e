// SPDX-License-Identifier: GPL-3.0-or-later
//
// A GtkTextView rather than a list of rows: selecting and copying any part
// of a log is what people do with one, and with lines capped and inserted
// per frame in runs of one stream, a text buffer keeps up easily.

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sluice-log-view.h"
#include "sluice-widget-private.h"

#define DEFAULT_MAX_LINES 50000
// Matches highlighted at most; counting goes on past it.
#define MAX_HIGHLIGHTS 10000

typedef struct
{
  char  stream;
  char *text;
} PendingLine;

struct _SluiceLogView
{
  GtkWidget       parent_instance;

  GtkTextView    *text_view;
  GtkTextBuffer  *buffer;
  GtkScrolledWindow *scroller;
  GtkSearchEntry *search_entry;
  GtkLabel       *match_label;
  GtkToggleButton *follow_button;
  GtkWidget      *dropped_bar;
  GtkWidget      *open_button;
  GtkWidget      *toolbar;
  GtkLabel       *dropped_label;
  GtkTextTag     *tags[3];       // stdout, stderr, note
  GtkTextTag     *match_tag;
  GtkTextTag     *current_tag;
  GtkTextMark    *end_mark;

  GArray         *pending;       // PendingLine, waiting for the next frame
  guint           tick_id;
  guint           stick_id;
  guint           n_lines;       // in the buffer
  guint           max_lines;
  guint64         dropped;
  gboolean        follow;
  double          last_value;    // the scroll position seen last
  gint64          input_time;    // monotonic time of the last scroll, key or press
  gboolean        pointer_down;  // a press (maybe a scrollbar drag) goes on

  char           *query;
  GArray         *matches;       // char offsets of match starts
  guint           match_chars;
  guint           current;       // 1-based; 0 = none
};

G_DEFINE_FINAL_TYPE (SluiceLogView, sluice_log_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FOLLOW,
  PROP_N_LINES,
  N_PROPS
};

enum {
  OPEN_FULL_LOG,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
pending_line_clear (gpointer data)
{
  g_free (((PendingLine *) data)->text);
}

static int
stream_index (char stream)
{
  return stream == 'e' ? 1 : stream == 's' ? 2 : 0;
}

/* colours ------------------------------------------------------------------------------ */

// The palette of the GNOME HIG: red for stderr, blue for Sluice's notes,
// yellow for search matches; lighter shades on a dark background.
static void
update_colors (SluiceLogView *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  g_object_set (self->tags[1],
                "foreground", dark ? "#ff7b63" : "#c01c28",
                "paragraph-background", dark ? "rgba(255,123,99,0.10)" : "rgba(224,27,36,0.07)",
                NULL);
  g_object_set (self->tags[2],
                "foreground", dark ? "#99c1f1" : "#1a5fb4",
                "style", PANGO_STYLE_ITALIC,
                NULL);
  g_object_set (self->match_tag, "background", dark ? "rgba(246,211,45,0.35)" : "rgba(246,211,45,0.55)", NULL);
  g_object_set (self->current_tag, "background", dark ? "#c64600" : "#ffa348", NULL);
}

/* search ------------------------------------------------------------------------------- */

static void
update_match_label (SluiceLogView *self)
{
  g_autofree char *text = NULL;

  if (self->query == NULL || *self->query == '\0')
    text = g_strdup ("");
  else if (self->matches->len == 0)
    text = g_strdup (_("No matches"));
  else
    text = g_strdup_printf (_("%u of %u"), self->current, self->matches->len);
  gtk_label_set_label (self->match_label, text);
}

static void
find_matches_from (SluiceLogView *self,
                   GtkTextIter   *from)
{
  GtkTextIter start, end, limit;

  gtk_text_buffer_get_end_iter (self->buffer, &limit);
  while (gtk_text_iter_forward_search (from, self->query, GTK_TEXT_SEARCH_CASE_INSENSITIVE | GTK_TEXT_SEARCH_TEXT_ONLY,
                                       &start, &end, &limit))
    {
      int offset = gtk_text_iter_get_offset (&start);

      g_array_append_val (self->matches, offset);
      if (self->matches->len <= MAX_HIGHLIGHTS)
        gtk_text_buffer_apply_tag (self->buffer, self->match_tag, &start, &end);
      *from = end;
    }
}

static void
show_current (SluiceLogView *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_tag, &start, &end);
  if (self->current > 0 && self->current <= self->matches->len)
    {
      int offset = g_array_index (self->matches, int, self->current - 1);

      gtk_text_buffer_get_iter_at_offset (self->buffer, &start, offset);
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end, offset + self->match_chars);
      gtk_text_buffer_apply_tag (self->buffer, self->current_tag, &start, &end);
      gtk_text_view_scroll_to_iter (self->text_view, &start, 0.1, FALSE, 0, 0.5);
    }
  update_match_label (self);
}

static void
research (SluiceLogView *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->match_tag, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_tag, &start, &end);
  g_array_set_size (self->matches, 0);
  self->current = 0;
  if (self->query != NULL && *self->query != '\0')
    {
      find_matches_from (self, &start);
      self->current = self->matches->len > 0 ? 1 : 0;
    }
}

void
sluice_log_view_search (SluiceLogView *self,
                        const char    *text)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  g_free (self->query);
  self->query = g_strdup (text);
  self->match_chars = text ? g_utf8_strlen (text, -1) : 0;
  research (self);
  // Looking at a match and following the tail cannot both be.
  if (self->current > 0)
    sluice_log_view_set_follow (self, FALSE);
  show_current (self);
}

static void
on_search_changed (SluiceLogView *self)
{
  sluice_log_view_search (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
step_match (SluiceLogView *self,
            int            delta)
{
  guint n = self->matches->len;

  if (n == 0)
    return;
  sluice_log_view_set_follow (self, FALSE);
  self->current = self->current == 0 ? 1 : (self->current - 1 + n + delta) % n + 1;
  show_current (self);
}

static void
on_next_match (SluiceLogView *self)
{
  step_match (self, 1);
}

static void
on_previous_match (SluiceLogView *self)
{
  step_match (self, -1);
}

/* appending ---------------------------------------------------------------------------- */

static void
update_dropped_bar (SluiceLogView *self)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->dropped_bar, self->dropped > 0);
  if (self->dropped == 0)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GUINT64_FORMAT " earlier line is not shown",
                                       "%" G_GUINT64_FORMAT " earlier lines are not shown", self->dropped),
                          self->dropped);
  gtk_label_set_label (self->dropped_label, text);
}

static void
drop_front_lines (SluiceLogView *self,
                  guint          count)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_start_iter (self->buffer, &start);
  gtk_text_buffer_get_iter_at_line (self->buffer, &end, count);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  self->n_lines -= count;
  self->dropped += count;
}

static void
scroll_to_end (SluiceLogView *self)
{
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_move_mark (self->buffer, self->end_mark, &end);
  // Deferred by the view until the new lines are measured.
  gtk_text_view_scroll_to_mark (self->text_view, self->end_mark, 0, TRUE, 0, 1.0);
}

// Inserts what is pending, runs of one stream at a time.
static void
flush_pending (SluiceLogView *self)
{
  g_autoptr(GString) run = g_string_new (NULL);
  guint first = 0, count = self->pending->len;
  guint overflow;
  GtkTextIter end;
  int search_from = -1;
  char stream = 0;

  if (count == 0)
    return;
  // Lines that would be dropped at once are never inserted.
  if (count > self->max_lines)
    {
      first = count - self->max_lines;
      self->dropped += first;
    }
  if (self->query != NULL && *self->query != '\0')
    search_from = gtk_text_buffer_get_char_count (self->buffer);

  for (guint i = first; i <= count; i++)
    {
      PendingLine *line = i < count ? &g_array_index (self->pending, PendingLine, i) : NULL;

      if (line == NULL || (line->stream != stream && run->len > 0))
        {
          gtk_text_buffer_get_end_iter (self->buffer, &end);
          gtk_text_buffer_insert_with_tags (self->buffer, &end, run->str, run->len,
                                            self->tags[stream_index (stream)], NULL);
          g_string_truncate (run, 0);
        }
      if (line == NULL)
        break;
      stream = line->stream;
      if (stream == 's')
        g_string_append (run, "» ");
      g_string_append (run, line->text);
      g_string_append_c (run, '\n');
      self->n_lines++;
    }
  g_array_set_size (self->pending, 0);

  overflow = self->n_lines > self->max_lines ? self->n_lines - self->max_lines : 0;
  if (overflow > 0)
    {
      drop_front_lines (self, overflow);
      // Offsets moved; searching again is simpler than shifting them.
      if (search_from >= 0)
        {
          guint current = self->current;

          research (self);
          self->current = MIN (current, self->matches->len);
        }
    }
  else if (search_from >= 0)
    {
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end, search_from);
      find_matches_from (self, &end);
      if (self->current == 0 && self->matches->len > 0)
        self->current = 1;
    }
  if (search_from >= 0)
    update_match_label (self);
  update_dropped_bar (self);
  if (self->follow)
    scroll_to_end (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LINES]);
}

static gboolean
flush_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       user_data)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (widget);

  self->tick_id = 0;
  flush_pending (self);
  return G_SOURCE_REMOVE;
}

void
sluice_log_view_append (SluiceLogView *self,
                        char           stream,
                        const char    *text)
{
  PendingLine line = { stream, NULL };

  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  // Text from the history is UTF-8, but a remote stream might not be.
  line.text = g_utf8_make_valid (text ? text : "", -1);
  g_array_append_val (self->pending, line);
  // While hidden no frame comes: keep the queue as short as the view.
  if (self->pending->len > 2 * MAX (self->max_lines, 1))
    {
      guint extra = self->pending->len - self->max_lines;

      g_array_remove_range (self->pending, 0, extra);
      self->dropped += extra;
    }
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), flush_tick, NULL, NULL);
}

void
sluice_log_view_add_dropped (SluiceLogView *self,
                             guint64        count)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  self->dropped += count;
  update_dropped_bar (self);
}

void
sluice_log_view_clear (SluiceLogView *self)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  g_array_set_size (self->pending, 0);
  gtk_text_buffer_set_text (self->buffer, "", 0);
  self->n_lines = 0;
  self->dropped = 0;
  self->last_value = 0;
  research (self);
  update_match_label (self);
  update_dropped_bar (self);
  sluice_log_view_set_follow (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LINES]);
}

/* following ---------------------------------------------------------------------------- */

// The view moves by itself as lines come and are measured; only a move
// right after the person scrolled, pressed a key or dragged is theirs. Up
// stops following, back down to the end follows again.
static void
on_scrolled (SluiceLogView *self,
             GtkAdjustment *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  gboolean by_user = self->pointer_down || g_get_monotonic_time () - self->input_time < G_USEC_PER_SEC / 2;

  if (by_user && value < self->last_value - 1 && value < bottom - 1)
    sluice_log_view_set_follow (self, FALSE);
  else if (by_user && value >= bottom - 1)
    sluice_log_view_set_follow (self, TRUE);
  self->last_value = value;
}

static gboolean
stick_to_bottom (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  self->stick_id = 0;
  if (self->follow)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  self->last_value = gtk_adjustment_get_value (adjustment);
  return G_SOURCE_REMOVE;
}

// The text view measures new lines in the background, so the range keeps
// growing after an append: stay at the bottom as it does. The range
// changes while the view is laid out, so the move waits for the next frame.
static void
on_range_changed (SluiceLogView *self,
                  GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (self->follow && gtk_adjustment_get_value (adjustment) < bottom && self->stick_id == 0)
    self->stick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), stick_to_bottom, NULL, NULL);
}

static gboolean
on_user_scroll (SluiceLogView *self)
{
  self->input_time = g_get_monotonic_time ();
  return FALSE;
}

static gboolean
on_user_key (SluiceLogView *self)
{
  self->input_time = g_get_monotonic_time ();
  return FALSE;
}

static void
on_press_begin (SluiceLogView *self)
{
  self->pointer_down = TRUE;
  self->input_time = g_get_monotonic_time ();
}

static void
on_press_end (SluiceLogView *self)
{
  self->pointer_down = FALSE;
  self->input_time = g_get_monotonic_time ();
}

// Seen in the capture phase, before the scrolled window and its scrollbar
// act on them, and never consumed.
static void
watch_user_input (SluiceLogView *self)
{
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (scroll, "scroll", G_CALLBACK (on_user_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), scroll);

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (key, "key-pressed", G_CALLBACK (on_user_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), key);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drag), GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (on_press_begin), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (on_press_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), GTK_EVENT_CONTROLLER (drag));
}

gboolean
sluice_log_view_get_follow (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), FALSE);
  return self->follow;
}

void
sluice_log_view_set_follow (SluiceLogView *self,
                            gboolean       follow)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  follow = !!follow;
  if (self->follow == follow)
    return;
  self->follow = follow;
  gtk_toggle_button_set_active (self->follow_button, follow);
  if (follow)
    scroll_to_end (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
}

static void
on_follow_toggled (SluiceLogView *self)
{
  sluice_log_view_set_follow (self, gtk_toggle_button_get_active (self->follow_button));
}

static void
on_open_full_log (SluiceLogView *self)
{
  g_signal_emit (self, signals[OPEN_FULL_LOG], 0);
}

/* construction ------------------------------------------------------------------------- */

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
build_toolbar (SluiceLogView *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *navigation = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *previous = icon_button ("go-up-symbolic", _("Previous Match (Shift+Enter)"));
  GtkWidget *next = icon_button ("go-down-symbolic", _("Next Match (Enter)"));

  self->search_entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->search_entry), 160, -1);
  g_object_set (self->search_entry, "placeholder-text", _("Search log"), NULL);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_next_match), self);
  g_signal_connect_swapped (self->search_entry, "next-match", G_CALLBACK (on_next_match), self);
  g_signal_connect_swapped (self->search_entry, "previous-match", G_CALLBACK (on_previous_match), self);
  g_signal_connect_swapped (previous, "clicked", G_CALLBACK (on_previous_match), self);
  g_signal_connect_swapped (next, "clicked", G_CALLBACK (on_next_match), self);
  gtk_box_append (GTK_BOX (navigation), previous);
  gtk_box_append (GTK_BOX (navigation), next);

  self->match_label = GTK_LABEL (gtk_label_new (""));
  gtk_widget_add_css_class (GTK_WIDGET (self->match_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->match_label), "caption");
  gtk_widget_set_hexpand (GTK_WIDGET (self->match_label), TRUE);
  gtk_label_set_xalign (self->match_label, 0);

  self->follow_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_child (GTK_BUTTON (self->follow_button),
                        adw_button_content_new ());
  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (self->follow_button))),
                                    "go-bottom-symbolic");
  adw_button_content_set_label (ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (self->follow_button))),
                                _("Follow"));
  gtk_widget_add_css_class (GTK_WIDGET (self->follow_button), "flat");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->follow_button), _("Keep the newest lines in view"));
  g_signal_connect_swapped (self->follow_button, "toggled", G_CALLBACK (on_follow_toggled), self);

  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->search_entry));
  gtk_box_append (GTK_BOX (bar), navigation);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->match_label));
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->follow_button));
  gtk_widget_add_css_class (bar, "toolbar");
  return bar;
}

static GtkWidget *
build_dropped_bar (SluiceLogView *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-information-symbolic");
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Open Full Log"));

  self->open_button = button;

  self->dropped_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->dropped_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->dropped_label), TRUE);
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_open_full_log), self);
  gtk_box_append (GTK_BOX (bar), icon);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->dropped_label));
  gtk_box_append (GTK_BOX (bar), button);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 6);
  gtk_widget_set_margin_top (bar, 3);
  gtk_widget_set_margin_bottom (bar, 3);
  gtk_widget_set_visible (bar, FALSE);
  return bar;
}

static void
sluice_log_view_dispose (GObject *object)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->stick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stick_id);
      self->stick_id = 0;
    }
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);
  _sluice_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (sluice_log_view_parent_class)->dispose (object);
}

static void
sluice_log_view_finalize (GObject *object)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (object);

  g_array_unref (self->pending);
  g_array_unref (self->matches);
  g_free (self->query);

  G_OBJECT_CLASS (sluice_log_view_parent_class)->finalize (object);
}

static void
sluice_log_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_FOLLOW:
      g_value_set_boolean (value, self->follow);
      break;
    case PROP_N_LINES:
      g_value_set_uint (value, sluice_log_view_get_n_lines (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_log_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SluiceLogView *self = SLUICE_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_FOLLOW:
      sluice_log_view_set_follow (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sluice_log_view_class_init (SluiceLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sluice_log_view_dispose;
  object_class->finalize = sluice_log_view_finalize;
  object_class->get_property = sluice_log_view_get_property;
  object_class->set_property = sluice_log_view_set_property;

  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_LINES] =
    g_param_spec_uint ("n-lines", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_FULL_LOG] =
    g_signal_new ("open-full-log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sluicelogview");
}

static void
sluice_log_view_init (SluiceLogView *self)
{
  GtkTextIter end;
  GtkAdjustment *vadjustment;

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->pending = g_array_new (FALSE, FALSE, sizeof (PendingLine));
  g_array_set_clear_func (self->pending, pending_line_clear);
  self->matches = g_array_new (FALSE, FALSE, sizeof (int));
  self->max_lines = DEFAULT_MAX_LINES;
  self->follow = TRUE;

  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  self->buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_view_set_editable (self->text_view, FALSE);
  gtk_text_view_set_cursor_visible (self->text_view, FALSE);
  gtk_text_view_set_monospace (self->text_view, TRUE);
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (self->text_view, 12);
  gtk_text_view_set_right_margin (self->text_view, 12);
  gtk_text_view_set_top_margin (self->text_view, 6);
  gtk_text_view_set_bottom_margin (self->text_view, 6);
  gtk_text_view_set_pixels_above_lines (self->text_view, 1);
  self->tags[0] = gtk_text_buffer_create_tag (self->buffer, "stdout", NULL);
  self->tags[1] = gtk_text_buffer_create_tag (self->buffer, "stderr", NULL);
  self->tags[2] = gtk_text_buffer_create_tag (self->buffer, "note", NULL);
  self->match_tag = gtk_text_buffer_create_tag (self->buffer, "match", NULL);
  self->current_tag = gtk_text_buffer_create_tag (self->buffer, "current-match", NULL);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &end, FALSE);
  update_colors (self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_colors), self, G_CONNECT_SWAPPED);

  self->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->text_view));
  gtk_widget_set_vexpand (GTK_WIDGET (self->scroller), TRUE);
  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (vadjustment, "value-changed", G_CALLBACK (on_scrolled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment, "changed", G_CALLBACK (on_range_changed), self, G_CONNECT_SWAPPED);
  watch_user_input (self);

  self->toolbar = build_toolbar (self);
  gtk_widget_set_parent (self->toolbar, GTK_WIDGET (self));
  gtk_widget_set_parent (gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), GTK_WIDGET (self));
  self->dropped_bar = build_dropped_bar (self);
  gtk_widget_set_parent (self->dropped_bar, GTK_WIDGET (self));
  gtk_widget_set_parent (GTK_WIDGET (self->scroller), GTK_WIDGET (self));
  gtk_toggle_button_set_active (self->follow_button, TRUE);
}

GtkWidget *
sluice_log_view_new (void)
{
  return g_object_new (SLUICE_TYPE_LOG_VIEW, NULL);
}

guint
sluice_log_view_get_n_lines (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), 0);
  return MIN (self->n_lines + self->pending->len, self->max_lines);
}

guint64
sluice_log_view_get_dropped (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), 0);
  return self->dropped;
}

guint
sluice_log_view_get_max_lines (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), 0);
  return self->max_lines;
}

void
sluice_log_view_set_max_lines (SluiceLogView *self,
                               guint          max_lines)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));

  self->max_lines = MAX (max_lines, 1);
  if (self->n_lines > self->max_lines)
    drop_front_lines (self, self->n_lines - self->max_lines);
  update_dropped_bar (self);
}

guint
sluice_log_view_get_n_matches (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), 0);
  return self->matches->len;
}

gboolean
sluice_log_view_is_at_end (SluiceLogView *self)
{
  GtkAdjustment *adjustment;

  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), FALSE);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 1;
}

GtkWidget *
sluice_log_view_get_search_entry (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), NULL);
  return GTK_WIDGET (self->search_entry);
}

GtkWidget *
sluice_log_view_get_open_full_log_button (SluiceLogView *self)
{
  g_return_val_if_fail (SLUICE_IS_LOG_VIEW (self), NULL);
  return self->open_button;
}

void
sluice_log_view_set_extra_widget (SluiceLogView *self,
                                  GtkWidget     *widget)
{
  g_return_if_fail (SLUICE_IS_LOG_VIEW (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_box_insert_child_after (GTK_BOX (self->toolbar), widget,
                              gtk_widget_get_prev_sibling (GTK_WIDGET (self->follow_button)));
}
