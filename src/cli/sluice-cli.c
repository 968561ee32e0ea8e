// SPDX-License-Identifier: GPL-3.0-or-later
//
// `sluice`: the command line. A thin shell over libsluice: parse options,
// call the library, print. Results go to stdout, errors to stderr.
// Exit codes: 0 success, 1 the input is invalid, 2 usage or I/O error.

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "sluice-cli-private.h"

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char  *name;
  const char  *parameters;
  const char  *summary;
  CommandFunc  func;
} Command;

char **opt_components_dirs;

static const GOptionEntry component_dir_entries[] = {
  { "components", 'C', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_components_dirs,
    N_("Also look for components in DIR (repeatable; SLUICE_COMPONENTS_PATH works too)"), N_("DIR") },
  { NULL }
};

SluiceComponentRegistry *
sluice_cli_make_registry (void)
{
  SluiceComponentRegistry *registry = sluice_component_registry_new_default ();

  for (guint i = 0; opt_components_dirs != NULL && opt_components_dirs[i] != NULL; i++)
    sluice_component_registry_add_directory (registry, opt_components_dirs[i]);
  return registry;
}

// Parses argv in place; returns FALSE (after printing why) on a usage error.
gboolean
sluice_cli_parse (GOptionContext *context,
               int            *argc,
               char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("sluice: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

GOptionContext *
sluice_cli_context (const char         *parameters,
                 const char         *summary,
                 const GOptionEntry *entries,
                 gboolean            with_components)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (with_components)
    g_option_context_add_main_entries (context, component_dir_entries, GETTEXT_PACKAGE);
  return context;
}

static gboolean
file_is_readable (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("sluice: %s: no such file\n", path);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("sluice: %s: is a folder, not a file\n", path);
      return FALSE;
    }
  return TRUE;
}

/* validate ---------------------------------------------------------------- */

static gboolean opt_json;

static void
problem_to_json (JsonBuilder         *builder,
                 const SluiceProblem *problem)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "severity");
  json_builder_add_string_value (builder, sluice_severity_to_string (problem->severity));
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, problem->code);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, problem->file);
  json_builder_set_member_name (builder, "line");
  json_builder_add_int_value (builder, problem->line);
  json_builder_set_member_name (builder, "column");
  json_builder_add_int_value (builder, problem->column);
  json_builder_set_member_name (builder, "pointer");
  json_builder_add_string_value (builder, problem->pointer);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, problem->message);
  json_builder_end_object (builder);
}

static void
print_problems (GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      g_autofree char *line = sluice_problem_format (g_ptr_array_index (problems, i), NULL);

      g_print ("%s\n", line);
    }
}

static int
cmd_validate (int    argc,
              char **argv)
{
  static const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the problems as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "FILE…", "Check pipelines (*.sluice.json) and components (*.component.json) and print every problem as\n"
    "FILE:LINE:COL: error: MESSAGE [/json/pointer]. Exit status: 0 valid, 1 invalid, 2 usage or I/O error.",
    entries, TRUE);
  g_autoptr(SluiceComponentRegistry) registry = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean any_errors = FALSE;

  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      g_printerr ("sluice validate: give at least one FILE (see sluice validate --help)\n");
      return EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    if (!file_is_readable (argv[i]))
      return EXIT_USAGE;

  registry = sluice_cli_make_registry ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GPtrArray) problems = sluice_validate_file (argv[i], registry);
      gboolean errors = sluice_problems_have_errors (problems);

      any_errors |= errors;
      if (!opt_json)
        {
          print_problems (problems);
          if (problems->len == 0)
            g_print ("%s: ok\n", argv[i]);
          continue;
        }

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, argv[i]);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, !errors);
      json_builder_set_member_name (builder, "problems");
      json_builder_begin_array (builder);
      for (guint j = 0; j < problems->len; j++)
        problem_to_json (builder, g_ptr_array_index (problems, j));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (opt_json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      g_autofree char *text = sluice_json_to_string (root);

      g_print ("%s", text);
    }

  return any_errors ? EXIT_INVALID : EXIT_OK;
}

