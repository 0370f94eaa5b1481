// Soak: the real sundiald is SIGKILLed at random moments, cycle after
// cycle on the same data directory, while client threads keep it busy:
//  - starts of bench.sleep_step (a durable sleep of 0-3 s, then a step)
//    with an explicit id, and others without an id but with an
//    Idempotency-Key; both retried until answered 201/200,
//  - "ping" signals to instances already started, half with an
//    Idempotency-Key (retried until 202), half without (sent once),
//  - signup webhooks (a nurture of three emails 0, 0.4 and 1.2 s after
//    signup, sent to a fake Resend), retried until answered.
// After the last cycle the daemon runs until nothing is left to do, stops,
// and the data directory is read directly (read-only) to check:
//  - 0 acknowledged starts lost: every one exists and completed,
//  - 0 duplicated: the instances are exactly the acknowledged ones (an
//    Idempotency-Key names one instance, asked again it answers it),
//  - 0 signals lost or doubled: each acknowledged signal is journaled
//    once, an unacknowledged one at most once,
//  - every timer fired: each sleep fired exactly once, no timer is left,
//    every nurture sent each of its emails (one accepted send per key).
//
// Sizing: SUNDIAL_SOAK_CYCLES (default 100) kills, each after a random
// 300-1500 ms of uptime (SUNDIAL_SOAK_KILL_MS=min-max), one in ten within
// 50 ms of start-up, during recovery. About 3 minutes with ASan on 2 cores.
// Run longer by hand: SUNDIAL_SOAK_CYCLES=1000 build/tests/soak_tests
// (the ctest TIMEOUT is sized for the default).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/queries.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_provider.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_seed.h"

namespace sundial::testing {
namespace {

constexpr int kClients = 4;
constexpr int kEmailsPerSignup = 3;
constexpr const char* kSleepType = "bench.sleep_step";

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

struct SoakConfig {
  int cycles = env_int("SUNDIAL_SOAK_CYCLES", 100);
  int min_kill_ms = 300;
  int max_kill_ms = 1500;
  SoakConfig() {
    if (const char* v = std::getenv("SUNDIAL_SOAK_KILL_MS"))
      std::sscanf(v, "%d-%d", &min_kill_ms, &max_kill_ms);
  }
};

// What one client had acknowledged. Merged by the test thread at the end.
struct Ledger {
  std::set<std::string> explicit_starts;             // ids
  std::map<std::string, std::string> keyed_starts;   // Idempotency-Key → instance id
  std::map<std::string, std::string> acked_signals;  // tag → instance id
  std::set<std::string> keyed_signal_tags;           // tags sent with an Idempotency-Key
  std::set<std::string> signups;                     // instance ids (nurture:<email>)
  std::vector<std::string> errors;                   // answers no client should get
  uint64_t requests = 0;
  uint64_t broken = 0;  // requests whose connection died (daemon killed)
};

// The current daemon's port, 0 while it is down, shared with the clients.
struct Target {
  std::atomic<int> port{0};
  std::atomic<bool> winding_down{false};  // clients finish their current operation and stop
};

class Client {
 public:
  Client(int index, unsigned seed, Target& target) : index_(index), rng_(seed), target_(target) {}

  void run() {
    while (!target_.winding_down.load()) {
      int pick = std::uniform_int_distribution<int>(0, 99)(rng_);
      if (pick < 35) {
        start_with_id();
      } else if (pick < 55) {
        start_with_key();
      } else if (pick < 85) {
        signal();
      } else {
        signup();
      }
      // Pace: ~50 operations a second per client, so the final check stays short.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(rng_)));
    }
  }

  Ledger& ledger() { return ledger_; }

