// The seed of a randomized test: SUNDIAL_TEST_SEED replays a failing run
// (the seed is in the failure trace), otherwise a fresh one.
#pragma once

#include <cstdlib>
#include <random>
#include <string>

namespace sundial::testing {

inline unsigned test_seed() {
  if (const char* fixed = std::getenv("SUNDIAL_TEST_SEED"))
    return static_cast<unsigned>(std::strtoul(fixed, nullptr, 10));
  return std::random_device{}();
}

inline std::string seed_trace(unsigned seed) {
  return "seed " + std::to_string(seed) + " (rerun with SUNDIAL_TEST_SEED=" + std::to_string(seed) + ")";
}

}  // namespace sundial::testing
