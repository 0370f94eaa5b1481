// Building blocks of the workflow types' input checks (InputCheck in
// engine/runtime/registry.h): each reads one field of a start's input and
// answers invalid_argument naming the field and what it must be, so every
// built-in type refuses a bad input the same way. A null input counts as
// an empty object.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

// The longest delay an input may ask for (a sleep, an offset): 10 years.
inline constexpr DurationMs kMaxInputDelayMs = 3650 * kDayMs;
// The most delays one input may list.
inline constexpr size_t kMaxInputDelays = 100;

// ok() when `input` is an object (or null) with no field outside `known`.
Result<void> check_known_fields(const nlohmann::json& input, std::initializer_list<std::string_view> known);
// input[key] when it is a string; nullopt when absent or null.
Result<std::optional<std::string>> optional_string(const nlohmann::json& input, const char* key);
// input[key] when it is an integer in [min, max]; nullopt when absent or null.
Result<std::optional<int64_t>> optional_int(const nlohmann::json& input, const char* key, int64_t min,
                                            int64_t max);
// input[key] when it is an array of at most kMaxInputDelays integers in
// [0, kMaxInputDelayMs] (milliseconds); nullopt when absent or null.
Result<std::optional<std::vector<DurationMs>>> optional_delays(const nlohmann::json& input, const char* key);
// A plausible email address (connectors/email) under `key`, required.
Result<std::string> required_email(const nlohmann::json& input, const char* key);

}  // namespace sundial