 private:
  // One attempt: the reply, or nullopt when the daemon is down or the
  // connection died before an answer (the outcome is then unknown).
  std::optional<HttpReply> attempt(const std::string& method, const std::string& path,
                                   const std::string& body,
                                   const std::map<std::string, std::string>& headers) {
    int port = target_.port.load();
    if (port == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the daemon is restarting
      return std::nullopt;
    }
    if (!conn_ || conn_port_ != port) {
      conn_ = std::make_unique<HttpConnection>(port, 10000);
      conn_port_ = port;
    }
    ledger_.requests++;
    std::optional<HttpReply> r;
    if (conn_->connected()) r = conn_->request(method, path, body, headers);
    if (!r) {
      ledger_.broken++;
      conn_.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      return std::nullopt;
    }
    if (r->header("connection") == "close") conn_.reset();
    return r;
  }

  // Retries until an answer other than 503 arrives (the outcome of every
  // earlier attempt is then decided: retries are idempotent).
  HttpReply until_answered(const std::string& method, const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers) {
    for (;;) {
      auto r = attempt(method, path, body, headers);
      if (r && r->status != 503) return *r;
    }
  }

  void unexpected(const std::string& what, const HttpReply& r) {
    ledger_.errors.push_back(what + ": " + std::to_string(r.status) + " " + r.body);
  }

  std::string sleep_input() {
    return R"({"sleep_ms":)" + std::to_string(std::uniform_int_distribution<int>(0, 3000)(rng_)) + "}";
  }

  void start_with_id() {
    std::string id = "c" + std::to_string(index_) + "-s" + std::to_string(next_++);
    auto r = until_answered("POST", std::string("/api/v1/workflows/") + kSleepType + "/instances",
                            R"({"id":")" + id + R"(","input":)" + sleep_input() + "}",
                            {{"Content-Type", "application/json"}});
    if (r.status != 201 && r.status != 200) return unexpected("start " + id, r);
    ledger_.explicit_starts.insert(id);
    targets_.push_back(id);
  }

