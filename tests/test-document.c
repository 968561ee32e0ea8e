// SPDX-License-Identifier: GPL-3.0-or-later
//
// The editing model behind the canvas, without a display: commands, undo
// and redo (with the selection of nodes or of a link), grouping, copy and
// paste, auto-layout, hit testing, port compatibility, and notes and frames.

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

static void
assert_rect (Fixture    *f,
             const char *id,
             double      x,
             double      y,
             double      width,
             double      height)
{
  SluiceRect r;

  g_assert_true (sluice_document_get_annotation (f->doc, id, NULL, &r, NULL));
  g_assert_cmpfloat (r.x, ==, x);
  g_assert_cmpfloat (r.y, ==, y);
  g_assert_cmpfloat (r.width, ==, width);
  g_assert_cmpfloat (r.height, ==, height);
}

static void
test_notes (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *note = sluice_document_add_note (f->doc, 10, 20, "Clean the data first");
  const char *ids[] = { NULL, NULL };
  SluiceAnnotationKind kind;
  const char *text;
  SluiceRect r = { 50, 60, 300, 150 };
  g_auto(GStrv) notes = NULL;

  g_assert_cmpstr (note, ==, "note-1");
  assert_selection (f, note);
  g_assert_true (sluice_document_get_annotation (f->doc, note, &kind, NULL, &text));
  g_assert_cmpint (kind, ==, SLUICE_ANNOTATION_NOTE);
  g_assert_cmpstr (text, ==, "Clean the data first");
  assert_rect (f, note, 10, 20, SLUICE_NOTE_WIDTH, SLUICE_NOTE_HEIGHT);

  // Edit, move, resize: one undo step each.
  g_assert_true (sluice_document_set_annotation_text (f->doc, note, "Then train"));
  ids[0] = note;
  sluice_document_move_steps (f->doc, ids, 5, 5);
  assert_rect (f, note, 15, 25, SLUICE_NOTE_WIDTH, SLUICE_NOTE_HEIGHT);
  g_assert_true (sluice_document_set_annotation_rect (f->doc, note, &r));
  assert_rect (f, note, 50, 60, 300, 150);
  // Too small is made the smallest size.
  r.width = 1;
  g_assert_true (sluice_document_set_annotation_rect (f->doc, note, &r));
  assert_rect (f, note, 50, 60, SLUICE_ANNOTATION_MIN, 150);

  g_assert_true (sluice_document_undo (f->doc));
  g_assert_true (sluice_document_undo (f->doc));
  assert_rect (f, note, 15, 25, SLUICE_NOTE_WIDTH, SLUICE_NOTE_HEIGHT);
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_true (sluice_document_undo (f->doc));
  sluice_document_get_annotation (f->doc, note, NULL, NULL, &text);
  g_assert_cmpstr (text, ==, "Clean the data first");
  g_assert_true (sluice_document_redo (f->doc));
  sluice_document_get_annotation (f->doc, note, NULL, NULL, &text);
  g_assert_cmpstr (text, ==, "Then train");

  // Removing takes the same command as steps.
  g_assert_true (sluice_document_remove_steps (f->doc, ids));
  g_assert_false (sluice_document_get_annotation (f->doc, note, NULL, NULL, NULL));
  notes = sluice_document_list_annotations (f->doc, SLUICE_ANNOTATION_NOTE);
  g_assert_cmpuint (g_strv_length (notes), ==, 0);
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_true (sluice_document_get_annotation (f->doc, note, NULL, NULL, NULL));
  g_assert_false (sluice_document_set_annotation_text (f->doc, "nothing-9", "x"));
}

