// The signature of an alert message, so a receiver can tell it came from
// this sundiald and was not replayed later (docs/operations.md, "Verifying
// the signature"). Header:
//
//   Sundial-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
//
// The timestamp is signed with the body, so a captured message cannot be
// replayed outside the receiver's tolerance; each delivery attempt signs
// afresh. Several v1= entries may follow one day (secret rotation): a
// receiver accepts the message when any of them matches.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sundial::alerts {

inline constexpr std::string_view kSignatureHeader = "Sundial-Signature";
inline constexpr std::string_view kAlertIdHeader = "Sundial-Alert-Id";

// "t=<unix_seconds>,v1=<hex>".
std::string alert_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

// Whether `header` (a Sundial-Signature value) signs `body` under `secret`
// with a timestamp within `tolerance_seconds` of `now_seconds`. What a
// receiver does; the tests use it too.
bool verify_alert_signature(std::string_view secret, std::string_view header, std::string_view body,
                            int64_t now_seconds, int64_t tolerance_seconds = 300);

}  // namespace sundial::alerts