  void start_with_key() {
    std::string key = "c" + std::to_string(index_) + "-k" + std::to_string(next_++);
    auto r = until_answered("POST", std::string("/api/v1/workflows/") + kSleepType + "/instances",
                            R"({"input":)" + sleep_input() + "}",
                            {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
    if (r.status != 201 && r.status != 200) return unexpected("keyed start " + key, r);
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body["instance_id"].is_string()) return unexpected("keyed start " + key, r);
    ledger_.keyed_starts[key] = body["instance_id"].get<std::string>();
    targets_.push_back(body["instance_id"].get<std::string>());
  }

  void signal() {
    if (targets_.empty()) return;
    // Recent instances are the ones most likely still running.
    size_t from = targets_.size() > 40 ? targets_.size() - 40 : 0;
    const std::string id = targets_[std::uniform_int_distribution<size_t>(from, targets_.size() - 1)(rng_)];
    std::string tag = "c" + std::to_string(index_) + "-g" + std::to_string(next_++);
    const bool keyed = std::uniform_int_distribution<int>(0, 1)(rng_) == 1;
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (keyed) {
      headers["Idempotency-Key"] = tag;
      ledger_.keyed_signal_tags.insert(tag);
    }
    const std::string path = "/api/v1/instances/" + id + "/signals/ping";
    const std::string body = R"({"tag":")" + tag + R"("})";
    std::optional<HttpReply> r;
    for (;;) {
      r = attempt("POST", path, body, headers);
      if (r && r->status != 503) break;
      // Without a key a retry could deliver twice: send once, whatever happens.
      if (!keyed) return;
    }
    if (r->status == 202) {
      ledger_.acked_signals[tag] = id;
    } else if (r->status != 409) {  // 409: the instance finished first (maybe after a lost first try)
      unexpected("signal " + tag + " to " + id, *r);
    }
  }

  void signup() {
    std::string email = "c" + std::to_string(index_) + "-u" + std::to_string(next_++) + "@soak.example.com";
    auto r = until_answered("POST", "/webhooks/signup", R"({"email":")" + email + R"(","first_name":"Soak"})",
                            {{"Content-Type", "application/json"}});
    if (r.status != 202 && r.status != 200) return unexpected("signup " + email, r);
    ledger_.signups.insert("nurture:" + email);
    targets_.push_back("nurture:" + email);
  }

  int index_;
  std::mt19937 rng_;
  Target& target_;
  Ledger ledger_;
  std::unique_ptr<HttpConnection> conn_;
  int conn_port_ = 0;
  uint64_t next_ = 0;
  std::vector<std::string> targets_;  // acknowledged instances, oldest first
};

// Every instance and its journal, read from a stopped daemon's data directory.
struct Snapshot {
  std::map<std::string, InstanceRecord> records;
  std::map<std::string, std::vector<JournalEntry>> journals;
  size_t pending_timers = 0;
};

Snapshot read_data_dir(const std::string& data) {
  Snapshot out;
  RocksDbOptions options;
  options.path = data;
  options.read_only = true;
  auto store = RocksDbStore::open(options);
  EXPECT_TRUE(store) << store.error().to_string();
  if (!store) return out;
  ListQuery q;
  q.limit = kMaxListLimit;
  for (;;) {
    auto page = list_instances(**store, q);
    EXPECT_TRUE(page) << page.error().to_string();
    if (!page) return out;
    for (auto& r : page->instances) out.records[r.id] = r;
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  for (const auto& [id, r] : out.records) {
    auto h = instance_history(**store, id);
    EXPECT_TRUE(h) << id << ": " << h.error().to_string();
    if (h) out.journals[id] = std::move(h->entries);
  }
  auto timers = pending_timers(**store, 0, 100);
  EXPECT_TRUE(timers);
  if (timers) out.pending_timers = timers->size();
  return out;
}

size_t count_entries(const std::vector<JournalEntry>& journal, EntryKind kind, const std::string& name = {}) {
  size_t n = 0;
  for (const auto& e : journal) n += e.kind == kind && (name.empty() || e.name == name);
  return n;
}

class SoakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir.sub("sundial.toml"))
        << "[server]\nwebhook_rate_per_second = 100000\nwebhook_burst = 100000\n"
        << "[resend]\nbase_url = \"" << fake.base_url() << "\"\nrate_per_second = 100000\nburst = 100000\n"
        << "timeout = \"2s\"\n"
        << "[nurture]\noffsets = [\"0s\", \"400ms\", \"1200ms\"]\n"
        << "templates_dir = \"" SUNDIAL_SOURCE_DIR "/templates/nurture\"\n";
  }

  std::unique_ptr<DaemonProcess> start_daemon() {
    auto d =
        std::make_unique<DaemonProcess>(data(), std::vector<std::string>{"--config", dir.sub("sundial.toml")},
                                        std::vector<std::string>{"RESEND_API_KEY=re_test"});
    return d;
  }

  std::string data() { return dir.sub("data"); }

