// SPDX-License-Identifier: GPL-3.0-or-later
//
// The remote client: run events as JSON, the event-stream parser, the
// pipeline archive, the remotes config, and watching a run over SSE from a
// small in-test HTTP server. With SLUICE_SERVER set (the sluice-server
// binary) the integration part runs the whole client against it, through
// the library and through the CLI.

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "sluice.h"
#include "sluice-pipeline-archive.h"
#include "sluice-remote.h"
#include "sluice-remote-config.h"
#include "sluice-run-monitor.h"
#include "sluice-sse-parser.h"

/* helpers --------------------------------------------------------------------------------- */

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sluice-remote-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
remove_dir (char *dir)
{
  g_autoptr(GError) error = NULL;

  sluice_file_remove_tree (dir, &error);
  g_assert_no_error (error);
  g_free (dir);
}

/* run events as JSON -------------------------------------------------------------------- */

static void
assert_events_equal (const SluiceRunEvent *a,
                     const SluiceRunEvent *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpint (a->run_id, ==, b->run_id);
  g_assert_cmpstr (a->step_id, ==, b->step_id);
  g_assert_cmpint (a->time, ==, b->time);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_cmpuint (a->attempt, ==, b->attempt);
  g_assert_cmpint (a->stream, ==, b->stream);
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpfloat (a->value, ==, b->value);
  g_assert_cmpint (a->index, ==, b->index);
  g_assert_cmpstr (a->hash, ==, b->hash);
}

static void
round_trip (const SluiceRunEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = sluice_run_event_to_json (event);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr(JsonNode) parsed = json_from_string (text, &error);
  g_autoptr(SluiceRunEvent) back = NULL;

  g_assert_no_error (error);
  back = sluice_run_event_new_from_json (parsed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  assert_events_equal (event, back);
}

static void
test_event_round_trip (void)
{
  g_autoptr(SluiceRunEvent) run_state = sluice_run_event_new (SLUICE_RUN_EVENT_RUN_STATE, 7, NULL);
  g_autoptr(SluiceRunEvent) step_state = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, 7, "train");
  g_autoptr(SluiceRunEvent) skipped = sluice_run_event_new (SLUICE_RUN_EVENT_STEP_STATE, 7, "score");
  g_autoptr(SluiceRunEvent) log_err = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, 7, "train");
  g_autoptr(SluiceRunEvent) log_out = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, 7, "train");
  g_autoptr(SluiceRunEvent) log_own = sluice_run_event_new (SLUICE_RUN_EVENT_LOG, 7, "train");
  g_autoptr(SluiceRunEvent) metric = sluice_run_event_new (SLUICE_RUN_EVENT_METRIC, 7, "train");
  g_autoptr(SluiceRunEvent) series = sluice_run_event_new (SLUICE_RUN_EVENT_METRIC, 7, "train");
  g_autoptr(SluiceRunEvent) artifact = sluice_run_event_new (SLUICE_RUN_EVENT_ARTIFACT, 7, "train");

  run_state->state = SLUICE_STATE_SUCCEEDED;
  step_state->state = SLUICE_STATE_FAILED;
  step_state->attempt = 3;
  step_state->text = g_strdup ("exit status 2");
  skipped->state = SLUICE_STATE_SKIPPED;
  skipped->attempt = 0;
  log_err->stream = 'e';
  log_err->attempt = 2;
  log_err->text = g_strdup ("Traceback: \"quoted\"\nsecond line ünïcode");
  log_out->stream = 'o';
  log_out->attempt = 1;
  log_out->text = g_strdup ("");
  log_own->stream = 's';
  log_own->attempt = 1;
  log_own->text = g_strdup ("retrying");
  metric->name = g_strdup ("accuracy");
  metric->value = 0.8125;
  series->name = g_strdup ("loss");
  series->value = -3.5e-7;
  series->index = 12;
  artifact->name = g_strdup ("model");
  artifact->hash = g_strdup ("0123456789abcdef");

  round_trip (run_state);
  round_trip (step_state);
  round_trip (skipped);
  round_trip (log_err);
  round_trip (log_out);
  round_trip (log_own);
  round_trip (metric);
  round_trip (series);
  round_trip (artifact);
}

static void
assert_event_json_invalid (const char *json,
                           const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  g_autoptr(SluiceRunEvent) event = NULL;

  g_assert_no_error (error);
  event = sluice_run_event_new_from_json (node, &error);
  g_assert_null (event);
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_event_from_bad_json (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (sluice_run_event_new_from_json (NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);

  assert_event_json_invalid ("[1, 2]", "JSON object");
  assert_event_json_invalid ("{\"event\": \"teleport\", \"run\": 1}", "teleport");
  assert_event_json_invalid ("{\"event\": \"run-state\", \"state\": \"running\"}", "run number");
  assert_event_json_invalid ("{\"event\": \"run-state\", \"run\": 1, \"state\": \"sideways\"}", "'state'");
  assert_event_json_invalid ("{\"event\": \"step-state\", \"run\": 1, \"state\": \"running\"}", "'step'");
  assert_event_json_invalid ("{\"event\": \"log\", \"run\": 1, \"step\": \"a\"}", "'text'");
  assert_event_json_invalid ("{\"event\": \"metric\", \"run\": 1, \"step\": \"a\", \"name\": \"x\", \"value\": \"high\"}", "'value'");
  assert_event_json_invalid ("{\"event\": \"artifact\", \"run\": 1, \"step\": \"a\", \"output\": \"m\"}", "'hash'");
}

/* the event-stream parser ----------------------------------------------------------------- */

static const char sample_stream[] =
  "\xEF\xBB\xBF: hello, a comment first\n"
  "retry: 1500\n"
  "\n"
  "id: 1.0\n"
  "event: run-state\n"
  "data: {\"a\": 1}\n"
  "\n"
  ": keepalive\n"
  "\n"
  "id: 1.1\r\n"
  "event: log\r\n"
  "data:first line\r\n"
  "data: second line\r\n"
  "data:  two spaces kept one\r\n"
  "\r\n"
  "id:2.1\r"
  "data\r"
  "unknown: field\r"
  "\r"
  "data: no id change, no event name\n"
  "\n"
  "id: 3.0\n"
  "\n"
  "id: 4.0\n"
  "data: never finished";

static GPtrArray *
parse_in_chunks (const char *stream,
                 gsize       length,
                 gsize       chunk)
{
  g_autoptr(SluiceSseParser) parser = sluice_sse_parser_new ();
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_sse_event_free);

  for (gsize at = 0; at < length; at += chunk)
    sluice_sse_parser_feed (parser, stream + at, MIN (chunk, length - at), events);
  // The id of the event without data counts; the unfinished one's not yet.
  g_assert_cmpstr (sluice_sse_parser_get_last_id (parser), ==, "3.0");
  g_assert_cmpuint (sluice_sse_parser_get_retry (parser), ==, 1500);
  return events;
}

static void
assert_sse_event (GPtrArray  *events,
                  guint       index,
                  const char *id,
                  const char *name,
                  const char *data)
{
  SluiceSseEvent *event;

  g_assert_cmpuint (index, <, events->len);
  event = g_ptr_array_index (events, index);
  g_assert_cmpstr (event->id, ==, id);
  g_assert_cmpstr (event->event, ==, name);
  g_assert_cmpstr (event->data, ==, data);
}

static void
test_sse_stream (void)
{
  gsize length = strlen (sample_stream);

  // Whole, byte by byte, and in chunks that cut lines and CRLF pairs.
  for (gsize chunk = 1; chunk <= length; chunk = chunk < 8 ? chunk + 1 : chunk * 3)
    {
      g_autoptr(GPtrArray) events = parse_in_chunks (sample_stream, length, chunk);

      g_assert_cmpuint (events->len, ==, 4);
      assert_sse_event (events, 0, "1.0", "run-state", "{\"a\": 1}");
      assert_sse_event (events, 1, "1.1", "log", "first line\nsecond line\n two spaces kept one");
      assert_sse_event (events, 2, "2.1", "message", "");
      assert_sse_event (events, 3, "2.1", "message", "no id change, no event name");
    }
}

static void
feed_text (SluiceSseParser *parser,
           const char      *text,
           GPtrArray       *events)
{
  sluice_sse_parser_feed (parser, text, strlen (text), events);
}

static void
test_sse_reconnect (void)
{
  g_autoptr(SluiceSseParser) parser = sluice_sse_parser_new ();
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_sse_event_free);
  const char *first = "id: 5.2\nevent: log\ndata: done\n\nid: 5.3\nevent: log\ndata: half";
  const char *second = "id: 5.3\nevent: log\ndata: whole\n\n";

  // Resuming: the cursor the monitor was given comes first.
  sluice_sse_parser_set_last_id (parser, "5.1");
  g_assert_cmpstr (sluice_sse_parser_get_last_id (parser), ==, "5.1");

  sluice_sse_parser_feed (parser, first, strlen (first), events);
  g_assert_cmpuint (events->len, ==, 1);
  assert_sse_event (events, 0, "5.2", "log", "done");

  // The connection broke in the middle of 5.3: its id was read but the
  // event never completed, so resuming after it would lose it.
  g_assert_cmpstr (sluice_sse_parser_get_last_id (parser), ==, "5.2");
  sluice_sse_parser_reset (parser);
  g_assert_cmpstr (sluice_sse_parser_get_last_id (parser), ==, "5.2");
  sluice_sse_parser_feed (parser, second, strlen (second), events);
  g_assert_cmpuint (events->len, ==, 2);
  assert_sse_event (events, 1, "5.3", "log", "whole");

  // After a reset a half line from the old connection is not glued to
  // the first line of the new one.
  feed_text (parser, "data: cut of", events);
  sluice_sse_parser_reset (parser);
  feed_text (parser, "data: fresh\n\n", events);
  g_assert_cmpuint (events->len, ==, 3);
  assert_sse_event (events, 2, "5.3", "message", "fresh");

  // An id cut off by a reset is not used either.
  feed_text (parser, "id: 9.9\n", events);
  sluice_sse_parser_reset (parser);
  feed_text (parser, "data: after\n\n", events);
  g_assert_cmpuint (events->len, ==, 4);
  assert_sse_event (events, 3, "5.3", "message", "after");
}

