// SPDX-License-Identifier: GPL-3.0-or-later
//
// A pipeline being edited: every change is a command that can be undone,
// the selection travels with undo and redo, and the layout (node positions)
// is kept in the file's "layout" section. The designer is a view of this;
// everything it does can be done, and tested, without a display.

#pragma once

#include "sluice-component-registry.h"
#include "sluice-pipeline.h"
#include "sluice-problem.h"

G_BEGIN_DECLS

// Node geometry, shared by the canvas (drawing) and hit testing.
#define SLUICE_NODE_WIDTH        220.0
#define SLUICE_NODE_HEADER       36.0
#define SLUICE_NODE_PORT_ROW     22.0
#define SLUICE_NODE_PADDING      8.0
#define SLUICE_PORT_RADIUS       6.0
#define SLUICE_LAYOUT_COLUMN_GAP 90.0
#define SLUICE_LAYOUT_ROW_GAP    36.0

// Notes and frames: drawn under the nodes, kept only in the layout.
#define SLUICE_FRAME_TITLE_HEIGHT 30.0
#define SLUICE_FRAME_PADDING      24.0
#define SLUICE_NOTE_WIDTH         200.0
#define SLUICE_NOTE_HEIGHT        120.0
#define SLUICE_ANNOTATION_MIN     60.0
#define SLUICE_RESIZE_HANDLE      16.0

typedef struct
{
  double x;
  double y;
  double width;
  double height;
} SluiceRect;

typedef enum
{
  SLUICE_HIT_NONE,
  SLUICE_HIT_NODE,
  SLUICE_HIT_INPUT_PORT,
  SLUICE_HIT_OUTPUT_PORT,
  SLUICE_HIT_LINK,         // step/port name the input end of the link
  SLUICE_HIT_NOTE,         // step_id is the note's id
  SLUICE_HIT_FRAME,        // the frame's title bar; step_id is its id
  SLUICE_HIT_RESIZE,       // the bottom-right corner of a note or frame
} SluiceHitKind;

typedef struct
{
  SluiceHitKind  kind;
  char          *step_id;  // or the note's or frame's id
  char          *port;
} SluiceHit;

// A note is free text on the canvas; a frame is a titled box around a group
// of nodes, and dragging it takes along what lies inside. Both have ids
// ("note-1", "frame-1") that are never step ids, so the selection and the
// move, remove and copy commands take both kinds of id.
typedef enum
{
  SLUICE_ANNOTATION_NOTE,
  SLUICE_ANNOTATION_FRAME,
} SluiceAnnotationKind;

void sluice_hit_clear (SluiceHit *hit);

#define SLUICE_TYPE_DOCUMENT (sluice_document_get_type ())

G_DECLARE_FINAL_TYPE (SluiceDocument, sluice_document, SLUICE, DOCUMENT, GObject)

SluiceDocument          *sluice_document_new              (SluiceComponentRegistry *registry);
gboolean                 sluice_document_load_file        (SluiceDocument          *self,
                                                           const char              *path,
                                                           GError                 **error);
gboolean                 sluice_document_load_data        (SluiceDocument          *self,
                                                           const char              *data,
                                                           const char              *path,
                                                           GError                 **error);
// A read-only document takes back every command (for a past run's pipeline).
void                     sluice_document_set_read_only    (SluiceDocument          *self,
                                                           gboolean                 read_only);
gboolean                 sluice_document_get_read_only    (SluiceDocument          *self);
gboolean                 sluice_document_recover          (SluiceDocument          *self,
                                                           const char              *file,
                                                           const char              *autosave,
                                                           GError                 **error);
// An untitled copy of the pipeline at path: saving needs a file name, and
// relative paths are rewritten for the folder it is saved in.
gboolean                 sluice_document_load_template    (SluiceDocument          *self,
                                                           const char              *path,
                                                           GError                 **error);
gboolean                 sluice_document_save             (SluiceDocument          *self,
                                                           const char              *path,
                                                           GError                 **error);
SluicePipeline          *sluice_document_get_pipeline     (SluiceDocument          *self);
SluiceComponentRegistry *sluice_document_get_registry     (SluiceDocument          *self);
const char              *sluice_document_get_file         (SluiceDocument          *self);
gboolean                 sluice_document_get_modified     (SluiceDocument          *self);
GPtrArray               *sluice_document_get_problems     (SluiceDocument          *self);
SluiceComponent         *sluice_document_get_component    (SluiceDocument          *self,
                                                           SluiceStep              *step);
guint                    sluice_document_get_revision     (SluiceDocument          *self);

// Selection (step ids).
const char * const      *sluice_document_get_selection    (SluiceDocument          *self);
gboolean                 sluice_document_is_selected      (SluiceDocument          *self,
                                                           const char              *step_id);
