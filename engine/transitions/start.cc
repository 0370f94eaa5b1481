// start: create an instance of a registered workflow type and run its code
// up to its first durable wait, all in one transition. The executor
// (engine/runtime/start_executor.cc) resolves the type, the id and the
// idempotency key; this decides the new instance.
#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "engine/transitions/commands.h"
#include "engine/transitions/idempotency_key.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<void> check(const StartRequest& req) {
  if (req.id) SUNDIAL_TRY(keys::validate_instance_id(*req.id));
  if (req.concurrency) {
    auto spec = parse_concurrency(to_json(*req.concurrency));  // the same bounds as over the API
    if (!spec) return std::unexpected(spec.error());
  }
  if (req.idempotency_key) SUNDIAL_TRY(validate_idempotency_key(*req.idempotency_key));
  return ok();
}

Result<Decision> decide(NewInstance view, const StartRequest& req, DurationMs idempotency_window,
                        TimeMs now) {
  Decision d(now);
  InstanceRecord& r = d.record;
  r.id = std::move(view.id);
  r.type = req.type;
  r.version = view.version;
  r.run = view.run;
  r.input = std::move(view.input);
  r.created_at = now;
  r.status = InstanceStatus::kRunning;
  if (req.idempotency_key) r.idempotency_key = *req.idempotency_key;
  r.concurrency = req.concurrency;
  r.send_window = req.send_window;
  r.search_attributes = req.search_attributes;
  if (req.parent) {
    r.parent_id = req.parent->id;
    r.parent_run = req.parent->run;
    r.detached = req.parent->detached;
  }
  if (r.concurrency && r.concurrency->folds_starts() && r.concurrency->merge == CoalesceMerge::kList) {
    r.input = nlohmann::json::array({std::move(r.input)});
  }
  JournalEntry started;
  started.kind = EntryKind::kStarted;
  started.data = r.input;
  SUNDIAL_ASSIGN_OR_RETURN(PreparedEntry prepared, prepare_entry(r, now, std::move(started)));
  d.entries.push_back(append_prepared(r, d.tx, std::move(prepared)));
  if (req.idempotency_key) {
    d.remember = RememberKey{*req.idempotency_key, r.id, now + idempotency_window};
  }
  add_event(r, d.tx, EventType::kInstanceStarted);
  if (r.concurrency && r.concurrency->debounce_ms > 0) {
    // The first start of a burst: the run gathers the later ones until
    // the key is quiet (its timer), then arrives.
    set_status(r, now, InstanceStatus::kQueued);
    set_timer(r, d.tx, r.concurrency->debounce_due(now, now));
    JournalEntry debounced;
    debounced.kind = EntryKind::kDebounced;
    debounced.due = r.timer_due;
    d.entries.push_back(append_entry(r, d.tx, std::move(debounced)));
    add_event(r, d.tx, EventType::kDebounced, r.concurrency->key);
    d.then = Then::kNothing;
    return d;
  }
  if (view.queue) {
    d.entries.push_back(wait_for_slot(r, d.tx, *view.queue));
    d.then = Then::kNothing;
    return d;
  }
  d.then = Then::kAdvance;
  return d;
}

}  // namespace sundial
