// ChildProcess: runs a program with its stdout on a pipe the test reads
// line by line, and stops it with a signal. Crash and end-to-end tests use
// it to drive the real binaries. The destructor SIGKILLs and reaps a child
// still running, so a failing test leaves no process behind.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sundial::testing {

class ChildProcess {
 public:
  enum class Stderr { kInherit, kMergeIntoStdout };
  // Starts argv[0] with the given arguments and, optionally, extra
  // environment variables ("NAME=value").
  explicit ChildProcess(std::vector<std::string> argv, Stderr stderr_mode = Stderr::kInherit,
                        std::vector<std::string> extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next complete stdout line, waiting up to `timeout_ms`; nullopt on
  // timeout or end of output.
  std::optional<std::string> read_line(int timeout_ms);
  // Reads whatever stdout holds for `ms` milliseconds, keeping the lines
  // for take_lines(), so the child never blocks on a full pipe.
  void pump_for(int ms);
  // Every complete line read so far and not yet returned by read_line().
  std::vector<std::string> take_lines();

  // Sends `sig`, reads stdout to its end, and reaps the child. Returns the
  // wait status (see WIFEXITED / WTERMSIG).
  int signal_and_wait(int sig);
  // Waits for the child to exit by itself, reading stdout to its end;
  // nullopt if it is still running after `timeout_ms`.
  std::optional<int> wait_for_exit(int timeout_ms);

 private:
  // Reads once (waiting up to `timeout_ms`); false at end of output.
  bool read_some(int timeout_ms);
  void split_lines();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool eof_ = false;
  std::string partial_;
  std::vector<std::string> lines_;
  size_t next_line_ = 0;
};

}  // namespace sundial::testing
