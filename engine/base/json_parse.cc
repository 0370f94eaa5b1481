#include "engine/base/json_parse.h"

#include "engine/base/utf8.h"

namespace sundial {
namespace {

// The 1-based byte offset at which the nesting first exceeds `limit`, or 0
// when it never does. Stops there, so a huge input costs one scan at most.
size_t scan_depth(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) return i + 1;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return 0;
}

// nlohmann's what() starts with "[json.exception.parse_error.101] ": keep the rest.
std::string plain_message(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  if (auto close = what.find("] "); what.starts_with("[json.exception.") && close != std::string_view::npos) {
    what.remove_prefix(close + 2);
  }
  // nlohmann quotes the bytes it stopped at, which may not be UTF-8: the
  // message goes into JSON answers, logs and journals.
  return repair_utf8(what);
}

}  // namespace

std::expected<nlohmann::json, JsonParseError> parse_json(std::string_view text, JsonLimits limits) {
  if (size_t at = scan_depth(text, limits.max_depth); at != 0) {
    return std::unexpected(JsonParseError{JsonParseError::Kind::kTooDeep, at,
                                          "nested deeper than the limit of " +
                                              std::to_string(limits.max_depth) + " levels (at byte " +
                                              std::to_string(at) + ")"});
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return std::unexpected(JsonParseError{JsonParseError::Kind::kSyntax, e.byte, plain_message(e)});
  } catch (const nlohmann::json::out_of_range& e) {
    // 406: "number overflow parsing '1e400'"
    return std::unexpected(JsonParseError{JsonParseError::Kind::kOutOfRange, 0, plain_message(e)});
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(JsonParseError{JsonParseError::Kind::kSyntax, 0, plain_message(e)});
  }
}

}  // namespace sundial
