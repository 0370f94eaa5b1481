// The one JSON parser for text Sundial did not just produce in memory:
// admin API bodies (start inputs, signal payloads), webhook bodies,
// provider answers and stored values. It bounds the nesting depth BEFORE
// building a value: nlohmann's parser is iterative, but copying, comparing
// and dumping a value recurse once per level, so a 100,000-deep array (a
// 200 KB body) would overflow the stack. The depth is counted on the raw
// bytes (brackets inside strings, escaped quotes included, do not count),
// then nlohmann parses. Never throws: syntax errors and numbers out of
// range (`1e400`) come back as values.
//
// Depth: a scalar is 0 deep, `[]` and `{}` are 1 deep, `[[1]]` is 2 deep.
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sundial {

// Default for `[server] max_json_depth`.
inline constexpr size_t kDefaultMaxJsonDepth = 64;
// The largest `[server] max_json_depth` accepted; stored values are
// decoded with a little more than this (engine/codec).
inline constexpr size_t kMaxJsonDepthSetting = 512;

struct JsonLimits {
  // Deepest nesting accepted. Default: 64.
  size_t max_depth = kDefaultMaxJsonDepth;
};

struct JsonParseError {
  enum class Kind {
    kSyntax,      // not JSON (nlohmann's parse_error; `byte` says where)
    kTooDeep,     // nested deeper than JsonLimits::max_depth
    kOutOfRange,  // a number no double holds, e.g. 1e400
  };
  Kind kind = Kind::kSyntax;
  size_t byte = 0;      // 1-based offset where the text stopped being acceptable
  std::string message;  // e.g. "nested deeper than the limit of 64 levels (at byte 65)"
};

std::expected<nlohmann::json, JsonParseError> parse_json(std::string_view text, JsonLimits limits = {});

}  // namespace sundial