/* show -------------------------------------------------------------------- */

static gboolean opt_dot;

SluicePipeline *
sluice_cli_load_pipeline (const char *path)
{
  g_autoptr(GError) error = NULL;
  SluicePipeline *pipeline;

  if (!file_is_readable (path))
    return NULL;
  if (!(pipeline = sluice_pipeline_load_file (path, &error)))
    g_printerr ("sluice: %s\n", error->message);
  return pipeline;
}

static char *
binding_to_text (const SluiceBinding *binding)
{
  g_autoptr(JsonNode) node = sluice_binding_to_node (binding);
  GString *s;

  if (binding->kind != SLUICE_BINDING_LITERAL)
    return g_strdup (json_node_get_string (node));

  s = g_string_new (NULL);
  sluice_json_write (s, node, 0);
  return g_string_free (s, FALSE);
}

static void
print_step (SluiceStep *step,
            guint       level)
{
  GPtrArray *inputs = sluice_step_get_inputs (step);
  GPtrArray *outputs = sluice_step_get_outputs (step);
  const char *display = sluice_step_get_display_name (step);

  g_print ("%-5u %s", level, sluice_step_get_id (step));
  if (display != NULL)
    g_print (" (%s)", display);
  g_print ("  %s\n", sluice_step_get_component_ref (step) ? sluice_step_get_component_ref (step) : "?");

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (inputs, i);
      g_autofree char *text = binding_to_text (binding);

      g_print ("        in  %s = %s\n", binding->port, text);
    }
  for (guint i = 0; i < outputs->len; i++)
    {
      const SluiceBinding *binding = g_ptr_array_index (outputs, i);
      g_autofree char *text = binding_to_text (binding);

      g_print ("        out %s → %s\n", binding->port, text);
    }
}

static void
append_dot_string (GString    *out,
                   const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
print_dot (SluicePipeline *pipeline,
           GPtrArray      *order)
{
  g_autoptr(GString) out = g_string_new ("digraph ");
  GPtrArray *inputs = sluice_pipeline_get_inputs (pipeline);
  GPtrArray *steps = sluice_pipeline_get_steps (pipeline);

  append_dot_string (out, sluice_pipeline_get_name (pipeline) ? sluice_pipeline_get_name (pipeline) : "pipeline");
  g_string_append (out, " {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");

  for (guint i = 0; i < inputs->len; i++)
    {
      const SluicePipelineIO *io = g_ptr_array_index (inputs, i);
      g_autofree char *id = g_strdup_printf ("input:%s", io->name);

      g_string_append (out, "  ");
      append_dot_string (out, id);
      g_string_append (out, " [shape=ellipse, label=");
      append_dot_string (out, io->name);
      g_string_append (out, "];\n");
    }

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      const char *label = sluice_step_get_display_name (step);

      g_string_append (out, "  ");
      append_dot_string (out, sluice_step_get_id (step));
      g_string_append (out, " [label=");
      append_dot_string (out, label ? label : sluice_step_get_id (step));
      g_string_append (out, "];\n");
    }

  for (guint i = 0; i < steps->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (steps, i);
      GPtrArray *bindings = sluice_step_get_inputs (step);

      for (guint j = 0; j < bindings->len; j++)
        {
          const SluiceBinding *binding = g_ptr_array_index (bindings, j);
          g_autofree char *from = NULL;
          g_autofree char *label = NULL;

          if (binding->kind == SLUICE_BINDING_STEP_OUTPUT)
            from = g_strdup (binding->step), label = g_strdup_printf ("%s → %s", binding->name, binding->port);
          else if (binding->kind == SLUICE_BINDING_PIPELINE_INPUT)
            from = g_strdup_printf ("input:%s", binding->name), label = g_strdup (binding->port);
          else
            continue;

          g_string_append (out, "  ");
          append_dot_string (out, from);
          g_string_append (out, " -> ");
          append_dot_string (out, sluice_step_get_id (step));
          g_string_append (out, " [label=");
          append_dot_string (out, label);
          g_string_append (out, "];\n");
        }
    }

  g_string_append (out, "}\n");
  g_print ("%s", out->str);
}