/* the pipeline archive ------------------------------------------------------------------- */

static const char produce_component[] =
  "{\"name\": \"produce\", \"version\": \"1\", \"display_name\": \"Produce\","
  " \"inputs\": {\"text\": {\"type\": \"string\", \"default\": \"hello\"}},"
  " \"outputs\": {\"out\": {\"type\": \"uri_file\"}},"
  " \"command\": \"sh step.sh produce ${{inputs.text}} ${{outputs.out}}\", \"code\": \"code\"}";
static const char concat_component[] =
  "{\"name\": \"concat\", \"version\": \"1\", \"display_name\": \"Concat\","
  " \"inputs\": {\"a\": {\"type\": \"uri_file\"}, \"b\": {\"type\": \"uri_file\", \"optional\": true}},"
  " \"outputs\": {\"out\": {\"type\": \"uri_file\"}},"
  " \"command\": \"sh step.sh concat ${{outputs.out}} ${{inputs.a}} $[[${{inputs.b}}]]\", \"code\": \"code\"}";

// A project as people lay one out: pipeline at the top, components and
// their code in a folder, data next to them, and one file nobody uses.
static char *
make_project (const char *raw_path,
              const char *produce_ref)
{
  char *dir = make_temp_dir ();
  g_autofree char *pipeline = g_strdup_printf (
    "{\"sluice\": 1, \"name\": \"flow\","
    " \"inputs\": {\"raw\": {\"type\": \"uri_file\", \"path\": \"%s\"},"
    "              \"more\": {\"type\": \"uri_folder\", \"path\": \"data/more\"},"
    "              \"shared\": {\"type\": \"uri_file\", \"path\": \"/srv/shared/data.csv\"},"
    "              \"lr\": 0.1},"
    " \"jobs\": {\"a\": {\"component\": \"%s\", \"inputs\": {\"text\": \"hi\"}},"
    "          \"b\": {\"component\": \"file:components/concat.component.json\","
    "                  \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"extra/literal.txt\"}},"
    "          \"c\": {\"component\": \"file:components/concat.component.json\","
    "                  \"inputs\": {\"a\": \"${{parent.inputs.raw}}\"}}}}",
    raw_path, produce_ref);

  write_file (dir, "flow.sluice.json", pipeline);
  write_file (dir, "components/produce.component.json", produce_component);
  write_file (dir, "components/concat.component.json", concat_component);
  write_file (dir, "components/code/step.sh", "#!/bin/sh\necho step \"$@\"\n");
  write_file (dir, "data/input.csv", "a,b\n1,2\n");
  write_file (dir, "data/more/x.txt", "x\n");
  write_file (dir, "extra/literal.txt", "literal\n");
  write_file (dir, "unrelated.txt", "not referenced\n");
  return dir;
}

static SluicePipelineArchive *
archive_project (const char  *dir,
                 GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "flow.sluice.json", NULL);
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, error);
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new ();

  g_assert_no_error (*error);
  return sluice_pipeline_archive_new (pipeline, registry, error);
}

// name -> contents ("" for folders), in archive order in *names.
static GHashTable *
read_archive (GBytes     *bytes,
              GPtrArray **names)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  struct archive *a = archive_read_new ();
  struct archive_entry *entry;

  *names = g_ptr_array_new_with_free_func (g_free);
  archive_read_support_filter_gzip (a);
  archive_read_support_format_tar (a);
  g_assert_cmpint (archive_read_open_memory (a, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)), ==, ARCHIVE_OK);
  while (archive_read_next_header (a, &entry) == ARCHIVE_OK)
    {
      gint64 size = archive_entry_size (entry);
      char *data = g_malloc0 ((gsize) size + 1);

      g_assert_cmpint (archive_read_data (a, data, (size_t) size), ==, size);
      g_assert_cmpint (archive_entry_mtime (entry), ==, 0);
      g_ptr_array_add (*names, g_strdup (archive_entry_pathname (entry)));
      g_hash_table_insert (files, g_strdup (archive_entry_pathname (entry)), data);
    }
  archive_read_free (a);
  return files;
}

static void
test_archive_contents (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_project ("data/input.csv", "file:components/produce.component.json");
  g_autoptr(SluicePipelineArchive) archive = archive_project (dir, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(SluicePipeline) unpacked = NULL;
  const char *expected[] = {
    "components/", "components/code/", "components/code/step.sh", "components/concat.component.json",
    "components/produce.component.json", "data/", "data/input.csv", "data/more/", "data/more/x.txt",
    "extra/", "extra/literal.txt", "pipeline.sluice.json", NULL,
  };
  const char *pipeline_text;

  g_assert_no_error (error);
  g_assert_cmpstrv (sluice_pipeline_archive_get_paths (archive, &error), expected);
  g_assert_no_error (error);

  bytes = sluice_pipeline_archive_write (archive, &error);
  g_assert_no_error (error);
  files = read_archive (bytes, &names);
  g_assert_cmpuint (names->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < names->len; i++)
    g_assert_cmpstr (g_ptr_array_index (names, i), ==, expected[i]);

  g_assert_cmpstr (g_hash_table_lookup (files, "data/input.csv"), ==, "a,b\n1,2\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "components/code/step.sh"), ==, "#!/bin/sh\necho step \"$@\"\n");
  g_assert_cmpstr (g_hash_table_lookup (files, "components/produce.component.json"), ==, produce_component);
  g_assert_false (g_hash_table_contains (files, "unrelated.txt"));

  // The root file is the pipeline itself, and loads again.
  pipeline_text = g_hash_table_lookup (files, SLUICE_PIPELINE_ARCHIVE_ROOT_FILE);
  unpacked = sluice_pipeline_load_data (pipeline_text, strlen (pipeline_text), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_pipeline_get_name (unpacked), ==, "flow");
  g_assert_nonnull (sluice_pipeline_find_step (unpacked, "b"));

  remove_dir (dir);
}

// A symlink in a code folder pointing back up is followed once, not forever.
static void
test_archive_symlink_loop (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_project ("data/input.csv", "file:components/produce.component.json");
  g_autofree char *link = g_build_filename (dir, "components", "code", "again", NULL);
  g_autoptr(SluicePipelineArchive) archive = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char * const *paths;

  g_assert_cmpint (symlink (".", link), ==, 0);
  archive = archive_project (dir, &error);
  g_assert_no_error (error);
  paths = sluice_pipeline_archive_get_paths (archive, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains (paths, "components/code/again/"));
  g_assert_false (g_strv_contains (paths, "components/code/again/again/"));
  bytes = sluice_pipeline_archive_write (archive, &error);
  g_assert_no_error (error);
  remove_dir (dir);
}

static void
test_archive_deterministic (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_project ("data/input.csv", "file:components/produce.component.json");
  g_autoptr(SluicePipelineArchive) first = archive_project (dir, &error);
  g_autoptr(SluicePipelineArchive) second = NULL;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autofree char *data = g_build_filename (dir, "data", "input.csv", NULL);
  const guint8 *header;

  g_assert_no_error (error);
  a = sluice_pipeline_archive_write (first, &error);
  g_assert_no_error (error);

  // Touching the files (new times) and packing again changes nothing.
  g_assert_cmpint (g_utime (data, NULL), ==, 0);
  {
    struct utimbuf old_times = { 1000000000, 1000000000 };
    g_autofree char *code = g_build_filename (dir, "components", "code", "step.sh", NULL);

    g_assert_cmpint (g_utime (code, &old_times), ==, 0);
  }
  second = archive_project (dir, &error);
  g_assert_no_error (error);
  b = sluice_pipeline_archive_write (second, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (a, b));

  // gzip: magic, then a zero MTIME (bytes 4-7) so the date is not in it.
  header = g_bytes_get_data (a, NULL);
  g_assert_cmpuint (g_bytes_get_size (a), >, 10);
  g_assert_cmpuint (header[0], ==, 0x1f);
  g_assert_cmpuint (header[1], ==, 0x8b);
  g_assert_cmpuint (header[4] | header[5] | header[6] | header[7], ==, 0);

  // Other content, other bytes.
  write_file (dir, "data/input.csv", "a,b\n1,3\n");
  g_clear_object (&second);
  g_clear_pointer (&b, g_bytes_unref);
  second = archive_project (dir, &error);
  b = sluice_pipeline_archive_write (second, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (a, b));

  remove_dir (dir);
}

static void
test_archive_write_async (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_project ("data/input.csv", "file:components/produce.component.json");
  g_autoptr(SluicePipelineArchive) archive = archive_project (dir, &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) async_bytes = NULL;
  g_autoptr(GBytes) sync_bytes = NULL;

  g_assert_no_error (error);
  sluice_pipeline_archive_write_async (archive, NULL, store_result, &result);
  async_bytes = sluice_pipeline_archive_write_finish (archive, wait_for (&result), &error);
  g_assert_no_error (error);
  sync_bytes = sluice_pipeline_archive_write (archive, &error);
  g_assert_true (g_bytes_equal (async_bytes, sync_bytes));
  remove_dir (dir);
}

static void
assert_archive_refused (const char *raw_path,
                        const char *produce_ref,
                        const char *named)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_project (raw_path, produce_ref);
  g_autoptr(SluicePipelineArchive) archive = NULL;

  write_file (dir, "../outside-sluice-test.csv", "outside\n");
  archive = archive_project (dir, &error);
  g_assert_null (archive);
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, named));
  g_assert_nonnull (strstr (error->message, "outside the pipeline's folder"));
  {
    g_autofree char *outside = g_build_filename (dir, "..", "outside-sluice-test.csv", NULL);

    g_unlink (outside);
  }
  remove_dir (dir);
}

