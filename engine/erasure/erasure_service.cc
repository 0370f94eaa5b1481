#include "engine/erasure/erasure_service.h"

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/codec/codec.h"

namespace sundial {

struct ErasureService::Run {
  ErasureRequest request;
  Reply<ErasureReport> done;
  ErasureReport report;
  size_t waiting = 0;  // cancels, then deletes, not yet answered
  bool failed = false;
  Error error;
};

ErasureService::ErasureService(Runtime& runtime, Store& store, WorkPool& reads, Cancel cancel)
    : runtime_(runtime), store_(store), cancel_(std::move(cancel)), scope_(reads) {}

void ErasureService::erase(ErasureRequest request, Reply<ErasureReport> done) {
  auto run = std::make_shared<Run>();
  run->request = std::move(request);
  run->done = std::move(done);
  run->report.dry_run = run->request.dry_run;
  plan(run, [this](std::shared_ptr<Run> r, ErasurePlan first) {
    r->report.more = first.more;
    for (const ErasureTarget& t : first.targets) {
      r->report.instances.push_back({t.record.id, t.record.type, t.record.status});
    }
    if (r->request.dry_run || first.targets.empty()) return finish(r);
    cancel_running(std::move(r), std::move(first));
  });
}

void ErasureService::plan(std::shared_ptr<Run> run,
                          std::move_only_function<void(std::shared_ptr<Run>, ErasurePlan)> then) {
  Store* store = &store_;
  SearchAttribute attr = run->request.attr;
  scope_.run(
      [store, attr]() -> Result<ErasurePlan> {
        SUNDIAL_ASSIGN_OR_RETURN(auto snapshot, store->snapshot());
        return plan_erasure(*snapshot, attr);
      },
      [run = std::move(run), then = std::move(then)](Result<ErasurePlan> planned) mutable {
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
  auto after_cancels = [this](std::shared_ptr<Run> r) {
    plan(std::move(r), [this](std::shared_ptr<Run> r2, ErasurePlan second) { delete_all(std::move(r2), std::move(second)); });
  };
  if (running.empty()) return after_cancels(std::move(run));
  run->waiting = running.size();
  auto then = std::make_shared<decltype(after_cancels)>(std::move(after_cancels));
  for (const std::string& id : running) {
    cancel_(id, [run, then](Result<CommandReply> cancelled) {
      // conflict: it finished meanwhile, which is as good.
      if (cancelled) run->report.cancelled++;
      if (--run->waiting == 0) (*then)(run);
    });
  }
}

void ErasureService::delete_all(std::shared_ptr<Run> run, ErasurePlan second) {
  if (second.targets.empty()) return finish(run);
  run->waiting = second.targets.size();
  for (ErasureTarget& target : second.targets) delete_one(run, std::move(target));
}

namespace {

// Whether `now` is the finished run `planned` read: nothing was written to
// it since the plan.
bool same_run(const InstanceRecord& now, const InstanceRecord& planned) {
  return is_finished(now.status) && now.run == planned.run && now.next_seq == planned.next_seq &&
         now.updated_at == planned.updated_at;
}

}  // namespace

void ErasureService::delete_one(std::shared_ptr<Run> run, ErasureTarget target) {
  std::string id = target.record.id;
  auto skip = [run](const std::string& which, std::string why) {
    run->report.skipped.emplace_back(which, std::move(why));
    if (--run->waiting == 0) finish(run);
  };
  if (runtime_.being_deleted(id)) return skip(id, "being deleted by the retention sweep");
  // In line with the commands for this id: the record read here is the
  // one every later command would see.
  runtime_.with_instance(id, [this, run, target = std::move(target), skip](Result<LiveInstance*> loaded) mutable {
    const std::string& id = target.record.id;
    if (!loaded) {
      if (loaded.error().code == ErrorCode::kNotFound) return skip(id, "deleted meanwhile");
      return skip(id, loaded.error().message);
    }
    LiveInstance& inst = **loaded;
    if (!same_run(inst.record, target.record)) {
      runtime_.release(inst);
      return skip(id, "it changed while it was erased (started again, or still running); erase again");
    }
    runtime_.release(inst);
    // A load pins the instance until its callbacks return: delete in the
    // next turn, once it has left memory, after checking from memory that
    // the stored record is still the planned one.
    runtime_.defer([this, run, target = std::move(target), skip]() mutable {
      const std::string& id = target.record.id;
      if (runtime_.find(id) != nullptr || runtime_.loading(id) || runtime_.being_deleted(id)) {
        return skip(id, "a command on it is under way; erase again");
      }
      auto cached = store_.get_if_cached(Cf::kInstances, id);
      std::optional<InstanceRecord> stored;
      if (cached && cached->state == CachedRead::kFound) {
        if (auto decoded = decode_record(cached->value)) stored = std::move(*decoded);
      }
      if (!stored || !same_run(*stored, target.record)) {
        return skip(id, "it changed while it was erased, or its record is not in memory; erase again");
      }
      Transition tx(runtime_.now());
      stage_erasure(target, tx.batch);
      std::vector<std::string> ids = {id};
      runtime_.begin_deletion(ids);
      tx.on_done.push_back([this, run, ids](const Result<void>& committed) {
        runtime_.end_deletion(ids);
        if (committed) {
          run->report.erased++;
        } else {
          run->report.skipped.emplace_back(ids.front(), committed.error().message);
        }
        if (--run->waiting == 0) finish(run);
      });
      runtime_.commit_detached(std::move(tx));
    });
  });
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
