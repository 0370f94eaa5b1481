#include "engine/schedules/schedule_action.h"

#include <cstdio>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/tasks/task_spec_json.h"

namespace sundial {
namespace {

// Errors after which the same fire may succeed later.
bool try_later(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kStorageUnavailable ||
         e.code == ErrorCode::kIoError;
}

// The concurrency a fire's start or enqueue carries for `overlap`.
std::optional<ConcurrencySpec> overlap_concurrency(const ScheduleSpec& spec) {
  if (spec.overlap != OverlapPolicy::kSkip && spec.overlap != OverlapPolicy::kQueue) return std::nullopt;
  ConcurrencySpec c;
  c.key = overlap_key(spec.id);
  c.limit = 1;
  c.on_busy = spec.overlap == OverlapPolicy::kSkip ? OnBusy::kDrop : OnBusy::kQueue;
  return c;
}

// An outcome from what the engine answered; `made` is the id it named.
void answer(Reply<FireOutcome>& reply, const Error& e) {
  if (try_later(e)) return reply(std::unexpected(e));
  reply(FireOutcome{"", "error", e.message});
}

void start_run(Engine& engine, const ScheduleSpec& spec, std::string target, Reply<FireOutcome> reply) {
  StartRequest req;
  req.type = spec.action.target;
  req.id = target;
  req.input = spec.action.body.value();
  req.concurrency = overlap_concurrency(spec);
  engine.start(
      std::move(req), [target = std::move(target), reply = std::move(reply)](Result<StartReply> r) mutable {
        if (!r) return answer(reply, r.error());
        // Dropped: an earlier run holds the key (unless it is this very run,
        // made by a fire before a restart).
        if (r->dropped && r->instance_id != target) {
          return reply(FireOutcome{"", "skipped", "overlap: '" + r->instance_id + "' is still running"});
        }
        reply(FireOutcome{target, r->status == InstanceStatus::kQueued ? "queued" : "started", ""});
      });
}

void enqueue_run(Engine& engine, const ScheduleSpec& spec, std::string target, Reply<FireOutcome> reply) {
  auto parsed = parse_task_spec(spec.action.body.value(), spec.action.target);
  if (!parsed)
    return engine.defer([reply = std::move(reply), e = parsed.error()]() mutable { answer(reply, e); });
  TaskSpec task = std::move(*parsed);
  task.id = target;
  task.concurrency = overlap_concurrency(spec);
  std::vector<TaskSpec> specs;
  specs.push_back(std::move(task));
  engine.tasks().enqueue(std::move(specs), [target = std::move(target), reply = std::move(reply)](
                                               Result<std::vector<EnqueueResult>> r) mutable {
    if (!r) return answer(reply, r.error());
    const EnqueueResult& e = r->front();
    if (e.dropped && e.task_id != target) {
      return reply(FireOutcome{"", "skipped", "overlap: task '" + e.task_id + "' has not ended"});
    }
    reply(FireOutcome{target, e.status == TaskStatus::kQueued ? "queued" : "enqueued", ""});
  });
}

void signal_run(Engine& engine, const ScheduleSpec& spec, TimeMs nominal, Reply<FireOutcome> reply) {
  std::string key = "sundial:schedule:" + fire_target_id(spec.id, nominal);
  engine.signal(
      spec.action.target, spec.action.name, spec.action.body.value(),
      [target = spec.action.target, reply = std::move(reply)](Result<CommandReply> r) mutable {
        if (!r) return answer(reply, r.error());
        reply(FireOutcome{target, "signalled", ""});
      },
      std::move(key));
}

void run(Engine& engine, const ScheduleSpec& spec, TimeMs nominal, Reply<FireOutcome> reply) {
  std::string target = fire_target_id(spec.id, nominal);
  switch (spec.action.kind) {
    case ScheduleActionKind::kStart:
      return start_run(engine, spec, std::move(target), std::move(reply));
    case ScheduleActionKind::kTask:
      return enqueue_run(engine, spec, std::move(target), std::move(reply));
    case ScheduleActionKind::kSignal:
      return signal_run(engine, spec, nominal, std::move(reply));
  }
}

}  // namespace

std::string fire_target_id(std::string_view schedule_id, TimeMs nominal) {
  std::time_t seconds = static_cast<std::time_t>(nominal / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  int ms = static_cast<int>(nominal % 1000);
  if (ms == 0) {
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
  } else {
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  }
  return std::string(schedule_id) + "@" + buf;
}

std::string overlap_key(std::string_view schedule_id) {
  return "sundial:schedule:" + std::string(schedule_id);
}

void fire_schedule_action(Engine& engine, const ScheduleSpec& spec, TimeMs nominal,
                          const std::string& previous_target, Reply<FireOutcome> reply) {
  std::string target =
      spec.action.kind == ScheduleActionKind::kSignal ? "" : fire_target_id(spec.id, nominal);
  if (spec.overlap != OverlapPolicy::kCancelPrevious || previous_target.empty() ||
      previous_target == target) {
    return run(engine, spec, nominal, std::move(reply));
  }
  // Cancel the previous run first; one that has ended (conflict) or is gone
  // (not_found) is no obstacle.
  auto then = [&engine, spec, nominal, reply = std::move(reply)](const Error* e) mutable {
    if (e != nullptr && try_later(*e)) return reply(std::unexpected(*e));
    run(engine, spec, nominal, std::move(reply));
  };
  if (spec.action.kind == ScheduleActionKind::kTask) {
    engine.tasks().cancel(previous_target, [then = std::move(then)](Result<TaskRecord> r) mutable {
      then(r ? nullptr : &r.error());
    });
  } else {
    engine.cancel(
        previous_target, "cancelled by schedule '" + spec.id + "': a newer run replaces it",
        [then = std::move(then)](Result<CommandReply> r) mutable { then(r ? nullptr : &r.error()); });
  }
}

}  // namespace sundial
