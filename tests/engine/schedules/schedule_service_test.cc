// The schedule service on a real engine (RocksDB in a temp dir, ManualClock):
// fires with derived ids, the run log, misfire policies across a restart,
// overlap policies, pause, resume, trigger, declared schedules, and a fire
// repeated after a crash between the action and the schedule's write.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/schedules/schedule_runs.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

// 2026-01-01T00:00:00Z, the ManualClock's start: a whole minute.
constexpr TimeMs kStart = 1767225600000;

class ScheduleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
  }
  ScheduleService& schedules() { return h.engine->schedules(); }

  ScheduleSpec spec(json body) {
    auto parsed = parse_schedule_spec(body);
    EXPECT_TRUE(parsed) << parsed.error().message;
    return *parsed;
  }
  json every_minute(std::string id, json extra = json::object()) {
    json body = {{"id", id},
                 {"every", "1m"},
                 {"action", {{"start", {{"type", "test.wait"}, {"input", json::object()}}}}},
                 {"overlap", "allow"}};
    body.update(extra);
    return body;
  }
  template <typename T, typename Call>
  Result<T> call(Call&& c) {
    std::optional<Result<T>> out;
    c([&](Result<T> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }
  ScheduleService::Changed create(json body) {
    auto r =
        call<ScheduleService::Changed>([&](auto done) { schedules().create(spec(body), std::move(done)); });
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : ScheduleService::Changed{};
  }
  // Moves the clock to `t` and fires what is due.
  void at(TimeMs t) {
    h.clock.set(t);
    for (int i = 0; i < 3; ++i) {
      schedules().poll();
      h.drain();
    }
  }
  std::vector<ScheduleRunView> runs(const std::string& id, size_t limit = 100) {
    h.engine->read<ScheduleRunsPage>(
        [id, limit](Store& s) { return read_schedule_runs(s, id, std::nullopt, limit); },
        [this](Result<ScheduleRunsPage> r) {
          ASSERT_TRUE(r) << r.error().message;
          page_ = std::move(*r);
        });
    h.drain();
    return page_.runs;
  }
  bool exists(const std::string& id) { return static_cast<bool>(h.describe(id)); }
  InstanceStatus status(const std::string& id) {
    auto r = h.describe(id);
    return r ? r->status : InstanceStatus::kFailed;
  }

  EngineHarness h;
  StepLog log{h.clock};
  ScheduleRunsPage page_;
};

TEST_F(ScheduleServiceTest, FiresEachNominalTimeWithAnIdDerivedFromIt) {
  auto made = create(every_minute("tick"));
  EXPECT_TRUE(made.created);
  ASSERT_EQ(made.view.next.size(), 3u);
  EXPECT_EQ(made.view.next[0], kStart + kMinuteMs);
  at(kStart + kMinuteMs - 1);
  EXPECT_FALSE(exists("tick@20260101T000100Z"));
  at(kStart + kMinuteMs);
  EXPECT_TRUE(exists("tick@20260101T000100Z"));
  at(kStart + 2 * kMinuteMs + 5);
  EXPECT_TRUE(exists("tick@20260101T000200Z"));
  auto got = runs("tick");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].run.nominal_time, kStart + 2 * kMinuteMs);  // newest first
  EXPECT_EQ(got[0].run.started_at, kStart + 2 * kMinuteMs + 5);
  EXPECT_EQ(got[0].run.target_id, "tick@20260101T000200Z");
  EXPECT_EQ(got[0].outcome, "waiting");
  EXPECT_EQ(got[1].run.trigger, RunTrigger::kSchedule);
  EXPECT_EQ(schedules().view("tick")->record.state.fires, 2u);
}

TEST_F(ScheduleServiceTest, RunLogShowsTheTargetsEndAndDuration) {
  create(every_minute("done"));
  at(kStart + kMinuteMs);
  at(kStart + kMinuteMs + 4000);
  ASSERT_TRUE(h.signal("done@20260101T000100Z", "go", json::object()));
  auto got = runs("done");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].outcome, "completed");
  ASSERT_TRUE(got[0].duration_ms);
  EXPECT_EQ(*got[0].duration_ms, 4000);
}

TEST_F(ScheduleServiceTest, RestartNeitherRepeatsNorSkipsWithinTheGrace) {
  create(every_minute("tick"));
  at(kStart + kMinuteMs);
  h.reopen();
  // Down across 00:02 for 30 s: within the 1-minute grace, it fires on start.
  at(kStart + 2 * kMinuteMs + 30'000);
  EXPECT_TRUE(exists("tick@20260101T000200Z"));
  auto got = runs("tick");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].run.trigger, RunTrigger::kSchedule);
  EXPECT_EQ(schedules().view("tick")->record.state.misfires, 0u);
}

