// End-to-end nurture: the real sundiald with offsets of seconds, sending
// through the fake Resend on a loopback port. Exactly one accepted send
// per (instance, email) under provider failures and SIGKILLs; pause and
// resume move the schedule.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_provider.h"
#include "tests/support/http_client.h"
#include "tests/support/iso_time.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string kCalSecret = "whsec_cal";

std::string iso(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string booking(const std::string& trigger, const std::string& uid, int64_t start_ms,
                    const std::string& email, const std::string& reschedule_uid = "") {
  nlohmann::json payload = {{"uid", uid},
                            {"title", "Intro call"},
                            {"startTime", iso(start_ms)},
                            {"attendees", {{{"email", email}, {"name", "Ada"}}}}};
  if (!reschedule_uid.empty()) payload["rescheduleUid"] = reschedule_uid;
  return nlohmann::json{{"triggerEvent", trigger}, {"createdAt", iso(start_ms)}, {"payload", payload}}.dump();
}

std::string key_of(int user, int email) {
  return "nurture:user" + std::to_string(user) + "@example.com/send-" + std::to_string(email);
}

class NurtureTest : public ::testing::Test {
 protected:
  void write_config(const std::string& offsets,
                    const std::string& templates = SUNDIAL_SOURCE_DIR "/templates/nurture",
                    const std::string& more_nurture = "", const std::string& more_server = "") {
    std::ofstream(dir.sub("sundial.toml"))
        << "[server]\nwebhook_rate_per_second = 100000\nwebhook_burst = 100000\n"
        << more_server << "[resend]\nbase_url = \"" << fake.base_url()
        << "\"\nrate_per_second = 100000\nburst = 100000\n"
        << "timeout = \"1s\"\n"
        << "[nurture]\noffsets = " << offsets << "\ntemplates_dir = \"" << templates << "\"\n"
        << more_nurture
        << "[reminders]\nbefore = [\"2s\", \"1s\"]\ntemplates_dir = \"" SUNDIAL_SOURCE_DIR
           "/templates/reminders\"\n";
  }
  // `env` adds to the environment; `expect_start`: false for a start
  // that must be refused (then port() is 0 and the log says why).
  void start_daemon(std::vector<std::string> env = {}, bool expect_start = true) {
    env.push_back("RESEND_API_KEY=re_test");
    env.push_back("CALCOM_WEBHOOK_SECRET=" + kCalSecret);
    daemon = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--config", dir.sub("sundial.toml")}, std::move(env));
    if (expect_start) {
      ASSERT_GT(daemon->port(), 0) << daemon->log();
    }
  }
  void TearDown() override {
    if (daemon) daemon->stop();
  }

  HttpReply calcom(const std::string& body, std::string signature = "") {
    if (signature.empty()) signature = hmac_sha256_hex(kCalSecret, body);
    HttpConnection c(daemon->port());
    return c
        .request("POST", "/webhooks/calcom", body,
                 {{"Content-Type", "application/json"}, {"X-Cal-Signature-256", signature}})
        .value_or(HttpReply{});
  }
  HttpReply post(const std::string& path, const std::string& body) {
    HttpConnection c(daemon->port());
    return c.request("POST", path, body, {{"Content-Type", "application/json"}}).value_or(HttpReply{});
  }
  void signup(int user) {
    signed_up[user] = wall_ms();
    auto r = post("/webhooks/signup", R"({"email":"User)" + std::to_string(user) +
                                          R"(@Example.com","first_name":"U)" + std::to_string(user) +
                                          R"(","red":)" + std::to_string(user % 3) + "}");
    ASSERT_TRUE(r.status == 202 || r.status == 200) << r.status << " " << r.body;
  }
  bool wait_for(const std::function<bool()>& done, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 50) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  TempDir dir;
  FakeProvider fake;
  std::unique_ptr<DaemonProcess> daemon;
  std::map<int, int64_t> signed_up;
};

TEST_F(NurtureTest, HundredsOfSignupsGetSevenEmailsEachAtTheirOffsets) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  start_daemon();
  constexpr int kUsers = 300;
  for (int u = 0; u < kUsers; ++u) signup(u);
  EXPECT_EQ(post("/webhooks/signup", R"({"email":"user1@example.com"})").status, 200);  // one per address
  EXPECT_EQ(post("/webhooks/signup", R"({"email":"not-an-email"})").status, 400);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 7u * kUsers; }, 60000))
      << fake.accepted().size() << " accepted";
  auto accepted = fake.accepted();
  EXPECT_EQ(accepted.size(), 7u * kUsers);
  EXPECT_EQ(fake.repeated_accepts(), 0u);
  for (int u = 0; u < kUsers; ++u) {
    for (int e = 1; e <= 7; ++e) {
      auto it = accepted.find(key_of(u, e));
      ASSERT_NE(it, accepted.end()) << key_of(u, e);
      int64_t late = it->second - (signed_up[u] + (e - 1) * 1000);
      EXPECT_GE(late, -100) << key_of(u, e) << " went early";
      EXPECT_LE(late, 5000) << key_of(u, e) << " went late";
    }
  }
  auto first = fake.requests().front();
  EXPECT_EQ(first.authorization, "Bearer re_test");
  EXPECT_NE(first.body["subject"].get<std::string>().find("U"), std::string::npos);
}

