// How sundialctl shows times: relative to now ("in 2d 3h", "5m ago",
// "now") with the two largest units, and absolute UTC in ISO 8601.
//
// Threading: pure functions.
#pragma once

#include <string>

#include "engine/base/clock.h"

namespace sundial {

std::string format_relative(TimeMs t, TimeMs now);
// "2026-01-01T00:00:00.000Z"
std::string format_utc(TimeMs t);

}  // namespace sundial
