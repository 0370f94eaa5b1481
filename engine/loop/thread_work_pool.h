// ThreadWorkPool: a WorkPool with threads of its own, for work that may
// take long: steps run with Context::step_blocking (CPU-heavy code, blocking
// client libraries). Kept apart from libuv's thread pool, which serves
// instance loads, timer scans and queries: four slow steps must not stall
// every command behind them. The Engine also runs admin reads on one at
// background priority (`nice`), so a client paging lists competes for a CPU
// with those reads and not with the loop that acknowledges starts.
//
// Threading: submit() and make_progress() on the loop thread; jobs run on
// the pool's threads and finish on the loop (through Loop::post). The loop
// is kept alive while jobs are outstanding.
// Ownership: owned by the Engine; borrows the Loop. The destructor waits
// for the job running on each thread (jobs not started are finished
// without running, cancelled): destroy it after the WorkScopes that use it.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/loop/work_pool.h"

namespace sundial {

class ThreadWorkPool final : public WorkPool {
 public:
  // `nice` (Linux: per thread, 0..19) lowers the threads' CPU priority;
  // 0 leaves them as the loop's peers.
  ThreadWorkPool(Loop& loop, size_t threads, int nice = 0);
  ~ThreadWorkPool() override;
  ThreadWorkPool(const ThreadWorkPool&) = delete;
  ThreadWorkPool& operator=(const ThreadWorkPool&) = delete;

  Loop& loop() override { return loop_; }
  void submit(std::unique_ptr<Job> job) override;
  void make_progress() override { loop_.run_once(); }

 private:
  void work(int nice);

  Loop& loop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;  // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace sundial
