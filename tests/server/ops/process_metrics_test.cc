// The process and build metrics (server/ops/process_metrics.h): the
// /proc parsers on fixed text, then the families as /metrics renders them
// for this very process.
#include "server/ops/process_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sundial_version.h"

namespace sundial::ops {
namespace {

TEST(ProcessMetricsTest, ParsesProcStatWhateverTheCommandHolds) {
  // Fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss).
  std::string line =
      "4242 (sun dial) (x)) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 9 0 12345 104857600 2560 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto stat = parse_proc_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 50u);
  EXPECT_EQ(stat->start_ticks, 12345u);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_pages, 2560u);
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("4242 (short) S 1 2 3\n"));
}

TEST(ProcessMetricsTest, ParsesTheBootTime) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1733200000\nprocesses 9\n"), 1733200000u);
  EXPECT_EQ(parse_boot_time("btime 7\n"), 7u);
  EXPECT_FALSE(parse_boot_time("cpu 1\n"));
}

double process_sample(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST(ProcessMetricsTest, RendersBuildInfoAndThisProcess) {
  MetricsRegistry registry;
  add_process_metrics(registry);
  std::string text = registry.render();
  std::string commit = build_commit().empty() ? "unknown" : std::string(build_commit());
  EXPECT_NE(text.find("sundial_build_info{version=\"" + std::string(build_version()) + "\",commit=\"" +
                      commit + "\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << text;
  EXPECT_GE(process_sample(text, "process_cpu_seconds_total"), 0) << text;
  EXPECT_GT(process_sample(text, "process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_GT(process_sample(text, "process_virtual_memory_bytes"), 0) << text;
  EXPECT_GE(process_sample(text, "process_open_fds"), 3) << text;
  EXPECT_GT(process_sample(text, "process_max_fds"), 0) << text;
  // Started a moment ago (this test binary), give or take the clock's tick.
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double started = process_sample(text, "process_start_time_seconds");
  EXPECT_LE(started, now + 1) << text;
  EXPECT_GT(started, now - 3600) << text;
}

}  // namespace
}  // namespace sundial::ops