TEST_F(ScheduleServiceTest, AFireRepeatedAfterACrashFindsWhatTheFirstMade) {
  create(every_minute("tick"));
  // As if the fire of 00:01 had started its instance and the process died
  // before the schedule's own write.
  ASSERT_TRUE(h.start("test.wait", std::string("tick@20260101T000100Z")));
  at(kStart + kMinuteMs);
  auto got = runs("tick");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].run.target_id, "tick@20260101T000100Z");
  EXPECT_EQ(got[0].outcome, "waiting");
  // The instance is the one started first, not a second start.
  EXPECT_EQ(h.describe("tick@20260101T000100Z")->created_at, kStart);
}

TEST_F(ScheduleServiceTest, MisfireSkipFiresOnlyFutureTimes) {
  create(every_minute("skip", {{"misfire", "skip"}}));
  h.close();
  h.clock.set(kStart + 10 * kMinuteMs + 30'000);  // down from 00:00 to 00:10:30
  h.open();
  at(kStart + 10 * kMinuteMs + 30'000);
  // 00:10 is within the grace; 00:01 to 00:09 are missed and dropped.
  EXPECT_TRUE(exists("skip@20260101T001000Z"));
  EXPECT_FALSE(exists("skip@20260101T000900Z"));
  EXPECT_FALSE(exists("skip@20260101T000100Z"));
  EXPECT_EQ(runs("skip").size(), 1u);
  EXPECT_EQ(schedules().view("skip")->record.state.misfires, 1u);
  EXPECT_EQ(schedules().stats().missed_dropped, 9u);
}

TEST_F(ScheduleServiceTest, MisfireFireOnceCatchesUpTheMostRecentMissedTime) {
  create(every_minute("once", {{"misfire", "fire_once"}}));
  h.close();
  h.clock.set(kStart + 10 * kMinuteMs + 30'000);
  h.open();
  at(kStart + 10 * kMinuteMs + 30'000);
  EXPECT_TRUE(exists("once@20260101T000900Z"));
  EXPECT_TRUE(exists("once@20260101T001000Z"));
  EXPECT_FALSE(exists("once@20260101T000800Z"));
  auto got = runs("once");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].run.trigger, RunTrigger::kCatchUp);
  EXPECT_EQ(got[1].run.nominal_time, kStart + 9 * kMinuteMs);
  EXPECT_EQ(got[0].run.trigger, RunTrigger::kSchedule);
}

TEST_F(ScheduleServiceTest, MisfireBackfillFiresTheNMostRecentOldestFirst) {
  create(every_minute("back", {{"misfire", {{"backfill", 3}}}}));
  h.close();
  h.clock.set(kStart + 10 * kMinuteMs + 30'000);
  h.open();
  at(kStart + 10 * kMinuteMs + 30'000);
  auto got = runs("back");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].run.nominal_time, kStart + 7 * kMinuteMs);
  EXPECT_EQ(got[2].run.nominal_time, kStart + 8 * kMinuteMs);
  EXPECT_EQ(got[1].run.nominal_time, kStart + 9 * kMinuteMs);
  EXPECT_EQ(got[0].run.nominal_time, kStart + 10 * kMinuteMs);
  EXPECT_EQ(got[3].run.trigger, RunTrigger::kCatchUp);
  EXPECT_FALSE(exists("back@20260101T000600Z"));
}

TEST_F(ScheduleServiceTest, OverlapSkipFiresNothingWhileTheLastRunRuns) {
  create(every_minute("solo", {{"overlap", "skip"}}));
  at(kStart + kMinuteMs);
  at(kStart + 2 * kMinuteMs);
  EXPECT_TRUE(exists("solo@20260101T000100Z"));
  EXPECT_FALSE(exists("solo@20260101T000200Z"));
  auto got = runs("solo");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].outcome, "skipped");
  EXPECT_NE(got[0].run.error.find("solo@20260101T000100Z"), std::string::npos) << got[0].run.error;
  // Once it ends, the next fire runs.
  ASSERT_TRUE(h.signal("solo@20260101T000100Z", "go", json::object()));
  at(kStart + 3 * kMinuteMs);
  EXPECT_TRUE(exists("solo@20260101T000300Z"));
}

TEST_F(ScheduleServiceTest, OverlapQueueRunsTheNextOnceTheLastEnds) {
  create(every_minute("line", {{"overlap", "queue"}}));
  at(kStart + kMinuteMs);
  at(kStart + 2 * kMinuteMs);
  EXPECT_EQ(status("line@20260101T000200Z"), InstanceStatus::kQueued);
  ASSERT_TRUE(h.signal("line@20260101T000100Z", "go", json::object()));
  h.drain();
  EXPECT_EQ(status("line@20260101T000200Z"), InstanceStatus::kWaiting);
}

