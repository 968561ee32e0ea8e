// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-sse-parser.h"

struct _SluiceSseParser
{
  GString  *line;          // the line being received
  gboolean  after_cr;      // the last byte was CR: a LF next ends nothing new
  gboolean  first_line;    // a UTF-8 BOM may start the stream
  GString  *data;
  gboolean  has_data;
  char     *event;
  char     *id_buffer;     // set by "id:" lines
  char     *last_id;       // id_buffer as of the last complete event
  guint     retry;
};

void
sluice_sse_event_free (SluiceSseEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->id);
  g_free (event->event);
  g_free (event->data);
  g_free (event);
}

SluiceSseParser *
sluice_sse_parser_new (void)
{
  SluiceSseParser *self = g_new0 (SluiceSseParser, 1);

  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->first_line = TRUE;
  return self;
}

void
sluice_sse_parser_free (SluiceSseParser *self)
{
  if (self == NULL)
    return;
  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_free (self->event);
  g_free (self->id_buffer);
  g_free (self->last_id);
  g_free (self);
}

static void
clear_event (SluiceSseParser *self)
{
  g_string_truncate (self->data, 0);
  self->has_data = FALSE;
  g_clear_pointer (&self->event, g_free);
}

void
sluice_sse_parser_reset (SluiceSseParser *self)
{
  g_string_truncate (self->line, 0);
  self->after_cr = FALSE;
  self->first_line = TRUE;
  clear_event (self);
  // An id read for an event that never completed must not be resumed
  // after: the server would skip that event.
  g_free (self->id_buffer);
  self->id_buffer = g_strdup (self->last_id);
}

const char *
sluice_sse_parser_get_last_id (SluiceSseParser *self)
{
  return self->last_id;
}

void
sluice_sse_parser_set_last_id (SluiceSseParser *self,
                               const char      *id)
{
  g_free (self->last_id);
  self->last_id = g_strdup (id);
  g_free (self->id_buffer);
  self->id_buffer = g_strdup (id);
}

guint
sluice_sse_parser_get_retry (SluiceSseParser *self)
{
  return self->retry;
}

// A blank line ends an event; one without data is dropped, as the
// standard says, but its id still counts.
static void
dispatch (SluiceSseParser *self,
          GPtrArray       *events)
{
  SluiceSseEvent *event;

  g_free (self->last_id);
  self->last_id = g_strdup (self->id_buffer);
  if (!self->has_data)
    {
      clear_event (self);
      return;
    }

  event = g_new0 (SluiceSseEvent, 1);
  event->id = g_strdup (self->last_id);
  event->event = self->event ? g_steal_pointer (&self->event) : g_strdup ("message");
  event->data = g_strndup (self->data->str, self->data->len);
  g_ptr_array_add (events, event);
  clear_event (self);
}

static void
process_field (SluiceSseParser *self,
               const char      *name,
               const char      *value)
{
  if (g_str_equal (name, "data"))
    {
      if (self->has_data)
        g_string_append_c (self->data, '\n');
      g_string_append (self->data, value);
      self->has_data = TRUE;
    }
  else if (g_str_equal (name, "event"))
    {
      g_free (self->event);
      self->event = g_strdup (value);
    }
  else if (g_str_equal (name, "id"))
    {
      g_free (self->id_buffer);
      self->id_buffer = g_strdup (value);
    }
  else if (g_str_equal (name, "retry"))
    {
      guint64 ms;

      if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &ms, NULL))
        self->retry = (guint) ms;
    }
  // Other fields are ignored, as the standard says.
}

static void
process_line (SluiceSseParser *self,
              GPtrArray       *events)
{
  char *line = self->line->str;
  char *colon;
  const char *value = "";

  if (self->first_line && g_str_has_prefix (line, "\xEF\xBB\xBF"))
    line += 3;
  self->first_line = FALSE;

  if (*line == '\0')
    dispatch (self, events);
  else if (*line != ':')   // ":" starts a comment (keepalives)
    {
      if ((colon = strchr (line, ':')) != NULL)
        {
          *colon = '\0';
          value = colon + 1;
          if (*value == ' ')
            value++;
        }
      process_field (self, line, value);
    }
  g_string_truncate (self->line, 0);
}

void
sluice_sse_parser_feed (SluiceSseParser *self,
                        const char      *data,
                        gsize            length,
                        GPtrArray       *events)
{
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (c == '\n' && self->after_cr)
        {
          self->after_cr = FALSE;
          continue;
        }
      self->after_cr = c == '\r';
      if (c == '\n' || c == '\r')
        process_line (self, events);
      // A C string cannot hold NUL; the standard ignores ids with one
      // anyway, and no JSON payload contains a raw one.
      else if (c != '\0')
        g_string_append_c (self->line, c);
    }
}
