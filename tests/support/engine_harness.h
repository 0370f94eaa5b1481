// EngineHarness: an Engine on a real loop and RocksDB in a temp dir, driven
// by a ManualClock, with synchronous helpers for commands and queries (the
// engine reads queries on its work pool: the helpers run the loop until the
// answer is in). Tests advance the clock and call fire_timers(); close() and
// open() simulate restarts.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "tests/support/faulty_store.h"
#include "tests/support/manual_work_pool.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {

class EngineHarness {
 public:
  EngineHarness() = default;
  ~EngineHarness() { close(); }

  Loop loop;
  ManualClock clock;
  Registry registry;
  EngineOptions options;
  TempDir dir;
  std::unique_ptr<Engine> engine;
  FaultyStore* faulty = nullptr;  // set when opened with open_faulty()
  // Set before open(): the engine's work pool is a ManualWorkPool (pool
  // jobs complete only when the test, drain() or a query helper says so).
  bool manual_pool = false;
  ManualWorkPool* pool = nullptr;  // set when manual_pool

  void open() {
    options.data_dir = dir.sub("data");
    if (manual_pool) {
      RocksDbOptions storage = options.storage;
      storage.path = options.data_dir;
      auto store = RocksDbStore::open(storage);
      ASSERT_TRUE(store) << store.error().to_string();
      auto manual = std::make_unique<ManualWorkPool>(loop);
      pool = manual.get();
      auto opened =
          Engine::open_with_store(loop, clock, registry, options, std::move(*store), std::move(manual));
      ASSERT_TRUE(opened) << opened.error().to_string();
      engine = std::move(*opened);
    } else {
      auto opened = Engine::open(loop, clock, registry, options);
      ASSERT_TRUE(opened) << opened.error().to_string();
      engine = std::move(*opened);
    }
    drain();
  }

  void open_faulty() {
    RocksDbOptions storage;
    storage.path = dir.sub("data");
    auto store = RocksDbStore::open(storage);
    ASSERT_TRUE(store) << store.error().to_string();
    auto wrapped = std::make_unique<FaultyStore>(std::move(*store));
    faulty = wrapped.get();
    auto opened = Engine::open_with_store(loop, clock, registry, options, std::move(wrapped));
    ASSERT_TRUE(opened) << opened.error().to_string();
    engine = std::move(*opened);
    drain();
  }

  void close() {
    engine.reset();
    faulty = nullptr;
    pool = nullptr;
    loop.run_nowait();
  }

  void reopen() {
    close();
    open();
  }

  // Runs the loop until every commit and query is answered and deferred
  // work ran.
  void drain() {
    for (int quiet = 0; quiet < 3;) {
      if (engine && engine->pool_jobs_in_flight() > 0) {
        engine->pool().make_progress();
        loop.run_nowait();  // blocking steps come back through Loop::post
        quiet = 0;
      } else if (engine && engine->commits_in_flight() > 0) {
        loop.run_once();
        quiet = 0;
      } else {
        loop.run_nowait();
        ++quiet;
      }
    }
  }

  // Advances the manual clock and fires what came due, until quiet.
  void advance(DurationMs d) {
    clock.advance(d);
    fire_timers();
  }

  void fire_timers() {
    for (int i = 0; i < 5; ++i) {
      engine->poll_timers();
      drain();
    }
  }

  Result<StartReply> start(const std::string& type, std::optional<std::string> id,
                           nlohmann::json input = nlohmann::json::object(),
                           std::optional<std::string> idempotency_key = std::nullopt) {
    return start(StartRequest{type, std::move(id), std::move(input), std::move(idempotency_key)});
  }
  Result<StartReply> start(StartRequest request) {
    std::optional<Result<StartReply>> out;
    engine->start(std::move(request), [&](Result<StartReply> r) { out = std::move(r); });
    drain();
    EXPECT_TRUE(out.has_value()) << "start was not answered";
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return *out;
  }

