// StatsReader: instance counts by status and the pending timers, read on
// the libuv thread pool. Counting walks the whole status index and every
// timer key (a million pending timers is a million keys), which must never
// run on the loop: /metrics is scraped every few seconds and the loop
// serves every request and fires every timer.
//
// Requests made while a read runs wait for the next read, which starts when
// the current one ends, so every answer reflects storage at least as new as
// its request, and a burst of scrapes costs one read at a time.
//
// Threading: read() and the destructor on the loop thread; the count runs
// on a pool thread against the Store, whose reads are thread-safe.
// Ownership: owned by Engine; borrows Loop and Store, which must outlive it.
#pragma once

#include <uv.h>

#include <functional>
#include <vector>

#include "engine/loop/loop.h"
#include "engine/queries.h"
#include "engine/storage/store.h"

namespace sundial {

class StatsReader {
 public:
  // Runs on the loop thread.
  using Done = std::move_only_function<void(Result<InstanceStats>)>;

  StatsReader(Loop& loop, Store& store);
  // Waits (running the loop) for a read in progress; its waiters are answered.
  ~StatsReader();
  StatsReader(const StatsReader&) = delete;
  StatsReader& operator=(const StatsReader&) = delete;

  void read(Done done);

 private:
  struct Job;
  void start_job();

  Loop& loop_;
  Store& store_;
  bool running_ = false;
  std::vector<Done> next_;  // waiting for the next read
};

}  // namespace sundial
