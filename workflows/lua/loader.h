// load_lua_workflows: makes every `<dir>/*.lua` a workflow type named after
// its file stem (greet.lua → "greet"), in file-name order. A script that
// does not load (syntax error, no run function, a failing top level) is
// refused with "greet.lua:3: message", and nothing from `dir` is registered
// then, so a daemon refuses to start rather than run half its workflows.
//
// Threading: start-up, before the engine runs (the registry is read-only
// afterwards; hot reload is a later slice).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "engine/runtime/registry.h"
#include "workflows/lua/script.h"

namespace sundial::lua {

// Scripts larger than this are refused.
inline constexpr size_t kMaxScriptBytes = 1u << 20;

// The types registered, in order.
Result<std::vector<std::string>> load_lua_workflows(const std::filesystem::path& dir, Registry& registry,
                                                    const LuaOptions& options = {});

}  // namespace sundial::lua
