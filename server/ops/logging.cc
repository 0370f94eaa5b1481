#include "server/ops/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>

namespace sundial::ops {

namespace {

bool json_format = false;

bool needs_escape(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || c == '\\') return true;
  }
  return false;
}

// The text pattern, applied to the message with its control characters
// escaped.
class EscapingFormatter final : public spdlog::formatter {
 public:
  EscapingFormatter() : pattern_("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_escape(payload)) return pattern_.format(msg, dest);
    std::string escaped = escape_for_log(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    pattern_.format(copy, dest);
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<EscapingFormatter>(); }

 private:
  spdlog::pattern_formatter pattern_;
};

// Writes each record as one JSON object: {"time","level","msg"}. Access log
// records carry their fields as a JSON object in the message already.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    auto level_name = spdlog::level::to_string_view(msg.level);
    std::string_view level(level_name.data(), level_name.size());
    std::string line = json_log_line(ms, level, std::string_view(msg.payload.data(), msg.payload.size()));
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

std::string utc_iso8601(int64_t time_ms) {
  std::time_t secs = static_cast<std::time_t>(time_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(time_ms % 1000));
  return buf;
}

}  // namespace

std::string escape_for_log(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

// Escaped once, by the text formatter (EscapingFormatter).
std::string raw_access_line(const AccessLogEntry& e) {
  return fmt::format("{} {} {} {}B {:.2f}ms {}", e.method, e.path, e.status, e.bytes, e.duration_ms, e.peer);
}

}  // namespace

std::string access_log_text(const AccessLogEntry& e) { return escape_for_log(raw_access_line(e)); }

std::string json_log_line(int64_t time_ms, std::string_view level, std::string_view message) {
  nlohmann::json line = {{"time", utc_iso8601(time_ms)}, {"level", level}};
  // An access record is a JSON object already: merge its fields.
  if (message.starts_with("{\"access\":")) {
    auto fields = nlohmann::json::parse(message, nullptr, false);
    if (fields.is_object()) {
      for (auto& [k, v] : fields["access"].items()) line[k] = v;
      line["msg"] = "access";
      return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  line["msg"] = escape_for_log(message);
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  return std::make_unique<EscapingFormatter>();
}

Result<void> configure_logging(std::string_view format, std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return make_error(ErrorCode::kInvalidArgument, "unknown log level '" + std::string(level) + "'");
  }
  if (format != "text" && format != "json") {
    return make_error(ErrorCode::kInvalidArgument, "unknown log format '" + std::string(format) + "'");
  }
  auto logger = spdlog::stderr_color_mt("sundiald");
  if (format == "json") {
    json_format = true;
  }
  logger->set_formatter(make_log_formatter(format));
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return ok();
}

std::string access_log_json(const AccessLogEntry& e) {
  // A duration computed in seconds and scaled carries binary noise in its
  // last digits; rounded to the microsecond, the shortest form that reads
  // back the same double (what nlohmann writes) is the plain decimal.
  double duration_ms = std::round(e.duration_ms * 1000.0) / 1000.0;
  nlohmann::json fields = {{"method", escape_for_log(e.method)},
                           {"path", escape_for_log(e.path)},
                           {"route", escape_for_log(e.route)},
                           {"status", e.status},
                           {"bytes", e.bytes},
                           {"duration_ms", duration_ms},
                           {"peer", escape_for_log(e.peer)}};
  return nlohmann::json{{"access", fields}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void log_access(const AccessLogEntry& e) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  if (json_format) {
    spdlog::info("{}", access_log_json(e));
    return;
  }
  spdlog::info("{}", raw_access_line(e));
}

void log_always(std::string_view message) {
  std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
  spdlog::details::log_msg msg(logger->name(), spdlog::level::info,
                               spdlog::string_view_t(message.data(), message.size()));
  for (const auto& sink : logger->sinks()) sink->log(msg);
  logger->flush();
}

}  // namespace sundial::ops
