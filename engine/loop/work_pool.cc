#include "engine/loop/work_pool.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "engine/base/check.h"

namespace sundial {
namespace {

struct UvJob {
  uv_work_t req{};
  std::unique_ptr<WorkPool::Job> job;
  Loop* loop = nullptr;
};

[[noreturn]] void job_threw(const char* where) {
  std::fprintf(stderr, "a WorkPool job threw from its %s; jobs must return errors as values\n", where);
  std::abort();
}

}  // namespace

void UvWorkPool::submit(std::unique_ptr<Job> job) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  auto* uv_job = new UvJob();
  uv_job->job = std::move(job);
  uv_job->loop = &loop_;
  uv_job->req.data = uv_job;
  // The job holds the loop alive: its `then` must run even if nothing
  // else is pending (a query answered to a client that is still waiting).
  int rc = uv_queue_work(
      loop_.raw(), &uv_job->req,
      [](uv_work_t* req) noexcept {
        auto* j = static_cast<UvJob*>(req->data);
        try {
          j->job->run();
        } catch (...) {
          job_threw("work");
        }
      },
      [](uv_work_t* req, int) noexcept {
        std::unique_ptr<UvJob> j(static_cast<UvJob*>(req->data));
        try {
          j->job->finish();
        } catch (...) {
          job_threw("continuation");
        }
      });
  SUNDIAL_CHECK(rc == 0);
}

WorkScope::WorkScope(WorkPool& pool) : pool_(pool) {}

WorkScope::~WorkScope() {
  state_->cancelled.store(true, std::memory_order_release);
  while (state_->outstanding > 0) pool_.make_progress();
}

}  // namespace sundial