static int
cmd_show (int    argc,
          char **argv)
{
  static const GOptionEntry entries[] = {
    { "dot", 0, 0, G_OPTION_ARG_NONE, &opt_dot, N_("Write the step graph in Graphviz DOT format"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "FILE", "Show the steps of a pipeline in the order they can run, with their level\n"
    "(0 = needs no other step) and their inputs.", entries, FALSE);
  g_autoptr(SluicePipeline) pipeline = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GHashTable) levels = NULL;
  GPtrArray *steps;
  const char *title;

  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr ("sluice show: give exactly one FILE (see sluice show --help)\n");
      return EXIT_USAGE;
    }
  if (!(pipeline = sluice_cli_load_pipeline (argv[1])))
    return g_file_test (argv[1], G_FILE_TEST_IS_REGULAR) ? EXIT_INVALID : EXIT_USAGE;

  order = sluice_pipeline_topological_order (pipeline, &levels);
  if (opt_dot)
    {
      print_dot (pipeline, order);
      return EXIT_OK;
    }

  steps = sluice_pipeline_get_steps (pipeline);
  title = sluice_pipeline_get_display_name (pipeline);
  g_print ("%s", sluice_pipeline_get_name (pipeline) ? sluice_pipeline_get_name (pipeline) : argv[1]);
  if (title != NULL)
    g_print (" — %s", title);
  g_print ("\n%u step%s\n\nlevel step  component\n", steps->len, steps->len == 1 ? "" : "s");

  for (guint i = 0; i < order->len; i++)
    {
      SluiceStep *step = g_ptr_array_index (order, i);

      print_step (step, GPOINTER_TO_UINT (g_hash_table_lookup (levels, step)));
    }

  if (order->len < steps->len)
    {
      g_printerr ("sluice show: %u step%s in or after a cycle cannot run and %s not shown; "
                  "run `sluice validate %s`\n", steps->len - order->len,
                  steps->len - order->len == 1 ? "" : "s", steps->len - order->len == 1 ? "is" : "are",
                  argv[1]);
      return EXIT_INVALID;
    }

  return EXIT_OK;
}

/* components -------------------------------------------------------------- */

static void
print_scan_problems (SluiceComponentRegistry *registry)
{
  GPtrArray *problems = sluice_component_registry_get_scan_problems (registry);

  for (guint i = 0; i < problems->len; i++)
    {
      const SluiceProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *line = NULL;

      if (problem->severity != SLUICE_SEVERITY_ERROR)
        continue;
      line = sluice_problem_format (problem, NULL);
      g_printerr ("sluice: skipped a component: %s\n", line);
    }
}

static void
port_to_json (JsonBuilder          *builder,
              const SluicePortSpec *spec)
{
  json_builder_set_member_name (builder, spec->name);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, spec->type);
  if (spec->description != NULL)
    {
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, spec->description);
    }
  if (spec->default_value != NULL)
    {
      json_builder_set_member_name (builder, "default");
      json_builder_add_value (builder, json_node_copy (spec->default_value));
    }
  json_builder_set_member_name (builder, "optional");
  json_builder_add_boolean_value (builder, spec->optional);
  json_builder_end_object (builder);
}

static void
ports_to_json (JsonBuilder *builder,
               const char  *key,
               GPtrArray   *ports)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_object (builder);
  for (guint i = 0; i < ports->len; i++)
    port_to_json (builder, g_ptr_array_index (ports, i));
  json_builder_end_object (builder);
}

