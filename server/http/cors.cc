#include "server/http/cors.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "engine/base/text.h"
#include "server/http/error_response.h"

namespace sundial::http {
namespace {

// `origin` lower-cased, without a default port: the form compared.
std::string cors_normal_origin(std::string_view origin) {
  std::string out = ascii_lower(origin);
  if (out.starts_with("http://") && out.ends_with(":80")) out.resize(out.size() - 3);
  if (out.starts_with("https://") && out.ends_with(":443")) out.resize(out.size() - 4);
  return out;
}

bool cors_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Why `host` (between "://" and the port) is not a host name, an IPv4
// address or a bracketed IPv6 address; empty when it is one.
std::string cors_host_problem(std::string_view host) {
  if (host.empty()) return "has no host";
  if (host.find('*') != std::string_view::npos) {
    return "has a wildcard: list each origin (patterns such as https://*.example.com are not supported)";
  }
  if (host.front() == '[') {
    bool ok =
        host.size() > 2 && host.back() == ']' && std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        });
    return ok ? "" : "has a malformed IPv6 address (write it as [2001:db8::1])";
  }
  bool ok = std::all_of(host.begin(), host.end(), cors_host_char) && host.front() != '.' &&
            host.back() != '.' && host.find("..") == std::string_view::npos;
  return ok ? "" : "has a host that is not a host name or IP address";
}

// Why `port` (after the host's ':') is not 1 to 65535 in plain decimal;
// empty when it is.
std::string cors_port_problem(std::string_view port) {
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  bool ok = !port.empty() && port.front() != '0' && ec == std::errc() && end == port.data() + port.size() &&
            value >= 1 && value <= 65535;
  return ok ? "" : "has a port that is not a number from 1 to 65535 (without leading zeros)";
}

// Why `entry` is not "*" or scheme://host[:port]; empty when it is.
std::string cors_entry_problem(std::string_view entry) {
  if (entry == "*") return "";
  if (entry == "null") {
    return "is never allowed: sandboxed frames and file:// pages send it, so any site could use it";
  }
  std::string lower = ascii_lower(entry);
  size_t scheme_end = lower.find("://");
  if (scheme_end == std::string::npos) return "is not an origin such as https://app.example.com";
  std::string_view scheme = std::string_view(lower).substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return "must start with http:// or https://";
  std::string_view rest = entry.substr(scheme_end + 3);
  if (rest.size() > 1 && rest.back() == '/' && rest.find_first_of("/?#") == rest.size() - 1) {
    return "ends with '/': an origin has no path (write '" + std::string(entry.substr(0, entry.size() - 1)) +
           "')";
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return "has a path, query or fragment: an origin is only scheme://host[:port]";
  }
  if (rest.find('@') != std::string_view::npos)
    return "has user info: an origin is only scheme://host[:port]";
  // The port follows the last ':' that is not inside an IPv6 address's brackets.
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) != std::string_view::npos) {
    colon = std::string_view::npos;
  }
  std::string problem = cors_host_problem(rest.substr(0, colon));
  if (problem.empty() && colon != std::string_view::npos) problem = cors_port_problem(rest.substr(colon + 1));
  return problem;
}

}  // namespace

Result<void> check_cors_origins(const std::vector<std::string>& origins) {
  for (const auto& entry : origins) {
    if (std::string why = cors_entry_problem(entry); !why.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "cors_origins: '" + entry + "' " + why);
    }
  }
  return ok();
}

CorsPolicy::CorsPolicy(std::vector<std::string> origins) {
  for (auto& origin : origins) {
    if (origin == "*") {
      any_ = true;
    } else {
      origins_.push_back(cors_normal_origin(origin));
    }
  }
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  std::string normal = cors_normal_origin(origin);
  if (std::find(origins_.begin(), origins_.end(), normal) != origins_.end()) return true;
  return any_ && normal != "null";
}

std::optional<HeaderList> CorsPolicy::headers_for(std::string_view origin, const CorsRules& rules) const {
  if (!allows(origin)) return std::nullopt;
  return HeaderList{
      {"Access-Control-Allow-Origin", std::string(origin)},
      {"Access-Control-Expose-Headers", std::string(rules.expose)},
      {"Vary", "Origin"},
  };
}

std::optional<HttpResponse> CorsPolicy::preflight(std::string_view origin, std::string_view requested_method,
                                                  const CorsRules& rules) const {
  if (origin.empty() || requested_method.empty()) return std::nullopt;
  if (!allows(origin)) {
    std::string shown(origin.substr(0, 200));
    return error_response(
        Error{ErrorCode::kForbidden, "origin '" + shown + "' is not in [server] cors_origins"});
  }
  HttpResponse response;
  response.status = 204;
  response.with_header("Access-Control-Allow-Origin", std::string(origin))
      .with_header("Access-Control-Allow-Methods", std::string(rules.methods))
      .with_header("Access-Control-Allow-Headers", std::string(rules.headers))
      .with_header("Access-Control-Max-Age", std::to_string(kCorsMaxAgeSeconds))
      .with_header("Vary", "Origin");
  return response;
}

bool CorsPolicy::is_preflight(const HttpRequest& request) {
  if (request.method != "OPTIONS") return false;
  const std::string* origin = request.header("origin");
  const std::string* method = request.header("access-control-request-method");
  return origin != nullptr && !origin->empty() && method != nullptr && !method->empty();
}

std::optional<HttpResponse> CorsPolicy::preflight(const HttpRequest& request, const CorsRules& rules) const {
  if (!is_preflight(request)) return std::nullopt;
  return preflight(*request.header("origin"), *request.header("access-control-request-method"), rules);
}

}  // namespace sundial::http