void                     sluice_document_set_selection    (SluiceDocument          *self,
                                                           const char * const      *step_ids);
// A selected link is named by its input end; selecting one clears the
// selection of nodes and the other way round. Undo and redo restore both.
void                     sluice_document_select_link      (SluiceDocument          *self,
                                                           const char              *to_step,
                                                           const char              *input);
gboolean                 sluice_document_get_selected_link (SluiceDocument         *self,
                                                           const char             **to_step,
                                                           const char             **input);

// Geometry.
gboolean                 sluice_document_get_position     (SluiceDocument          *self,
                                                           const char              *step_id,
                                                           double                  *x,
                                                           double                  *y);
gboolean                 sluice_document_get_node_rect    (SluiceDocument          *self,
                                                           const char              *step_id,
                                                           SluiceRect              *rect);
gboolean                 sluice_document_get_port_point   (SluiceDocument          *self,
                                                           const char              *step_id,
                                                           gboolean                 output,
                                                           const char              *port,
                                                           double                  *x,
                                                           double                  *y);
void                     sluice_document_get_bounds       (SluiceDocument          *self,
                                                           SluiceRect              *bounds);
SluiceHit                sluice_document_hit_test         (SluiceDocument          *self,
                                                           double                   x,
                                                           double                   y);

// Notes and frames. text is a note's text or a frame's title, valid until
// the next change.
GStrv                    sluice_document_list_annotations (SluiceDocument          *self,
                                                           SluiceAnnotationKind     kind);
gboolean                 sluice_document_get_annotation   (SluiceDocument          *self,
                                                           const char              *id,
                                                           SluiceAnnotationKind    *kind,
                                                           SluiceRect              *rect,
                                                           const char             **text);
// ids with, after each frame among them, what lies wholly inside it.
GStrv                    sluice_document_with_frame_contents (SluiceDocument       *self,
                                                           const char * const      *ids);

// Commands. Each is one undo step (or part of the open group).
char                    *sluice_document_add_step         (SluiceDocument          *self,
                                                           const char              *component_ref,
                                                           double                   x,
                                                           double                   y,
                                                           GError                 **error);
gboolean                 sluice_document_remove_steps     (SluiceDocument          *self,
                                                           const char * const      *step_ids);
void                     sluice_document_move_steps       (SluiceDocument          *self,
                                                           const char * const      *step_ids,
                                                           double                   dx,
                                                           double                   dy);
gboolean                 sluice_document_connect          (SluiceDocument          *self,
                                                           const char              *from_step,
                                                           const char              *output,
                                                           const char              *to_step,
                                                           const char              *input,
                                                           GError                 **error);
gboolean                 sluice_document_disconnect       (SluiceDocument          *self,
                                                           const char              *to_step,
                                                           const char              *input);
gboolean                 sluice_document_set_input        (SluiceDocument          *self,
                                                           const char              *step_id,
                                                           const char              *input,
                                                           JsonNode                *value,
                                                           GError                 **error);
gboolean                 sluice_document_set_display_name (SluiceDocument          *self,
                                                           const char              *step_id,
                                                           const char              *display_name);
char                    *sluice_document_copy             (SluiceDocument          *self,
                                                           const char * const      *step_ids);
gboolean                 sluice_document_paste            (SluiceDocument          *self,
                                                           const char              *text,
                                                           double                   dx,
                                                           double                   dy,
                                                           GError                 **error);
void                     sluice_document_auto_layout      (SluiceDocument          *self);
char                    *sluice_document_add_note         (SluiceDocument          *self,
                                                           double                   x,
                                                           double                   y,
                                                           const char              *text);
// A frame around the selected nodes and notes, then selected; NULL when
// nothing is selected.
char                    *sluice_document_frame_selection  (SluiceDocument          *self,
                                                           const char              *title);
gboolean                 sluice_document_set_annotation_rect (SluiceDocument       *self,
                                                           const char              *id,
                                                           const SluiceRect        *rect);
gboolean                 sluice_document_set_annotation_text (SluiceDocument       *self,
                                                           const char              *id,
                                                           const char              *text);

// A group makes several commands (a whole drag) one undo step.
void                     sluice_document_begin_group      (SluiceDocument          *self);
void                     sluice_document_end_group        (SluiceDocument          *self);
gboolean                 sluice_document_can_undo         (SluiceDocument          *self);
gboolean                 sluice_document_can_redo         (SluiceDocument          *self);
gboolean                 sluice_document_undo             (SluiceDocument          *self);
gboolean                 sluice_document_redo             (SluiceDocument          *self);

G_END_DECLS
