#include "server/ui/ui_routes.h"

#include <algorithm>
#include <string>

#include "server/ui/live_page.h"
#include "server/ui/ui_assets.h"

namespace sundial::ui {

const UiAsset* find_ui_asset(std::string_view path) {
  auto assets = ui_assets();
  auto it = std::ranges::find(assets, path, &UiAsset::path);
  return it == assets.end() ? nullptr : &*it;
}

namespace {

constexpr std::string_view kRootPage = R"html(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sundial</title></head>
<body>
<h1>Sundial</h1>
<ul>
<li><a href="/ui/">Dashboard</a>: instances, workflows, queues, schedules, topics</li>
<li><a href="/live">Live topic</a>: one topic's events as they arrive</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li>
</ul>
<p>The admin API is under <code>/api/v1/</code> (docs/http-api.md).</p>
</body>
</html>
)html";

http::HttpResponse page(std::string_view body, std::string_view content_type, std::string_view policy) {
  return http::HttpResponse::text(200, std::string(body), std::string(content_type))
      .with_header("Content-Security-Policy", std::string(policy))
      .with_header("X-Content-Type-Options", "nosniff")
      .with_header("Referrer-Policy", "no-referrer")
      .with_header("X-Frame-Options", "DENY");
}

// An asset, or 304 when the browser holds this version. no-cache: the
// browser asks again each time (a cheap 304), so after an upgrade no page
// mixes old and new modules.
void send_asset(const http::HttpRequest& request, std::string_view path, http::Responder responder) {
  const UiAsset* asset = find_ui_asset(path);
  if (asset == nullptr) {
    return responder.send(http::HttpResponse::json(
        404, {{"error", {{"code", "not_found"}, {"message", "no dashboard file '" + std::string(path) + "'"}}}}));
  }
  const std::string* held = request.header("if-none-match");
  if (held != nullptr && *held == asset->etag) {
    return responder.send(http::HttpResponse::text(304, "", std::string(asset->content_type))
                              .with_header("ETag", std::string(asset->etag))
                              .with_header("Cache-Control", "no-cache"));
  }
  responder.send(page(asset->body, asset->content_type, kDashboardPolicy)
                     .with_header("ETag", std::string(asset->etag))
                     .with_header("Cache-Control", "no-cache"));
}

}  // namespace

void add_ui_routes(api::Router& router) {
  router.add("GET", "/", [](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    r.send(page(kRootPage, "text/html; charset=utf-8", kDashboardPolicy));
  });
  // Relative module paths resolve against /ui/, never /ui.
  router.add("GET", "/ui", [](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    r.send(http::HttpResponse::text(308, "", "text/plain").with_header("Location", "/ui/"));
  });
  router.add("GET", "/ui/", [](http::HttpRequest&& req, const api::PathParams&, http::Responder r) {
    send_asset(req, "index.html", std::move(r));
  });
  router.add("GET", "/ui/{path...}", [](http::HttpRequest&& req, const api::PathParams& p, http::Responder r) {
    send_asset(req, p.at("path"), std::move(r));
  });
  router.add("GET", "/live", [](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    r.send(page(kLivePageHtml, "text/html; charset=utf-8", kLivePagePolicy));
  });
  router.add("GET", "/live.js", [](http::HttpRequest&&, const api::PathParams&, http::Responder r) {
    r.send(http::HttpResponse::text(200, std::string(kLivePageScript), "text/javascript; charset=utf-8")
               .with_header("X-Content-Type-Options", "nosniff"));
  });
}

}  // namespace sundial::ui
