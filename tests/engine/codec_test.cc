#include "engine/codec/codec.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(CodecTest, InstanceRecordRoundTrips) {
  InstanceRecord r;
  r.id = "nurture:a@b.c";
  r.type = "nurture";
  r.input = {{"email", "a@b.c"}};
  r.status = InstanceStatus::kPaused;
  r.status_before_pause = InstanceStatus::kWaiting;
  r.created_at = 1;
  r.updated_at = 2;
  r.next_seq = 9;
  r.await_kind = AwaitKind::kSignal;
  r.wait_signals = {"booked", "unsubscribed"};
  r.timer_due = 12345;
  r.paused_at = 3;
  r.idempotency_key = "k";
  auto back = decode_record(encode_record(r));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->input, r.input);
  EXPECT_EQ(back->status, InstanceStatus::kPaused);
  EXPECT_EQ(back->status_before_pause, InstanceStatus::kWaiting);
  EXPECT_EQ(back->wait_signals, r.wait_signals);
  EXPECT_EQ(back->timer_due, 12345);
  EXPECT_EQ(back->await_kind, AwaitKind::kSignal);
  EXPECT_EQ(back->next_seq, 9u);
}

TEST(CodecTest, JournalEntryRoundTrips) {
  JournalEntry e;
  e.kind = EntryKind::kSignalReceived;
  e.at = 77;
  e.name = "booked";
  e.data = {{"uid", "x"}};
  e.delivered = true;
  auto back = decode_entry(encode_entry(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, EntryKind::kSignalReceived);
  EXPECT_EQ(back->name, "booked");
  EXPECT_TRUE(back->delivered);
  EXPECT_TRUE(back->is_outcome());
  EXPECT_EQ(back->data, e.data);
}

TEST(CodecTest, DamagedBytesAreCorruptionNotACrash) {
  for (const char* bad : {"", "not json", "[]", R"({"k":"no_such_kind","at":1})", R"({"k":"started","at":"x"})"}) {
    auto e = decode_entry(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kCorruption);
  }
  EXPECT_FALSE(decode_record(R"({"id":"x","status":"sleeping"})"));
  EXPECT_FALSE(decode_event("{}"));
}

}  // namespace
}  // namespace sundial
