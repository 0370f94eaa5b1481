// The alert message's body and signature, as a receiver reads them.
#include "server/alerts/alert_payload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "connectors/signing/hmac.h"
#include "server/alerts/alert_signature.h"

namespace sundial::alerts {
namespace {

TEST(AlertPayloadTest, CarriesCountsPerKindTheSampleAndASummary) {
  AlertBatch b(2);
  b.add(Alert{AlertKind::kInstanceFailed, 1000, 1, "i1", "signup", "card declined"});
  b.add(Alert{AlertKind::kInstanceFailed, 2000, 1, "i2", "signup", "timeout"});
  b.add(Alert{AlertKind::kInstanceFailed, 2500, 1, "i3", "signup", "timeout"});
  b.add(Alert{AlertKind::kTaskDead, 3000, 4, "emails", {}, {}});
  auto body = nlohmann::json::parse(alert_body(b, "alert-1", 5000));
  EXPECT_EQ(body["id"], "alert-1");
  EXPECT_EQ(body["sent_at_ms"], 5000);
  EXPECT_EQ(body["window"]["from_ms"], 1000);
  EXPECT_EQ(body["window"]["to_ms"], 3000);
  EXPECT_EQ(body["total"], 7);
  EXPECT_EQ(body["counts"]["instance_failed"], 3);
  EXPECT_EQ(body["counts"]["task_dead"], 4);
  EXPECT_EQ(body["counts"]["schedule_misfire"], 0);
  EXPECT_EQ(body["counts"]["storage_degraded"], 0);
  EXPECT_EQ(body["summary"], "3 instances failed, 4 tasks dead");
  ASSERT_EQ(body["alerts"].size(), 2u);
  EXPECT_EQ(body["alerts"][0]["kind"], "instance_failed");
  EXPECT_EQ(body["alerts"][0]["instance_id"], "i1");
  EXPECT_EQ(body["alerts"][0]["workflow_type"], "signup");
  EXPECT_EQ(body["alerts"][0]["error"], "card declined");
  EXPECT_EQ(body["omitted"], 2);
}

TEST(AlertPayloadTest, NamesStorageAndMisfiresInTheSummary) {
  AlertBatch b;
  b.add(Alert{AlertKind::kScheduleMisfire, 1, 1, {}, {}, {}});
  b.add(Alert{AlertKind::kStorageDegraded, 2, 1, {}, {}, "disk full"});
  EXPECT_EQ(alert_summary(b), "1 schedule misfire, storage cannot write");
  auto body = nlohmann::json::parse(alert_body(b, "a", 3));
  EXPECT_EQ(body["alerts"][1]["error"], "disk full");
  for (AlertKind k : kAllAlertKinds) EXPECT_EQ(parse_alert_kind(alert_kind_name(k)), k);
}

TEST(AlertSignatureTest, SignsTheTimestampAndTheBody) {
  std::string body = R"({"id":"a"})";
  std::string header = alert_signature("s3cret", 1767225600, body);
  EXPECT_EQ(header, "t=1767225600,v1=" + hmac_sha256_hex("s3cret", "1767225600." + body));
  EXPECT_TRUE(verify_alert_signature("s3cret", header, body, 1767225600));
  EXPECT_TRUE(verify_alert_signature("s3cret", header, body, 1767225600 + 300));
  // Another secret, another body, a stale or future timestamp, a mangled header.
  EXPECT_FALSE(verify_alert_signature("other", header, body, 1767225600));
  EXPECT_FALSE(verify_alert_signature("s3cret", header, body + " ", 1767225600));
  EXPECT_FALSE(verify_alert_signature("s3cret", header, body, 1767225600 + 301));
  EXPECT_FALSE(verify_alert_signature("s3cret", header, body, 1767225600 - 301));
  EXPECT_FALSE(verify_alert_signature("s3cret", "v1=abc", body, 1767225600));
  EXPECT_FALSE(verify_alert_signature("s3cret", "t=x1,v1=abc", body, 1767225600));
  // A second v1 (a rotated secret) is accepted when one matches.
  EXPECT_TRUE(verify_alert_signature("s3cret", "t=1767225600,v1=00, " + header.substr(13), body, 1767225600));
}

}  // namespace
}  // namespace sundial::alerts
