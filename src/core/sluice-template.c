// SPDX-License-Identifier: GPL-3.0-or-later

#include "config.h"

#include <string.h>

#include "sluice-error.h"
#include "sluice-port-type.h"
#include "sluice-template.h"

typedef struct
{
  gboolean               is_ref;
  SluiceTemplateRefKind  kind;
  char                  *text;   // literal text, or the port name of a ref
} Segment;

typedef struct
{
  GArray *segments;              // Segment
  int     group;                 // index of its $[[ ]] group, -1 outside
} Word;

struct _SluiceTemplate
{
  GArray *words;                 // Word
  GArray *refs;                  // SluiceTemplateRef, names owned by segments
  guint   n_groups;
};

typedef struct
{
  const char     *start;
  const char     *p;
  SluiceTemplate *tmpl;
  Word            word;
  gboolean        in_word;
  int             group;
  GString        *text;
} Parser;

static void
segment_clear (gpointer data)
{
  Segment *segment = data;

  g_free (segment->text);
}

static void
word_clear (gpointer data)
{
  Word *word = data;

  g_clear_pointer (&word->segments, g_array_unref);
}

void
sluice_template_free (SluiceTemplate *tmpl)
{
  if (tmpl == NULL)
    return;

  g_clear_pointer (&tmpl->refs, g_array_unref);
  g_clear_pointer (&tmpl->words, g_array_unref);
  g_free (tmpl);
}

static gboolean
template_error (Parser     *parser,
                const char *at,
                GError    **error,
                const char *message)
{
  g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE,
               "command, character %u: %s",
               (guint) g_utf8_strlen (parser->start, at - parser->start) + 1, message);
  return FALSE;
}

static void
begin_word (Parser *parser)
{
  if (parser->in_word)
    return;

  parser->in_word = TRUE;
  parser->word.segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_array_set_clear_func (parser->word.segments, segment_clear);
  parser->word.group = parser->group;
}

static void
flush_text (Parser *parser)
{
  Segment segment = { FALSE, 0, NULL };

  if (parser->text->len == 0)
    return;

  segment.text = g_strndup (parser->text->str, parser->text->len);
  g_array_append_val (parser->word.segments, segment);
  g_string_truncate (parser->text, 0);
}

static void
end_word (Parser *parser)
{
  if (!parser->in_word)
    return;

  flush_text (parser);
  g_array_append_val (parser->tmpl->words, parser->word);
  parser->word.segments = NULL;
  parser->in_word = FALSE;
}

// ${{inputs.NAME}} or ${{outputs.NAME}}, spaces allowed inside the braces.
static gboolean
parse_ref (Parser  *parser,
           GError **error)
{
  const char *at = parser->p;
  const char *close = strstr (at, "}}");
  g_autofree char *inner = NULL;
  Segment segment = { TRUE, 0, NULL };
  const char *name;

  if (close == NULL)
    return template_error (parser, at, error, "'${{' is not closed by '}}'");

  inner = g_strstrip (g_strndup (at + 3, close - at - 3));
  if (g_str_has_prefix (inner, "inputs."))
    segment.kind = SLUICE_TEMPLATE_INPUT, name = inner + strlen ("inputs.");
  else if (g_str_has_prefix (inner, "outputs."))
    segment.kind = SLUICE_TEMPLATE_OUTPUT, name = inner + strlen ("outputs.");
  else
    return template_error (parser, at, error,
                           "a placeholder must be ${{inputs.NAME}} or ${{outputs.NAME}}");

  if (!sluice_name_is_valid (name))
    return template_error (parser, at, error, "invalid port name in placeholder");

  begin_word (parser);
  flush_text (parser);
  segment.text = g_strdup (name);
  g_array_append_val (parser->word.segments, segment);
  parser->p = close + 2;
  return TRUE;
}

static gboolean
parse_quoted (Parser  *parser,
              GError **error)
{
  const char *open = parser->p;
  char quote = *parser->p++;

  begin_word (parser);

  while (*parser->p != quote)
    {
      if (*parser->p == '\0')
        return template_error (parser, open, error,
                               quote == '"' ? "unterminated double quote" : "unterminated single quote");

      // Single quotes are fully literal, the way to write a literal "${{".
      if (quote == '"' && g_str_has_prefix (parser->p, "${{"))
        {
          if (!parse_ref (parser, error))
            return FALSE;
          continue;
        }

      if (quote == '"' && *parser->p == '\\' && (parser->p[1] == '"' || parser->p[1] == '\\'))
        parser->p++;

      g_string_append_c (parser->text, *parser->p++);
    }

  parser->p++;
  return TRUE;
}

static gboolean
parse_step (Parser  *parser,
            GError **error)
{
  char c = *parser->p;

  if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
    {
      end_word (parser);
      parser->p++;
    }
  else if (g_str_has_prefix (parser->p, "$[["))
    {
      if (parser->group >= 0)
        return template_error (parser, parser->p, error, "optional groups $[[ ]] cannot be nested");
      end_word (parser);
      parser->group = (int) parser->tmpl->n_groups++;
      parser->p += 3;
    }
  else if (parser->group >= 0 && g_str_has_prefix (parser->p, "]]"))
    {
      end_word (parser);
      parser->group = -1;
      parser->p += 2;
    }
  else if (g_str_has_prefix (parser->p, "${{"))
    return parse_ref (parser, error);
  else if (c == '"' || c == '\'')
    return parse_quoted (parser, error);
  else if (c == '\\')
    {
      if (parser->p[1] == '\0')
        return template_error (parser, parser->p, error, "a backslash cannot end the command");
      begin_word (parser);
      g_string_append_c (parser->text, parser->p[1]);
      parser->p += 2;
    }
  else
    {
      begin_word (parser);
      g_string_append_c (parser->text, c);
      parser->p++;
    }

  return TRUE;
}

