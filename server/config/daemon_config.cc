#include "server/config/daemon_config.h"

#include <charconv>
#include <cstdlib>

namespace sundial {

Result<void> resolve_type_send_windows(DaemonConfig& config) {
  SendWindowCatalog& catalog = config.engine.send_windows;
  catalog.by_type.clear();
  for (auto& [type, section] : config.workflows.type_config) {
    auto it = section.find("send_window");
    if (it == section.end()) continue;
    auto window = parse_send_window(*it, catalog.named);
    if (!window) {
      return make_error(ErrorCode::kInvalidArgument,
                        "[workflows." + type + "] send_window: " + window.error().message);
    }
    // The workflow's ctx.config sees the window whole, a name resolved
    // (the nurture copies it into its input and waits for its openings).
    *it = to_json(*window);
    catalog.by_type[type] = std::move(*window);
  }
  return ok();
}

Result<void> parse_listen_address(std::string_view text, std::string& host, int& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(ErrorCode::kInvalidArgument, "'" + std::string(text) + "' is not host:port");
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string_view p = text.substr(colon + 1);
  int value = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value < 0 || value > 65535) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + std::string(text) + "' has no valid port (0 to 65535; 0 picks a free one)");
  }
  host = h == "localhost" ? "127.0.0.1" : std::string(h);
  port = value;
  return ok();
}

Result<std::string> parse_log_level(std::string_view text) {
  if (text == "warning") return std::string("warn");
  for (std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (text == level) return std::string(level);
  }
  return make_error(ErrorCode::kInvalidArgument, "'" + std::string(text) +
                                                     "' is not a log level: trace, debug, info, warn "
                                                     "(or warning), error");
}

Result<void> check_alert_settings(const AlertSettings& alerts,
                                  const std::function<std::optional<std::string>(const std::string&)>& read_secret) {
  if (alerts.url.empty()) {
    if (!alerts.configured) return ok();
    return make_error(ErrorCode::kInvalidArgument,
                      "config key 'alerts.url' is required in [alerts]: the URL that receives the alerts");
  }
  if (alerts.secret_env.empty() || !read_secret(alerts.secret_env)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "config key 'alerts.secret_env': $" + alerts.secret_env +
                          " is not set; alerts are signed with it (set it, or remove [alerts])");
  }
  return ok();
}

std::optional<std::string> secret_from_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace sundial
