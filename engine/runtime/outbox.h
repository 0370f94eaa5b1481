// The outbox: notices an instance's commit owes another instance — a
// child's end, to its parent (the signal "child:<id>"). A notice is an `N`
// index row written in the sending transition's own batch and deleted once
// delivered, so a kill -9 between the commit and the delivery only delays
// it: recovery sends what the rows still hold. Each notice carries an
// idempotency key, so a notice sent twice is delivered once.
//
// Threading: plain values and pure functions; the Runtime sends them.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/instance.h"

namespace sundial {

struct Notice {
  std::string to;  // the instance to signal
  std::string signal;
  nlohmann::json payload;
  std::string idempotency_key;
};

std::string encode_notice(const Notice& notice);
Result<Notice> decode_notice(std::string_view bytes);

// Whether `r`, about to be committed, ends now (it was `was` in storage,
// or is new) and owes its parent the notice of its end.
bool owes_parent_notice(const InstanceRecord& r, bool persisted, InstanceStatus was);
// "child:<id>" to the parent with {"instance_id", "run", "status",
// "result", "error"}; its key names the child's run and journal position,
// so a retried child that ends again sends a new notice.
Notice child_done_notice(const InstanceRecord& child);

}  // namespace sundial
