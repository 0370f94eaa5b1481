#include "server/webhooks/webhook_route_table.h"

#include <set>

#include "server/webhooks/webhook_handler.h"

namespace sundial::webhooks {

WebhookRouteTable::WebhookRouteTable(Loop& loop, Engine& engine, const Clock& clock, RateLimiter* limiter,
                                     JsonLimits json_limits, std::function<bool(std::string_view)> reserved)
    : loop_(loop),
      engine_(engine),
      clock_(clock),
      limiter_(limiter),
      json_limits_(json_limits),
      reserved_(std::move(reserved)) {}

Result<void> WebhookRouteTable::replace_routes(const std::string& owner, std::vector<WebhookRoute> routes) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  // Check everything before changing anything.
  std::set<std::string_view> claimed;
  for (const auto& route : routes) {
    if (!claimed.insert(route.path).second) {
      return make_error(ErrorCode::kConflict,
                        "webhook path " + route.path + " is declared twice by " + owner);
    }
    if (reserved_ && reserved_(route.path)) {
      return make_error(ErrorCode::kConflict, "webhook path " + route.path + " is taken by sundiald itself");
    }
    auto it = routes_.find(route.path);
    if (it != routes_.end() && it->second.owner != owner) {
      return make_error(ErrorCode::kConflict,
                        "webhook path " + route.path + " is already served by " + it->second.owner);
    }
  }
  std::erase_if(routes_, [&](const auto& entry) { return entry.second.owner == owner; });
  for (auto& route : routes) {
    std::string path = route.path;
    std::string name = route.name;
    auto status = route.verification_status;
    auto handler = std::make_shared<const http::HttpHandler>(make_webhook_handler(
        engine_, clock_, std::make_shared<const WebhookRoute>(std::move(route)), limiter_, json_limits_));
    routes_.emplace(std::move(path), Entry{owner, std::move(handler), std::move(name), std::move(status)});
  }
  return ok();
}

std::shared_ptr<const http::HttpHandler> WebhookRouteTable::find(std::string_view path) const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  auto it = routes_.find(path);
  return it == routes_.end() ? nullptr : it->second.handler;
}

std::optional<nlohmann::json> WebhookRouteTable::verification_status(std::string_view name) const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  for (const auto& [path, entry] : routes_) {
    if (entry.name == name && entry.verification_status) {
      nlohmann::json status = entry.verification_status();
      status["route"] = name;
      status["path"] = path;
      return status;
    }
  }
  return std::nullopt;
}

std::vector<std::string> WebhookRouteTable::paths_of(std::string_view owner) const {
  std::vector<std::string> out;
  for (const auto& [path, entry] : routes_) {
    if (entry.owner == owner) out.push_back(path);
  }
  return out;
}

}  // namespace sundial::webhooks