static void
collect_refs (SluiceTemplate *tmpl)
{
  for (guint i = 0; i < tmpl->words->len; i++)
    {
      Word *word = &g_array_index (tmpl->words, Word, i);

      for (guint j = 0; j < word->segments->len; j++)
        {
          Segment *segment = &g_array_index (word->segments, Segment, j);
          SluiceTemplateRef ref = { segment->kind, segment->text, word->group >= 0 };

          if (segment->is_ref)
            g_array_append_val (tmpl->refs, ref);
        }
    }
}

SluiceTemplate *
sluice_template_parse (const char  *command,
                       GError     **error)
{
  g_autoptr(SluiceTemplate) tmpl = g_new0 (SluiceTemplate, 1);
  g_autoptr(GString) text = g_string_new (NULL);
  Parser parser = { command, command, tmpl, { NULL, -1 }, FALSE, -1, text };
  const char *group_start = NULL;

  g_return_val_if_fail (command != NULL, NULL);

  tmpl->words = g_array_new (FALSE, TRUE, sizeof (Word));
  g_array_set_clear_func (tmpl->words, word_clear);
  tmpl->refs = g_array_new (FALSE, TRUE, sizeof (SluiceTemplateRef));

  while (*parser.p != '\0')
    {
      if (parser.group < 0 && g_str_has_prefix (parser.p, "$[["))
        group_start = parser.p;
      if (!parse_step (&parser, error))
        {
          if (parser.in_word)
            word_clear (&parser.word);
          return NULL;
        }
    }

  if (parser.group >= 0)
    {
      if (parser.in_word)
        word_clear (&parser.word);
      template_error (&parser, group_start, error, "optional group '$[[' is not closed by ']]'");
      return NULL;
    }

  end_word (&parser);

  if (tmpl->words->len == 0)
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE, "command is empty");
      return NULL;
    }

  collect_refs (tmpl);
  return g_steal_pointer (&tmpl);
}

GArray *
sluice_template_get_refs (SluiceTemplate *tmpl)
{
  return tmpl->refs;
}

static gboolean
group_is_complete (SluiceTemplate       *tmpl,
                   int                   group,
                   SluiceTemplateLookup  lookup,
                   gpointer              user_data)
{
  for (guint i = 0; i < tmpl->words->len; i++)
    {
      Word *word = &g_array_index (tmpl->words, Word, i);

      if (word->group != group)
        continue;

      for (guint j = 0; j < word->segments->len; j++)
        {
          Segment *segment = &g_array_index (word->segments, Segment, j);

          if (segment->is_ref && lookup (segment->kind, segment->text, user_data) == NULL)
            return FALSE;
        }
    }

  return TRUE;
}

static char *
expand_word (Word                 *word,
             SluiceTemplateLookup  lookup,
             gpointer              user_data,
             GError              **error)
{
  g_autoptr(GString) arg = g_string_new (NULL);

  for (guint j = 0; j < word->segments->len; j++)
    {
      Segment *segment = &g_array_index (word->segments, Segment, j);
      const char *value;

      if (!segment->is_ref)
        {
          g_string_append (arg, segment->text);
          continue;
        }

      value = lookup (segment->kind, segment->text, user_data);
      if (value == NULL)
        {
          g_set_error (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE,
                       "no value for %s '%s', which the command needs",
                       segment->kind == SLUICE_TEMPLATE_INPUT ? "input" : "output", segment->text);
          return NULL;
        }
      g_string_append (arg, value);
    }

  return g_string_free (g_steal_pointer (&arg), FALSE);
}

// Each word becomes exactly one argument, whatever the values contain.
char **
sluice_template_expand (SluiceTemplate        *tmpl,
                        SluiceTemplateLookup   lookup,
                        gpointer               user_data,
                        GError               **error)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree gboolean *keep_group = g_new0 (gboolean, tmpl->n_groups + 1);

  for (guint g = 0; g < tmpl->n_groups; g++)
    keep_group[g] = group_is_complete (tmpl, (int) g, lookup, user_data);

  for (guint i = 0; i < tmpl->words->len; i++)
    {
      Word *word = &g_array_index (tmpl->words, Word, i);
      char *arg;

      if (word->group >= 0 && !keep_group[word->group])
        continue;
      if (!(arg = expand_word (word, lookup, user_data, error)))
        return NULL;
      g_strv_builder_add (argv, arg);
      g_free (arg);
    }

  if (tmpl->words->len > 0 && g_array_index (tmpl->words, Word, 0).group >= 0 && !keep_group[0])
    {
      g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE,
                           "the command's program name is inside an optional group that was dropped");
      return NULL;
    }

  return g_strv_builder_end (argv);
}
