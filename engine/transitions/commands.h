// The engine's commands as values, and their pure decisions: start,
// signal, pause, resume, cancel, retry, skip (one file per command, each a
// check and a decide in the shape decision.h describes). Running them
// against the engine is engine/runtime/command_executor.h.
//
// Threading: plain values and pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/model/concurrency.h"
#include "engine/model/id_reuse.h"
#include "engine/model/search_attributes.h"
#include "engine/model/instance.h"
#include "engine/transitions/decision.h"

namespace sundial {

template <typename T>
using Reply = std::move_only_function<void(Result<T>)>;

struct StartRequest {
  std::string type;
  std::optional<std::string> id;  // generated when absent
  nlohmann::json input = nlohmann::json::object();
  std::optional<std::string> idempotency_key;
  // Runs at most `limit` instances with the key at once (engine/flow/).
  std::optional<ConcurrencySpec> concurrency = std::nullopt;
  IdReuse id_reuse = IdReuse::kReject;
  // Set when a workflow starts it (Context::start_child).
  struct Parent {
    std::string id;
    uint32_t run = 1;
    bool detached = false;
  };
  std::optional<Parent> parent = std::nullopt;
  // This instance's send window, already checked (parse_send_window's
  // to_json form); null: the type's, if any.
  nlohmann::json send_window = nullptr;
  // Set by the engine's start from the type's declaration and the prepared
  // input (what a caller sets is replaced).
  std::vector<SearchAttribute> search_attributes = {};
};

struct StartReply {
  std::string instance_id;
  bool created = false;  // false: the id or idempotency key named an existing instance
  InstanceStatus status = InstanceStatus::kRunning;
  uint32_t run = 1;        // the run of `instance_id` the answer names
  bool coalesced = false;  // folded into the queued follow-up `instance_id`
  bool dropped = false;    // the key was busy and on_busy "drop": `instance_id` holds it
};

// The answer to every steering command: the instance's status afterwards.
struct CommandReply {
  std::string instance_id;
  InstanceStatus status = InstanceStatus::kRunning;
};

enum class ResumePolicy { kShift, kFire };
std::optional<ResumePolicy> parse_resume_policy(std::string_view name);
std::string_view resume_policy_name(ResumePolicy policy);

struct PauseCommand {};
struct ResumeCommand {
  ResumePolicy policy = ResumePolicy::kShift;
};
struct CancelCommand {
  std::string reason;  // empty: "cancelled by request"
};
// A retry, like a resume, moves the rest of the workflow's schedule by the
// time the instance spent failed (`shift`, the default) or keeps due times
// so what came due meanwhile runs at once (`fire`).
struct RetryCommand {
  ResumePolicy policy = ResumePolicy::kShift;
};
// Skip the step that failed the instance: it counts as completed with
// `result`, and the workflow goes on from there (a retry with `policy`).
struct SkipCommand {
  nlohmann::json result;  // what the step returns to the workflow; null by default
  std::string reason;     // free text for the history; may be empty
  ResumePolicy policy = ResumePolicy::kShift;
};
struct SignalCommand {
  std::string name;
  nlohmann::json payload;
  std::optional<std::string> idempotency_key;  // as the caller gave it
  DurationMs idempotency_window = 0;
};

Result<Decision> decide(const InstanceView& view, const PauseCommand& cmd, TimeMs now);
Result<Decision> decide(const InstanceView& view, const ResumeCommand& cmd, TimeMs now);
Result<Decision> decide(const InstanceView& view, const CancelCommand& cmd, TimeMs now);
Result<Decision> decide(const InstanceView& view, const RetryCommand& cmd, TimeMs now);
// A steering command sent by a bulk run (POST /api/v1/instances:<verb>):
// it applies only while the instance is still as the run read it — same
// status, same run of its id — so an instance that moved on since it
// matched the filter (resumed by someone else, finished and started again)
// is refused with conflict instead of being steered.
using SteerCommand = std::variant<PauseCommand, ResumeCommand, CancelCommand, RetryCommand>;
struct AsRead {
  InstanceStatus status = InstanceStatus::kRunning;
  uint32_t run = 1;
};
Result<Decision> decide(const InstanceView& view, const SteerCommand& cmd, const AsRead& as_read, TimeMs now);

// What a retry does once the instance is known to be failed (status
// running, a kRetried entry carrying the policy's shift, then rebuild, or
// queued for a slot); skip does it too after its own entry.
void reopen_failed(const InstanceView& view, Decision& d, ResumePolicy policy);
// invalid_argument for a result that cannot be stored; conflict unless the
// instance failed in a step (an instance whose own code failed has no step
// to skip: retry it).
Result<void> check(const SkipCommand& cmd);
Result<Decision> decide(const InstanceView& view, const SkipCommand& cmd, TimeMs now);

// A signal's name, idempotency key and payload, checked before the
// instance is loaded: invalid_argument for the first that is unusable.
Result<void> check(const SignalCommand& cmd);
// The key under which a signal's idempotency key is stored: signal keys
// live beside start keys, scoped to their instance.
std::string scoped_signal_key(const std::string& instance_id, const std::string& key);
Result<Decision> decide(const InstanceView& view, const SignalCommand& cmd, TimeMs now);

// A start once its workflow type has accepted the input and the id is
// known to be free: the instance to create.
struct NewInstance {
  std::string id;
  nlohmann::json input;  // as the workflow type prepared it
  std::string version;   // the type's current version (WorkflowType::version)
  uint32_t run = 1;      // > 1: a new run of a finished id (IdReuse)
  // Its concurrency key is full: it waits (status queued) at this place.
  std::optional<QueuePlace> queue = std::nullopt;
};

// A later start folded into a queued instance (on_busy "coalesce"), or
// into the key's debouncing run (concurrency.debounce).
struct CoalesceCommand {
  nlohmann::json input;      // the later start's prepared input
  std::string requested_id;  // the id it asked for, if any
  std::string type;          // the later start's workflow type
  CoalesceMerge merge = CoalesceMerge::kLatest;
  // The target's journal holds only its start and queue entries: its code
  // never ran (a retried instance waiting again has run).
  bool target_never_ran = false;
  // A debounced start: the target must be debouncing, and its quiet
  // period starts again from now (up to its max_wait).
  bool debounced = false;
  std::optional<RememberKey> remember = std::nullopt;
};
// conflict unless the instance is a queued follow-up that never ran (for a
// debounced start: a debouncing run), of the same type, started to fold
// starts with the same merge; or when its list of inputs is full or would
// not fit in a record; else the new input (the latest, or appended to the
// list) with a kCoalesced entry and event (kDebounced, and the run's timer
// moved, for a debounced start).
Result<Decision> decide(const InstanceView& view, const CoalesceCommand& cmd, TimeMs now);
// The id and idempotency key of a start, checked before anything else.
Result<void> check(const StartRequest& req);
// The new instance: its record, its kStarted entry (encoded: input that
// cannot be stored is invalid_argument) and its started event; then
// kAdvance; or, with a debounce, status queued with its timer and a
// kDebounced entry; or, with NewInstance::queue, status queued and a
// kQueued entry; and nothing run. With merge "list" the input is a list of one. The view of a start is the
// instance it creates, taken by value (its input moves into the record).
Result<Decision> decide(NewInstance view, const StartRequest& req, DurationMs idempotency_window, TimeMs now);

}  // namespace sundial
