#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "engine/base/check.h"

namespace sundial::testing {

namespace {

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, Stderr stderr_mode,
                           std::vector<std::string> extra_env) {
  int fds[2];
  SUNDIAL_CHECK(::pipe2(fds, O_CLOEXEC) == 0);
  pid_ = ::fork();
  SUNDIAL_CHECK(pid_ >= 0);
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    if (stderr_mode == Stderr::kMergeIntoStdout) ::dup2(fds[1], STDERR_FILENO);
    for (auto& e : extra_env) ::putenv(e.data());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::perror("execv");
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool ChildProcess::read_some(int timeout_ms) {
  if (eof_) return false;
  pollfd p{stdout_fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, timeout_ms);
  if (ready <= 0) return true;
  char buf[65536];
  ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  partial_.append(buf, static_cast<size_t>(n));
  split_lines();
  return true;
}

void ChildProcess::split_lines() {
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines_.push_back(partial_.substr(start, nl - start));
  }
  partial_.erase(0, start);
}

std::optional<std::string> ChildProcess::read_line(int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (next_line_ >= lines_.size()) {
    int64_t left = deadline - monotonic_ms();
    if (left <= 0 || !read_some(static_cast<int>(left))) break;
  }
  if (next_line_ >= lines_.size()) return std::nullopt;
  return lines_[next_line_++];
}

void ChildProcess::pump_for(int ms) {
  int64_t deadline = monotonic_ms() + ms;
  for (int64_t left; (left = deadline - monotonic_ms()) > 0;) {
    if (!read_some(static_cast<int>(left))) break;
  }
}

std::vector<std::string> ChildProcess::take_lines() {
  std::vector<std::string> out(lines_.begin() + static_cast<std::ptrdiff_t>(next_line_), lines_.end());
  lines_.clear();
  next_line_ = 0;
  return out;
}

int ChildProcess::signal_and_wait(int sig) {
  SUNDIAL_CHECK(pid_ > 0);
  ::kill(pid_, sig);
  // A child that ignores `sig` for 30 s is killed, so the test fails
  // instead of hanging.
  int64_t deadline = monotonic_ms() + 30000;
  while (read_some(100)) {
    if (monotonic_ms() > deadline) ::kill(pid_, SIGKILL);
  }
  int status = 0;
  SUNDIAL_CHECK(::waitpid(pid_, &status, 0) == pid_);
  pid_ = -1;
  return status;
}

std::optional<int> ChildProcess::wait_for_exit(int timeout_ms) {
  SUNDIAL_CHECK(pid_ > 0);
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < deadline) {
    read_some(10);
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      while (read_some(100)) {
      }
      pid_ = -1;
      return status;
    }
  }
  return std::nullopt;
}

}  // namespace sundial::testing
