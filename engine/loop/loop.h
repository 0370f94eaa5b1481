// Loop: owns the libuv event loop that runs all engine, server and connector
// state (docs/threading.md), and the one door onto it from other threads.
//
// Threading: post() and is_loop_thread() are safe from any thread;
// everything else is loop-thread only (the thread that constructed the
// Loop). Loop-only classes guard their entry points with
// SUNDIAL_CHECK_LOOP_THREAD(loop), which aborts with a message naming the
// caller: a call from another thread would corrupt state silently.
// Every libuv callback is a noexcept trampoline: nothing unwinds through
// libuv's C frames; code run from the loop turns failures into errors. post()ed functions run on the
// loop in the order posted; libuv coalesces wake-ups, so each wake drains the
// whole queue.
// The constructing thread is marked as a loop thread (engine/base/
// loop_thread.h) while the Loop lives, so storage can count reads made on it.
// Lifetime: destroy every handle owner (engine, server) before the Loop; the
// destructor runs pending close callbacks and checks uv_loop_close succeeds.
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/loop/uv_handle.h"

namespace sundial {

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }

  // Runs until stop() or until nothing keeps the loop alive.
  void run();
  // One iteration, blocking for I/O if something keeps the loop alive.
  void run_once();
  // One iteration without blocking.
  void run_nowait();
  void stop();

  // Thread-safe: runs `fn` on the loop thread soon.
  void post(std::move_only_function<void()> fn);
  // Loop thread only: runs `fn` in a later loop turn and keeps the loop
  // alive until it has run, so deferred answers are never stranded.
  void defer(std::move_only_function<void()> fn);
  bool is_loop_thread() const { return std::this_thread::get_id() == owner_; }
  // Aborts, naming the caller, unless on the loop thread (one compare).
  void check_loop_thread(const char* file, int line, const char* caller) const {
    if (!is_loop_thread()) off_loop_thread(file, line, caller);
  }

  // Holds the loop alive while work posted back by another thread (a commit
  // completion) is outstanding. Loop thread only; balanced add/release.
  void add_ref();
  void release_ref();

 private:
  [[noreturn]] static void off_loop_thread(const char* file, int line, const char* caller);
  static void on_async(uv_async_t* handle) noexcept;
  void drain_posted();

  uv_loop_t loop_;
  std::thread::id owner_;
  UvHandle<uv_async_t> async_;
  std::mutex mutex_;
  std::vector<std::move_only_function<void()>> posted_;  // guarded by mutex_
  int refs_ = 0;
};

}  // namespace sundial

// At the entry points of loop-thread-only classes.
#define SUNDIAL_CHECK_LOOP_THREAD(loop) (loop).check_loop_thread(__FILE__, __LINE__, __func__)
