#include "engine/storage/rocksdb_logger.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <spdlog/spdlog.h>

namespace sundial {
namespace {

std::string format_line(const char* format, va_list ap) {
  char buffer[1024];
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(buffer, sizeof buffer, format, copy);
  va_end(copy);
  if (n < 0) return format;
  if (static_cast<size_t>(n) < sizeof buffer) return std::string(buffer, static_cast<size_t>(n));
  std::string out(static_cast<size_t>(n) + 1, '\0');
  va_copy(copy, ap);
  std::vsnprintf(out.data(), out.size(), format, copy);
  va_end(copy);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

void RocksDbLogger::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void RocksDbLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < rocksdb::InfoLogLevel::WARN_LEVEL) return;
  record(level, format_line(format, ap));
}

void RocksDbLogger::record(rocksdb::InfoLogLevel level, const std::string& line) {
  // Creating a new database: RocksDB looks for the directory first.
  if (line.starts_with("Error when reading") && line.find("dir NotFound") != std::string::npos) return;
  if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
    spdlog::error("rocksdb: {}", line);
  } else {
    spdlog::warn("rocksdb: {}", line);
  }
  // RocksDB's WAL recovery reporter: "[(ignoring error) ]<file>: dropping <n> bytes; <status>".
  constexpr std::string_view kDropping = ": dropping ";
  auto at = line.find(kDropping);
  if (at == std::string::npos) return;
  std::string file = line.substr(0, at);
  constexpr std::string_view kIgnoring = "(ignoring error) ";
  if (file.starts_with(kIgnoring)) file.erase(0, kIgnoring.size());
  uint64_t bytes = std::strtoull(line.c_str() + at + kDropping.size(), nullptr, 10);
  {
    std::lock_guard lock(mutex_);
    damage_.reports.push_back(line);
    if (damage_.files.empty() || damage_.files.back() != file) damage_.files.push_back(file);
    damage_.bytes_dropped += bytes;
  }
  damage_seen_.store(true, std::memory_order_release);
}

WalDamage RocksDbLogger::damage() const {
  std::lock_guard lock(mutex_);
  return damage_;
}

void RocksDbLogger::clear_damage() {
  std::lock_guard lock(mutex_);
  damage_ = WalDamage{};
  damage_seen_.store(false, std::memory_order_release);
}

}  // namespace sundial
