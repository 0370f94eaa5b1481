#include "server/http/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "engine/base/text.h"

namespace sundial::http {

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view ip) {
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(ip);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const auto& cidr : cidrs) {
    auto bad = [&](std::string why) {
      return make_error(ErrorCode::kInvalidArgument,
                        "'" + cidr + "' is not a CIDR such as 10.0.0.0/8 or fd00::/8 (" + why + ")");
    };
    std::string_view text(cidr);
    size_t slash = text.find('/');
    auto ip = parse_ip(text.substr(0, slash));
    if (!ip) return bad("not an IP address");
    bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
    int max_bits = v4 ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
      std::string_view b = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
      if (b.empty() || ec != std::errc() || end != b.data() + b.size() || bits < 0 || bits > max_bits) {
        return bad("the prefix length must be 0 to " + std::to_string(max_bits));
      }
    }
    Range r;
    r.prefix = *ip;
    r.bits = v4 ? bits + 96 : bits;
    // Keep only the prefix bits.
    for (int i = 0; i < 16; ++i) {
      int keep = std::clamp(r.bits - i * 8, 0, 8);
      r.prefix[i] &= static_cast<uint8_t>(0xff00 >> keep);
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view ip) const {
  if (ranges_.empty()) return false;
  auto addr = parse_ip(ip);
  if (!addr) return false;
  for (const auto& r : ranges_) {
    bool match = true;
    for (int i = 0; i < 16 && match; ++i) {
      int keep = std::clamp(r.bits - i * 8, 0, 8);
      match = ((*addr)[i] & static_cast<uint8_t>(0xff00 >> keep)) == r.prefix[i];
    }
    if (match) return true;
  }
  return false;
}

namespace {

// One hop of X-Forwarded-For or Forwarded's for=, without quotes and port:
// "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:80", "2001:db8::1".
std::optional<std::string> hop_address(std::string_view hop) {
  hop = trim_space(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"')
    hop = trim_space(hop.substr(1, hop.size() - 2));
  if (!hop.empty() && hop.front() == '[') {
    size_t close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hop = hop.substr(1, close - 1);
  } else if (std::count(hop.begin(), hop.end(), ':') == 1) {
    hop = hop.substr(0, hop.find(':'));  // IPv4 with a port
  }
  if (!parse_ip(hop)) return std::nullopt;
  return std::string(hop);
}

// Every element of every instance of a comma-separated header, in order.
std::vector<std::string_view> list_elements(const HeaderList& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers) {
    if (k != name) continue;
    std::string_view rest(v);
    while (true) {
      size_t comma = rest.find(',');
      out.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return out;
}

// The for= parameter of one Forwarded element ("for=1.2.3.4;proto=https");
// empty when it has none.
std::string_view forwarded_for(std::string_view element) {
  while (!element.empty()) {
    size_t semi = element.find(';');
    std::string_view pair = trim_space(element.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && ascii_iequals(trim_space(pair.substr(0, eq)), "for")) {
      return trim_space(pair.substr(eq + 1));
    }
    if (semi == std::string_view::npos) break;
    element = element.substr(semi + 1);
  }
  return {};
}

}  // namespace

std::string client_address(std::string_view peer_ip, const HeaderList& headers,
                           const TrustedProxies& trusted) {
  if (!trusted.contains(peer_ip)) return std::string(peer_ip);
  std::vector<std::string_view> hops;
  bool has_forwarded = false;
  for (const auto& [k, v] : headers) has_forwarded = has_forwarded || k == "forwarded";
  if (has_forwarded) {
    for (std::string_view element : list_elements(headers, "forwarded")) {
      std::string_view f = forwarded_for(element);
      if (!f.empty()) hops.push_back(f);
    }
  } else {
    hops = list_elements(headers, "x-forwarded-for");
  }
  std::string client(peer_ip);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto address = hop_address(*it);
    if (!address) break;  // not verifiable: keep the trusted hop to its right
    client = std::move(*address);
    if (!trusted.contains(client)) break;
  }
  return client;
}

}  // namespace sundial::http
