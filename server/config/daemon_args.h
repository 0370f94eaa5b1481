// sundiald's command line: --config FILE is applied first, then the other
// flags override it (also as --flag=value). An unknown flag is an error
// that suggests the closest known one. --recover=salvage asks for a
// salvage of a damaged WAL instead of serving, --restore BACKUP a restore
// into an empty data directory; --version and --help for
// their text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "server/config/daemon_config.h"

namespace sundial {

struct DaemonArgs {
  DaemonConfig config;
  bool show_help = false;
  // --version: print the version (sundial_version.h) and exit.
  bool show_version = false;
  // --recover=salvage: salvage the data directory's damaged WAL and exit.
  bool salvage = false;
  // --restore BACKUP: copy a backup (sundialctl backup) into the empty data
  // directory, check that it opens, and exit.
  std::optional<std::string> restore_from;
};

Result<DaemonArgs> parse_daemon_args(const std::vector<std::string>& args);

// The --help text, with the defaults.
std::string daemon_usage();

// What a usage error prints (to stderr): "sundiald: <message>" and one
// line pointing to --help, not the whole usage.
std::string daemon_usage_error(const std::string& message);

}  // namespace sundial
