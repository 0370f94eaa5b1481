// The process the crash test kills. Opens the engine on argv[1], records
// step executions to argv[2], and issues bursts of starts (ids
// "<argv[3]>-<n>", each with idempotency key "key-<id>") and "go" signals
// until it is SIGKILLed. Prints "READY" once open, then one line per
// acknowledgement: "S <id>" for a start, "G <id>" for a signal. Each line
// is one write(2) to stdout, so what the parent reads was acknowledged.
//
// With a fourth argument the engine runs on a FaultInjectionFs and the power
// fails (every file loses what was not synced), either right after the
// n-th acknowledged start ("--power-cut-after=<n>", on the loop thread,
// while the writer streams the next group) or instead of the n-th sync of
// the write-ahead log ("--power-cut-at-wal-sync=<n>", on the writer
// thread). The child then prints "CUT <unsynced WAL bytes dropped>" and
// _exits: nothing runs after the cut, as in a real one.
//
// Kill points (engine/base/kill_point.h) arm through SUNDIAL_KILL_AT.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <rocksdb/env.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "engine/engine.h"
#include "engine/loop/timer.h"
#include "tests/crash/crash_workflow.h"
#include "tests/support/fault_injection_fs.h"

namespace {

void say(const std::string& line) {
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sundial;
  constexpr std::string_view kCutAfter = "--power-cut-after=";
  constexpr std::string_view kCutAtSync = "--power-cut-at-wal-sync=";
  const std::string_view mode = argc == 5 ? argv[4] : "";
  if ((argc != 4 && argc != 5) ||
      (argc == 5 && !mode.starts_with(kCutAfter) && !mode.starts_with(kCutAtSync))) {
    std::fprintf(stderr,
                 "usage: %s DATA_DIR STEP_LOG ID_PREFIX [--power-cut-after=N | --power-cut-at-wal-sync=N]\n",
                 argv[0]);
    return 2;
  }
  const std::string prefix = argv[3];
  const long cut_after = mode.starts_with(kCutAfter) ? std::atol(argv[4] + kCutAfter.size()) : 0;
  const long cut_at_sync = mode.starts_with(kCutAtSync) ? std::atol(argv[4] + kCutAtSync.size()) : 0;
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
  std::shared_ptr<testing::FaultInjectionFs> fault_fs;
  if (cut_after > 0 || cut_at_sync > 0) {
    fault_fs = std::make_shared<testing::FaultInjectionFs>();
    if (cut_at_sync > 0) {
      fault_fs->power_cut_at_wal_sync(static_cast<uint64_t>(cut_at_sync),
                                      [](const testing::FaultInjectionFs::CutReport& cut) {
                                        say("CUT " + std::to_string(cut.dropped_wal_bytes));
                                        _exit(0);
                                      });
    }
    options.storage.file_system = fault_fs;
  }
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
  long acked = 0;
  UvTimer* burst_timer = nullptr;
  UvTimer burst(loop, [&] {
    for (int i = 0; i < kStartsPerBurst; ++i) {
      std::string id = prefix + "-" + std::to_string(next++);
      engine.start(StartRequest{testing::kCrashWorkflow, id, nlohmann::json::object(), "key-" + id},
                   [&, id](Result<StartReply> r) {
                     if (!r) return;
                     say("S " + id);
                     if (++acked == cut_after) {
                       fault_fs->power_cut_and([](const testing::FaultInjectionFs::CutReport& cut) {
                         say("CUT " + std::to_string(cut.dropped_wal_bytes));
                         _exit(0);
                       });
                     }
                     engine.signal(id, "go", nlohmann::json{{"from", "child"}}, [id](Result<CommandReply> s) {
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
