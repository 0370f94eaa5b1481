// http::CorsPolicy and check_cors_origins: which origins match (exactly,
// case-insensitively in scheme and host, default ports aside, "null" never
// through "*"), the headers of answers and preflights, the 403 of a
// refused preflight, each route family's rules (admin API, topic stream,
// webhook), and the config entries refused with their names.
#include "server/http/cors.h"

#include <gtest/gtest.h>

namespace sundial::http {
namespace {

const std::string* header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

HttpRequest options(std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.method = "OPTIONS";
  r.target = r.path = "/api/v1/instances";
  r.headers = std::move(headers);
  return r;
}

std::string check_error(std::vector<std::string> origins) {
  auto r = check_cors_origins(origins);
  EXPECT_FALSE(r.has_value()) << origins.front();
  return r ? "" : r.error().message;
}

TEST(CorsPolicyTest, DisabledWithoutOrigins) {
  CorsPolicy none;
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.allows("https://app.example.com"));
  EXPECT_EQ(none.headers_for("https://app.example.com"), std::nullopt);
  EXPECT_FALSE(CorsPolicy(std::vector<std::string>{}).enabled());
  EXPECT_TRUE(CorsPolicy({"https://app.example.com"}).enabled());
  EXPECT_TRUE(CorsPolicy({"*"}).enabled());
}

TEST(CorsPolicyTest, ListedOriginsMatchExactlyIgnoringCaseAndDefaultPorts) {
  CorsPolicy cors({"https://App.Example.com", "http://localhost:5173", "https://api.example.com:443",
                   "http://[::1]:8080"});
  EXPECT_TRUE(cors.allows("https://app.example.com"));
  EXPECT_TRUE(cors.allows("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(cors.allows("https://app.example.com:443"));
  EXPECT_TRUE(cors.allows("http://localhost:5173"));
  EXPECT_TRUE(cors.allows("https://api.example.com"));
  EXPECT_TRUE(cors.allows("http://[::1]:8080"));

  EXPECT_FALSE(cors.allows("http://app.example.com"));  // another scheme
  EXPECT_FALSE(cors.allows("https://app.example.com:8443"));
  EXPECT_FALSE(cors.allows("https://evil.app.example.com"));
  EXPECT_FALSE(cors.allows("https://app.example.com.evil.com"));
  EXPECT_FALSE(cors.allows("https://app.example.co"));
  EXPECT_FALSE(cors.allows("http://localhost"));
  EXPECT_FALSE(cors.allows("http://localhost:51730"));
  EXPECT_FALSE(cors.allows("https://app.example.com/"));
  EXPECT_FALSE(cors.allows("null"));
  EXPECT_FALSE(cors.allows(""));
}

TEST(CorsPolicyTest, StarAllowsEveryOriginButNull) {
  CorsPolicy cors({"*"});
  EXPECT_TRUE(cors.allows("https://anything.example"));
  EXPECT_TRUE(cors.allows("http://localhost:3000"));
  EXPECT_FALSE(cors.allows("null"));
  EXPECT_FALSE(cors.allows("NULL"));
  EXPECT_FALSE(cors.allows(""));
  // Only an explicit entry matches "null" (check_cors_origins refuses it in config).
  EXPECT_TRUE(CorsPolicy({"null"}).allows("null"));
}

TEST(CorsPolicyTest, HeadersEchoTheOriginNeverStar) {
  CorsPolicy cors({"*"});
  auto headers = cors.headers_for("https://App.example.com");
  ASSERT_TRUE(headers.has_value());
  ASSERT_NE(header(*headers, "Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(*header(*headers, "Access-Control-Allow-Origin"), "https://App.example.com");
  ASSERT_NE(header(*headers, "Vary"), nullptr);
  EXPECT_EQ(*header(*headers, "Vary"), "Origin");
  ASSERT_NE(header(*headers, "Access-Control-Expose-Headers"), nullptr);
  EXPECT_EQ(*header(*headers, "Access-Control-Expose-Headers"),
            "Retry-After, WWW-Authenticate, X-Workflow-Version");
  EXPECT_EQ(header(*headers, "Access-Control-Allow-Credentials"), nullptr);

  CorsPolicy listed({"https://app.example.com"});
  EXPECT_TRUE(listed.headers_for("https://app.example.com").has_value());
  EXPECT_EQ(listed.headers_for("https://other.example.com"), std::nullopt);
  EXPECT_EQ(listed.headers_for(""), std::nullopt);
}

TEST(CorsPolicyTest, PreflightFromAnAllowedOrigin) {
  CorsPolicy cors({"https://app.example.com"});
  auto r = cors.preflight(options({{"origin", "https://app.example.com"},
                                   {"access-control-request-method", "POST"},
                                   {"access-control-request-headers", "authorization,content-type"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->body.empty());
  HeaderList expected = {
      {"Access-Control-Allow-Origin", "https://app.example.com"},
      {"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE"},
      {"Access-Control-Allow-Headers", "authorization, content-type, idempotency-key, last-event-id"},
      {"Access-Control-Max-Age", "600"},
      {"Vary", "Origin"},
  };
  EXPECT_EQ(r->headers, expected);
  // The same through the two-value form.
  auto direct = cors.preflight("https://app.example.com", "DELETE");
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ(direct->headers, expected);
}

TEST(CorsPolicyTest, PreflightFromAnotherOriginIsForbidden) {
  CorsPolicy cors({"https://app.example.com"});
  auto r =
      cors.preflight(options({{"origin", "https://evil.example"}, {"access-control-request-method", "GET"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(
      r->body,
      R"({"error":{"code":"forbidden","message":"origin 'https://evil.example' is not in [server] cors_origins"}})"
      "\n");
  EXPECT_EQ(header(r->headers, "Access-Control-Allow-Origin"), nullptr);

  // With no origins configured, every preflight is refused the same way.
  auto none = CorsPolicy().preflight("https://app.example.com", "GET");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, 403);
  // "null" through "*": refused.
  auto null_origin = CorsPolicy({"*"}).preflight("null", "GET");
  ASSERT_TRUE(null_origin.has_value());
  EXPECT_EQ(null_origin->status, 403);
  // A long Origin is cut in the message.
  auto long_origin = cors.preflight("https://" + std::string(5000, 'a') + ".example", "GET");
  ASSERT_TRUE(long_origin.has_value());
  EXPECT_LT(long_origin->body.size(), 400u);
}

// Each route family's preflight lists its own methods and headers, and
// its answers expose its own headers; the origin check is the same list.
TEST(CorsPolicyTest, EachRouteFamilyGetsItsOwnRules) {
  CorsPolicy cors({"https://app.example.com"});
  struct Family {
    const CorsRules& rules;
    std::string methods, headers, expose;
  };
  for (const Family& f :
       {Family{kAdminApiCors, "GET, POST, PUT, PATCH, DELETE",
               "authorization, content-type, idempotency-key, last-event-id",
               "Retry-After, WWW-Authenticate, X-Workflow-Version"},
        Family{kTopicStreamCors, "GET", "authorization, last-event-id", "Retry-After, WWW-Authenticate"},
        Family{kWebhookCors, "POST", "content-type", "Retry-After"}}) {
    SCOPED_TRACE(f.methods);
    auto allowed = cors.preflight(options({{"origin", "https://app.example.com"},
                                           {"access-control-request-method", "POST"},
                                           {"access-control-request-headers", "content-type"}}),
                                  f.rules);
    ASSERT_TRUE(allowed.has_value());
    EXPECT_EQ(allowed->status, 204);
    ASSERT_NE(header(allowed->headers, "Access-Control-Allow-Methods"), nullptr);
    EXPECT_EQ(*header(allowed->headers, "Access-Control-Allow-Methods"), f.methods);
    EXPECT_EQ(*header(allowed->headers, "Access-Control-Allow-Headers"), f.headers);
    EXPECT_EQ(*header(allowed->headers, "Access-Control-Allow-Origin"), "https://app.example.com");

    auto refused = cors.preflight("https://evil.example", "POST", f.rules);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 403);
    EXPECT_EQ(header(refused->headers, "Access-Control-Allow-Origin"), nullptr);

    auto headers = cors.headers_for("https://app.example.com", f.rules);
    ASSERT_TRUE(headers.has_value());
    EXPECT_EQ(*header(*headers, "Access-Control-Expose-Headers"), f.expose);
    EXPECT_EQ(cors.headers_for("https://evil.example", f.rules), std::nullopt);
  }
}

TEST(CorsPolicyTest, NotAPreflight) {
  CorsPolicy cors({"*"});
  // OPTIONS without Access-Control-Request-Method, or without Origin.
  EXPECT_EQ(cors.preflight(options({{"origin", "https://app.example.com"}})), std::nullopt);
  EXPECT_EQ(cors.preflight(options({{"access-control-request-method", "GET"}})), std::nullopt);
  // Another method with both headers.
  HttpRequest get =
      options({{"origin", "https://app.example.com"}, {"access-control-request-method", "GET"}});
  get.method = "GET";
  EXPECT_EQ(cors.preflight(get), std::nullopt);
  EXPECT_EQ(cors.preflight("", "GET"), std::nullopt);
  EXPECT_EQ(cors.preflight("https://app.example.com", ""), std::nullopt);
}

TEST(CheckCorsOriginsTest, AcceptsOriginsAndStar) {
  EXPECT_TRUE(check_cors_origins({}).has_value());
  EXPECT_TRUE(check_cors_origins({"*"}).has_value());
  EXPECT_TRUE(check_cors_origins({"https://app.example.com", "http://localhost:5173",
                                  "HTTPS://App.Example.COM", "http://127.0.0.1:8080", "http://[::1]:3000",
                                  "https://[2001:db8::1]", "https://a-b.example.com:65535", "http://x:1"})
                  .has_value());
}

TEST(CheckCorsOriginsTest, RefusesWhatIsNotAnOriginNamingTheEntry) {
  EXPECT_EQ(check_error({"https://app.example.com/"}),
            "cors_origins: 'https://app.example.com/' ends with '/': an origin has no path (write "
            "'https://app.example.com')");
  EXPECT_EQ(check_error({"https://ok.example", "https://app.example.com/api"}),
            "cors_origins: 'https://app.example.com/api' has a path, query or fragment: an origin is only "
            "scheme://host[:port]");
  EXPECT_EQ(check_error({"app.example.com"}),
            "cors_origins: 'app.example.com' is not an origin such as https://app.example.com");
  EXPECT_EQ(check_error({"ftp://files.example.com"}),
            "cors_origins: 'ftp://files.example.com' must start with http:// or https://");
  EXPECT_EQ(check_error({"null"}),
            "cors_origins: 'null' is never allowed: sandboxed frames and file:// pages send it, so any site "
            "could use it");
  EXPECT_EQ(check_error({"https://*.example.com"}),
            "cors_origins: 'https://*.example.com' has a wildcard: list each origin (patterns such as "
            "https://*.example.com are not supported)");
  EXPECT_EQ(check_error({"https://"}), "cors_origins: 'https://' has no host");
  EXPECT_EQ(check_error({"https://:8080"}), "cors_origins: 'https://:8080' has no host");
  EXPECT_EQ(
      check_error({"https://user@app.example.com"}),
      "cors_origins: 'https://user@app.example.com' has user info: an origin is only scheme://host[:port]");
  for (const char* port : {"0", "65536", "080", "", "http", "-1", "+1", "99999999999"}) {
    EXPECT_EQ(check_error({std::string("https://app.example.com:") + port}),
              std::string("cors_origins: 'https://app.example.com:") + port +
                  "' has a port that is not a number from 1 to 65535 (without leading zeros)")
        << port;
  }
  for (const char* bad : {"https://app..example.com", "https://.example.com", "https://app_x.example.com",
                          "https://app example.com"}) {
    EXPECT_EQ(check_error({bad}),
              std::string("cors_origins: '") + bad + "' has a host that is not a host name or IP address");
  }
  EXPECT_EQ(check_error({"https://[::1"}),
            "cors_origins: 'https://[::1' has a malformed IPv6 address (write it as [2001:db8::1])");
  EXPECT_TRUE(check_error({"https://app.example.com?x=1"})
                  .starts_with("cors_origins: 'https://app.example.com?x=1' has a path, query or fragment"));
  EXPECT_TRUE(check_error({"https://app.example.com#top"})
                  .starts_with("cors_origins: 'https://app.example.com#top' has a path, query or fragment"));
  EXPECT_EQ(check_error({""}), "cors_origins: '' is not an origin such as https://app.example.com");
  EXPECT_EQ(check_error({"*.example.com"}),
            "cors_origins: '*.example.com' is not an origin such as https://app.example.com");
}

}  // namespace
}  // namespace sundial::http
