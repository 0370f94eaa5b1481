#include "server/webhooks/browser_answer.h"

#include "engine/base/text.h"

namespace sundial::webhooks {
namespace {

// Whether the Accept header `accept` lists `media` (lower case) with a
// quality above 0. Parameters other than q are ignored; so are wildcards.
bool accept_lists(std::string_view accept, std::string_view media) {
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view element = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    size_t semicolon = element.find(';');
    if (ascii_lower(trim_space(element.substr(0, semicolon))) != media) continue;
    bool refused = false;
    while (semicolon != std::string_view::npos) {
      element = element.substr(semicolon + 1);
      semicolon = element.find(';');
      std::string param = ascii_lower(trim_space(element.substr(0, semicolon)));
      // q=0, q=0.0, q=0.00, q=0.000: "not acceptable" (RFC 9110, 12.4.2).
      if (param.starts_with("q=0") && param.find_first_not_of("0.", 2) == std::string::npos) refused = true;
    }
    if (!refused) return true;
  }
  return false;
}

}  // namespace

bool wants_browser_answer(const http::HttpRequest& request) {
  if (const std::string* accept = request.header("accept")) {
    if (accept_lists(*accept, "text/html")) return true;
    if (accept_lists(*accept, "application/json")) return false;
  }
  return request.content_type() == "application/x-www-form-urlencoded";
}

http::HttpResponse see_other(const std::string& url) {
  return http::HttpResponse::text(303, "See " + url + "\n").with_header("Location", url);
}

}  // namespace sundial::webhooks
