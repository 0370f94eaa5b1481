// StatsReader: instance counts by status and the pending timers, read on
// the WorkPool against one storage snapshot. Counting walks the whole
// status index and every timer key (a million pending timers is a million
// keys), which must never run on the loop: /metrics is scraped every few
// seconds and the loop serves every request and fires every timer.
//
// Requests made while a read runs wait for the next read, which starts when
// the current one ends, so every answer reflects storage at least as new as
// its request, and a burst of scrapes costs one read at a time.
//
// Threading: read() and the destructor on the loop thread; the count runs
// on a pool thread against a snapshot of the Store.
// Ownership: owned by Engine; borrows the WorkPool and the Store, which
// must outlive it.
#pragma once

#include <functional>
#include <vector>

#include "engine/loop/work_pool.h"
#include "engine/queries.h"
#include "engine/storage/store.h"

namespace sundial {

class StatsReader {
 public:
  // Runs on the loop thread.
  using Done = std::move_only_function<void(Result<InstanceStats>)>;

  StatsReader(WorkPool& pool, Store& store);
  // Waits (letting the pool make progress) until no read is in progress:
  // every request made so far is answered.
  ~StatsReader();
  StatsReader(const StatsReader&) = delete;
  StatsReader& operator=(const StatsReader&) = delete;

  void read(Done done);

 private:
  void start_read();

  Store& store_;
  WorkScope scope_;
  bool running_ = false;
  std::vector<Done> next_;  // waiting for the next read
};

}  // namespace sundial
