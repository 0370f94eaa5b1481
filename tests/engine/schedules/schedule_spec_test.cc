// Reading a schedule from untrusted JSON: defaults, the canonical form that
// reads back equal, and refusals that name the field.
#include <gtest/gtest.h>

#include "engine/schedules/schedule_codec.h"
#include "engine/schedules/schedule_spec.h"

namespace sundial {
namespace {

using nlohmann::json;

json base() {
  return {{"id", "nightly"}, {"cron", "0 3 * * *"}, {"action", {{"start", {{"type", "sync"}}}}}};
}

std::string refusal(json body) {
  auto spec = parse_schedule_spec(body);
  EXPECT_FALSE(spec) << body.dump();
  if (spec) return "";
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  return spec.error().message;
}

TEST(ScheduleSpecTest, DefaultsAndCanonicalForm) {
  auto spec = parse_schedule_spec(base());
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->zone.name(), "UTC");
  EXPECT_EQ(spec->misfire, MisfirePolicy::kFireOnce);
  EXPECT_EQ(spec->overlap, OverlapPolicy::kSkip);
  EXPECT_EQ(spec->misfire_grace, kMinuteMs);
  json canonical = schedule_spec_json(*spec);
  EXPECT_EQ(canonical["misfire"], "fire_once");
  EXPECT_EQ(canonical["action"]["start"]["input"], json::object());
  auto again = parse_schedule_spec(canonical);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(schedule_spec_json(*again), canonical);
}

TEST(ScheduleSpecTest, EveryFieldReadsBack) {
  json body = {{"id", "sync.monday-15"},
               {"every", "15m"},
               {"timezone", "Europe/Paris"},
               {"action", {{"task", {{"queue", "monday"}, {"payload", {{"board", 1}}}, {"priority", 5}}}}},
               {"misfire", {{"backfill", 4}}},
               {"misfire_grace", "5m"},
               {"overlap", "queue"},
               {"jitter", "30s"},
               {"start_at", 1767225600000},
               {"end_at", 1798761600000},
               {"paused", true}};
  auto spec = parse_schedule_spec(body);
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->backfill, 4u);
  EXPECT_EQ(spec->action.kind, ScheduleActionKind::kTask);
  EXPECT_EQ(spec->action.target, "monday");
  json canonical = schedule_spec_json(*spec);
  EXPECT_EQ(canonical["action"]["task"]["queue"], "monday");
  EXPECT_EQ(canonical["action"]["task"]["priority"], 5);
  EXPECT_EQ(canonical["jitter"], "30s");
  EXPECT_EQ(schedule_spec_json(*parse_schedule_spec(canonical)), canonical);
}