static void
test_archive_refuses_escape (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = NULL;
  g_autoptr(SluicePipelineArchive) archive = NULL;

  assert_archive_refused ("../outside-sluice-test.csv", "file:components/produce.component.json",
                          "pipeline input 'raw' refers to '../outside-sluice-test.csv'");
  assert_archive_refused ("data/../../outside-sluice-test.csv", "file:components/produce.component.json",
                          "'data/../../outside-sluice-test.csv'");

  // A component elsewhere: the step is named.
  dir = make_project ("data/input.csv", "file:../elsewhere/produce.component.json");
  {
    g_autofree char *elsewhere = g_build_filename (dir, "..", "elsewhere", NULL);

    write_file (elsewhere, "produce.component.json", produce_component);
    write_file (elsewhere, "code/step.sh", "true\n");
    archive = archive_project (dir, &error);
    g_assert_null (archive);
    g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "step 'a' refers to '../elsewhere/produce.component.json'"));
    sluice_file_remove_tree (elsewhere, NULL);
  }
  remove_dir (dir);

  // A missing data file is named too, before anything is sent.
  g_clear_error (&error);
  dir = make_project ("data/missing.csv", "file:components/produce.component.json");
  archive = archive_project (dir, &error);
  g_assert_null (archive);
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'data/missing.csv', which does not exist"));
  remove_dir (dir);
}

