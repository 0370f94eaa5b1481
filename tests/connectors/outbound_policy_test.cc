// OutboundPolicy: which addresses ctx:http may reach. The default refuses
// every non-public range (loopback, RFC 1918, CGNAT, link-local and the
// metadata address, unique-local IPv6, 0.0.0.0, IPv4-mapped forms); entries
// open names, patterns, addresses and ranges; a name never opens a
// non-public address.
#include "connectors/http/outbound_policy.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

TEST(OutboundPolicyTest, NonPublicRangesAreRecognized) {
  for (const char* a : {"127.0.0.1",
                        "127.255.0.9",
                        "0.0.0.0",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "100.64.0.1",
                        "100.127.255.254",
                        "169.254.169.254",
                        "224.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "::ffff:127.0.0.1",
                        "::ffff:169.254.169.254",
                        "::ffff:10.0.0.1",
                        "64:ff9b::a9fe:a9fe",
                        "::127.0.0.1"}) {
    EXPECT_FALSE(is_public_address(ip(a))) << a;
  }
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2606:4700::1111",
                        "::ffff:8.8.8.8"}) {
    EXPECT_TRUE(is_public_address(ip(a))) << a;
  }
}

TEST(OutboundPolicyTest, TheDefaultAllowsPublicHostsAndRefusesLoopbackAndMetadata) {
  OutboundPolicy policy;
  EXPECT_EQ(policy.check_connect("api.example.com", ip("93.184.216.34")), std::nullopt);
  auto loop = policy.check_connect("localhost", ip("127.0.0.1"));
  ASSERT_TRUE(loop.has_value());
  EXPECT_NE(loop->find("127.0.0.1"), std::string::npos) << *loop;
  EXPECT_NE(loop->find("http_allow"), std::string::npos) << *loop;
  EXPECT_TRUE(policy.check_connect("metadata.google.internal", ip("169.254.169.254")).has_value());
  EXPECT_TRUE(policy.check_connect("x", ip("::1")).has_value());
  // A host that is an address literal is judged before resolving.
  EXPECT_TRUE(policy.check_host("127.0.0.1").has_value());
  EXPECT_TRUE(policy.check_host("[::1]").has_value());
  EXPECT_EQ(policy.check_host("api.example.com"), std::nullopt);
}

TEST(OutboundPolicyTest, EntriesOpenNamesPatternsAddressesAndRanges) {
  auto policy =
      OutboundPolicy::parse({"api.example.com", "*.notion.so", "10.0.0.0/8", "127.0.0.1", "fd00::/8"});
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->check_connect("API.Example.com.", ip("93.184.216.34")), std::nullopt);
  EXPECT_EQ(policy->check_connect("api.notion.so", ip("104.18.0.1")), std::nullopt);
  EXPECT_TRUE(policy->check_connect("notion.so", ip("104.18.0.1")).has_value())
      << "the pattern needs a subdomain";
  EXPECT_TRUE(policy->check_connect("evil-notion.so", ip("104.18.0.1")).has_value());
  // Without "*", a public host that is not listed is refused.
  EXPECT_TRUE(policy->check_connect("other.com", ip("8.8.8.8")).has_value());
  EXPECT_EQ(policy->check_connect("db.internal", ip("10.20.30.40")), std::nullopt);
  EXPECT_EQ(policy->check_connect("localhost", ip("127.0.0.1")), std::nullopt);
  EXPECT_TRUE(policy->check_connect("localhost", ip("127.0.0.2")).has_value());
  EXPECT_EQ(policy->check_connect("v6", ip("fd01::5")), std::nullopt);
  // A listed name resolving (or rebinding) to a non-public address is refused.
  EXPECT_TRUE(policy->check_connect("api.example.com", ip("169.254.169.254")).has_value());
  EXPECT_TRUE(policy->check_connect("x.notion.so", ip("192.168.0.1")).has_value());
}

TEST(OutboundPolicyTest, StarKeepsPublicHostsOpenNextToRanges) {
  auto policy = OutboundPolicy::parse({"*", "192.168.10.0/24"});
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->check_connect("anything.com", ip("8.8.4.4")), std::nullopt);
  EXPECT_EQ(policy->check_connect("nas", ip("192.168.10.7")), std::nullopt);
  EXPECT_TRUE(policy->check_connect("router", ip("192.168.11.1")).has_value());
}

TEST(OutboundPolicyTest, MalformedEntriesAreRefusedByName) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/x", "::/129", "a b", "*.", "http://x.com", "x*.com", ""}) {
    auto policy = OutboundPolicy::parse({bad});
    ASSERT_FALSE(policy) << bad;
    EXPECT_EQ(policy.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(policy.error().message.find("http_allow"), std::string::npos) << policy.error().message;
  }
}

}  // namespace
}  // namespace sundial
