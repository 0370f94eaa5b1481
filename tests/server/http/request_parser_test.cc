#include "server/http/request_parser.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/test_seed.h"

namespace sundial::http {
namespace {

ParserLimits limits(size_t header = 1024, size_t body = 64) { return ParserLimits{header, body}; }

TEST(HttpParserTest, ParsesPipelinedRequestsInOrder) {
  RequestParser p(limits(), "10.0.0.1");
  std::string bytes =
      "GET /api/v1/instances?status=waiting&type=a%2Fb HTTP/1.1\r\nHost: x\r\nX-Thing:  v  \r\n\r\n"
      "POST /api/v1/x%20y HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: Application/JSON; "
      "charset=utf-8\r\n\r\nhello";
  ASSERT_TRUE(p.feed(bytes.data(), bytes.size()));
  auto first = p.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->method, "GET");
  EXPECT_EQ(first->path, "/api/v1/instances");
  EXPECT_EQ(first->query_param("status"), "waiting");
  EXPECT_EQ(first->query_param("type"), "a/b");
  ASSERT_NE(first->header("x-thing"), nullptr);
  EXPECT_EQ(*first->header("x-thing"), "v");
  EXPECT_EQ(first->peer_ip, "10.0.0.1");
  EXPECT_TRUE(first->keep_alive);
  auto second = p.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->path, "/api/v1/x y");
  EXPECT_EQ(second->body, "hello");
  EXPECT_EQ(second->content_type(), "application/json");
  EXPECT_FALSE(p.next());
}

TEST(HttpParserTest, AcceptsBytesOneAtATime) {
  RequestParser p(limits(), "ip");
  std::string bytes = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  for (char c : bytes) {
    EXPECT_FALSE(p.next());
    ASSERT_TRUE(p.feed(&c, 1));
  }
  auto r = p.next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abc");
  EXPECT_FALSE(p.in_request());
}

TEST(HttpParserTest, ChunkedBodiesAreJoined) {
  RequestParser p(limits(), "ip");
  std::string bytes =
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  ASSERT_TRUE(p.feed(bytes.data(), bytes.size()));
  auto r = p.next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abcde");
}

TEST(HttpParserTest, ConnectionCloseAndHttp10EndKeepAlive) {
  RequestParser p(limits(), "ip");
  std::string bytes = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(p.feed(bytes.data(), bytes.size()));
  EXPECT_FALSE(p.next()->keep_alive);
  RequestParser old(limits(), "ip");
  std::string ten = "GET /a HTTP/1.0\r\n\r\n";
  ASSERT_TRUE(old.feed(ten.data(), ten.size()));
  EXPECT_FALSE(old.next()->keep_alive);
}

struct BadInput {
  const char* name;
  std::string bytes;
  int status;
  const char* code;
};

TEST(HttpParserTest, RejectsMalformedAndOversizedInput) {
  const std::vector<BadInput> cases = {
      {"garbage request line", "HELLO\r\n\r\n", 400, "bad_request"},
      {"bad header", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "bad_request"},
      {"absolute target", "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
      {"bad escape", "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"},
      {"headers over the limit", "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 431,
       "headers_too_large"},
      {"declared body over the limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", 413,
       "payload_too_large"},
      {"chunked body over the limit",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'x') +
           "\r\n",
       413, "payload_too_large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RequestParser p(limits(), "ip");
    EXPECT_FALSE(p.feed(c.bytes.data(), c.bytes.size()));
    ASSERT_TRUE(p.failure());
    EXPECT_EQ(p.failure()->status, c.status);
    EXPECT_EQ(p.failure()->code, c.code);
    EXPECT_FALSE(p.next());
  }
}

// Request smuggling: what a stricter proxy in front reads differently
// must be refused here (400, and the connection closes after it).
TEST(HttpParserTest, RejectsAmbiguousFramingThatAllowsSmuggling) {
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<BadInput> cases = {
      {"two bytes other than CRLF after chunk data",
       "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n" + smuggled, 400,
       "bad_request"},
      {"LF only after chunk data",
       "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n\r0\r\n\r\n", 400,
       "bad_request"},
      {"space in a header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", 400, "bad_request"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400, "bad_request"},
      {"obs-fold with a tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400, "bad_request"},
      {"control character in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x1b[2Jb\r\n\r\n", 400,
       "bad_request"},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, "bad_request"},
      {"HTTP/1.2 request line", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400, "bad_request"},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400, "bad_request"},
      {"two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"},
      {"chunked body in HTTP/1.0",
       "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400, "bad_request"},
      {"credentials in chunked trailers",
       "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
       "Authorization: Bearer stolen\r\n\r\n",
       400, "bad_request"},
      {"any trailer field",
       "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Checksum: 1\r\n\r\n", 400,
       "bad_request"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RequestParser p(limits(), "ip");
    EXPECT_FALSE(p.feed(c.bytes.data(), c.bytes.size()));
    ASSERT_TRUE(p.failure());
    EXPECT_EQ(p.failure()->status, c.status);
    EXPECT_EQ(p.failure()->code, c.code);
    // Nothing of it is handed on, least of all the smuggled request.
    EXPECT_FALSE(p.next());
  }
}

TEST(HttpParserTest, TheCrlfAfterChunkDataIsCheckedAcrossReads) {
  std::string bytes = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX0\r\n\r\n";
  RequestParser p(limits(), "ip");
  bool ok = true;
  for (char c : bytes) ok = ok && p.feed(&c, 1);
  EXPECT_FALSE(ok);
  ASSERT_TRUE(p.failure());
  EXPECT_EQ(p.failure()->status, 400);
  // The same body, well formed and cut anywhere, parses.
  std::string good =
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  for (size_t cut = 1; cut < good.size(); ++cut) {
    SCOPED_TRACE(cut);
    RequestParser q(limits(), "ip");
    ASSERT_TRUE(q.feed(good.data(), cut));
    ASSERT_TRUE(q.feed(good.data() + cut, good.size() - cut));
    auto r = q.next();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "abcde");
  }
}

TEST(HttpParserTest, ObsFoldIsCaughtWhereverTheInputIsCut) {
  std::string bytes = "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n";
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    SCOPED_TRACE(cut);
    RequestParser p(limits(), "ip");
    bool ok = p.feed(bytes.data(), cut) && p.feed(bytes.data() + cut, bytes.size() - cut);
    EXPECT_FALSE(ok);
    EXPECT_FALSE(p.next());
  }
}

