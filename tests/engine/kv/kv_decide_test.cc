// The key-value facility's pure parts (engine/kv/kv_entry.h, kv_decide.h):
// versions, compare-and-set, tombstones, the replay of a step's own write,
// history bounds, the stored encoding and the name rules.
#include "engine/kv/kv_decide.h"

#include <gtest/gtest.h>

namespace sundial {
namespace kv_decide_test {

KvWrite put(std::string key, nlohmann::json value, std::optional<uint64_t> if_version = std::nullopt,
            std::string by = "wf-1/put") {
  KvWrite w;
  w.op = KvOp::kPut;
  w.ns = "map";
  w.key = std::move(key);
  w.value = std::move(value);
  w.if_version = if_version;
  w.by = std::move(by);
  return w;
}

KvWrite del(std::string key, std::optional<uint64_t> if_version = std::nullopt, std::string by = "wf-1/del") {
  KvWrite w = put(std::move(key), nullptr, if_version, std::move(by));
  w.op = KvOp::kDelete;
  return w;
}

TEST(KvDecide, AFirstPutMakesVersionOneWithItsChangeInTheHistory) {
  KvDecision d = decide_kv_write(std::nullopt, put("page-1", {{"issue", 7}}), 1000);
  ASSERT_TRUE(d.store);
  EXPECT_TRUE(d.result.ok);
  EXPECT_EQ(d.result.version, 1u);
  EXPECT_EQ(d.store->version, 1u);
  EXPECT_EQ(d.store->created_at, 1000);
  EXPECT_EQ(d.store->value["issue"], 7);
  ASSERT_EQ(d.store->history.size(), 1u);
  EXPECT_EQ(d.store->history[0].by, "wf-1/put");
  EXPECT_EQ(d.store->history[0].op, KvOp::kPut);
}

TEST(KvDecide, ACompareAndSetOnAnotherVersionIsAConflictThatIsCountedButWritesNoValue) {
  KvEntry stored = *decide_kv_write(std::nullopt, put("page-1", 1), 1000).store;
  stored = *decide_kv_write(stored, put("page-1", 2, std::nullopt, "wf-2/put"), 2000).store;  // version 2
  KvDecision d = decide_kv_write(stored, put("page-1", 3, 1, "wf-3/put"), 3000);
  EXPECT_FALSE(d.result.ok);
  EXPECT_TRUE(d.result.conflict);
  EXPECT_EQ(d.result.version, 2u);
  ASSERT_TRUE(d.result.entry);
  EXPECT_EQ(d.result.entry->value, 2);
  ASSERT_TRUE(d.store) << "the conflict is recorded on the entry";
  EXPECT_EQ(d.store->version, 2u);
  EXPECT_EQ(d.store->value, 2);
  EXPECT_EQ(d.store->conflicts, 1u);
  ASSERT_TRUE(d.store->last_conflict);
  EXPECT_EQ(d.store->last_conflict->expected, 1u);
  EXPECT_EQ(d.store->last_conflict->found, 2u);
  EXPECT_EQ(d.store->last_conflict->by, "wf-3/put");
  // The right version goes through.
  KvDecision ok = decide_kv_write(*d.store, put("page-1", 3, 2, "wf-3/put-again"), 4000);
  EXPECT_TRUE(ok.result.ok);
  EXPECT_EQ(ok.result.version, 3u);
}

TEST(KvDecide, IfVersionZeroMeansTheEntryMustNotExist) {
  KvDecision created = decide_kv_write(std::nullopt, put("k", 1, 0), 1);
  EXPECT_TRUE(created.result.ok);
  KvDecision second = decide_kv_write(*created.store, put("k", 2, 0, "wf-2/create"), 2);
  EXPECT_TRUE(second.result.conflict);
  KvDecision absent = decide_kv_write(std::nullopt, put("k", 1, 4), 1);
  EXPECT_TRUE(absent.result.conflict);
  EXPECT_FALSE(absent.store) << "nothing to record a conflict on";
  EXPECT_EQ(absent.result.version, 0u);
}

TEST(KvDecide, AStepRetriedAfterACrashFindsTheWriteItMadeAndChangesNothing) {
  KvEntry stored = *decide_kv_write(std::nullopt, put("k", 1, 0, "wf-1/create"), 1).store;
  stored = *decide_kv_write(stored, put("k", 2, std::nullopt, "wf-2/bump"), 2).store;
  // wf-1/create again (its result was never journaled): replayed, version 1.
  KvDecision again = decide_kv_write(stored, put("k", 1, 0, "wf-1/create"), 3);
  EXPECT_TRUE(again.result.ok);
  EXPECT_TRUE(again.result.replayed);
  EXPECT_EQ(again.result.version, 1u);
  EXPECT_FALSE(again.store);
  // The API's writes are never taken for one another.
  KvDecision api = decide_kv_write(stored, put("k", 5, std::nullopt, "api"), 4);
  KvDecision api_again = decide_kv_write(*api.store, put("k", 6, std::nullopt, "api"), 5);
  EXPECT_FALSE(api_again.result.replayed);
  EXPECT_EQ(api_again.result.version, 4u);
}

TEST(KvDecide, AnIdenticalPutOrARepeatedDeleteChangesNothing) {
  KvEntry stored = *decide_kv_write(std::nullopt, put("k", {{"a", 1}}), 1).store;
  KvDecision same = decide_kv_write(stored, put("k", {{"a", 1}}, std::nullopt, "wf-2/p"), 2);
  EXPECT_TRUE(same.result.unchanged);
  EXPECT_FALSE(same.store);
  EXPECT_EQ(same.result.version, 1u);
  KvDecision gone = decide_kv_write(std::nullopt, del("k"), 3);
  EXPECT_TRUE(gone.result.ok);
  EXPECT_TRUE(gone.result.unchanged);
  EXPECT_FALSE(gone.store);
}

TEST(KvDecide, ADeleteLeavesATombstoneWithTheValueAndAPutBringsItBack) {
  KvEntry stored = *decide_kv_write(std::nullopt, put("k", {{"issue", 9}}), 1000).store;
  KvDecision deleted = decide_kv_write(stored, del("k", 1), 2000);
  ASSERT_TRUE(deleted.store);
  EXPECT_TRUE(deleted.store->deleted);
  EXPECT_EQ(deleted.store->version, 2u);
  EXPECT_EQ(deleted.store->value["issue"], 9) << "a tombstone keeps the value";
  EXPECT_TRUE(decide_kv_write(*deleted.store, del("k", std::nullopt, "wf-9/d"), 2500).result.unchanged);
  KvDecision back = decide_kv_write(*deleted.store, put("k", {{"issue", 10}}, 2, "wf-1/back"), 3000);
  ASSERT_TRUE(back.store);
  EXPECT_FALSE(back.store->deleted);
  EXPECT_EQ(back.store->version, 3u);
  EXPECT_EQ(back.store->created_at, 1000);
  EXPECT_EQ(back.store->updated_at, 3000);
  ASSERT_EQ(back.store->history.size(), 3u);
  EXPECT_EQ(back.store->history[1].op, KvOp::kDelete);
}

TEST(KvDecide, TheHistoryKeepsTheLastSixteenChanges) {
  std::optional<KvEntry> stored;
  for (int i = 1; i <= 40; ++i) {
    stored = decide_kv_write(stored, put("k", i, std::nullopt, "wf/" + std::to_string(i)), i).store;
  }
  ASSERT_EQ(stored->history.size(), kKvHistory);
  EXPECT_EQ(stored->history.front().version, 25u);
  EXPECT_EQ(stored->history.back().version, 40u);
}

TEST(KvEntryCodec, AnEntryRoundTripsAndBadBytesAreCorruption) {
  KvEntry e = *decide_kv_write(std::nullopt, put("page/ü", {{"issue", 7}, {"pr", nullptr}}), 1000).store;
  e = *decide_kv_write(e, put("page/ü", 1, 99, "wf-2/x"), 2000).store;  // a conflict recorded
  auto back = decode_kv_entry("map", "page/ü", encode_kv_entry(e));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->key, "page/ü");
  EXPECT_EQ(back->value, e.value);
  EXPECT_EQ(back->version, e.version);
  EXPECT_EQ(back->conflicts, 1u);
  ASSERT_TRUE(back->last_conflict);
  EXPECT_EQ(back->last_conflict->expected, 99u);
  ASSERT_EQ(back->history.size(), 1u);
  EXPECT_EQ(back->history[0].by, "wf-1/put");
  for (std::string_view bad : {"", "[]", "{\"value\":1}", "{\"value\":1,\"version\":-1,\"history\":[]}",
                               "{\"value\":1,\"version\":1,\"history\":[{\"op\":\"zap\"}]}"}) {
    auto decoded = decode_kv_entry("map", "k", bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kCorruption) << bad;
  }
}

TEST(KvRules, NamespacesKeysAndValuesAreBounded) {
  EXPECT_TRUE(check_kv_namespace("notion-github.map:v1"));
  for (std::string_view bad : {"", "has space", "slash/no", "é"})
    EXPECT_FALSE(check_kv_namespace(bad)) << bad;
  EXPECT_FALSE(check_kv_namespace(std::string(65, 'a')));
  EXPECT_TRUE(check_kv_key("page/1 with spaces ü"));
  EXPECT_FALSE(check_kv_key(""));
  EXPECT_FALSE(check_kv_key(std::string(513, 'k')));
  EXPECT_FALSE(check_kv_key("a\nb"));
  EXPECT_FALSE(check_kv_key(std::string("a\0b", 3)));
  EXPECT_FALSE(check_kv_key("\xff\xfe"));
  EXPECT_TRUE(check_kv_value({{"a", std::string(1000, 'x')}}));
  EXPECT_FALSE(check_kv_value(std::string(kMaxKvValueBytes, 'x')));
  EXPECT_FALSE(check_kv_value(std::string("\xff")));
  KvWrite unnamed = put("k", 1);
  unnamed.by.clear();
  EXPECT_FALSE(check_kv_write(unnamed));
}

TEST(KvRules, ANamespaceRowsNeverMixWithALongerNamespace) {
  std::string row = kv_row_key("a.b", "k");
  EXPECT_FALSE(kv_key_of_row("a", row));
  EXPECT_EQ(kv_key_of_row("a.b", row), "k");
  EXPECT_LT(kv_row_key("a", "zzz"), kv_row_key("a.b", "a")) << "0x00 sorts before any name character";
}

}  // namespace kv_decide_test
}  // namespace sundial