  template <typename Command>
  Result<CommandReply> command(Command&& issue) {
    std::optional<Result<CommandReply>> out;
    issue([&](Result<CommandReply> r) { out = std::move(r); });
    drain();
    EXPECT_TRUE(out.has_value()) << "command was not answered";
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return *out;
  }

  Result<CommandReply> signal(const std::string& id, const std::string& name,
                              nlohmann::json payload = nullptr,
                              std::optional<std::string> idempotency_key = std::nullopt) {
    return command([&](auto reply) { engine->signal(id, name, payload, std::move(reply), idempotency_key); });
  }
  Result<CommandReply> pause(const std::string& id) {
    return command([&](auto reply) { engine->pause(id, std::move(reply)); });
  }
  Result<CommandReply> resume(const std::string& id, ResumePolicy policy = ResumePolicy::kShift) {
    return command([&](auto reply) { engine->resume(id, policy, std::move(reply)); });
  }
  Result<CommandReply> cancel(const std::string& id, std::string reason = {}) {
    return command([&](auto reply) { engine->cancel(id, reason, std::move(reply)); });
  }
  Result<CommandReply> retry(const std::string& id, ResumePolicy policy = ResumePolicy::kShift) {
    return command([&](auto reply) { engine->retry(id, policy, std::move(reply)); });
  }
  Result<CommandReply> skip(const std::string& id, SkipCommand cmd = {}) {
    return command([&](auto reply) { engine->skip(id, std::move(cmd), std::move(reply)); });
  }

  // Asks with `issue(done)` and runs the loop until `done` has the answer
  // (on a manual pool: completes pending jobs oldest first, other pool jobs
  // queued before the query included).
  template <typename T, typename Issue>
  Result<T> query(Issue&& issue) {
    Result<T> out = make_error(ErrorCode::kInternal, "no answer");
    bool answered = false;
    issue([&](Result<T> r) {
      out = std::move(r);
      answered = true;
    });
    while (!answered && engine->queries_in_flight() > 0) engine->pool().make_progress();
    EXPECT_TRUE(answered) << "query was not answered";
    return out;
  }
  Result<InstanceRecord> describe(const std::string& id, std::optional<uint32_t> run = std::nullopt) {
    return query<InstanceRecord>([&](auto done) { engine->describe(id, std::move(done), run); });
  }
  Result<ListPage> list(const ListQuery& q) {
    return query<ListPage>([&](auto done) { engine->list(q, std::move(done)); });
  }
  Result<std::vector<JournalEntry>> read_history(const std::string& id,
                                                 std::optional<uint32_t> run = std::nullopt) {
    return query<std::vector<JournalEntry>>([&](auto done) { engine->history(id, std::move(done), run); });
  }
  Result<std::vector<keys::TimerKey>> timers(TimeMs due_before = 0, size_t limit = 100) {
    return query<std::vector<keys::TimerKey>>(
        [&](auto done) { engine->timers(due_before, limit, std::move(done)); });
  }

  // Runs the retention sweep now and waits for its result.
  SweepResult sweep() {
    std::optional<SweepResult> swept;
    engine->sweep_now([&](SweepResult r) { swept = r; });
    for (int i = 0; i < 100 && !swept; ++i) loop.run_once();
    drain();
    EXPECT_TRUE(swept) << "the sweep did not finish";
    return swept.value_or(SweepResult{});
  }

  InstanceStatus status(const std::string& id) {
    auto r = describe(id);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->status : InstanceStatus::kFailed;
  }

  std::vector<JournalEntry> history(const std::string& id) {
    auto h = read_history(id);
    EXPECT_TRUE(h) << h.error().to_string();
    return h ? *h : std::vector<JournalEntry>{};
  }
  // The kinds of the instance's journal entries, in order.
  std::vector<EntryKind> kinds(const std::string& id) {
    std::vector<EntryKind> out;
    for (const auto& e : history(id)) out.push_back(e.kind);
    return out;
  }
};

}  // namespace sundial::testing
