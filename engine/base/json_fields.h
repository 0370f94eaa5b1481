// Reading optional fields of untrusted JSON (webhook payloads, workflow
// inputs from the API) without exceptions: nlohmann's value() throws when a
// field is present with another type (a null where a string was expected),
// and a throw from a request handler must never take the process down.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sundial {

// `object[key]` when `object` is an object and the field is a string, else `fallback`.
std::string string_field(const nlohmann::json& object, std::string_view key, std::string fallback = "");
// `object[key]` when it is an integer, else `fallback`.
int64_t int_field(const nlohmann::json& object, std::string_view key, int64_t fallback = 0);

}  // namespace sundial
