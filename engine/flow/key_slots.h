// KeySlots: which instances hold a concurrency key's slots and which wait
// for one, in arrival order (docs/flow-control.md). It is the one rule of
// admission, kept apart from storage so a property test can drive it
// through random schedules:
//
//   - a new arrival runs at once when nobody waits for the key and the
//     holders are fewer than its own limit and than every holder's limit;
//     otherwise it waits at the tail;
//   - when a holder lets go, the head of the queue takes a slot under the
//     same rule, and so on;
//   - a debounced start (concurrency.debounce) is neither: the key's one
//     debouncing run gathers the starts of a burst until the key has been
//     quiet, and only then arrives (runs or waits) under the rules above.
//
// So no instance ever runs beside more holders than its own limit allows
// (starts of one key normally share one limit; mixed limits get the
// strictest), and waiters run in the order they arrived. The Runtime keeps
// one KeySlots in step with the stored records (the `C` index rows) and
// rebuilds it from those rows at recovery (restore()).
//
// Threading: not synchronized; the engine's loop thread owns its copy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/model/concurrency.h"

namespace sundial {

class KeySlots {
 public:
  // Whether an arrival with `limit` may run now.
  bool can_run_now(std::string_view key, uint32_t limit) const;
  SlotState state(std::string_view key, std::string_view id) const;
  // Takes a slot (the arrival ran at once, or a retry found room).
  void hold(const std::string& key, const std::string& id, uint32_t limit);
  // Waits at the tail (seq from next_seq()).
  void enqueue(const std::string& key, const std::string& id, uint64_t seq, uint32_t limit);
  // Becomes the key's debouncing run (it holds no slot and waits in no
  // queue until its quiet period ends: then forget() it, then hold() or
  // enqueue() it).
  void debounce(const std::string& key, const std::string& id);
  // The key's debouncing run, which a debounced start folds into.
  std::optional<std::string> debouncing(std::string_view key) const;
  // Drops `id` from the key (it finished, or was cancelled while waiting)
  // and returns the waiters that took the freed slots, now holding.
  std::vector<std::string> forget(const std::string& key, const std::string& id);
  // A larger seq than any seen: the next arrival's place.
  uint64_t next_seq() { return ++last_seq_; }

  // Whether `id` is the key's next waiter.
  bool is_head(std::string_view key, std::string_view id) const;
  // 1-based place among the key's waiters; 0 when `id` does not wait.
  size_t position(std::string_view key, std::string_view id) const;
  size_t waiters(std::string_view key) const;
  // The newest waiter (the follow-up a coalescing start folds into).
  std::optional<std::string> last_waiter(std::string_view key) const;
  // Some instance that holds the key (named by a dropped start's answer).
  std::optional<std::string> any_holder(std::string_view key) const;

  // Replaces everything with stored rows and returns the waiters that may
  // run now (after a crash between a holder's end and its successor's
  // admission), already holding.
  std::vector<std::string> restore(const std::vector<SlotEntry>& entries);
  void clear();

  size_t key_count() const { return keys_.size(); }
  size_t holder_count() const;
  size_t waiter_count() const;

 private:
  struct Waiter {
    std::string id;
    uint32_t limit = 1;
  };
  struct Key {
    std::unordered_map<std::string, uint32_t> holders;  // id -> its limit
    std::multiset<uint32_t> holder_limits;
    bool has_room(uint32_t limit) const {
      return holders.size() < limit && (holder_limits.empty() || holders.size() < *holder_limits.begin());
    }
    std::map<uint64_t, Waiter> queue;  // by seq
    std::unordered_map<std::string, uint64_t> seq_of;
    std::string debouncing;  // empty when no debounced run gathers starts
    bool empty() const { return holders.empty() && queue.empty() && debouncing.empty(); }
  };
  // Moves heads into free slots; appends their ids to `admitted`.
  static void admit(Key& k, std::vector<std::string>& admitted);
  const Key* find(std::string_view key) const;

  std::unordered_map<std::string, Key> keys_;
  uint64_t last_seq_ = 0;
};

}  // namespace sundial