// 20% of provider answers fail (429, 500 or a hang), on any attempt. A send
// is tried at most 3 times; one whose three attempts all fail fails its
// instance, visibly, and `retry` resumes it at that send once the provider
// is healthy. No email is ever accepted twice.
TEST_F(NurtureTest, ProviderFailuresNeverDoubleASendAndFailedSendsResumeOnRetry) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  std::mt19937 rng(test_seed());
  std::atomic<bool> faults{true};
  fake.script([&](const FakeRequest&) {
    if (!faults.load()) return FakeAnswer::kOk;
    switch (std::uniform_int_distribution<int>(0, 14)(rng)) {  // 3 in 15 = 20% fail
      case 0:
        return FakeAnswer::kTooManyRequests;
      case 1:
        return FakeAnswer::kServerError;
      case 2:
        return FakeAnswer::kHang;
      default:
        return FakeAnswer::kOk;
    }
  });
  start_daemon();
  constexpr int kUsers = 100;  // 700 sends: some fail all three attempts in almost every run
  for (int u = 0; u < kUsers; ++u) signup(u);
  HttpConnection api(daemon->port());
  auto instances_with = [&](const std::string& status) {
    auto r = api.request("GET", "/api/v1/instances?limit=1000&status=" + status);
    return r && r->status == 200 ? nlohmann::json::parse(r->body)["instances"] : nlohmann::json::array();
  };
  ASSERT_TRUE(wait_for(
      [&] { return instances_with("completed").size() + instances_with("failed").size() == kUsers; }, 90000));
  std::map<std::string, int> per_key;
  size_t failures = 0;
  for (const auto& r : fake.requests()) {
    ++per_key[r.idempotency_key];
    failures += r.answer != FakeAnswer::kOk;
  }
  EXPECT_GT(failures, 0u);
  EXPECT_EQ(fake.repeated_accepts(), 0u);
  for (const auto& [key, n] : per_key) EXPECT_LE(n, 3) << key << ": more than 3 attempts";
  auto failed = instances_with("failed");
  for (const auto& inst : failed) {
    std::string error = inst["last_error"].get<std::string>();
    EXPECT_NE(error.find("after 3 attempt(s)"), std::string::npos) << error;
    std::string step = inst["current_step"].is_string() ? inst["current_step"].get<std::string>() : "";
    EXPECT_EQ(per_key[inst["id"].get<std::string>() + "/" + step], 3) << inst.dump();
  }
  std::printf("provider failures: %zu failed answers, %zu instance(s) failed a send 3 times\n", failures,
              failed.size());

  faults = false;  // the provider recovers; the operator retries what failed
  for (const auto& inst : failed) {
    auto r = api.request("POST", "/api/v1/instances/" + inst["id"].get<std::string>() + "/retry");
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  }
  ASSERT_TRUE(wait_for([&] { return instances_with("completed").size() == kUsers; }, 60000));
  EXPECT_EQ(fake.accepted().size(), 7u * kUsers);
  EXPECT_EQ(fake.repeated_accepts(), 0u);
}

TEST_F(NurtureTest, SigkillsNeitherLoseNorDoubleAnEmail) {
  write_config(R"(["0s", "1s", "2s", "3s", "4s", "5s", "6s"])");
  std::mt19937 rng(test_seed());
  start_daemon();
  constexpr int kUsers = 50;
  for (int u = 0; u < kUsers; ++u) signup(u);
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(rng)));
    daemon->kill();
    start_daemon();
  }
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 7u * kUsers; }, 60000))
      << fake.accepted().size() << " accepted";
  EXPECT_EQ(fake.accepted().size(), 7u * kUsers);  // one accepted send per key: none missing, none twice
  for (int u = 0; u < kUsers; ++u) {
    for (int e = 1; e <= 7; ++e) EXPECT_TRUE(fake.accepted().count(key_of(u, e))) << key_of(u, e);
  }
}

