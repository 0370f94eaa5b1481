// ManualWorkPool: a WorkPool for unit tests. Jobs wait until the test
// completes them, one by one and in any order, on the calling thread: so a
// test can finish the load of a second command before the first, or
// destroy the requester while its job is pending.
//
// Threading: the test's (loop) thread only. Ownership: owns pending jobs.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "engine/base/check.h"
#include "engine/loop/work_pool.h"

namespace sundial::testing {

class ManualWorkPool final : public WorkPool {
 public:
  explicit ManualWorkPool(Loop& loop) : loop_(loop) {}
  Loop& loop() override { return loop_; }
  void submit(std::unique_ptr<Job> job) override { pending_.push_back(std::move(job)); }
  void make_progress() override {
    if (!pending_.empty()) complete(0);
  }

  size_t pending() const { return pending_.size(); }
  // Runs job `index` (in submission order among those pending) to its end.
  void complete(size_t index) {
    SUNDIAL_CHECK(index < pending_.size());
    std::unique_ptr<Job> job = std::move(pending_[index]);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
    job->run();
    job->finish();
  }
  void complete_first() { complete(0); }
  void complete_last() { complete(pending_.size() - 1); }
  // Completes jobs (including ones they submit) until none is pending.
  void drain() {
    while (!pending_.empty()) complete(0);
  }

 private:
  Loop& loop_;
  std::vector<std::unique_ptr<Job>> pending_;
};

}  // namespace sundial::testing
