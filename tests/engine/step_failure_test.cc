// What user code throws or returns never hangs an instance or the process:
// a step that throws (std or not, with any bytes in its message), a step
// whose result cannot be encoded, a workflow body that throws, a step name
// that cannot be encoded — each leaves the instance retrying or failed,
// with the error in its history. On real RocksDB, ManualClock (EngineHarness).
#include <gtest/gtest.h>

#include <thread>

#include "engine/codec/codec.h"
#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::StepLog;

class StepFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log);
    h.open();
  }

  std::vector<JournalEntry> entries(const std::string& id, EntryKind kind) {
    std::vector<JournalEntry> out;
    for (const auto& e : h.history(id)) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  // Starts "test.misbehaving" with input.how = `how`; the first attempt fails.
  void start_misbehaving(const std::string& id, const std::string& how) {
    auto started = h.start("test.misbehaving", id, {{"how", how}});
    ASSERT_TRUE(started) << started.error().to_string();
  }

  // The first attempt failed and a retry is scheduled; the second fails the
  // instance for good. Returns the errors journaled for both attempts.
  std::vector<std::string> expect_retried_then_failed(const std::string& id) {
    EXPECT_EQ(h.status(id), InstanceStatus::kRunning) << "not waiting for its retry";
    auto first = entries(id, EntryKind::kStepAttemptFailed);
    EXPECT_EQ(first.size(), 1u);
    h.advance(1000);  // the retry
    EXPECT_EQ(log.count(id, "call"), 2u);
    EXPECT_EQ(h.status(id), InstanceStatus::kFailed);
    auto last = entries(id, EntryKind::kStepFailed);
    EXPECT_EQ(last.size(), 1u);
    EXPECT_EQ(log.count(id, "after"), 0u);
    std::vector<std::string> errors;
    for (const auto& e : first) errors.push_back(e.error);
    for (const auto& e : last) errors.push_back(e.error);
    // The instance is whole on disk: it reloads after a restart.
    h.reopen();
    EXPECT_EQ(h.status(id), InstanceStatus::kFailed);
    return errors;
  }

  EngineHarness h;
  StepLog log{h.clock};
};

TEST_F(StepFailureTest, AStepThatThrowsAStdExceptionFailsTheAttemptAndIsRetried) {
  start_misbehaving("std", "runtime_error");
  EXPECT_EQ(log.count("std", "call"), 1u);
  for (const auto& error : expect_retried_then_failed("std")) {
    EXPECT_NE(error.find("std::runtime_error: the step broke"), std::string::npos) << error;
  }
  auto d = h.describe("std");
  ASSERT_TRUE(d);
  EXPECT_NE(d->last_error.find("the step broke"), std::string::npos) << d->last_error;
}

TEST_F(StepFailureTest, AStepThatThrowsANonStdTypeNamesTheType) {
  start_misbehaving("odd", "not_std");
  for (const auto& error : expect_retried_then_failed("odd")) {
    EXPECT_NE(error.find("sundial::testing::NotAnException"), std::string::npos) << error;
  }
}

TEST_F(StepFailureTest, AStepThatThrowsInvalidUtf8IsJournaledWithTheBytesReplaced) {
  // The message cannot go into JSON as is; it used to throw again while
  // journaling, out of a libuv callback.
  start_misbehaving("bytes", "bad_message");
  for (const auto& error : expect_retried_then_failed("bytes")) {
    EXPECT_NE(error.find("bad \xEF\xBF\xBD\xEF\xBF\xBD bytes"), std::string::npos) << error;
  }
}

TEST_F(StepFailureTest, AStepResultThatCannotBeEncodedFailsTheAttempt) {
  start_misbehaving("result", "bad_result");
  for (const auto& error : expect_retried_then_failed("result")) {
    EXPECT_NE(error.find("cannot be journaled"), std::string::npos) << error;
    EXPECT_NE(error.find("UTF-8"), std::string::npos) << error;
  }
  EXPECT_TRUE(entries("result", EntryKind::kStepCompleted).empty());
}

