// Schedule crash test (issue 16, "each fire is idempotent"): the real
// sundiald fires 30 one-second schedules while it is SIGKILLed (6 times) at random
// moments (half of them just after a second starts, when fires are under
// way) and restarted on the same data directory.
//
// Each schedule enqueues a task per fire, into a queue of its own, so the
// tasks are what the fires made; no worker takes them. At the end (every
// schedule paused, the daemon stopped cleanly), for each schedule:
//  - no nominal time made two tasks or has two run-log entries, and every
//    run-log entry names its derived task, which exists;
//  - `backfill` (with a budget larger than any downtime): every whole
//    second from the first fire to the last has its task and its run-log
//    entry: nothing skipped, whatever the kills;
//  - `skip` and `fire_once`: a second without a task lies in a downtime
//    (from just before a kill to just after the restart), and a task
//    without a run-log entry was made just before a kill (its log write
//    was lost and the policy did not fire that time again);
//  - `fire_once`: at most one catch-up run per restart.
// The seed is printed (SUNDIAL_TEST_SEED replays the kill schedule; the
// moments still vary with the machine).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing::schedule_crash {
namespace {

using nlohmann::json;
using TimeMs = int64_t;

constexpr int kKills = 6;
constexpr TimeMs kSecond = 1000;
// How far from a kill or a restart a fire may be lost: the grace of the
// skip and fire_once schedules plus the slack of a sanitized build.
constexpr TimeMs kSlackMs = 3000;

struct Schedule {
  std::string id;
  json misfire;
};

std::vector<Schedule> schedules() {
  std::vector<Schedule> out;
  for (int i = 0; i < 20; ++i) out.push_back({"backfill-" + std::to_string(i), {{"backfill", 1000}}});
  for (int i = 0; i < 5; ++i) out.push_back({"skip-" + std::to_string(i), "skip"});
  for (int i = 0; i < 5; ++i) out.push_back({"fire-once-" + std::to_string(i), "fire_once"});
  return out;
}

TimeMs wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A time the daemon was down: from the SIGKILL to the restart's port line.
struct Downtime {
  TimeMs killed_at = 0;
  TimeMs ready_at = 0;
};

class ScheduleCrash : public ::testing::Test {
 protected:
  json call(const std::string& method, const std::string& target, const json& body = nullptr) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      HttpConnection c(daemon->port());
      auto reply = c.request(method, target, body.is_null() ? std::string() : body.dump(),
                             {{"Content-Type", "application/json"}});
      if (reply && reply->status == 503) {  // recovering
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      EXPECT_TRUE(reply && reply->status / 100 == 2)
          << method << " " << target << ": " << (reply ? reply->body : "no answer");
      return json_of(reply);
    }
    ADD_FAILURE() << method << " " << target << " stayed unavailable";
    return nullptr;
  }
  void start_daemon() {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"));
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }
  // Every page of `path` (a list answering `key` and next_cursor).
  std::vector<json> all(const std::string& path, const std::string& key) {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      json page = call("GET", path + "?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      if (!page.is_object()) return out;
      for (auto& item : page[key]) out.push_back(item);
      if (!page["next_cursor"].is_string()) return out;
      cursor = page["next_cursor"].get<std::string>();
    }
  }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

// The nominal time (ms) a derived id `id@YYYYMMDDTHHMMSSZ` names.
TimeMs nominal_of(const std::string& target) {
  auto at = target.rfind('@');
  std::tm tm{};
  if (at == std::string::npos || strptime(target.c_str() + at + 1, "%Y%m%dT%H%M%SZ", &tm) == nullptr)
    return -1;
  return static_cast<TimeMs>(timegm(&tm)) * kSecond;
}

bool near_a_kill(TimeMs t, const std::vector<Downtime>& downs) {
  for (const auto& d : downs)
    if (t >= d.killed_at - kSlackMs && t <= d.killed_at) return true;
  return false;
}
bool in_a_downtime(TimeMs t, const std::vector<Downtime>& downs) {
  for (const auto& d : downs)
    if (t >= d.killed_at - kSlackMs && t <= d.ready_at + kSlackMs) return true;
  return false;
}

TEST_F(ScheduleCrash, NoNominalTimeFiresTwiceOrIsSkippedAcrossKills) {
  unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::mt19937 rng(seed);

  start_daemon();
  TimeMs created_at = wall_now();
  for (const auto& s : schedules()) {
    call("POST", "/api/v1/schedules",
         {{"id", s.id},
          {"every", "1s"},
          {"misfire", s.misfire},
          {"misfire_grace", "2s"},
          {"overlap", "allow"},
          {"action", {{"task", {{"queue", s.id}, {"payload", {{"schedule", s.id}}}}}}}});
  }

  std::vector<Downtime> downs;
  for (int k = 0; k < kKills; ++k) {
    // Up for 0.5–2.5 s; half the kills land within 30 ms after a second
    // starts, while that second's 30 fires are under way.
    TimeMs up_until = wall_now() + std::uniform_int_distribution<TimeMs>(500, 2500)(rng);
    if (k % 2 == 0)
      up_until = (up_until / kSecond + 1) * kSecond + std::uniform_int_distribution<TimeMs>(0, 30)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<TimeMs>(0, up_until - wall_now())));
    Downtime d;
    d.killed_at = wall_now();
    daemon->kill();
    // Down for up to 3 s, often longer than the 2 s grace, so misfire
    // policies apply (the first time always).
    int down_ms = k == 0 ? 3500 : std::uniform_int_distribution<int>(0, 3000)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(down_ms));
    start_daemon();
    d.ready_at = wall_now();
    downs.push_back(d);
  }
  // Let the last restart catch up and fire a few more seconds, then stop
  // every schedule.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  for (const auto& s : schedules()) call("POST", "/api/v1/schedules/" + s.id + "/pause");
  TimeMs paused_at = wall_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // fires under way finish

  for (const auto& s : schedules()) {
    SCOPED_TRACE(s.id);
    std::map<TimeMs, std::string> tasks;  // nominal time → task id
    for (const auto& t : all("/api/v1/queues/" + s.id + "/tasks", "tasks")) {
      std::string id = t["task_id"].get<std::string>();
      TimeMs nominal = nominal_of(id);
      ASSERT_GT(nominal, 0) << id;
      EXPECT_TRUE(tasks.emplace(nominal, id).second) << "two tasks for " << id;
    }
    std::map<TimeMs, json> logged;
    int catch_ups = 0;
    for (const auto& run : all("/api/v1/schedules/" + s.id + "/runs", "runs")) {
      TimeMs nominal = run["nominal_time"].get<TimeMs>();
      EXPECT_TRUE(logged.emplace(nominal, run).second)
          << "two runs logged for " << nominal << ": " << run.dump();
      EXPECT_EQ(run["outcome"], "pending") << run.dump();
      auto task = tasks.find(nominal);
      EXPECT_TRUE(task != tasks.end() && task->second == run["target_id"]) << "no task for " << run.dump();
      if (run["trigger"] == "catch_up") ++catch_ups;
    }
    ASSERT_FALSE(tasks.empty());
    TimeMs first = tasks.begin()->first, last = tasks.rbegin()->first;
    EXPECT_LE(first, created_at + 2 * kSecond);
    EXPECT_GE(last, paused_at - kSlackMs);

    bool backfill = s.id.starts_with("backfill");
    int missing = 0;
    for (TimeMs t = first; t <= last; t += kSecond) {
      bool has_task = tasks.contains(t);
      if (backfill) {
        EXPECT_TRUE(has_task && logged.contains(t)) << "second " << t << " was skipped";
        continue;
      }
      if (!has_task) {
        ++missing;
        EXPECT_TRUE(in_a_downtime(t, downs)) << "second " << t << " was skipped while the daemon was up";
      } else if (!logged.contains(t)) {
        EXPECT_TRUE(near_a_kill(t, downs)) << "second " << t << " made a task but logged no run";
      }
    }
    if (s.id.starts_with("fire-once")) {
      EXPECT_LE(catch_ups, kKills);
    }
    if (backfill) {
      EXPECT_GT(catch_ups, 0) << "no downtime outlasted the grace; the test proved little";
    }
    RecordProperty(s.id + "_fires", static_cast<int>(tasks.size()));
    RecordProperty(s.id + "_missing", missing);
  }
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
}

}  // namespace
}  // namespace sundial::testing::schedule_crash
