// DaemonProcess: the real sundiald started on 127.0.0.1:0 with a data
// directory and --bench-workflows (the tests start bench.* types, which a
// production sundiald does not register), for end-to-end tests. Waits for the log line that names the
// bound port; stop() sends SIGTERM and returns the exit status; kill()
// sends SIGKILL. Its log (stdout and stderr) is read all along by the
// ChildProcess, so a daemon that logs a lot never stalls on a full pipe,
// and is kept in memory (capped: ChildProcess::kMaxKeptBytes) for failure
// messages.
//
// Threading: one test thread; port() may be read from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace sundial::testing {

class DaemonProcess {
 public:
  // `extra_args` go after --listen, --data-dir and --bench-workflows; `env`
  // adds "NAME=value".
  DaemonProcess(const std::string& data_dir, std::vector<std::string> extra_args = {},
                std::vector<std::string> env = {});

  // 0 when the daemon did not report a port in time (see log()).
  int port() const { return port_; }
  // Lines logged so far (a copy: the log keeps growing).
  std::string log() const { return child_->output(); }
  // Waits for a logged line containing `text`; false on timeout or exit.
  bool wait_for_log(const std::string& text, int timeout_ms = 20000);

  // `sig` (SIGTERM by default) and wait: the wait status.
  int stop(int sig = 15);
  // Sends `sig` (e.g. SIGHUP) and returns without waiting.
  void signal(int sig);
  // SIGKILL and wait.
  void kill();

 private:
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
};

}  // namespace sundial::testing
