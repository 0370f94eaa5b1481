#include "engine/storage/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/base/coding.h"
#include "engine/codec/index_keys.h"

namespace sundial {
namespace {

TEST(KeysTest, TimerKeysSortByDueTimeThenId) {
  std::vector<std::string> sorted = {keys::timer_key(5, "b"), keys::timer_key(5, "c"),
                                     keys::timer_key(256, "a"), keys::timer_key(65536, "a"),
                                     keys::timer_key(1767225600000, "a")};
  std::vector<std::string> shuffled = {sorted[3], sorted[0], sorted[4], sorted[2], sorted[1]};
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(shuffled, sorted);
}

TEST(KeysTest, TimerKeyRoundTrips) {
  auto parsed = keys::parse_timer_key(keys::timer_key(1767225600123, "order:42"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->due, 1767225600123);
  EXPECT_EQ(parsed->instance_id, "order:42");
  EXPECT_FALSE(keys::parse_timer_key("short"));
}

TEST(KeysTest, JournalKeysOfOneInstanceAreContiguousAndOrdered) {
  // "a" and "a-b": without the 0x00 separator, a's entries would interleave.
  std::vector<std::string> sorted = {keys::journal_key("a", 1, 0), keys::journal_key("a", 1, 1),
                                     keys::journal_key("a", 1, 256), keys::journal_key("a", 1, 70000),
                                     keys::journal_key("a-b", 1, 0)};
  std::vector<std::string> copy = sorted;
  std::sort(copy.begin(), copy.end());
  EXPECT_EQ(copy, sorted);
  std::string prefix = keys::journal_prefix("a", 1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sorted[i].compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(sorted[4].compare(0, prefix.size(), prefix), 0);
  EXPECT_EQ(keys::journal_seq(keys::journal_key("a", 1, 70000)), 70000u);
}

TEST(KeysTest, EachRunOfAnIdHasItsOwnJournalRangeInsideTheIdsRange) {
  // Run 1 keeps the layout of ids that never ran again (run 0 is run 1).
  EXPECT_EQ(keys::journal_key("a", 0, 5), keys::journal_key("a", 1, 5));
  std::string begin = keys::journal_all_runs_begin("a");
  std::string end = keys::journal_all_runs_end("a");
  std::vector<std::string> runs = {keys::journal_key("a", 1, 9), keys::journal_key("a", 2, 0),
                                   keys::journal_key("a", 2, 3), keys::journal_key("a", 300, 0)};
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_GE(runs[i], begin);
    EXPECT_LT(runs[i], end);
    if (i > 0) {
      EXPECT_LT(runs[i - 1], runs[i]);
    }
  }
  // Another run's entries are outside a run's prefix, and other ids outside the id's range.
  std::string run2 = keys::journal_prefix("a", 2);
  EXPECT_NE(keys::journal_key("a", 3, 0).compare(0, run2.size(), run2), 0);
  EXPECT_NE(keys::journal_key("a", 1, 0).compare(0, run2.size(), run2), 0);
  for (const char* other : {"a-b", "a!", "b", "A"}) {
    std::string key = keys::journal_key(other, 2, 0);
    EXPECT_TRUE(key < begin || key >= end) << other;
  }
  EXPECT_EQ(keys::journal_seq(keys::journal_key("a", 7, 42)), 42u);
  // Past runs: one prefix per id, ordered by run.
  std::string past = keys::past_run_prefix("a");
  EXPECT_EQ(keys::past_run_key("a", 2).compare(0, past.size(), past), 0);
  EXPECT_LT(keys::past_run_key("a", 2), keys::past_run_key("a", 256));
  EXPECT_NE(keys::past_run_key("a-b", 2).compare(0, past.size(), past), 0);
}

TEST(KeysTest, IndexKeysSortByCreationTimeWithinAStatus) {
  auto early = keys::status_index_key(InstanceStatus::kWaiting, 1000, "zzz");
  auto late = keys::status_index_key(InstanceStatus::kWaiting, 2000, "aaa");
  auto other = keys::status_index_key(InstanceStatus::kPaused, 1, "aaa");
  EXPECT_LT(early, late);
  auto prefix = keys::status_index_prefix(InstanceStatus::kWaiting);
  EXPECT_EQ(early.compare(0, prefix.size(), prefix), 0);
  EXPECT_NE(other.compare(0, prefix.size(), prefix), 0);
  EXPECT_EQ(keys::index_key_id(late, prefix.size()), "aaa");
  EXPECT_EQ(keys::index_key_time(late, prefix.size()), 2000);
}

TEST(KeysTest, TypePrefixesDoNotOverlap) {
  // "nurture" must not match the prefix of type "nurture2".
  auto key = keys::type_index_key("nurture2", 1, "x");
  auto prefix = keys::type_index_prefix("nurture");
  EXPECT_NE(key.compare(0, prefix.size(), prefix), 0);
}

TEST(KeysTest, EventKeysSortBySequence) {
  EXPECT_LT(keys::event_key(255), keys::event_key(256));
  EXPECT_EQ(keys::parse_event_key(keys::event_key(123456789)), 123456789u);
}

TEST(KeysTest, ValidatesInstanceIds) {
  EXPECT_TRUE(keys::validate_instance_id("nurture:alice@example.com"));
  EXPECT_FALSE(keys::validate_instance_id(""));
  EXPECT_FALSE(keys::validate_instance_id("has space"));
  EXPECT_FALSE(keys::validate_instance_id(".."));  // a URL path cannot name it
  EXPECT_FALSE(keys::validate_instance_id("."));
  EXPECT_TRUE(keys::validate_instance_id("..."));
  EXPECT_FALSE(keys::validate_instance_id("a/b"));
  EXPECT_FALSE(keys::validate_instance_id(std::string("nul\0byte", 8)));
  EXPECT_FALSE(keys::validate_instance_id(std::string(201, 'x')));
  EXPECT_TRUE(keys::validate_type_name("bench.sleep_step"));
  EXPECT_FALSE(keys::validate_type_name("bad type"));
  EXPECT_FALSE(keys::validate_type_name("."));
  EXPECT_FALSE(keys::validate_type_name(".."));
  EXPECT_TRUE(keys::validate_type_name(".x"));
}

TEST(CodingTest, PrefixSuccessor) {
  EXPECT_EQ(prefix_successor("ab"), "ac");
  EXPECT_EQ(prefix_successor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_successor(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace sundial
