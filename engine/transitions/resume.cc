// resume: release a paused instance. Policy `shift` (the default) moves the
// pending timer, and every later sleep_until of the workflow, by the time
// spent paused, so a schedule keeps its spacing; `fire` keeps due times, so
// what came due while paused fires at once. A signal that arrived while
// paused and that the workflow waits for is delivered now.
#include "engine/transitions/command_support.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

std::optional<ResumePolicy> parse_resume_policy(std::string_view name) {
  if (name == "shift") return ResumePolicy::kShift;
  if (name == "fire") return ResumePolicy::kFire;
  return std::nullopt;
}

std::string_view resume_policy_name(ResumePolicy policy) {
  return policy == ResumePolicy::kShift ? "shift" : "fire";
}

void resume_instance(Runtime& rt, const std::string& id, ResumePolicy policy,
                     Reply<CommandReply> reply) {
  with_command_instance(
      rt, id, std::move(reply),
      [&rt, policy](LiveInstance& inst, Reply<CommandReply> respond) mutable {
        InstanceRecord& r = inst.record;
        if (r.status != InstanceStatus::kPaused) {
          return reject(rt, inst, std::move(respond), wrong_status(inst, "only paused instances can be resumed"));
        }
        Transition tx(rt.now());
        DurationMs shift = policy == ResumePolicy::kShift ? std::max<DurationMs>(0, tx.now - r.paused_at) : 0;
        TimeMs due = r.timer_due;
        r.timer_due = 0;  // no row exists while paused
        set_status(inst, tx, r.status_before_pause);
        r.paused_at = 0;
        if (due != 0) set_timer(inst, tx, due + shift);

        JournalEntry resumed;
        resumed.kind = EntryKind::kResumed;
        resumed.name = std::string(resume_policy_name(policy));
        resumed.shift_ms = shift;
        append_entry(inst, tx, resumed);
        add_event(inst, tx, EventType::kResumed, {}, std::string(resume_policy_name(policy)));

        // Replay to where the workflow waits before looking for late signals: a
        // paused instance may have been evicted and reloaded without replay, and
        // only a replayed Context knows which signals the workflow already took.
        rt.advance(inst, tx);
        if (r.await_kind == AwaitKind::kSignal) {
          if (auto seq = inst.ctx->late_signal_for(r.wait_signals)) {
            JournalEntry delivered;
            delivered.kind = EntryKind::kSignalDelivered;
            delivered.ref_seq = *seq;
            append_entry(inst, tx, delivered);
            end_signal_wait(inst, tx);
            rt.advance(inst, tx);
          }
        }
        reply_when_durable(tx, inst, std::move(respond));
        rt.commit(inst, std::move(tx));
      });
}

}  // namespace sundial
