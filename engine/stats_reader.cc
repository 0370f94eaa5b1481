#include "engine/stats_reader.h"

#include <memory>

#include "engine/base/check.h"

namespace sundial {

struct StatsReader::Job {
  uv_work_t req{};
  StatsReader* owner = nullptr;
  std::vector<Done> waiters;
  Result<InstanceStats> result = InstanceStats{};
};

StatsReader::StatsReader(Loop& loop, Store& store) : loop_(loop), store_(store) {}

StatsReader::~StatsReader() {
  while (running_) loop_.run_once();
}

void StatsReader::read(Done done) {
  next_.push_back(std::move(done));
  if (!running_) start_job();
}

void StatsReader::start_job() {
  running_ = true;
  auto* job = new Job();
  job->owner = this;
  job->waiters.swap(next_);
  job->req.data = job;
  int rc = uv_queue_work(
      loop_.raw(), &job->req,
      [](uv_work_t* req) noexcept {
        auto* work = static_cast<Job*>(req->data);
        work->result = instance_stats(work->owner->store_);
      },
      [](uv_work_t* req, int) noexcept {
        std::unique_ptr<Job> work(static_cast<Job*>(req->data));
        StatsReader* self = work->owner;
        self->running_ = false;
        if (!self->next_.empty()) self->start_job();
        for (Done& done : work->waiters) done(work->result);
      });
  SUNDIAL_CHECK(rc == 0);
}

}  // namespace sundial
