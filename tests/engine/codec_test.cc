#include "engine/codec/codec.h"

#include <gtest/gtest.h>

#include <limits>

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
  auto bytes = encode_record(r);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto back = decode_record(*bytes);
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
  auto bytes = encode_entry(e);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto back = decode_entry(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, EntryKind::kSignalReceived);
  EXPECT_EQ(back->name, "booked");
  EXPECT_TRUE(back->delivered);
  EXPECT_TRUE(back->is_outcome());
  EXPECT_EQ(back->data, e.data);
}

TEST(CodecTest, APatchMarkerRoundTripsAndEntriesWrittenBeforeItStillDecode) {
  JournalEntry e;
  e.kind = EntryKind::kPatch;
  e.at = 5;
  e.name = "day-1-fix";
  auto bytes = encode_entry(e);
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  EXPECT_EQ(*bytes, R"({"at":5,"k":"patch","n":"day-1-fix"})");
  auto back = decode_entry(*bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, EntryKind::kPatch);
  EXPECT_EQ(back->name, "day-1-fix");
  EXPECT_FALSE(back->is_outcome());
  EXPECT_EQ(entry_to_json(*back)["change_id"], "day-1-fix");
  // Bytes exactly as the build before patch markers wrote them.
  auto old = decode_entry(R"({"at":9,"k":"step_completed","n":"a","a":1,"d":{"x":1}})");
  ASSERT_TRUE(old) << old.error().to_string();
  EXPECT_EQ(old->kind, EntryKind::kStepCompleted);
}

TEST(CodecTest, DamagedBytesAreCorruptionNotACrash) {
  for (const char* bad :
       {"", "not json", "[]", R"({"k":"no_such_kind","at":1})", R"({"k":"started","at":"x"})"}) {
    auto e = decode_entry(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kCorruption);
  }
  EXPECT_FALSE(decode_record(R"({"id":"x","status":"sleeping"})"));
  EXPECT_FALSE(decode_event("{}"));
}

nlohmann::json nested_arrays(size_t depth) {
  nlohmann::json v = 1;
  for (size_t i = 0; i < depth; ++i) v = nlohmann::json::array({std::move(v)});
  return v;
}

// JSON text is UTF-8: an entry or record holding other bytes cannot be
// encoded, and encoding says so instead of throwing (nlohmann's dump throws
// type_error 316, which once escaped after the journal had changed).
TEST(CodecTest, TextThatIsNotUtf8IsAnErrorNotAThrow) {
  JournalEntry e;
  e.kind = EntryKind::kSignalReceived;
  e.name = "\xff";
  auto named = encode_entry(e);
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(named.error().message.find("not valid UTF-8"), std::string::npos) << named.error().message;
  e.name = "ok";
  e.data = {{"nested", {{"k\xfe", "v"}}}};  // a bad key, one level down
  EXPECT_FALSE(encode_entry(e));
  e.data = {{"list", {"fine", "bad\xc3"}}};  // a truncated sequence
  EXPECT_FALSE(encode_entry(e));
  e.data = {{"list", {"fine", "caf\xc3\xa9"}}};
  EXPECT_TRUE(encode_entry(e));

  InstanceRecord r;
  r.id = "i";
  r.type = "t";
  r.idempotency_key = "\xff\xfe";
  auto record = encode_record(r);
  ASSERT_FALSE(record);
  EXPECT_EQ(record.error().code, ErrorCode::kInvalidArgument);
}

TEST(CodecTest, CheckStorableNamesBadTextAnywhereInTheValue) {
  EXPECT_TRUE(check_storable(nlohmann::json{{"id", "em_1"}, {"n", 3}}, "v"));
  auto bad = check_storable(nlohmann::json{{"nested", {"ok", "\xff"}}}, "the result");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("the result holds text that is not valid UTF-8"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(check_storable(nlohmann::json{{"k\xc3", 1}}, "v"));  // keys too
}

TEST(CodecTest, ValuesNestedTooDeepCannotBeStored) {
  EXPECT_TRUE(check_storable(nested_arrays(kMaxStoredValueDepth), "v"));
  auto deep = check_storable(nested_arrays(kMaxStoredValueDepth + 1), "the payload");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("the payload is nested deeper than"), std::string::npos);
  JournalEntry e;
  e.kind = EntryKind::kStepCompleted;
  e.data = nested_arrays(kMaxStoredValueDepth + 1);
  EXPECT_FALSE(encode_entry(e));
  // What can be stored decodes again, at the deepest allowed depth.
  e.data = nested_arrays(kMaxStoredValueDepth);
  auto bytes = encode_entry(e);
  ASSERT_TRUE(bytes);
  auto back = decode_entry(*bytes);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->data, e.data);
}

