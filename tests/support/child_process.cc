#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "engine/base/check.h"

extern char** environ;

namespace sundial::testing {

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point after_ms(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

std::string_view env_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// This process's environment with `extra` added ("NAME=value" replaces an
// inherited NAME). Built before fork(): the child only execs.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    bool replaced = false;
    for (const auto& x : extra) replaced |= env_name(x) == env_name(*e);
    if (!replaced) out.emplace_back(*e);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, Stderr stderr_mode,
                           std::vector<std::string> extra_env) {
  std::vector<std::string> env = child_environment(extra_env);
  std::vector<char*> args = c_strings(argv);
  std::vector<char*> envp = c_strings(env);
  int fds[2];
  SUNDIAL_CHECK(::pipe2(fds, O_CLOEXEC) == 0);
  pid_ = ::fork();
  SUNDIAL_CHECK(pid_ >= 0);
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    if (stderr_mode == Stderr::kMergeIntoStdout) ::dup2(fds[1], STDERR_FILENO);
    ::execve(args[0], args.data(), envp.data());
    std::perror("execve");
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  reader_ = std::thread([this] { read_until_eof(); });
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();  // the pipe ends with the child
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

void ChildProcess::read_until_eof() {
  std::string partial;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, static_cast<size_t>(n));
    std::vector<std::string> complete;
    size_t start = 0;
    for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      complete.push_back(partial.substr(start, nl - start));
    }
    partial.erase(0, start);
    keep(std::move(complete), false);
  }
  std::vector<std::string> last;
  if (!partial.empty()) last.push_back(std::move(partial));
  keep(std::move(last), true);
}

void ChildProcess::keep(std::vector<std::string> lines, bool eof) {
  std::lock_guard lock(mu_);
  for (auto& line : lines) {
    kept_bytes_ += line.size() + 1;
    lines_.push_back(std::move(line));
  }
  while (kept_bytes_ > kMaxKeptBytes && lines_.size() > 1) {
    kept_bytes_ -= lines_.front().size() + 1;
    lines_.pop_front();
    ++dropped_;
  }
  eof_ = eof;
  changed_.notify_all();
}

std::optional<std::string> ChildProcess::read_line(int timeout_ms) {
  std::unique_lock lock(mu_);
  changed_.wait_until(lock, after_ms(timeout_ms),
                      [&] { return eof_ || next_line_ < dropped_ + lines_.size(); });
  next_line_ = std::max(next_line_, dropped_);
  if (next_line_ >= dropped_ + lines_.size()) return std::nullopt;
  return lines_[next_line_++ - dropped_];
}

void ChildProcess::pump_for(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

std::vector<std::string> ChildProcess::take_lines() {
  std::lock_guard lock(mu_);
  next_line_ = std::max(next_line_, dropped_);
  std::vector<std::string> out(lines_.begin() + static_cast<std::ptrdiff_t>(next_line_ - dropped_),
                               lines_.end());
  next_line_ = dropped_ + lines_.size();
  return out;
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mu_);
  std::string out;
  if (dropped_ > 0) out = "[" + std::to_string(dropped_) + " earlier lines dropped]\n";
  out.reserve(out.size() + kept_bytes_);
  for (const auto& line : lines_) out.append(line).push_back('\n');
  return out;
}

bool ChildProcess::wait_for_eof(Deadline deadline) {
  std::unique_lock lock(mu_);
  return changed_.wait_until(lock, deadline, [&] { return eof_; });
}

int ChildProcess::reap() {
  reader_.join();
  int status = 0;
  SUNDIAL_CHECK(::waitpid(pid_, &status, 0) == pid_);
  pid_ = -1;
  return status;
}

int ChildProcess::signal_and_wait(int sig) {
  SUNDIAL_CHECK(pid_ > 0);
  ::kill(pid_, sig);
  // A child that ignores `sig` for 30 s is killed, so the test fails
  // instead of hanging.
  if (!wait_for_eof(after_ms(30000))) ::kill(pid_, SIGKILL);
  return reap();
}

std::optional<int> ChildProcess::wait_for_exit(int timeout_ms) {
  SUNDIAL_CHECK(pid_ > 0);
  Deadline deadline = after_ms(timeout_ms);
  if (!wait_for_eof(deadline)) return std::nullopt;
  // The output ended; the exit follows (a child may close stdout and go
  // on). WNOWAIT: look without reaping, reap() does.
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      return reap();
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int exit_code_of(const std::vector<std::string>& argv, std::string* output, std::vector<std::string> env) {
  ChildProcess child(argv, ChildProcess::Stderr::kMergeIntoStdout, std::move(env));
  auto status = child.wait_for_exit(20000);
  if (output != nullptr) {
    for (auto& line : child.take_lines()) *output += line + "\n";
  }
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace sundial::testing