TEST_F(StepFailureTest, AnAsyncStepCompletingWithAnUnencodableResultFailsTheAttempt) {
  ASSERT_TRUE(h.start("test.held_then_sleep", "held"));
  ASSERT_EQ(log.held.size(), 1u);
  StepDone done = std::move(log.held[0]);
  log.held.clear();
  done(nlohmann::json{{"id", "\xC3\x28"}});  // later, from the loop, as a connector would
  h.drain();
  EXPECT_EQ(h.status("held"), InstanceStatus::kRunning);
  auto failed = entries("held", EntryKind::kStepAttemptFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].error.find("cannot be journaled"), std::string::npos) << failed[0].error;
  h.advance(kSecondMs);  // the retry (jitter keeps it within 1 s)
  ASSERT_EQ(log.held.size(), 1u) << "the step was not attempted again";
  log.held[0](nlohmann::json("ok"));
  h.drain();
  EXPECT_EQ(entries("held", EntryKind::kStepCompleted).size(), 1u);
}

// A result nested deeper than the journal stores is refused when the step
// completes (and retried), not stored as a null "repaired" copy.
TEST_F(StepFailureTest, AStepResultNestedTooDeepFailsTheAttempt) {
  ASSERT_TRUE(h.start("test.held_then_sleep", "deep"));
  ASSERT_EQ(log.held.size(), 1u);
  StepDone done = std::move(log.held[0]);
  log.held.clear();
  nlohmann::json deep = 1;
  for (size_t i = 0; i <= kMaxStoredValueDepth; ++i) deep = nlohmann::json::array({std::move(deep)});
  done(std::move(deep));
  h.drain();
  EXPECT_TRUE(entries("deep", EntryKind::kStepCompleted).empty());
  auto failed = entries("deep", EntryKind::kStepAttemptFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].error.find("cannot be journaled"), std::string::npos) << failed[0].error;
  EXPECT_NE(failed[0].error.find("nested deeper than"), std::string::npos) << failed[0].error;
}

TEST_F(StepFailureTest, AStepThatThrowsAfterCompletingKeepsItsResult) {
  start_misbehaving("late", "throw_after_done");
  EXPECT_EQ(h.status("late"), InstanceStatus::kCompleted);
  EXPECT_EQ(log.count("late", "call"), 1u);
  EXPECT_EQ(log.count("late", "after"), 1u);
  EXPECT_TRUE(entries("late", EntryKind::kStepAttemptFailed).empty());
}

TEST_F(StepFailureTest, AWorkflowBodyThatThrowsFailsTheInstanceVisibly) {
  ASSERT_TRUE(h.start("test.throwing_body", "body"));
  EXPECT_EQ(h.status("body"), InstanceStatus::kFailed);
  EXPECT_EQ(log.count("body", "before"), 1u);
  auto failed = entries("body", EntryKind::kFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].error.find("std::logic_error: the body broke"), std::string::npos) << failed[0].error;
  h.reopen();
  EXPECT_EQ(h.status("body"), InstanceStatus::kFailed);
}

TEST_F(StepFailureTest, AStepNameThatCannotBeEncodedFailsTheInstance) {
  ASSERT_TRUE(h.start("test.bad_step_name", "name"));
  EXPECT_EQ(h.status("name"), InstanceStatus::kFailed);
  EXPECT_EQ(log.count("name", "\xff"), 0u);
  auto failed = entries("name", EntryKind::kFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].error.find("not valid UTF-8"), std::string::npos) << failed[0].error;
  h.reopen();
  EXPECT_EQ(h.status("name"), InstanceStatus::kFailed);
}

TEST(StepFailureDeathTest, StepDoneCalledOffTheLoopThreadAbortsWithAClearMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        EngineHarness h;
        StepLog log{h.clock};
        testing::register_test_workflows(h.registry, log);
        h.open();
        if (!h.start("test.held_then_sleep", "off")) return;
        std::thread other([&] { log.held.at(0)(nlohmann::json("from another thread")); });
        other.join();
      },
      "StepDone of instance 'off' called off the loop thread");
}

}  // namespace
}  // namespace sundial
