// SPDX-License-Identifier: GPL-3.0-or-later
//
// The editing model behind the canvas, without a display: commands, undo
// and redo (with the selection), grouping, copy and paste, auto-layout, hit
// testing and port compatibility.

#include "config.h"

#include <string.h>

#include "sluice.h"

typedef struct
{
  char                    *dir;
  SluiceComponentRegistry *registry;
  SluiceDocument          *doc;
  char                    *engine;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("sluice-doc-XXXXXX", NULL);
  f->registry = sluice_component_registry_new ();
  f->doc = sluice_document_new (f->registry);
  f->engine = g_test_build_filename (G_TEST_DIST, "data", "engine", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->doc);
  g_clear_object (&f->registry);
  sluice_file_remove_tree (f->dir, NULL);
  g_free (f->dir);
  g_free (f->engine);
}

static char *
add (Fixture    *f,
     const char *component,
     double      x,
     double      y)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = g_strdup_printf ("file:%s/%s.component.json", f->engine, component);
  char *id = sluice_document_add_step (f->doc, ref, x, y, &error);

  g_assert_no_error (error);
  return id;
}

static void
assert_selection (Fixture    *f,
                  const char *first)
{
  const char * const *selection = sluice_document_get_selection (f->doc);

  if (first == NULL)
    g_assert_null (selection[0]);
  else
    {
      g_assert_cmpstr (selection[0], ==, first);
      g_assert_null (selection[1]);
    }
}

static void
test_add_remove_undo (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 10, 20);
  g_autofree char *b = add (f, "produce", 300, 20);
  const char *ids[] = { NULL, NULL };
  double x, y;

  g_assert_cmpstr (a, ==, "produce");
  g_assert_cmpstr (b, ==, "produce_2");
  assert_selection (f, "produce_2");
  g_assert_true (sluice_document_get_modified (f->doc));
  g_assert_true (sluice_document_get_position (f->doc, a, &x, &y));
  g_assert_cmpfloat (x, ==, 10);
  g_assert_cmpfloat (y, ==, 20);

  ids[0] = a;
  g_assert_true (sluice_document_remove_steps (f->doc, ids));
  g_assert_null (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), a));

  // Undo brings the step back, and the selection of the time.
  sluice_document_set_selection (f->doc, ids);
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_nonnull (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), a));
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_null (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), b));
  assert_selection (f, "produce");
  g_assert_true (sluice_document_redo (f->doc));
  g_assert_nonnull (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), b));
  assert_selection (f, "produce_2");
  g_assert_true (sluice_document_can_redo (f->doc));
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_false (sluice_document_can_undo (f->doc));
  g_assert_false (sluice_document_get_modified (f->doc));
}

static void
test_drag_is_one_undo_step (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 0, 0);
  const char *ids[] = { a, NULL };
  double x, y;

  sluice_document_begin_group (f->doc);
  for (int i = 0; i < 10; i++)
    sluice_document_move_steps (f->doc, ids, 5, 3);
  // Inside a drag, undo waits for the drag to end.
  g_assert_false (sluice_document_can_undo (f->doc));
  sluice_document_end_group (f->doc);

  sluice_document_get_position (f->doc, a, &x, &y);
  g_assert_cmpfloat (x, ==, 50);
  g_assert_cmpfloat (y, ==, 30);
  g_assert_true (sluice_document_undo (f->doc));
  sluice_document_get_position (f->doc, a, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  g_assert_cmpfloat (y, ==, 0);

  // A drag that ends where it began leaves no undo step.
  sluice_document_redo (f->doc);
  sluice_document_begin_group (f->doc);
  sluice_document_move_steps (f->doc, ids, 5, 0);
  sluice_document_move_steps (f->doc, ids, -5, 0);
  sluice_document_end_group (f->doc);
  g_assert_true (sluice_document_undo (f->doc));
  sluice_document_get_position (f->doc, a, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
}

static void
test_connect_rules (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 0, 0);
  g_autofree char *q = add (f, "produce", 0, 200);
  g_autofree char *c = add (f, "concat", 300, 0);
  g_autofree char *d = add (f, "folder", 0, 400);
  g_autoptr(GError) error = NULL;
  SluiceStep *concat;
  const SluiceBinding *b;

  g_assert_true (sluice_document_connect (f->doc, p, "out", c, "a", &error));
  g_assert_no_error (error);

  // Incompatible types are refused with both types named.
  g_assert_false (sluice_document_connect (f->doc, d, "out", c, "b", &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "uri_folder"));
  g_assert_nonnull (strstr (error->message, "uri_file"));
  g_clear_error (&error);

  // An input takes one link: a new one replaces the old.
  g_assert_true (sluice_document_connect (f->doc, q, "out", c, "a", &error));
  concat = sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), c);
  b = sluice_step_get_input (concat, "a");
  g_assert_cmpstr (b->step, ==, q);
  g_assert_cmpuint (sluice_step_get_inputs (concat)->len, ==, 1);

  // No link may close a loop.
  {
    g_autofree char *c2 = add (f, "concat", 600, 0);

    g_assert_true (sluice_document_connect (f->doc, c, "out", c2, "a", &error));
    g_assert_false (sluice_document_connect (f->doc, c2, "out", c, "b", &error));
    g_assert_nonnull (strstr (error->message, "cycle"));
    g_clear_error (&error);
  }

  g_assert_true (sluice_document_disconnect (f->doc, c, "a"));
  g_assert_null (sluice_step_get_input (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), c), "a"));
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_nonnull (sluice_step_get_input (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), c), "a"));
}

