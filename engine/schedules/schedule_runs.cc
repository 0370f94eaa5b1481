#include "engine/schedules/schedule_runs.h"

#include <algorithm>

#include "engine/codec/codec.h"
#include "engine/tasks/task_codec.h"

namespace sundial {
namespace {

// The outcome and duration of `view.run` from its target, when it exists.
Result<void> resolve(Store& snapshot, ScheduleRunView& view) {
  const ScheduleRun& run = view.run;
  view.outcome = run.fired;
  bool made = run.fired == "started" || run.fired == "queued" || run.fired == "enqueued";
  if (!made || run.target_id.empty()) return ok();
  SUNDIAL_ASSIGN_OR_RETURN(auto instance, snapshot.get(Cf::kInstances, run.target_id));
  TimeMs finished = 0;
  if (instance) {
    auto rec = decode_record(*instance);
    if (!rec) return ok();
    view.outcome = std::string(status_name(rec->status));
    finished = rec->finished_at;
  } else {
    SUNDIAL_ASSIGN_OR_RETURN(auto task, snapshot.get(Cf::kTasks, run.target_id));
    if (!task) return ok();
    auto rec = decode_task(*task);
    if (!rec) return ok();
    view.outcome = std::string(task_status_name(rec->status));
    finished = rec->finished_at;
  }
  if (finished > 0) view.duration_ms = std::max<int64_t>(0, finished - run.started_at);
  return ok();
}

}  // namespace

Result<ScheduleRunsPage> read_schedule_runs(Store& snapshot, const std::string& id,
                                            std::optional<uint64_t> before, size_t limit) {
  SUNDIAL_ASSIGN_OR_RETURN(auto record, snapshot.get(Cf::kSchedules, schedule_keys::record(id)));
  if (!record) return make_error(ErrorCode::kNotFound, "no schedule '" + id + "'");
  auto rec = decode_schedule(*record);
  if (!rec) return std::unexpected(rec.error());
  // Run seqs are contiguous from the oldest kept to run_seq: the page is
  // the window just below `before`, one more than asked to see if older
  // ones remain.
  uint64_t top = std::min(before.value_or(UINT64_MAX), rec->state.run_seq + 1);
  uint64_t bottom = top > limit + 1 ? top - limit - 1 : 0;
  std::vector<ScheduleRun> runs;
  SUNDIAL_TRY(snapshot.scan(Cf::kSchedules, schedule_keys::run(id, bottom), schedule_keys::run(id, top),
                            [&runs](std::string_view key, std::string_view value) {
                              auto run = decode_schedule_run(key, value);
                              if (run) runs.push_back(std::move(*run));
                              return true;
                            }));
  std::reverse(runs.begin(), runs.end());
  ScheduleRunsPage page;
  if (runs.size() > limit) {
    runs.resize(limit);
    page.next_before = runs.back().seq;
  }
  for (auto& run : runs) {
    ScheduleRunView view{std::move(run), "", std::nullopt};
    SUNDIAL_TRY(resolve(snapshot, view));
    page.runs.push_back(std::move(view));
  }
  return page;
}

}  // namespace sundial
