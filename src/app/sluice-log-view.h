// SPDX-License-Identifier: GPL-3.0-or-later
//
// A step's log: stdout, stderr and Sluice's own notes told apart, search
// with next/previous, follow-the-tail that a scroll up turns off. Lines
// are appended once per frame, in batches, and only the newest max-lines
// are kept, so a step printing a line every millisecond does not stall it.

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SLUICE_TYPE_LOG_VIEW (sluice_log_view_get_type ())

G_DECLARE_FINAL_TYPE (SluiceLogView, sluice_log_view, SLUICE, LOG_VIEW, GtkWidget)

GtkWidget *sluice_log_view_new           (void);
void       sluice_log_view_clear         (SluiceLogView *self);
// stream: 'o' stdout, 'e' stderr, 's' a note from Sluice.
void       sluice_log_view_append        (SluiceLogView *self,
                                          char           stream,
                                          const char    *text);
// Lines dropped before the ones appended next (they were not loaded), so
// the "earlier lines not shown" bar counts them.
void       sluice_log_view_add_dropped   (SluiceLogView *self,
                                          guint64        count);
// Lines shown, counting those waiting for the next frame.
guint      sluice_log_view_get_n_lines   (SluiceLogView *self);
guint64    sluice_log_view_get_dropped   (SluiceLogView *self);
guint      sluice_log_view_get_max_lines (SluiceLogView *self);
void       sluice_log_view_set_max_lines (SluiceLogView *self,
                                          guint          max_lines);
gboolean   sluice_log_view_get_follow    (SluiceLogView *self);
void       sluice_log_view_set_follow    (SluiceLogView *self,
                                          gboolean       follow);
// Matches of the search text, and which one is current (0 = none).
guint      sluice_log_view_get_n_matches (SluiceLogView *self);
void       sluice_log_view_search        (SluiceLogView *self,
                                          const char    *text);
// A widget for the toolbar, before the follow button (a menu of attempts).
void       sluice_log_view_set_extra_widget (SluiceLogView *self,
                                          GtkWidget     *widget);
// The newest lines are in view.
gboolean   sluice_log_view_is_at_end     (SluiceLogView *self);
// For tests that click them.
GtkWidget *sluice_log_view_get_search_entry (SluiceLogView *self);
GtkWidget *sluice_log_view_get_open_full_log_button (SluiceLogView *self);

// Signals:
//   "open-full-log" ()   the person asked for the whole log (some lines were dropped)

G_END_DECLS
