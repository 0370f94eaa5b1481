#include "tools/bench/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tools/bench/load_client.h"

namespace sundial::bench {

namespace {

std::optional<double> status_field_mb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == field + ":") {
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return std::nullopt;
}

}  // namespace

Result<ServerProcess> ServerProcess::spawn(const std::string& path, Kind kind) {
  ServerProcess p;
  p.sundiald_ = path;
  p.kind_ = kind;
  std::string pattern = (std::filesystem::temp_directory_path() / "sundial-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return make_error(ErrorCode::kIoError, "cannot make a temporary directory");
  p.data_dir_ = pattern + "/data";
  SUNDIAL_TRY(p.start());
  return p;
}

Result<ServerProcess> ServerProcess::external(const std::string& url) {
  static const std::regex host_port(R"(^https?://[^:/]+:(\d+)/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, host_port)) {
    return make_error(ErrorCode::kInvalidArgument, "--server must look like http://127.0.0.1:8080");
  }
  ServerProcess p;
  p.port_ = std::stoi(m[1]);
  return p;
}

ServerProcess::ServerProcess(ServerProcess&& o) noexcept
    : sundiald_(std::move(o.sundiald_)),
      kind_(o.kind_),
      data_dir_(std::move(o.data_dir_)),
      pid_(o.pid_),
      port_(o.port_) {
  o.pid_ = -1;
  o.data_dir_.clear();
}

ServerProcess::~ServerProcess() {
  stop();
  if (!data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(data_dir_).parent_path(), ec);
  }
}

Result<void> ServerProcess::start() {
  std::string log = data_dir_ + ".log";
  std::string config = data_dir_ + ".toml";
  // Benchmarks measure the engine, not the access log.
  std::ofstream(config) << "[server]\naccess_log = false\nmax_connections = 4096\n";
  std::ofstream(log, std::ios::trunc).close();
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
    ::dup2(fd, STDERR_FILENO);
    ::dup2(fd, STDOUT_FILENO);
    if (kind_ == Kind::kProbe) {
      ::execl(sundiald_.c_str(), sundiald_.c_str(), "--listen", "127.0.0.1:0", "--data-dir",
              data_dir_.c_str(), nullptr);
    } else {
      // The bench.* workflow types are registered only when asked for.
      ::execl(sundiald_.c_str(), sundiald_.c_str(), "--listen", "127.0.0.1:0", "--data-dir",
              data_dir_.c_str(), "--config", config.c_str(), "--bench-workflows", nullptr);
    }
    ::_exit(127);
  }
  static const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  int64_t deadline = now_us() + 60'000'000;
  while (now_us() < deadline) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, listening)) {
      port_ = std::stoi(m[1]);
      return ok();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return make_error(ErrorCode::kUnavailable, sundiald_ + " exited at start-up: " + text);
    }
    ::usleep(1000);
  }
  return make_error(ErrorCode::kUnavailable, sundiald_ + " did not start listening within 60 s");
}

std::optional<double> ServerProcess::cpu_seconds() const {
  if (pid_ <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) start at state (3);
  // utime and stime are fields 14 and 15, in clock ticks.
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<double> ServerProcess::peak_rss_mb() const {
  return pid_ > 0 ? status_field_mb(pid_, "VmHWM") : std::nullopt;
}

std::optional<double> ServerProcess::rss_mb() const {
  return pid_ > 0 ? status_field_mb(pid_, "VmRSS") : std::nullopt;
}

std::optional<uint64_t> ServerProcess::data_bytes() const {
  if (data_dir_.empty()) return std::nullopt;
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::recursive_directory_iterator(data_dir_, ec)) {
    if (f.is_regular_file(ec)) total += f.file_size(ec);
  }
  return total;
}

Result<double> ServerProcess::kill_and_restart() {
  if (pid_ <= 0) return make_error(ErrorCode::kInvalidArgument, "restart needs a server the bench started");
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  int64_t t0 = now_us();
  SUNDIAL_TRY(start());
  return static_cast<double>(now_us() - t0) / 1000.0;
}

void ServerProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

}  // namespace sundial::bench