static void
component_to_json (JsonBuilder     *builder,
                   SluiceComponent *component)
{
  const char *category = sluice_component_get_category (component);
  const char *description = sluice_component_get_description (component);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, sluice_component_get_name (component));
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, sluice_component_get_version (component));
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, sluice_component_get_display_name (component));
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category ? category : "");
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, description ? description : "");
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, sluice_component_get_file (component));
  ports_to_json (builder, "inputs", sluice_component_get_inputs (component));
  ports_to_json (builder, "outputs", sluice_component_get_outputs (component));
  json_builder_end_object (builder);
}

static int
components_list (gboolean json)
{
  g_autoptr(SluiceComponentRegistry) registry = sluice_cli_make_registry ();
  g_autoptr(GPtrArray) list = sluice_component_registry_list (registry);

  print_scan_problems (registry);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < list->len; i++)
        component_to_json (builder, g_ptr_array_index (list, i));
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      text = sluice_json_to_string (root);
      g_print ("%s", text);
      return EXIT_OK;
    }

  for (guint i = 0; i < list->len; i++)
    {
      SluiceComponent *component = g_ptr_array_index (list, i);
      const char *category = sluice_component_get_category (component);

      g_print ("%-32s %-8s %-20s %s\n", sluice_component_get_name (component),
               sluice_component_get_version (component), category ? category : "-",
               sluice_component_get_display_name (component));
    }

  if (list->len == 0)
    g_printerr ("sluice: no components found\n");
  return EXIT_OK;
}

static void
print_ports (const char *title,
             GPtrArray  *ports)
{
  g_print ("\n%s:\n", title);
  if (ports->len == 0)
    g_print ("  (none)\n");

  for (guint i = 0; i < ports->len; i++)
    {
      const SluicePortSpec *spec = g_ptr_array_index (ports, i);

      g_print ("  %-24s %-14s", spec->name, spec->type);
      if (spec->optional)
        g_print (" optional");
      if (spec->default_value != NULL)
        {
          g_autofree char *text = sluice_literal_to_argument (spec->default_value);

          g_print (" default=%s", text);
        }
      if (spec->has_min || spec->has_max)
        g_print (" range=[%g, %g]", spec->has_min ? spec->min : -G_MAXDOUBLE, spec->has_max ? spec->max : G_MAXDOUBLE);
      if (spec->enum_values != NULL)
        {
          g_autofree char *choices = g_strjoinv ("|", spec->enum_values);

          g_print (" one of %s", choices);
        }
      g_print ("\n");
      if (spec->description != NULL)
        g_print ("      %s\n", spec->description);
    }
}

static int
components_show (const char *what)
{
  g_autoptr(SluiceComponentRegistry) registry = sluice_cli_make_registry ();
  g_autofree char *name = g_strdup (what);
  char *at = strchr (name, '@');
  SluiceComponent *component;
  const char *description;

  if (at != NULL)
    *at++ = '\0';

  if (!(component = sluice_component_registry_lookup (registry, name, at)))
    {
      g_printerr ("sluice: unknown component '%s'; `sluice components list` shows the components available\n", what);
      return EXIT_INVALID;
    }

  description = sluice_component_get_description (component);
  g_print ("%s@%s — %s\n", sluice_component_get_name (component), sluice_component_get_version (component),
           sluice_component_get_display_name (component));
  if (description != NULL)
    g_print ("%s\n", description);
  g_print ("\ncategory: %s\nfile: %s\ndeterministic: %s\ncommand: %s\n",
           sluice_component_get_category (component) ? sluice_component_get_category (component) : "-",
           sluice_component_get_file (component),
           sluice_component_get_is_deterministic (component) ? "yes" : "no",
           sluice_component_get_command (component));
  print_ports ("inputs", sluice_component_get_inputs (component));
  print_ports ("outputs", sluice_component_get_outputs (component));
  return EXIT_OK;
}

