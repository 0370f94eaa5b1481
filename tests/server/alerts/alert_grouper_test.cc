// AlertGrouper and AlertBatch: a storm is one message per window, counted
// in full, with a bounded sample; the first alert after a quiet window
// goes at once. Times are plain numbers (a fake clock).
#include "server/alerts/alert_grouper.h"

#include <gtest/gtest.h>

namespace sundial::alerts {
namespace {

constexpr DurationMs kWindow = 60 * kSecondMs;

Alert failure(TimeMs at, int n) {
  return Alert{AlertKind::kInstanceFailed, at, 1, "inst-" + std::to_string(n), "signup", "boom " + std::to_string(n)};
}

TEST(AlertGrouperTest, TheFirstAlertAfterAQuietWindowIsDueAtOnce) {
  AlertGrouper g(kWindow);
  EXPECT_FALSE(g.due_at());
  EXPECT_FALSE(g.take(1000));
  g.add(failure(1000, 1), 1000);
  ASSERT_TRUE(g.due_at());
  EXPECT_EQ(*g.due_at(), 1000);
  auto batch = g.take(1000);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->count(AlertKind::kInstanceFailed), 1u);
  EXPECT_FALSE(g.due_at());
}

TEST(AlertGrouperTest, AStormIsOneMessagePerWindowWithEveryAlertCountedAndABoundedSample) {
  AlertGrouper g(kWindow, 20);
  TimeMs t0 = 1'000'000;
  std::vector<AlertBatch> sent;
  // 10,000 failures over five minutes, taking whatever is due as a timer would.
  for (int i = 0; i < 10'000; ++i) {
    TimeMs now = t0 + i * 30;  // every 30 ms: 300 s in all
    g.add(failure(now, i), now);
    if (auto due = g.due_at(); due && *due <= now) sent.push_back(*g.take(now));
  }
  TimeMs end = t0 + 10'000 * 30;
  while (auto due = g.due_at()) sent.push_back(*g.take(std::max(*due, end)));
  // One at once, then one per window: 300 s → 1 + 5 messages.
  ASSERT_EQ(sent.size(), 6u);
  uint64_t total = 0;
  for (const AlertBatch& b : sent) {
    total += b.count(AlertKind::kInstanceFailed);
    EXPECT_LE(b.samples().size(), 20u);
    EXPECT_EQ(b.samples().size() + b.omitted(), b.count(AlertKind::kInstanceFailed));
  }
  EXPECT_EQ(total, 10'000u);
  EXPECT_EQ(sent[0].total(), 1u);
  EXPECT_EQ(sent[1].samples().front().subject, "inst-1");
  EXPECT_EQ(sent[1].omitted(), sent[1].total() - 20);
}

TEST(AlertGrouperTest, AlertsWithinTheWindowWaitForItsEnd) {
  AlertGrouper g(kWindow);
  g.add(failure(0, 1), 0);
  ASSERT_TRUE(g.take(0));
  g.add(failure(5000, 2), 5000);
  g.add(Alert{AlertKind::kTaskDead, 7000, 3, "emails", {}, {}}, 7000);
  EXPECT_EQ(*g.due_at(), kWindow);
  EXPECT_FALSE(g.take(kWindow - 1));
  auto batch = g.take(kWindow);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->count(AlertKind::kInstanceFailed), 1u);
  EXPECT_EQ(batch->count(AlertKind::kTaskDead), 3u);
  EXPECT_EQ(batch->total(), 4u);
  EXPECT_EQ(batch->first_at(), 5000);
  EXPECT_EQ(batch->last_at(), 7000);
}

TEST(AlertGrouperTest, AfterAQuietWindowTheNextAlertGoesAtOnceAgain) {
  AlertGrouper g(kWindow);
  g.add(failure(0, 1), 0);
  ASSERT_TRUE(g.take(0));
  TimeMs later = 10 * kWindow;
  g.add(failure(later, 2), later);
  EXPECT_EQ(*g.due_at(), later);
  EXPECT_TRUE(g.take(later));
}

TEST(AlertBatchTest, LongTextIsCutOnAUtf8BoundaryAndMarked) {
  AlertBatch b(1);
  std::string error(600, 'x');
  error.replace(kMaxAlertMessageBytes - 4, 3, "\xE2\x82\xAC");  // € across the cut
  b.add(Alert{AlertKind::kInstanceFailed, 1, 1, std::string(1000, 'i'), "t", error});
  const Alert& kept = b.samples().front();
  EXPECT_LE(kept.message.size(), kMaxAlertMessageBytes);
  EXPECT_TRUE(kept.message.ends_with("\xE2\x80\xA6"));
  EXPECT_LE(kept.subject.size(), kMaxAlertFieldBytes);
  EXPECT_EQ(clip_text("short", 10), "short");
  EXPECT_EQ(clip_text("bad \xFF byte", 100), "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace sundial::alerts
