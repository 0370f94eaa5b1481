// Reading bounded numbers and durations out of untrusted JSON with a
// refusal that names the field: "<where><field> <rule>", e.g.
// "action.task.priority must be an integer from -1000 to 1000". Shared by
// every parser of API objects (tasks, schedules) so each states its rules
// the same way.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

// invalid_argument "<where><field> <rule>".
Error field_error(std::string_view where, std::string_view field, std::string_view rule);
// An integer in [min, max]; anything else (a float, a string, out of range) is field_error.
Result<int64_t> json_integer(const nlohmann::json& v, std::string_view where, std::string_view field,
                             int64_t min, int64_t max);
// A duration string ("30s", "5m", engine/base/duration.h) in [min, max].
Result<DurationMs> json_duration(const nlohmann::json& v, std::string_view where, std::string_view field,
                                 DurationMs min, DurationMs max);

}  // namespace sundial
