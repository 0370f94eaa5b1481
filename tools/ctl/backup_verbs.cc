// backup DEST: an online backup of the server's data into DEST, a new
// directory on the server's host (POST /api/v1/backups; docs/operations.md,
// "Backups and restore"). A relative DEST is taken from the current
// directory, which is right when sundialctl runs on the server's host.
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

// "12.3 MiB", "4.0 KiB", "512 B".
std::string size_text(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(units)) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0) return std::to_string(bytes) + " B";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[unit]);
  return buf;
}

}  // namespace

int backup_verb(VerbContext& ctx) {
  std::error_code ec;
  std::filesystem::path dest = std::filesystem::absolute(ctx.inv.positionals[0], ec).lexically_normal();
  if (ec) return usage_error(ctx, "backup: cannot make '" + ctx.inv.positionals[0] + "' absolute: " + ec.message());
  std::string path = dest.string();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  auto r = api_result(ctx.api->request("POST", "/api/v1/backups", nlohmann::json{{"path", path}}.dump()));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    ctx.out << r->dump(2) << "\n";
    return 0;
  }
  ctx.out << "backup taken into " << r->value("path", path) << ": " << r->value("files", 0) << " files, "
          << size_text(r->value("bytes", uint64_t{0})) << ", in " << r->value("took_ms", 0) << " ms\n";
  return 0;
}

}  // namespace sundial::ctl
