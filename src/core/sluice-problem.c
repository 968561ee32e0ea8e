// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-error.h"
#include "sluice-problem.h"

G_DEFINE_QUARK (sluice-error-quark, sluice_error)
G_DEFINE_BOXED_TYPE (SluiceProblem, sluice_problem, sluice_problem_copy, sluice_problem_free)

SluiceProblem *
sluice_problem_new (SluiceSeverity  severity,
                    const char     *code,
                    const char     *pointer,
                    const char     *message)
{
  SluiceProblem *problem = g_new0 (SluiceProblem, 1);

  problem->severity = severity;
  problem->code = g_strdup (code);
  problem->pointer = g_strdup (pointer ? pointer : "");
  problem->message = g_strdup (message);
  return problem;
}

SluiceProblem *
sluice_problem_copy (const SluiceProblem *problem)
{
  SluiceProblem *copy = sluice_problem_new (problem->severity, problem->code,
                                            problem->pointer, problem->message);

  copy->file = g_strdup (problem->file);
  copy->line = problem->line;
  copy->column = problem->column;
  return copy;
}

void
sluice_problem_free (SluiceProblem *problem)
{
  if (problem == NULL)
    return;

  g_free (problem->code);
  g_free (problem->file);
  g_free (problem->pointer);
  g_free (problem->message);
  g_free (problem);
}

const char *
sluice_severity_to_string (SluiceSeverity severity)
{
  return severity == SLUICE_SEVERITY_ERROR ? "error" : "warning";
}

// Messages quote what the user wrote. Shown on a terminal, a newline would
// break the one-problem-per-line format and bidirectional controls could
// disguise the text, so both are shown as escapes.
static void
append_printable (GString    *s,
                  const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        g_string_append (s, "\\n");
      else if (c == '\t')
        g_string_append (s, "\\t");
      else if (c < 0x20 || c == 0x7f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
               c == 0x200e || c == 0x200f)
        g_string_append_printf (s, "\\u{%04x}", c);
      else
        g_string_append_unichar (s, c);
    }
}

// The compiler-style line that editors and CI logs can jump to:
// FILE:LINE:COL: error: MESSAGE [/json/pointer]
char *
sluice_problem_format (const SluiceProblem *problem,
                       const char          *display_file)
{
  GString *s = g_string_new (NULL);
  const char *file = display_file ? display_file : problem->file;

  if (file != NULL)
    g_string_append_printf (s, "%s:", file);
  if (problem->line > 0)
    g_string_append_printf (s, "%u:%u:", problem->line, problem->column);
  if (s->len > 0)
    g_string_append_c (s, ' ');
  g_string_append_printf (s, "%s: ", sluice_severity_to_string (problem->severity));
  append_printable (s, problem->message);
  if (problem->pointer != NULL && problem->pointer[0] != '\0')
    {
      g_string_append (s, " [");
      append_printable (s, problem->pointer);
      g_string_append_c (s, ']');
    }
  return g_string_free (s, FALSE);
}

gboolean
sluice_problems_have_errors (GPtrArray *problems)
{
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);

      if (problem->severity == SLUICE_SEVERITY_ERROR)
        return TRUE;
    }

  return FALSE;
}

static int
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const SluiceProblem *pa = *(const SluiceProblem * const *) a;
  const SluiceProblem *pb = *(const SluiceProblem * const *) b;
  int cmp = g_strcmp0 (pa->file, pb->file);

  if (cmp != 0)
    return cmp;
  // Problems without a position (whole-file ones) come first.
  if (pa->line != pb->line)
    return pa->line < pb->line ? -1 : 1;
  if (pa->column != pb->column)
    return pa->column < pb->column ? -1 : 1;
  return 0;
}

// Stable, so problems at the same place keep the order validation found them.
void
sluice_problems_sort (GPtrArray *problems)
{
  g_ptr_array_sort (problems, compare_problems);
}
