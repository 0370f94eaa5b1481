#include "tests/support/daemon_process.h"

#include <signal.h>

#include <regex>

namespace sundial::testing {

DaemonProcess::DaemonProcess(const std::string& data_dir, std::vector<std::string> extra_args,
                             std::vector<std::string> env) {
  std::vector<std::string> argv = {SUNDIALD_PATH, "--listen", "127.0.0.1:0", "--data-dir", data_dir};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_ = std::make_unique<ChildProcess>(argv, ChildProcess::Stderr::kMergeIntoStdout, std::move(env));
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  while (auto line = child_->read_line(20000)) {
    log_ += *line + "\n";
    std::smatch m;
    if (std::regex_search(*line, m, listening)) {
      port_ = std::stoi(m[1]);
      break;
    }
  }
}

bool DaemonProcess::wait_for_log(const std::string& text, int timeout_ms) {
  if (log_.find(text) != std::string::npos) return true;
  while (auto line = child_->read_line(timeout_ms)) {
    log_ += *line + "\n";
    if (line->find(text) != std::string::npos) return true;
  }
  return false;
}

int DaemonProcess::stop(int sig) {
  int status = child_->signal_and_wait(sig);
  for (auto& line : child_->take_lines()) log_ += line + "\n";
  return status;
}

void DaemonProcess::kill() {
  child_->signal_and_wait(SIGKILL);
  for (auto& line : child_->take_lines()) log_ += line + "\n";
}

}  // namespace sundial::testing
