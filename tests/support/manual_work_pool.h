// ManualWorkPool: a WorkPool for unit tests. Jobs wait until the test
// completes them, one by one and in any order, on the calling thread: so a
// test can finish the load of a second command before the first, or
// destroy the requester while its job is pending. A job's work and its
// continuation can also be run apart (run_work, then finish_ran), so a test
// can act between the two, as a loop turn can while a pool thread works.
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
    if (!ran_.empty()) {
      finish_ran();
    } else if (!pending_.empty()) {
      complete(0);
    }
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
  // Runs job `index`'s work only; its continuation waits for finish_ran().
  void run_work(size_t index) {
    SUNDIAL_CHECK(index < pending_.size());
    std::unique_ptr<Job> job = std::move(pending_[index]);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(index));
    job->run();
    ran_.push_back(std::move(job));
  }
  size_t ran() const { return ran_.size(); }
  // Runs the continuation of the oldest job whose work ran.
  void finish_ran() {
    SUNDIAL_CHECK(!ran_.empty());
    std::unique_ptr<Job> job = std::move(ran_.front());
    ran_.erase(ran_.begin());
    job->finish();
  }
  void complete_first() { complete(0); }
  void complete_last() { complete(pending_.size() - 1); }
  // Completes jobs (including ones they submit) until none is pending.
  void drain() {
    while (!pending_.empty() || !ran_.empty()) make_progress();
  }

 private:
  Loop& loop_;
  std::vector<std::unique_ptr<Job>> pending_;
  std::vector<std::unique_ptr<Job>> ran_;  // work done, continuation not yet run
};

}  // namespace sundial::testing
