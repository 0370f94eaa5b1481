// How sundialctl shows times: relative to now ("in 2d 3h", "5m ago",
// "now") with the two largest units, and absolute UTC in ISO 8601
// (format_utc, shared with the server: engine/base/utc_time.h).
//
// Threading: pure functions.
#pragma once

#include <string>

#include "engine/base/clock.h"
#include "engine/base/utc_time.h"

namespace sundial {

std::string format_relative(TimeMs t, TimeMs now);

}  // namespace sundial
