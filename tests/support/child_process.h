// ChildProcess: runs a program with its stdout on a pipe, gives the test
// its output line by line, and stops it with a signal. Crash and
// end-to-end tests use it to drive the real binaries.
//
// A reader thread drains the pipe from start to end of output, whatever the
// test reads, so a child that logs a lot (sundiald's access log) never
// blocks in write(). Lines are kept in memory: the newest kMaxKeptBytes of
// them; older ones are dropped (output() says how many). A last line
// without a newline is kept when the output ends.
//
// The destructor SIGKILLs and reaps a child still running, so a failing
// test leaves no process behind.
//
// Threading: the public methods are for one test thread; the reader thread
// is private to the object.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sundial::testing {

class ChildProcess {
 public:
  enum class Stderr { kInherit, kMergeIntoStdout };
  static constexpr size_t kMaxKeptBytes = size_t{16} << 20;

  // Starts argv[0] with the given arguments and, optionally, extra
  // environment variables ("NAME=value", overriding inherited ones).
  explicit ChildProcess(std::vector<std::string> argv, Stderr stderr_mode = Stderr::kInherit,
                        std::vector<std::string> extra_env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next line not yet returned, waiting up to `timeout_ms`; nullopt on
  // timeout or end of output.
  std::optional<std::string> read_line(int timeout_ms);
  // Waits `ms` milliseconds; the output keeps being read meanwhile.
  void pump_for(int ms);
  // Every line received and not yet returned by read_line() or take_lines().
  std::vector<std::string> take_lines();
  // Every line kept so far, returned or not, each ending in '\n'.
  std::string output() const;

  // Sends `sig`, waits for the end of output, and reaps the child. Returns
  // the wait status (see WIFEXITED / WTERMSIG).
  int signal_and_wait(int sig);
  // Waits for the child to exit by itself and for the end of its output;
  // nullopt if it is still running after `timeout_ms`.
  std::optional<int> wait_for_exit(int timeout_ms);

 private:
  using Deadline = std::chrono::steady_clock::time_point;

  void read_until_eof();  // the reader thread's body
  void keep(std::vector<std::string> lines, bool eof);
  bool wait_for_eof(Deadline deadline);
  int reap();  // after the end of output: joins the reader, waits for the pid

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::thread reader_;

  mutable std::mutex mu_;  // guards what follows
  std::condition_variable changed_;
  std::deque<std::string> lines_;  // lines_[0] is line number dropped_
  size_t kept_bytes_ = 0;
  uint64_t dropped_ = 0;    // lines dropped from the front to stay under kMaxKeptBytes
  uint64_t next_line_ = 0;  // number of the next line read_line() returns
  bool eof_ = false;
};

// Runs `argv` to its end (20 s at most) and returns its exit code, or -1
// when it did not exit normally; its stdout and stderr go to `output`.
int exit_code_of(const std::vector<std::string>& argv, std::string* output = nullptr,
                 std::vector<std::string> env = {});

// argv or envp for execve: pointers into `strings`, then a null. `strings`
// must outlive the answer.
std::vector<char*> c_strings(std::vector<std::string>& strings);

}  // namespace sundial::testing
