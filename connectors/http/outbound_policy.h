// OutboundPolicy: which hosts and addresses outbound calls made on behalf
// of user code (Lua's ctx:http) may reach, so a script cannot call the
// admin API on loopback, a cloud metadata service (169.254.169.254) or a
// private network unless the operator allows it.
//
// Rules (config `[workflows] http_allow`, docs/configuration.md):
//  - an entry is "*" (any public host), a host name ("api.example.com"), a
//    name pattern ("*.notion.so": any name ending in ".notion.so"), an IP
//    address ("127.0.0.1", "::1") or a CIDR range ("10.0.0.0/8");
//  - the default list is ["*"]: any public host;
//  - a connection is allowed when its resolved address is inside an
//    address/range entry, or when the address is public and the URL's host
//    is named by "*", a name or a pattern. A name never opens a non-public
//    address: loopback, 0.0.0.0/8, RFC 1918, CGNAT (100.64.0.0/10),
//    link-local (169.254.0.0/16, fe80::/10), unique-local (fc00::/7),
//    multicast, reserved ranges and their IPv4-mapped IPv6 forms are
//    refused unless an address or range entry covers them.
// The check runs on the address the socket connects to (AsyncHttpClient
// asks at connect time), so DNS rebinding cannot get around it.
//
// Threading: immutable after parse(); any thread. Ownership: shared by the
// calls that use it (HttpCall holds a shared_ptr).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"

struct sockaddr;

namespace sundial {

// An IPv4 or IPv6 address as 16 bytes (IPv4 as IPv4-mapped IPv6).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  static std::optional<IpAddress> parse(std::string_view text);
  static std::optional<IpAddress> from_sockaddr(const sockaddr* addr);
  bool is_v4() const;
  std::string to_string() const;
};

// Whether `a` is a public unicast address (none of the ranges above).
bool is_public_address(const IpAddress& a);

class OutboundPolicy {
 public:
  // The default: any public host, nothing else.
  OutboundPolicy() : any_public_(true) {}
  // invalid_argument naming the entry that is not one of the forms above.
  static Result<OutboundPolicy> parse(const std::vector<std::string>& entries);

  // Whether a URL naming `host` may be called at all (before resolving):
  // nullopt when it may, else why not.
  std::optional<std::string> check_host(std::string_view host) const;
  // Whether a connection for `host` to `address` is allowed: nullopt when
  // it is, else why not (for the step's error message).
  std::optional<std::string> check_connect(std::string_view host, const IpAddress& address) const;

 private:
  struct Range {
    IpAddress base;
    int prefix = 128;  // over the 16-byte form
  };
  bool host_named(std::string_view host) const;
  bool in_ranges(const IpAddress& a) const;

  bool any_public_ = false;
  std::vector<std::string> names_;     // lower-case
  std::vector<std::string> suffixes_;  // ".notion.so"
  std::vector<Range> ranges_;
};

}  // namespace sundial
