// SPDX-License-Identifier: GPL-3.0-or-later
//
// The step details pane's core helpers: output previews (CSV parsing, kind
// sniffing, mltable folders, limits) and what a recorded step ran with.

#include <glib/gstdio.h>
#include <string.h>

#include "sluice-artifact-preview.h"
#include "sluice-error.h"
#include "sluice-file.h"
#include "sluice-history.h"
#include "sluice-step-info.h"

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sluice-preview-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static char *
write_file (const char *dir,
            const char *name,
            const char *data,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static GPtrArray *
parse_all (const char *text,
           gboolean   *more)
{
  return sluice_csv_parse (text, strlen (text), TRUE, ',', 1000, 1000, more);
}

static void
assert_row (GPtrArray          *rows,
            guint               index,
            const char * const *expected)
{
  char **row;

  g_assert_cmpuint (index, <, rows->len);
  row = g_ptr_array_index (rows, index);
  g_assert_cmpstrv (row, expected);
}

static void
test_csv_quotes (void)
{
  g_autoptr(GPtrArray) rows = NULL;
  gboolean more = TRUE;

  rows = parse_all ("name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"two\nlines\",x\n", &more);
  g_assert_false (more);
  g_assert_cmpuint (rows->len, ==, 3);
  assert_row (rows, 0, (const char *[]) { "name", "note", NULL });
  assert_row (rows, 1, (const char *[]) { "Smith, J", "said \"hi\"", NULL });
  assert_row (rows, 2, (const char *[]) { "two\nlines", "x", NULL });
}

static void
test_csv_ragged_and_empty (void)
{
  g_autoptr(GPtrArray) rows = parse_all ("a,b,c\n1\n1,2,3,4\n,,\n\"\"", NULL);

  g_assert_cmpuint (rows->len, ==, 5);
  assert_row (rows, 1, (const char *[]) { "1", NULL });
  assert_row (rows, 2, (const char *[]) { "1", "2", "3", "4", NULL });
  assert_row (rows, 3, (const char *[]) { "", "", "", NULL });
  // The last record has no line end and is an empty quoted cell.
  assert_row (rows, 4, (const char *[]) { "", NULL });
}

static void
test_csv_incomplete_and_limits (void)
{
  const char *text = "a,b\n1,2\n3,4\n5,\"cut off";
  g_autoptr(GPtrArray) partial = NULL;
  g_autoptr(GPtrArray) limited = NULL;
  gboolean more = FALSE;

  // Only the start of a file: the record running into the end is dropped.
  partial = sluice_csv_parse (text, strlen (text), FALSE, ',', 100, 100, &more);
  g_assert_true (more);
  g_assert_cmpuint (partial->len, ==, 3);

  limited = sluice_csv_parse (text, strlen (text), TRUE, ',', 2, 100, &more);
  g_assert_true (more);
  g_assert_cmpuint (limited->len, ==, 2);
}

static void
test_csv_huge_cell_and_bad_utf8 (void)
{
  g_autoptr(GString) text = g_string_new ("h1,h2\n");
  g_autoptr(GPtrArray) rows = NULL;
  char **row;

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (text, 'x');
  // Latin-1 "café" and a stray continuation byte.
  g_string_append (text, ",caf\xe9 \x80!\n");
  rows = sluice_csv_parse (text->str, text->len, TRUE, ',', 10, 50, NULL);
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpuint (g_strv_length (row), ==, 2);
  g_assert_true (g_utf8_validate (row[0], -1, NULL));
  g_assert_cmpint (g_utf8_strlen (row[0], -1), ==, 51);
  g_assert_true (g_str_has_suffix (row[0], "…"));
  g_assert_true (g_utf8_validate (row[1], -1, NULL));
  g_assert_true (g_str_has_prefix (row[1], "caf"));
  g_assert_true (g_str_has_suffix (row[1], "!"));
}

static void
test_sniff (void)
{
  g_autofree char *dir = make_temp_dir ();
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  struct { const char *name; const char *data; gssize length; SluicePreviewKind kind; } cases[] = {
    { "csv", "x,y\n1,2\n3,4\n", -1, SLUICE_PREVIEW_TABLE },
    { "tsv", "x\ty\tz\n1\t2\t3\n", -1, SLUICE_PREVIEW_TABLE },
    { "json", "  {\"a\": [1, 2]}", -1, SLUICE_PREVIEW_JSON },
    { "text", "hello world\nsecond line, with a comma\n", -1, SLUICE_PREVIEW_TEXT },
    { "empty", "", 0, SLUICE_PREVIEW_TEXT },
    { "png", png, sizeof png - 1, SLUICE_PREVIEW_IMAGE },
    { "binary", "\x01\x02\0\x03pickle", 10, SLUICE_PREVIEW_BINARY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_file (dir, cases[i].name, cases[i].data, cases[i].length);
      g_autoptr(GError) error = NULL;
      SluicePreviewKind kind = -1;

      g_assert_true (sluice_artifact_sniff (path, &kind, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (sluice_preview_kind_to_string (kind), ==, sluice_preview_kind_to_string (cases[i].kind));
    }
  {
    g_autofree char *missing = g_build_filename (dir, "missing", NULL);
    g_autoptr(GError) error = NULL;
    SluicePreviewKind kind;

    g_assert_false (sluice_artifact_sniff (missing, &kind, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_null (sluice_artifact_preview_load (missing, NULL, NULL));
  }
  sluice_file_remove_tree (dir, NULL);
}

static void
test_preview_mltable (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *table = g_build_filename (dir, "table", NULL);
  g_autofree char *data = NULL, *schema = NULL;
  g_autoptr(SluiceArtifactPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  SluicePreviewLimits limits = SLUICE_PREVIEW_LIMITS_DEFAULT;

  g_assert_cmpint (g_mkdir (table, 0755), ==, 0);
  data = write_file (table, "data.csv", "age,name,ok\n31,Ann,true\n42,\"Bo, Jr\"\n7,Cy,false\n8,Di,true\n", -1);
  schema = write_file (table, "schema.json",
                       "{\"columns\": [{\"name\": \"age\", \"type\": \"integer\"}, {\"name\": \"name\", \"type\": \"string\"},"
                       " {\"name\": \"ok\", \"type\": \"boolean\"}], \"label\": null}", -1);
  limits.max_rows = 3;
  preview = sluice_artifact_preview_load (table, &limits, &error);
  g_assert_no_error (error);
  g_assert_cmpint (preview->kind, ==, SLUICE_PREVIEW_TABLE);
  g_assert_cmpstr (preview->data_path, ==, data);
  g_assert_cmpuint (preview->n_columns, ==, 3);
  g_assert_cmpstrv (preview->columns, ((const char *[]) { "age", "name", "ok", NULL }));
  g_assert_cmpstrv (preview->column_types, ((const char *[]) { "integer", "string", "boolean", NULL }));
  g_assert_cmpuint (preview->rows->len, ==, 3);
  g_assert_true (preview->truncated);
  // The ragged row is padded to the header's width.
  assert_row (preview->rows, 1, (const char *[]) { "42", "Bo, Jr", "", NULL });
  g_assert_cmpuint (preview->size, ==, strlen ("age,name,ok\n31,Ann,true\n42,\"Bo, Jr\"\n7,Cy,false\n8,Di,true\n"));
  sluice_file_remove_tree (dir, NULL);
}

static void
test_preview_folder_and_wide_rows (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *sub = g_build_filename (dir, "out", "sub", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *a = NULL, *b = NULL, *csv = NULL;
  g_autoptr(SluiceArtifactPreview) folder = NULL;
  g_autoptr(SluiceArtifactPreview) table = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  a = write_file (out, "a.txt", "a\n", -1);
  b = write_file (sub, "b.txt", "b\n", -1);
  folder = sluice_artifact_preview_load (out, NULL, NULL);
  g_assert_nonnull (folder);
  g_assert_cmpint (folder->kind, ==, SLUICE_PREVIEW_FOLDER);
  g_assert_cmpuint (folder->entries->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (folder->entries, 0), ==, "a.txt");
  g_assert_cmpstr (g_ptr_array_index (folder->entries, 1), ==, "sub/");
  g_assert_cmpstr (g_ptr_array_index (folder->entries, 2), ==, "sub/b.txt");

  // A row wider than the header gets a named column of its own.
  csv = write_file (dir, "wide", "x,y\n1,2\n3,4\n5,6,7\n", -1);
  table = sluice_artifact_preview_load (csv, NULL, NULL);
  g_assert_cmpint (table->kind, ==, SLUICE_PREVIEW_TABLE);
  g_assert_cmpuint (table->n_columns, ==, 3);
  g_assert_cmpstr (table->columns[2], ==, "column 3");
  g_assert_null (table->column_types);
  g_assert_false (table->truncated);
  sluice_file_remove_tree (dir, NULL);
}

static void
test_preview_text_and_json (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *text_path = NULL, *json_path = NULL, *bad_json_path = NULL, *line_path = NULL;
  g_autoptr(SluiceArtifactPreview) text = NULL, json = NULL, bad_json = NULL, line = NULL;
  SluicePreviewLimits limits = SLUICE_PREVIEW_LIMITS_DEFAULT;

  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (big, "line %u\n", i);
  text_path = write_file (dir, "text", big->str, big->len);
  text = sluice_artifact_preview_load (text_path, &limits, NULL);
  g_assert_cmpint (text->kind, ==, SLUICE_PREVIEW_TEXT);
  g_assert_true (text->truncated);
  g_assert_cmpuint (strlen (text->text), <=, limits.max_text_bytes);
  // Cut at a line end.
  g_assert_true (g_str_has_suffix (text->text, "\n"));
  g_assert_cmpuint (text->size, ==, big->len);

  json_path = write_file (dir, "json", "{\"b\":[1,2],\"a\":{\"c\":null}}", -1);
  json = sluice_artifact_preview_load (json_path, NULL, NULL);
  g_assert_cmpint (json->kind, ==, SLUICE_PREVIEW_JSON);
  g_assert_nonnull (strstr (json->text, "\n"));
  g_assert_nonnull (strstr (json->text, "\"c\" : null"));

  bad_json_path = write_file (dir, "bad-json", "{not json at all\xff", -1);
  bad_json = sluice_artifact_preview_load (bad_json_path, NULL, NULL);
  g_assert_cmpint (bad_json->kind, ==, SLUICE_PREVIEW_TEXT);
  g_assert_true (g_utf8_validate (bad_json->text, -1, NULL));

  // One line far longer than the limit, with multi-byte characters.
  g_string_truncate (big, 0);
  for (guint i = 0; i < 100000; i++)
    g_string_append (big, "é");
  line_path = write_file (dir, "line", big->str, big->len);
  line = sluice_artifact_preview_load (line_path, &limits, NULL);
  g_assert_true (line->truncated);
  g_assert_true (g_utf8_validate (line->text, -1, NULL));
  g_assert_cmpuint (strlen (line->text), <=, limits.max_text_bytes);
  g_assert_cmpuint (strlen (line->text), >, limits.max_text_bytes - 4);
  sluice_file_remove_tree (dir, NULL);
}

/* step info -------------------------------------------------------------------- */

static const char pipeline_json[] =
  "{\"sluice\": 1, \"name\": \"p\","
  " \"inputs\": {\"rate\": {\"type\": \"number\", \"default\": 0.5}, \"label\": {\"type\": \"string\"}},"
  " \"jobs\": {"
  "  \"make\": {\"component\": \"file:make.component.json\"},"
  "  \"use\": {\"component\": \"file:use.component.json\","
  "           \"inputs\": {\"data\": \"${{parent.jobs.make.outputs.out}}\", \"rate\": \"${{parent.inputs.rate}}\","
  "                      \"label\": \"${{parent.inputs.label}}\", \"mode\": \"fast and loose\"}}}}";

static const char component_json[] =
  "{\"name\": \"use\", \"version\": \"1\", \"display_name\": \"Use\","
  " \"inputs\": {\"data\": {\"type\": \"uri_file\"}, \"rate\": {\"type\": \"number\"},"
  "            \"label\": {\"type\": \"string\"}, \"mode\": {\"type\": \"string\"},"
  "            \"seed\": {\"type\": \"integer\", \"default\": 7}, \"extra\": {\"type\": \"string\", \"optional\": true}},"
  " \"outputs\": {\"out\": {\"type\": \"uri_file\"}},"
  " \"code\": \"no-such-folder\","
  " \"command\": \"sh run.sh ${{inputs.data}} ${{inputs.rate}} ${{inputs.label}} ${{inputs.mode}} ${{inputs.seed}} ${{outputs.out}}\"}";

static const SluiceStepInput *
find_input (GPtrArray  *inputs,
            const char *name)
{
  for (guint i = 0; i < inputs->len; i++)
    if (g_str_equal (((SluiceStepInput *) g_ptr_array_index (inputs, i))->name, name))
      return g_ptr_array_index (inputs, i);
  g_assert_not_reached ();
}

static void
test_resolve_inputs (void)
{
  g_autoptr(GPtrArray) uses = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_artifact_use_free);
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GError) error = NULL;
  SluiceArtifactUse *use = g_new0 (SluiceArtifactUse, 1);
  const SluiceStepInput *input;

  use->step_id = g_strdup ("use");
  use->port = g_strdup ("data");
  use->hash = g_strdup ("0123456789abcdef0123456789abcdef");
  g_ptr_array_add (uses, use);

  inputs = sluice_step_resolve_inputs (pipeline_json, "{\"label\": \"from --set\"}", component_json, "use", uses, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inputs->len, ==, 6);
  g_assert_cmpstr (((SluiceStepInput *) g_ptr_array_index (inputs, 0))->name, ==, "data");

  input = find_input (inputs, "data");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_LINK);
  g_assert_cmpstr (input->source, ==, "make.out");
  g_assert_cmpstr (input->hash, ==, "0123456789abcdef0123456789abcdef");
  input = find_input (inputs, "rate");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_PIPELINE);
  g_assert_cmpstr (input->value, ==, "0.5");
  input = find_input (inputs, "label");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_RUN);
  g_assert_cmpstr (input->value, ==, "from --set");
  input = find_input (inputs, "mode");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_STEP);
  g_assert_cmpstr (input->value, ==, "fast and loose");
  input = find_input (inputs, "seed");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_DEFAULT);
  g_assert_cmpstr (input->value, ==, "7");
  input = find_input (inputs, "extra");
  g_assert_cmpint (input->origin, ==, SLUICE_INPUT_ORIGIN_UNSET);
  g_assert_null (input->value);
}

static void
test_resolve_inputs_errors (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (sluice_step_resolve_inputs (pipeline_json, NULL, component_json, "nope", NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (sluice_step_resolve_inputs ("{broken", NULL, component_json, "use", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (sluice_step_resolve_inputs (pipeline_json, "[1]", component_json, "use", NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sluice_step_resolve_inputs (pipeline_json, NULL, "{\"name\": ", "use", NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sluice_step_resolve_inputs (NULL, NULL, component_json, "use", NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND);
}

static void
test_argv_to_shell (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = sluice_argv_json_to_shell ("[\"sh\", \"step.sh\", \"a b\", \"it's\", \"\", \"--n=0.1\", \"$HOME\"]", &error);
  g_auto(GStrv) back = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "sh step.sh 'a b' 'it'\\''s' '' --n=0.1 '$HOME'");
  // A shell reads it back as the same arguments.
  g_assert_true (g_shell_parse_argv (line, NULL, &back, NULL));
  g_assert_cmpstrv (back, ((const char *[]) { "sh", "step.sh", "a b", "it's", "", "--n=0.1", "$HOME", NULL }));

  g_assert_null (sluice_argv_json_to_shell ("[1]", &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sluice_argv_json_to_shell ("{}", &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (sluice_argv_json_to_shell (NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
}

static void
add_metric (GPtrArray  *metrics,
            const char *step,
            const char *name,
            double      value,
            gint64      index)
{
  SluiceMetric *metric = g_new0 (SluiceMetric, 1);

  metric->step_id = g_strdup (step);
  metric->name = g_strdup (name);
  metric->value = value;
  metric->index = index;
  g_ptr_array_add (metrics, metric);
}

static void
test_metrics_summary (void)
{
  g_autoptr(GPtrArray) metrics = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_metric_free);
  g_autoptr(GPtrArray) summary = NULL;
  SluiceMetricSummary *m;

  add_metric (metrics, "train", "loss", 0.9, 1);
  add_metric (metrics, "other", "loss", 5, -1);
  add_metric (metrics, "train", "accuracy", 0.75, -1);
  add_metric (metrics, "train", "loss", 0.4, 2);
  summary = sluice_metrics_summarize (metrics, "train");
  g_assert_cmpuint (summary->len, ==, 2);
  m = g_ptr_array_index (summary, 0);
  g_assert_cmpstr (m->name, ==, "loss");
  g_assert_cmpfloat (m->value, ==, 0.4);
  g_assert_cmpint (m->index, ==, 2);
  g_assert_cmpuint (m->count, ==, 2);
  m = g_ptr_array_index (summary, 1);
  g_assert_cmpstr (m->name, ==, "accuracy");
  g_assert_cmpuint (m->count, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/preview/csv/quotes", test_csv_quotes);
  g_test_add_func ("/preview/csv/ragged-and-empty", test_csv_ragged_and_empty);
  g_test_add_func ("/preview/csv/incomplete-and-limits", test_csv_incomplete_and_limits);
  g_test_add_func ("/preview/csv/huge-cell-and-bad-utf8", test_csv_huge_cell_and_bad_utf8);
  g_test_add_func ("/preview/sniff", test_sniff);
  g_test_add_func ("/preview/mltable", test_preview_mltable);
  g_test_add_func ("/preview/folder-and-wide-rows", test_preview_folder_and_wide_rows);
  g_test_add_func ("/preview/text-and-json", test_preview_text_and_json);
  g_test_add_func ("/step-info/resolve-inputs", test_resolve_inputs);
  g_test_add_func ("/step-info/resolve-inputs-errors", test_resolve_inputs_errors);
  g_test_add_func ("/step-info/argv-to-shell", test_argv_to_shell);
  g_test_add_func ("/step-info/metrics-summary", test_metrics_summary);

  return g_test_run ();
}