TEST_F(NurtureTest, PauseShiftsTheRestAndResumeFireSendsWhatIsOverdue) {
  write_config(R"(["0s", "2s", "4s"])");
  start_daemon();
  signup(1);
  signup(2);
  ASSERT_TRUE(wait_for(
      [&] { return fake.accepted().count(key_of(1, 1)) && fake.accepted().count(key_of(2, 1)); }, 10000));
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/pause", "").status, 200);
  ASSERT_EQ(post("/api/v1/instances/nurture:user2@example.com/pause", "").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_FALSE(fake.accepted().count(key_of(1, 2)));  // held while paused
  int64_t resumed = wall_ms();
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/resume", R"({"policy":"shift"})").status, 200);
  ASSERT_EQ(post("/api/v1/instances/nurture:user2@example.com/resume", R"({"policy":"fire"})").status, 200);
  ASSERT_TRUE(wait_for(
      [&] { return fake.accepted().count(key_of(1, 3)) && fake.accepted().count(key_of(2, 3)); }, 15000));
  auto accepted = fake.accepted();
  // fire: the overdue email 2 goes at once.
  EXPECT_LE(accepted[key_of(2, 2)] - resumed, 1500);
  // shift: email 2 keeps its distance from the pause, about 2 s after signup + ~3 s paused.
  EXPECT_GE(accepted[key_of(1, 2)] - signed_up[1], 2000 + 2500);
}

TEST_F(NurtureTest, BookingStopsTheSequenceAndALeftoverPlaceholderSendsNothing) {
  TempDir templates;
  std::ofstream(templates.sub("email-1.tmpl")) << "--- subject\nHi {{first_name}}\n--- html\n<p>one</p>\n";
  std::ofstream(templates.sub("email-2.tmpl")) << "--- subject\nHi\n--- html\n<p>{{no_such_value}}</p>\n";
  write_config(R"(["0s", "1s"])", templates.path());
  start_daemon();
  // Reported at start-up, as a warning: the sequence still starts.
  EXPECT_TRUE(
      daemon->wait_for_log("template email-2 uses {{no_such_value}}, which the nurture does not fill"))
      << daemon->log();
  signup(1);
  signup(2);
  ASSERT_TRUE(wait_for(
      [&] { return fake.accepted().count(key_of(1, 1)) && fake.accepted().count(key_of(2, 1)); }, 10000));
  ASSERT_EQ(post("/api/v1/instances/nurture:user1@example.com/signals/booked", "").status, 202);
  HttpConnection c(daemon->port());
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = c.request("GET", "/api/v1/instances/nurture:user2@example.com");
        return r && nlohmann::json::parse(r->body)["status"] == "failed";
      },
      10000));
  auto failed = c.request("GET", "/api/v1/instances/nurture:user2@example.com");
  EXPECT_NE(failed->body.find("no_such_value"), std::string::npos) << failed->body;
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = c.request("GET", "/api/v1/instances/nurture:user1@example.com");
        return r && nlohmann::json::parse(r->body)["status"] == "completed";
      },
      10000));
  EXPECT_FALSE(fake.accepted().count(key_of(1, 2)));  // booked: no more emails
  EXPECT_FALSE(fake.accepted().count(key_of(2, 2)));  // never sent with a placeholder left
}

TEST_F(NurtureTest, CalcomBookingsScheduleRescheduleCancelAndStopTheNurture) {
  write_config(R"(["0s", "4s"])");
  start_daemon();
  signup(1);
  ASSERT_TRUE(wait_for([&] { return fake.accepted().count(key_of(1, 1)) > 0; }, 10000));
  int64_t now = wall_ms();
  // A bad signature starts nothing.
  auto forged =
      calcom(booking("BOOKING_CREATED", "bad", now + 3000, "user1@example.com"), std::string(64, '0'));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(post("/api/v1/instances/booking:bad/pause", "").status, 404);
  // A booking for the signed-up address: reminders 2 s and 1 s before, and the nurture stops.
  auto created = calcom(booking("BOOKING_CREATED", "a1", now + 3000, "User1@example.com"));
  ASSERT_EQ(created.status, 202) << created.body;
  EXPECT_EQ(calcom(booking("BOOKING_CREATED", "a1", now + 3000, "User1@example.com")).status,
            200);  // redelivery
  // Rescheduled: the old plan is cancelled, the new time planned.
  auto moved_from = calcom(booking("BOOKING_CREATED", "r1", now + 60000, "other@example.com"));
  ASSERT_EQ(moved_from.status, 202);
  ASSERT_EQ(calcom(booking("BOOKING_RESCHEDULED", "r2", now + 3000, "other@example.com", "r1")).status, 202);
  // Cancelled: nothing is sent.
  ASSERT_EQ(calcom(booking("BOOKING_CREATED", "c1", now + 3000, "third@example.com")).status, 202);
  ASSERT_EQ(calcom(nlohmann::json{{"triggerEvent", "BOOKING_CANCELLED"}, {"payload", {{"uid", "c1"}}}}.dump())
                .status,
            202);
  // Booked too late for the 2 s reminder: only the 1 s one.
  ASSERT_EQ(calcom(booking("BOOKING_CREATED", "late", now + 1500, "late@example.com")).status, 202);
  // Unknown triggers are acknowledged.
  EXPECT_EQ(calcom(nlohmann::json{{"triggerEvent", "MEETING_ENDED"}, {"uid", "x"}}.dump()).status, 202);

  ASSERT_TRUE(wait_for(
      [&] {
        auto a = fake.accepted();
        return a.count("booking:a1/reminder-1s") && a.count("booking:r2/reminder-1s") &&
               a.count("booking:late/reminder-1s");
      },
      15000))
      << fake.accepted().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // room for anything that should not happen
  auto a = fake.accepted();
  EXPECT_TRUE(a.count("booking:a1/reminder-2s"));
  EXPECT_TRUE(a.count("booking:r2/reminder-2s"));
  EXPECT_FALSE(a.count("booking:r1/reminder-2s") || a.count("booking:r1/reminder-1s"));
  EXPECT_FALSE(a.count("booking:c1/reminder-2s") || a.count("booking:c1/reminder-1s"));
  EXPECT_FALSE(a.count("booking:late/reminder-2s"));
  EXPECT_GE(a["booking:a1/reminder-1s"], now + 3000 - 1000 - 100);
  ASSERT_TRUE(wait_for([&] { return wall_ms() > signed_up[1] + 5500; }, 10000));
  EXPECT_FALSE(fake.accepted().count(key_of(1, 2)));  // the booking stopped the nurture
}