static void
test_frames (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 0, 0);
  g_autofree char *b = add (f, "produce", 300, 0);
  g_autofree char *outside = add (f, "produce", 0, 600);
  g_autofree char *note = sluice_document_add_note (f->doc, 0, 200, "inside");
  g_autofree char *frame = NULL;
  g_autofree char *none = NULL;
  const char *ids[] = { a, b, note, NULL };
  const char *frame_only[] = { NULL, NULL };
  g_auto(GStrv) contents = NULL;
  SluiceRect ra, rf;
  SluiceHit hit;
  const char *title;
  double x, y;

  sluice_document_set_selection (f->doc, NULL);
  none = sluice_document_frame_selection (f->doc, "Empty");
  g_assert_null (none);
  g_assert_false (sluice_document_can_undo (f->doc) && sluice_document_get_annotation (f->doc, "frame-1", NULL, NULL, NULL));

  sluice_document_set_selection (f->doc, ids);
  frame = sluice_document_frame_selection (f->doc, "Preparation");
  g_assert_cmpstr (frame, ==, "frame-1");
  assert_selection (f, frame);
  sluice_document_get_annotation (f->doc, frame, NULL, &rf, &title);
  g_assert_cmpstr (title, ==, "Preparation");
  sluice_document_get_node_rect (f->doc, a, &ra);
  g_assert_cmpfloat (rf.x, ==, -SLUICE_FRAME_PADDING);
  g_assert_cmpfloat (rf.y, ==, -SLUICE_FRAME_PADDING - SLUICE_FRAME_TITLE_HEIGHT);
  g_assert_cmpfloat (rf.x + rf.width, ==, 300 + SLUICE_NODE_WIDTH + SLUICE_FRAME_PADDING);

  // What the frame holds, found by place.
  frame_only[0] = frame;
  contents = sluice_document_with_frame_contents (f->doc, frame_only);
  g_assert_cmpuint (g_strv_length (contents), ==, 4);
  g_assert_cmpstr (contents[0], ==, frame);
  g_assert_true (g_strv_contains ((const char * const *) contents, a));
  g_assert_true (g_strv_contains ((const char * const *) contents, b));
  g_assert_true (g_strv_contains ((const char * const *) contents, note));
  g_assert_false (g_strv_contains ((const char * const *) contents, outside));

  // Hit testing: the title bar and the resize corner are the frame's; its
  // inside is empty canvas; a node inside is the node.
  hit = sluice_document_hit_test (f->doc, rf.x + 100, rf.y + 5);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_FRAME);
  g_assert_cmpstr (hit.step_id, ==, frame);
  sluice_hit_clear (&hit);
  hit = sluice_document_hit_test (f->doc, rf.x + rf.width - 3, rf.y + rf.height - 3);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_RESIZE);
  g_assert_cmpstr (hit.step_id, ==, frame);
  sluice_hit_clear (&hit);
  hit = sluice_document_hit_test (f->doc, rf.x + 260, rf.y + rf.height - 30);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_NONE);
  hit = sluice_document_hit_test (f->doc, 20, 210);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_NOTE);
  g_assert_cmpstr (hit.step_id, ==, note);
  sluice_hit_clear (&hit);
  hit = sluice_document_hit_test (f->doc, ra.x + 50, ra.y + 10);
  g_assert_cmpint (hit.kind, ==, SLUICE_HIT_NODE);
  sluice_hit_clear (&hit);

  // A drag of the frame, as the canvas does it: contents once, then moves.
  sluice_document_begin_group (f->doc);
  for (int i = 0; i < 4; i++)
    sluice_document_move_steps (f->doc, (const char * const *) contents, 25, 0);
  sluice_document_end_group (f->doc);
  sluice_document_get_position (f->doc, a, &x, &y);
  g_assert_cmpfloat (x, ==, 100);
  sluice_document_get_position (f->doc, note, &x, &y);
  g_assert_cmpfloat (x, ==, 100);
  sluice_document_get_position (f->doc, outside, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  assert_rect (f, frame, rf.x + 100, rf.y, rf.width, rf.height);
  g_assert_true (sluice_document_undo (f->doc));
  sluice_document_get_position (f->doc, a, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  assert_rect (f, frame, rf.x, rf.y, rf.width, rf.height);

  // Undo of the framing itself.
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_false (sluice_document_get_annotation (f->doc, frame, NULL, NULL, NULL));
  g_assert_cmpstr (sluice_document_get_selection (f->doc)[0], ==, a);
}

static void
test_annotations_copy_paste (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 0, 0);
  g_autofree char *note = sluice_document_add_note (f->doc, 0, 150, "hello");
  const char *both[] = { a, note, NULL };
  const char *frame_only[] = { NULL, NULL };
  g_autofree char *frame = NULL;
  g_autofree char *text = NULL;
  const char * const *selection;
  const char *title;
  g_auto(GStrv) frames = NULL;
  g_auto(GStrv) notes = NULL;

  sluice_document_set_selection (f->doc, both);
  frame = sluice_document_frame_selection (f->doc, "Group");
  frame_only[0] = frame;

  // Copying a frame copies what it holds.
  text = sluice_document_copy (f->doc, frame_only);
  g_assert_true (sluice_document_paste (f->doc, text, 1000, 0, NULL));
  selection = sluice_document_get_selection (f->doc);
  g_assert_cmpuint (g_strv_length ((char **) selection), ==, 3);
  g_assert_true (g_strv_contains (selection, "produce_2"));
  g_assert_true (g_strv_contains (selection, "note-2"));
  g_assert_true (g_strv_contains (selection, "frame-2"));
  assert_rect (f, "note-2", 1000, 150, SLUICE_NOTE_WIDTH, SLUICE_NOTE_HEIGHT);
  sluice_document_get_annotation (f->doc, "frame-2", NULL, NULL, &title);
  g_assert_cmpstr (title, ==, "Group");
  frames = sluice_document_list_annotations (f->doc, SLUICE_ANNOTATION_FRAME);
  notes = sluice_document_list_annotations (f->doc, SLUICE_ANNOTATION_NOTE);
  g_assert_cmpuint (g_strv_length (frames), ==, 2);
  g_assert_cmpuint (g_strv_length (notes), ==, 2);

  // One undo step takes the whole paste away.
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_false (sluice_document_get_annotation (f->doc, "frame-2", NULL, NULL, NULL));
  g_assert_false (sluice_document_get_annotation (f->doc, "note-2", NULL, NULL, NULL));
  g_assert_null (sluice_pipeline_find_step (sluice_document_get_pipeline (f->doc), "produce_2"));
}

