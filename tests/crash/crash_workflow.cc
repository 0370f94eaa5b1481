#include "tests/crash/crash_workflow.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "engine/base/check.h"

namespace sundial::testing {

StepRecorder::StepRecorder(const std::string& path, std::string token_prefix)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)),
      token_prefix_(std::move(token_prefix)) {
  SUNDIAL_CHECK(fd_ >= 0);
}

StepRecorder::~StepRecorder() { ::close(fd_); }

std::string StepRecorder::record(const std::string& instance, const std::string& step) {
  std::string token = token_prefix_ + "." + std::to_string(next_++);
  std::string line = "\n" + instance + " " + step + " " + token + " .";
  SUNDIAL_CHECK(::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  return token;
}

StepExecutions read_step_log(const std::string& path) {
  StepExecutions out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string instance, step, token, end, extra;
    if (!(fields >> instance >> step >> token >> end) || end != "." || (fields >> extra)) continue;
    out[{instance, step}].push_back(token);
  }
  return out;
}

namespace {

SyncStepFn sync_step(StepRecorder& recorder) {
  return [&recorder](const StepInfo& info) -> Result<nlohmann::json> {
    return nlohmann::json(recorder.record(info.instance_id, info.step_name));
  };
}

AsyncStepFn async_step(StepRecorder& recorder, Loop& loop) {
  return [&recorder, &loop](const StepInfo& info, StepDone done) {
    std::string token = recorder.record(info.instance_id, info.step_name);
    loop.defer([done = std::move(done), token]() mutable { done(nlohmann::json(token)); });
  };
}

Workflow<void> chain(Context& ctx, StepRecorder& recorder, Loop& loop) {
  SyncStepFn a = sync_step(recorder);
  co_await ctx.step("a", a);
  co_await ctx.wait_signal("go", kHourMs);
  AsyncStepFn b = async_step(recorder, loop);
  co_await ctx.step_async("b", b);
  co_await ctx.sleep_for(5);
  SyncStepFn c = sync_step(recorder);
  co_await ctx.step("c", c);
}

}  // namespace

void register_crash_workflow(Registry& registry, Loop& loop, StepRecorder& recorder) {
  auto added = registry.add(kCrashWorkflow, "crash test chain",
                            [&recorder, &loop](Context& ctx) { return chain(ctx, recorder, loop); });
  SUNDIAL_CHECK(added.has_value());
}

}  // namespace sundial::testing
