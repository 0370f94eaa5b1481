// wait_for: polls a condition every 20 ms until it holds or `timeout_ms`
// passes, for end-to-end tests that watch a real server change state (no
// fixed sleeps). Returns the condition's last answer.
//
// Threading: the calling test thread. Ownership: none.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sundial::testing {

inline bool wait_for(const std::function<bool()>& done, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace sundial::testing
