// Crash test: a child process runs the engine and acknowledges a burst of
// starts and signals; we SIGKILL it at a random moment, reopen its data
// directory here, drive every instance to completion, and check that
//  - every acknowledged start exists and its idempotency key still answers,
//  - every acknowledged signal is in the journal,
//  - journals are contiguous and each step completed exactly once,
//  - no step ran again after its result was journaled (the journaled
//    result is the last execution the step log holds for that step).
// The data directory is reused across kills, so recovery also meets the
// instances of every earlier round.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <random>
#include <set>

#include "engine/engine.h"
#include "engine/loop/timer.h"
#include "tests/crash/crash_workflow.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kRounds = 24;

struct Acks {
  std::set<std::string> started;
  std::set<std::string> signalled;
};

Acks run_child_and_kill(const std::string& data, const std::string& log, const std::string& prefix,
                        std::mt19937& rng) {
  ChildProcess child({SUNDIAL_CRASH_CHILD, data, log, prefix});
  // Mostly kill while commits are streaming; sometimes during open/recovery.
  if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
    child.pump_for(std::uniform_int_distribution<int>(0, 40)(rng));
  } else {
    auto ready = child.read_line(20000);
    EXPECT_EQ(ready.value_or("<none>"), "READY");
    child.pump_for(std::uniform_int_distribution<int>(1, 150)(rng));
  }
  int status = child.signal_and_wait(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early: " << status;
  Acks acks;
  for (const auto& line : child.take_lines()) {
    if (line.starts_with("S ")) acks.started.insert(line.substr(2));
    if (line.starts_with("G ")) acks.signalled.insert(line.substr(2));
  }
  return acks;
}

// Recovers the data directory in this process and runs the checks.
class Recovery {
 public:
  Recovery(const std::string& data, const std::string& log, const std::string& token_prefix)
      : recorder_(log, token_prefix) {
    register_crash_workflow(registry_, loop_, recorder_);
    EngineOptions options;
    options.data_dir = data;
    auto opened = Engine::open(loop_, clock_, registry_, options);
    SUNDIAL_CHECK(opened.has_value());
    engine_ = std::move(*opened);
  }

  Engine& engine() { return *engine_; }

  std::vector<std::string> unfinished() {
    std::vector<std::string> ids;
    for (auto status : {InstanceStatus::kRunning, InstanceStatus::kWaiting}) {
      ListQuery q;
      q.status = status;
      q.limit = kMaxListLimit;
      for (;;) {
        auto page = engine_->list(q);
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
    // Polls the index every 5 ms; the engine's own timers do the work.
    int waited = 0;
    bool done = false;
    std::function<void()> arm;
    UvTimer ticker(loop_, [&] {
      waited += 5;
      // Only while no commit is in flight: the writer thread applies batches
      // while we scan, and the running and waiting ranges are read one after
      // the other, so an instance moving from waiting to running between the
      // two reads would be seen in neither.
      done = engine_->commits_in_flight() == 0 && unfinished().empty();
      if (done || waited > timeout_ms) {
        loop_.stop();
      } else {
        arm();
      }
    });
    arm = [&] { ticker.start(5); };
    arm();
    loop_.run();
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
};

void check_instance(Engine& engine, const std::string& id, bool signal_acked,
                    const StepExecutions& executions) {
  SCOPED_TRACE("instance " + id);
  auto record = engine.describe(id);
  ASSERT_TRUE(record) << record.error().to_string();
  EXPECT_EQ(record->status, InstanceStatus::kCompleted);
  auto history = engine.history(id);
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
    ASSERT_EQ(completed[step].size(), 1u) << "step " << step << " completed "
                                          << completed[step].size() << " times";
    auto runs = executions.find({id, step});
    ASSERT_NE(runs, executions.end()) << "step " << step << " never ran, yet its journaled result is " << completed[step][0];
    EXPECT_EQ(runs->second.back(), completed[step][0])
        << "step " << step << " ran again after its result was journaled";
  }
}

TEST(CrashTest, AcknowledgedWorkSurvivesSigkillAndNoJournaledStepRunsAgain) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);
  TempDir dir;
  const std::string data = dir.sub("data");
  const std::string log = dir.sub("steps.log");
  size_t total_acked = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string prefix = "r" + std::to_string(round);
    Acks acks = run_child_and_kill(data, log, prefix, rng);
    total_acked += acks.started.size();

    Recovery recovery(data, log, "recovery-" + std::to_string(round));
    for (const auto& id : acks.started) {
      ASSERT_TRUE(recovery.engine().describe(id)) << "acknowledged start " << id << " was lost";
    }
    for (const auto& id : acks.signalled) {
      ASSERT_TRUE(acks.started.count(id)) << "signal acknowledged before its start: " << id;
    }
    ASSERT_TRUE(recovery.finish_everything(60000)) << "instances did not finish after recovery";
    StepExecutions executions = read_step_log(log);
    for (const auto& id : acks.started) {
      check_instance(recovery.engine(), id, acks.signalled.count(id) > 0, executions);
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
  // The rounds must have killed the child mid-stream, not only before it acked anything.
  EXPECT_GT(total_acked, 0u);
  std::printf("crash test: %d rounds, %zu acknowledged starts, seed %u\n", kRounds, total_acked, seed);
}

}  // namespace
}  // namespace sundial::testing
