// The schedule routes (server/api/schedule_routes.cc) over a real engine
// with a ManualClock: create (201, the same again 200, another spec 409),
// list with the next three times and cursor pages, get, replace, delete,
// pause, resume, trigger, the run log newest first in pages, and hostile
// bodies, ids and queries answered 4xx without changing anything.
#include "engine/engine.h"
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

// 2026-01-01T00:00:00Z, the ManualClock's start: a whole minute.
constexpr TimeMs kClockStart = 1767225600000;
constexpr TimeMs kMinute = 60000;

json every_minute(const std::string& id) {
  return {{"id", id},
          {"every", "1m"},
          {"action", {{"start", {{"type", "test.wait"}, {"input", {{"from", id}}}}}}},
          {"overlap", "allow"}};
}

class ScheduleRoutesTest : public ApiTest {
 protected:
  json post(const json& body, int expected = 201) {
    auto r = call("POST", "/api/v1/schedules", body.dump());
    EXPECT_EQ(r.status, expected) << r.body;
    return json_of(r);
  }
  // Moves the clock to `t` and fires what is due.
  void at(TimeMs t) {
    h.clock.set(t);
    for (int i = 0; i < 3; ++i) {
      h.engine->schedules().poll();
      h.drain();
    }
  }
  json listed() { return json_of(call("GET", "/api/v1/schedules"))["schedules"]; }
};

TEST_F(ScheduleRoutesTest, CreateAnswersTheScheduleWithItsNextTimesAndIsIdempotent) {
  json made = post(every_minute("hourly-sync"));
  EXPECT_EQ(made["id"], "hourly-sync");
  EXPECT_EQ(made["every"], "1m");
  EXPECT_EQ(made["timezone"], "UTC");
  EXPECT_EQ(made["source"], "api");
  EXPECT_EQ(made["paused"], false);
  EXPECT_EQ(made["overlap"], "allow");
  EXPECT_EQ(made["next"],
            json::array({kClockStart + kMinute, kClockStart + 2 * kMinute, kClockStart + 3 * kMinute}));
  EXPECT_EQ(made["action"]["start"]["type"], "test.wait");

  json again = post(every_minute("hourly-sync"), 200);
  EXPECT_EQ(again["id"], "hourly-sync");
  json other = every_minute("hourly-sync");
  other["every"] = "5m";
  auto conflict = call("POST", "/api/v1/schedules", other.dump());
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(code_of(conflict), "conflict");
  EXPECT_EQ(json_of(call("GET", "/api/v1/schedules/hourly-sync"))["every"], "1m");
}

TEST_F(ScheduleRoutesTest, ListPagesInIdOrderWithTheNextThreeTimes) {
  for (std::string id : {"c", "a", "b"}) post(every_minute(id));
  json cron = every_minute("d");
  cron.erase("every");
  cron["cron"] = "0 9 * * MON-FRI";
  cron["timezone"] = "Europe/Paris";
  post(cron);

  auto page = json_of(call("GET", "/api/v1/schedules?limit=2"));
  ASSERT_EQ(page["schedules"].size(), 2u);
  EXPECT_EQ(page["schedules"][0]["id"], "a");
  EXPECT_EQ(page["schedules"][1]["id"], "b");
  ASSERT_EQ(page["next_cursor"], "b");
  auto rest = json_of(call("GET", "/api/v1/schedules?limit=2&cursor=b"));
  ASSERT_EQ(rest["schedules"].size(), 2u);
  EXPECT_EQ(rest["schedules"][0]["id"], "c");
  EXPECT_TRUE(rest["next_cursor"].is_null());
  // 2026-01-01 is a Thursday: 09:00 in Paris (UTC+1 in winter) is 08:00Z,
  // then Friday, then (past the weekend) Monday the 5th.
  const json& d = rest["schedules"][1];
  EXPECT_EQ(d["cron"], "0 9 * * MON-FRI");
  EXPECT_EQ(d["next"], json::array({kClockStart + 8 * 60 * kMinute, kClockStart + 32 * 60 * kMinute,
                                    kClockStart + (4 * 24 + 8) * 60 * kMinute}));
}

