// WebhookRouteTable: the webhook routes sundiald serves, by exact path,
// changeable while it runs. Routes have owners: a built-in module's route
// ("module:signup"), or the triggers of one Lua script ("lua:greet").
// replace_routes swaps everything one owner serves at once — how hot reload
// and PUT /api/v1/workflows give a script its new triggers — and a path
// belongs to one owner at a time.
//
// Threading: loop thread only (checked). A request is dispatched to the
// handler that is current when it arrives; the handler runs the route's
// checks and mapping synchronously, so a replacement never changes a
// delivery half-way (the route and its script stay alive as long as a
// handler copy holds them).
// Ownership: owns the routes' handlers; borrows the Loop, Engine, Clock and
// RateLimiter, which must outlive it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "engine/base/json_parse.h"
#include "engine/engine.h"
#include "engine/loop/loop.h"
#include "server/http/responder.h"
#include "server/webhooks/rate_limiter.h"
#include "workflows/module/webhook_route.h"

namespace sundial::webhooks {

class WebhookRouteTable {
 public:
  // `reserved(path)`: whether something else answers `path` (the admin API,
  // /healthz, /metrics); such a path cannot be claimed. May be empty.
  WebhookRouteTable(Loop& loop, Engine& engine, const Clock& clock, RateLimiter* limiter,
                    JsonLimits json_limits, std::function<bool(std::string_view path)> reserved = {});

  // Makes `routes` everything `owner` serves (an empty list removes its
  // routes). All or nothing: a path another owner serves, a reserved path,
  // or a path twice in `routes` is conflict (409) naming the path and its
  // owner, and the table is left as it was.
  Result<void> replace_routes(const std::string& owner, std::vector<WebhookRoute> routes);

  // The handler serving `path`, or null. The copy stays valid if the route
  // is replaced meanwhile.
  std::shared_ptr<const http::HttpHandler> find(std::string_view path) const;

  // What route `name` learned from its provider's handshake
  // (WebhookRoute::verification_status, plus "route" and "path"), or
  // nullopt when no route of that name has one.
  std::optional<nlohmann::json> verification_status(std::string_view name) const;
  // The paths `owner` serves, sorted.
  std::vector<std::string> paths_of(std::string_view owner) const;
  size_t size() const { return routes_.size(); }

 private:
  struct Entry {
    std::string owner;
    std::shared_ptr<const http::HttpHandler> handler;
    std::string name;
    std::function<nlohmann::json()> verification_status;
  };

  Loop& loop_;
  Engine& engine_;
  const Clock& clock_;
  RateLimiter* limiter_;
  JsonLimits json_limits_;
  std::function<bool(std::string_view)> reserved_;
  std::map<std::string, Entry, std::less<>> routes_;
};

}  // namespace sundial::webhooks
