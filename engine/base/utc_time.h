// Instants as ISO-8601 UTC text with milliseconds, "2026-01-01T00:00:00.000Z":
// how the API (the audit log) and sundialctl print an absolute time.
//
// Threading: pure functions.
#pragma once

#include <string>

#include "engine/base/clock.h"

namespace sundial {

// "2026-01-01T00:00:00.000Z"
std::string format_utc(TimeMs t);

}  // namespace sundial
