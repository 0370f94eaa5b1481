// The Lua script store: how script versions live in the engine's kMeta
// column family, so an instance can always replay the version it started
// on (after a restart, an edit or a PUT of a newer version).
//
//   "lua/v/<type>\0<version>" → { "source": text, "chunkname": "greet.lua" }
//       every version some instance may run (kept while one runs it)
//   "lua/api/<type>"          → { "version": v }
//       the current version of a type installed through the HTTP API
//       (types from a workflows directory get theirs from the file)
//
// Threading: pure functions. Ownership: values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/base/error.h"
#include "engine/storage/batch.h"

namespace sundial::lua {

struct StoredScript {
  std::string type;
  std::string version;
  std::string source;
  std::string chunkname;
};

inline constexpr std::string_view kScriptVersionPrefix = "lua/v/";
inline constexpr std::string_view kApiCurrentPrefix = "lua/api/";

std::string script_version_key(std::string_view type, std::string_view version);
// The prefix of every stored version of `type`.
std::string script_versions_prefix(std::string_view type);
std::string api_current_key(std::string_view type);

// Adds the put of `script` to `batch`.
void put_script(Batch& batch, const StoredScript& script);
// Decodes a "lua/v/..." row; nullopt when it is not one (corrupt rows are
// skipped by the caller with a log line).
std::optional<StoredScript> decode_script(std::string_view key, std::string_view value);
// The version in a "lua/api/<type>" row; the type is the key's tail.
std::optional<std::string> decode_api_current(std::string_view value);
std::string encode_api_current(std::string_view version);

}  // namespace sundial::lua
