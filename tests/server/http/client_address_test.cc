#include "server/http/client_address.h"

#include <gtest/gtest.h>

namespace sundial::http {
namespace {

TrustedProxies proxies(std::vector<std::string> cidrs) {
  auto parsed = TrustedProxies::parse(cidrs);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : TrustedProxies{};
}

TEST(ClientAddressTest, CidrsMatchIpv4AndIpv6) {
  auto t = proxies({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "172.16.0.0/12"});
  EXPECT_TRUE(t.contains("10.200.3.4"));
  EXPECT_TRUE(t.contains("::ffff:10.1.1.1"));  // IPv4-mapped
  EXPECT_FALSE(t.contains("11.0.0.1"));
  EXPECT_TRUE(t.contains("192.168.1.7"));
  EXPECT_FALSE(t.contains("192.168.1.8"));
  EXPECT_TRUE(t.contains("fd12:3456::1"));
  EXPECT_FALSE(t.contains("fe80::1"));
  EXPECT_TRUE(t.contains("::1"));
  EXPECT_TRUE(t.contains("172.31.255.255"));
  EXPECT_FALSE(t.contains("172.32.0.0"));
  EXPECT_FALSE(t.contains("not an address"));
  EXPECT_TRUE(proxies({"0.0.0.0/0"}).contains("8.8.8.8"));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "proxy", "10.0.0.0/8x"}) {
    EXPECT_FALSE(TrustedProxies::parse({bad})) << bad;
  }
}

TEST(ClientAddressTest, TheRightmostUntrustedHopIsTheClient) {
  auto t = proxies({"10.0.0.0/8"});
  HeaderList xff = {{"x-forwarded-for", "1.1.1.1, 203.0.113.7"}, {"x-forwarded-for", "10.0.0.2"}};
  EXPECT_EQ(client_address("10.0.0.1", xff, t), "203.0.113.7");
  // An untrusted peer's headers are ignored: anyone can send them.
  EXPECT_EQ(client_address("203.0.113.9", xff, t), "203.0.113.9");
  // No header: the proxy itself.
  EXPECT_EQ(client_address("10.0.0.1", {}, t), "10.0.0.1");
  // Every hop trusted: the leftmost.
  EXPECT_EQ(client_address("10.0.0.1", {{"x-forwarded-for", "10.9.9.9, 10.0.0.3"}}, t), "10.9.9.9");
  // A hop that is no address stops the walk at the trusted hop to its right.
  EXPECT_EQ(client_address("10.0.0.1", {{"x-forwarded-for", "1.2.3.4, garbage, 10.0.0.5"}}, t), "10.0.0.5");
  // Ports are dropped.
  EXPECT_EQ(client_address("10.0.0.1", {{"x-forwarded-for", "203.0.113.7:5000"}}, t), "203.0.113.7");
}

TEST(ClientAddressTest, ForwardedForIsPreferred) {
  auto t = proxies({"10.0.0.0/8", "::1"});
  HeaderList h = {{"x-forwarded-for", "198.51.100.1"},
                  {"forwarded", "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\""},
                  {"forwarded", "by=10.0.0.1; for=10.0.0.9"}};
  EXPECT_EQ(client_address("::1", h, t), "2001:db8:cafe::17");
  EXPECT_EQ(client_address("10.0.0.1", {{"forwarded", "For=\"_hidden\""}}, t), "10.0.0.1");
}

}  // namespace
}  // namespace sundial::http
