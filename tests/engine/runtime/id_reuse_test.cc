// Re-runnable ids (StartRequest::id_reuse) through the engine's API, on
// RocksDB with a ManualClock: a finished id runs again as run 2 with an
// empty journal and the same id; the earlier run stays readable; what is
// not finished, or not allowed by the policy, answers as before; steps of
// a new run get their own idempotency keys; runs survive a restart; only
// the last kPastRunsKept earlier runs are kept.
#include <gtest/gtest.h>

#include "engine/base/coding.h"
#include "engine/storage/keys.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

StartRequest again(std::string id, nlohmann::json input, IdReuse reuse = IdReuse::kAllowIfFinished,
                   std::string type = "test.flaky") {
  StartRequest req{std::move(type), std::move(id), std::move(input), std::nullopt};
  req.id_reuse = reuse;
  return req;
}

class IdReuseTest : public testing::FlowTest {};

TEST_F(IdReuseTest, AFinishedIdRunsAgainAsItsNextRunAndTheFirstStaysReadable) {
  ASSERT_TRUE(h.start(again("recompute:42", {{"day", 1}})));
  ASSERT_EQ(h.status("recompute:42"), InstanceStatus::kCompleted);
  auto second = h.start(again("recompute:42", {{"day", 2}}));
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_TRUE(second->created);
  EXPECT_EQ(second->run, 2u);
  EXPECT_EQ(second->instance_id, "recompute:42");

  auto latest = h.describe("recompute:42");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->run, 2u);
  EXPECT_EQ(latest->status, InstanceStatus::kCompleted);
  EXPECT_EQ(latest->input, (nlohmann::json{{"day", 2}}));
  auto first = h.describe("recompute:42", 1);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->run, 1u);
  EXPECT_EQ(first->input, (nlohmann::json{{"day", 1}}));
  EXPECT_EQ(first->status, InstanceStatus::kCompleted);
  EXPECT_EQ(h.describe("recompute:42", 3).error().code, ErrorCode::kNotFound);

  // Each run has its own journal from seq 0, and its steps their own keys.
  auto run1 = h.read_history("recompute:42", 1);
  auto run2 = h.read_history("recompute:42");
  ASSERT_TRUE(run1 && run2);
  ASSERT_FALSE(run2->empty());
  EXPECT_EQ(run2->front().kind, EntryKind::kStarted);
  EXPECT_EQ(run2->front().data, (nlohmann::json{{"day", 2}}));
  EXPECT_EQ(run1->front().data, (nlohmann::json{{"day", 1}}));
  auto key_of = [](const std::vector<JournalEntry>& journal) {
    for (const auto& e : journal) {
      if (e.kind == EntryKind::kStepCompleted) return e.data.value("key", "");
    }
    return std::string();
  };
  EXPECT_EQ(key_of(*run1), "recompute:42/call");
  EXPECT_EQ(key_of(*run2), "recompute:42#2/call");
  EXPECT_EQ(log.count("recompute:42", "call"), 2u);

  // One instance, listed once, under its latest run.
  auto page = h.list(ListQuery{});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->instances.size(), 1u);
  EXPECT_EQ(page->instances[0].run, 2u);
  auto completed = h.list(ListQuery{InstanceStatus::kCompleted});
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->instances.size(), 1u);
}

TEST_F(IdReuseTest, TheDefaultAndUnfinishedInstancesAnswerWithTheExistingRun) {
  ASSERT_TRUE(h.start(again("x", {{"n", 1}}, IdReuse::kReject)));
  auto rejected = h.start(again("x", {{"n", 2}}, IdReuse::kReject));
  ASSERT_TRUE(rejected);
  EXPECT_FALSE(rejected->created);
  EXPECT_EQ(rejected->run, 1u);

  ASSERT_TRUE(h.start(again("waiting", {}, IdReuse::kAllowIfFinished, "test.wait")));
  ASSERT_EQ(h.status("waiting"), InstanceStatus::kWaiting);
  auto busy = h.start(again("waiting", {{"other", true}}, IdReuse::kAllowIfFinished, "test.wait"));
  ASSERT_TRUE(busy);
  EXPECT_FALSE(busy->created);
  EXPECT_EQ(busy->status, InstanceStatus::kWaiting);
  EXPECT_EQ(h.describe("waiting")->run, 1u);
  EXPECT_FALSE(h.describe("waiting")->input.contains("other"));
}

