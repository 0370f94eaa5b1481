#include "server/config/daemon_args.h"

#include <algorithm>
#include <optional>

#include "engine/base/closest_match.h"
#include "server/config/config_file.h"

namespace sundial {

namespace {

const std::vector<std::string> kFlags = {"--config",        "--listen",  "--data-dir",
                                         "--workflows-dir", "--recover", "--help"};

}  // namespace

std::string daemon_usage() {
  return "usage: sundiald [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--workflows-dir DIR]\n"
         "                [--recover=salvage]\n"
         "\n"
         "Runs the Sundial workflow engine and its HTTP API.\n"
         "\n"
         "  --config FILE      TOML configuration (docs/configuration.md); flags override it\n"
         "  --listen HOST:PORT address to serve HTTP on (default 127.0.0.1:8080; port 0 picks one)\n"
         "  --data-dir DIR     where the RocksDB data lives (default ./sundial-data)\n"
         "  --workflows-dir DIR Lua workflow scripts, one type per <type>.lua (docs/lua.md);\n"
         "                     reloaded when a file changes and on SIGHUP\n"
         "  --recover=salvage  repair a data directory whose write-ahead log is damaged: keep\n"
         "                     what precedes the damage, drop the rest, report what was\n"
         "                     dropped, and exit (docs/operations.md); then start normally\n"
         "  -h, --help         show this help\n"
         "\n"
         "Environment: SUNDIAL_ADMIN_TOKEN (bearer token for /api/*; without it the server\n"
         "listens on loopback only), RESEND_API_KEY, CALCOM_WEBHOOK_SECRET (names configurable).\n"
         "GITHUB_WEBHOOK_SECRET and NOTION_WEBHOOK_SECRET are reserved for the GitHub and Notion\n"
         "workflows; no route reads them yet.\n"
         "SIGTERM or SIGINT stops accepting, answers what is in flight, and exits 0.\n"
         "SIGHUP reloads the workflow scripts.\n";
}

Result<DaemonArgs> parse_daemon_args(const std::vector<std::string>& args) {
  DaemonArgs out;
  std::optional<std::string> config_path, listen, data_dir, workflows_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "-h" || flag == "--help") {
      out.show_help = true;
      return out;
    }
    if (std::find(kFlags.begin(), kFlags.end(), flag) == kFlags.end()) {
      std::string hint = closest_match(flag, kFlags);
      return make_error(
          ErrorCode::kInvalidArgument,
          "unknown flag '" + flag + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    if (!value) {
      if (i + 1 >= args.size())
        return make_error(ErrorCode::kInvalidArgument, "flag '" + flag + "' needs a value");
      value = args[++i];
    }
    if (flag == "--config") config_path = *value;
    if (flag == "--listen") listen = *value;
    if (flag == "--data-dir") data_dir = *value;
    if (flag == "--workflows-dir") workflows_dir = *value;
    if (flag == "--recover") {
      if (*value != "salvage") {
        return make_error(ErrorCode::kInvalidArgument,
                          "--recover: '" + *value + "' is not a recovery mode; the one mode is 'salvage'");
      }
      out.salvage = true;
    }
  }
  if (config_path) SUNDIAL_TRY(apply_config_file(*config_path, out.config));
  if (listen) {
    auto parsed = parse_listen_address(*listen, out.config.server.listen_host, out.config.server.listen_port);
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "--listen: " + parsed.error().message);
  }
  if (data_dir) out.config.engine.data_dir = *data_dir;
  if (workflows_dir) out.config.workflows.dir = *workflows_dir;
  return out;
}

}  // namespace sundial
