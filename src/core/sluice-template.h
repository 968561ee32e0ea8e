// SPDX-License-Identifier: GPL-3.0-or-later
//
// A component's command line: split into words once, when the component is
// loaded, so that substituted values can only ever fill in a word and never
// add one. No shell is involved at any point.

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SLUICE_TEMPLATE_INPUT,
  SLUICE_TEMPLATE_OUTPUT,
} SluiceTemplateRefKind;

typedef struct
{
  SluiceTemplateRefKind kind;
  const char           *name;
  gboolean              in_optional_group;
} SluiceTemplateRef;

typedef struct _SluiceTemplate SluiceTemplate;

// Returns the value to put in place of ${{inputs.NAME}} / ${{outputs.NAME}},
// or NULL when the input was not given (which drops an optional group).
typedef const char *(*SluiceTemplateLookup) (SluiceTemplateRefKind  kind,
                                             const char            *name,
                                             gpointer               user_data);

SluiceTemplate *sluice_template_parse          (const char           *command,
                                                GError              **error);
void            sluice_template_free           (SluiceTemplate       *tmpl);
GArray         *sluice_template_get_refs       (SluiceTemplate       *tmpl);
char          **sluice_template_expand         (SluiceTemplate       *tmpl,
                                                SluiceTemplateLookup  lookup,
                                                gpointer              user_data,
                                                GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SluiceTemplate, sluice_template_free)

G_END_DECLS
