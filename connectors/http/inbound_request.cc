#include "connectors/http/inbound_request.h"

#include "engine/base/text.h"

namespace sundial::http {

const std::string* HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string HttpRequest::content_type() const {
  const std::string* value = header("content-type");
  if (value == nullptr) return {};
  std::string_view type(*value);
  return ascii_lower(trim_space(type.substr(0, type.find(';'))));
}

}  // namespace sundial::http
