// Turning what user code (workflow bodies, step functions) throws or
// returns into errors the journal can hold: a readable description of any
// exception, std or not; text made safe to encode (JSON needs valid UTF-8);
// and a check that a step's result can be encoded at all, made before any
// in-memory state changes.
//
// Threading: pure functions.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

// "std::runtime_error: <what>", or "exception of type 'Foo'" for a thrown
// type that is not a std::exception. Always valid UTF-8.
std::string describe_exception(std::exception_ptr e);

// `text` with every byte sequence that is not valid UTF-8 replaced by
// U+FFFD, so a JSON encoder accepts it.
std::string journal_safe_text(std::string_view text);

// Ok when `value` can be encoded as JSON (every string valid UTF-8);
// otherwise an internal error naming the problem.
Result<void> check_encodable(const nlohmann::json& value);

}  // namespace sundial
