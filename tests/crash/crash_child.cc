// The process the crash test kills. Opens the engine on argv[1], records
// step executions to argv[2], and issues bursts of starts (ids
// "<argv[3]>-<n>", each with idempotency key "key-<id>") and "go" signals
// until it is SIGKILLed. Prints "READY" once open, then one line per
// acknowledgement: "S <id>" for a start, "G <id>" for a signal. Each line
// is one write(2) to stdout, so what the parent reads was acknowledged.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/engine.h"
#include "engine/loop/timer.h"
#include "tests/crash/crash_workflow.h"

namespace {

void say(const std::string& line) {
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sundial;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR STEP_LOG ID_PREFIX\n", argv[0]);
    return 2;
  }
  const std::string prefix = argv[3];
  // stdout carries the acknowledgements: keep the engine's log off it.
  spdlog::set_default_logger(spdlog::stderr_color_mt("crash-child"));
  spdlog::set_level(spdlog::level::warn);
  Loop loop;
  SystemClock clock;
  testing::StepRecorder recorder(argv[2], "child-" + std::to_string(::getpid()));
  Registry registry;
  testing::register_crash_workflow(registry, loop, recorder);
  EngineOptions options;
  options.data_dir = argv[1];
  auto opened = Engine::open(loop, clock, registry, options);
  if (!opened) {
    std::fprintf(stderr, "open failed: %s\n", opened.error().to_string().c_str());
    return 1;
  }
  Engine& engine = **opened;
  say("READY");

  // Every millisecond, a burst of starts; each acknowledged start is
  // signalled at once, so signals race the workflow's own progress.
  constexpr int kStartsPerBurst = 25;
  int next = 0;
  UvTimer* burst_timer = nullptr;
  UvTimer burst(loop, [&] {
    for (int i = 0; i < kStartsPerBurst; ++i) {
      std::string id = prefix + "-" + std::to_string(next++);
      engine.start(StartRequest{testing::kCrashWorkflow, id, nlohmann::json::object(), "key-" + id},
                   [&engine, id](Result<StartReply> r) {
                     if (!r) return;
                     say("S " + id);
                     engine.signal(id, "go", nlohmann::json{{"from", "child"}},
                                   [id](Result<CommandReply> s) {
                                     if (s) say("G " + id);
                                   });
                   });
    }
    burst_timer->start(1);
  });
  burst_timer = &burst;
  burst.start(0);
  loop.run();
  return 0;
}