// Stored bytes are parsed with a depth bound too: damage (or a record
// written by a build without the bound) is corruption, not a stack overflow.
TEST(CodecTest, DeeplyNestedStoredBytesAreCorruption) {
  std::string bytes =
      R"({"k":"step_completed","at":1,"d":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto e = decode_entry(bytes);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kCorruption);
}

// Found by fuzzing: a float in an integer field was converted with
// nlohmann's get<> (1e300 -> int64 is undefined behaviour, UBSan).
// Integer fields take only integers that fit; anything else is corruption.
TEST(CodecTest, IntegerFieldsRefuseFloatsAndOutOfRangeNumbers) {
  auto corrupt = [](const std::string& bytes, auto decode) {
    auto r = decode(bytes);
    if (r) return ::testing::AssertionFailure() << bytes << " decoded";
    if (r.error().code != ErrorCode::kCorruption)
      return ::testing::AssertionFailure() << r.error().to_string();
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(corrupt(R"({"k":"started","at":1e300})", decode_entry));
  for (std::string field :
       {R"("at":1.5)", R"("at":1e300)", R"("at":-1e300)", R"("at":18446744073709551615)", R"("a":2.0)",
        R"("a":-1)", R"("a":4294967296)", R"("ref":1e10)", R"("sh":0.5)", R"("due":1e19)"}) {
    EXPECT_TRUE(corrupt(R"({"k":"started",)" + field + "}", decode_entry));  // int64 and uint32 fields
  }
  std::string record =
      R"({"id":"i","type":"t","status":"running","created_at":1,"updated_at":1,"next_seq":1)";
  ASSERT_TRUE(decode_record(record + "}"));
  for (std::string field : {R"("next_seq":1.0)", R"("next_seq":-3)", R"("attempt":1e300)", R"("await":1.0)",
                            R"("await":1e300)", R"("await":4294967297)", R"("created_at":2.5)"}) {
    EXPECT_TRUE(corrupt(record + "," + field + "}", decode_record));  // uint32, int and int64 fields
  }
  EXPECT_TRUE(corrupt(R"({"t":"instance_started","at":1e300})", decode_event));
  // Integers that fit still decode, at the edges too.
  auto e = decode_entry(R"({"k":"started","at":-9223372036854775808,"a":4294967295,"sh":-5})");
  ASSERT_TRUE(e) << e.error().to_string();
  EXPECT_EQ(e->at, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(e->attempt, 4294967295u);
  EXPECT_EQ(e->shift_ms, -5);
}

TEST(CodecTest, StorableCopyRepairsTextAndDropsWhatIsTooDeep) {
  nlohmann::json bad = {{"a\xff", {"x\xfey"}}};
  nlohmann::json fixed = storable_copy(bad);
  EXPECT_TRUE(check_storable(fixed, "v"));
  EXPECT_EQ(fixed, (nlohmann::json{{"a\xef\xbf\xbd", {"x\xef\xbf\xbdy"}}}));
  EXPECT_TRUE(storable_copy(nested_arrays(kMaxStoredValueDepth + 1)).is_null());
  nlohmann::json good = {{"k", {1, "two"}}};
  EXPECT_EQ(storable_copy(good), good);
}

// Events are messages: invalid bytes are replaced, encoding never fails.
TEST(CodecTest, EventsReplaceInvalidBytes) {
  EngineEvent ev;
  ev.type = EventType::kSignalReceived;
  ev.instance_id = "i";
  ev.workflow_type = "t";
  ev.name = "\xff";
  auto back = decode_event(encode_event(ev));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "\xef\xbf\xbd");
}

}  // namespace
}  // namespace sundial
