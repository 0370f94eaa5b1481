// start as a pure decision: the checks of its id and key, and the new
// instance it describes. (Whether the id or key already names an instance
// is the executor's load step; tests/e2e and tests/engine cover it.)
#include "tests/engine/transitions/decision_test_support.h"

namespace sundial::testing {
namespace {

StartRequest request(std::optional<std::string> id = std::nullopt,
                     std::optional<std::string> key = std::nullopt) {
  StartRequest req;
  req.type = "demo";
  req.id = std::move(id);
  req.idempotency_key = std::move(key);
  return req;
}

TEST(StartCheck, RefusesBadIdsAndKeys) {
  EXPECT_TRUE(check(request()).has_value());
  EXPECT_TRUE(check(request("order-17", "k-1")).has_value());
  for (const std::string& id : {std::string(), std::string("a/b"), std::string("a b"), std::string(201, 'x'),
                                std::string("nul\0id", 6)}) {
    auto valid = check(request(id));
    ASSERT_FALSE(valid.has_value()) << id;
    EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  }
  for (const std::string& key : {std::string(), std::string(256, 'k'), std::string("\xc3", 1)}) {
    auto valid = check(request(std::nullopt, key));
    ASSERT_FALSE(valid.has_value());
    EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(StartDecision, DescribesTheNewInstanceAndItsFirstEntry) {
  nlohmann::json input = {{"email", "a@example.com"}};
  auto d = decide(NewInstance{"order-17", input, "3f2a"}, request("order-17"), 86'400'000, kNow);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, Decision::Kind::kCommit);
  const InstanceRecord& r = d->record;
  EXPECT_EQ(r.id, "order-17");
  EXPECT_EQ(r.type, "demo");
  EXPECT_EQ(r.version, "3f2a");  // the type's current version, recorded at start
  EXPECT_EQ(r.input, input);
  EXPECT_EQ(r.status, InstanceStatus::kRunning);
  EXPECT_EQ(r.created_at, kNow);
  EXPECT_EQ(r.finished_at, 0);
  EXPECT_EQ(r.next_seq, 1u);
  EXPECT_EQ(r.idempotency_key, "");
  InstanceRecord empty;
  empty.id = "order-17";
  JournalEntry e = only_entry(*d, empty, EntryKind::kStarted);
  EXPECT_EQ(e.seq, 0u);
  EXPECT_EQ(e.data, input);
  EXPECT_EQ(ops_in(*d, Cf::kJournal).at(0).key, keys::journal_key("order-17", 1, 0));
  ASSERT_EQ(event_types(*d), std::vector<EventType>{EventType::kInstanceStarted});
  EXPECT_EQ(d->tx.events[0].instance_id, "order-17");
  EXPECT_EQ(d->then, Then::kAdvance);
  EXPECT_FALSE(d->remember.has_value());
}

TEST(StartDecision, AKeyedStartRemembersItsKeyForTheWindow) {
  auto d =
      decide(NewInstance{"abc", nlohmann::json::object(), ""}, request(std::nullopt, "k-1"), 60'000, kNow);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->record.idempotency_key, "k-1");
  ASSERT_TRUE(d->remember.has_value());
  EXPECT_EQ(d->remember->key, "k-1");
  EXPECT_EQ(d->remember->instance_id, "abc");
  EXPECT_EQ(d->remember->expires, kNow + 60'000);
}

TEST(StartDecision, InputThatCannotBeStoredIsInvalidArgument) {
  auto d = decide(NewInstance{"abc", nlohmann::json(std::string("\xff")), ""}, request(), 0, kNow);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sundial::testing
