// IdempotencyKeys: caller-chosen keys that make a start safe to repeat. The
// first start with a key records key → instance id for the idempotency
// window; a repeat within the window answers with that instance instead of
// starting another. Keys of starts not yet durable are held in memory so a
// repeat in the same loop turn finds them too. Expired keys count as absent
// and are deleted by the retention sweep (index key X, expiry, key).
//
// Threading: loop thread only. Ownership: owned by Engine; borrows Store.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "engine/base/change_watch.h"
#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/storage/store.h"
#include "engine/transitions/decision.h"
#include "engine/transitions/idempotency_key.h"
#include "engine/transitions/transition.h"

namespace sundial {

class IdempotencyKeys {
 public:
  explicit IdempotencyKeys(Store& store) : store_(store) {}

  // The instance a live key names, if any. Answered from memory (pending
  // keys, memtables, cached blocks, bloom filters) except in the rare case
  // that needs a disk read, which then runs here, on the loop.
  Result<std::optional<std::string>> lookup(const std::string& key, TimeMs now);
  // Records `key` → `instance_id` in `tx`, valid until `expires`.
  // REQUIRES: validate_idempotency_key(key) passed.
  void record(Transition& tx, const std::string& key, const std::string& instance_id, TimeMs expires);
  // The same for a key a Decision asks to remember.
  void record(Transition& tx, const RememberKey& key) { record(tx, key.key, key.instance_id, key.expires); }
  // The retention sweep's watch (engine/base/change_watch.h): from
  // watch_changes() (before its snapshot) to end_watch(), the keys
  // recorded, counting those whose starts were not yet durable at the start.
  void watch_changes();
  std::optional<ChangeWatch::Changed> end_watch() { return changes_.finish(); }

 private:
  Store& store_;
  std::unordered_map<std::string, std::string> pending_;  // keys of starts not yet durable
  ChangeWatch changes_;
};

}  // namespace sundial
