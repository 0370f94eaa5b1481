// Log injection: request data cannot forge or break log lines.
#include "server/ops/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sundial::ops {
namespace {

const std::string kForgedPath =
    "/x\r\n2026-01-01T00:00:00.000Z info GET /api/v1/admin 200 0B 0.10ms 10.0.0.1";

TEST(LogInjectionTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(escape_for_log("plain /path?a=b ünïcode"), "plain /path?a=b ünïcode");
  EXPECT_EQ(escape_for_log("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(escape_for_log("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_for_log(std::string("nul\0tab\tdel\x7f", 12)), "nul\\x00tab\\x09del\\x7f");
  // A literal "\x0a" typed by the client stays distinguishable from an escape.
  EXPECT_EQ(escape_for_log("\\x0a"), "\\\\x0a");
}

TEST(LogInjectionTest, APathCannotForgeAnAccessLogLine) {
  AccessLogEntry e{"GET\x1b", kForgedPath, "", "1.2.3.4\n", 404, 10, 0.5};
  std::string line = access_log_text(e);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_NE(line.find("/x\\x0d\\x0a2026-01-01T"), std::string::npos) << line;
}

// Whatever message goes through the installed formatters comes out as
// exactly one line: request data reaches logs in other messages too.
TEST(LogInjectionTest, EveryLogRecordIsOneLineInBothFormats) {
  for (const char* format : {"text", "json"}) {
    SCOPED_TRACE(format);
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("injection-test", sink);
    logger.set_formatter(make_log_formatter(format));
    logger.info("email to {} not sent", "victim@example.com\r\n2026-01-01 critical forged\x1b]0;title\x07");
    std::string text = out.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
    if (std::string_view(format) == "json") {
      auto parsed = nlohmann::json::parse(text);
      EXPECT_NE(parsed["msg"].get<std::string>().find("\\x0d\\x0a2026"), std::string::npos);
    }
  }
}

// Issue 21: JSON log numbers carry no binary noise (a duration computed in
// seconds and scaled reads 0.12, not 0.12000000000000001).
TEST(JsonLogTest, AccessDurationsHaveNoFloatNoise) {
  AccessLogEntry e{"GET", "/healthz", "/healthz", "127.0.0.1", 200, 2, 0.00012 * 1000};
  ASSERT_NE(e.duration_ms, 0.12);  // the noise this test is about
  std::string line = json_log_line(0, "info", access_log_json(e));
  EXPECT_NE(line.find("\"duration_ms\":0.12,"), std::string::npos) << line;
  e.duration_ms = 1.0 / 3.0;
  line = json_log_line(0, "info", access_log_json(e));
  EXPECT_NE(line.find("\"duration_ms\":0.333,"), std::string::npos) << line;
  EXPECT_EQ(nlohmann::json::parse(line)["status"], 200);
}

// The "listening" line (the port picked for port 0) is written whatever
// the level: scripts started with --log-level error still read it.
TEST(JsonLogTest, LogAlwaysIgnoresTheLevel) {
  auto previous = spdlog::default_logger();
  std::ostringstream out;
  auto logger =
      std::make_shared<spdlog::logger>("always-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_formatter(make_log_formatter("json"));
  logger->set_level(spdlog::level::err);
  spdlog::set_default_logger(logger);
  spdlog::info("hidden");
  log_always("sundiald listening on http://127.0.0.1:4242");
  spdlog::set_default_logger(previous);
  std::string text = out.str();
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed["msg"], "sundiald listening on http://127.0.0.1:4242");
  EXPECT_EQ(parsed["level"], "info");
}

}  // namespace
}  // namespace sundial::ops