static void
test_annotations_round_trip (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *a = add (f, "produce", 0, 0);
  g_autofree char *note = sluice_document_add_note (f->doc, 400, 0, "A note\nwith “two” lines");
  g_autofree char *frame = NULL;
  g_autofree char *path = g_build_filename (f->dir, "annotated.sluice.json", NULL);
  g_autofree char *plain_path = g_build_filename (f->dir, "plain.sluice.json", NULL);
  g_autoptr(SluiceDocument) again = sluice_document_new (f->registry);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *plain = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *ids[] = { a, NULL };
  const char *text;
  JsonObject *layout;

  sluice_document_set_selection (f->doc, ids);
  frame = sluice_document_frame_selection (f->doc, "Inputs");
  g_assert_true (sluice_document_save (f->doc, path, &error));
  g_assert_no_error (error);

  // Both live in the layout, beside the node positions.
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  layout = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "layout");
  g_assert_true (json_object_has_member (json_object_get_object_member (layout, "notes"), note));
  g_assert_true (json_object_has_member (json_object_get_object_member (layout, "frames"), frame));

  // Load then save is byte for byte the same.
  g_assert_true (sluice_document_load_file (again, path, &error));
  sluice_document_get_annotation (again, note, NULL, NULL, &text);
  g_assert_cmpstr (text, ==, "A note\nwith “two” lines");
  g_assert_true (g_file_get_contents (path, &first, NULL, NULL));
  g_assert_true (sluice_document_save (again, path, &error));
  g_assert_true (g_file_get_contents (path, &second, NULL, NULL));
  g_assert_cmpstr (first, ==, second);

  // A file without notes or frames gets no empty maps.
  g_assert_true (sluice_document_remove_steps (f->doc, (const char *[]) { note, frame, NULL }));
  g_assert_true (sluice_document_save (f->doc, plain_path, &error));
  g_assert_true (g_file_get_contents (plain_path, &plain, NULL, NULL));
  g_assert_null (strstr (plain, "\"notes\": {"));
  g_assert_null (strstr (plain, "frame-1"));
}