TEST_F(NurtureTest, SignupsArriveAsJsonOrAsAFormBody) {
  write_config(R"(["1d"])");  // nothing is sent during the test
  start_daemon();
  HttpConnection c(daemon->port());
  auto instance = [&](const std::string& id) {
    auto r = c.request("GET", "/api/v1/instances/" + id);
    return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
  };
  auto json =
      post("/webhooks/signup", R"({"email":" Json@Example.com ","firstName":"Jo","red":"1","orange":3})");
  ASSERT_EQ(json.status, 202) << json.body;
  EXPECT_EQ(nlohmann::json::parse(json.body)["instance_id"], "nurture:json@example.com");
  auto form = c.request("POST", "/webhooks/signup", "email=Form%40Example.com&name=Fo+Rm&red=2&orange=0",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(form);
  ASSERT_EQ(form->status, 202) << form->body;
  EXPECT_EQ(nlohmann::json::parse(form->body)["instance_id"], "nurture:form@example.com");
  auto from_json = instance("nurture:json@example.com");
  EXPECT_EQ(from_json["input"]["first_name"], "Jo");
  EXPECT_EQ(from_json["input"]["segment"], "urgent");
  auto from_form = instance("nurture:form@example.com");
  EXPECT_EQ(from_form["type"], "nurture");
  EXPECT_EQ(from_form["input"]["first_name"], "Fo Rm");
  EXPECT_EQ(from_form["input"]["red"], 2);
  EXPECT_EQ(from_form["input"]["segment"], "critical");
  // The same address again, in the other encoding: the existing instance.
  auto again = c.request("POST", "/webhooks/signup", "email=json%40example.com",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  auto bad = c.request("POST", "/webhooks/signup", "email=not-an-email",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
}

// The campaign's own form names the counts red_systems and orange_systems:
// two red systems make the lead CRITICAL, and the first email is the
// CRITICAL variant (once the names were ignored and it got OPTIMIZE).
TEST_F(NurtureTest, TheCampaignFormsRedSystemsFieldPicksTheCriticalEmail) {
  write_config(R"(["0s"])");
  start_daemon();
  HttpConnection c(daemon->port());
  auto form = c.request("POST", "/webhooks/signup",
                        "email=crit%40example.com&first_name=Cy&red_systems=2&orange_systems=1",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(form);
  ASSERT_EQ(form->status, 202) << form->body;
  auto json = post("/webhooks/signup", R"({"email":"crit2@example.com","first_name":"Jo","red_systems":2})");
  ASSERT_EQ(json.status, 202) << json.body;
  auto urgent = post("/webhooks/signup", R"({"email":"urg@example.com","orange_systems":"3"})");
  ASSERT_EQ(urgent.status, 202) << urgent.body;
  ASSERT_TRUE(wait_for([&] { return fake.accepted().size() >= 3u; }, 20000)) << fake.accepted().size();
  std::map<std::string, nlohmann::json> sent;  // idempotency key → email
  for (const auto& r : fake.requests()) sent[r.idempotency_key] = r.body;
  for (const std::string id : {"nurture:crit@example.com", "nurture:crit2@example.com"}) {
    ASSERT_TRUE(sent.count(id + "/send-1")) << id;
    EXPECT_NE(sent[id + "/send-1"]["subject"].get<std::string>().find("CRITICAL"), std::string::npos)
        << sent[id + "/send-1"].dump();
    EXPECT_NE(sent[id + "/send-1"]["html"].get<std::string>().find("2 of your systems are red"),
              std::string::npos)
        << sent[id + "/send-1"].dump();
  }
  ASSERT_TRUE(sent.count("nurture:urg@example.com/send-1"));
  EXPECT_NE(sent["nurture:urg@example.com/send-1"]["subject"].get<std::string>().find("URGENT"),
            std::string::npos)
      << sent["nurture:urg@example.com/send-1"].dump();
}

// A BOOKING_RESCHEDULED whose uid is its rescheduleUid moves the booking:
// its first plan is cancelled and exactly one plan, for the new time, runs.
TEST_F(NurtureTest, ARescheduleThatKeepsTheUidPlansTheNewTimeOnce) {
  write_config(R"(["1d"])");
  start_daemon();
  HttpConnection c(daemon->port());
  auto status_of = [&](const std::string& id) {
    auto r = c.request("GET", "/api/v1/instances/" + id);
    return r && r->status == 200 ? nlohmann::json::parse(r->body)["status"].get<std::string>()
                                 : std::string("none");
  };
  auto moved = [&](const std::string& trigger, const std::string& uid, int64_t start, int64_t old_start) {
    auto body = nlohmann::json::parse(booking(trigger, uid, start, "mover@example.com", uid));
    body["payload"]["rescheduleStartTime"] = iso(old_start);
    return calcom(body.dump());
  };
  int64_t now = wall_ms();
  int64_t first = now + 600000, second = now + 4000;
  ASSERT_EQ(calcom(booking("BOOKING_CREATED", "s1", first, "mover@example.com")).status, 202);
  auto r = moved("BOOKING_RESCHEDULED", "s1", second, first);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string planned = "booking:s1:" + std::to_string(second);
  EXPECT_EQ(nlohmann::json::parse(r.body)["instance_id"], planned);
  EXPECT_EQ(moved("BOOKING_RESCHEDULED", "s1", second, first).status, 200);  // redelivery: same plan
  EXPECT_EQ(status_of("booking:s1"), "cancelled");
  EXPECT_TRUE(wait_for([&] { return status_of(planned) == "waiting"; }, 5000)) << status_of(planned);

  // Moved in place and then cancelled: the moved plan is cancelled too.
  ASSERT_EQ(calcom(booking("BOOKING_CREATED", "s2", first, "mover@example.com")).status, 202);
  ASSERT_EQ(moved("BOOKING_RESCHEDULED", "s2", first + 60000, first).status, 202);
  auto cancel = nlohmann::json::parse(booking("BOOKING_CANCELLED", "s2", first + 60000, "mover@example.com"));
  ASSERT_EQ(calcom(cancel.dump()).status, 202);
  EXPECT_EQ(status_of("booking:s2"), "cancelled");
  EXPECT_EQ(status_of("booking:s2:" + std::to_string(first + 60000)), "cancelled");

  ASSERT_TRUE(wait_for(
      [&] {
        auto a = fake.accepted();
        return a.count(planned + "/reminder-2s") && a.count(planned + "/reminder-1s");
      },
      15000))
      << fake.accepted().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // room for anything that should not happen
  size_t reminders = 0;
  for (const auto& [key, at] : fake.accepted()) reminders += key.starts_with("booking:");
  EXPECT_EQ(reminders, 2u);  // the two reminders of the moved booking, nothing else
  EXPECT_TRUE(wait_for([&] { return status_of(planned) == "completed"; }, 5000)) << status_of(planned);
}

// Send windows closed now, across a SIGKILL: the nurture waits for its
// window's opening in its signal wait (so an unsubscribe meanwhile still
// stops the email), and a step due outside a start's own window waits as
// step_deferred. Each answer comes once the wait is durable; the restarted
// daemon holds both for the same opening, and nothing is sent.
TEST_F(NurtureTest, SendWindowsHoldEmailsAndStepsAcrossASigkill) {
  // Every day from two hours from now, for an hour, in UTC.
  const int64_t opens = (wall_ms() + 2 * 3600 * 1000) / 60000 * 60000;
  const auto hhmm = utc_hhmm;
  const std::string window =
      "{ from = \"" + hhmm(opens) + "\", to = \"" + hhmm(opens + 3600 * 1000) + "\", timezone_from = \"timezone\" }";
  write_config(R"(["0s", "1s"])", SUNDIAL_SOURCE_DIR "/templates/nurture",
               "[workflows.nurture]\nsend_window = " + window + "\n");
  start_daemon();
  auto r = post("/webhooks/signup", R"({"email":"ada@example.com","timezone":"UTC"})");
  ASSERT_TRUE(r.status == 202 || r.status == 200) << r.status << " " << r.body;
  const std::string json_window =
      R"({"from":")" + hhmm(opens) + R"(","to":")" + hhmm(opens + 3600 * 1000) + R"("})";
  auto started = post("/api/v1/workflows/bench.steps/instances",
                      R"({"id":"steps","input":{"steps":2},"send_window":)" + json_window + "}");
  ASSERT_EQ(started.status, 201) << started.body;
  daemon->kill();
  start_daemon();
  HttpConnection c(daemon->port());
  auto get = [&](const std::string& path) {
    auto reply = c.request("GET", path);
    EXPECT_TRUE(reply && reply->status == 200) << path;
    return reply ? nlohmann::json::parse(reply->body) : nlohmann::json();
  };

  auto nurture = get("/api/v1/instances/nurture:ada@example.com");
  EXPECT_EQ(nurture["status"], "waiting") << nurture.dump();
  EXPECT_EQ(nurture["next_timer"], opens) << nurture.dump();
  EXPECT_EQ(nurture["input"]["timezone"], "UTC");
  EXPECT_EQ(nurture["input"]["send_window"]["from"], hhmm(opens));
  EXPECT_EQ(nurture["waiting_for_signals"], nlohmann::json({"booked", "unsubscribed"}));

  auto steps = get("/api/v1/instances/steps");
  EXPECT_EQ(steps["status"], "waiting") << steps.dump();
  EXPECT_EQ(steps["window_opens_at"], opens) << steps.dump();
  int deferred = 0;
  const nlohmann::json history = get("/api/v1/instances/steps/history");
  for (const auto& e : history["entries"]) {
    if (e["event"] != "step_deferred") continue;
    ++deferred;
    EXPECT_EQ(e["due"], opens);
    EXPECT_EQ(e["timezone"], "UTC");
  }
  EXPECT_EQ(deferred, 1);  // the restart did not defer it again

  // An unsubscribe while the email waits for the window stops it.
  auto unsubscribed = post("/api/v1/instances/nurture:ada@example.com/signals/unsubscribed", "{}");
  ASSERT_EQ(unsubscribed.status, 202) << unsubscribed.body;
  EXPECT_TRUE(wait_for([&] { return get("/api/v1/instances/nurture:ada@example.com")["status"] == "completed"; },
                       10000));
  EXPECT_TRUE(fake.requests().empty());  // nothing was sent
}

// kill -9 while an email is in flight: the instance is running, so the
// engine resumes it as it opens, and the Lua nurture must be registered by
// then (it was loaded after recovery once, and such an instance failed
// with "workflow type 'nurture' is not registered in this build").
TEST_F(NurtureTest, AnInstanceMidSendAtASigkillResumesUnderLua) {
  write_config(R"(["0s"])");
  std::atomic<bool> hang{true};
  fake.script([&](const FakeRequest&) { return hang.load() ? FakeAnswer::kHang : FakeAnswer::kOk; });
  start_daemon();
  signup(1);
  ASSERT_TRUE(wait_for([&] { return !fake.requests().empty(); }, 10000));  // send-1 in flight
  daemon->kill();
  hang = false;
  start_daemon();
  ASSERT_TRUE(wait_for([&] { return fake.accepted().count(key_of(1, 1)) > 0; }, 20000)) << daemon->log();
  HttpConnection c(daemon->port());
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = c.request("GET", "/api/v1/instances/nurture:user1@example.com");
        return r && r->status == 200 && nlohmann::json::parse(r->body)["status"] == "completed";
      },
      10000));
}

// The campaign's form posts to /webhook/christmas-signup: [nurture]
// signup_path moves the route, and the nurture it starts is the shipped
// Lua script.
TEST_F(NurtureTest, TheSignupPathIsConfigurable) {
  write_config(R"(["1d"])", SUNDIAL_SOURCE_DIR "/templates/nurture",
               "signup_path = \"/webhook/christmas-signup\"\n");
  start_daemon();
  auto moved = post("/webhook/christmas-signup", R"({"email":"xmas@example.com","red_systems":2})");
  ASSERT_EQ(moved.status, 202) << moved.body;
  EXPECT_EQ(nlohmann::json::parse(moved.body)["instance_id"], "nurture:xmas@example.com");
  EXPECT_EQ(post("/webhooks/signup", R"({"email":"old@example.com"})").status, 404);
  HttpConnection c(daemon->port());
  auto described = c.request("GET", "/api/v1/instances/nurture:xmas@example.com");
  ASSERT_TRUE(described && described->status == 200);
  auto instance = nlohmann::json::parse(described->body);
  EXPECT_EQ(instance["input"]["segment"], "critical");
  EXPECT_EQ(instance["input"]["offsets_ms"], nlohmann::json({86400000}));
  auto listed = c.request("GET", "/api/v1/workflows");
  ASSERT_TRUE(listed && listed->status == 200);
  std::map<std::string, std::string> kinds;
  nlohmann::json types = nlohmann::json::parse(listed->body);
  for (const auto& w : types["workflows"]) {
    kinds[w["type"].get<std::string>()] = w["kind"].get<std::string>();
  }
  EXPECT_EQ(kinds["nurture"], "lua") << listed->body;
  EXPECT_EQ(kinds["reminders"], "lua") << listed->body;
}

// A data directory written by the C++ build (tests/fixtures/legacy-
// nurture-reminders: nurtures and reminders stopped mid-sequence in
// January 2026) opened by this sundiald: the shipped Lua scripts replay
// the old journals and send what was left, once each.
TEST_F(NurtureTest, ADataDirWrittenByTheCppBuildFinishesUnderLua) {
  std::filesystem::copy(SUNDIAL_SOURCE_DIR "/tests/fixtures/legacy-nurture-reminders", dir.sub("data"),
                        std::filesystem::copy_options::recursive);
  write_config(R"(["0s"])");  // the old instances keep the offsets stored on them
  start_daemon();
  HttpConnection c(daemon->port());
  auto status_of = [&](const std::string& id) {
    auto r = c.request("GET", "/api/v1/instances/" + id);
    return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
  };
  const std::vector<std::string> ids = {"nurture:ada@example.com", "nurture:bob@example.com",
                                        "nurture:cy@example.com", "booking:bk1", "booking:bk2"};
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& id : ids) {
          if (status_of(id)["status"] != "completed") return false;
        }
        return true;
      },
      30000))
      << daemon->log();
  std::set<std::string> sent;
  for (const auto& [key, at] : fake.accepted()) sent.insert(key);
  // What the C++ build had sent (in log mode) is not sent again.
  EXPECT_EQ(sent, (std::set<std::string>{"nurture:ada@example.com/send-3", "nurture:ada@example.com/send-4",
                                         "nurture:ada@example.com/send-5", "nurture:ada@example.com/send-6",
                                         "nurture:ada@example.com/send-7", "nurture:cy@example.com/send-2",
                                         "nurture:cy@example.com/send-3", "booking:bk1/reminder-1h",
                                         "booking:bk2/reminder-1h", "booking:bk2/reminder-15m"}));
  EXPECT_EQ(fake.repeated_accepts(), 0u);
  for (const auto& id : ids) EXPECT_EQ(status_of(id)["last_error"], nlohmann::json()) << id;
}

