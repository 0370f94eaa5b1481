#include "server/ops/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sundial_version.h"

namespace sundial::ops {

namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<uint64_t> to_u64(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

size_t open_fds() {
  size_t n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec))
    ++n;
  return n > 0 ? n - 1 : 0;  // less the descriptor of the listing itself
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state f4 f5 ...": fields counted from 1, the command is 2.
  size_t paren = text.rfind(')');
  if (paren == std::string_view::npos || paren + 2 > text.size()) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::string_view rest = text.substr(paren + 2);
  while (!rest.empty()) {
    size_t space = rest.find_first_of(" \n");
    std::string_view field = rest.substr(0, space);
    if (!field.empty()) fields.push_back(field);
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  auto field = [&fields](size_t n) { return n - 3 < fields.size() ? to_u64(fields[n - 3]) : std::nullopt; };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<uint64_t> parse_boot_time(std::string_view proc_stat) {
  size_t at = proc_stat.starts_with("btime ") ? 0 : proc_stat.find("\nbtime ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view line = proc_stat.substr(at + (at == 0 ? 6 : 7));
  return to_u64(line.substr(0, line.find('\n')));
}

void add_process_metrics(MetricsRegistry& registry) {
  registry
      .gauge("sundial_build_info", "The version of sundiald and the git describe of its source.",
             {"version", "commit"})
      .set({std::string(build_version()), build_commit().empty() ? "unknown" : std::string(build_commit())},
           1);
  MetricFamily& cpu =
      registry.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.");
  MetricFamily& resident = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  MetricFamily& virtual_bytes =
      registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  MetricFamily& fds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  MetricFamily& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.");
  MetricFamily& started = registry.gauge("process_start_time_seconds",
                                         "Start time of the process since the Unix epoch, in seconds.");
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // Constant for the process: read once.
  std::optional<uint64_t> boot = parse_boot_time(read_all("/proc/stat"));
  if (auto stat = parse_proc_stat(read_all("/proc/self/stat")); stat && boot) {
    started.set({}, static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks);
  }
  registry.add_collector([&cpu, &resident, &virtual_bytes, &fds, &max_fds, ticks, page] {
    if (auto stat = parse_proc_stat(read_all("/proc/self/stat"))) {
      cpu.set({}, static_cast<double>(stat->user_ticks + stat->system_ticks) / ticks);
      resident.set({}, static_cast<double>(stat->resident_pages) * page);
      virtual_bytes.set({}, static_cast<double>(stat->virtual_bytes));
    }
    fds.set({}, static_cast<double>(open_fds()));
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      max_fds.set({}, static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace sundial::ops
