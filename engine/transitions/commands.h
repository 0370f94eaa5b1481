// The engine's commands: start, signal, pause, resume, cancel, retry. Each
// loads the instance, checks the command is allowed in its status, applies
// it to a Transition (one file per command), and commits; the reply runs
// on the loop after the commit is durable, or with the error. Replies never
// run inside the call, not even for rejected commands.
//
// Threading: loop thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/model/instance.h"

namespace sundial {

class Runtime;
class IdempotencyKeys;

template <typename T>
using Reply = std::move_only_function<void(Result<T>)>;

struct StartRequest {
  std::string type;
  std::optional<std::string> id;  // generated when absent
  nlohmann::json input = nlohmann::json::object();
  std::optional<std::string> idempotency_key;
};

struct StartReply {
  std::string instance_id;
  bool created = false;  // false: the id or idempotency key named an existing instance
  InstanceStatus status = InstanceStatus::kRunning;
};

// The answer to every steering command: the instance's status afterwards.
struct CommandReply {
  std::string instance_id;
  InstanceStatus status = InstanceStatus::kRunning;
};

enum class ResumePolicy { kShift, kFire };
std::optional<ResumePolicy> parse_resume_policy(std::string_view name);
std::string_view resume_policy_name(ResumePolicy policy);

void start_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window,
                    StartRequest req, Reply<StartReply> reply);
// With an idempotency key, a repeat within the window (per instance) is
// answered with the instance's status and journals nothing (webhook
// redeliveries).
void signal_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window,
                     const std::string& id, const std::string& name, nlohmann::json payload,
                     std::optional<std::string> idempotency_key, Reply<CommandReply> reply);
void pause_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply);
void resume_instance(Runtime& rt, const std::string& id, ResumePolicy policy,
                     Reply<CommandReply> reply);
void cancel_instance(Runtime& rt, const std::string& id, std::string reason,
                     Reply<CommandReply> reply);
void retry_instance(Runtime& rt, const std::string& id, Reply<CommandReply> reply);

}  // namespace sundial