// Issue 21: the nurture is checked when sundiald starts. Eight offsets
// with the seven shipped templates stop it, naming the missing file,
// rather than fail every nurture at its eighth email.
TEST_F(NurtureTest, MoreOffsetsThanTemplatesStopTheStartNamingTheMissingTemplate) {
  write_config(R"(["0s", "1d", "3d", "5d", "7d", "9d", "11d", "13d"])");
  start_daemon({}, /*expect_start=*/false);
  EXPECT_EQ(daemon->port(), 0);
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << daemon->log();
  EXPECT_NE(daemon->log().find("[nurture] offsets lists 8 emails but templates_dir '" SUNDIAL_SOURCE_DIR
                               "/templates/nurture' has no email-8.tmpl"),
            std::string::npos)
      << daemon->log();
  daemon.reset();
}

TEST_F(NurtureTest, AThankYouUrlThatIsNotAnAbsoluteHttpUrlStopsTheStart) {
  write_config(R"(["1d"])", SUNDIAL_SOURCE_DIR "/templates/nurture", "thank_you_url = \"/thanks\"\n");
  start_daemon({}, /*expect_start=*/false);
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << daemon->log();
  EXPECT_NE(daemon->log().find("[nurture] thank_you_url: '/thanks' is not an absolute URL"),
            std::string::npos)
      << daemon->log();
  daemon.reset();
}

