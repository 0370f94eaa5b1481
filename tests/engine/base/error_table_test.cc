// The one error table (engine/base/error.h): every code has a row with a
// status, a unique wire name that round-trips, and a retryable flag set on
// purpose. The wire names and statuses are the API's stable contract, so
// they are pinned here as they were before the table existed.
#include <cctype>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/base/error.h"

namespace sundial {
namespace {

using enum ErrorCode;

struct Pinned {
  ErrorCode code;
  const char* name;
  int status;
  bool retryable;
};

// Before the table: the engine's error_code_name + api::http_status_for,
// the HTTP layer's codes:: strings (server/http/error_codes.h) with the
// statuses every site answered them with, and is_retryable's list
// (unavailable, io_error, internal), which storage_unavailable and the
// HTTP layer's transient refusals join.
const Pinned kPinned[] = {
    {kInvalidArgument, "invalid_argument", 400, false},
    {kNotFound, "not_found", 404, false},
    {kConflict, "conflict", 409, false},
    {kUnavailable, "unavailable", 503, true},
    {kIoError, "io_error", 500, true},
    {kCorruption, "corruption", 500, false},
    {kNonDeterminism, "non_determinism", 409, false},
    {kStepFailed, "step_failed", 409, false},
    {kCancelled, "cancelled", 409, false},
    {kInternal, "internal", 500, true},
    {kStorageUnavailable, "storage_unavailable", 503, true},
    {kBadRequest, "bad_request", 400, false},
    {kUnauthorized, "unauthorized", 401, false},
    {kInvalidSignature, "invalid_signature", 401, false},
    {kMethodNotAllowed, "method_not_allowed", 405, false},
    {kRequestTimeout, "request_timeout", 408, true},
    {kPayloadTooLarge, "payload_too_large", 413, false},
    {kUnsupportedMediaType, "unsupported_media_type", 415, false},
    {kRateLimited, "rate_limited", 429, true},
    {kTooManyConnections, "too_many_connections", 429, true},
    {kHeadersTooLarge, "headers_too_large", 431, false},
    {kBudgetExceeded, "budget_exceeded", 422, false},
    {kMemoryExceeded, "memory_exceeded", 422, false},
    {kForbidden, "forbidden", 403, false},
};

TEST(ErrorTableTest, EveryCodeKeepsItsWireNameStatusAndRetryability) {
  ASSERT_EQ(error_table().size(), std::size(kPinned)) << "a code was added: pin it here on purpose";
  for (const Pinned& p : kPinned) {
    SCOPED_TRACE(p.name);
    const ErrorInfo& row = error_info(p.code);
    EXPECT_EQ(row.code, p.code);
    EXPECT_EQ(row.name, p.name);
    EXPECT_EQ(error_code_name(p.code), p.name);
    EXPECT_EQ(row.http_status, p.status);
    EXPECT_EQ(row.retryable, p.retryable);
  }
}

TEST(ErrorTableTest, RowsAreWellFormed) {
  std::set<std::string_view> names;
  size_t index = 0;
  for (const ErrorInfo& row : error_table()) {
    SCOPED_TRACE(std::string(row.name));
    EXPECT_EQ(static_cast<size_t>(row.code), index++) << "rows follow the enumerators";
    EXPECT_TRUE(names.insert(row.name).second) << "wire names are unique";
    ASSERT_FALSE(row.name.empty());
    for (char c : row.name) {
      EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_') << row.name;
    }
    EXPECT_GE(row.http_status, 400);
    EXPECT_LE(row.http_status, 599);
    EXPECT_FALSE(row.meaning.empty());
    EXPECT_EQ(row.meaning.find('\n'), std::string_view::npos) << "a meaning is one line";
    EXPECT_GE(row.retry_after_s, 0);
    if (row.retry_after_s > 0) {
      EXPECT_TRUE(row.retryable) << "Retry-After invites a retry";
    }
  }
}

TEST(ErrorTableTest, WireNamesRoundTrip) {
  for (const ErrorInfo& row : error_table()) {
    auto back = error_code_from_name(row.name);
    ASSERT_TRUE(back) << row.name;
    EXPECT_EQ(*back, row.code);
  }
  EXPECT_FALSE(error_code_from_name(""));
  EXPECT_FALSE(error_code_from_name("NOT_FOUND"));
  EXPECT_FALSE(error_code_from_name("not_found "));
  EXPECT_FALSE(error_code_from_name("no_such_code"));
}

TEST(ErrorTableTest, DefaultRetryAfterIsOneSecondWhereAnswersCarriedIt) {
  // The answers that carried `Retry-After: 1` before: the engine's
  // unavailable/storage_unavailable, a too-many-connections refusal.
  for (const ErrorInfo& row : error_table()) {
    bool one = row.code == kUnavailable || row.code == kStorageUnavailable ||
               row.code == kTooManyConnections || row.code == kRateLimited;
    EXPECT_EQ(row.retry_after_s, one ? 1 : 0) << row.name;
  }
}

TEST(ErrorTableTest, FailedCallPicksARetryableOrPermanentCode) {
  Error transient = failed_call(true, "Resend answered 503", 1500);
  EXPECT_EQ(transient.code, kUnavailable);
  EXPECT_TRUE(error_info(transient.code).retryable);
  EXPECT_EQ(transient.message, "Resend answered 503");
  EXPECT_EQ(transient.retry_after_ms, 1500);
  Error permanent = failed_call(false, "Resend answered 422");
  EXPECT_EQ(permanent.code, kInvalidArgument);
  EXPECT_FALSE(error_info(permanent.code).retryable);
  EXPECT_EQ(permanent.retry_after_ms, 0);
  EXPECT_EQ(permanent.to_string(), "invalid_argument: Resend answered 422");
}

}  // namespace
}  // namespace sundial
