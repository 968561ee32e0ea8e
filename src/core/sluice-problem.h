// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  SLUICE_SEVERITY_ERROR,
  SLUICE_SEVERITY_WARNING,
} SluiceSeverity;

#define SLUICE_TYPE_PROBLEM (sluice_problem_get_type ())

// One thing wrong with a file, with enough context to show it to a person
// (message, line:column) and to a program (code, JSON pointer).
typedef struct
{
  SluiceSeverity  severity;
  char           *code;       // stable short id, e.g. "type-mismatch"
  char           *file;       // the file the problem is in, or NULL
  char           *pointer;    // JSON pointer into that file, "" for the root
  guint           line;       // 1-based; 0 when unknown
  guint           column;
  char           *message;
} SluiceProblem;

GType          sluice_problem_get_type        (void) G_GNUC_CONST;
SluiceProblem *sluice_problem_new             (SluiceSeverity       severity,
                                               const char          *code,
                                               const char          *pointer,
                                               const char          *message);
SluiceProblem *sluice_problem_copy            (const SluiceProblem *problem);
void           sluice_problem_free            (SluiceProblem       *problem);
const char    *sluice_severity_to_string      (SluiceSeverity       severity);
char          *sluice_problem_format          (const SluiceProblem *problem,
                                               const char          *display_file);
gboolean       sluice_problems_have_errors    (GPtrArray           *problems);
void           sluice_problems_sort           (GPtrArray           *problems);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceProblem, sluice_problem_free)

G_END_DECLS
