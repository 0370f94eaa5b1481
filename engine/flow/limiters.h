// Limiters: the shared, named rate limits of docs/flow-control.md
// ("Rate limiters"). Each is declared once (`[limits.NAME] rate, burst` in
// sundiald.toml) and shared by every step that names it, optionally with a
// sub-key ("notion:<workspace>"): one token bucket per (name, sub-key),
// created on first use, so a limiter can budget each tenant of an API
// separately. A provider answering 429 or 503 with Retry-After holds that
// bucket for as long as it asked (hold()).
//
// Calls that must wait queue in order behind their bucket (RateGate) and
// are let through by a timer; nothing blocks. Memory is bounded: a
// limiter keeps at most max_sub_keys buckets, forgetting idle ones (full,
// nobody waiting) when it reaches the cap, and refusing a new sub-key
// when every bucket is busy.
//
// Threading: loop thread only. Ownership: owns its RateGates; borrows the
// Loop and the Clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "engine/flow/rate_gate.h"

namespace sundial {

struct LimiterSpec {
  double rate_per_second = 1.0;  // > 0
  double burst = 1.0;            // >= 1
};

// A limiter as metrics and the API show it.
struct LimiterView {
  std::string name;
  LimiterSpec spec;
  size_t sub_keys = 0;  // buckets in memory
  size_t waiting = 0;   // calls queued behind them
  uint64_t holds = 0;   // provider-asked pauses so far
  // The fewest tokens any of its buckets has now (burst when it has none):
  // 0 means some caller of it waits or will.
  double tokens = 0;
};

class Limiters {
 public:
  static constexpr size_t kDefaultMaxSubKeys = 10'000;

  Limiters(Loop& loop, Clock& clock, std::map<std::string, LimiterSpec> specs,
           size_t max_sub_keys = kDefaultMaxSubKeys);

  // Checks a step's "name" or "name:sub-key" (the name must be declared;
  // the sub-key 1-200 printable ASCII characters).
  Result<void> validate(std::string_view reference) const;
  // Runs `go` once the bucket of `reference` lets it through (maybe at
  // once). An error (unknown name, too many busy sub-keys) runs nothing.
  Result<void> acquire(std::string_view reference, std::move_only_function<void()> go);
  // The bucket of `reference` (made on first use), to acquire() from
  // later; the same errors. The pointer is valid until the next call.
  Result<RateGate*> gate_for(std::string_view reference);
  // The provider asked to wait `delay` (Retry-After): nothing passes that
  // bucket until then.
  void hold(std::string_view reference, DurationMs delay);

  std::vector<LimiterView> views() const;

 private:
  struct Limiter {
    LimiterSpec spec;
    std::map<std::string, std::unique_ptr<RateGate>, std::less<>> gates;  // by sub-key ("" for none)
    uint64_t holds = 0;
  };
  struct Parsed {
    std::string_view name;
    std::string_view sub_key;
  };
  Result<Parsed> parse(std::string_view reference) const;
  Result<RateGate*> gate(const Parsed& ref);

  Loop& loop_;
  Clock& clock_;
  size_t max_sub_keys_;
  std::map<std::string, Limiter, std::less<>> limiters_;
};

// Whether `name` may name a limiter: 1-64 of A-Z a-z 0-9 . _ -
Result<void> validate_limiter_name(std::string_view name);

}  // namespace sundial
