// Dry replay: can this workflow code take over that instance's journal?
// Used before moving running instances to a new version of their workflow
// (POST /api/v1/workflows/{type}/upgrade): the new code is driven against
// the journal exactly as a replay after a restart would drive it, but with
// no side effects — no step function runs, no timer is armed, nothing is
// written or committed, and `patch` markers the code would record are
// dropped (Context::dry_run() is true, for drivers with effects of their
// own). The journal is consistent with the code when the code consumes all
// of it: it reaches the live edge (waiting for something the journal does
// not answer yet, and, when the instance's current wait is given, the same
// thing), or it finishes exactly at the journal's end.
//
// resume_from_journal is the replay loop itself, shared with the Runtime.
//
// Threading: loop thread (workflow code, e.g. a Lua state, is not
// thread-safe). Runs workflow code, so it is CPU work bounded by the length
// of the journal (and, for Lua, by the instruction budget per activation).
// Ownership: the request's values are moved in; nothing is kept.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"
#include "engine/runtime/context.h"
#include "engine/runtime/registry.h"
#include "engine/runtime/workflow.h"

namespace sundial {

struct DryReplayRequest {
  std::string instance_id;
  uint32_t run = 1;      // which run of the id (InstanceRecord::run)
  nlohmann::json input;  // the stored input
  // The whole journal, oldest first; it begins with the `started` entry,
  // whose time is the instance's started_at.
  std::vector<JournalEntry> journal;
  // What the instance waits for now (InstanceRecord's await_kind,
  // step_name and wait_signals). With kNone the code may wait for anything
  // at the live edge.
  AwaitKind await_kind = AwaitKind::kNone;
  std::string step_name;
  std::vector<std::string> wait_signals;
};

// The request's instance, with its await from `record`.
DryReplayRequest dry_replay_request(const InstanceRecord& record, std::vector<JournalEntry> journal);

// ok when `fn` consumes the journal consistently; else the first
// divergence (non_determinism, naming the code's origin such as
// "greet.lua:12" and the journal entry), or the error the code failed or
// threw with (what the instance would fail with after the upgrade).
Result<void> dry_replay(const WorkflowFn& fn, DryReplayRequest request);

// Resumes `root` (already started) while the journal answers what it
// awaits; returns when it finished, failed (ctx.failure()) or waits for
// something the journal does not hold yet (ctx.pending()).
void resume_from_journal(Context& ctx, Workflow<void>& root);

}  // namespace sundial
