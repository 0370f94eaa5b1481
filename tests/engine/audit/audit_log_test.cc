// The audit log (engine/audit/audit_log.h) in a real engine on RocksDB with
// a ManualClock: entries are durable across a restart, read newest first,
// trimmed by the retention sweep by age and by count; and a directory of
// schema version 4 (no `audit` family) opens and gets one.
#include "engine/audit/audit_log.h"

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include "engine/audit/audit_query.h"
#include "tests/support/engine_harness.h"

namespace sundial::testing {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.options.audit.retention = 30 * kDayMs;
    h.options.audit.max_entries = 5;
  }

  void record(const std::string& target) {
    AuditEntry e;
    e.role = "admin";
    e.token_name = "ops";
    e.address = "10.0.0.1";
    e.method = "POST";
    e.route = "POST /api/v1/instances/{id}/pause";
    e.target = target;
    e.status = 200;
    e.outcome = "ok";
    h.engine->audit().record(std::move(e));
    h.drain();
  }

  std::vector<std::string> targets(AuditQuery query = {}) {
    std::optional<Result<AuditPage>> page;
    h.engine->read<AuditPage>([query](Store& s) { return read_audit(s, query); },
                              [&](Result<AuditPage> r) { page = std::move(r); });
    for (int i = 0; i < 1000 && !page; ++i) h.loop.run_once();
    EXPECT_TRUE(page && *page);
    std::vector<std::string> out;
    if (page && *page) {
      for (const AuditEntry& e : (*page)->entries) out.push_back(e.target);
    }
    return out;
  }

  EngineHarness h;
};

TEST_F(AuditLogTest, EntriesSurviveARestartAndReadNewestFirst) {
  h.open();
  record("a");
  record("b");
  h.reopen();
  record("c");
  EXPECT_EQ(targets(), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(h.engine->audit().last_seq(), 3u);
  AuditQuery page;
  page.limit = 1;
  page.cursor = 3;
  EXPECT_EQ(targets(page), std::vector<std::string>{"b"});
  AuditQuery one;
  one.target = "a";
  EXPECT_EQ(targets(one), std::vector<std::string>{"a"});
}

TEST_F(AuditLogTest, TheRetentionSweepTrimsByAgeAndByCount) {
  h.open();
  for (std::string t : {"old1", "old2", "old3"}) record(t);
  h.clock.advance(10 * kDayMs);
  for (std::string t : {"mid1", "mid2", "mid3", "mid4"}) record(t);
  h.sweep();  // 7 entries, 5 kept: the oldest go first
  EXPECT_EQ(targets(), (std::vector<std::string>{"mid4", "mid3", "mid2", "mid1", "old3"}));
  h.clock.advance(25 * kDayMs);  // old3 is 35 days old, the others 25
  h.sweep();
  EXPECT_EQ(targets(), (std::vector<std::string>{"mid4", "mid3", "mid2", "mid1"}));
  h.clock.advance(10 * kDayMs);
  h.sweep();
  EXPECT_TRUE(targets().empty());
  record("new");  // sequence numbers go on after a trim
  EXPECT_EQ(h.engine->audit().last_seq(), 8u);
}

TEST(AuditMigrationTest, AVersion4DirectoryOpensAndGetsTheAuditFamily) {
  TempDir dir;
  RocksDbOptions options;
  options.path = dir.sub("data");
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store) << store.error().to_string();
    Batch batch;
    batch.put(Cf::kMeta, "schema_version", "4");
    const Batch* one[] = {&batch};
    ASSERT_TRUE((*store)->write(one));
  }
  {  // What version 4 wrote: every family but `audit`.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), options.path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), options.path, descriptors, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (auto* handle : handles) {
      if (handle->GetName() == "audit") {
        ASSERT_TRUE(db->DropColumnFamily(handle).ok());
      }
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
  }
  auto reopened = RocksDbStore::open(options);
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  auto version = (*reopened)->get(Cf::kMeta, "schema_version");
  ASSERT_TRUE(version && *version);
  EXPECT_EQ(**version, "5");
  Batch row;
  row.put(Cf::kAudit, audit_key(1), encode_audit_entry(AuditEntry{}));
  const Batch* one[] = {&row};
  EXPECT_TRUE((*reopened)->write(one));
}

TEST(AuditEntryTest, EncodingKeepsEveryFieldButTheSeqAndRepairsBadText) {
  AuditEntry e{7, 1767225600123, "viewer", "grafana", "::1", "PUT", "PUT /api/v1/queues/{queue}", "q\xff", 403,
               "forbidden"};
  auto back = decode_audit_entry(audit_key(7), encode_audit_entry(e));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->at, e.at);
  EXPECT_EQ(back->token_name, "grafana");
  EXPECT_EQ(back->target, "q\xEF\xBF\xBD");
  EXPECT_EQ(back->status, 403);
  EXPECT_EQ(audit_entry_to_json(*back)["at"], "2026-01-01T00:00:00.123Z");
  EXPECT_FALSE(decode_audit_entry(audit_key(7), "[]"));
}

}  // namespace
}  // namespace sundial::testing
