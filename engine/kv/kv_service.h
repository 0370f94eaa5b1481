// KvService: the durable key-value facility workflows keep small maps in
// (docs/kv.md). Reads and writes of one key run one at a time, in arrival
// order: each reads the entry on the WorkPool (the loop never waits on the
// disk), decides on the loop (kv_decide.h) and, when something changes,
// commits the row through the engine's commit queue; its answer comes once
// the row is durable. So a compare-and-set never races another write of
// the same key, and a read sees every write answered before it began.
// Different keys proceed in parallel.
//
// Workflows reach it through journaled steps (kv_step.h), so a replay
// returns what the step answered the first time; the admin API lists a
// namespace with list_kv_page() against a snapshot.
//
// Threading: get/write/stats on the loop thread; `done` runs on the loop,
// never inside the call. Ownership: owned by Engine; borrows the Store,
// the CommitQueue, the WorkPool and the Clock, which outlive it. Answers
// pending when it is closed or destroyed are dropped (their `done`
// destroyed unrun).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/base/clock.h"
#include "engine/kv/kv_decide.h"
#include "engine/loop/work_pool.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"

namespace sundial {

struct KvListQuery {
  std::string ns;
  std::string prefix;  // keys starting with it; empty: all
  std::string after;   // the cursor: the last key of the previous page
  size_t limit = 100;
  enum class Deleted { kExclude, kInclude, kOnly } deleted = Deleted::kExclude;
  bool conflicted_only = false;  // entries with conflicts > 0
};

struct KvPage {
  std::vector<KvEntry> entries;
  std::string next_cursor;  // empty: the last page
};

// One page of `query` from `store` (a snapshot): any thread.
Result<KvPage> list_kv_page(Store& store, const KvListQuery& query);

class KvService {
 public:
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;
  // Operations waiting behind one key's running one, at most.
  static constexpr size_t kMaxWaitingPerKey = 1000;

  struct Stats {
    uint64_t reads = 0;
    uint64_t writes = 0;     // entries changed
    uint64_t conflicts = 0;  // compare-and-sets refused
    uint64_t replays = 0;    // writes found already made by the same step
  };

  KvService(Clock& clock, Store& store, CommitQueue& commits, WorkPool& pool);
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // The entry (a tombstone included); nullopt when there is none.
  void get(std::string ns, std::string key, Done<std::optional<KvEntry>> done);
  // A put or delete (kv_decide.h); invalid_argument before anything else
  // for a write check_kv_write refuses.
  void write(KvWrite write, Done<KvWriteResult> done);

  const Stats& stats() const { return stats_; }
  // Reads (and deferred refusals) on the WorkPool not answered yet.
  size_t reads_in_flight() const { return scope_ ? scope_->outstanding() : 0; }
  // The engine closes: operations waiting or in flight are dropped (their
  // `done` destroyed unrun), and later ones too. Before the commit queue
  // shuts down.
  void close();

 private:
  struct Op {
    std::optional<KvWrite> write;  // none: a get
    Done<std::optional<KvEntry>> got;
    Done<KvWriteResult> wrote;
  };
  void submit(std::string ns, std::string key, Op op);
  void run_front(const std::string& row);
  void decided(const std::string& row, Result<std::optional<KvEntry>> current);
  void finish_front(const std::string& row);

  Clock& clock_;
  Store& store_;
  CommitQueue& commits_;
  std::optional<WorkScope> scope_;  // reset by close()
  // Row key → its operations in arrival order; the front one is running.
  std::map<std::string, std::deque<Op>> queues_;
  Stats stats_;
  // Expires with the service; commit callbacks hold a weak reference.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial
