// KvService (engine/kv/kv_service.h) on a real engine and RocksDB: writes
// are durable before they are answered and come back after a reopen;
// compare-and-sets of one key submitted together never both win; pages
// of a namespace by prefix and cursor, with tombstones and conflicts
// filtered; a workflow's kv steps journal their answers, and a step whose
// write landed before a crash cut off its result finds that write.
#include "engine/kv/kv_service.h"

#include <gtest/gtest.h>

#include <optional>

#include "engine/kv/kv_step.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace kv_service_test {

using testing::EngineHarness;

KvListQuery query(std::string prefix, size_t limit,
                  KvListQuery::Deleted deleted = KvListQuery::Deleted::kExclude) {
  KvListQuery q;
  q.ns = "map";
  q.prefix = std::move(prefix);
  q.limit = limit;
  q.deleted = deleted;
  return q;
}

KvWrite put(std::string key, nlohmann::json value, std::optional<uint64_t> if_version = std::nullopt,
            std::string by = "api") {
  KvWrite w;
  w.ns = "map";
  w.key = std::move(key);
  w.value = std::move(value);
  w.if_version = if_version;
  w.by = std::move(by);
  return w;
}

// "test.kv": reads input.key, puts {"n": input.n} if the version it read
// is still there, and returns both answers.
Workflow<void> kv_flow(Context& ctx, KvService& kv) {
  KvStepRequest read;
  read.ns = "map";
  read.key = ctx.input().value("key", "k");
  nlohmann::json got = co_await ctx.step_async("read", kv_step(kv, read));
  KvStepRequest write = read;
  write.kind = KvStepRequest::Kind::kPut;
  write.value = {{"n", ctx.input().value("n", 0)}};
  write.if_version = got["version"].get<uint64_t>();
  nlohmann::json wrote = co_await ctx.step_async("write", kv_step(kv, write));
  ctx.set_result({{"read", got}, {"write", wrote}});
}

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.registry.add("test.kv", "", [this](Context& ctx) { return kv_flow(ctx, h.engine->kv()); }));
    h.open();
  }

  Result<KvWriteResult> write(KvWrite w) {
    std::optional<Result<KvWriteResult>> out;
    h.engine->kv().write(std::move(w), [&](Result<KvWriteResult> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }
  Result<std::optional<KvEntry>> get(const std::string& key, const std::string& ns = "map") {
    std::optional<Result<std::optional<KvEntry>>> out;
    h.engine->kv().get(ns, key, [&](Result<std::optional<KvEntry>> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }
  Result<KvPage> list(KvListQuery q) {
    return h.query<KvPage>([&](auto done) {
      h.engine->read<KvPage>([q](Store& snapshot) { return list_kv_page(snapshot, q); }, std::move(done));
    });
  }

  EngineHarness h;
};

TEST_F(KvServiceTest, AWriteIsAnsweredOnceDurableAndIsThereAfterAReopen) {
  bool answered = false;
  h.engine->kv().write(put("page-1", {{"issue", 7}}), [&](Result<KvWriteResult> r) {
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->version, 1u);
    answered = true;
  });
  EXPECT_FALSE(answered) << "answered inside the call";
  h.drain();
  ASSERT_TRUE(answered);
  h.reopen();
  auto got = get("page-1");
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->value["issue"], 7);
  EXPECT_EQ((*got)->version, 1u);
  auto missing = get("page-2");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(KvServiceTest, CompareAndSetsOfOneKeySubmittedTogetherNeverBothWin) {
  std::vector<Result<KvWriteResult>> answers;
  for (int i = 0; i < 5; ++i) {
    h.engine->kv().write(put("race", i, 0, "wf-" + std::to_string(i) + "/create"),
                         [&](Result<KvWriteResult> r) { answers.push_back(std::move(r)); });
  }
  h.drain();
  ASSERT_EQ(answers.size(), 5u);
  int won = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(answers[i]) << answers[i].error().to_string();
    won += answers[i]->ok;
    if (i > 0) {
      EXPECT_TRUE(answers[i]->conflict) << "in arrival order: the first wins";
    }
  }
  EXPECT_EQ(won, 1);
  auto got = get("race");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->value, 0);
  EXPECT_EQ((*got)->conflicts, 4u);
  EXPECT_EQ(h.engine->kv().stats().conflicts, 4u);
}

TEST_F(KvServiceTest, PagesFollowKeyOrderWithinOneNamespaceAndFilterTombstonesAndConflicts) {
  for (std::string key : {"page/a", "page/b", "page/c", "page/d", "other/x"}) {
    ASSERT_TRUE(write(put(key, key)));
  }
  KvWrite other = put("page/zz", "elsewhere");
  other.ns = "map.v2";  // a namespace that extends "map"
  ASSERT_TRUE(write(other));
  KvWrite gone = put("page/b", nullptr);
  gone.op = KvOp::kDelete;
  ASSERT_TRUE(write(gone));
  ASSERT_TRUE(write(put("page/c", "changed", 7, "wf/late")));  // a conflict

  KvListQuery q = query("page/", 2);
  auto first = list(q);
  ASSERT_TRUE(first) << first.error().to_string();
  ASSERT_EQ(first->entries.size(), 2u);
  EXPECT_EQ(first->entries[0].key, "page/a");
  EXPECT_EQ(first->entries[1].key, "page/c") << "the tombstone is left out";
  EXPECT_EQ(first->next_cursor, "page/c");
  q.after = first->next_cursor;
  auto second = list(q);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->entries.size(), 1u);
  EXPECT_EQ(second->entries[0].key, "page/d");
  EXPECT_TRUE(second->next_cursor.empty());

  KvListQuery deleted = query("", 100, KvListQuery::Deleted::kOnly);
  auto tombstones = list(deleted);
  ASSERT_TRUE(tombstones);
  ASSERT_EQ(tombstones->entries.size(), 1u);
  EXPECT_EQ(tombstones->entries[0].key, "page/b");
  EXPECT_EQ(tombstones->entries[0].value, "page/b");

  KvListQuery conflicted = query("", 100);
  conflicted.conflicted_only = true;
  auto with_conflicts = list(conflicted);
  ASSERT_TRUE(with_conflicts);
  ASSERT_EQ(with_conflicts->entries.size(), 1u);
  EXPECT_EQ(with_conflicts->entries[0].key, "page/c");

  auto all = list(query("", 100, KvListQuery::Deleted::kInclude));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->entries.size(), 5u) << "map.v2's entry is not map's";
}

TEST_F(KvServiceTest, RefusedNamesAndValuesAreAnsweredLaterWithoutTouchingStorage) {
  bool answered = false;
  h.engine->kv().write(put("", 1), [&](Result<KvWriteResult> r) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    answered = true;
  });
  EXPECT_FALSE(answered);
  h.drain();
  EXPECT_TRUE(answered);
  auto bad_ns = get("k", "no spaces allowed");
  ASSERT_FALSE(bad_ns);
  EXPECT_EQ(bad_ns.error().code, ErrorCode::kInvalidArgument);
  auto huge = write(put("k", std::string(kMaxKvValueBytes + 1, 'x')));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KvServiceTest, AWorkflowsStepsJournalTheirAnswers) {
  ASSERT_TRUE(h.start("test.kv", "wf-1", {{"key", "page-1"}, {"n", 1}}));
  auto done = h.describe("wf-1");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, InstanceStatus::kCompleted) << done->last_error;
  EXPECT_EQ(done->result["read"]["found"], false);
  EXPECT_EQ(done->result["write"]["ok"], true);
  EXPECT_EQ(done->result["write"]["version"], 1);
  // A second run reads version 1 and moves it to 2.
  ASSERT_TRUE(h.start("test.kv", "wf-2", {{"key", "page-1"}, {"n", 2}}));
  auto second = h.describe("wf-2");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->result["read"]["version"], 1);
  EXPECT_EQ(second->result["read"]["value"]["n"], 1);
  EXPECT_EQ(second->result["write"]["version"], 2);
  auto got = get("page-1");
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->history.size(), 2u);
  EXPECT_EQ((*got)->history[1].by, "wf-2/write") << "tagged with the step's idempotency key";
}

TEST_F(KvServiceTest, AStepWhoseWriteLandedBeforeACrashFindsItInsteadOfConflicting) {
  // What an attempt of wf-3's "write" did before the crash: its put landed
  // (tagged with the step's key), its result never reached the journal.
  ASSERT_TRUE(write(put("page-3", {{"n", 3}}, 0, "wf-3/write")));
  // The retried instance reads version 1 now; its write with if_version 1
  // would be a conflict, but the entry's history has the step's own write.
  ASSERT_TRUE(h.start("test.kv", "wf-3", {{"key", "page-3"}, {"n", 3}}));
  auto done = h.describe("wf-3");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, InstanceStatus::kCompleted) << done->last_error;
  EXPECT_EQ(done->result["write"]["ok"], true);
  EXPECT_EQ(done->result["write"]["replayed"], true);
  EXPECT_EQ(done->result["write"]["version"], 1);
  auto got = get("page-3");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->version, 1u) << "written once";
  EXPECT_EQ(h.engine->kv().stats().replays, 1u);
}

}  // namespace kv_service_test
}  // namespace sundial
