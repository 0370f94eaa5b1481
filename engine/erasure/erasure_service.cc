#include "engine/erasure/erasure_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/codec/codec.h"

namespace sundial {

struct ErasureService::Run {
  ErasureRequest request;
  Reply<ErasureReport> done;
  ErasureReport report;
  size_t waiting = 0;  // cancels, then deletes, not yet answered
  int replans = 0;     // second plans made again while notices were being delivered
  bool failed = false;
  Error error;
};

namespace {

constexpr int kMaxReplans = 40;
constexpr int kReplanDelayMs = 50;

// Whether `now` is the finished run `planned` read: nothing was written to
// it since the plan.
bool same_run(const InstanceRecord& now, const InstanceRecord& planned) {
  return is_finished(now.status) && now.run == planned.run && now.next_seq == planned.next_seq &&
         now.updated_at == planned.updated_at;
}

}  // namespace

ErasureService::ErasureService(Runtime& runtime, Store& store, WorkPool& reads, Cancel cancel)
    : runtime_(runtime), store_(store), cancel_(std::move(cancel)), scope_(reads) {}

void ErasureService::close() { *closed_ = true; }

void ErasureService::erase(ErasureRequest request, Reply<ErasureReport> done) {
  auto run = std::make_shared<Run>();
  run->request = std::move(request);
  run->done = std::move(done);
  run->report.dry_run = run->request.dry_run;
  plan(run, PlanDepth::kRecords, [this](std::shared_ptr<Run> r, ErasurePlan first) {
    r->report.more = first.more;
    for (const ErasureTarget& t : first.targets) {
      r->report.instances.push_back({t.record.id, t.record.type, t.record.status});
    }
    if (r->request.dry_run || first.targets.empty()) return finish(r);
    cancel_running(std::move(r), std::move(first));
  });
}

void ErasureService::plan(std::shared_ptr<Run> run, PlanDepth depth,
                          std::move_only_function<void(std::shared_ptr<Run>, ErasurePlan)> then, int delay_ms) {
  Store* store = &store_;
  SearchAttribute attr = run->request.attr;
  scope_.run(
      [store, attr, depth, delay_ms]() -> Result<ErasurePlan> {
        // A pause on the pool (a rare request), not on the loop.
        if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        SUNDIAL_ASSIGN_OR_RETURN(auto snapshot, store->snapshot());
        return plan_erasure(*snapshot, attr, depth);
      },
      [run = std::move(run), then = std::move(then), closed = closed_](Result<ErasurePlan> planned) mutable {
        if (*closed) return;
        if (!planned) {
          run->failed = true;
          run->error = planned.error();
          return finish(run);
        }
        then(std::move(run), std::move(*planned));
      });
}

void ErasureService::cancel_running(std::shared_ptr<Run> run, ErasurePlan first) {
  std::vector<std::string> running;
  for (const ErasureTarget& t : first.targets) {
    if (!is_finished(t.record.status)) running.push_back(t.record.id);
  }
  // The second plan sees what the cancels wrote (journal entries, events).
  auto after_cancels = std::make_shared<std::function<void(std::shared_ptr<Run>)>>([this](std::shared_ptr<Run> r) {
    plan(std::move(r), PlanDepth::kEverything,
         [this](std::shared_ptr<Run> r2, ErasurePlan second) { delete_all(std::move(r2), std::move(second)); });
  });
  if (running.empty()) return (*after_cancels)(std::move(run));
  run->waiting = running.size();
  for (const std::string& id : running) {
    cancel_(id, [run, after_cancels, closed = closed_](Result<CommandReply> cancelled) {
      if (*closed) return;
      // conflict: it finished meanwhile, which is as good.
      if (cancelled) run->report.cancelled++;
      if (--run->waiting == 0) (*after_cancels)(run);
    });
  }
}

void ErasureService::delete_all(std::shared_ptr<Run> run, ErasurePlan second) {
  if (second.targets.empty()) return finish(run);
  // A cancel's notices (its end to its parent, the cancel of its children)
  // are delivered just after its commit: wait for them (up to ~2 s)
  // rather than delete one that is still owed.
  bool owing = std::any_of(second.targets.begin(), second.targets.end(),
                           [](const ErasureTarget& t) { return t.notices > 0; });
  if (owing && run->replans < kMaxReplans) {
    run->replans++;
    return plan(
        std::move(run), PlanDepth::kEverything,
        [this](std::shared_ptr<Run> r, ErasurePlan again) { delete_all(std::move(r), std::move(again)); },
        kReplanDelayMs);
  }
  run->waiting = second.targets.size();
  for (ErasureTarget& target : second.targets) delete_one(run, std::move(target));
}

void ErasureService::skip(const std::shared_ptr<Run>& run, const std::string& id, std::string why) {
  run->report.skipped.emplace_back(id, std::move(why));
  if (--run->waiting == 0) finish(run);
}

void ErasureService::delete_one(std::shared_ptr<Run> run, ErasureTarget target) {
  const std::string id = target.record.id;
  if (runtime_.being_deleted(id)) return skip(run, id, "being deleted by the retention sweep");
  if (target.notices > 0) {
    // Its end, or the cancel of its children, is still being delivered:
    // deleting the notice would lose it.
    return skip(run, id, "its end is still being delivered to its parent or children; erase again");
  }
  // In line with the commands for this id: the record read here is the
  // one every later command would see.
  runtime_.with_instance(id, [this, run, target = std::move(target),
                              closed = closed_](Result<LiveInstance*> loaded) mutable {
    if (*closed) return;
    const std::string& target_id = target.record.id;
    if (!loaded) {
      if (loaded.error().code == ErrorCode::kNotFound) return skip(run, target_id, "deleted meanwhile");
      return skip(run, target_id, loaded.error().message);
    }
    LiveInstance& inst = **loaded;
    if (!same_run(inst.record, target.record)) {
      runtime_.release(inst);
      return skip(run, target_id, "it changed while it was erased (started again, or still running); erase again");
    }
    runtime_.release(inst);
    // A load pins the instance until its callbacks return: delete in the
    // next turn, once it has left memory, after checking from memory that
    // the stored record is still the planned one.
    runtime_.defer([this, run, target = std::move(target), closed]() mutable {
      if (*closed) return;
      commit_deletion(run, std::move(target));
    });
  });
}

void ErasureService::commit_deletion(const std::shared_ptr<Run>& run, ErasureTarget target) {
  const std::string& id = target.record.id;
  if (runtime_.find(id) != nullptr || runtime_.loading(id) || runtime_.being_deleted(id)) {
    return skip(run, id, "a command on it is under way; erase again");
  }
  auto cached = store_.get_if_cached(Cf::kInstances, id);
  std::optional<InstanceRecord> stored;
  if (cached && cached->state == CachedRead::kFound) {
    if (auto decoded = decode_record(cached->value)) stored = std::move(*decoded);
  }
  if (!stored || !same_run(*stored, target.record)) {
    return skip(run, id, "it changed while it was erased, or its record is not in memory; erase again");
  }
  Transition tx(runtime_.now());
  stage_erasure(target, tx.batch);
  std::vector<std::string> ids = {id};
  runtime_.begin_deletion(ids);
  tx.on_done.push_back([this, run, ids, closed = closed_](const Result<void>& committed) {
    if (*closed) return;
    runtime_.end_deletion(ids);
    if (committed) {
      run->report.erased++;
      if (--run->waiting == 0) finish(run);
    } else {
      skip(run, ids.front(), committed.error().message);
    }
  });
  runtime_.commit_detached(std::move(tx));
}

void ErasureService::finish(const std::shared_ptr<Run>& run) {
  if (!run->done) return;
  auto done = std::move(run->done);
  if (run->failed) return done(std::unexpected(run->error));
  if (!run->report.dry_run) {
    // Counts only: the ids and the attribute are personal data.
    spdlog::info("erasure: {} instance(s) matched, {} cancelled, {} erased, {} skipped", run->report.instances.size(),
                 run->report.cancelled, run->report.erased, run->report.skipped.size());
  }
  done(std::move(run->report));
}

}  // namespace sundial