TEST_F(ScheduleRoutesTest, PutReplacesOrCreatesAndDeleteRemoves) {
  post(every_minute("s"));
  json changed = every_minute("s");
  changed["every"] = "2m";
  auto replaced = call("PUT", "/api/v1/schedules/s", changed.dump());
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(json_of(replaced)["every"], "2m");
  EXPECT_EQ(json_of(replaced)["next"][0], kClockStart + 2 * kMinute);

  json without_id = every_minute("ignored");
  without_id.erase("id");
  auto created = call("PUT", "/api/v1/schedules/t", without_id.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json_of(created)["id"], "t");

  auto deleted = call("DELETE", "/api/v1/schedules/s");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(json_of(deleted)["deleted"], true);
  EXPECT_EQ(call("GET", "/api/v1/schedules/s").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/schedules/s").status, 404);
  EXPECT_EQ(listed().size(), 1u);
}

TEST_F(ScheduleRoutesTest, FiresShowInTheRunLogNewestFirstInPages) {
  post(every_minute("s"));
  for (int m = 1; m <= 5; ++m) at(kClockStart + m * kMinute);
  auto first = json_of(call("GET", "/api/v1/schedules/s/runs?limit=2"));
  ASSERT_EQ(first["runs"].size(), 2u) << first.dump();
  const json& newest = first["runs"][0];
  EXPECT_EQ(newest["nominal_time"], kClockStart + 5 * kMinute);
  EXPECT_EQ(newest["target_id"], "s@20260101T000500Z");
  EXPECT_EQ(newest["trigger"], "schedule");
  EXPECT_EQ(newest["outcome"], "waiting");
  EXPECT_TRUE(newest["duration_ms"].is_null());
  EXPECT_EQ(first["runs"][1]["nominal_time"], kClockStart + 4 * kMinute);
  ASSERT_TRUE(first["next_cursor"].is_string());

  std::vector<TimeMs> seen;
  std::string cursor = first["next_cursor"];
  for (int pages = 0; !cursor.empty() && pages < 10; ++pages) {
    auto page = json_of(call("GET", "/api/v1/schedules/s/runs?limit=2&cursor=" + cursor));
    for (const auto& run : page["runs"]) seen.push_back(run["nominal_time"]);
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  }
  EXPECT_EQ(seen, (std::vector<TimeMs>{kClockStart + 3 * kMinute, kClockStart + 2 * kMinute,
                                       kClockStart + kMinute}));
  EXPECT_EQ(json_of(call("GET", "/api/v1/schedules/s"))["fires"], 5);
  EXPECT_EQ(json_of(call("GET", "/api/v1/schedules/s"))["last_target"], "s@20260101T000500Z");
}

TEST_F(ScheduleRoutesTest, PauseStopsFiresResumeGoesOnFromNowAndTriggerFiresNow) {
  post(every_minute("s"));
  auto paused = call("POST", "/api/v1/schedules/s/pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(json_of(paused)["paused"], true);
  EXPECT_EQ(json_of(paused)["next"], json::array());
  at(kClockStart + 3 * kMinute);
  EXPECT_EQ(json_of(call("GET", "/api/v1/schedules/s/runs"))["runs"].size(), 0u);

  auto resumed = call("POST", "/api/v1/schedules/s/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(json_of(resumed)["paused"], false);
  EXPECT_EQ(json_of(resumed)["next"][0], kClockStart + 4 * kMinute);

  h.clock.set(kClockStart + 3 * kMinute + 1500);
  auto triggered = call("POST", "/api/v1/schedules/s/trigger");
  ASSERT_EQ(triggered.status, 200) << triggered.body;
  EXPECT_EQ(json_of(triggered)["trigger"], "manual");
  EXPECT_EQ(json_of(triggered)["target_id"], "s@20260101T000301.500Z");
  auto runs = json_of(call("GET", "/api/v1/schedules/s/runs"))["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["target_id"], "s@20260101T000301.500Z");
  for (std::string verb : {"pause", "resume", "trigger"}) {
    EXPECT_EQ(call("POST", "/api/v1/schedules/nope/" + verb).status, 404) << verb;
  }
}

TEST_F(ScheduleRoutesTest, HostileBodiesIdsAndQueriesAre4xxAndChangeNothing) {
  post(every_minute("keep"));
  json before = listed();
  auto with = [](std::function<void(json&)> change) {
    json body = every_minute("new");
    change(body);
    return body.dump();
  };
  const std::vector<std::string> bodies = {
      "not json",
      "[1, 2]",
      "{\"id\": \"a\", \"every\": \"1m\", \"action\": {\"start\": {\"type\": \"test.wait\"}}, \"x\": 1}",
      std::string(200, '['),
      "{\"id\": \"\xff\xfe\", \"every\": \"1m\"}",
      with([](json& b) { b["id"] = "has space"; }),
      with([](json& b) { b["id"] = std::string(101, 'a'); }),
      with([](json& b) { b.erase("every"); }),
      with([](json& b) { b["cron"] = "* * * * *"; }),
      with([](json& b) {
        b.erase("every");
        b["cron"] = "61 * * * *";
      }),
      with([](json& b) {
        b.erase("every");
        b["cron"] = std::string(5000, '*');
      }),
      with([](json& b) { b["every"] = "0s"; }),
      with([](json& b) { b["every"] = "500ms"; }),
      with([](json& b) { b["every"] = "400d"; }),
      with([](json& b) { b["every"] = 60; }),
      with([](json& b) { b["timezone"] = "Mars/Olympus"; }),
      with([](json& b) { b["timezone"] = "../../etc/passwd"; }),
      with([](json& b) { b["misfire"] = "sometimes"; }),
      with([](json& b) {
        b["misfire"] = {{"backfill", 0}};
      }),
      with([](json& b) {
        b["misfire"] = {{"backfill", 100000}};
      }),
      with([](json& b) { b["misfire_grace"] = "0s"; }),
      with([](json& b) { b["misfire_grace"] = "8d"; }),
      with([](json& b) { b["overlap"] = "maybe"; }),
      with([](json& b) { b["jitter"] = "2m"; }),
      with([](json& b) { b["start_at"] = "tomorrow"; }),
      with([](json& b) {
        b["start_at"] = kClockStart;
        b["end_at"] = kClockStart - 1;
      }),
      with([](json& b) { b["paused"] = "yes"; }),
      with([](json& b) { b.erase("action"); }),
      with([](json& b) {
        b["action"] = {{"start", {{"type", "no.such.workflow"}}}};
      }),
      with([](json& b) {
        b["action"] = {{"launch", {{"type", "test.wait"}}}};
      }),
      with([](json& b) {
        b["action"] = {{"task", {{"payload", 1}}}};
      }),
      with([](json& b) {
        b["action"] = {{"signal", {{"id", "x"}, {"name", "go"}}}};
        b["overlap"] = "skip";
      }),
  };
  for (const auto& body : bodies) {
    auto r = call("POST", "/api/v1/schedules", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 200) << " → " << r.body;
    auto put = call("PUT", "/api/v1/schedules/keep", body);
    EXPECT_TRUE(put.status == 400) << body.substr(0, 200) << " → " << put.status << " " << put.body;
  }
  // Without an id a POST is refused (a PUT takes the path's).
  auto no_id = every_minute("new");
  no_id.erase("id");
  EXPECT_EQ(call("POST", "/api/v1/schedules", no_id.dump()).status, 400);
  EXPECT_EQ(call("GET", "/api/v1/schedules/bad%20id").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/schedules/" + std::string(101, 'a') + "/pause").status, 400);
  for (std::string q : {"limit=0", "limit=1001", "limit=x", "limit=-1"}) {
    EXPECT_EQ(call("GET", "/api/v1/schedules?" + q).status, 400) << q;
    EXPECT_EQ(call("GET", "/api/v1/schedules/keep/runs?" + q).status, 400) << q;
  }
  EXPECT_EQ(call("GET", "/api/v1/schedules/keep/runs?cursor=abc").status, 400);
  EXPECT_EQ(listed(), before);
}

}  // namespace
}  // namespace sundial::testing