// The strict checks that look at raw bytes (the CRLF after chunk data,
// obs-fold) must not depend on where reads cut the input: the same bytes
// cut at random points parse to the same requests, or fail the same way.
TEST(HttpParserTest, WhereReadsCutTheInputChangesNothing) {
  unsigned seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937 rng(seed);
  const std::string good =
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nwxyz";
  const std::string bad_crlf =
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\n\n0\r\n\r\n";
  const std::string bad_fold = "GET /b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n";
  for (int round = 0; round < 300; ++round) {
    for (const std::string* input : {&good, &bad_crlf, &bad_fold}) {
      RequestParser p(limits(), "ip");
      size_t at = 0;
      bool ok = true;
      while (at < input->size() && ok) {
        size_t n = std::min(input->size() - at, size_t{1} + rng() % 12);
        ok = p.feed(input->data() + at, n);
        at += n;
      }
      if (input == &good) {
        ASSERT_TRUE(ok) << p.failure()->message;
        EXPECT_EQ(p.next()->body, "abcde");
        EXPECT_EQ(p.next()->path, "/b");
        EXPECT_EQ(p.next()->body, "wxyz");
      } else {
        ASSERT_FALSE(ok);
        EXPECT_EQ(p.failure()->status, 400);
        EXPECT_FALSE(p.next());
      }
    }
  }
}

TEST(HttpParserTest, AcceptsWhatStrictFramingAllows) {
  RequestParser ten(limits(), "ip");
  std::string old = "GET /a HTTP/1.0\r\n\r\n";
  ASSERT_TRUE(ten.feed(old.data(), old.size()));
  EXPECT_EQ(ten.next()->path, "/a");
  RequestParser p(limits(), "ip");
  std::string bytes =
      "GET /b HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=1\r\nz\r\n0\r\n\r\n";
  ASSERT_TRUE(p.feed(bytes.data(), bytes.size())) << p.failure()->message;
  auto b = p.next();
  ASSERT_TRUE(b);
  ASSERT_NE(b->header("x-empty"), nullptr);
  EXPECT_EQ(*b->header("x-empty"), "");
  EXPECT_EQ(*b->header("x-tab"), "a\tb");
  EXPECT_EQ(p.next()->body, "z");
}

TEST(HttpParserTest, BodiesInFlightShareOneBudget) {
  auto budget = std::make_shared<BodyBudget>(100);
  ParserLimits l = limits(1024, 80);
  l.bodies = budget;
  RequestParser a(l, "ip");
  RequestParser b(l, "ip");
  std::string head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n";
  ASSERT_TRUE(a.feed(head.data(), head.size()));
  EXPECT_EQ(budget->used(), 60u);
  EXPECT_FALSE(b.feed(head.data(), head.size()));  // 120 > 100
  ASSERT_TRUE(b.failure());
  EXPECT_EQ(b.failure()->status, 503);
  EXPECT_EQ(b.failure()->retry_after_s, 1);
  std::string body(60, 'x');
  ASSERT_TRUE(a.feed(body.data(), body.size()));
  ASSERT_TRUE(a.next());
  EXPECT_EQ(budget->used(), 0u);  // given back once complete
  {
    RequestParser c(l, "ip");
    ASSERT_TRUE(c.feed(head.data(), head.size()));
    EXPECT_EQ(budget->used(), 60u);
  }
  EXPECT_EQ(budget->used(), 0u);  // and when the connection goes
}

TEST(HttpParserTest, UpgradeRequestsAreServedAsPlainHttp) {
  RequestParser p(limits(), "ip");
  std::string bytes =
      "GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\nHost: "
      "x\r\n\r\n";
  ASSERT_TRUE(p.feed(bytes.data(), bytes.size()));
  EXPECT_EQ(p.next()->path, "/a");
  EXPECT_EQ(p.next()->path, "/b");
}

TEST(HttpParserTest, ExpectContinueIsAnnouncedOnlyForAcceptableBodies) {
  int announced = 0;
  RequestParser p(limits(), "ip");
  p.on_expect_continue = [&] { ++announced; };
  std::string ok = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_TRUE(p.feed(ok.data(), ok.size()));
  EXPECT_EQ(announced, 1);
  RequestParser big(limits(), "ip");
  big.on_expect_continue = [&] { ++announced; };
  std::string too_big = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999\r\n\r\n";
  EXPECT_FALSE(big.feed(too_big.data(), too_big.size()));
  EXPECT_EQ(announced, 1);
}

TEST(HttpParserTest, FormAndPercentDecoding) {
  auto form = parse_form("a=1&b=x+y%21&&c");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ((*form)[1].second, "x y!");
  EXPECT_EQ((*form)[2].first, "c");
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("%g0"));
}

}  // namespace
}  // namespace sundial::http
