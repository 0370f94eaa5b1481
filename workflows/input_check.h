// Building blocks of the workflow types' input checks (InputCheck in
// engine/runtime/registry.h): each reads one field of a start's input and
// answers invalid_argument naming the field and what it must be, so every
// built-in type refuses a bad input the same way. A null input counts as
// an empty object. The Lua sandbox's `check` library (workflows/lua/
// check_lib.h) is built on these, so scripts refuse with the same words.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
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

// The message for an input that is not an object.
inline constexpr std::string_view kInputNotAnObject = "the input must be a JSON object";
// The error for a field outside `known` (listed in the message).
Error unknown_field(std::string_view key, std::span<const std::string_view> known);
// The error for a required field that is absent or null.
Error required_field(std::string_view key);

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
// The same with other bounds: at most `max_count` delays, each in [0, max_ms].
Result<std::optional<std::vector<DurationMs>>> optional_delays(const nlohmann::json& input, const char* key,
                                                               size_t max_count, DurationMs max_ms);
// input[key] when it is a string equal to one of `choices`; nullopt when
// absent or null.
Result<std::optional<std::string>> optional_choice(const nlohmann::json& input, const char* key,
                                                   std::span<const std::string_view> choices);
// input[key] normalized (connectors/email) when it is a plausible email
// address; nullopt when absent or null.
Result<std::optional<std::string>> optional_email(const nlohmann::json& input, const char* key);
// A plausible email address (connectors/email) under `key`, required.
Result<std::string> required_email(const nlohmann::json& input, const char* key);

}  // namespace sundial
