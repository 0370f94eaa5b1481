// Decodes a webhook body: application/json (must parse) or
// application/x-www-form-urlencoded (a flat object of strings; a repeated
// key becomes an array). Anything else is 415. Errors are the answers to send.
#pragma once

#include <expected>

#include <nlohmann/json.hpp>

#include "server/http/message.h"

namespace sundial::webhooks {

std::expected<nlohmann::json, http::HttpResponse> decode_webhook_body(const http::HttpRequest& request);

}  // namespace sundial::webhooks
