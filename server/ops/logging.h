// Logging setup for sundiald: spdlog to stderr, as readable text or as one
// JSON object per line (log_format = "json"), and the access log line of
// every answered request. The one place that picks sinks and formats.
//
// Log injection: whatever a message holds (request paths, methods, peers,
// ids, emails, all from clients), no control character reaches the log
// raw. Both formats escape C0 controls (CR, LF, ESC...) and DEL as \xHH
// and a backslash as \\, so one log call is always one line and a
// path cannot forge another.
//
// Threading: configure once at start-up; log from the loop thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "engine/base/error.h"

namespace sundial::ops {

// format: "text" or "json"; level: trace, debug, info, warn (or warning),
// error.
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

// Logs `message` at info whatever the configured level, in the configured
// format, and flushes: for the lines scripts wait for ("sundiald listening
// on http://HOST:PORT", which names the port picked for port 0), so they
// appear with --log-level error too.
void log_always(std::string_view message);

// `text` with C0 controls and DEL as \xHH and '\' as "\\"; other bytes
// (UTF-8 included) as they are.
std::string escape_for_log(std::string_view text);
// The text access log line of `entry` as the text format writes it
// (escaped); exposed for tests.
std::string access_log_text(const AccessLogEntry& entry);

// The JSON message of `entry` that the json format merges into its line:
// {"access":{...}}, its duration in ms rounded to the microsecond (0.12,
// not 0.12000000000000001); exposed for tests.
std::string access_log_json(const AccessLogEntry& entry);

// The formatter of `format` ("text" or "json") that configure_logging
// installs; exposed for tests.
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

// One JSON log line for a message (what the json format writes); exposed
// for tests. `time_ms` is Unix time in ms.
std::string json_log_line(int64_t time_ms, std::string_view level, std::string_view message);

}  // namespace sundial::ops
