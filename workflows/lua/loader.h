// Reading workflow scripts from a directory: every `<dir>/*.lua` is a
// workflow type named after its file stem (greet.lua → "greet"), in
// file-name order. load_lua_workflows compiles and registers them all or
// none: a script that does not load (syntax error, no run function, a
// failing top level) is refused with "greet.lua:3: message". sundiald's
// ScriptCatalog (catalog.h) reads the same files and also stores versions
// and reloads them.
//
// Threading: any thread (file reads and compiles); register on the
// registry's thread.
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

struct ScriptFile {
  std::filesystem::path path;
  std::string type;       // the file stem
  std::string chunkname;  // the file name, for errors and tracebacks
  std::string source;
};

// The `*.lua` files of `dir`, sorted by name; an error when the directory
// cannot be read.
Result<std::vector<std::filesystem::path>> list_script_files(const std::filesystem::path& dir);
// Reads one script: a valid type name for its stem, at most
// kMaxScriptBytes, valid UTF-8.
Result<ScriptFile> read_script_file(const std::filesystem::path& path);
// Checks a script text from outside (a file or an HTTP body).
Result<void> check_script_text(std::string_view chunkname, std::string_view source);

// Loads and registers every script of `dir` (all or none); the types
// registered, in order.
Result<std::vector<std::string>> load_lua_workflows(const std::filesystem::path& dir, Registry& registry,
                                                    const LuaOptions& options = {});

}  // namespace sundial::lua
