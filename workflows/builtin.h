// The one list of workflow types sundiald registers (cf. Envoy's extension
// registry). A new workflow lives in workflows/<name>/ and adds one line to
// builtin.cc.
//
// Threading: call before the engine opens.
#pragma once

#include "engine/base/error.h"
#include "engine/runtime/registry.h"

namespace sundial {

Result<void> register_builtin_workflows(Registry& registry);

}  // namespace sundial