static int
cmd_components (int    argc,
                char **argv)
{
  static const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print the list as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "list | show NAME[@VERSION]", "List the components Sluice knows, or show one in full.", entries, TRUE);

  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc == 2 && g_str_equal (argv[1], "list"))
    return components_list (opt_json);
  if (argc == 3 && g_str_equal (argv[1], "show"))
    return components_show (argv[2]);

  g_printerr ("sluice components: use `list` or `show NAME` (see sluice components --help)\n");
  return EXIT_USAGE;
}

/* fmt --------------------------------------------------------------------- */

static gboolean opt_check;
static gboolean opt_layout;

// --layout: arrange the nodes left to right, as the designer's "Arrange
// Automatically" does, for pipelines written by hand or by other tools.
static char *
laid_out_text (const char  *path,
               GError     **error)
{
  g_autoptr(SluiceComponentRegistry) registry = sluice_cli_make_registry ();
  g_autoptr(SluiceDocument) document = sluice_document_new (registry);

  if (!sluice_document_load_file (document, path, error) ||
      !sluice_pipeline_check_lossless (sluice_document_get_pipeline (document), error))
    return NULL;
  sluice_document_auto_layout (document);
  return sluice_pipeline_to_data (sluice_document_get_pipeline (document));
}

static char *
canonical_text (const char  *path,
                GError     **error)
{
  if (sluice_file_is_component (path))
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) sluice_problem_free);
      g_autoptr(SluiceComponent) component = sluice_component_load_file (path, problems);

      for (guint i = 0; i < problems->len; i++)
        {
          const SluiceProblem *problem = g_ptr_array_index (problems, i);
          g_autofree char *line = NULL;

          // Unreadable files and repeated keys cannot be rewritten without loss.
          if (component != NULL && !g_str_equal (problem->code, "duplicate-key"))
            continue;
          line = sluice_problem_format (problem, NULL);
          g_set_error_literal (error, SLUICE_ERROR, SLUICE_ERROR_INVALID, line);
          return NULL;
        }
      return sluice_component_to_data (component);
    }
  else
    {
      g_autoptr(SluicePipeline) pipeline = sluice_pipeline_load_file (path, error);

      if (pipeline == NULL || !sluice_pipeline_check_lossless (pipeline, error))
        return NULL;
      return sluice_pipeline_to_data (pipeline);
    }
}

static int
fmt_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_text = NULL;
  g_autofree char *new_text = NULL;

  if (!file_is_readable (path))
    return EXIT_USAGE;

  if (!g_file_get_contents (path, &old_text, NULL, &error) ||
      !(new_text = (opt_layout && !sluice_file_is_component (path)) ? laid_out_text (path, &error)
                                                                     : canonical_text (path, &error)))
    {
      g_printerr ("sluice fmt: %s\n", error->message);
      return EXIT_INVALID;
    }

  if (g_str_equal (old_text, new_text))
    return EXIT_OK;

  if (opt_check)
    {
      g_print ("%s: not in canonical form\n", path);
      return EXIT_INVALID;
    }

  if (!sluice_file_write_atomic (path, new_text, strlen (new_text), &error))
    {
      g_printerr ("sluice fmt: %s\n", error->message);
      return EXIT_USAGE;
    }

  g_print ("%s: formatted\n", path);
  return EXIT_OK;
}

