// floor_div: integer division rounded toward negative infinity (C++'s `/`
// rounds toward zero), for counting days, minutes or periods from an
// epoch when the instant may precede it: floor_div(-1, 86400) is -1.
//
// Threading: a pure function.
#pragma once

#include <cstdint>

namespace sundial {

// REQUIRES: b != 0.
constexpr int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace sundial
