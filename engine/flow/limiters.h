// Limiters: the shared, named rate limits of docs/flow-control.md
// ("Rate limiters"). Each is declared once (`[limits.NAME] rate, burst` in
// sundiald.toml, or PUT /api/v1/limits/NAME at run time: set() and remove(),
// made durable by LimiterCatalog) and shared by every step that names it, optionally with a
// sub-key ("notion:<workspace>"): one token bucket per (name, sub-key),
// created on first use, so a limiter can budget each tenant of an API
// separately. A provider answering 429 or 503 with Retry-After holds that
// bucket for as long as it asked (hold()).
//
// A limiter changed at run time keeps its buckets (their tokens, capped at
// the new burst, and their waiters in order); one deleted lets its waiters
// through at once, and a later reference to it is unknown.
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
#include <optional>
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

// Where a limiter was declared: sundiald.toml (read-only to the API) or
// the API.
enum class LimiterSource { kConfig, kApi };
// "config" or "api".
std::string_view limiter_source_name(LimiterSource source);

// A limiter as metrics and the API show it.
struct LimiterView {
  std::string name;
  LimiterSpec spec;
  LimiterSource source = LimiterSource::kConfig;
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

  // `specs` are the limiters of sundiald.toml (LimiterSource::kConfig).
  Limiters(Loop& loop, Clock& clock, std::map<std::string, LimiterSpec> specs,
           size_t max_sub_keys = kDefaultMaxSubKeys);

  // Adds limiter `name` (a valid name and spec, checked by the caller) or
  // changes its spec and source: its buckets take the new rate and burst
  // from now on. True when it is new.
  bool set(const std::string& name, LimiterSpec spec, LimiterSource source);
  // Deletes limiter `name`: the calls waiting on it run now, in order.
  // False when there is none.
  bool remove(std::string_view name);
  std::optional<LimiterView> view(std::string_view name) const;
  // How many limiters come from `source`.
  size_t count(LimiterSource source) const;

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
    LimiterSource source = LimiterSource::kConfig;
    std::map<std::string, std::unique_ptr<RateGate>, std::less<>> gates;  // by sub-key ("" for none)
    uint64_t holds = 0;
  };
  struct Parsed {
    std::string_view name;
    std::string_view sub_key;
  };
  Result<Parsed> parse(std::string_view reference) const;
  Result<RateGate*> gate(const Parsed& ref);
  static LimiterView view_of(const std::string& name, const Limiter& l);

  Loop& loop_;
  Clock& clock_;
  size_t max_sub_keys_;
  std::map<std::string, Limiter, std::less<>> limiters_;
};

// `declared` ([limits.*]) plus limiter `name` at `spec`, unless declared
// already: how a connector's own limiter (`resend`, `notion`) gets its
// default rate while [limits.<name>] may still set it.
std::map<std::string, LimiterSpec> with_default_limiter(std::map<std::string, LimiterSpec> declared,
                                                        const std::string& name, LimiterSpec spec);

// Whether `name` may name a limiter: 1-64 of A-Z a-z 0-9 . _ -
Result<void> validate_limiter_name(std::string_view name);
// Whether `reference` is well formed ("name" or "name:sub-key"), whether
// or not the limiter exists now: what a workflow step checks when it is
// declared (a replayed step must not fail because its limiter was deleted
// since; the step that runs finds out, Limiters::acquire/gate_for).
Result<void> validate_limiter_reference(std::string_view reference);

// The bounds of a limiter set through the API (and of a stored one).
inline constexpr double kMaxLimiterRate = 1'000'000;   // per second
inline constexpr double kMaxLimiterBurst = 1'000'000;  // tokens
// Whether `spec` is within them: 0 < rate <= 1e6, 1 <= burst <= 1e6.
Result<void> validate_limiter_spec(const LimiterSpec& spec);

}  // namespace sundial