static void
test_link_selection_undo (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *p = add (f, "produce", 0, 0);
  g_autofree char *c = add (f, "concat", 300, 0);
  const char *step, *port;

  sluice_document_connect (f->doc, p, "out", c, "a", NULL);
  sluice_document_select_link (f->doc, c, "a");
  g_assert_null (sluice_document_get_selection (f->doc)[0]);
  g_assert_true (sluice_document_get_selected_link (f->doc, &step, &port));
  g_assert_cmpstr (step, ==, c);
  g_assert_cmpstr (port, ==, "a");

  // Deleting the selected link clears the selection; undo brings both back.
  g_assert_true (sluice_document_disconnect (f->doc, c, "a"));
  g_assert_false (sluice_document_get_selected_link (f->doc, NULL, NULL));
  g_assert_true (sluice_document_undo (f->doc));
  g_assert_true (sluice_document_get_selected_link (f->doc, &step, &port));
  g_assert_cmpstr (step, ==, c);
  g_assert_cmpstr (port, ==, "a");
  g_assert_true (sluice_document_redo (f->doc));
  g_assert_false (sluice_document_get_selected_link (f->doc, NULL, NULL));

  // Selecting nodes and selecting a link exclude each other.
  sluice_document_undo (f->doc);
  sluice_document_set_selection (f->doc, (const char *[]) { p, NULL });
  g_assert_false (sluice_document_get_selected_link (f->doc, NULL, NULL));
  sluice_document_select_link (f->doc, c, "a");
  g_assert_null (sluice_document_get_selection (f->doc)[0]);
  sluice_document_set_selection (f->doc, NULL);
  g_assert_false (sluice_document_get_selected_link (f->doc, NULL, NULL));
}

// An example opened as a template is never written over, and saving it
// elsewhere keeps its data found.
static void
test_template_save_elsewhere (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("sluice-template-XXXXXX", &error);
  g_autofree char *example_dir = g_build_filename (root, "examples", NULL);
  g_autofree char *data_dir = g_build_filename (example_dir, "data", NULL);
  g_autofree char *example = g_build_filename (example_dir, "t.sluice.json", NULL);
  g_autofree char *csv = g_build_filename (data_dir, "rows.csv", NULL);
  g_autofree char *mine_dir = g_build_filename (root, "home", "me", NULL);
  g_autofree char *mine = g_build_filename (mine_dir, "mine.sluice.json", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(SluiceComponentRegistry) registry = sluice_component_registry_new_default ();
  g_autoptr(SluiceDocument) document = sluice_document_new (registry);
  const char *text = "{\"sluice\": 1, \"name\": \"t\", \"jobs\": {\"load\": {\"component\": \"builtin:import_csv@1\", "
                     "\"inputs\": {\"path\": \"data/rows.csv\"}}}}\n";

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (mine_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (csv, "a\n1\n", -1, NULL));
  g_assert_true (g_file_set_contents (example, text, -1, NULL));

  g_assert_true (sluice_document_load_template (document, example, &error));
  g_assert_no_error (error);
  g_assert_null (sluice_document_get_file (document));
  g_assert_false (sluice_document_save (document, NULL, &error));
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (sluice_document_save (document, mine, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sluice_document_get_file (document), ==, mine);
  g_assert_true (g_file_get_contents (example, &before, NULL, NULL));
  g_assert_cmpstr (before, ==, text);
  g_assert_true (g_file_get_contents (mine, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "\"../../examples/data/rows.csv\""));

  // Saved again in place: nothing moves.
  g_assert_true (sluice_document_save (document, NULL, &error));
  g_assert_true (g_file_get_contents (mine, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, saved);
  sluice_file_remove_tree (root, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/document/add-remove-undo", test_add_remove_undo);
  g_test_add_func ("/document/template-save-elsewhere", test_template_save_elsewhere);
  ADD ("/document/drag-is-one-undo-step", test_drag_is_one_undo_step);
  ADD ("/document/connect-rules", test_connect_rules);
  ADD ("/document/set-parameter", test_set_parameter);
  ADD ("/document/copy-paste", test_copy_paste);
  ADD ("/document/auto-layout", test_auto_layout);
  ADD ("/document/hit-testing", test_hit_testing);
  ADD ("/document/save-load-round-trip", test_save_load_round_trip);
  ADD ("/document/load-places-unplaced-nodes", test_load_places_unplaced_nodes);
  ADD ("/document/recover", test_recover);
  ADD ("/document/notes", test_notes);
  ADD ("/document/frames", test_frames);
  ADD ("/document/annotations-copy-paste", test_annotations_copy_paste);
  ADD ("/document/annotations-round-trip", test_annotations_round_trip);
  ADD ("/document/link-selection-undo", test_link_selection_undo);
#undef ADD

  return g_test_run ();
}