TEST(ScheduleSpecTest, RefusalsNameTheField) {
  auto with = [](json patch) {
    json b = base();
    b.update(patch);
    return b;
  };
  EXPECT_NE(refusal(with({{"cron", "0 25 * * *"}})).find("cron"), std::string::npos);
  EXPECT_NE(refusal(with({{"cron", "0 25 * * *"}})).find("position"), std::string::npos);
  EXPECT_NE(refusal(with({{"timezone", "Mars/Olympus"}})).find("timezone"), std::string::npos);
  json both = with({{"every", "1m"}});
  EXPECT_NE(refusal(both).find("one of them"), std::string::npos);
  json sub_second = base();
  sub_second.erase("cron");
  sub_second["every"] = "500ms";
  EXPECT_NE(refusal(sub_second).find("every"), std::string::npos);
  EXPECT_NE(refusal(with({{"id", "has space"}})).find("schedule id"), std::string::npos);
  EXPECT_NE(refusal(with({{"misfire", "later"}})).find("misfire"), std::string::npos);
  EXPECT_NE(refusal(with({{"misfire", {{"backfill", 0}}}})).find("backfill"), std::string::npos);
  EXPECT_NE(refusal(with({{"overlap", "sometimes"}})).find("overlap"), std::string::npos);
  EXPECT_NE(refusal(with({{"jitter", "2d"}})).find("jitter"), std::string::npos);
  EXPECT_NE(refusal(with({{"start_at", 10}, {"end_at", 5}})).find("end_at"), std::string::npos);
  EXPECT_NE(refusal(with({{"paused", "yes"}})).find("paused"), std::string::npos);
  EXPECT_NE(refusal(with({{"colour", "blue"}})).find("colour"), std::string::npos);
  EXPECT_NE(
      refusal(with({{"action", {{"start", {{"type", "a"}}}, {"task", {{"queue", "q"}}}}}})).find("action"),
      std::string::npos);
  EXPECT_NE(refusal(with({{"action", {{"launch", json::object()}}}})).find("launch"), std::string::npos);
  EXPECT_NE(refusal(with({{"action", {{"start", {{"type", "a"}, {"input", 3}}}}}})).find("input"),
            std::string::npos);
  EXPECT_NE(
      refusal(with({{"action", {{"task", {{"queue", "q"}, {"id", "x"}}}}}})).find("decided by the schedule"),
      std::string::npos);
  EXPECT_NE(refusal(with({{"action", {{"task", {{"queue", "q"}, {"priority", "high"}}}}}})).find("priority"),
            std::string::npos);
  EXPECT_NE(refusal(with({{"action", {{"signal", {{"id", "i"}}}}}})).find("name"), std::string::npos);
  json signal = with({{"action", {{"signal", {{"id", "i"}, {"name", "go"}}}}}, {"overlap", "skip"}});
  EXPECT_NE(refusal(signal).find("allow"), std::string::npos);
  EXPECT_NE(refusal(json::array()).find("object"), std::string::npos);
  json bad_utf8 = with({{"action", {{"start", {{"type", "a"}, {"input", {{"x", "\xff"}}}}}}}});
  EXPECT_FALSE(parse_schedule_spec(bad_utf8));
}

TEST(ScheduleSpecTest, PathIdMustMatchTheBody) {
  EXPECT_TRUE(parse_schedule_spec(base(), std::string_view("nightly")));
  json no_id = base();
  no_id.erase("id");
  EXPECT_EQ(parse_schedule_spec(no_id, std::string_view("other"))->id, "other");
  EXPECT_NE(refusal(no_id).find("id"), std::string::npos);
  auto other = parse_schedule_spec(base(), std::string_view("other"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("differs"), std::string::npos);
}

TEST(ScheduleCodecTest, RecordAndRunRoundTrip) {
  ScheduleRecord rec{*parse_schedule_spec(base()), {}};
  rec.state = ScheduleState{ScheduleSource::kConfig,    true,          5, 1, 2, 3, 4, 9,
                            "nightly@20260101T030000Z", "nightly_sync"};
  auto back = decode_schedule(encode_schedule(rec));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->state.source, ScheduleSource::kConfig);
  EXPECT_EQ(back->state.run_seq, 9u);
  EXPECT_EQ(back->state.last_target, "nightly@20260101T030000Z");
  EXPECT_EQ(back->state.owner, "nightly_sync");
  EXPECT_EQ(schedule_spec_json(back->spec), schedule_spec_json(rec.spec));
  EXPECT_FALSE(decode_schedule("{not json"));
  EXPECT_EQ(decode_schedule("{}").error().code, ErrorCode::kCorruption);

  ScheduleRun run{7, 100, 105, "t", "error", "no such type", RunTrigger::kCatchUp};
  std::string key = schedule_keys::run("nightly", 7);
  auto r = decode_schedule_run(key, encode_schedule_run(run));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 7u);
  EXPECT_EQ(r->error, "no such type");
  EXPECT_EQ(r->trigger, RunTrigger::kCatchUp);
  // One schedule's runs sort between its bounds, apart from a longer id's.
  EXPECT_LT(schedule_keys::runs_begin("nightly"), key);
  EXPECT_LT(key, schedule_keys::runs_end("nightly"));
  EXPECT_LT(schedule_keys::runs_end("a"), schedule_keys::runs_begin("a.b"));
}

}  // namespace
}  // namespace sundial