TEST_F(ScheduleServiceTest, OverlapCancelPreviousCancelsTheLastRun) {
  create(every_minute("fresh", {{"overlap", "cancel_previous"}}));
  at(kStart + kMinuteMs);
  at(kStart + 2 * kMinuteMs);
  EXPECT_EQ(status("fresh@20260101T000100Z"), InstanceStatus::kCancelled);
  EXPECT_EQ(status("fresh@20260101T000200Z"), InstanceStatus::kWaiting);
}

TEST_F(ScheduleServiceTest, PausedFiresNothingAndResumeDoesNotCatchUp) {
  create(every_minute("nap"));
  ASSERT_TRUE(call<ScheduleView>([&](auto d) { schedules().pause("nap", std::move(d)); }));
  at(kStart + 5 * kMinuteMs);
  EXPECT_TRUE(runs("nap").empty());
  EXPECT_TRUE(schedules().view("nap")->next.empty());
  auto resumed = call<ScheduleView>([&](auto d) { schedules().resume("nap", std::move(d)); });
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->next.at(0), kStart + 6 * kMinuteMs);
  at(kStart + 6 * kMinuteMs);
  auto got = runs("nap");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].run.nominal_time, kStart + 6 * kMinuteMs);
}

TEST_F(ScheduleServiceTest, TriggerFiresNowOutsideTheSchedule) {
  create(every_minute("now"));
  h.clock.set(kStart + 1234);
  auto run = call<ScheduleRun>([&](auto d) { schedules().trigger("now", std::move(d)); });
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->target_id, "now@20260101T000001.234Z");
  EXPECT_EQ(run->trigger, RunTrigger::kManual);
  EXPECT_TRUE(exists("now@20260101T000001.234Z"));
  // The schedule's own times are untouched.
  EXPECT_EQ(schedules().view("now")->next.at(0), kStart + kMinuteMs);
  auto missing = call<ScheduleRun>([&](auto d) { schedules().trigger("nope", std::move(d)); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ScheduleServiceTest, TaskActionEnqueuesATaskWithTheDerivedId) {
  create({{"id", "sync"},
          {"every", "15m"},
          {"action", {{"task", {{"queue", "monday"}, {"payload", {{"board", 7}}}}}}}});
  at(kStart + 15 * kMinuteMs);
  auto got = runs("sync");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].run.target_id, "sync@20260101T001500Z");
  EXPECT_EQ(got[0].outcome, "pending");
  // overlap skip: the next fire finds the task still pending.
  at(kStart + 30 * kMinuteMs);
  EXPECT_EQ(runs("sync").at(0).outcome, "skipped");
}

TEST_F(ScheduleServiceTest, SignalActionSignalsOnce) {
  ASSERT_TRUE(h.start("test.wait", std::string("target")));
  create({{"id", "poke"}, {"every", "1m"}, {"action", {{"signal", {{"id", "target"}, {"name", "go"}}}}}});
  at(kStart + kMinuteMs);
  EXPECT_EQ(status("target"), InstanceStatus::kCompleted);
  auto got = runs("poke");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].outcome, "signalled");
  // The target is gone: the next fire's refusal is logged, and it goes on.
  at(kStart + 2 * kMinuteMs);
  EXPECT_EQ(runs("poke").at(0).outcome, "error");
  EXPECT_EQ(schedules().view("poke")->next.at(0), kStart + 3 * kMinuteMs);
}

TEST_F(ScheduleServiceTest, CreateIsIdempotentAndRefusesAnotherSpec) {
  EXPECT_TRUE(create(every_minute("same")).created);
  EXPECT_FALSE(create(every_minute("same")).created);
  auto other = call<ScheduleService::Changed>([&](auto d) {
    schedules().create(spec(every_minute("same", {{"every", "2m"}})), std::move(d));
  });
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
}

TEST_F(ScheduleServiceTest, ReplaceKeepsTheLogAndDeleteDropsIt) {
  create(every_minute("edit"));
  at(kStart + kMinuteMs);
  auto replaced = call<ScheduleService::Changed>([&](auto d) {
    schedules().replace(spec(every_minute("edit", {{"every", "5m"}})), std::move(d));
  });
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(replaced->created);
  EXPECT_EQ(replaced->view.next.at(0), kStart + 5 * kMinuteMs);
  EXPECT_EQ(runs("edit").size(), 1u);
  ASSERT_TRUE(call<ScheduleView>([&](auto d) { schedules().remove("edit", std::move(d)); }));
  EXPECT_FALSE(schedules().view("edit"));
  h.reopen();
  EXPECT_FALSE(schedules().view("edit"));
  at(kStart + 5 * kMinuteMs);
  EXPECT_FALSE(exists("edit@20260101T000500Z"));
}

