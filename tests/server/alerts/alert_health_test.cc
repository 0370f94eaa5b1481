// health_alerts: what changed between two samples, and the retry schedule.
#include "server/alerts/health_sample.h"

#include <gtest/gtest.h>

#include "server/alerts/alert_sender.h"

namespace sundial::alerts {
namespace {

TEST(HealthAlertsTest, RisesOfDeadTasksAndMisfiresAndStorageChangesRaiseAlerts) {
  HealthSample before{{{"emails", 2}, {"sync", 5}}, 7, std::nullopt};
  HealthSample after{{{"emails", 5}, {"sync", 4}, {"new", 1}}, 9, "disk full"};
  auto alerts = health_alerts(before, after, 42);
  ASSERT_EQ(alerts.size(), 4u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kTaskDead);
  EXPECT_EQ(alerts[0].subject, "emails");
  EXPECT_EQ(alerts[0].count, 3u);
  EXPECT_EQ(alerts[1].subject, "new");  // "sync" fell (a retried task): nothing
  EXPECT_EQ(alerts[2].kind, AlertKind::kScheduleMisfire);
  EXPECT_EQ(alerts[2].count, 2u);
  EXPECT_EQ(alerts[3].kind, AlertKind::kStorageDegraded);
  EXPECT_EQ(alerts[3].message, "disk full");
  EXPECT_EQ(alerts[3].at, 42);
  auto recovered = health_alerts(after, HealthSample{after.dead_tasks, 9, std::nullopt}, 43);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].kind, AlertKind::kStorageRecovered);
  EXPECT_TRUE(health_alerts(after, after, 44).empty());
}

TEST(AlertBackoffTest, DoublesFromTheFirstWaitUpToTheMaximumAndHonoursRetryAfter) {
  AlertDeliveryOptions o;
  o.first_backoff = 1000;
  o.max_backoff = 10'000;
  EXPECT_EQ(alert_backoff(o, 1), 1000);
  EXPECT_EQ(alert_backoff(o, 2), 2000);
  EXPECT_EQ(alert_backoff(o, 3), 4000);
  EXPECT_EQ(alert_backoff(o, 4), 8000);
  EXPECT_EQ(alert_backoff(o, 5), 10'000);
  EXPECT_EQ(alert_backoff(o, 60), 10'000);
  EXPECT_EQ(alert_backoff(o, 1, 3000), 3000);     // a longer Retry-After wins
  EXPECT_EQ(alert_backoff(o, 3, 3000), 4000);     // a shorter one does not
  EXPECT_EQ(alert_backoff(o, 1, 600'000), 10'000);  // capped
}

}  // namespace
}  // namespace sundial::alerts
