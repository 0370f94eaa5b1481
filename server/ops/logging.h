// Logging setup for sundiald: spdlog to stderr, as readable text or as one
// JSON object per line (log_format = "json"), and the access log line of
// every answered request. The one place that picks sinks and formats.
//
// Threading: configure once at start-up; log from the loop thread.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/error.h"

namespace sundial::ops {

// format: "text" or "json"; level: trace, debug, info, warn, error.
Result<void> configure_logging(std::string_view format, std::string_view level);

struct AccessLogEntry {
  std::string method;
  std::string path;
  std::string route;
  std::string peer;
  int status = 0;
  size_t bytes = 0;
  double duration_ms = 0;
};

void log_access(const AccessLogEntry& entry);

// One JSON log line for a message (what the json format writes); exposed
// for tests. `time_ms` is Unix time in ms.
std::string json_log_line(int64_t time_ms, std::string_view level, std::string_view message);

}  // namespace sundial::ops
