// Durations as users write them in config and API input: "90s", "15m",
// "24h", "11d", combinations such as "1d12h", and "500ms". Parsing is strict:
// an empty string, an unknown unit, a missing number or an overflow is an
// invalid_argument error that quotes the input.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

Result<DurationMs> parse_duration(std::string_view text);

// The shortest exact spelling: 0 → "0s", 90000 → "1m30s", 129600000 → "1d12h".
std::string format_duration(DurationMs d);

}  // namespace sundial
