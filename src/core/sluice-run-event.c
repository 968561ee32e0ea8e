// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-run-event.h"
#include "sluice-error.h"
#include "sluice-json.h"

G_DEFINE_BOXED_TYPE (SluiceRunEvent, sluice_run_event, sluice_run_event_copy, sluice_run_event_free)

SluiceRunEvent *
sluice_run_event_new (SluiceRunEventKind  kind,
                      gint64              run_id,
                      const char         *step_id)
{
  SluiceRunEvent *event = g_new0 (SluiceRunEvent, 1);

  event->kind = kind;
  event->run_id = run_id;
  event->step_id = g_strdup (step_id);
  event->time = g_get_real_time ();
  event->index = -1;
  return event;
}

SluiceRunEvent *
sluice_run_event_copy (const SluiceRunEvent *event)
{
  SluiceRunEvent *copy = g_memdup2 (event, sizeof *event);

  copy->step_id = g_strdup (event->step_id);
  copy->text = g_strdup (event->text);
  copy->name = g_strdup (event->name);
  copy->hash = g_strdup (event->hash);
  copy->cursor = g_strdup (event->cursor);
  return copy;
}

void
sluice_run_event_free (SluiceRunEvent *event)
{
  if (event == NULL)
    return;

  g_free (event->step_id);
  g_free (event->text);
  g_free (event->name);
  g_free (event->hash);
  g_free (event->cursor);
  g_free (event);
}

const char *
sluice_run_event_kind_to_string (SluiceRunEventKind kind)
{
  switch (kind)
    {
    case SLUICE_RUN_EVENT_RUN_STATE:
      return "run-state";
    case SLUICE_RUN_EVENT_STEP_STATE:
      return "step-state";
    case SLUICE_RUN_EVENT_LOG:
      return "log";
    case SLUICE_RUN_EVENT_METRIC:
      return "metric";
    case SLUICE_RUN_EVENT_ARTIFACT:
      return "artifact";
    default:
      return "unknown";
    }
}

JsonNode *
sluice_run_event_to_json (const SluiceRunEvent *event)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, sluice_run_event_kind_to_string (event->kind));
  json_builder_set_member_name (b, "run");
  json_builder_add_int_value (b, event->run_id);
  if (event->step_id != NULL)
    {
      json_builder_set_member_name (b, "step");
      json_builder_add_string_value (b, event->step_id);
    }
  json_builder_set_member_name (b, "time");
  json_builder_add_int_value (b, event->time);

  switch (event->kind)
    {
    case SLUICE_RUN_EVENT_RUN_STATE:
    case SLUICE_RUN_EVENT_STEP_STATE:
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, sluice_state_to_string (event->state));
      if (event->kind == SLUICE_RUN_EVENT_STEP_STATE)
        {
          json_builder_set_member_name (b, "attempt");
          json_builder_add_int_value (b, event->attempt);
        }
      if (event->text != NULL)
        {
          json_builder_set_member_name (b, "message");
          json_builder_add_string_value (b, event->text);
        }
      break;
    case SLUICE_RUN_EVENT_LOG:
      json_builder_set_member_name (b, "stream");
      json_builder_add_string_value (b, event->stream == 'e' ? "stderr" : event->stream == 'o' ? "stdout" : "sluice");
      json_builder_set_member_name (b, "attempt");
      json_builder_add_int_value (b, event->attempt);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, event->text);
      break;
    case SLUICE_RUN_EVENT_METRIC:
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, event->name);
      json_builder_set_member_name (b, "value");
      json_builder_add_double_value (b, event->value);
      if (event->index >= 0)
        {
          json_builder_set_member_name (b, "index");
          json_builder_add_int_value (b, event->index);
        }
      break;
    case SLUICE_RUN_EVENT_ARTIFACT:
      json_builder_set_member_name (b, "output");
      json_builder_add_string_value (b, event->name);
      json_builder_set_member_name (b, "hash");
      json_builder_add_string_value (b, event->hash);
      break;
    default:
      break;
    }

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
kind_from_string (const char         *text,
                  SluiceRunEventKind *kind)
{
  for (SluiceRunEventKind k = SLUICE_RUN_EVENT_RUN_STATE; k <= SLUICE_RUN_EVENT_ARTIFACT; k++)
    if (g_strcmp0 (text, sluice_run_event_kind_to_string (k)) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
    ? json_node_get_string (node) : NULL;
}

static gboolean
member_int (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static char
stream_from_string (const char *text)
{
  if (g_strcmp0 (text, "stderr") == 0)
    return 'e';
  if (g_strcmp0 (text, "stdout") == 0)
    return 'o';
  return 's';
}

// Reads the members of one kind; returns the name of the first one missing.
static const char *
read_kind_members (SluiceRunEvent *event,
                   JsonObject     *object)
{
  gint64 number = 0;

  switch (event->kind)
    {
    case SLUICE_RUN_EVENT_RUN_STATE:
    case SLUICE_RUN_EVENT_STEP_STATE:
      if (!sluice_state_from_string (member_string (object, "state"), &event->state))
        return "state";
      if (event->kind == SLUICE_RUN_EVENT_STEP_STATE && member_int (object, "attempt", &number))
        event->attempt = (guint) CLAMP (number, 0, G_MAXUINT);
      event->text = g_strdup (member_string (object, "message"));
      return NULL;
    case SLUICE_RUN_EVENT_LOG:
      if (member_string (object, "text") == NULL)
        return "text";
      event->text = g_strdup (member_string (object, "text"));
      event->stream = stream_from_string (member_string (object, "stream"));
      if (member_int (object, "attempt", &number))
        event->attempt = (guint) CLAMP (number, 0, G_MAXUINT);
      return NULL;
    case SLUICE_RUN_EVENT_METRIC:
      if (member_string (object, "name") == NULL)
        return "name";
      if (!json_object_has_member (object, "value") ||
          !sluice_json_node_get_number (json_object_get_member (object, "value"), &event->value))
        return "value";
      event->name = g_strdup (member_string (object, "name"));
      if (!member_int (object, "index", &event->index))
        event->index = -1;
      return NULL;
    case SLUICE_RUN_EVENT_ARTIFACT:
      if (member_string (object, "output") == NULL)
        return "output";
      if (member_string (object, "hash") == NULL)
        return "hash";
      event->name = g_strdup (member_string (object, "output"));
      event->hash = g_strdup (member_string (object, "hash"));
      return NULL;
    default:
      return "event";
    }
}

SluiceRunEvent *
sluice_run_event_new_from_json (JsonNode  *node,
                                GError   **error)
{
  g_autoptr(SluiceRunEvent) event = NULL;
  SluiceRunEventKind kind;
  JsonObject *object;
  const char *missing;
  gint64 run_id = 0;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "a run event must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  if (!kind_from_string (member_string (object, "event"), &kind))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "unknown run event kind '%s'",
                   member_string (object, "event") ? member_string (object, "event") : "(none)");
      return NULL;
    }
  if (!member_int (object, "run", &run_id))
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "%s event without a run number",
                   sluice_run_event_kind_to_string (kind));
      return NULL;
    }

  event = sluice_run_event_new (kind, run_id, member_string (object, "step"));
  if (!member_int (object, "time", &event->time))
    event->time = g_get_real_time ();
  if (kind != SLUICE_RUN_EVENT_RUN_STATE && event->step_id == NULL)
    missing = "step";
  else
    missing = read_kind_members (event, object);
  if (missing != NULL)
    {
      g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, "%s event without a valid '%s'",
                   sluice_run_event_kind_to_string (kind), missing);
      return NULL;
    }
  return g_steal_pointer (&event);
}
