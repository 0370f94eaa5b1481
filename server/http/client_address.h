// Client addresses behind reverse proxies. TrustedProxies is a list of
// CIDRs (IPv4 and IPv6; an IPv4 range also matches IPv4-mapped IPv6
// peers). client_address() names the real client of a request: the TCP
// peer, unless the peer is a trusted proxy, in which case it walks the
// `Forwarded: for=` hops (or, without Forwarded, `X-Forwarded-For`) from
// the right and takes the first hop that is not itself a trusted proxy.
// A hop that is not an address (a proxy's "unknown", an obfuscated name)
// stops the walk at the trusted hop to its right. Used for the
// per-client connection cap, the webhook rate limits and the access log.
//
// Threading: plain values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "server/http/message.h"

namespace sundial::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // "10.0.0.0/8", "192.168.1.7" (= /32), "fd00::/8", "::1" (= /128).
  static Result<TrustedProxies> parse(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  bool contains(std::string_view ip) const;

 private:
  struct Range {
    std::array<uint8_t, 16> prefix{};  // IPv6, IPv4 as ::ffff:a.b.c.d
    int bits = 0;
  };
  std::vector<Range> ranges_;
};

// The address as 16 bytes (IPv4 mapped into IPv6); nullopt if `ip` is not
// a numeric IPv4 or IPv6 address.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view ip);

std::string client_address(std::string_view peer_ip, const HeaderList& headers,
                           const TrustedProxies& trusted);

}  // namespace sundial::http
