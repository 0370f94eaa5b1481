#include "engine/runtime/command_executor.h"

#include "engine/runtime/live_ops.h"

namespace sundial {
namespace {

template <typename T>
void answer_later(Runtime& rt, Reply<T> reply, Error error) {
  rt.defer([reply = std::move(reply), error = std::move(error)]() mutable {
    reply(std::unexpected(std::move(error)));
  });
}

// Answers `error` in a later loop turn and releases the instance.
void reject(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply, Error error) {
  rt.release(inst);
  answer_later(rt, std::move(reply), std::move(error));
}

// Adds the reply to `tx`: the instance's status once `tx` is durable.
void reply_when_durable(Transition& tx, const LiveInstance& inst, Reply<CommandReply> reply) {
  tx.on_done.push_back([reply = std::move(reply), id = inst.record.id,
                        status = inst.record.status](const Result<void>& r) mutable {
    if (!r) return reply(std::unexpected(r.error()));
    reply(CommandReply{id, status});
  });
}

// Answers a repeated command with the instance's status once everything
// before it (the first delivery, maybe still in the commit queue) is durable.
void answer_repeat(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply) {
  Transition barrier(rt.now());
  reply_when_durable(barrier, inst, std::move(reply));
  rt.release(inst);
  rt.commit_detached(std::move(barrier));
}

// A signal that arrived while the instance was paused and that the
// workflow, replayed to where it waits, waits for: delivered now.
void take_late_signal(Runtime& rt, LiveInstance& inst, Transition& tx) {
  InstanceRecord& r = inst.record;
  if (r.await_kind != AwaitKind::kSignal) return;
  auto seq = inst.ctx->late_signal_for(r.wait_signals);
  if (!seq) return;
  JournalEntry delivered;
  delivered.kind = EntryKind::kSignalDelivered;
  delivered.ref_seq = *seq;
  append_entry(inst, tx, delivered);
  end_signal_wait(r, tx);
  rt.advance(inst, tx);
}

// The decision's key and follow-up, once its record and entries are in memory.
Transition drive(Runtime& rt, IdempotencyKeys& keys, LiveInstance& inst, Decision&& d) {
  Transition tx = std::move(d.tx);
  if (d.remember) keys.record(tx, *d.remember);
  switch (d.then) {
    case Then::kNothing:
      break;
    case Then::kAdvance:
      rt.advance(inst, tx);
      break;
    case Then::kRebuildAndAdvance:
      rt.rebuild(inst);
      rt.advance(inst, tx);
      break;
    case Then::kAdvanceAndTakeLate:
      rt.advance(inst, tx);
      take_late_signal(rt, inst, tx);
      break;
    case Then::kDropWorkflow:
      inst.root = Workflow<void>();
      break;
  }
  return tx;
}

}  // namespace

Transition apply(Runtime& rt, IdempotencyKeys& keys, LiveInstance& inst, Decision&& d) {
  inst.record = std::move(d.record);
  for (const JournalEntry& entry : d.entries) inst.ctx->append(entry);
  return drive(rt, keys, inst, std::move(d));
}

Applied apply_new(Runtime& rt, IdempotencyKeys& keys, Decision&& d, LiveInstance* previous) {
  LiveInstance& inst = previous ? rt.renew(*previous, std::move(d.record), std::move(d.entries), d.tx)
                                : rt.create(std::move(d.record), std::move(d.entries));
  return Applied{inst, drive(rt, keys, inst, std::move(d))};
}

void execute(Runtime& rt, IdempotencyKeys& keys, const std::string& id, std::optional<std::string> stored_key,
             DecideFn decide, Reply<CommandReply> reply) {
  if (!rt.accepting()) return answer_later(rt, std::move(reply), rt.not_accepting_error());
  rt.with_instance(id, [&rt, &keys, stored_key = std::move(stored_key), decide = std::move(decide),
                        reply = std::move(reply)](Result<LiveInstance*> loaded) mutable {
    if (!loaded) return answer_later(rt, std::move(reply), loaded.error());
    LiveInstance& inst = **loaded;
    InstanceView view{inst.record};
    const InstanceRecord& r = inst.record;
    if (r.status == InstanceStatus::kFailed && r.concurrency &&
        !rt.slots().can_run_now(r.concurrency->key, r.concurrency->limit)) {
      view.queue = QueuePlace{rt.slots().next_seq(), rt.slots().waiters(r.concurrency->key) + 1};
    }
    if (stored_key) {
      auto known = keys.lookup(*stored_key, rt.now());
      if (!known) return reject(rt, inst, std::move(reply), known.error());
      view.repeated = known->has_value();
    }
    auto decision = decide(view, rt.now());
    if (!decision) return reject(rt, inst, std::move(reply), decision.error());
    if (decision->kind == Decision::Kind::kRepeat) return answer_repeat(rt, inst, std::move(reply));
    Transition tx = apply(rt, keys, inst, std::move(*decision));
    reply_when_durable(tx, inst, std::move(reply));
    rt.commit(inst, std::move(tx));
  });
}

// ---- The steering commands ---------------------------------------------------

namespace {

// Runs `cmd` (a value with a decide() overload) on instance `id`.
template <typename Command>
void run(Runtime& rt, IdempotencyKeys& keys, const std::string& id, Command cmd, Reply<CommandReply> reply,
         std::optional<std::string> stored_key = std::nullopt) {
  execute(
      rt, keys, id, std::move(stored_key),
      [cmd = std::move(cmd)](const InstanceView& view, TimeMs now) { return decide(view, cmd, now); },
      std::move(reply));
}

}  // namespace

void signal_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, const std::string& id,
                     const std::string& name, nlohmann::json payload,
                     std::optional<std::string> idempotency_key, Reply<CommandReply> reply) {
  SignalCommand cmd{name, std::move(payload), std::move(idempotency_key), idempotency_window};
  if (auto valid = check(cmd); !valid) return answer_later(rt, std::move(reply), valid.error());
  std::optional<std::string> stored_key;
  if (cmd.idempotency_key) stored_key = scoped_signal_key(id, *cmd.idempotency_key);
  run(rt, keys, id, std::move(cmd), std::move(reply), std::move(stored_key));
}

void pause_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, Reply<CommandReply> reply) {
  run(rt, keys, id, PauseCommand{}, std::move(reply));
}

void resume_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, ResumePolicy policy,
                     Reply<CommandReply> reply) {
  run(rt, keys, id, ResumeCommand{policy}, std::move(reply));
}

void cancel_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, std::string reason,
                     Reply<CommandReply> reply) {
  run(rt, keys, id, CancelCommand{std::move(reason)}, std::move(reply));
}

void retry_instance(Runtime& rt, IdempotencyKeys& keys, const std::string& id, ResumePolicy policy,
                    Reply<CommandReply> reply) {
  run(rt, keys, id, RetryCommand{policy}, std::move(reply));
}

void steer_as_read(Runtime& rt, IdempotencyKeys& keys, const std::string& id, SteerCommand cmd, AsRead as_read,
                   Reply<CommandReply> reply) {
  execute(
      rt, keys, id, std::nullopt,
      [cmd = std::move(cmd), as_read](const InstanceView& view, TimeMs now) {
        return decide(view, cmd, as_read, now);
      },
      std::move(reply));
}

void skip_step(Runtime& rt, IdempotencyKeys& keys, const std::string& id, SkipCommand cmd,
               Reply<CommandReply> reply) {
  if (auto valid = check(cmd); !valid) return answer_later(rt, std::move(reply), valid.error());
  run(rt, keys, id, std::move(cmd), std::move(reply));
}

}  // namespace sundial
