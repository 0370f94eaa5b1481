// The executor half of start (the decision is engine/transitions/start.cc).
// Starting an id that exists, or repeating an idempotency key within its
// window, answers with the existing instance (created = false) and starts
// nothing; that answer too waits until the instance it names is durable.
//
// Everything a start takes from outside (id, idempotency key, the input
// and the workflow type's own check of it) is checked before anything in
// memory changes: a refused start leaves no trace, not even in memory.
//
// A start with a concurrency key whose slots are all taken queues (status
// queued, nothing run), folds into the key's queued follow-up (coalesce)
// or starts nothing (drop): engine/flow/key_slots.h decides, and the
// Runtime admits the waiters as slots free up. A debounced start folds
// into the key's debouncing run, or becomes it.
//
// A start whose id_reuse allows it begins a new run of a finished id: the
// instance is read like for any command, and its next run replaces it in
// memory and in storage in one transition (Runtime::renew).
#include <algorithm>
#include <cstdio>
#include <random>

#include "engine/base/text.h"
#include "engine/codec/codec.h"
#include "engine/runtime/command_executor.h"
#include "engine/schedules/send_window.h"
#include "engine/storage/keys.h"

namespace sundial {
namespace {

void answer_later(Runtime& rt, Reply<StartReply> reply, Result<StartReply> answer) {
  rt.defer([reply = std::move(reply), answer = std::move(answer)]() mutable { reply(std::move(answer)); });
}

// Answers with an existing instance once everything before is durable
// (for a dropped start: the instance that holds the busy key).
void answer_existing(Runtime& rt, const std::string& id, Reply<StartReply> reply, bool dropped = false) {
  Transition barrier(rt.now());
  barrier.on_done.push_back([&rt, id, dropped, reply = std::move(reply)](const Result<void>& r) mutable {
    if (!r) return reply(std::unexpected(r.error()));
    rt.with_instance(id, [&rt, id, dropped, reply = std::move(reply)](Result<LiveInstance*> inst) mutable {
      if (!inst) return reply(std::unexpected(inst.error()));
      StartReply answer{id, false, (*inst)->record.status, (*inst)->record.run};
      answer.dropped = dropped;
      rt.release(**inst);
      reply(std::move(answer));
    });
  });
  rt.commit_detached(std::move(barrier));
}

// The start's send window (its own, else its type's) reads as a window,
// and the zone the input names for it, if any, exists: a bad one is
// refused now rather than found when the first step comes due.
Result<void> check_start_window(const SendWindowCatalog& catalog, StartRequest& req, const nlohmann::json& input) {
  const SendWindow* window = catalog.for_type(req.type);
  std::optional<SendWindow> own;
  if (!req.send_window.is_null()) {
    auto parsed = parse_send_window(req.send_window, catalog.named);
    if (!parsed) return std::unexpected(parsed.error());
    own = std::move(*parsed);
    req.send_window = to_json(*own);  // stored whole: a later change of a named window does not move it
    window = &*own;
  }
  if (window == nullptr) return ok();
  return check_window_input(*window, input);
}

// What a start does about its concurrency key.
enum class Coalescing { kAllowed, kNotAgain };

void start(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, StartRequest req,
           Reply<StartReply> reply, Coalescing coalescing);

// Folds the start into `target`, the key's newest waiter (or, debounced,
// its debouncing run). When the target was admitted meanwhile (or its
// quiet period ended), the start is decided again from the top; when it
// cannot take more (a full list), the start queues a follow-up (or a
// debouncing run) of its own.
void coalesce_into(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window,
                   const std::string& target, nlohmann::json input, StartRequest original,
                   Reply<StartReply> reply) {
  rt.with_instance(target, [&rt, &keys, idempotency_window, target, input = std::move(input),
                            original = std::move(original),
                            reply = std::move(reply)](Result<LiveInstance*> loaded) mutable {
    if (!loaded && loaded.error().code != ErrorCode::kNotFound) {
      return answer_later(rt, std::move(reply), std::unexpected(loaded.error()));
    }
    if (!loaded) {  // gone (nothing deletes a waiter today): queue a follow-up of its own
      return start(rt, keys, idempotency_window, std::move(original), std::move(reply),
                   Coalescing::kNotAgain);
    }
    bool debounced = original.concurrency->debounce_ms > 0;
    SlotState expected = debounced ? SlotState::kDebouncing : SlotState::kQueued;
    if (rt.slots().state(original.concurrency->key, target) != expected) {
      // Admitted while it was read: the key's newest waiter is another now.
      rt.release(**loaded);
      return start(rt, keys, idempotency_window, std::move(original), std::move(reply), Coalescing::kAllowed);
    }
    LiveInstance& inst = **loaded;
    if (original.idempotency_key) {
      // A redelivery that arrived while the target was read may have folded first.
      auto known = keys.lookup(*original.idempotency_key, rt.now());
      if (!known) {
        rt.release(inst);
        return answer_later(rt, std::move(reply), std::unexpected(known.error()));
      }
      if (*known) {
        rt.release(inst);
        return answer_existing(rt, **known, std::move(reply));
      }
    }
    CoalesceCommand cmd;
    cmd.input = std::move(input);
    cmd.requested_id = original.id.value_or("");
    cmd.type = original.type;
    cmd.merge = original.concurrency->merge;
    cmd.target_never_ran =
        std::all_of(inst.ctx->journal().begin(), inst.ctx->journal().end(), [](const JournalEntry& e) {
          return e.kind == EntryKind::kStarted || e.kind == EntryKind::kQueued ||
                 e.kind == EntryKind::kCoalesced || e.kind == EntryKind::kDebounced;
        });
    cmd.debounced = debounced;
    if (original.idempotency_key) {
      cmd.remember = RememberKey{*original.idempotency_key, target, rt.now() + idempotency_window};
    }
    auto decision = decide(InstanceView{inst.record}, cmd, rt.now());
    if (!decision) {
      rt.release(inst);
      return start(rt, keys, idempotency_window, std::move(original), std::move(reply),
                   Coalescing::kNotAgain);
    }
    Transition tx = apply(rt, keys, inst, std::move(*decision));
    tx.on_done.push_back(
        [reply = std::move(reply), target, run = inst.record.run](const Result<void>& r) mutable {
          if (!r) return reply(std::unexpected(r.error()));
          StartReply answer{target, false, InstanceStatus::kQueued, run};
          answer.coalesced = true;
          reply(std::move(answer));
        });
    rt.commit(inst, std::move(tx));
  });
}

// Decides the new instance, creates it and runs it to its first wait, in
// one transition; or, when its concurrency key is busy, queues it, folds it
// into the key's follow-up or drops it.
// REQUIRES: no instance `id` exists, in memory or in storage; or
// `previous` is its finished run, in memory, and view.run the next.
void create_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, NewInstance view,
                     const StartRequest& req, Reply<StartReply> reply, Coalescing coalescing,
                     std::optional<StartRequest>& original, LiveInstance* previous = nullptr) {
  // For a start that ends up in another instance: the finished run stays.
  auto keep_previous = [&] {
    if (previous) rt.release(*previous);
  };
  if (req.parent) {
    // A parent that ended while this start read the child's id has had its
    // cascade read its children (the `H` rows) already, or will before this
    // child's row is durable: the child must not start. (Decided in memory,
    // in line with the parent's own commands.)
    LiveInstance* parent = rt.find(req.parent->id);
    if (parent != nullptr && (is_finished(parent->record.status) || parent->record.run != req.parent->run)) {
      keep_previous();
      return answer_later(rt, std::move(reply),
                          make_error(ErrorCode::kConflict, "parent '" + req.parent->id + "' (run " +
                                                               std::to_string(req.parent->run) +
                                                               ") has ended: its child is not started"));
    }
  }
  if (req.concurrency && req.concurrency->debounce_ms > 0) {
    // The key's burst has a run that gathers it: fold in (and push its
    // timer back); else this start's run gathers the burst (decide()).
    auto pending = rt.slots().debouncing(req.concurrency->key);
    if (pending && coalescing == Coalescing::kAllowed && original) {
      keep_previous();
      return coalesce_into(rt, keys, idempotency_window, *pending, std::move(view.input),
                           std::move(*original), std::move(reply));
    }
  } else if (req.concurrency && !rt.slots().can_run_now(req.concurrency->key, req.concurrency->limit)) {
    KeySlots& slots = rt.slots();
    const std::string& key = req.concurrency->key;
    if (req.concurrency->on_busy == OnBusy::kDrop) {
      if (auto holder = slots.any_holder(key)) {
        keep_previous();
        return answer_existing(rt, *holder, std::move(reply), true);
      }
    }
    if (req.concurrency->on_busy == OnBusy::kCoalesce && coalescing == Coalescing::kAllowed && original) {
      if (auto target = slots.last_waiter(key)) {
        keep_previous();
        return coalesce_into(rt, keys, idempotency_window, *target, std::move(view.input),
                             std::move(*original), std::move(reply));
      }
    }
    view.queue = QueuePlace{slots.next_seq(), slots.waiters(key) + 1};
  }
  auto decision = decide(std::move(view), req, idempotency_window, rt.now());
  if (!decision) {
    keep_previous();
    return answer_later(rt, std::move(reply), std::unexpected(decision.error()));
  }
  auto [inst, tx] = apply_new(rt, keys, std::move(*decision), previous);
  tx.on_done.push_back([reply = std::move(reply), id = inst.record.id, status = inst.record.status,
                        run = inst.record.run](const Result<void>& r) mutable {
    if (!r) return reply(std::unexpected(r.error()));
    reply(StartReply{id, true, status, run});
  });
  rt.commit(inst, std::move(tx));
}

void start(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, StartRequest req,
           Reply<StartReply> reply, Coalescing coalescing) {
  if (!rt.accepting()) {
    return answer_later(rt, std::move(reply), std::unexpected(rt.not_accepting_error()));
  }
  const WorkflowType* type = rt.registry().find(req.type);
  if (type == nullptr) {
    std::string known;
    for (const WorkflowType* t : rt.registry().list()) known += (known.empty() ? "" : ", ") + t->name;
    return answer_later(rt, std::move(reply),
                        make_error(ErrorCode::kNotFound, "workflow type '" + req.type +
                                                             "' is not registered; registered types: " +
                                                             (known.empty() ? "none" : known)));
  }
  if (auto valid = check(req); !valid) {
    return answer_later(rt, std::move(reply), std::unexpected(valid.error()));
  }
  // A coalescing start may have to be decided again (its follow-up was
  // admitted while it was read), from the request as it came.
  std::optional<StartRequest> original;
  if (req.concurrency && req.concurrency->folds_starts()) original = req;
  std::optional<nlohmann::json> raw_input;  // for `original`, when the type derives a key
  if (!req.concurrency && type->concurrency_of) raw_input = req.input;
  auto input = type->prepare_input(std::move(req.input));
  if (!input) return answer_later(rt, std::move(reply), std::unexpected(input.error()));
  if (raw_input) {
    // The type declares the key its starts take (the start named none).
    auto derived = type->concurrency_of(*input);
    if (!derived) {
      return answer_later(
          rt, std::move(reply),
          make_error(derived.error().code, "the type's concurrency: " + derived.error().message));
    }
    req.concurrency = std::move(*derived);
    if (req.concurrency && req.concurrency->folds_starts()) {
      original = req;
      original->input = std::move(*raw_input);
    }
  }
  if (auto storable = check_storable(*input, "the start input"); !storable) {
    return answer_later(rt, std::move(reply), std::unexpected(storable.error()));
  }
  // Indexed in the start's commit; a start whose keys cannot be indexed is
  // refused rather than left unfindable.
  auto attributes = extract_search_attributes(type->search_attributes, *input);
  if (!attributes) return answer_later(rt, std::move(reply), std::unexpected(attributes.error()));
  req.search_attributes = std::move(*attributes);
  TimeMs now = rt.now();
  if (req.idempotency_key) {
    auto known = keys.lookup(*req.idempotency_key, now);
    if (!known) return answer_later(rt, std::move(reply), std::unexpected(known.error()));
    if (*known) return answer_existing(rt, **known, std::move(reply));
  }
  // After the key: a repeat answers as the first did even if its window
  // was renamed since.
  if (auto window = check_start_window(rt.send_windows(), req, *input); !window) {
    return answer_later(rt, std::move(reply), std::unexpected(window.error()));
  }
  if (!req.id) {
    // 128 random bits: no instance can have this id yet.
    return create_instance(rt, keys, idempotency_window,
                           NewInstance{random_hex128(), std::move(*input), type->version}, req,
                           std::move(reply), coalescing, original);
  }
  std::string id = *req.id;
  bool reusable = req.id_reuse != IdReuse::kReject;
  if (rt.find(id) != nullptr && !reusable) return answer_existing(rt, id, std::move(reply));
  if (rt.being_deleted(id)) {  // a retention delete in flight: the id is free again
    return create_instance(rt, keys, idempotency_window, NewInstance{id, std::move(*input), type->version},
                           req, std::move(reply), coalescing, original);
  }
  if (!rt.loading(id) && rt.find(id) == nullptr) {
    // Whether the id is taken, from memory only (the record's bloom filter
    // and cached blocks): a new id is created at once, without a pool trip.
    auto cached = rt.store().get_if_cached(Cf::kInstances, id);
    if (!cached) return answer_later(rt, std::move(reply), std::unexpected(cached.error()));
    if (cached->state == CachedRead::kAbsent) {
      return create_instance(rt, keys, idempotency_window, NewInstance{id, std::move(*input), type->version},
                             req, std::move(reply), coalescing, original);
    }
    if (cached->state == CachedRead::kFound && !reusable) return answer_existing(rt, id, std::move(reply));
  }
  // Not known from memory, a load of it is under way, or it may run again:
  // ask in line with the other commands for this id.
  rt.with_instance(id, [&rt, &keys, idempotency_window, id, req = std::move(req), input = std::move(*input),
                        version = type->version, reply = std::move(reply), coalescing,
                        original = std::move(original)](Result<LiveInstance*> existing) mutable {
    if (existing && !may_run_again(req.id_reuse, (*existing)->record.status)) {
      rt.release(**existing);
      return answer_existing(rt, id, std::move(reply));
    }
    if (existing) {
      // A new run of a finished id: a repeat of the start that began it
      // (its idempotency key, looked up above) answers with it instead.
      LiveInstance& previous = **existing;
      uint32_t run = previous.record.run + 1;
      return create_instance(rt, keys, idempotency_window,
                             NewInstance{id, std::move(input), std::move(version), run}, req,
                             std::move(reply), coalescing, original, &previous);
    }
    if (existing.error().code != ErrorCode::kNotFound) {
      return answer_later(rt, std::move(reply), std::unexpected(existing.error()));
    }
    if (!rt.accepting()) {
      return answer_later(rt, std::move(reply), std::unexpected(rt.not_accepting_error()));
    }
    create_instance(rt, keys, idempotency_window, NewInstance{id, std::move(input), std::move(version)}, req,
                    std::move(reply), coalescing, original);
  });
}

}  // namespace

void start_instance(Runtime& rt, IdempotencyKeys& keys, DurationMs idempotency_window, StartRequest req,
                    Reply<StartReply> reply) {
  start(rt, keys, idempotency_window, std::move(req), std::move(reply), Coalescing::kAllowed);
}

}  // namespace sundial
