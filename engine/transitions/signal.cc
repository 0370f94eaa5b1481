// signal: deliver a named signal with a JSON payload. It is journaled in the
// same loop that registers waits, so it is never lost: a workflow waiting
// for it (and not paused) takes it at once; otherwise it waits in the inbox
// until the workflow asks for it (or until resume, for a paused one).
#include <algorithm>

#include "engine/codec/codec.h"
#include "engine/transitions/command_support.h"
#include "engine/transitions/idempotency.h"
#include "engine/transitions/instance_ops.h"

namespace sundial {

namespace {

// Signal keys live beside start keys, scoped to their instance.
std::string scoped_signal_key(const std::string& id, const std::string& key) {
  return "signal\x1f" + id + "\x1f" + key;
}

// Answers a repeated signal with the instance's status once everything
// before it (the first delivery, maybe still in the commit queue) is durable.
void answer_repeat(Runtime& rt, LiveInstance& inst, Reply<CommandReply> reply) {
  Transition barrier(rt.now());
  reply_when_durable(barrier, inst, std::move(reply));
  rt.release(inst);
  rt.commit_detached(std::move(barrier));
}

}  // namespace

void signal_instance(Runtime& rt, IdempotencyKeys& idempotency, DurationMs idempotency_window,
                     const std::string& id, const std::string& name, nlohmann::json payload,
                     std::optional<std::string> idempotency_key, Reply<CommandReply> reply) {
  auto valid = keys::validate_name("signal", name);
  if (valid && idempotency_key) valid = validate_idempotency_key(*idempotency_key);
  if (valid) valid = check_storable(payload, "the signal payload");
  if (!valid) {
    return rt.defer([reply = std::move(reply), error = valid.error()]() mutable {
      reply(std::unexpected(std::move(error)));
    });
  }
  with_command_instance(
      rt, id, std::move(reply),
      [&rt, &idempotency, idempotency_window, id, name, payload = std::move(payload),
       idempotency_key = std::move(idempotency_key)](LiveInstance& inst,
                                                     Reply<CommandReply> respond) mutable {
        InstanceRecord& r = inst.record;
        std::optional<std::string> scoped_key;
        if (idempotency_key) {
          scoped_key = scoped_signal_key(id, *idempotency_key);
          auto known = idempotency.lookup(*scoped_key, rt.now());
          if (!known) return reject(rt, inst, std::move(respond), known.error());
          if (*known) return answer_repeat(rt, inst, std::move(respond));
        }
        if (is_finished(r.status)) {
          return reject(rt, inst, std::move(respond),
                        wrong_status(inst, "signals reach only running, waiting or paused instances"));
        }
        Transition tx(rt.now());
        bool deliver = r.status != InstanceStatus::kPaused && r.await_kind == AwaitKind::kSignal &&
                       std::find(r.wait_signals.begin(), r.wait_signals.end(), name) != r.wait_signals.end();
        JournalEntry entry;
        entry.kind = EntryKind::kSignalReceived;
        entry.name = name;
        entry.data = std::move(payload);
        entry.delivered = deliver;
        // Encode first: nothing changes unless the entry can be stored.
        auto prepared = prepare_entry(inst, tx, std::move(entry));
        if (!prepared) return reject(rt, inst, std::move(respond), prepared.error());
        if (scoped_key) idempotency.record(tx, *scoped_key, id, tx.now + idempotency_window);
        append_prepared(inst, tx, std::move(*prepared));
        add_event(inst, tx, EventType::kSignalReceived, name);
        if (deliver) {
          end_signal_wait(inst, tx);
          rt.advance(inst, tx);
        }
        reply_when_durable(tx, inst, std::move(respond));
        rt.commit(inst, std::move(tx));
      });
}

}  // namespace sundial