  TempDir dir;
  FakeProvider fake;
};

TEST_F(SoakTest, HundredsOfSigkillsUnderLoadLoseAndDoubleNothing) {
  const unsigned seed = test_seed();
  SCOPED_TRACE(seed_trace(seed));
  std::printf("soak: seed %u (rerun with SUNDIAL_TEST_SEED=%u)\n", seed, seed);
  const SoakConfig config;
  ASSERT_GT(config.cycles, 0);
  ASSERT_LE(config.min_kill_ms, config.max_kill_ms);
  std::mt19937 rng(seed);
  const auto began = std::chrono::steady_clock::now();

  Target target;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(i, seed + 1 + static_cast<unsigned>(i), target));
    threads.emplace_back([c = clients.back().get()] { c->run(); });
  }
  auto stop_clients = [&] {
    target.winding_down = true;
    for (auto& t : threads) t.join();
    threads.clear();
  };

  for (int cycle = 0; cycle < config.cycles; ++cycle) {
    auto daemon = start_daemon();
    if (daemon->port() == 0) {
      stop_clients();
      FAIL() << "cycle " << cycle << ": sundiald did not start:\n" << daemon->log();
    }
    target.port = daemon->port();
    const int uptime_ms =
        std::uniform_int_distribution<int>(0, 9)(rng) == 0
            ? std::uniform_int_distribution<int>(0, 50)(rng)
            : std::uniform_int_distribution<int>(config.min_kill_ms, config.max_kill_ms)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(uptime_ms));
    target.port = 0;
    daemon->kill();
  }
  const double kill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  // The last start: clients finish what they were doing, then everything runs out.
  auto daemon = start_daemon();
  if (daemon->port() == 0) {
    stop_clients();
    FAIL() << "sundiald did not start after the last kill:\n" << daemon->log();
  }
  target.port = daemon->port();
  stop_clients();

  Ledger all;
  for (auto& c : clients) {
    Ledger& l = c->ledger();
    all.explicit_starts.insert(l.explicit_starts.begin(), l.explicit_starts.end());
    all.keyed_starts.insert(l.keyed_starts.begin(), l.keyed_starts.end());
    all.acked_signals.insert(l.acked_signals.begin(), l.acked_signals.end());
    all.keyed_signal_tags.insert(l.keyed_signal_tags.begin(), l.keyed_signal_tags.end());
    all.signups.insert(l.signups.begin(), l.signups.end());
    all.errors.insert(all.errors.end(), l.errors.begin(), l.errors.end());
    all.requests += l.requests;
    all.broken += l.broken;
  }
  for (const auto& e : all.errors) ADD_FAILURE() << "unexpected answer: " << e;

  HttpConnection api(daemon->port(), 10000);
  // An Idempotency-Key asked again answers the instance it named.
  size_t probed = 0;
  for (const auto& [key, id] : all.keyed_starts) {
    if (probed++ == 300) break;
    auto r = api.request("POST", std::string("/api/v1/workflows/") + kSleepType + "/instances",
                         R"({"input":{}})", {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
    ASSERT_TRUE(r) << "no answer";
    ASSERT_EQ(r->status, 200) << key << ": " << r->body;
    EXPECT_EQ(nlohmann::json::parse(r->body)["instance_id"], id) << key;
  }
  // Wait for every instance to finish (sleeps of up to 3 s, nurtures of 1.2 s).
  auto unfinished = [&]() -> int64_t {
    auto r = api.request("GET", "/api/v1/stats");
    if (!r || r->status != 200) return -1;
    auto j = nlohmann::json::parse(r->body)["instances"];
    return j["running"].get<int64_t>() + j["waiting"].get<int64_t>() + j["paused"].get<int64_t>();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  int64_t left = unfinished();
  while (left != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    left = unfinished();
  }
  EXPECT_EQ(left, 0) << "instances still unfinished 90 s after the last kill";
  int status = daemon->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();

  Snapshot snap = read_data_dir(data());
  EXPECT_EQ(snap.pending_timers, 0u) << "timers left after everything finished";

  // 0 lost, 0 duplicated: the instances are exactly the acknowledged ones.
  std::set<std::string> expected = all.explicit_starts;
  for (const auto& [key, id] : all.keyed_starts) {
    EXPECT_TRUE(expected.insert(id).second) << "two keys answered the same instance " << id;
  }
  expected.insert(all.signups.begin(), all.signups.end());
  size_t lost = 0, extra = 0;
  for (const auto& id : expected) {
    if (!snap.records.count(id)) {
      if (lost++ < 10) ADD_FAILURE() << "acknowledged start lost: " << id;
    }
  }
  for (const auto& [id, r] : snap.records) {
    if (!expected.count(id)) {
      if (extra++ < 10) ADD_FAILURE() << "instance nobody was answered with (a duplicate): " << id;
    }
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(extra, 0u);
  for (const auto& [key, id] : all.keyed_starts) {
    auto it = snap.records.find(id);
    if (it != snap.records.end()) {
      EXPECT_EQ(it->second.idempotency_key, key) << id;
    }
  }

  // Every instance completed; each sleep's timer fired once, each step ran into the journal once.
  size_t timers_fired = 0;
  for (const auto& [id, journal] : snap.journals) {
    const InstanceRecord& r = snap.records[id];
    EXPECT_EQ(r.status, InstanceStatus::kCompleted) << id << ": " << r.last_error;
    for (size_t i = 0; i < journal.size(); ++i)
      ASSERT_EQ(journal[i].seq, i) << id << ": journal not contiguous";
    if (r.type == kSleepType) {
      EXPECT_EQ(count_entries(journal, EntryKind::kTimerFired), 1u) << id;
      EXPECT_EQ(count_entries(journal, EntryKind::kStepCompleted, "noop"), 1u) << id;
      timers_fired += count_entries(journal, EntryKind::kTimerFired);
    } else {
      for (int e = 1; e <= kEmailsPerSignup; ++e) {
        EXPECT_EQ(count_entries(journal, EntryKind::kStepCompleted, "send-" + std::to_string(e)), 1u) << id;
      }
    }
  }
  // Every email of every nurture was accepted by the provider, once per key.
  auto accepted = fake.accepted();
  EXPECT_EQ(accepted.size(), kEmailsPerSignup * all.signups.size());
  for (const auto& id : all.signups) {
    for (int e = 1; e <= kEmailsPerSignup; ++e) {
      EXPECT_TRUE(accepted.count(id + "/send-" + std::to_string(e))) << id << " email " << e << " never sent";
    }
  }

  // Signals: each acknowledged one journaled once, in its instance; none twice.
  std::map<std::string, std::vector<std::string>> seen;  // tag → instances whose journal holds it
  for (const auto& [id, journal] : snap.journals) {
    for (const auto& e : journal) {
      if (e.kind == EntryKind::kSignalReceived && e.name == "ping" && e.data.is_object()) {
        seen[e.data.value("tag", "")].push_back(id);
      }
    }
  }
  size_t signals_lost = 0, signals_doubled = 0, keyed_signals_acked = 0;
  for (const auto& [tag, id] : all.acked_signals) keyed_signals_acked += all.keyed_signal_tags.count(tag);
  for (const auto& [tag, where] : seen) {
    if (where.size() > 1 && signals_doubled++ < 10)
      ADD_FAILURE() << "signal " << tag << " journaled " << where.size() << " times";
  }
  for (const auto& [tag, id] : all.acked_signals) {
    auto it = seen.find(tag);
    if ((it == seen.end() || it->second.front() != id) && signals_lost++ < 10) {
      ADD_FAILURE() << "acknowledged signal " << tag << " to " << id << " is not in its journal";
    }
  }
  EXPECT_EQ(signals_lost, 0u);
  EXPECT_EQ(signals_doubled, 0u);

  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf(
      "soak: %d SIGKILLs in %.0f s (%.0f s in all), %llu requests (%llu cut by a kill); acknowledged: %zu "
      "starts "
      "by id, %zu by Idempotency-Key, %zu signups (%zu emails), %zu signals (%zu with a key); %zu timers "
      "fired; "
      "seed %u\n",
      config.cycles, kill_seconds, total_seconds, static_cast<unsigned long long>(all.requests),
      static_cast<unsigned long long>(all.broken), all.explicit_starts.size(), all.keyed_starts.size(),
      all.signups.size(), accepted.size(), all.acked_signals.size(), keyed_signals_acked, timers_fired, seed);
  // A hundred kills under this load always cut requests in flight (about one a kill).
  if (config.cycles >= 50) {
    EXPECT_GT(all.broken, 0u) << "no kill landed on a request in flight";
  }
}

}  // namespace
}  // namespace sundial::testing
