// DataDirLock: one sundiald per data directory. Before RocksDB opens it,
// sundiald takes an exclusive flock(2) on DIR/sundiald.pid and writes its
// pid there; a second sundiald on the same directory is refused with
// "data directory DIR is in use by another sundiald (pid N)" instead of
// RocksDB's raw lock error. The kernel drops the lock when the process
// ends, however it ends (kill -9 included), so a stale file never blocks a
// start: the file stays, the lock is what counts.
//
// Threading: start-up; any thread. Ownership: owns the file descriptor
// (closing it releases the lock); move-only.
#pragma once

#include <string>

#include "engine/base/error.h"

namespace sundial::ops {

class DataDirLock {
 public:
  static constexpr const char* kFileName = "sundiald.pid";

  // Creates `data_dir` if missing, then locks it. Errors: kConflict when
  // another process holds it (the message names its pid when the file
  // says it), kIoError when the directory or file cannot be made.
  static Result<DataDirLock> acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sundial::ops
