#include "connectors/http/outbound_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "engine/base/text.h"

namespace sundial {
namespace {

// "[::1]" -> "::1", "Example.COM." -> "example.com".
std::string normal_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return ascii_lower(host);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
  });
}

IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[10] = 0xff;
  ip.bytes[11] = 0xff;
  ip.bytes[12] = a;
  ip.bytes[13] = b;
  ip.bytes[14] = c;
  ip.bytes[15] = d;
  return ip;
}

bool in_prefix(const IpAddress& a, const IpAddress& base, int prefix) {
  for (int bit = 0; bit < prefix; ++bit) {
    int byte = bit / 8;
    int mask = 0x80 >> (bit % 8);
    if ((a.bytes[byte] & mask) != (base.bytes[byte] & mask)) return false;
  }
  return true;
}

struct NamedRange {
  IpAddress base;
  int prefix;
};

// The ranges that are never public (IPv4 ones as mapped prefixes: 96 + n).
const std::vector<NamedRange>& non_public_ranges() {
  static const std::vector<NamedRange> ranges = [] {
    std::vector<NamedRange> r = {
        {v4(0, 0, 0, 0), 96 + 8},        // "this network", 0.0.0.0
        {v4(10, 0, 0, 0), 96 + 8},       // RFC 1918
        {v4(100, 64, 0, 0), 96 + 10},    // CGNAT
        {v4(127, 0, 0, 0), 96 + 8},      // loopback
        {v4(169, 254, 0, 0), 96 + 16},   // link-local, cloud metadata
        {v4(172, 16, 0, 0), 96 + 12},    // RFC 1918
        {v4(192, 0, 0, 0), 96 + 24},     // IETF protocol assignments
        {v4(192, 0, 2, 0), 96 + 24},     // documentation
        {v4(192, 168, 0, 0), 96 + 16},   // RFC 1918
        {v4(198, 18, 0, 0), 96 + 15},    // benchmarking
        {v4(198, 51, 100, 0), 96 + 24},  // documentation
        {v4(203, 0, 113, 0), 96 + 24},   // documentation
        {v4(224, 0, 0, 0), 96 + 4},      // multicast
        {v4(240, 0, 0, 0), 96 + 4},      // reserved, broadcast
    };
    auto v6 = [](const char* text, int prefix) { return NamedRange{*IpAddress::parse(text), prefix}; };
    r.push_back(v6("::", 128));         // unspecified
    r.push_back(v6("::1", 128));        // loopback
    r.push_back(v6("100::", 64));       // discard
    r.push_back(v6("2001:db8::", 32));  // documentation
    r.push_back(v6("fc00::", 7));       // unique-local
    r.push_back(v6("fe80::", 10));      // link-local
    r.push_back(v6("fec0::", 10));      // site-local (deprecated)
    r.push_back(v6("ff00::", 8));       // multicast
    return r;
  }();
  return ranges;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    ip = v4(0, 0, 0, 0);
    std::memcpy(&ip.bytes[12], &a4, 4);
    return ip;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(ip.bytes.data(), &a6, 16);
    return ip;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* addr) {
  if (addr == nullptr) return std::nullopt;
  IpAddress ip;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    ip = v4(0, 0, 0, 0);
    std::memcpy(&ip.bytes[12], &in->sin_addr, 4);
    return ip;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
    return ip;
  }
  return std::nullopt;
}

bool IpAddress::is_v4() const { return in_prefix(*this, v4(0, 0, 0, 0), 96); }

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (is_v4()) {
    inet_ntop(AF_INET, &bytes[12], buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

bool is_public_address(const IpAddress& a) {
  // An IPv4 address embedded in NAT64 or IPv4-compatible form is judged as
  // that IPv4 address.
  IpAddress embedded = a;
  if (in_prefix(a, *IpAddress::parse("64:ff9b::"), 96) || in_prefix(a, IpAddress{}, 96)) {
    embedded = v4(a.bytes[12], a.bytes[13], a.bytes[14], a.bytes[15]);
    if (in_prefix(a, IpAddress{}, 128) || in_prefix(a, *IpAddress::parse("::1"), 128)) return false;
  }
  for (const auto& r : non_public_ranges()) {
    if (in_prefix(embedded, r.base, r.prefix)) return false;
  }
  return true;
}

Result<OutboundPolicy> OutboundPolicy::parse(const std::vector<std::string>& entries) {
  OutboundPolicy policy;
  policy.any_public_ = false;
  for (const auto& raw : entries) {
    auto bad = [&](const std::string& why) {
      return make_error(ErrorCode::kInvalidArgument, "http_allow: '" + raw + "' " + why);
    };
    std::string entry = ascii_lower(raw);
    if (entry == "*") {
      policy.any_public_ = true;
      continue;
    }
    if (size_t slash = entry.find('/'); slash != std::string::npos) {
      auto base = IpAddress::parse(entry.substr(0, slash));
      int bits = -1;
      std::string_view len = std::string_view(entry).substr(slash + 1);
      auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
      if (!base || ec != std::errc() || end != len.data() + len.size()) {
        return bad("is not a CIDR range such as 10.0.0.0/8 or fd00::/8");
      }
      int max = base->is_v4() ? 32 : 128;
      if (bits < 0 || bits > max) return bad("has a prefix length outside 0.." + std::to_string(max));
      policy.ranges_.push_back({*base, base->is_v4() ? 96 + bits : bits});
      continue;
    }
    if (auto ip = IpAddress::parse(normal_host(entry))) {
      policy.ranges_.push_back({*ip, 128});
      continue;
    }
    if (entry.starts_with("*.")) {
      if (!valid_name(entry.substr(2))) return bad("is not a host name pattern such as *.example.com");
      policy.suffixes_.push_back(entry.substr(1));
      continue;
    }
    std::string name = normal_host(entry);
    if (!valid_name(name) || name.find('*') != std::string::npos) {
      return bad("is not a host name, *.pattern, IP address or CIDR range");
    }
    policy.names_.push_back(name);
  }
  return policy;
}

bool OutboundPolicy::host_named(std::string_view host) const {
  std::string h = normal_host(host);
  if (std::find(names_.begin(), names_.end(), h) != names_.end()) return true;
  return std::any_of(suffixes_.begin(), suffixes_.end(),
                     [&](const std::string& s) { return h.size() > s.size() && h.ends_with(s); });
}

bool OutboundPolicy::in_ranges(const IpAddress& a) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const Range& r) { return in_prefix(a, r.base, r.prefix); });
}

std::optional<std::string> OutboundPolicy::check_host(std::string_view host) const {
  std::string h = normal_host(host);
  if (h.empty()) return std::string("the URL has no host");
  if (auto ip = IpAddress::parse(h)) return check_connect(h, *ip);
  if (any_public_ || host_named(h) || !ranges_.empty()) return std::nullopt;
  return "host '" + h + "' is not in [workflows] http_allow";
}

std::optional<std::string> OutboundPolicy::check_connect(std::string_view host,
                                                         const IpAddress& address) const {
  if (in_ranges(address)) return std::nullopt;
  std::string h = normal_host(host);
  if (!is_public_address(address)) {
    return "host '" + h + "' is at " + address.to_string() +
           ", a loopback, private, link-local or reserved address; allow it in [workflows] http_allow";
  }
  if (any_public_ || host_named(h)) return std::nullopt;
  return "host '" + h + "' is not in [workflows] http_allow";
}

}  // namespace sundial