// The server may know components this machine does not (built-in ones of
// another version): they are its to judge, not a reason to refuse.
static void
test_archive_unknown_builtin (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = make_temp_dir ();
  g_autofree char *path = NULL;
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new ();
  g_autoptr(SluicePipelineArchive) archive = NULL;
  const char *expected[] = { "data/", "data/in.csv", "pipeline.sluice.json", NULL };

  write_file (dir, "data/in.csv", "x\n");
  write_file (dir, "p.sluice.json",
              "{\"sluice\": 1, \"name\": \"p\", \"inputs\": {\"in\": {\"type\": \"uri_file\", \"path\": \"data/in.csv\"}},"
              " \"jobs\": {\"a\": {\"component\": \"builtin:from_the_future@9\", \"inputs\": {\"x\": \"${{parent.inputs.in}}\"}}}}");
  path = g_build_filename (dir, "p.sluice.json", NULL);
  pipeline = sluice_pipeline_load_file (path, &error);
  g_assert_no_error (error);
  archive = sluice_pipeline_archive_new (pipeline, registry, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (sluice_pipeline_archive_get_paths (archive, &error), expected);
  g_assert_no_error (error);
  remove_dir (dir);
}

/* the remotes config ------------------------------------------------------------------------ */

typedef struct
{
  char *dir;
  char *old_config;
} ConfigFixture;

static void
config_set_up (ConfigFixture *f,
               gconstpointer  data)
{
  f->dir = make_temp_dir ();
  f->old_config = g_strdup (g_getenv ("XDG_CONFIG_HOME"));
  g_setenv ("XDG_CONFIG_HOME", f->dir, TRUE);
}

static void
config_tear_down (ConfigFixture *f,
                  gconstpointer  data)
{
  if (f->old_config != NULL)
    g_setenv ("XDG_CONFIG_HOME", f->old_config, TRUE);
  else
    g_unsetenv ("XDG_CONFIG_HOME");
  g_free (f->old_config);
  remove_dir (f->dir);
}

static guint
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_config_add_list_remove (ConfigFixture *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = sluice_remote_config_get_dir ();
  g_autofree char *token_file = g_build_filename (config_dir, "tokens", "prod", NULL);
  g_autofree char *tokens_dir = g_build_filename (config_dir, "tokens", NULL);
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autoptr(SluiceRemote) remote = NULL;
  SluiceRemoteEntry *entry;

  g_assert_true (g_str_has_prefix (config_dir, f->dir));
  list = sluice_remote_config_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (sluice_remote_config_add ("prod", "https://sluice.example.org:8443/", "  tok-123\n", &error));
  g_assert_no_error (error);
  g_assert_true (sluice_remote_config_add ("dev", "http://127.0.0.1:9000", "tok-dev", &error));
  g_assert_no_error (error);

  g_assert_cmpuint (file_mode (token_file), ==, 0600);
  g_assert_cmpuint (file_mode (tokens_dir), ==, 0700);

  list = sluice_remote_config_list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  entry = g_ptr_array_index (list, 0);
  g_assert_cmpstr (entry->name, ==, "dev");
  g_assert_cmpstr (entry->url, ==, "http://127.0.0.1:9000");
  entry = g_ptr_array_index (list, 1);
  g_assert_cmpstr (entry->name, ==, "prod");
  g_assert_cmpstr (entry->url, ==, "https://sluice.example.org:8443");

  url = sluice_remote_config_get_url ("prod", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://sluice.example.org:8443");
  token = sluice_remote_config_read_token ("prod", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-123");
  remote = sluice_remote_config_open ("prod", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_remote_get_url (remote), ==, "https://sluice.example.org:8443");

  // Replacing a token keeps the file private.
  g_assert_true (sluice_remote_config_add ("prod", "https://sluice.example.org:8443", "tok-456", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (token_file), ==, 0600);
  g_clear_pointer (&token, g_free);
  token = sluice_remote_config_read_token ("prod", &error);
  g_assert_cmpstr (token, ==, "tok-456");

  g_assert_true (sluice_remote_config_remove ("prod", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (token_file, G_FILE_TEST_EXISTS));
  g_assert_null (sluice_remote_config_get_url ("prod", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "no remote 'prod'"));
  g_clear_error (&error);
  g_assert_false (sluice_remote_config_remove ("prod", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
}

static void
test_config_insecure_token (ConfigFixture *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = sluice_remote_config_get_dir ();
  g_autofree char *token_file = g_build_filename (config_dir, "tokens", "prod", NULL);
  g_autoptr(SluiceRemote) remote = NULL;
  g_autofree char *token = NULL;

  g_assert_true (sluice_remote_config_add ("prod", "http://127.0.0.1:1", "secret", &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_chmod (token_file, 0644), ==, 0);
  token = sluice_remote_config_read_token ("prod", &error);
  g_assert_null (token);
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INSECURE);
  g_assert_nonnull (strstr (error->message, token_file));
  g_assert_nonnull (strstr (error->message, "0644"));
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  g_clear_error (&error);

  g_assert_cmpint (g_chmod (token_file, 0640), ==, 0);
  remote = sluice_remote_config_open ("prod", &error);
  g_assert_null (remote);
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INSECURE);
  g_clear_error (&error);

  g_assert_cmpint (g_chmod (token_file, 0600), ==, 0);
  token = sluice_remote_config_read_token ("prod", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "secret");

  // A missing token file says how to fix it.
  g_assert_cmpint (g_unlink (token_file), ==, 0);
  g_assert_null (sluice_remote_config_open ("prod", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "sluice remote add prod"));
}

static void
test_config_bad_input (ConfigFixture *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_dir = sluice_remote_config_get_dir ();
  g_autofree char *remotes = g_build_filename (config_dir, "remotes.json", NULL);
  const char *bad_names[] = { "", "../x", "a/b", ".hidden", "-opt", "with space", NULL };

  for (guint i = 0; bad_names[i] != NULL; i++)
    {
      g_assert_false (sluice_remote_config_add (bad_names[i], "http://localhost:1", "t", &error));
      g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
      g_clear_error (&error);
    }

  g_assert_false (sluice_remote_config_add ("prod", "ftp://host/", "t", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "not a server address"));
  g_clear_error (&error);
  g_assert_false (sluice_remote_config_add ("prod", "http://host", "two words", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (g_file_test (remotes, G_FILE_TEST_EXISTS));

  // A damaged remotes.json is reported with its path, never trusted.
  write_file (config_dir, "remotes.json", "{\"remotes\": [1, 2]}");
  g_assert_null (sluice_remote_config_list (&error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, remotes));
  g_clear_error (&error);
  write_file (config_dir, "remotes.json", "{\"remotes\": ");
  g_assert_null (sluice_remote_config_get_url ("prod", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
}

/* the client against a small server in the test ------------------------------------------- */

typedef struct
{
  SoupServer *server;
  char       *url;
  GPtrArray  *last_event_ids;    // what each events request sent ("" for none)
  GPtrArray  *stream;            // the run's events: "id\nkind\njson"
  GArray     *attempts;          // monotonic times of the requests for run 7
} FakeServer;

static char *
fake_event (gint64             run_id,
            SluiceRunEventKind kind,
            const char        *step,
            SluiceState        state,
            const char        *text)
{
  g_autoptr(SluiceRunEvent) event = sluice_run_event_new (kind, run_id, step);
  g_autoptr(JsonNode) node = NULL;

  event->state = state;
  event->attempt = step ? 1 : 0;
  event->stream = 'e';
  event->text = g_strdup (text);
  node = sluice_run_event_to_json (event);
  return json_to_string (node, FALSE);
}

static void
append_sse (GString    *body,
            const char *id,
            const char *kind,
            const char *json)
{
  g_string_append_printf (body, "id: %s\nevent: %s\ndata: %s\n\n", id, kind, json);
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static gboolean
fake_authorized (SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  if (g_strcmp0 (auth, "Bearer tok") == 0)
    return TRUE;
  reply_json (msg, 401, "{\"error\": {\"code\": \"unauthorized\", \"message\": \"the token is not valid\"}}");
  return FALSE;
}

// First connection: two events, a keepalive and half of the third, then
// the connection ends. Later ones: everything after Last-Event-ID.
static void
fake_events (FakeServer        *f,
             SoupServerMessage *msg)
{
  const char *last = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Last-Event-ID");
  g_autoptr(GString) body = g_string_new (": connected\n\n");
  gboolean first = f->last_event_ids->len == 0;
  gboolean after = last == NULL;

  g_ptr_array_add (f->last_event_ids, g_strdup (last ? last : ""));
  for (guint i = 0; i < f->stream->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (f->stream, i), "\n", 3);

      if (first && i == 2)
        {
          g_string_append_printf (body, ": keepalive\n\nid: %s\nevent: %s\ndata: {\"event\": \"lo", parts[0], parts[1]);
          break;
        }
      if (after)
        append_sse (body, parts[0], parts[1], parts[2]);
      if (last != NULL && g_str_equal (parts[0], last))
        after = TRUE;
    }

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_COPY, body->str, body->len);
}

// Run 7: the server is down (503) for three requests, then sends it all.
static void
fake_flaky_events (FakeServer        *f,
                   SoupServerMessage *msg)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GString) body = g_string_new (NULL);

  g_array_append_val (f->attempts, now);
  if (f->attempts->len <= 3)
    {
      reply_json (msg, 503, "{\"error\": {\"code\": \"unavailable\", \"message\": \"starting up\"}}");
      return;
    }
  for (guint i = 0; i < f->stream->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (f->stream, i), "\n", 3);

      append_sse (body, parts[0], parts[1], parts[2]);
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_COPY, body->str, body->len);
}

static void
fake_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  FakeServer *f = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (!fake_authorized (msg))
    return;
  if (g_str_equal (path, "/api/v1/runs/5/events"))
    fake_events (f, msg);
  else if (g_str_equal (path, "/api/v1/runs/7/events"))
    fake_flaky_events (f, msg);
  else if (g_str_equal (path, "/api/v1/runs/6/events"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>log in</html>", 19);
    }
  else if (g_str_equal (path, "/api/v1/runs/5") && g_str_equal (method, "GET"))
    reply_json (msg, 200, "{\"id\": 5, \"state\": \"running\", \"steps\": []}");
  else if (g_str_equal (path, "/api/v1/runs") && g_str_equal (method, "POST"))
    {
      SoupMessageBody *request = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
      g_autoptr(JsonNode) body = json_from_string (g_bytes_get_data (bytes, NULL), NULL);
      JsonObject *object = json_node_get_object (body);

      // The request as the API describes it, sent back for the test to check.
      g_assert_cmpstr (json_object_get_string_member (object, "pipeline"), ==, "abc123");
      reply_json (msg, 201, g_bytes_get_data (bytes, NULL));
    }
  else if (g_str_equal (path, "/api/v1/schedules/3") && g_str_equal (method, "DELETE"))
    soup_server_message_set_status (msg, 204, NULL);
  else if (g_str_equal (path, "/api/v1/pipelines") && g_str_equal (method, "POST"))
    reply_json (msg, 422, "{\"error\": {\"code\": \"invalid\", \"message\": \"the pipeline is not valid\"},"
                          " \"problems\": [{\"severity\": \"error\", \"file\": \"pipeline.sluice.json\", \"line\": 3,"
                          " \"column\": 5, \"message\": \"step 'b' has no component\"}]}");
  else
    reply_json (msg, 404, "{\"error\": {\"code\": \"not-found\", \"message\": \"there is no such thing here\"}}");
}

static void
fake_set_up (FakeServer    *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  const char *kinds[] = { "run-state", "step-state", "log", "step-state", "run-state" };

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, fake_handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->last_event_ids = g_ptr_array_new_with_free_func (g_free);
  f->stream = g_ptr_array_new_with_free_func (g_free);
  f->attempts = g_array_new (FALSE, FALSE, sizeof (gint64));
  {
    g_autofree char *e1 = fake_event (5, SLUICE_RUN_EVENT_RUN_STATE, NULL, SLUICE_STATE_RUNNING, NULL);
    g_autofree char *e2 = fake_event (5, SLUICE_RUN_EVENT_STEP_STATE, "train", SLUICE_STATE_RUNNING, NULL);
    g_autofree char *e3 = fake_event (5, SLUICE_RUN_EVENT_LOG, "train", 0, "epoch 1\nepoch 2");
    g_autofree char *e4 = fake_event (5, SLUICE_RUN_EVENT_STEP_STATE, "train", SLUICE_STATE_SUCCEEDED, NULL);
    g_autofree char *e5 = fake_event (5, SLUICE_RUN_EVENT_RUN_STATE, NULL, SLUICE_STATE_SUCCEEDED, NULL);
    const char *json[] = { e1, e2, e3, e4, e5 };

    for (guint i = 0; i < G_N_ELEMENTS (json); i++)
      g_ptr_array_add (f->stream, g_strdup_printf ("c%u\n%s\n%s", i + 1, kinds[i], json[i]));
  }
}

static void
fake_tear_down (FakeServer    *f,
                gconstpointer  data)
{
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_free (f->url);
  g_ptr_array_unref (f->last_event_ids);
  g_ptr_array_unref (f->stream);
  g_array_unref (f->attempts);
}

typedef struct
{
  GPtrArray *events;
  int        finished;       // -1 until "finished"
  guint      lost;
  guint      reconnected;
  GError    *failed;
} Watch;

static void
on_watch_events (SluiceRunMonitor *monitor,
                 GPtrArray        *events,
                 Watch            *w)
{
  g_assert_cmpuint (events->len, >, 0);
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (w->events, sluice_run_event_copy (g_ptr_array_index (events, i)));
}

static void
on_watch_finished (SluiceRunMonitor *monitor,
                   int               state,
                   Watch            *w)
{
  w->finished = state;
}

static void
on_connection_lost (SluiceRemote     *remote,
                    SluiceRunMonitor *monitor,
                    GError           *error,
                    Watch            *w)
{
  g_assert_nonnull (error);
  w->lost++;
}

static void
on_reconnected (SluiceRemote     *remote,
                SluiceRunMonitor *monitor,
                Watch            *w)
{
  w->reconnected++;
}

static void
on_watch_failed (SluiceRemote     *remote,
                 SluiceRunMonitor *monitor,
                 GError           *error,
                 Watch            *w)
{
  g_clear_error (&w->failed);
  w->failed = g_error_copy (error);
}

static gboolean
on_watch_timeout (gpointer user_data)
{
  g_error ("watching the run took more than 20 seconds");
  return G_SOURCE_REMOVE;
}

// Runs the monitor until it finished or the stream was refused.
static void
watch (SluiceRemote *remote,
       gint64        run_id,
       const char   *cursor,
       Watch        *w)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRunMonitor) monitor = sluice_remote_watch_run (remote, run_id);
  guint timeout = g_timeout_add_seconds (20, on_watch_timeout, NULL);

  w->events = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_run_event_free);
  w->finished = -1;
  w->lost = w->reconnected = 0;
  g_signal_connect (monitor, "events", G_CALLBACK (on_watch_events), w);
  g_signal_connect (monitor, "finished", G_CALLBACK (on_watch_finished), w);
  g_signal_connect (remote, "connection-lost", G_CALLBACK (on_connection_lost), w);
  g_signal_connect (remote, "reconnected", G_CALLBACK (on_reconnected), w);
  g_signal_connect (remote, "watch-failed", G_CALLBACK (on_watch_failed), w);
  g_assert_true (sluice_run_monitor_set_cursor (monitor, cursor, &error));
  g_assert_true (sluice_run_monitor_start (monitor, &error));
  g_assert_no_error (error);

  while (w->finished < 0 && w->failed == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout);
  g_signal_handlers_disconnect_by_data (remote, w);
}

static void
watch_clear (Watch *w)
{
  g_clear_pointer (&w->events, g_ptr_array_unref);
  g_clear_error (&w->failed);
}

static void
test_watch_reconnects (FakeServer    *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = sluice_remote_new (f->url, "tok", &error);
  Watch w = { 0 };
  SluiceRunEvent *log;

  g_assert_no_error (error);
  watch (remote, 5, NULL, &w);

  g_assert_null (w.failed);
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (w.events->len, ==, 5);
  for (guint i = 0; i < w.events->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (w.events, i);
      g_autofree char *cursor = g_strdup_printf ("c%u", i + 1);

      g_assert_cmpstr (event->cursor, ==, cursor);
      g_assert_cmpint (event->run_id, ==, 5);
    }
  log = g_ptr_array_index (w.events, 2);
  g_assert_cmpint (log->kind, ==, SLUICE_RUN_EVENT_LOG);
  g_assert_cmpstr (log->text, ==, "epoch 1\nepoch 2");

  // The stream broke after c2 (in the middle of c3): one banner, one
  // reconnect, resumed after the last event delivered.
  g_assert_cmpuint (w.lost, ==, 1);
  g_assert_cmpuint (w.reconnected, ==, 1);
  g_assert_cmpuint (f->last_event_ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->last_event_ids, 0), ==, "");
  g_assert_cmpstr (g_ptr_array_index (f->last_event_ids, 1), ==, "c2");
  watch_clear (&w);

  // A monitor given a cursor starts after it.
  watch (remote, 5, "c4", &w);
  g_assert_cmpstr (g_ptr_array_index (f->last_event_ids, 2), ==, "c4");
  g_assert_cmpuint (w.events->len, ==, 1);
  g_assert_cmpstr (((SluiceRunEvent *) g_ptr_array_index (w.events, 0))->cursor, ==, "c5");
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (w.lost, ==, 0);
  watch_clear (&w);
}

// A server that answers 503 is retried, each time waiting longer, with
// one "connection-lost" and one "reconnected" for the whole outage.
static void
test_watch_backoff (FakeServer    *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = sluice_remote_new (f->url, "tok", &error);
  Watch w = { 0 };
  gint64 first_wait, second_wait, third_wait;

  watch (remote, 7, NULL, &w);
  g_assert_null (w.failed);
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (w.events->len, ==, 5);
  g_assert_cmpuint (w.lost, ==, 1);
  g_assert_cmpuint (w.reconnected, ==, 1);
  g_assert_cmpuint (f->attempts->len, ==, 4);

  first_wait = g_array_index (f->attempts, gint64, 1) - g_array_index (f->attempts, gint64, 0);
  second_wait = g_array_index (f->attempts, gint64, 2) - g_array_index (f->attempts, gint64, 1);
  third_wait = g_array_index (f->attempts, gint64, 3) - g_array_index (f->attempts, gint64, 2);
  g_test_message ("waits: %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " us",
                  first_wait, second_wait, third_wait);
  g_assert_cmpint (second_wait, >=, 250 * 1000);
  g_assert_cmpint (third_wait, >=, 500 * 1000);
  g_assert_cmpint (third_wait, <, 10 * G_USEC_PER_SEC);
  watch_clear (&w);
}

static void
test_watch_refused (FakeServer    *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = sluice_remote_new (f->url, "tok", &error);
  g_autoptr(SluiceRemote) stranger = sluice_remote_new (f->url, "wrong", &error);
  Watch w = { 0 };

  watch (remote, 99, NULL, &w);
  g_assert_error (w.failed, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (w.failed->message, "run 99"));
  g_assert_cmpint (w.finished, ==, -1);
  watch_clear (&w);

  watch (stranger, 5, NULL, &w);
  g_assert_error (w.failed, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_UNAUTHORIZED);
  watch_clear (&w);

  watch (remote, 6, NULL, &w);
  g_assert_error (w.failed, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_SERVER);
  g_assert_nonnull (strstr (w.failed->message, "event stream"));
  watch_clear (&w);
}

static gboolean
on_quit_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, on_quit_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

// The app drops a monitor when its window closes, whatever the stream is
// doing: requests still in flight must find nothing to deliver to.
static void
test_watch_dropped (FakeServer    *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = sluice_remote_new (f->url, "tok", &error);

  for (guint steps = 0; steps < 6; steps++)
    {
      SluiceRunMonitor *monitor = sluice_remote_watch_run (remote, 5);

      g_assert_true (sluice_run_monitor_start (monitor, &error));
      for (guint i = 0; i < steps; i++)
        g_main_context_iteration (NULL, FALSE);
      g_object_unref (monitor);
      spin (20);
    }

  // Stopped by hand before the end, a monitor stays quiet.
  {
    g_autoptr(SluiceRunMonitor) monitor = sluice_remote_watch_run (remote, 5);

    g_assert_true (sluice_run_monitor_start (monitor, &error));
    sluice_run_monitor_stop (monitor);
    spin (300);
    g_assert_false (sluice_run_monitor_is_finished (monitor));
  }
}

static void
test_requests (FakeServer    *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = sluice_remote_new (f->url, "tok", &error);
  g_autoptr(SluiceRemote) stranger = sluice_remote_new (f->url, "wrong", &error);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) inputs = json_object_new ();
  const char *force[] = { "train", NULL };
  JsonObject *object;

  sluice_remote_get_run_async (remote, 5, NULL, store_result, &result);
  reply = sluice_remote_get_run_finish (remote, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (reply), "id"), ==, 5);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  json_object_set_double_member (inputs, "lr", 0.5);
  sluice_remote_start_run_async (remote, "abc123", inputs, force, NULL, store_result, &result);
  reply = sluice_remote_start_run_finish (remote, wait_for (&result), &error);
  g_assert_no_error (error);
  object = json_node_get_object (reply);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (object, "inputs"), "lr"), ==, 0.5);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (object, "force"), 0), ==, "train");
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  sluice_remote_delete_schedule_async (remote, 3, NULL, store_result, &result);
  g_assert_true (sluice_remote_delete_schedule_finish (remote, wait_for (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  // The server's message and problems make the error.
  {
    g_autofree char *dir = make_project ("data/input.csv", "file:components/produce.component.json");
    g_autoptr(SluicePipelineArchive) archive = archive_project (dir, &error);

    sluice_remote_upload_pipeline_async (remote, archive, NULL, store_result, &result);
    reply = sluice_remote_upload_pipeline_finish (remote, wait_for (&result), &error);
    g_assert_null (reply);
    g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "the pipeline is not valid"));
    g_assert_nonnull (strstr (error->message, "pipeline.sluice.json:3:5: error: step 'b' has no component"));
    g_clear_error (&error);
    g_clear_object (&result);
    sluice_file_remove_tree (dir, NULL);
  }

  sluice_remote_get_run_async (stranger, 5, NULL, store_result, &result);
  g_assert_null (sluice_remote_get_run_finish (stranger, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "the token is not valid");
  g_clear_error (&error);
  g_clear_object (&result);

  sluice_remote_get_schedule_async (remote, 77, NULL, store_result, &result);
  g_assert_null (sluice_remote_get_schedule_finish (remote, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) remote = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_null (sluice_remote_new ("not a url", NULL, &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (sluice_remote_new ("http://localhost:1", "tok\r\nX-Evil: 1", &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_CONFIG);
  g_clear_error (&error);

  // Port 1 on the loopback: nothing listens there.
  remote = sluice_remote_new ("http://127.0.0.1:1/", "tok", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_remote_get_url (remote), ==, "http://127.0.0.1:1");
  sluice_remote_list_schedules_async (remote, NULL, store_result, &result);
  g_assert_null (sluice_remote_list_schedules_finish (remote, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "cannot reach http://127.0.0.1:1"));
}

/* main -------------------------------------------------------------------------------------- */

static void add_integration_tests (void);

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/remote/event/json-round-trip", test_event_round_trip);
  g_test_add_func ("/remote/event/bad-json", test_event_from_bad_json);
  g_test_add_func ("/remote/sse/stream", test_sse_stream);
  g_test_add_func ("/remote/sse/reconnect", test_sse_reconnect);
  g_test_add_func ("/remote/archive/contents", test_archive_contents);
  g_test_add_func ("/remote/archive/deterministic", test_archive_deterministic);
  g_test_add_func ("/remote/archive/write-async", test_archive_write_async);
  g_test_add_func ("/remote/archive/refuses-escape", test_archive_refuses_escape);
  g_test_add_func ("/remote/archive/unknown-builtin", test_archive_unknown_builtin);
  g_test_add_func ("/remote/archive/symlink-loop", test_archive_symlink_loop);
  g_test_add ("/remote/config/add-list-remove", ConfigFixture, NULL, config_set_up, test_config_add_list_remove, config_tear_down);
  g_test_add ("/remote/config/insecure-token", ConfigFixture, NULL, config_set_up, test_config_insecure_token, config_tear_down);
  g_test_add ("/remote/config/bad-input", ConfigFixture, NULL, config_set_up, test_config_bad_input, config_tear_down);
  g_test_add ("/remote/client/watch-reconnects", FakeServer, NULL, fake_set_up, test_watch_reconnects, fake_tear_down);
  g_test_add ("/remote/client/watch-refused", FakeServer, NULL, fake_set_up, test_watch_refused, fake_tear_down);
  g_test_add ("/remote/client/watch-backoff", FakeServer, NULL, fake_set_up, test_watch_backoff, fake_tear_down);
  g_test_add ("/remote/client/watch-dropped", FakeServer, NULL, fake_set_up, test_watch_dropped, fake_tear_down);
  g_test_add ("/remote/client/requests", FakeServer, NULL, fake_set_up, test_requests, fake_tear_down);
  g_test_add_func ("/remote/client/unreachable", test_unreachable);
  add_integration_tests ();

  return g_test_run ();
}

/* integration: the real server ---------------------------------------------------------- */

typedef struct
{
  char        *data;
  char        *project;
  char        *config;
  char        *url;
  char        *admin_token;
  char        *runner_token;
  char        *viewer_token;
  GSubprocess *server;
  SluiceRemote *admin;
  SluiceRemote *runner;
  SluiceRemote *viewer;
} Live;

static char *
create_token (const char *server,
              const char *data,
              const char *name,
              const char *role)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { server, "token", "create", "--data", data, "--name", name, "--role", role, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("sluice-server token create failed: %s", err);
  return g_strstrip (g_steal_pointer (&out));
}

// The pipeline the live tests run: two steps from local component files
// with their code folder, one reading a data file next to the pipeline,
// one reporting metrics.
static void
write_live_project (const char *dir)
{
  const char *names[] = { "produce", "concat", "sleeper", "metrics", "fail" };
  g_autofree char *engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
  g_autofree char *code = g_build_filename (engine, "code", NULL);
  g_autofree char *code_copy = g_build_filename (dir, "components", "code", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (code_copy, 0755), ==, 0);
  g_assert_cmpint (g_rmdir (code_copy), ==, 0);
  sluice_file_copy_tree (code, code_copy, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strconcat (names[i], ".component.json", NULL);
      g_autofree char *from = g_build_filename (engine, file, NULL);
      g_autofree char *text = NULL;
      g_autofree char *to = g_build_filename ("components", file, NULL);

      g_file_get_contents (from, &text, NULL, &error);
      g_assert_no_error (error);
      write_file (dir, to, text);
    }
  write_file (dir, "data/seed.txt", "seed\n");
  write_file (dir, "flow.sluice.json",
    "{\"sluice\": 1, \"name\": \"live_flow\","
    " \"inputs\": {\"seed\": {\"type\": \"uri_file\", \"path\": \"data/seed.txt\"}, \"text\": \"hello\"},"
    " \"jobs\": {\"a\": {\"component\": \"file:components/produce.component.json\", \"inputs\": {\"text\": \"${{parent.inputs.text}}\"}},"
    "          \"b\": {\"component\": \"file:components/concat.component.json\","
    "                  \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\", \"b\": \"${{parent.inputs.seed}}\"}},"
    "          \"m\": {\"component\": \"file:components/metrics.component.json\"}}}");
  write_file (dir, "sleep.sluice.json",
    "{\"sluice\": 1, \"name\": \"live_sleep\", \"inputs\": {\"seconds\": 30},"
    " \"jobs\": {\"s\": {\"component\": \"file:components/sleeper.component.json\","
    " \"inputs\": {\"seconds\": \"${{parent.inputs.seconds}}\"}}}}");
  write_file (dir, "fail.sluice.json",
    "{\"sluice\": 1, \"name\": \"live_fail\","
    " \"jobs\": {\"f\": {\"component\": \"file:components/fail.component.json\"}}}");
  write_file (dir, "broken.sluice.json",
    "{\"sluice\": 1, \"name\": \"live_broken\","
    " \"jobs\": {\"a\": {\"component\": \"file:components/produce.component.json\","
    " \"inputs\": {\"text\": \"${{parent.inputs.nowhere}}\"}}}}");
}

// A failed assertion aborts the test; the server must not outlive it
// (and keep meson waiting on its output).
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
live_set_up (Live          *f,
             gconstpointer  data)
{
  const char *server = g_getenv ("SLUICE_SERVER");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *line = NULL;

  if (server == NULL || !g_file_test (server, G_FILE_TEST_IS_EXECUTABLE))
    return;

  f->data = make_temp_dir ();
  f->project = make_temp_dir ();
  f->config = make_temp_dir ();
  write_live_project (f->project);
  f->admin_token = create_token (server, f->data, "admin", "admin");
  f->runner_token = create_token (server, f->data, "runner", "runner");
  f->viewer_token = create_token (server, f->data, "viewer", "viewer");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->server = g_subprocess_launcher_spawn (launcher, &error, server, "--listen", "127.0.0.1:0", "--data", f->data, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  f->url = g_strdup (line + strlen ("listening on "));

  f->admin = sluice_remote_new (f->url, f->admin_token, &error);
  f->runner = sluice_remote_new (f->url, f->runner_token, &error);
  f->viewer = sluice_remote_new (f->url, f->viewer_token, &error);
  g_assert_no_error (error);
}

static void
live_tear_down (Live          *f,
                gconstpointer  data)
{
  if (f->server != NULL)
    {
      g_subprocess_send_signal (f->server, SIGTERM);
      g_subprocess_wait (f->server, NULL, NULL);
    }
  g_clear_object (&f->server);
  g_clear_object (&f->admin);
  g_clear_object (&f->runner);
  g_clear_object (&f->viewer);
  if (f->data != NULL)
    {
      remove_dir (f->data);
      remove_dir (f->project);
      remove_dir (f->config);
    }
  g_free (f->url);
  g_free (f->admin_token);
  g_free (f->runner_token);
  g_free (f->viewer_token);
}

static gboolean
live_skipped (Live *f)
{
  if (f->server != NULL)
    return FALSE;
  g_test_skip ("set SLUICE_SERVER to the sluice-server binary to run the client against it");
  return TRUE;
}

static char *
live_upload (Live         *f,
             SluiceRemote *remote,
             const char   *file,
             GError      **error)
{
  g_autofree char *path = g_build_filename (f->project, file, NULL);
  g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, error);
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new ();
  g_autoptr(SluicePipelineArchive) archive = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;

  g_assert_no_error (*error);
  archive = sluice_pipeline_archive_new (pipeline, registry, error);
  g_assert_no_error (*error);
  sluice_remote_upload_pipeline_async (remote, archive, NULL, store_result, &result);
  if (!(reply = sluice_remote_upload_pipeline_finish (remote, wait_for (&result), error)))
    return NULL;
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "name"), ==,
                   sluice_pipeline_get_name (pipeline));
  return g_strdup (json_object_get_string_member (json_node_get_object (reply), "id"));
}

static gint64
live_start (SluiceRemote *remote,
            const char   *pipeline_id,
            JsonObject   *inputs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) run = NULL;

  sluice_remote_start_run_async (remote, pipeline_id, inputs, NULL, NULL, store_result, &result);
  run = sluice_remote_start_run_finish (remote, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (run), "pipeline"), ==, pipeline_id);
  return json_object_get_int_member (json_node_get_object (run), "id");
}

