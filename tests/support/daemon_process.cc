#include "tests/support/daemon_process.h"

#include <signal.h>

#include <chrono>
#include <regex>

namespace sundial::testing {

DaemonProcess::DaemonProcess(const std::string& data_dir, std::vector<std::string> extra_args,
                             std::vector<std::string> env) {
  std::vector<std::string> argv = {SUNDIALD_PATH, "--listen", "127.0.0.1:0",
                                   "--data-dir",  data_dir,   "--bench-workflows"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_ = std::make_unique<ChildProcess>(argv, ChildProcess::Stderr::kMergeIntoStdout, std::move(env));
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  while (auto line = child_->read_line(20000)) {
    std::smatch m;
    if (std::regex_search(*line, m, listening)) {
      port_ = std::stoi(m[1]);
      break;
    }
  }
}

bool DaemonProcess::wait_for_log(const std::string& text, int timeout_ms) {
  if (log().find(text) != std::string::npos) return true;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    auto line = child_->read_line(static_cast<int>(left));
    if (!line) return false;
    if (line->find(text) != std::string::npos) return true;
  }
}

int DaemonProcess::stop(int sig) { return child_->signal_and_wait(sig); }

void DaemonProcess::signal(int sig) { ::kill(child_->pid(), sig); }

void DaemonProcess::kill() { child_->signal_and_wait(SIGKILL); }

}  // namespace sundial::testing