TEST_F(ScheduleServiceTest, DeclaredSchedulesFollowTheirSourceAndRefuseApiChanges) {
  std::vector<DeclaredSchedule> declared{{spec(every_minute("nightly")), ""},
                                         {spec(every_minute("hourly")), ""}};
  ASSERT_TRUE(schedules().declare(declared, ScheduleSource::kConfig));
  EXPECT_EQ(schedules().view("nightly")->record.state.source, ScheduleSource::kConfig);
  auto refused = call<ScheduleView>([&](auto d) { schedules().remove("nightly", std::move(d)); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  // Pause works on a declared schedule.
  EXPECT_TRUE(call<ScheduleView>([&](auto d) { schedules().pause("hourly", std::move(d)); }));
  h.reopen();
  EXPECT_TRUE(schedules().view("hourly")->record.state.paused);
  ASSERT_TRUE(schedules().declare({{spec(every_minute("nightly")), ""}}, ScheduleSource::kConfig));
  EXPECT_FALSE(schedules().view("hourly"));
  // An API schedule's id cannot be declared.
  create(every_minute("mine"));
  auto clash = schedules().declare({{spec(every_minute("mine")), ""}}, ScheduleSource::kConfig);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
}

TEST_F(ScheduleServiceTest, ABurstOfDueFiresRunsAThousandAtATime) {
  std::vector<DeclaredSchedule> declared;
  for (int i = 0; i < 1200; ++i) {
    declared.push_back({spec(every_minute("s" + std::to_string(i),
                                          {{"action", {{"task", {{"queue", "burst"}}}}}})),
                        ""});
  }
  ASSERT_TRUE(schedules().declare(declared, ScheduleSource::kConfig));
  h.clock.set(kStart + kMinuteMs);
  schedules().poll();
  EXPECT_EQ(schedules().fires_in_flight(), 1000u);
  for (int i = 0; i < 20 && schedules().stats().fires < 1200; ++i) {
    h.drain();
    schedules().poll();
  }
  EXPECT_EQ(schedules().stats().fires, 1200u);
  EXPECT_EQ(schedules().fires_in_flight(), 0u);
}

TEST_F(ScheduleServiceTest, RunLogIsTrimmedToRunsKept) {
  h.options.schedules.runs_kept = 5;
  h.reopen();
  create({{"id", "fast"}, {"every", "1s"}, {"action", {{"signal", {{"id", "nobody"}, {"name", "x"}}}}}});
  for (int i = 1; i <= 101; ++i) at(kStart + i * kSecondMs);
  auto got = runs("fast", 1000);
  EXPECT_GE(got.size(), 5u);
  EXPECT_LE(got.size(), 5u + 100u);
  EXPECT_EQ(got.front().run.seq, 101u);
  EXPECT_LT(got.size(), 101u);
}

TEST_F(ScheduleServiceTest, ScriptSchedulesFollowEachScript) {
  auto declare_owned = [&](std::vector<ScheduleSpec> specs, std::string owner) {
    return call<void>([&](auto d) {
      schedules().declare_owned(std::move(specs), ScheduleSource::kScript, owner, std::move(d));
    });
  };
  ASSERT_TRUE(declare_owned({spec(every_minute("a.one")), spec(every_minute("a.two"))}, "a"));
  ASSERT_TRUE(declare_owned({spec(every_minute("b.one"))}, "b"));
  EXPECT_EQ(schedules().view("a.one")->record.state.owner, "a");
  // Script b may not take a schedule of script a.
  auto taken = declare_owned({spec(every_minute("a.one"))}, "b");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_EQ(schedules().view("b.one")->record.state.owner, "b");
  // Script a drops one of its schedules; b's are untouched.
  ASSERT_TRUE(declare_owned({spec(every_minute("a.one"))}, "a"));
  EXPECT_FALSE(schedules().view("a.two"));
  EXPECT_TRUE(schedules().view("b.one"));
  h.reopen();
  EXPECT_EQ(schedules().size(), 2u);
  // At start-up the whole source is declared: script a is gone.
  ASSERT_TRUE(schedules().declare({{spec(every_minute("b.one")), "b"}}, ScheduleSource::kScript));
  EXPECT_FALSE(schedules().view("a.one"));
  EXPECT_EQ(schedules().size(), 1u);
}

}  // namespace
}  // namespace sundial::testing
