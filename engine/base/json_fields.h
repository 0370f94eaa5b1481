// Reading optional fields of untrusted JSON (webhook payloads, workflow
// inputs from the API) without exceptions: nlohmann's value() throws when a
// field is present with another type (a null where a string was expected),
// and a throw from a request handler must never take the process down.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

// `object[key]` when `object` is an object and the field is a string, else `fallback`.
std::string string_field(const nlohmann::json& object, std::string_view key, std::string fallback = "");
// `object[key]` when it is an integer, else `fallback`.
int64_t int_field(const nlohmann::json& object, std::string_view key, int64_t fallback = 0);
// invalid_argument "<prefix>unknown field 'x' (expected a, b)" for the
// first field of the object `fields` not in `allowed`.
Result<void> check_known_fields(const nlohmann::json& fields, std::string_view prefix,
                                std::initializer_list<std::string_view> allowed);

}  // namespace sundial
