// Decision: what a command decides to do to one instance, as a value.
//
// Every command has the same shape (docs/architecture.md, "Decide, then
// execute"):
//
//   Result<void>     check(const XCommand&);                    // optional
//   Result<Decision> decide(const InstanceView&, const XCommand&, TimeMs now);
//
// check() refuses what the command alone gets wrong (a bad name, key or
// payload) before any instance is loaded. decide() is a pure function: no
// I/O, no clock, no engine state, nothing mutated. It returns either an
// error (conflict for a status that does not allow the command,
// invalid_argument for data that cannot be stored) or a Decision holding
// the instance's next record, the journal entries it appends — already
// stamped and encoded, so "encode before you mutate" holds by
// construction — and a Transition with every other write, timer and event.
//
// One executor (engine/runtime/command_executor.h) runs every command:
// load the instance (on the pool when it is cold) -> decide -> apply the
// Decision to memory -> `then` (drive the workflow) -> commit -> answer
// once durable. A new command (task enqueue/claim/complete, schedules,
// admission) is a command struct, a check and a decide in one file here,
// and a three-line entry point over the executor.
//
// Threading: plain values; decide() runs on the loop but could run anywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/transitions/transition.h"

namespace sundial {

// Where an instance waits for a slot of its concurrency key.
struct QueuePlace {
  uint64_t seq = 0;     // arrival order (KeySlots::next_seq)
  size_t position = 0;  // 1-based, among the key's waiters
};

// What a decision sees of an instance: its record as stored (or as in
// memory, which is the same once loaded), and the facts the executor
// gathered for it before deciding.
struct InstanceView {
  const InstanceRecord& record;
  // The command's idempotency key (if it has one) already names this
  // instance within its window: the command is a repeat.
  bool repeated = false;
  // A failed instance whose concurrency key is full: where a retry waits.
  std::optional<QueuePlace> queue = std::nullopt;
};

// What the executor does after applying a decision, to drive the workflow.
enum class Then {
  kNothing,
  kAdvance,             // run the workflow to its next durable wait
  kRebuildAndAdvance,   // rebuild the coroutine from the journal, then advance (retry)
  kAdvanceAndTakeLate,  // advance, then deliver a signal that arrived while paused (resume)
  kDropWorkflow,        // destroy the coroutine: the instance ended (cancel)
};

// An idempotency key to record with the transition (start, signal).
struct RememberKey {
  std::string key;  // as stored (signal keys are scoped to their instance)
  std::string instance_id;
  TimeMs expires = 0;
};

struct Decision {
  enum class Kind {
    kCommit,  // apply `record` and `entries`, then `then`, then commit `tx`
    kRepeat,  // a repeat: write nothing; answer once what came before is durable
  };

  explicit Decision(TimeMs now) : tx(now) {}

  Kind kind = Kind::kCommit;
  InstanceRecord record;              // the instance afterwards
  std::vector<JournalEntry> entries;  // appended in order; their bytes are in tx.batch
  Transition tx;                      // journal, timer and index writes; events
  Then then = Then::kNothing;
  std::optional<RememberKey> remember;
};

// A decision that starts from the instance as it is, at `now`.
inline Decision change(const InstanceView& view, TimeMs now) {
  Decision d(now);
  d.record = view.record;
  return d;
}

// A decision that writes nothing: the command repeats one already applied.
inline Decision repeat(TimeMs now) {
  Decision d(now);
  d.kind = Decision::Kind::kRepeat;
  return d;
}

}  // namespace sundial
