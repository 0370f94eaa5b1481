// Concurrency keys as values: the `concurrency` object a start (and,
// later, a task enqueue) may carry (ConcurrencySpec), and where an
// instance stands under its key (SlotState). ConcurrencySpec is what it
// may carry: which key the instance shares with others, how many
// of them may run at once, and what a start does when the key is busy.
// Parsed from untrusted JSON (the start API, webhook actions, Lua), so
// every field is bounded and checked; the parse never throws.
//
//   {"key": "assignee:42", "limit": 1, "on_busy": "queue"|"coalesce"|"drop",
//    "merge": "latest"|"list"}
//
// Threading: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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
  CoalesceMerge merge = CoalesceMerge::kLatest;
};

// Where an instance stands under its key; stored as a byte in the `C`
// index: never renumber.
enum class SlotState : uint8_t { kNone = 0, kHolding = 1, kQueued = 2 };

// One instance's place under a key, as the `C` index stores it.
struct SlotEntry {
  std::string key;
  std::string id;
  SlotState state = SlotState::kHolding;
  uint64_t seq = 0;    // arrival order among the key's waiters
  uint32_t limit = 1;  // the limit its start asked for
};

inline constexpr size_t kMaxConcurrencyKeyBytes = 256;
inline constexpr uint32_t kMaxConcurrencyLimit = 10'000;

std::string_view on_busy_name(OnBusy on_busy);
std::string_view merge_name(CoalesceMerge merge);

// invalid_argument naming the field for anything out of bounds: a key that
// is empty, longer than 256 bytes, not UTF-8 or holds a control character;
// a limit outside 1..10000; an unknown on_busy or merge; an unknown field;
// merge without on_busy "coalesce".
Result<ConcurrencySpec> parse_concurrency(const nlohmann::json& value);
nlohmann::json to_json(const ConcurrencySpec& spec);

}  // namespace sundial
