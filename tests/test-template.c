// SPDX-License-Identifier: GPL-3.0-or-later
//
// Command templates become argv without a shell: whatever a value holds, it
// fills exactly one argument.

#include "config.h"

#include <string.h>

#include "sluice.h"

static const char *
lookup_table (SluiceTemplateRefKind  kind,
              const char            *name,
              gpointer               user_data)
{
  const char * const *table = user_data;

  for (guint i = 0; table[i] != NULL; i += 2)
    if (g_str_equal (table[i], name))
      return table[i + 1];
  return NULL;
}

static char **
expand (const char         *command,
        const char * const *values)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceTemplate) tmpl = sluice_template_parse (command, &error);
  char **argv;

  g_assert_no_error (error);
  argv = sluice_template_expand (tmpl, lookup_table, (gpointer) values, &error);
  g_assert_no_error (error);
  return argv;
}

static void
assert_argv (char               **argv,
             const char * const  *expected)
{
  guint n = g_strv_length (argv);

  g_assert_cmpuint (n, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (argv[i], ==, expected[i]);
}

static void
test_splitting (void)
{
  const char *values[] = { "x", "1", NULL };
  g_auto(GStrv) argv = expand ("  prog 'single quoted' \"double \\\"q\\\" \\\\\" back\\ slash\n"
                               "  tab\tsep '' \"\" mixed'a b'\"c\"  ", values);
  const char *expected[] = { "prog", "single quoted", "double \"q\" \\", "back slash", "tab", "sep",
                             "", "", "mixeda bc", NULL };

  assert_argv (argv, expected);
}

static void
test_substitution_in_word (void)
{
  const char *values[] = { "data", "/in/put", "lr", "0.5", "model", "/out dir", NULL };
  g_auto(GStrv) argv = expand ("python train.py --data=${{inputs.data}} --lr ${{ inputs.lr }} "
                               "\"--out=${{outputs.model}}/m.pkl\" '${{inputs.lr}}'", values);
  const char *expected[] = { "python", "train.py", "--data=/in/put", "--lr", "0.5", "--out=/out dir/m.pkl",
                             "${{inputs.lr}}", NULL };

  assert_argv (argv, expected);
}

static void
test_hostile_values (void)
{
  const char *hostile[] = {
    "a b c", "\"quoted\" 'single'", "; rm -rf /", "$(reboot)", "`id`", "line\nbreak",
    "--help", "-rf", "${{inputs.other}}", "$[[ x ]]", "\\", "'", "\"", "|&><*?", "", "🙂 ünï",
  };

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      const char *values[] = { "v", hostile[i], "other", "SECRET", NULL };
      g_auto(GStrv) argv = expand ("prog --value ${{inputs.v}} x${{inputs.v}}y $[[--opt ${{inputs.v}}]]", values);
      g_autofree char *wrapped = g_strdup_printf ("x%sy", hostile[i]);
      const char *expected[] = { "prog", "--value", hostile[i], wrapped, "--opt", hostile[i], NULL };

      // Exactly one argument per word, the value verbatim, never re-expanded.
      assert_argv (argv, expected);
    }
}

static void
test_optional_groups (void)
{
  const char *with[] = { "data", "d", "seed", "7", NULL };
  const char *without[] = { "data", "d", NULL };
  g_auto(GStrv) a = expand ("prog ${{inputs.data}} $[[--seed ${{inputs.seed}} --fixed]] $[[-v]] end", with);
  g_auto(GStrv) b = expand ("prog ${{inputs.data}} $[[--seed ${{inputs.seed}} --fixed]] $[[-v]] end", without);
  g_auto(GStrv) c = expand ("prog $[[--seed=${{inputs.seed}}]]end", without);
  const char *expected_a[] = { "prog", "d", "--seed", "7", "--fixed", "-v", "end", NULL };
  const char *expected_b[] = { "prog", "d", "-v", "end", NULL };
  const char *expected_c[] = { "prog", "end", NULL };

  assert_argv (a, expected_a);
  assert_argv (b, expected_b);
  assert_argv (c, expected_c);
}

static void
test_refs (void)
{
  g_autoptr(SluiceTemplate) tmpl = sluice_template_parse ("p ${{inputs.a}} $[[${{inputs.b}}]] ${{outputs.c}}", NULL);
  GArray *refs = sluice_template_get_refs (tmpl);
  const SluiceTemplateRef *r;

  g_assert_cmpuint (refs->len, ==, 3);
  r = &g_array_index (refs, SluiceTemplateRef, 1);
  g_assert_cmpstr (r->name, ==, "b");
  g_assert_true (r->in_optional_group);
  r = &g_array_index (refs, SluiceTemplateRef, 2);
  g_assert_cmpint (r->kind, ==, SLUICE_TEMPLATE_OUTPUT);
  g_assert_false (r->in_optional_group);
}

static void
test_parse_errors (void)
{
  const struct { const char *command; const char *message; } cases[] = {
    { "prog 'open", "character 6: unterminated single quote" },
    { "prog \"open", "character 6: unterminated double quote" },
    { "prog ${{inputs.x", "character 6: '${{' is not closed" },
    { "prog ${{params.x}}", "must be ${{inputs.NAME}}" },
    { "prog ${{inputs.Bad-Name}}", "invalid port name" },
    { "prog $[[ a $[[ b ]] ]]", "cannot be nested" },
    { "prog $[[ a", "character 6: optional group '$[[' is not closed" },
    { "prog \\", "backslash cannot end" },
    { "   ", "command is empty" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SluiceTemplate) tmpl = sluice_template_parse (cases[i].command, &error);

      g_assert_null (tmpl);
      g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s': message '%s' lacks '%s'", cases[i].command, error->message, cases[i].message);
    }
}

static void
test_missing_value (void)
{
  const char *values[] = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SluiceTemplate) tmpl = sluice_template_parse ("prog ${{inputs.data}}", NULL);
  g_auto(GStrv) argv = sluice_template_expand (tmpl, lookup_table, values, &error);

  g_assert_null (argv);
  g_assert_error (error, SLUICE_ERROR, SLUICE_ERROR_TEMPLATE);
  g_assert_nonnull (strstr (error->message, "input 'data'"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/template/splitting", test_splitting);
  g_test_add_func ("/template/substitution-in-word", test_substitution_in_word);
  g_test_add_func ("/template/hostile-values", test_hostile_values);
  g_test_add_func ("/template/optional-groups", test_optional_groups);
  g_test_add_func ("/template/refs", test_refs);
  g_test_add_func ("/template/parse-errors", test_parse_errors);
  g_test_add_func ("/template/missing-value", test_missing_value);

  return g_test_run ();
}
