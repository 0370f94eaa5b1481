// ServerProcess: the sundiald a benchmark runs against — started by the
// bench on a fresh data directory and a free loopback port (so scenarios
// can SIGKILL and restart it and read its memory), or an existing server
// given by --server (then kill/restart/RSS are unavailable). The `probe`
// scenario starts sundial-bench-probe the same way (kProbe).
//
// Threading: one thread. Ownership: owns the child process and, when it
// made it, the data directory (removed at the end).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "engine/base/error.h"

namespace sundial::bench {

class ServerProcess {
 public:
  enum class Kind { kSundiald, kProbe };
  // Starts `path` (a sundiald, or sundial-bench-probe) on a new temporary
  // data directory; a sundiald with --bench-workflows (the bench.* types
  // the scenarios start).
  static Result<ServerProcess> spawn(const std::string& path, Kind kind = Kind::kSundiald);
  // Uses a running server; `url` like http://127.0.0.1:8080.
  static Result<ServerProcess> external(const std::string& url);

  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ~ServerProcess();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool owned() const { return pid_ > 0 || !sundiald_.empty(); }

  // Peak and current resident memory of the server, in MB (nullopt for an
  // external server).
  std::optional<double> peak_rss_mb() const;
  std::optional<double> rss_mb() const;
  // CPU time the server has used so far (user + system, all threads), in
  // seconds (nullopt for an external server). On a shared machine the CPU
  // used per operation moves less with the neighbours than operations/s.
  std::optional<double> cpu_seconds() const;
  // Bytes of the data directory on disk.
  std::optional<uint64_t> data_bytes() const;

  // SIGKILL, then start again on the same data directory; returns how long
  // the new process took until its port was announced (ms).
  Result<double> kill_and_restart();
  void stop();

 private:
  ServerProcess() = default;
  Result<void> start();

  std::string sundiald_;
  Kind kind_ = Kind::kSundiald;
  std::string data_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace sundial::bench
