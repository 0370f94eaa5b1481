// CommitQueue: group commit. Batches submitted on the loop during one loop
// turn are handed to one writer thread at the end of the turn; the writer
// merges everything waiting into one synced RocksDB write and hands the
// completions back to the loop. Nothing is acknowledged before its batch is
// durable: `done` runs only after the write returned.
//
// Failure: when a write fails, its batches and every batch queued after it
// fail (later batches may depend on the failed ones) until the owner calls
// clear_failure(), which it does after rebuilding its state from storage.
// A failed write also marks the storage unwritable (storage_error()): the
// writer thread calls Store::reopen_after_failure() at once (before the
// failure is delivered) and then with backoff (100 ms doubling to 5 s) until it succeeds, failing whatever is
// submitted meanwhile without touching the store, and then runs the
// on_storage_restored callback on the loop. The owner rebuilds its state
// only after that, so what it reads is what the reopened store holds.
//
// Threading: submit/flush/clear_failure/shutdown on the loop thread; the
// writer thread only touches the Store and the hand-over queues.
// Ownership: owned by Engine; borrows Store and Loop, which must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/log_histogram.h"
#include "engine/loop/loop.h"
#include "engine/loop/uv_handle.h"
#include "engine/storage/batch.h"
#include "engine/storage/store.h"

namespace sundial {

class CommitQueue {
 public:
  // Runs on the loop thread, never synchronously inside submit().
  using Done = std::move_only_function<void(Result<void>)>;

  struct Stats {
    uint64_t writes = 0;        // synced RocksDB writes
    uint64_t batches = 0;       // transitions committed (or failed)
    uint64_t max_group = 0;     // most batches in one write
    uint64_t write_micros = 0;  // total time inside Store::write
    LogHistogram group_sizes;   // transitions per synced write
    LogHistogram write_latency_micros;
  };

  CommitQueue(Store& store, Loop& loop);
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  void submit(Batch&& batch, Done done);
  // Hands this turn's batches to the writer now (also done at each turn's end).
  void flush();
  // Transitions submitted whose `done` has not run yet.
  size_t in_flight() const { return in_flight_; }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // REQUIRES: in_flight() == 0.
  void clear_failure();
  // Why the storage cannot write, from a failed write until a reopen or a
  // write succeeds; nullopt while it can.
  std::optional<std::string> storage_error() const;
  // Runs on the loop after a reopen made the storage writable again.
  void on_storage_restored(std::function<void()> fn) { on_restored_ = std::move(fn); }
  // Writes what is queued, stops the writer and runs the remaining completions.
  // Idempotent; the destructor calls it.
  void shutdown();
  Stats stats() const;

 private:
  struct Group {
    std::vector<Batch> batches;
    std::vector<Done> dones;
  };
  struct Completed {
    std::vector<Done> dones;
    Result<void> result;
  };

  void writer_main();
  void write_groups(std::vector<Group>& groups);
  void try_reopen();
  void deliver_completions();
  // The completion handle keeps the loop alive while anything is in
  // flight or the storage is down.
  void update_ref();

  static constexpr std::chrono::milliseconds kFirstReopenBackoff{100};
  static constexpr std::chrono::milliseconds kMaxReopenBackoff{5000};

  Store& store_;
  Loop& loop_;
  Group pending_;  // loop thread: this turn's batches
  size_t in_flight_ = 0;
  bool shut_down_ = false;
  UvHandle<uv_check_t> end_of_turn_;
  UvHandle<uv_prepare_t> before_poll_;
  UvHandle<uv_async_t> completions_ready_;

  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::vector<Group> queued_;                          // guarded by mutex_
  std::vector<Completed> completed_;                   // guarded by mutex_
  bool stopping_ = false;                              // guarded by mutex_
  std::optional<std::string> storage_error_;           // guarded by mutex_
  std::chrono::steady_clock::time_point next_reopen_;  // guarded by mutex_
  std::chrono::milliseconds reopen_backoff_{0};        // guarded by mutex_
  bool restored_ = false;                              // guarded by mutex_: on_restored_ is due
  std::function<void()> on_restored_;                  // loop thread
  bool awaiting_restore_ = false;                      // loop thread
  Stats stats_;                                        // guarded by mutex_
  std::atomic<bool> failed_{false};
  std::thread writer_;
};

}  // namespace sundial