static void
test_set_parameter (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 0, 0);
  g_autoptr(JsonNode) value = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GError) error = NULL;
  SluiceStep *step;

  json_node_set_string (value, "hello world");
  g_assert_true (sluice_document_set_input (f->doc, p, "text", value, &error));
  step = sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), p);
  g_assert_cmpstr (json_node_get_string (sluice_step_get_input (step, "text")->literal), ==, "hello world");
  g_assert_false (sluice_document_set_input (f->doc, p, "nope", value, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_NOT_FOUND);

  g_assert_true (sluice_document_set_input (f->doc, p, "text", NULL, NULL));
  step = sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), p);
  g_assert_null (sluice_step_get_input (step, "text"));
  sluice_document_undo (f->doc);
  step = sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), p);
  g_assert_nonnull (sluice_step_get_input (step, "text"));
}

static void
test_copy_paste (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *outside = add (f, "produce", 0, 300);
  g_autofree char *p = add (f, "produce", 0, 0);
  g_autofree char *c = add (f, "concat", 300, 0);
  const char *ids[] = { p, c, NULL };
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *selection;
  SluicePipeline *pipeline;
  SluiceStep *pasted_concat;
  double x, y;

  sluice_document_connect (f->doc, p, "out", c, "a", NULL);
  sluice_document_connect (f->doc, outside, "out", c, "b", NULL);
  text = sluice_document_copy (f->doc, ids);
  g_assert_true (sluice_document_paste (f->doc, text, 40, 40, &error));
  g_assert_no_error (error);

  pipeline = sluice_document_get_pipeline (f->doc);
  g_assert_cmpuint (sluice_pipeline_get_steps (pipeline)->len, ==, 5);
  selection = sluice_document_get_selection (f->doc);
  g_assert_cmpstr (selection[0], ==, "produce_3");
  g_assert_cmpstr (selection[1], ==, "concat_2");
  pasted_concat = sluice_pipeline_find_step (pipeline, "concat_2");
  // The link between copied steps follows the copies; the one from a step
  // that was not copied is dropped.
  g_assert_cmpstr (sluice_step_get_input (pasted_concat, "a")->step, ==, "produce_3");
  g_assert_null (sluice_step_get_input (pasted_concat, "b"));
  sluice_document_get_position (f->doc, "concat_2", &x, &y);
  g_assert_cmpfloat (x, ==, 340);
  g_assert_cmpfloat (y, ==, 40);

  // A paste is one undo step.
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_cmpuint (sluice_pipeline_get_steps (sluice_document_get_pipeline (f->doc))->len, ==, 3);

  g_assert_false (sluice_document_paste (f->doc, "not json", 0, 0, &error));
  g_assert_nonnull (error);
}

static void
test_auto_layout (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 500, 500);
  g_autofree char *b = add (f, "produce", 500, 500);
  g_autofree char *c = add (f, "concat", 500, 500);
  g_autofree char *d = add (f, "concat", 500, 500);
  SluiceRect ra, rb, rc, rd;

  sluice_document_connect (f->doc, a, "out", c, "a", NULL);
  sluice_document_connect (f->doc, b, "out", c, "b", NULL);
  sluice_document_connect (f->doc, c, "out", d, "a", NULL);
  sluice_document_auto_layout (f->doc);

  sluice_document_get_node_rect (f->doc, a, &ra);
  sluice_document_get_node_rect (f->doc, b, &rb);
  sluice_document_get_node_rect (f->doc, c, &rc);
  sluice_document_get_node_rect (f->doc, d, &rd);
  // Left to right by depth; no two nodes of a column overlap.
  g_assert_cmpfloat (ra.x, ==, rb.x);
  g_assert_cmpfloat (ra.x, <, rc.x);
  g_assert_cmpfloat (rc.x, <, rd.x);
  g_assert_true (ra.y + ra.height <= rb.y || rb.y + rb.height <= ra.y);
  g_assert_true (sluice_document_undo (f->doc));
  sluice_document_get_node_rect (f->doc, a, &ra);
  g_assert_cmpfloat (ra.x, ==, 500);
}

static void
test_hit_testing (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 0, 0);
  g_autofree char *c = add (f, "concat", 400, 100);
  SluiceHit hit;
  double x, y, x2, y2;
  SluiceRect r;

  sluice_document_connect (f->doc, p, "out", c, "a", NULL);
  sluice_document_get_node_rect (f->doc, p, &r);

  hit = sluice_document_hit_test (f->doc, r.x + 50, r.y + 10);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_NODE);
  g_assert_cmpstr (hit.step_id, ==, p);
  sluice_hit_clear (&hit);

  g_assert_true (sluice_document_get_port_point (f->doc, p, TRUE, "out", &x, &y));
  hit = sluice_document_hit_test (f->doc, x + 2, y - 2);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_OUTPUT_PORT);
  g_assert_cmpstr (hit.port, ==, "out");
  sluice_hit_clear (&hit);

  g_assert_true (sluice_document_get_port_point (f->doc, c, FALSE, "b", &x2, &y2));
  hit = sluice_document_hit_test (f->doc, x2, y2);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_INPUT_PORT);
  g_assert_cmpstr (hit.port, ==, "b");
  sluice_hit_clear (&hit);

  // Half-way along the link from p.out to c.a.
  g_assert_true (sluice_document_get_port_point (f->doc, c, FALSE, "a", &x2, &y2));
  hit = sluice_document_hit_test (f->doc, (x + x2) / 2, (y + y2) / 2);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_LINK);
  g_assert_cmpstr (hit.step_id, ==, c);
  g_assert_cmpstr (hit.port, ==, "a");
  sluice_hit_clear (&hit);

  hit = sluice_document_hit_test (f->doc, -500, -500);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_NONE);
}

static void
test_save_load_round_trip (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 10, 10);
  g_autofree char *c = add (f, "concat", 300, 10);
  g_autofree char *path = g_build_filename (f->dir, "designed.sluice.json", NULL);
  g_autoptr(SluiceDocument) again = sluice_document_new (f->registry);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  sluice_document_connect (f->doc, p, "out", c, "a", NULL);
  g_assert_true (sluice_document_save (f->doc, path, &error));
  g_assert_no_error (error);
  g_assert_false (sluice_document_get_modified (f->doc));

  // A file saved by the designer validates and reads back byte for byte.
  problems = sluice_validate_file (path, f->registry);
  for (guint i = 0; i < problems->len; i++)
    g_assert_cmpint (((SluiceProblem *) g_ptr_array_index (problems, i))->severity, !=, SLUICE_SEVERITY_ERROR);
  g_assert_true (sluice_document_load_file (again, path, &error));
  g_assert_true (g_file_get_contents (path, &first, NULL, NULL));
  second = sluice_pipeline_to_data (sluice_document_get_pipeline (again));
  g_assert_cmpstr (first, ==, second);

  // Undoing back to the saved state is "not modified" again.
  sluice_document_undo (f->doc);
  g_assert_true (sluice_document_get_modified (f->doc));
  sluice_document_redo (f->doc);
  g_assert_false (sluice_document_get_modified (f->doc));
}

static void
test_load_places_unplaced_nodes (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "imported.sluice.json", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"sluice\": 1, \"jobs\": {\"a\": {\"component\": \"file:%1$s/produce.component.json\"},"
    "\"b\": {\"component\": \"file:%1$s/concat.component.json\", \"inputs\": {\"a\": \"${{parent.jobs.a.outputs.out}}\"}}}}",
    f->engine);
  double ax, ay, bx, by;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (sluice_document_load_file (f->doc, path, NULL));
  g_assert_true (sluice_document_get_position (f->doc, "a", &ax, &ay));
  g_assert_true (sluice_document_get_position (f->doc, "b", &bx, &by));
  g_assert_cmpfloat (ax, <, bx);
  g_assert_false (sluice_document_get_modified (f->doc));
  g_assert_false (sluice_document_can_undo (f->doc));
}

static void
test_recover (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 10, 10);
  g_autofree char *autosave = g_build_filename (f->dir, "autosave.sluice.json", NULL);
  g_autofree char *original = g_build_filename (f->dir, "original.sluice.json", NULL);
  g_autofree char *text = sluice_pipeline_to_data (sluice_document_get_pipeline (f->doc));
  g_autoptr(SluiceDocument) other = sluice_document_new (f->registry);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (autosave, text, -1, NULL));
  g_assert_true (sluice_document_recover (other, original, autosave, &error));
  g_assert_no_error (error);
  // Recovered work is not saved yet, and belongs to the original file.
  g_assert_true (sluice_document_get_modified (other));
  g_assert_cmpstr (sluice_document_get_file (other), ==, original);
  g_assert_nonnull (sluice_pipeline_find_step (sluice_document_get_pipeline (other), p));

  g_assert_false (sluice_document_recover (other, original, "/nonexistent/autosave.sluice.json", &error));
  g_assert_nonnull (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/document/add-remove-undo", test_add_remove_undo);
  ADD ("/document/drag-is-one-undo-step", test_drag_is_one_undo_step);
  ADD ("/document/connect-rules", test_connect_rules);
  ADD ("/document/set-parameter", test_set_parameter);
  ADD ("/document/copy-paste", test_copy_paste);
  ADD ("/document/auto-layout", test_auto_layout);
  ADD ("/document/hit-testing", test_hit_testing);
  ADD ("/document/save-load-round-trip", test_save_load_round_trip);
  ADD ("/document/load-places-unplaced-nodes", test_load_places_unplaced_nodes);
  ADD ("/document/recover", test_recover);
#undef ADD

  return g_test_run ();
}
