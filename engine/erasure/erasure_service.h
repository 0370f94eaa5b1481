// ErasureService: erases everything about a person on request (issue 22,
// docs/operations.md "Erasure"): the instances a search attribute finds,
// cancelled first when they still run, then deleted with every row that
// holds their data (engine/erasure/erasure_plan.h). A dry run only says
// which instances would go.
//
// The steps: a plan on a snapshot (the query pool); the cancels (through
// the engine's own command, so children, parents and concurrency slots are
// handled as for any cancel); a second plan, which sees what the cancels
// wrote (their journal entries and events); then, per instance, in line
// with the commands for its id: if its record is still the planned one and
// nothing holds it in memory, one commit deletes it all. An instance that
// changed meanwhile, or still owes its parent or children a notice, is
// skipped and named in the answer (run it again).
//
// Threading: loop thread (plans run on the pool). Ownership: owned by the
// Engine; borrows the Runtime, the Store and the pool, which outlive it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/erasure/erasure_plan.h"
#include "engine/loop/work_pool.h"
#include "engine/runtime/runtime.h"
#include "engine/transitions/commands.h"

namespace sundial {

struct ErasureRequest {
  SearchAttribute attr;
  bool dry_run = false;
};

struct ErasureReport {
  struct Instance {
    std::string id;
    std::string type;
    InstanceStatus status = InstanceStatus::kRunning;  // before the erasure
  };
  bool dry_run = false;
  std::vector<Instance> instances;  // matched, in id order
  size_t cancelled = 0;             // were running and were cancelled first
  size_t erased = 0;
  // Matched but not erased, with why (it changed meanwhile, or it is busy).
  std::vector<std::pair<std::string, std::string>> skipped;
  bool more = false;  // more match than one request takes (kMaxErasedPerRequest)
};

class ErasureService {
 public:
  using Cancel = std::function<void(const std::string& id, Reply<CommandReply> reply)>;

  ErasureService(Runtime& runtime, Store& store, WorkPool& reads, Cancel cancel);
  ErasureService(const ErasureService&) = delete;
  ErasureService& operator=(const ErasureService&) = delete;

  void erase(ErasureRequest request, Reply<ErasureReport> done);
  // Before the runtime closes: every continuation still to come does
  // nothing (pending answers are dropped, as the engine's other answers).
  void close();
  // Plans submitted to the pool and not yet back on the loop.
  size_t in_flight() const { return scope_.outstanding(); }

 private:
  struct Run;
  void plan(std::shared_ptr<Run> run, PlanDepth depth,
            std::move_only_function<void(std::shared_ptr<Run>, ErasurePlan)> then, int delay_ms = 0);
  void cancel_running(std::shared_ptr<Run> run, ErasurePlan first);
  void delete_all(std::shared_ptr<Run> run, ErasurePlan second);
  void delete_one(std::shared_ptr<Run> run, ErasureTarget target);
  void commit_deletion(const std::shared_ptr<Run>& run, ErasureTarget target);
  static void skip(const std::shared_ptr<Run>& run, const std::string& id, std::string why);
  static void finish(const std::shared_ptr<Run>& run);

  Runtime& runtime_;
  Store& store_;
  Cancel cancel_;
  // Shared with every continuation, which checks it first: set by close(),
  // it outlives this service for the callbacks still queued.
  std::shared_ptr<bool> closed_ = std::make_shared<bool>(false);
  WorkScope scope_;
};

}  // namespace sundial
