// Concurrency keys as values: the `concurrency` object a start or a task
// enqueue may carry (ConcurrencySpec), and where an
// instance stands under its key (SlotState). ConcurrencySpec is what it
// may carry: which key the instance shares with others, how many
// of them may run at once, and what a start does when the key is busy.
// Parsed from untrusted JSON (the start API, webhook actions, Lua), so
// every field is bounded and checked; the parse never throws.
//
//   {"key": "assignee:42", "limit": 1, "on_busy": "queue"|"coalesce"|"drop",
//    "merge": "latest"|"list", "debounce": "5s", "max_wait": "1m"}
//
// Threading: plain values and pure functions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

// What a start does when its key already runs `limit` instances.
enum class OnBusy : uint8_t {
  kQueue,     // wait in arrival order (status `queued`)
  kCoalesce,  // fold into the one queued follow-up run, or become it
  kDrop,      // start nothing; the answer names a running instance
};
// The input of a follow-up that several starts were coalesced into.
enum class CoalesceMerge : uint8_t {
  kLatest,  // the input of the last start
  kList,    // every start's input, in arrival order, as one array
};

struct ConcurrencySpec {
  std::string key;
  uint32_t limit = 1;
  OnBusy on_busy = OnBusy::kQueue;
  // With on_busy coalesce or a debounce: how the folded inputs combine.
  CoalesceMerge merge = CoalesceMerge::kLatest;
  // Debounce (0 = none): the starts of a burst fold into one run that
  // arrives only once the key has had no start for this long, and no later
  // than max_wait (0 = no cap) after the burst's first start.
  DurationMs debounce_ms = 0;
  DurationMs max_wait_ms = 0;
  // Whether later starts may fold into a run of this key.
  bool folds_starts() const { return on_busy == OnBusy::kCoalesce || debounce_ms > 0; }
  // When a debounced run started at `first_start` arrives, if the last
  // start of its burst came at `last_start`.
  TimeMs debounce_due(TimeMs first_start, TimeMs last_start) const {
    TimeMs due = last_start + debounce_ms;
    return max_wait_ms > 0 ? std::min(due, first_start + max_wait_ms) : due;
  }
};

// Where an instance stands under its key; stored as a byte in the `C`
// index: never renumber.
enum class SlotState : uint8_t { kNone = 0, kHolding = 1, kQueued = 2, kDebouncing = 3 };

// One instance's place under a key, as the `C` index stores it.
struct SlotEntry {
  std::string key;
  std::string id;
  SlotState state = SlotState::kHolding;
  uint64_t seq = 0;    // arrival order among the key's waiters
  uint32_t limit = 1;  // the limit its start asked for
};

inline constexpr size_t kMaxConcurrencyKeyBytes = 256;
// Most inputs a "list" follow-up collects; a start past it queues a new one.
inline constexpr size_t kMaxCoalescedInputs = 1000;
// ... and most bytes its list of inputs may take as JSON (each fold
// rewrites the record).
inline constexpr size_t kMaxCoalescedInputBytes = 256 * 1024;
inline constexpr uint32_t kMaxConcurrencyLimit = 10'000;
inline constexpr DurationMs kMaxDebounceMs = 7 * kDayMs;
inline constexpr DurationMs kMaxDebounceWaitMs = 30 * kDayMs;

std::string_view on_busy_name(OnBusy on_busy);
std::string_view merge_name(CoalesceMerge merge);

// invalid_argument naming the field for anything out of bounds: a key that
// is empty, longer than 256 bytes, not UTF-8 or holds a control character;
// a limit outside 1..10000; an unknown on_busy or merge; an unknown field;
// merge without on_busy "coalesce" or a debounce; a debounce that is not a
// duration from 1ms to 7d, or comes with on_busy other than "queue"; a
// max_wait without a debounce, shorter than it or over 30d.
Result<ConcurrencySpec> parse_concurrency(const nlohmann::json& value);
nlohmann::json to_json(const ConcurrencySpec& spec);

// Folds a later start's (or task enqueue's) `input` into the input of the
// follow-up it coalesces into: replaces it (merge latest) or appends to
// the list (merge list). conflict, with `into` unchanged, when the list is
// not a list, holds kMaxCoalescedInputs already or would pass
// kMaxCoalescedInputBytes: the caller queues a follow-up of its own.
Result<void> fold_input(nlohmann::json& into, const nlohmann::json& input, CoalesceMerge merge);

}  // namespace sundial