static gboolean
has_step_event (GPtrArray   *events,
                const char  *step,
                SluiceState  state)
{
  for (guint i = 0; i < events->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (events, i);

      if (event->kind == SLUICE_RUN_EVENT_STEP_STATE && g_strcmp0 (event->step_id, step) == 0 && event->state == state)
        return TRUE;
    }
  return FALSE;
}

static void
test_live_run (Live          *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *log = NULL;
  g_autofree char *second_cursor = NULL;
  g_autoptr(JsonObject) inputs = json_object_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *array;
  gboolean found = FALSE;
  Watch w = { 0 };
  guint all;
  gint64 run_id;

  if (live_skipped (f))
    return;

  id = live_upload (f, f->runner, "flow.sluice.json", &error);
  g_assert_no_error (error);
  // The same pipeline and files make the same pipeline.
  again = live_upload (f, f->runner, "flow.sluice.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, again);

  json_object_set_string_member (inputs, "text", "from the client");
  run_id = live_start (f->runner, id, inputs);
  watch (f->viewer, run_id, NULL, &w);
  g_assert_null (w.failed);
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_true (has_step_event (w.events, "a", SLUICE_STATE_SUCCEEDED));
  g_assert_true (has_step_event (w.events, "b", SLUICE_STATE_SUCCEEDED));
  g_assert_true (has_step_event (w.events, "m", SLUICE_STATE_SUCCEEDED));
  for (guint i = 0; i < w.events->len; i++)
    {
      SluiceRunEvent *event = g_ptr_array_index (w.events, i);

      g_assert_nonnull (event->cursor);
      g_assert_cmpint (event->run_id, ==, run_id);
    }
  all = w.events->len;
  second_cursor = g_strdup (((SluiceRunEvent *) g_ptr_array_index (w.events, 1))->cursor);
  watch_clear (&w);

  // Replaying after a cursor gives the rest, the same way.
  watch (f->viewer, run_id, second_cursor, &w);
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  g_assert_cmpuint (w.events->len, ==, all - 2);
  watch_clear (&w);

  sluice_remote_get_run_async (f->viewer, run_id, NULL, store_result, &result);
  reply = sluice_remote_get_run_finish (f->viewer, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (reply), "state"), ==, "succeeded");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "steps")), ==, 3);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  sluice_remote_list_runs_async (f->viewer, id, 10, NULL, store_result, &result);
  reply = sluice_remote_list_runs_finish (f->viewer, wait_for (&result), &error);
  g_assert_no_error (error);
  array = json_object_get_array_member (json_node_get_object (reply), "runs");
  for (guint i = 0; i < json_array_get_length (array); i++)
    found |= json_object_get_int_member (json_array_get_object_element (array, i), "id") == run_id;
  g_assert_true (found);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  sluice_remote_get_log_async (f->viewer, run_id, "a", 0, 0, NULL, store_result, &result);
  log = sluice_remote_get_log_finish (f->viewer, wait_for (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log, "produced from the client"));
  g_clear_object (&result);

  sluice_remote_get_metrics_async (f->viewer, run_id, NULL, store_result, &result);
  reply = sluice_remote_get_metrics_finish (f->viewer, wait_for (&result), &error);
  g_assert_no_error (error);
  array = json_object_get_array_member (json_node_get_object (reply), "metrics");
  g_assert_cmpuint (json_array_get_length (array), >=, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0), "name"), ==, "accuracy");
}

