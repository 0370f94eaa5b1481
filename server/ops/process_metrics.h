// The process and build metrics every Prometheus exporter shows, on a
// MetricsRegistry: sundial_build_info{version,commit} 1 (the build's
// version and git describe, sundial_version.h), and process_* read from
// /proc/self at scrape time — process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds and process_start_time_seconds — with
// the names and meanings of the Prometheus client libraries, so stock
// dashboards and alerts apply. Linux only (procfs).
//
// Threading: the collector runs where the registry renders (the loop
// thread); reading procfs does not wait on a disk. The parsers are pure.
// Ownership: the registry owns the families; nothing is kept here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "server/ops/metrics.h"

namespace sundial::ops {

// Adds the families and a collector that refreshes the process_* ones.
void add_process_metrics(MetricsRegistry& registry);

// What /proc/self/stat says, in its units (`ticks`: clock ticks).
struct ProcStat {
  uint64_t user_ticks = 0;
  uint64_t system_ticks = 0;
  uint64_t start_ticks = 0;  // after boot
  uint64_t virtual_bytes = 0;
  uint64_t resident_pages = 0;
};
// Parses one /proc/<pid>/stat line (the command may hold spaces and
// parentheses); nullopt when it is not one.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// The boot time (Unix seconds) in /proc/stat's "btime" line.
std::optional<uint64_t> parse_boot_time(std::string_view proc_stat);

}  // namespace sundial::ops
