// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include "sluice-run-event.h"

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