static void
test_live_errors (Live          *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceRemote) stranger = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *broken = NULL;

  if (live_skipped (f))
    return;

  // A viewer may look, not start.
  id = live_upload (f, f->viewer, "flow.sluice.json", &error);
  g_assert_null (id);
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_FORBIDDEN);
  g_clear_error (&error);

  stranger = sluice_remote_new (f->url, "sluice_not_a_token", &error);
  sluice_remote_list_runs_async (stranger, NULL, 0, NULL, store_result, &result);
  g_assert_null (sluice_remote_list_runs_finish (stranger, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  g_clear_object (&result);

  sluice_remote_get_run_async (f->viewer, 999, NULL, store_result, &result);
  g_assert_null (sluice_remote_get_run_finish (f->viewer, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  // The server validates what it gets and says what is wrong.
  broken = live_upload (f, f->runner, "broken.sluice.json", &error);
  g_assert_null (broken);
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "nowhere"));
}

static void
test_live_publish_schedule (Live          *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(JsonObject) defaults = json_object_new ();
  g_autoptr(JsonObject) inputs = json_object_new ();
  g_autofree char *id = NULL;
  g_autofree char *log = NULL;
  JsonObject *object;
  Watch w = { 0 };
  gint64 run_id, schedule_id;

  if (live_skipped (f))
    return;

  id = live_upload (f, f->admin, "flow.sluice.json", &error);
  g_assert_no_error (error);
  json_object_set_string_member (defaults, "text", "published default");
  sluice_remote_publish_async (f->admin, "nightly", id, defaults, NULL, store_result, &result);
  reply = sluice_remote_publish_finish (f->admin, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (reply), "version"), ==, 1);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  json_object_set_string_member (inputs, "text", "triggered");
  sluice_remote_trigger_published_async (f->runner, "nightly", inputs, 0, NULL, store_result, &result);
  reply = sluice_remote_trigger_published_finish (f->runner, wait_for (&result), &error);
  g_assert_no_error (error);
  run_id = json_object_get_int_member (json_node_get_object (reply), "id");
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);
  watch (f->runner, run_id, NULL, &w);
  g_assert_cmpint (w.finished, ==, SLUICE_STATE_SUCCEEDED);
  watch_clear (&w);
  sluice_remote_get_log_async (f->viewer, run_id, "a", 1, 0, NULL, store_result, &result);
  log = sluice_remote_get_log_finish (f->viewer, wait_for (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log, "produced triggered"));
  g_clear_object (&result);

  sluice_remote_create_schedule_async (f->admin, "nightly", NULL, 3600, NULL, NULL, NULL, store_result, &result);
  reply = sluice_remote_create_schedule_finish (f->admin, wait_for (&result), &error);
  g_assert_no_error (error);
  object = json_node_get_object (reply);
  schedule_id = json_object_get_int_member (object, "id");
  g_assert_cmpint (schedule_id, >, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "next_runs")), >, 0);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  sluice_remote_pause_schedule_async (f->admin, schedule_id, NULL, store_result, &result);
  reply = sluice_remote_pause_schedule_finish (f->admin, wait_for (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);
  sluice_remote_get_schedule_async (f->viewer, schedule_id, NULL, store_result, &result);
  reply = sluice_remote_get_schedule_finish (f->viewer, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (reply), "paused"));
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);
  sluice_remote_resume_schedule_async (f->admin, schedule_id, NULL, store_result, &result);
  reply = sluice_remote_resume_schedule_finish (f->admin, wait_for (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  sluice_remote_list_schedules_async (f->viewer, NULL, store_result, &result);
  reply = sluice_remote_list_schedules_finish (f->viewer, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "schedules")), ==, 1);
  g_clear_object (&result);
  g_clear_pointer (&reply, json_node_unref);

  // Only an admin schedules.
  sluice_remote_delete_schedule_async (f->runner, schedule_id, NULL, store_result, &result);
  g_assert_false (sluice_remote_delete_schedule_finish (f->runner, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_clear_object (&result);
  sluice_remote_delete_schedule_async (f->admin, schedule_id, NULL, store_result, &result);
  g_assert_true (sluice_remote_delete_schedule_finish (f->admin, wait_for (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  sluice_remote_get_schedule_async (f->viewer, schedule_id, NULL, store_result, &result);
  g_assert_null (sluice_remote_get_schedule_finish (f->viewer, wait_for (&result), &error));
  g_assert_error (error, SLUICE_REMOTE_ERROR, SLUICE_REMOTE_ERROR_NOT_FOUND);
}

/* integration: the CLI ------------------------------------------------------------------- */

// Runs `sluice ARGS…` with this test's config folder; returns its exit status.
static int
live_cli (Live        *f,
          char       **out,
          const char  *first,
          ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "XDG_CONFIG_HOME", f->config, TRUE);
  g_autofree char *err = NULL;
  g_autofree char *stdout_text = NULL;
  int status = 0;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("SLUICE_CLI"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (f->project, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &stdout_text, &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("sluice %s: %s%s", first, stdout_text, err);
  if (out != NULL)
    *out = g_strconcat (stdout_text, err, NULL);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
wait_for_step_state (SluiceRemote *remote,
                     gint64        run_id,
                     const char   *step,
                     const char   *state)
{
  for (guint tries = 0; tries < 200; tries++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonNode) reply = NULL;
      JsonArray *steps;

      sluice_remote_get_run_async (remote, run_id, NULL, store_result, &result);
      reply = sluice_remote_get_run_finish (remote, wait_for (&result), &error);
      g_assert_no_error (error);
      steps = json_object_get_array_member (json_node_get_object (reply), "steps");
      for (guint i = 0; i < json_array_get_length (steps); i++)
        {
          JsonObject *s = json_array_get_object_element (steps, i);

          if (g_str_equal (json_object_get_string_member (s, "id"), step) &&
              g_str_equal (json_object_get_string_member (s, "state"), state))
            return;
        }
      g_usleep (50 * 1000);
    }
  g_error ("step %s of run %" G_GINT64_FORMAT " never was %s", step, run_id, state);
}

static gint64
run_number_in (const char *text,
               const char *prefix)
{
  const char *at = strstr (text, prefix);

  g_assert_nonnull (at);
  return g_ascii_strtoll (at + strlen (prefix), NULL, 10);
}

// Ctrl+C on `sluice run --remote` cancels the run on the server, then
// prints how it ended and exits 1, as a local run does.
static void
live_cli_interrupted (Live *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) cli = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GString) rest = g_string_new (NULL);
  g_autofree char *first = NULL;
  char *line;
  gint64 run_id;

  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", f->config, TRUE);
  g_subprocess_launcher_set_cwd (launcher, f->project);
  cli = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SLUICE_CLI"), "run", "--remote", "live",
                                     "sleep.sluice.json", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (cli));
  first = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  run_id = run_number_in (first, "run ");
  wait_for_step_state (f->viewer, run_id, "s", "running");

  g_subprocess_send_signal (cli, SIGINT);
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error)) != NULL)
    {
      g_string_append_printf (rest, "%s\n", line);
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (cli, NULL, &error));
  g_test_message ("interrupted: %s", rest->str);
  g_assert_true (g_subprocess_get_if_exited (cli));
  g_assert_cmpint (g_subprocess_get_exit_status (cli), ==, 1);
  g_assert_nonnull (strstr (rest->str, "stopping: cancelling run"));
  g_assert_nonnull (strstr (rest->str, "cancelled"));
}

