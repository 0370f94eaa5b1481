// TaskServiceTest: the fixture of the TaskService tests (engine/tasks/
// task_service.h) in a real engine on RocksDB driven by a ManualClock
// (tests/support/engine_harness.h): synchronous helpers to enqueue, claim,
// complete and read a task back as stored. Used by task_service_test.cc and
// task_races_test.cc.
//
// Threading: the test's (loop) thread.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/tasks/task_codec.h"
#include "tests/support/engine_harness.h"

namespace sundial::testing {

// "test.task": one step that is a task on queue "images" with the
// instance's input as payload; the task's result is the workflow's.
inline Workflow<void> task_workflow(Context& ctx) {
  TaskSpec spec;
  spec.queue = "images";
  spec.type = "resize";
  spec.payload = ctx.input();
  spec.retry.max_attempts = 1;
  nlohmann::json result = co_await ctx.task("resize", spec);
  ctx.set_result(result);
}

class TaskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.clock.set(1'000'000);
    ASSERT_TRUE(h.registry.add("test.task", "", [](Context& ctx) { return task_workflow(ctx); }));
    h.open();
  }

  TaskService& tasks() { return h.engine->tasks(); }

  TaskSpec spec(std::string type = "send", nlohmann::json payload = {{"n", 1}}) {
    TaskSpec s;
    s.queue = "emails";
    s.type = std::move(type);
    s.payload = std::move(payload);
    s.retry.jitter = false;
    return s;
  }

  template <typename T, typename Issue>
  Result<T> sync(Issue issue) {
    std::optional<Result<T>> out;
    issue([&](Result<T> r) { out = std::move(r); });
    h.drain();
    EXPECT_TRUE(out.has_value()) << "not answered";
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }

  EnqueueResult enqueue(TaskSpec s) {
    auto r = sync<std::vector<EnqueueResult>>(
        [&](auto reply) { tasks().enqueue({std::move(s)}, std::move(reply)); });
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->front() : EnqueueResult{};
  }

  std::vector<TaskRecord> claim(uint32_t max = 1, std::vector<std::string> types = {},
                                std::string queue = "emails") {
    auto r = sync<std::vector<TaskRecord>>([&](auto reply) {
      tasks().claim(ClaimRequest{queue, "w1", max, 0, std::move(types), nullptr}, std::move(reply));
    });
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : std::vector<TaskRecord>{};
  }

  Result<TaskRecord> complete(const TaskRecord& t, nlohmann::json result = nullptr) {
    return sync<TaskRecord>([&](auto reply) { tasks().complete(t.id, t.lease, result, std::move(reply)); });
  }

  Result<TaskRecord> stored(const std::string& id) {
    return sync<TaskRecord>([&](auto reply) {
      h.engine->read<TaskRecord>(
          [id](Store& s) -> Result<TaskRecord> {
            SUNDIAL_ASSIGN_OR_RETURN(auto b, s.get(Cf::kTasks, id));
            if (!b) return make_error(ErrorCode::kNotFound, id);
            return decode_task(*b);
          },
          std::move(reply));
    });
  }

  // GET /api/v1/queues' oldest ready task of `queue`: the plan on the
  // loop, then the seeks on a snapshot.
  Result<std::optional<TimeMs>> oldest_ready(const std::string& queue = "emails") {
    OldestReadyPlan plan = tasks().oldest_ready_plan(queue);
    return sync<std::optional<TimeMs>>([&](auto reply) {
      h.engine->read<std::optional<TimeMs>>(
          [plan = std::move(plan)](Store& s) { return TaskService::oldest_ready(s, plan); },
          std::move(reply));
    });
  }

  uint64_t count(TaskStatus s) { return tasks().queue("emails")->record.counts[status_slot(s)]; }

  EngineHarness h;
};

}  // namespace sundial::testing
