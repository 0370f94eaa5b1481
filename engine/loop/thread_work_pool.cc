#include "engine/loop/thread_work_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "engine/base/check.h"

namespace sundial {

ThreadWorkPool::ThreadWorkPool(Loop& loop, size_t threads, int nice) : loop_(loop) {
  SUNDIAL_CHECK(threads > 0);
  SUNDIAL_CHECK(nice >= 0 && nice <= 19);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this, nice] { work(nice); });
}

ThreadWorkPool::~ThreadWorkPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  // Jobs never started: their scopes are gone (they waited for them), so
  // finishing them only balances the books.
  for (auto& job : queue_) {
    job->finish();
    loop_.release_ref();
  }
}

void ThreadWorkPool::submit(std::unique_ptr<Job> job) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  loop_.add_ref();  // released when the job has finished on the loop
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void ThreadWorkPool::work(int nice) {
  // On Linux a thread's nice value is its own (the tid names it). Failing
  // to lower one's priority is harmless: the work still runs, at the
  // loop's priority.
  if (nice > 0) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      job->run();
    } catch (...) {
      std::fprintf(stderr, "a ThreadWorkPool job threw; jobs must return errors as values\n");
      std::abort();
    }
    loop_.post([this, finished = std::move(job)] {
      finished->finish();
      loop_.release_ref();
    });
  }
}

}  // namespace sundial
