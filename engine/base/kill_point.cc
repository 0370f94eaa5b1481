#include "engine/base/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sundial {
namespace {

struct Armed {
  std::string name;
  uint64_t pass = 0;  // 0: disarmed
};

[[noreturn]] void refuse(const char* value, const char* why) {
  std::fprintf(stderr, "SUNDIAL_KILL_AT='%s': %s (expected <name>:<n>, n >= 1, name one of:", value, why);
  for (auto name : kill_points::kAll)
    std::fprintf(stderr, " %.*s", static_cast<int>(name.size()), name.data());
  std::fprintf(stderr, ")\n");
  std::abort();
}

Armed parse_environment() {
  const char* value = std::getenv("SUNDIAL_KILL_AT");
  if (value == nullptr || *value == '\0') return {};
  std::string_view text(value);
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) refuse(value, "no ':<n>'");
  std::string_view name = text.substr(0, colon);
  std::string_view count = text.substr(colon + 1);
  uint64_t pass = 0;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), pass);
  if (ec != std::errc() || end != count.data() + count.size() || pass == 0) refuse(value, "bad pass count");
  if (std::find(kill_points::kAll.begin(), kill_points::kAll.end(), name) == kill_points::kAll.end()) {
    refuse(value, "no such kill point");
  }
  return Armed{std::string(name), pass};
}

// Same translation unit, so initialized before the flag below.
const Armed g_armed = parse_environment();
std::atomic<uint64_t> g_passes{0};

}  // namespace

const bool g_kill_point_armed = g_armed.pass != 0;

void kill_point_pass(std::string_view name) {
  if (name != g_armed.name) return;
  if (g_passes.fetch_add(1, std::memory_order_relaxed) + 1 != g_armed.pass) return;
  std::string line = "kill point " + g_armed.name + " pass " + std::to_string(g_armed.pass) + ": SIGKILL\n";
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  ::raise(SIGKILL);
}

}  // namespace sundial
