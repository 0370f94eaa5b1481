#include "tests/crash/recovery.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "engine/base/check.h"
#include "engine/engine.h"
#include "engine/loop/timer.h"
#include "tests/crash/crash_workflow.h"

namespace sundial::testing {
namespace {

// Recovers the data directory in this process and runs the checks.
class Recovery {
 public:
  Recovery(const std::string& data, const std::string& log, const std::string& token_prefix)
      : recorder_(log, token_prefix) {
    register_crash_workflow(registry_, loop_, recorder_);
    EngineOptions options;
    options.data_dir = data;
    auto opened = Engine::open(loop_, clock_, registry_, options);
    if (opened) {
      engine_ = std::move(*opened);
    } else {
      open_error_ = opened.error().to_string();
    }
  }

  // Empty when the data directory opened.
  const std::string& open_error() const { return open_error_; }
  Engine& engine() { return *engine_; }

  // Queries answer on the loop: runs it until the answer is in (not from
  // inside a loop callback).
  template <typename T, typename Issue>
  Result<T> await(Issue&& issue) {
    Result<T> out = make_error(ErrorCode::kInternal, "no answer");
    bool answered = false;
    issue([&](Result<T> r) {
      out = std::move(r);
      answered = true;
    });
    while (!answered) loop_.run_once();
    return out;
  }
  Result<InstanceRecord> describe(const std::string& id) {
    return await<InstanceRecord>([&](auto done) { engine_->describe(id, std::move(done)); });
  }
  Result<std::vector<JournalEntry>> history(const std::string& id) {
    return await<std::vector<JournalEntry>>([&](auto done) { engine_->history(id, std::move(done)); });
  }

  std::vector<std::string> unfinished() {
    std::vector<std::string> ids;
    for (auto status : {InstanceStatus::kRunning, InstanceStatus::kWaiting}) {
      ListQuery q;
      q.status = status;
      q.limit = kMaxListLimit;
      for (;;) {
        auto page = await<ListPage>([&](auto done) { engine_->list(q, std::move(done)); });
        SUNDIAL_CHECK(page.has_value());
        for (const auto& r : page->instances) ids.push_back(r.id);
        if (page->next_cursor.empty()) break;
        q.cursor = page->next_cursor;
      }
    }
    return ids;
  }

  // Signals every unfinished instance "go" (a signal sent before the wait
  // is kept for it), then runs the loop until none is left.
  bool finish_everything(int timeout_ms) {
    for (const auto& id : unfinished()) {
      engine_->signal(id, "go", nlohmann::json{{"from", "recovery"}}, [](Result<CommandReply>) {});
    }
    // Every 5 ms, counts the unfinished instances (stats: one storage
    // snapshot, so an instance moving from waiting to running is seen in
    // one of the two); the engine's own timers do the work.
    int waited = 0;
    bool done = false;
    bool counting = false;
    std::function<void()> arm;
    UvTimer ticker(loop_, [&] {
      waited += 5;
      if (waited > timeout_ms) return loop_.stop();
      arm();
      if (counting) return;
      counting = true;
      engine_->stats([&](Result<InstanceStats> counted) {
        counting = false;
        SUNDIAL_CHECK(counted.has_value());
        uint64_t left = 0;
        for (const auto& [status, n] : counted->by_status) {
          if (status == InstanceStatus::kRunning || status == InstanceStatus::kWaiting) left += n;
        }
        if (left == 0) {
          done = true;
          ticker.stop();
          loop_.stop();
        }
      });
    });
    arm = [&] { ticker.start(5); };
    arm();
    loop_.run();
    // A count still in flight answers into this frame: let it land first.
    while (counting) loop_.run_once();
    return done;
  }

  Result<StartReply> start_again(const std::string& id) {
    std::optional<Result<StartReply>> out;
    engine_->start(StartRequest{kCrashWorkflow, std::nullopt, nlohmann::json::object(), "key-" + id},
                   [&](Result<StartReply> r) { out = std::move(r); });
    while (!out) loop_.run_once();
    return *out;
  }

  void close() {
    engine_.reset();
    loop_.run_nowait();
  }

 private:
  Loop loop_;
  SystemClock clock_;
  StepRecorder recorder_;
  Registry registry_;
  std::unique_ptr<Engine> engine_;
  std::string open_error_;
};

void check_instance(Recovery& recovery, const std::string& id, bool signal_acked,
                    const StepExecutions& executions) {
  SCOPED_TRACE("instance " + id);
  auto record = recovery.describe(id);
  ASSERT_TRUE(record) << record.error().to_string();
  EXPECT_EQ(record->status, InstanceStatus::kCompleted);
  auto history = recovery.history(id);
  ASSERT_TRUE(history) << history.error().to_string();
  std::map<std::string, std::vector<std::string>> completed;  // step → journaled tokens
  bool child_signal = false;
  for (size_t i = 0; i < history->size(); ++i) {
    const JournalEntry& e = (*history)[i];
    EXPECT_EQ(e.seq, i) << "journal is not contiguous";
    if (e.kind == EntryKind::kStepCompleted) completed[e.name].push_back(e.data.get<std::string>());
    if (e.kind == EntryKind::kSignalReceived && e.name == "go" && e.data.value("from", "") == "child") {
      child_signal = true;
    }
  }
  if (signal_acked) {
    EXPECT_TRUE(child_signal) << "an acknowledged signal is missing";
  }
  for (const char* step : {"a", "b", "c"}) {
    ASSERT_EQ(completed[step].size(), 1u)
        << "step " << step << " completed " << completed[step].size() << " times";
    auto runs = executions.find({id, step});
    ASSERT_NE(runs, executions.end())
        << "step " << step << " never ran, yet its journaled result is " << completed[step][0];
    EXPECT_EQ(runs->second.back(), completed[step][0])
        << "step " << step << " ran again after its result was journaled";
  }
}

}  // namespace

Acks parse_acks(const std::vector<std::string>& lines) {
  Acks acks;
  for (const auto& line : lines) {
    if (line.starts_with("S ")) acks.started.insert(line.substr(2));
    if (line.starts_with("G ")) acks.signalled.insert(line.substr(2));
  }
  return acks;
}

void recover_and_check(const std::string& data, const std::string& step_log, const std::string& token_prefix,
                       const Acks& acks) {
  Recovery recovery(data, step_log, token_prefix);
  ASSERT_EQ(recovery.open_error(), "") << "the data directory does not open after the crash";
  for (const auto& id : acks.started) {
    ASSERT_TRUE(recovery.describe(id)) << "acknowledged start " << id << " was lost";
  }
  for (const auto& id : acks.signalled) {
    ASSERT_TRUE(acks.started.count(id)) << "signal acknowledged before its start: " << id;
  }
  ASSERT_TRUE(recovery.finish_everything(60000)) << "instances did not finish after recovery";
  StepExecutions executions = read_step_log(step_log);
  for (const auto& id : acks.started) {
    check_instance(recovery, id, acks.signalled.count(id) > 0, executions);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Idempotency keys are durable with their start.
  size_t probed = 0;
  for (const auto& id : acks.started) {
    if (probed++ == 20) break;
    auto again = recovery.start_again(id);
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(again->instance_id, id);
    EXPECT_FALSE(again->created);
  }
  recovery.close();
}

}  // namespace sundial::testing
