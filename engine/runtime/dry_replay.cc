#include "engine/runtime/dry_replay.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "engine/runtime/failure_text.h"

namespace sundial {
namespace {

bool same_names(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a == b;
}

// Whether the code's wait at the live edge is the one the instance has
// registered (the Runtime keeps a registered wait as it is: a different
// step or other signal names would never be served).
bool same_wait(const AwaitRequest& next, const DryReplayRequest& instance) {
  if (next.kind != instance.await_kind) return false;
  if (next.kind == AwaitKind::kStep) return next.step_name == instance.step_name;
  if (next.kind == AwaitKind::kSignal) return same_names(next.signals, instance.wait_signals);
  return true;
}

}  // namespace

DryReplayRequest dry_replay_request(const InstanceRecord& record, std::vector<JournalEntry> journal) {
  DryReplayRequest req;
  req.instance_id = record.id;
  req.run = record.run;
  req.input = record.input;
  req.journal = std::move(journal);
  req.await_kind = record.await_kind;
  req.step_name = record.step_name;
  req.wait_signals = record.wait_signals;
  return req;
}

void resume_from_journal(Context& ctx, Workflow<void>& root) {
  while (!root.done() && !ctx.failure()) {
    auto& pending = ctx.pending();
    if (!pending || !ctx.try_consume(*pending)) return;
    std::coroutine_handle<> h = pending->handle;
    pending.reset();
    h.resume();  // never throws: the promise keeps what the body throws
  }
}

Result<void> dry_replay(const WorkflowFn& fn, DryReplayRequest request) {
  if (request.journal.empty() || request.journal[0].kind != EntryKind::kStarted) {
    return make_error(ErrorCode::kInvalidArgument, "the journal of instance '" + request.instance_id +
                                                       "' does not begin with its started entry");
  }
  Context ctx(request.instance_id, std::move(request.input), std::move(request.journal), request.run);
  ctx.set_dry_run();
  ctx.set_await_registered(request.await_kind != AwaitKind::kNone);
  Workflow<void> root;  // declared after ctx: destroyed before it
  try {
    root = fn(ctx);  // workflow code: builds the coroutine, may throw
  } catch (...) {
    return make_error(ErrorCode::kInternal, "the workflow threw before it started: " +
                                                describe_exception(std::current_exception()));
  }
  if (!root.valid()) return make_error(ErrorCode::kInternal, "the workflow function returned no coroutine");
  root.handle().resume();
  resume_from_journal(ctx, root);
  if (ctx.failure()) return std::unexpected(*ctx.failure());
  if (root.done()) {
    if (std::exception_ptr e = root.exception()) {
      return make_error(ErrorCode::kInternal, "workflow code threw: " + describe_exception(e));
    }
    if (auto left = ctx.unconsumed_error()) return std::unexpected(*left);
    return ok();
  }
  const AwaitRequest& next = *ctx.pending();
  if (request.await_kind != AwaitKind::kNone && !same_wait(next, request)) {
    AwaitRequest current;
    current.kind = request.await_kind;
    current.step_name = request.step_name;
    current.signals = request.wait_signals;
    return make_error(ErrorCode::kNonDeterminism,
                      (next.origin.empty() ? std::string() : next.origin + ": ") + describe_request(next) +
                          " does not match what instance '" + ctx.instance_id() + "' waits for (" +
                          describe_request(current) + ") at the end of its journal");
  }
  return ok();
}

}  // namespace sundial