TEST_F(IdReuseTest, AllowIfFailedRunsOnlyAFailedOrCancelledIdAgain) {
  ASSERT_TRUE(h.start(again("done", {}, IdReuse::kAllowIfFailed)));
  auto completed = h.start(again("done", {{"n", 2}}, IdReuse::kAllowIfFailed));
  ASSERT_TRUE(completed);
  EXPECT_FALSE(completed->created);
  EXPECT_EQ(completed->run, 1u);

  log.failures["call"] = {10, ErrorCode::kStepFailed};  // fails for good
  ASSERT_TRUE(h.start(again("broken", {}, IdReuse::kAllowIfFailed)));
  for (int i = 0; i < 3; ++i) h.advance(kMinuteMs);
  ASSERT_EQ(h.status("broken"), InstanceStatus::kFailed);
  log.failures.clear();
  auto rerun = h.start(again("broken", {{"fixed", true}}, IdReuse::kAllowIfFailed));
  ASSERT_TRUE(rerun) << rerun.error().to_string();
  EXPECT_TRUE(rerun->created);
  EXPECT_EQ(rerun->run, 2u);
  EXPECT_EQ(h.status("broken"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.describe("broken", 1)->status, InstanceStatus::kFailed);

  ASSERT_TRUE(h.start(again("stopped", {}, IdReuse::kAllowIfFailed, "test.wait")));
  ASSERT_TRUE(h.cancel("stopped"));
  auto after_cancel = h.start(again("stopped", {}, IdReuse::kAllowIfFailed, "test.wait"));
  ASSERT_TRUE(after_cancel);
  EXPECT_TRUE(after_cancel->created);
  EXPECT_EQ(h.status("stopped"), InstanceStatus::kWaiting);
}

TEST_F(IdReuseTest, ANewRunSurvivesARestartAndGoesOnWhereItWaits) {
  ASSERT_TRUE(h.start(again("r", {{"sleep_ms", 1000}}, IdReuse::kAllowIfFinished, "test.wait")));
  h.advance(1000);
  ASSERT_TRUE(h.signal("r", "go"));
  ASSERT_EQ(h.status("r"), InstanceStatus::kCompleted);
  ASSERT_TRUE(h.start(again("r", {{"sleep_ms", 5000}}, IdReuse::kAllowIfFinished, "test.wait")));
  h.reopen();
  EXPECT_EQ(h.describe("r")->run, 2u);
  h.advance(5000);
  ASSERT_TRUE(h.signal("r", "stop"));
  EXPECT_EQ(h.status("r"), InstanceStatus::kCompleted);
  EXPECT_EQ(log.count("r", "after-go"), 1u);
  EXPECT_EQ(log.count("r", "after-stop"), 1u);
  EXPECT_EQ(h.describe("r", 1)->input, (nlohmann::json{{"sleep_ms", 1000}}));
  // The first run's journal is untouched by the second's.
  auto first = h.read_history("r", 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->back().kind, EntryKind::kCompleted);
}

TEST_F(IdReuseTest, EachRunDrawsItsOwnRandomValues) {
  ASSERT_TRUE(h.start(again("draw", {}, IdReuse::kAllowIfFinished, "test.random")));
  h.advance(kMinuteMs);
  ASSERT_TRUE(h.start(again("draw", {}, IdReuse::kAllowIfFinished, "test.random")));
  h.advance(kMinuteMs);
  ASSERT_EQ(log.runs.size(), 2u);
  EXPECT_NE(log.runs[0].step, log.runs[1].step);  // the drawn uuid
}

TEST_F(IdReuseTest, OnlyTheLastRunsBeforeTheLatestAreKept) {
  for (uint32_t run = 1; run <= kPastRunsKept + 2; ++run) {
    auto started = h.start(again("often", {{"run", run}}));
    ASSERT_TRUE(started) << started.error().to_string();
    ASSERT_EQ(started->run, run);
  }
  EXPECT_EQ(h.describe("often")->run, kPastRunsKept + 2);
  EXPECT_EQ(h.describe("often", 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.read_history("often", 1).error().code, ErrorCode::kNotFound);
  auto oldest_kept = h.describe("often", 2);
  ASSERT_TRUE(oldest_kept) << oldest_kept.error().to_string();
  EXPECT_EQ(oldest_kept->input, (nlohmann::json{{"run", 2}}));
  auto journal = h.read_history("often", 2);
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->front().data, (nlohmann::json{{"run", 2}}));
}

TEST_F(IdReuseTest, RetentionDeletesEveryRunOfAnId) {
  for (int run = 1; run <= 3; ++run) ASSERT_TRUE(h.start(again("gone", {{"run", run}})));
  ASSERT_TRUE(h.start(again("gone-too", {})));  // an id that begins like it stays
  h.clock.advance(h.options.retention.retention / 2);
  ASSERT_TRUE(h.start(again("gone-too", {{"run", 2}})));  // finished later: kept
  h.clock.advance(h.options.retention.retention / 2 + 1);
  EXPECT_EQ(h.sweep().instances_deleted, 1u);
  EXPECT_EQ(h.describe("gone").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.describe("gone-too", 1)->run, 1u);

  h.close();
  RocksDbOptions storage = h.options.storage;
  storage.path = h.options.data_dir;
  auto store = RocksDbStore::open(storage);
  ASSERT_TRUE(store) << store.error().to_string();
  size_t journal_rows = 0;
  ASSERT_TRUE((*store)->scan(Cf::kJournal, keys::journal_all_runs_begin("gone"),
                             keys::journal_all_runs_end("gone"), [&](std::string_view, std::string_view) {
                               ++journal_rows;
                               return true;
                             }));
  EXPECT_EQ(journal_rows, 0u);
  size_t past_rows = 0;
  std::string past = keys::past_run_prefix("gone");
  ASSERT_TRUE(
      (*store)->scan(Cf::kIndex, past, prefix_successor(past), [&](std::string_view, std::string_view) {
        ++past_rows;
        return true;
      }));
  EXPECT_EQ(past_rows, 0u);
}

TEST_F(IdReuseTest, ARunWithAConcurrencyKeyQueuesBehindTheKeysHolder) {
  ASSERT_TRUE(h.start(again("first", {}, IdReuse::kAllowIfFinished)));
  StartRequest holder{"test.wait", "holder", nlohmann::json::object(), std::nullopt};
  holder.concurrency = ConcurrencySpec{"assignee:7", 1};
  ASSERT_TRUE(h.start(holder));
  StartRequest rerun = again("first", {{"n", 2}});
  rerun.concurrency = ConcurrencySpec{"assignee:7", 1};
  auto queued = h.start(rerun);
  ASSERT_TRUE(queued) << queued.error().to_string();
  EXPECT_TRUE(queued->created);
  EXPECT_EQ(queued->status, InstanceStatus::kQueued);
  ASSERT_TRUE(h.signal("holder", "go"));
  EXPECT_EQ(h.status("first"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.describe("first")->run, 2u);
}

}  // namespace
}  // namespace sundial
