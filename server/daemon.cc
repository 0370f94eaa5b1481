#include "server/daemon.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "engine/engine.h"
#include "engine/loop/uv_handle.h"
#include "workflows/builtin.h"

namespace sundial {
namespace {

constexpr const char* kUsage =
    "usage: sundiald [--data-dir DIR]\n"
    "\n"
    "Runs the Sundial workflow engine with its built-in workflows.\n"
    "\n"
    "  --data-dir DIR   where the RocksDB data lives (default: ./sundial-data)\n"
    "  -h, --help       show this help\n"
    "\n"
    "SIGTERM or SIGINT stops it cleanly after answering every commit in flight.\n";

struct DaemonArgs {
  EngineOptions engine;
};

std::optional<DaemonArgs> parse_args(const std::vector<std::string>& args, int& exit_code) {
  DaemonArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    }
    if (a == "--data-dir" && i + 1 < args.size()) {
      out.engine.data_dir = args[++i];
    } else if (a.starts_with("--data-dir=")) {
      out.engine.data_dir = a.substr(11);
    } else {
      std::fprintf(stderr, "sundiald: unknown or incomplete argument '%s'\n\n%s", a.c_str(), kUsage);
      exit_code = 2;
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

int run_daemon(const std::vector<std::string>& args) {
  int exit_code = 0;
  auto parsed = parse_args(args, exit_code);
  if (!parsed) return exit_code;

  Loop loop;
  SystemClock clock;
  Registry registry;
  if (auto r = register_builtin_workflows(registry); !r) {
    spdlog::critical("cannot register the built-in workflows: {}", r.error().to_string());
    return 1;
  }
  auto opened = Engine::open(loop, clock, registry, parsed->engine);
  if (!opened) {
    spdlog::critical("cannot start the engine: {}", opened.error().to_string());
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(*opened);
  spdlog::info("sundiald ready: data in '{}', {} workflow type(s) registered",
               parsed->engine.data_dir, registry.list().size());

  UvHandle<uv_signal_t> sigterm, sigint;
  auto shutdown = [&](int signum) {
    spdlog::info("received signal {}, shutting down", signum);
    sigterm.close();
    sigint.close();
    engine.reset();  // answers every commit in flight, then closes storage
  };
  struct SignalContext {
    std::function<void(int)> on_signal;
  } signal_context{shutdown};
  for (auto* handle : {&sigterm, &sigint}) {
    uv_signal_init(loop.raw(), handle->get());
    handle->mark_initialized();
    handle->get()->data = &signal_context;
  }
  auto on_signal = [](uv_signal_t* h, int signum) {
    if (h->data != nullptr) static_cast<SignalContext*>(h->data)->on_signal(signum);
  };
  uv_signal_start(sigterm.get(), on_signal, SIGTERM);
  uv_signal_start(sigint.get(), on_signal, SIGINT);

  loop.run();
  engine.reset();
  spdlog::info("sundiald stopped");
  return 0;
}

}  // namespace sundial
