#include "engine/runtime/workflow_commands.h"

#include "engine/base/text.h"
#include "engine/storage/keys.h"

namespace sundial {
namespace {

constexpr size_t kMaxKeyBytes = 255;         // validate_idempotency_key
constexpr size_t kMaxNotifiedIdBytes = 194;  // 200 - "child:"

void start_child(Runtime& rt, IdempotencyKeys& keys, DurationMs window, const StepInfo& step,
                 const ChildStart& spec, StepDone done) {
  // The step's key: a retry after a crash between the start and the
  // step's journal entry answers with what the first attempt did, also
  // when the type's concurrency key folded that start into another run.
  StartRequest req{spec.type, spec.id.value_or(derived_child_id(step)), spec.input, command_key(step)};
  req.parent = StartRequest::Parent{step.instance_id, step.run, spec.detached};
  start_instance(
      rt, keys, window, std::move(req),
      [&rt, step, detached = spec.detached, done = std::move(done)](Result<StartReply> r) mutable {
        if (!r) return done(std::unexpected(r.error()));
        nlohmann::json answer{{"instance_id", r->instance_id},
                              {"run", r->run},
                              {"created", r->created},
                              {"status", status_name(r->status)}};
        if (r->coalesced) answer["coalesced"] = true;
        if (r->dropped) answer["dropped"] = true;
        if ((r->coalesced || r->dropped) && !detached) {
          // The run it names is not this parent's child: its end would
          // never be signalled here.
          return done(make_error(ErrorCode::kInvalidArgument,
                                 "the start of child '" + r->instance_id + "' was " +
                                     (r->coalesced ? "folded into a queued run" : "dropped") +
                                     " by its type's concurrency key, so its end would never be "
                                     "signalled here; start such children with detached = true"));
        }
        // A detached child never signals the parent, so whose run it is
        // does not matter (a start its type's key folded into another run).
        if (r->created || r->coalesced || r->dropped || detached) return done(std::move(answer));
        // The id was taken: by this step's own child (the step ran
        // before a crash), or by an instance that is no child of
        // this run, whose end would never reach the parent.
        rt.with_instance(r->instance_id, [step, answer = std::move(answer),
                                          done = std::move(done)](Result<LiveInstance*> found) mutable {
          if (!found) return done(std::unexpected(found.error()));
          const InstanceRecord& child = (*found)->record;
          if (child.parent_id == step.instance_id && child.parent_run == step.run) {
            return done(std::move(answer));
          }
          done(make_error(ErrorCode::kInvalidArgument,
                          "instance '" + child.id + "' exists and is not a child of '" + step.instance_id +
                              "' (run " + std::to_string(step.run) +
                              "): its end would never be signalled here; give the child an id "
                              "of its own, or none (one is derived from the step)"));
        });
      });
}

void signal_other(Runtime& rt, IdempotencyKeys& keys, DurationMs window, const StepInfo& step,
                  const SignalOut& signal, StepDone done) {
  signal_instance(rt, keys, window, signal.instance_id, signal.name, signal.payload, command_key(step),
                  [done = std::move(done)](Result<CommandReply> r) mutable {
                    if (!r) return done(std::unexpected(r.error()));
                    done(nlohmann::json{{"instance_id", r->instance_id}, {"status", status_name(r->status)}});
                  });
}

void cancel_other(Runtime& rt, IdempotencyKeys& keys, const CancelOut& cancel, StepDone done) {
  cancel_instance(rt, keys, cancel.instance_id, cancel.reason,
                  [done = std::move(done)](Result<CommandReply> r) mutable {
                    if (!r) return done(std::unexpected(r.error()));
                    done(nlohmann::json{{"instance_id", r->instance_id}, {"status", status_name(r->status)}});
                  });
}

}  // namespace

std::string derived_child_id(const StepInfo& step) {
  std::string readable =
      step.instance_id + "." + (step.run > 1 ? std::to_string(step.run) + "." : "") + step.step_name;
  // The parent's notice is the signal "child:<id>", and signal names are
  // at most 200 bytes.
  if (readable.size() <= kMaxNotifiedIdBytes && keys::validate_instance_id(readable)) return readable;
  return derived_id("child", run_scoped_id(step.instance_id, step.run), step.step_name);
}

std::string command_key(const StepInfo& step) {
  if (step.idempotency_key.size() <= kMaxKeyBytes) return step.idempotency_key;
  return derived_id("step", run_scoped_id(step.instance_id, step.run), step.step_name);
}

void run_workflow_command(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window,
                          const StepInfo& step, const InstanceCommand& cmd, StepDone done) {
  if (const auto* child = std::get_if<ChildStart>(&cmd)) {
    return start_child(rt, keys, idempotency_window, step, *child, std::move(done));
  }
  if (const auto* signal = std::get_if<SignalOut>(&cmd)) {
    return signal_other(rt, keys, idempotency_window, step, *signal, std::move(done));
  }
  cancel_other(rt, keys, std::get<CancelOut>(cmd), std::move(done));
}

}  // namespace sundial