// A website's HTML form posts to the signup route: the browser is sent on
// to the thank-you page (303); a JSON client still gets JSON. The segment
// variants found are logged at start-up.
TEST_F(NurtureTest, ABrowserFormPostIsRedirectedToTheThankYouPage) {
  write_config(R"(["1d", "2d", "3d", "4d", "5d", "6d", "7d"])", SUNDIAL_SOURCE_DIR "/templates/nurture",
               "thank_you_url = \"https://example.com/thanks?from=signup\"\n");
  start_daemon();
  EXPECT_TRUE(daemon->wait_for_log("segment variants: email-1 (critical, optimize, urgent)"))
      << daemon->log();
  HttpConnection c(daemon->port());
  auto form = c.request("POST", "/webhooks/signup", "email=Form%40Example.com&first_name=Ada&red_systems=2",
                        {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 303) << form->body;
  EXPECT_EQ(form->header("location"), "https://example.com/thanks?from=signup");
  auto started = c.request("GET", "/api/v1/instances/nurture:form@example.com");
  ASSERT_TRUE(started && started->status == 200);
  EXPECT_EQ(nlohmann::json::parse(started->body)["input"]["segment"], "critical");

  auto json = post("/webhooks/signup", R"({"email":"json@example.com"})");
  EXPECT_EQ(json.status, 202) << json.body;
  EXPECT_EQ(json.header("location"), "");
  EXPECT_EQ(nlohmann::json::parse(json.body)["instance_id"], "nurture:json@example.com");

  auto refused = c.request("POST", "/webhooks/signup", "email=not-an-email",
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(refused->header("location"), "");
}

// One allow-list, [server] cors_origins, for every route a browser page
// calls: the webhook routes, the topic streams and the admin API, each
// preflight listing its own methods and headers. Refused origins get 403
// preflights and answers without CORS headers; pages get none.
TEST_F(NurtureTest, CorsCoversWebhooksStreamsAndTheApiFromOneAllowList) {
  write_config(R"(["1d"])", SUNDIAL_SOURCE_DIR "/templates/nurture", "",
               "cors_origins = [\"https://app.example.com\"]\n");
  start_daemon({"SUNDIAL_ADMIN_TOKEN=e2e-token"});
  const std::string app = "https://app.example.com", evil = "https://evil.example";
  auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers) {
    HttpConnection c(daemon->port());
    return c.request(method, target, body, headers).value_or(HttpReply{});
  };
  auto preflight = [&](const std::string& target, const std::string& origin, const std::string& method,
                       const std::string& headers) {
    return call("OPTIONS", target, "",
                {{"Origin", origin},
                 {"Access-Control-Request-Method", method},
                 {"Access-Control-Request-Headers", headers}});
  };

  // Webhooks: POST with Content-Type.
  for (const char* path : {"/webhooks/signup", "/webhooks/calcom"}) {
    auto allowed = preflight(path, app, "POST", "content-type");
    EXPECT_EQ(allowed.status, 204) << path << " " << allowed.body;
    EXPECT_EQ(allowed.header("access-control-allow-origin"), app);
    EXPECT_EQ(allowed.header("access-control-allow-methods"), "POST");
    EXPECT_EQ(allowed.header("access-control-allow-headers"), "content-type");
    auto refused = preflight(path, evil, "POST", "content-type");
    EXPECT_EQ(refused.status, 403) << path;
    EXPECT_EQ(refused.header("access-control-allow-origin"), "");
  }
  auto signup = call("POST", "/webhooks/signup", R"({"email":"cors@example.com"})",
                     {{"Content-Type", "application/json"}, {"Origin", app}});
  EXPECT_EQ(signup.status, 202) << signup.body;
  EXPECT_EQ(signup.header("access-control-allow-origin"), app);
  EXPECT_EQ(signup.header("vary"), "Origin");
  auto other = call("POST", "/webhooks/signup", R"({"email":"cors2@example.com"})",
                    {{"Content-Type", "application/json"}, {"Origin", evil}});
  EXPECT_EQ(other.status, 202) << "a public route: served, but its answer is not readable by that page";
  EXPECT_EQ(other.header("access-control-allow-origin"), "");

  // Topic streams: GET with Last-Event-ID (an EventSource reconnecting).
  const std::string stream = "/api/v1/topics/tasks/stream";
  auto allowed = preflight(stream, app, "GET", "last-event-id");
  EXPECT_EQ(allowed.status, 204) << allowed.body;
  EXPECT_EQ(allowed.header("access-control-allow-methods"), "GET");
  EXPECT_EQ(allowed.header("access-control-allow-headers"), "authorization, last-event-id");
  EXPECT_EQ(preflight(stream, evil, "GET", "last-event-id").status, 403);
  auto expired = call("GET", stream + "?access_token=st1.bogus", "", {{"Origin", app}});
  EXPECT_EQ(expired.status, 401) << "the page can read why, and mint a new token";
  EXPECT_EQ(expired.header("access-control-allow-origin"), app);
  auto minted = call("POST", "/api/v1/stream-tokens", R"({"topics": ["tasks"]})",
                     {{"Authorization", "Bearer e2e-token"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string token = nlohmann::json::parse(minted.body)["token"];
  for (const auto& [origin, readable] : {std::pair{app, true}, std::pair{evil, false}}) {
    HttpConnection c(daemon->port());
    ASSERT_TRUE(c.send_raw("GET " + stream + "?access_token=" + token +
                           " HTTP/1.1\r\nHost: test\r\nOrigin: " + origin +
                           "\r\nAccept: text/event-stream\r\n\r\n"));
    std::string head = c.read_until("\r\n\r\n");
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
    EXPECT_NE(head.find("200 ok"), std::string::npos) << head;
    EXPECT_EQ(head.find("access-control-allow-origin: " + origin) != std::string::npos, readable) << head;
  }

  // The admin API: every method, its headers.
  auto api = preflight("/api/v1/instances/x", app, "DELETE", "authorization");
  EXPECT_EQ(api.status, 204) << api.body;
  EXPECT_EQ(api.header("access-control-allow-methods"), "GET, POST, PUT, PATCH, DELETE");
  EXPECT_EQ(preflight("/api/v1/instances/x", evil, "DELETE", "authorization").status, 403);

  // Pages are same-origin: no CORS.
  EXPECT_EQ(call("GET", "/live", "", {{"Origin", app}}).header("access-control-allow-origin"), "");
}

// Without an admin token the API is open to whoever reaches it, so it
// gets no CORS at all (sundiald warns); the public webhook routes still
// answer the allow-list.
TEST_F(NurtureTest, WithoutAnAdminTokenCorsCoversTheWebhooksOnly) {
  write_config(R"(["1d"])", SUNDIAL_SOURCE_DIR "/templates/nurture", "",
               "cors_origins = [\"https://app.example.com\"]\n");
  start_daemon({"SUNDIAL_ADMIN_TOKEN="});
  EXPECT_TRUE(daemon->wait_for_log("cors_origins applies to the webhook routes only")) << daemon->log();
  HttpConnection c(daemon->port());
  auto allowed =
      c.request("OPTIONS", "/webhooks/signup", "",
                {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 204);
  EXPECT_EQ(allowed->header("access-control-allow-origin"), "https://app.example.com");
  for (const char* path : {"/api/v1/instances", "/api/v1/topics/tasks/stream"}) {
    auto refused =
        c.request("OPTIONS", path, "",
                  {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403) << path;
    EXPECT_NE(refused->body.find("CORS on /api/ needs an admin token: set $SUNDIAL_ADMIN_TOKEN"),
              std::string::npos)
        << refused->body;
  }
  auto read = c.request("GET", "/api/v1/workflows", "", {{"Origin", "https://app.example.com"}});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(read->header("access-control-allow-origin"), "");
}

}  // namespace
}  // namespace sundial::testing
