// The outbox: notices an instance's commit owes other instances — a
// child's end, to its parent (the signal "child:<id>"); a parent's
// cancel, to its attached children (each cancelled). A notice is an `N`
// index row written in the sending transition's own batch and deleted once
// delivered, so a kill -9 between the commit and the delivery only delays
// it: recovery sends what the rows still hold. Each notice carries an
// idempotency key, so a notice sent twice is delivered once.
//
// Threading: plain values and pure functions; the Runtime sends them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/instance.h"

namespace sundial {

struct Notice {
  enum class Kind : char { kSignal = 's', kCancelChildren = 'c' };
  Kind kind = Kind::kSignal;
  std::string to;          // kSignal: the instance to signal; kCancelChildren: the parent
  std::string signal;      // kSignal
  nlohmann::json payload;  // kSignal
  std::string idempotency_key;
};

std::string encode_notice(const Notice& notice);
Result<Notice> decode_notice(std::string_view bytes);

// What `r`, about to be committed (it was `was` in storage, unless new),
// owes: the notice of its end to its parent when it ends now, and the
// cancel of its children when it is cancelled now.
std::vector<Notice> owed_notices(const InstanceRecord& r, bool persisted, InstanceStatus was);
// "child:<id>" to the parent with {"instance_id", "run", "status",
// "result", "error"}; its key names the child's run and journal position,
// so a retried child that ends again sends a new notice.
Notice child_done_notice(const InstanceRecord& child);

}  // namespace sundial
