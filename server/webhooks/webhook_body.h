// Decodes a webhook body: application/json (must parse, nested at most
// `limits.max_depth` deep: api::parse_json_text) or
// application/x-www-form-urlencoded (a flat object of strings; a repeated
// key becomes an array; every name and value must be valid UTF-8). Anything
// else is 415. Errors are the answers to send (400 or 415).
#pragma once

#include <expected>

#include <nlohmann/json.hpp>

#include "engine/base/json_parse.h"

#include "server/http/message.h"

namespace sundial::webhooks {

std::expected<nlohmann::json, http::HttpResponse> decode_webhook_body(const http::HttpRequest& request,
                                                                      JsonLimits limits = {});

}  // namespace sundial::webhooks