static int
cmd_fmt (int    argc,
         char **argv)
{
  static const GOptionEntry entries[] = {
    { "check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
      N_("Change nothing; exit 1 if a file is not in canonical form"), NULL },
    { "layout", 0, 0, G_OPTION_ARG_NONE, &opt_layout,
      N_("Also arrange the pipeline's nodes left to right"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = sluice_cli_context (
    "FILE…", "Rewrite pipeline and component files in canonical form (stable key order, two-space\n"
    "indent), keeping unknown keys. Files are replaced atomically.", entries, TRUE);
  int status = EXIT_OK;

  if (!sluice_cli_parse (context, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    {
      g_printerr ("sluice fmt: give at least one FILE (see sluice fmt --help)\n");
      return EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    {
      int file_status = fmt_file (argv[i]);

      status = MAX (status, file_status);
    }
  return status;
}

void
sluice_cli_print_event_line (const char           *clock,
                             const SluiceRunEvent *event)
{
  switch (event->kind)
    {
    case SLUICE_RUN_EVENT_STEP_STATE:
      printf ("%s %-24s %s%s%s\n", clock, event->step_id, sluice_state_to_string (event->state),
              event->text ? ": " : "", event->text ? event->text : "");
      break;
    case SLUICE_RUN_EVENT_RUN_STATE:
      printf ("%s run %" G_GINT64_FORMAT " %s\n", clock, event->run_id, sluice_state_to_string (event->state));
      break;
    case SLUICE_RUN_EVENT_METRIC:
      printf ("%s %-24s metric %s = %g\n", clock, event->step_id, event->name, event->value);
      break;
    case SLUICE_RUN_EVENT_LOG:
      // Step output goes to `sluice logs`; only a step's stderr and
      // Sluice's own notes are worth a line here.
      if (event->stream == 'e')
        printf ("%s %-24s ! %s\n", clock, event->step_id, event->text);
      break;
    case SLUICE_RUN_EVENT_ARTIFACT:
    default:
      break;
    }
}

/* main -------------------------------------------------------------------- */

static const Command commands[] = {
  { "new", "FILE", "Create a pipeline, empty or from an example (--from NAME)", sluice_cli_new },
  { "examples", "", "List the example pipelines", sluice_cli_examples },
  { "validate", "FILE...", "Check pipelines and components, print every problem", cmd_validate },
  { "show", "FILE", "Show a pipeline's steps in run order (--dot for Graphviz)", cmd_show },
  { "components", "list|show NAME", "List the available components or show one", cmd_components },
  { "fmt", "FILE...", "Rewrite files in canonical form", cmd_fmt },
  { "run", "FILE", "Run a pipeline, reusing what did not change", sluice_cli_run },
  { "runs", "list|show RUN|compare RUN RUN…", "List earlier runs, show one or compare runs", sluice_cli_runs },
  { "logs", "RUN [STEP]", "Print a run's log (--follow to keep reading)", sluice_cli_logs },
  { "metrics", "RUN", "Print the metrics of a run", sluice_cli_metrics },
  { "lineage", "RUN STEP OUTPUT", "Show where an artifact came from", sluice_cli_lineage },
  { "cancel", "RUN", "Cancel a run going on in the background", sluice_cli_cancel },
  { "gc", "", "Remove artifacts no run references", sluice_cli_gc },
  { "remote", "add|list|remove", "Manage servers (run, runs, logs, metrics, cancel take --remote NAME)", sluice_cli_remote },
  { "publish", "FILE --name NAME", "Publish a pipeline on a server under a name", sluice_cli_publish },
  { "trigger", "NAME", "Start a run of a published pipeline on a server", sluice_cli_trigger },
  { "schedule", "create|list|…", "Run a published pipeline on a schedule", sluice_cli_schedule },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "Usage: sluice COMMAND [OPTION…]\n\n"
                   "Design, check and run machine-learning pipelines.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-12s %-16s %s\n", commands[i].name, commands[i].parameters, commands[i].summary);
  fprintf (stream, "\nRun `sluice COMMAND --help` for a command's options. `sluice --version` prints the version.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V"))
    {
      g_print ("sluice %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_usage (stdout);
      return EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("sluice %s", commands[i].name);

        int remote_status;

        g_set_prgname (prgname);
        if ((remote_status = sluice_cli_remote_forward (argc - 1, argv + 1)) >= 0)
          return remote_status;
        return commands[i].func (argc - 1, argv + 1);
      }

  g_printerr ("sluice: unknown command '%s'\n\n", argv[1]);
  print_usage (stderr);
  return EXIT_USAGE;
}
