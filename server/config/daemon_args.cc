#include "server/config/daemon_args.h"

#include <algorithm>
#include <optional>

#include "engine/base/closest_match.h"
#include "server/config/config_file.h"

namespace sundial {

namespace {

const std::vector<std::string> kFlags = {"--config",        "--listen",    "--data-dir",
                                         "--workflows-dir", "--log-level", "--bench-workflows",
                                         "--recover",       "--restore",   "--version",
                                         "--help"};
// Flags that take no value.
const std::vector<std::string> kSwitches = {"--bench-workflows", "--version", "--help"};

}  // namespace

std::string daemon_usage() {
  return "usage: sundiald [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--workflows-dir DIR]\n"
         "                [--log-level LEVEL] [--bench-workflows] [--recover=salvage] [--restore BACKUP]\n"
         "                [--version]\n"
         "\n"
         "Runs the Sundial workflow engine and its HTTP API.\n"
         "\n"
         "  --config FILE      TOML configuration (docs/configuration.md); flags override it\n"
         "  --listen HOST:PORT address to serve HTTP on (default 127.0.0.1:8080; port 0 picks one,\n"
         "                     logged at every log level)\n"
         "  --data-dir DIR     where the RocksDB data lives (default ./sundial-data); one sundiald\n"
         "                     per directory\n"
         "  --workflows-dir DIR Lua workflow scripts, one type per <type>.lua (docs/lua.md);\n"
         "                     reloaded when a file changes and on SIGHUP\n"
         "  --log-level LEVEL  trace, debug, info (default), warn (or warning), error\n"
         "  --bench-workflows  also register the bench.* workflow types sundial-bench and the\n"
         "                     tests start (same as [bench] workflows = true)\n"
         "  --recover=salvage  repair a data directory whose write-ahead log is damaged: keep\n"
         "                     what precedes the damage, drop the rest, report what was\n"
         "                     dropped, and exit (docs/operations.md); then start normally\n"
         "  --restore BACKUP   copy a backup made by `sundialctl backup` into the data directory,\n"
         "                     which must be empty or missing, check that it opens, and exit;\n"
         "                     then start normally (docs/operations.md)\n"
         "  --version          print the version and exit\n"
         "  -h, --help         show this help\n"
         "\n"
         "Environment: SUNDIAL_ADMIN_TOKEN (bearer token for /api/*; without it the server\n"
         "listens on loopback only), RESEND_API_KEY, and the webhook secrets\n"
         "CALCOM_WEBHOOK_SECRET, NOTION_WEBHOOK_SECRET, GITHUB_WEBHOOK_SECRET (names configurable;\n"
         "docs/configuration.md).\n"
         "SIGTERM or SIGINT stops accepting, answers what is in flight, and exits 0.\n"
         "SIGHUP reloads the workflow scripts.\n";
}

std::string daemon_usage_error(const std::string& message) {
  return "sundiald: " + message + "\nrun sundiald --help for usage\n";
}

Result<DaemonArgs> parse_daemon_args(const std::vector<std::string>& args) {
  DaemonArgs out;
  std::optional<std::string> config_path, listen, data_dir, workflows_dir, log_level;
  bool bench_workflows = false;
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
    if (flag == "--version" && !value) {
      out.show_version = true;
      return out;
    }
    if (std::find(kFlags.begin(), kFlags.end(), flag) == kFlags.end()) {
      std::string hint = closest_match(flag, kFlags);
      return make_error(
          ErrorCode::kInvalidArgument,
          "unknown flag '" + flag + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    bool is_switch = std::find(kSwitches.begin(), kSwitches.end(), flag) != kSwitches.end();
    if (is_switch) {
      if (value) return make_error(ErrorCode::kInvalidArgument, "flag '" + flag + "' takes no value");
      if (flag == "--bench-workflows") bench_workflows = true;
      continue;
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
    if (flag == "--log-level") log_level = *value;
    if (flag == "--recover") {
      if (*value != "salvage") {
        return make_error(ErrorCode::kInvalidArgument,
                          "--recover: '" + *value + "' is not a recovery mode; the one mode is 'salvage'");
      }
      out.salvage = true;
    }
    if (flag == "--restore") {
      if (value->empty()) return make_error(ErrorCode::kInvalidArgument, "--restore needs a backup directory");
      out.restore_from = *value;
    }
  }
  if (out.salvage && out.restore_from) {
    return make_error(ErrorCode::kInvalidArgument, "--recover and --restore cannot be used together");
  }
  if (config_path) SUNDIAL_TRY(apply_config_file(*config_path, out.config));
  SUNDIAL_TRY(resolve_type_send_windows(out.config));
  if (listen) {
    auto parsed = parse_listen_address(*listen, out.config.server.listen_host, out.config.server.listen_port);
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "--listen: " + parsed.error().message);
  }
  if (data_dir) out.config.engine.data_dir = *data_dir;
  if (workflows_dir) out.config.workflows.dir = *workflows_dir;
  if (log_level) {
    auto level = parse_log_level(*log_level);
    if (!level) return make_error(ErrorCode::kInvalidArgument, "--log-level: " + level.error().message);
    out.config.server.log_level = *level;
  }
  if (bench_workflows) out.config.bench.workflows = true;
  return out;
}

}  // namespace sundial
