// http::error_response, the one mapping from an Error to an HTTP answer:
// status and code from the error table, the API's body byte for byte, and
// Retry-After from the error, the code's default, or not at all.
#include "server/http/error_response.h"

#include <gtest/gtest.h>

namespace sundial::http {
namespace {

using enum ErrorCode;

const std::string* header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

TEST(ErrorResponseTest, EveryCodeAnswersItsStatusAndTheOneBody) {
  for (const ErrorInfo& row : error_table()) {
    SCOPED_TRACE(std::string(row.name));
    HttpResponse r = error_response(Error{row.code, "why \"it\" failed"});
    EXPECT_EQ(r.status, row.http_status);
    EXPECT_EQ(r.body, R"({"error":{"code":")" + std::string(row.name) +
                          R"(","message":"why \"it\" failed"}})"
                          "\n");
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>("Content-Type", "application/json")));
    // The same bytes as the body layout every answer used before the table.
    HttpResponse before = HttpResponse::error(row.http_status, row.name, "why \"it\" failed");
    EXPECT_EQ(r.body, before.body);
  }
}

TEST(ErrorResponseTest, EngineErrorsAnswerAsTheyDidThroughTheApiMapping) {
  // Pinned from api::http_status_for / api::error_response before the table.
  struct Case {
    ErrorCode code;
    int status;
    bool retry_after_1;
  };
  const Case cases[] = {
      {kInvalidArgument, 400, false}, {kNotFound, 404, false},          {kConflict, 409, false},
      {kNonDeterminism, 409, false},  {kStepFailed, 409, false},        {kCancelled, 409, false},
      {kUnavailable, 503, true},      {kStorageUnavailable, 503, true}, {kIoError, 500, false},
      {kCorruption, 500, false},      {kInternal, 500, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(error_code_name(c.code)));
    HttpResponse r = error_response(Error{c.code, "m"});
    EXPECT_EQ(r.status, c.status);
    const std::string* retry_after = header(r, "Retry-After");
    if (c.retry_after_1) {
      ASSERT_NE(retry_after, nullptr);
      EXPECT_EQ(*retry_after, "1");
    } else {
      EXPECT_EQ(retry_after, nullptr);
    }
    EXPECT_EQ(r.headers.size(), c.retry_after_1 ? 2u : 1u);
  }
}

TEST(ErrorResponseTest, RetryAfterComesFromTheErrorInWholeSecondsRoundedUp) {
  HttpResponse limited = error_response(Error{kRateLimited, "too many deliveries from 10.0.0.1", 7000});
  EXPECT_EQ(limited.status, 429);
  ASSERT_NE(header(limited, "Retry-After"), nullptr);
  EXPECT_EQ(*header(limited, "Retry-After"), "7");
  EXPECT_EQ(*header(error_response(Error{kUnavailable, "m", 1001}), "Retry-After"), "2");
  EXPECT_EQ(*header(error_response(Error{kUnavailable, "m", 1}), "Retry-After"), "1");
  // An error's own hint wins over "no default" too.
  EXPECT_EQ(*header(error_response(Error{kIoError, "m", 3000}), "Retry-After"), "3");
  EXPECT_EQ(header(error_response(Error{kIoError, "m"}), "Retry-After"), nullptr);
}

TEST(ErrorResponseTest, RetryAfterNoneLeavesTheHeaderOut) {
  HttpResponse r =
      error_response(Error{kUnavailable, "webhook secret not configured", 5000}, RetryAfter::kNone);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), nullptr);
  EXPECT_EQ(r.body, "{\"error\":{\"code\":\"unavailable\",\"message\":\"webhook secret not configured\"}}\n");
}

TEST(ErrorResponseTest, InvalidUtf8InAMessageIsReplacedNotThrown) {
  HttpResponse r = error_response(Error{kBadRequest, std::string("bad \xFF byte")});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":{\"code\":\"bad_request\",\"message\":\"bad \xEF\xBF\xBD byte\"}}\n");
}

}  // namespace
}  // namespace sundial::http
