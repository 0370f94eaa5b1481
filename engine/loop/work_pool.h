// WorkPool: the one way engine and server code runs work off the loop
// thread: `work` runs on a pool thread, then `then` runs on the loop with
// its result ("run on pool -> continue on loop"). Disk reads (instance
// loads, timer-window refills, admin queries, stats) and CPU-heavy steps
// go through it, so the loop never waits on them (docs/threading.md).
//
// UvWorkPool runs jobs on libuv's thread pool (UV_THREADPOOL_SIZE threads,
// 4 by default); tests use ManualWorkPool (tests/support) to complete jobs
// in any order.
//
// Cancellation: a requester owns a WorkScope and submits through it. When
// the scope is destroyed, jobs not yet started are skipped, and no `then`
// of the scope runs afterwards; the destructor waits (running the loop)
// for jobs already running, so their `work` may use what the requester
// borrows until then (never the requester itself: it is going away).
//
// Threading: submit(), WorkScope and every `then` on the loop thread;
// `work` on a pool thread, concurrently with other jobs and the loop, so
// it may touch only thread-safe things (the Store, values it owns).
// Nothing may throw out of `work` or `then`: both run under libuv's C
// frames; a job that throws aborts with a message.
// Ownership: a WorkPool is owned by the Engine (or a test) and outlives
// every WorkScope on it; the pool owns each job until its `then` has run.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "engine/loop/loop.h"

namespace sundial {

class WorkPool {
 public:
  // One unit of pool work. run() on a pool thread, finish() on the loop.
  class Job {
   public:
    virtual ~Job() = default;
    virtual void run() = 0;
    virtual void finish() = 0;
  };

  virtual ~WorkPool() = default;
  virtual Loop& loop() = 0;
  // Loop thread only. Takes the job; run() then finish() happen later,
  // never inside this call.
  virtual void submit(std::unique_ptr<Job> job) = 0;
  // Loop thread only: lets at least one submitted job make progress (runs
  // the loop once; the manual pool completes its oldest job).
  virtual void make_progress() = 0;
};

// Runs jobs on libuv's thread pool.
class UvWorkPool final : public WorkPool {
 public:
  explicit UvWorkPool(Loop& loop) : loop_(loop) {}
  Loop& loop() override { return loop_; }
  void submit(std::unique_ptr<Job> job) override;
  void make_progress() override { loop_.run_once(); }

 private:
  Loop& loop_;
};

// The requester's handle on a pool: cancels its jobs when it goes away.
class WorkScope {
 public:
  explicit WorkScope(WorkPool& pool);
  // Skips this scope's jobs not yet started and waits for running ones.
  ~WorkScope();
  WorkScope(const WorkScope&) = delete;
  WorkScope& operator=(const WorkScope&) = delete;

  // Runs `work()` on the pool, then `then(result)` on the loop unless the
  // scope is gone by then. `work` returning void calls `then()`.
  template <typename Work, typename Then>
  void run(Work work, Then then);
  // Jobs submitted and not yet finished.
  size_t outstanding() const { return state_->outstanding; }
  WorkPool& pool() { return pool_; }

 private:
  struct State {
    std::atomic<bool> cancelled{false};
    size_t outstanding = 0;  // loop thread only
  };
  template <typename T, typename Work, typename Then>
  class TypedJob;

  WorkPool& pool_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// ---- Implementation ----------------------------------------------------------

template <typename T, typename Work, typename Then>
class WorkScope::TypedJob final : public WorkPool::Job {
 public:
  TypedJob(std::shared_ptr<State> state, Work work, Then then)
      : state_(std::move(state)), work_(std::move(work)), then_(std::move(then)) {}

  void run() override {
    if (state_->cancelled.load(std::memory_order_acquire)) return;
    if constexpr (std::is_void_v<T>) {
      work_();
      result_.emplace();
    } else {
      result_.emplace(work_());
    }
  }

  void finish() override {
    state_->outstanding--;
    if (state_->cancelled.load(std::memory_order_acquire) || !result_) return;
    if constexpr (std::is_void_v<T>) {
      then_();
    } else {
      then_(std::move(*result_));
    }
  }

 private:
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  std::shared_ptr<State> state_;
  Work work_;
  Then then_;
  std::optional<Stored> result_;
};

template <typename Work, typename Then>
void WorkScope::run(Work work, Then then) {
  using T = std::invoke_result_t<Work&>;
  state_->outstanding++;
  pool_.submit(std::make_unique<TypedJob<T, Work, Then>>(state_, std::move(work), std::move(then)));
}

}  // namespace sundial
