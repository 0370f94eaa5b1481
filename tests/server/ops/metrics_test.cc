#include "server/ops/metrics.h"

#include <gtest/gtest.h>

#include <array>

#include <nlohmann/json.hpp>

#include "server/ops/logging.h"

namespace sundial::ops {
namespace {

TEST(MetricsTest, RendersCountersAndGaugesInTheTextFormat) {
  MetricsRegistry registry;
  auto& requests = registry.counter("http_requests_total", "Requests.", {"route", "status"});
  auto& open = registry.gauge("connections_open", "Open connections.");
  requests.inc({"/a", "200"});
  requests.inc({"/a", "200"}, 2);
  requests.inc({"/b \"x\"\\\n", "404"});
  open.set({}, 3);
  EXPECT_EQ(registry.render(),
            "# HELP http_requests_total Requests.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{route=\"/a\",status=\"200\"} 3\n"
            "http_requests_total{route=\"/b \\\"x\\\"\\\\\\n\",status=\"404\"} 1\n"
            "# HELP connections_open Open connections.\n"
            "# TYPE connections_open gauge\n"
            "connections_open 3\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  auto& h = registry.histogram("latency_seconds", "Latency.", {0.1, 1});
  h.observe({}, 0.05);
  h.observe({}, 0.1);
  h.observe({}, 0.5);
  h.observe({}, 7);
  EXPECT_EQ(registry.render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.1\"} 2\n"
            "latency_seconds_bucket{le=\"1\"} 3\n"
            "latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "latency_seconds_sum 7.65\n"
            "latency_seconds_count 4\n");
}

TEST(MetricsTest, CollectorsRunBeforeRendering) {
  MetricsRegistry registry;
  auto& g = registry.gauge("instances", "Instances.", {"status"});
  int scrapes = 0;
  registry.add_collector([&] {
    g.clear();
    g.set({"waiting"}, ++scrapes);
  });
  EXPECT_NE(registry.render().find("instances{status=\"waiting\"} 1"), std::string::npos);
  EXPECT_NE(registry.render().find("instances{status=\"waiting\"} 2"), std::string::npos);
}

TEST(MetricsTest, LoadsHistogramsKeptElsewhere) {
  MetricsRegistry registry;
  auto& h = registry.histogram("group", "Group sizes.", {1, 2, 4});
  std::array<uint64_t, 5> buckets = {3, 1, 0, 0, 2};  // the last two are beyond 4
  h.load({}, buckets, 6, 40);
  std::string text = registry.render();
  EXPECT_NE(text.find("group_bucket{le=\"4\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("group_bucket{le=\"+Inf\"} 6\n"), std::string::npos) << text;
}

TEST(LoggingTest, JsonLinesAreValidJsonWithEscapedMessages) {
  auto line = nlohmann::json::parse(json_log_line(1767225600123, "info", "quote \" and\nnewline"));
  EXPECT_EQ(line["time"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "quote \" and\\x0anewline");  // one line, whatever the message
  auto access = nlohmann::json::parse(
      json_log_line(0, "info", R"({"access":{"method":"GET","status":200,"path":"/x"}})"));
  EXPECT_EQ(access["msg"], "access");
  EXPECT_EQ(access["status"], 200);
  EXPECT_EQ(access["path"], "/x");
}

}  // namespace
}  // namespace sundial::ops