static void
test_live_cli (Live          *f,
               gconstpointer  data)
{
  g_autofree char *token_file = NULL;
  g_autofree char *out = NULL;
  g_autofree char *run_text = NULL;
  g_autofree char *cancel_text = NULL;
  gint64 run_id, sleeping;

  if (live_skipped (f) || g_getenv ("SLUICE_CLI") == NULL)
    {
      if (f->server != NULL)
        g_test_skip ("SLUICE_CLI is not set");
      return;
    }

  token_file = g_build_filename (f->config, "admin.token", NULL);
  g_assert_true (g_file_set_contents (token_file, f->admin_token, -1, NULL));
  g_assert_cmpint (live_cli (f, NULL, "remote", "add", "live", f->url, "--token-file", token_file, NULL), ==, 0);
  g_assert_cmpint (live_cli (f, &out, "remote", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "live"));
  g_assert_nonnull (strstr (out, f->url));
  g_clear_pointer (&out, g_free);

  // A run on the server reads like a local one, with its exit status.
  g_assert_cmpint (live_cli (f, &out, "run", "--remote", "live", "flow.sluice.json", "--set", "text=by cli", NULL), ==, 0);
  run_id = run_number_in (out, "run ");
  g_assert_nonnull (strstr (out, "a                        succeeded"));
  run_text = g_strdup_printf ("run %" G_GINT64_FORMAT " succeeded", run_id);
  g_assert_nonnull (strstr (out, run_text));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, &out, "run", "--remote", "live", "fail.sluice.json", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "failed"));
  {
    g_autofree char *failed = g_strdup_printf ("%" G_GINT64_FORMAT, run_number_in (out, "run "));

    // Resuming runs what is left, the failing step again.
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (live_cli (f, &out, "run", "--remote", "live", "--resume", failed, NULL), ==, 1);
    g_assert_nonnull (strstr (out, "f                        failed"));
  }
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, &out, "run", "--remote", "live", "broken.sluice.json", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "nowhere"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (live_cli (f, &out, "runs", "list", "--remote", "live", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "live_flow"));
  g_clear_pointer (&out, g_free);
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

    g_assert_cmpint (live_cli (f, &out, "runs", "show", "--remote", "live", id, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "succeeded"));
    g_assert_nonnull (strstr (out, "live_flow"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (live_cli (f, &out, "logs", "--remote", "live", id, "a", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "produced by cli"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (live_cli (f, &out, "metrics", "--remote", "live", id, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "accuracy"));
    g_assert_nonnull (strstr (out, "0.75"));
    g_clear_pointer (&out, g_free);
    // Every step's log, each line after its step, as `sluice logs RUN`.
    g_assert_cmpint (live_cli (f, &out, "logs", "--remote", "live", id, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "a                    produced by cli"));
    g_clear_pointer (&out, g_free);
    // --follow reads the event stream: stdout lines as they are, notes marked #.
    g_assert_cmpint (live_cli (f, &out, "logs", "--remote", "live", id, "a", "--follow", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "\nproduced by cli\n"));
    g_assert_nonnull (strstr (out, "# "));
    g_clear_pointer (&out, g_free);
  }
  g_assert_cmpint (live_cli (f, NULL, "runs", "show", "--remote", "live", "999", NULL), ==, 1);
  g_assert_cmpint (live_cli (f, NULL, "runs", "list", "--remote", "nosuch", NULL), ==, 2);

  // Detached, then cancelled from another command.
  g_assert_cmpint (live_cli (f, &out, "run", "--remote", "live", "sleep.sluice.json", "--detach", NULL), ==, 0);
  sleeping = run_number_in (out, "run ");
  g_assert_nonnull (strstr (out, "started on live"));
  g_clear_pointer (&out, g_free);
  {
    g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, sleeping);
    Watch w = { 0 };

    // Until the runner has started its step a SIGTERM would kill it
    // before it can record the cancel (a runner-side race, not the
    // client's): cancel a run that is really going on, as people do.
    wait_for_step_state (f->viewer, sleeping, "s", "running");
    g_assert_cmpint (live_cli (f, &out, "cancel", "--remote", "live", id, NULL), ==, 0);
    cancel_text = g_strdup_printf ("cancelling run %s", id);
    g_assert_nonnull (strstr (out, cancel_text));
    g_clear_pointer (&out, g_free);
    watch (f->viewer, sleeping, NULL, &w);
    g_assert_cmpint (w.finished, ==, SLUICE_STATE_CANCELLED);
    watch_clear (&w);
  }

  live_cli_interrupted (f);

  g_assert_cmpint (live_cli (f, &out, "publish", "--remote", "live", "flow.sluice.json", "--name", "daily",
                             "--set", "text=cli default", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "published daily version 1"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, &out, "trigger", "--remote", "live", "daily", "--wait", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "succeeded"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, NULL, "trigger", "--remote", "live", "nosuch", NULL), ==, 1);

  g_assert_cmpint (live_cli (f, &out, "schedule", "create", "--remote", "live", "daily", "--cron", "30 2 * * *",
                             "--timezone", "Europe/Paris", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "schedule 1 runs daily"));
  g_assert_nonnull (strstr (out, "next: "));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, NULL, "schedule", "create", "--remote", "live", "daily", NULL), ==, 2);
  g_assert_cmpint (live_cli (f, NULL, "schedule", "pause", "--remote", "live", "1", NULL), ==, 0);
  g_assert_cmpint (live_cli (f, &out, "schedule", "list", "--remote", "live", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "paused"));
  g_assert_nonnull (strstr (out, "Europe/Paris"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (live_cli (f, NULL, "schedule", "resume", "--remote", "live", "1", NULL), ==, 0);
  g_assert_cmpint (live_cli (f, NULL, "schedule", "delete", "--remote", "live", "1", NULL), ==, 0);
  g_assert_cmpint (live_cli (f, NULL, "schedule", "delete", "--remote", "live", "1", NULL), ==, 1);

  g_assert_cmpint (live_cli (f, NULL, "remote", "remove", "live", NULL), ==, 0);
  g_assert_cmpint (live_cli (f, &out, "runs", "list", "--remote", "live", NULL), ==, 2);
  g_assert_nonnull (strstr (out, "no remote 'live'"));
}

static void
add_integration_tests (void)
{
  g_test_add ("/remote/server/run-and-watch", Live, NULL, live_set_up, test_live_run, live_tear_down);
  g_test_add ("/remote/server/errors", Live, NULL, live_set_up, test_live_errors, live_tear_down);
  g_test_add ("/remote/server/publish-trigger-schedule", Live, NULL, live_set_up, test_live_publish_schedule, live_tear_down);
  g_test_add ("/remote/server/cli", Live, NULL, live_set_up, test_live_cli, live_tear_down);
}
