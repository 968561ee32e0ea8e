// SPDX-License-Identifier: GPL-3.0-or-later
//
// libsluice: everything a user can do with a pipeline, without GTK.

#pragma once

#include "sluice-component.h"
#include "sluice-component-registry.h"
#include "sluice-error.h"
#include "sluice-file.h"
#include "sluice-graph.h"
#include "sluice-json.h"
#include "sluice-pipeline.h"
#include "sluice-port-type.h"
#include "sluice-problem.h"
#include "sluice-step.h"
#include "sluice-template.h"
#include "sluice-validate.h"
#include "sluice-artifact-store.h"
#include "sluice-hash.h"
#include "sluice-history.h"
#include "sluice-run-event.h"
#include "sluice-run.h"
#include "sluice-state.h"
#include "sluice-document.h"
