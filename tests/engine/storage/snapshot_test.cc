// Store::snapshot() on RocksDB: a view pinned to one point in time, read-only,
// that keeps an index scan and the record reads after it consistent while
// commits land; and the count of reads made on a loop thread
// (docs/threading.md rule 1), which must see every read made there and no
// other.
#include <gtest/gtest.h>

#include <thread>

#include "engine/base/loop_thread.h"
#include "engine/codec/codec.h"
#include "engine/loop/loop.h"
#include "engine/queries.h"
#include "engine/snapshot_reader.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbOptions options;
    options.path = dir.sub("data");
    auto opened = RocksDbStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    store = std::move(*opened);
  }

  void put(Cf cf, const std::string& key, const std::string& value) {
    Batch b;
    b.put(cf, key, value);
    write(b);
  }
  void del(Cf cf, const std::string& key) {
    Batch b;
    b.del(cf, key);
    write(b);
  }
  void write(const Batch& b) {
    const Batch* one[] = {&b};
    ASSERT_TRUE(store->write(one));
  }
  void put_record(const std::string& id) {
    InstanceRecord r;
    r.id = id;
    r.type = "t";
    r.input = nlohmann::json::object();
    auto bytes = encode_record(r);
    ASSERT_TRUE(bytes) << bytes.error().to_string();
    put(Cf::kInstances, id, *bytes);
  }
  std::vector<std::string> keys_of(Store& s, Cf cf) {
    std::vector<std::string> out;
    EXPECT_TRUE(s.scan(cf, {}, {}, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    }));
    return out;
  }

  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store;
};

TEST_F(SnapshotTest, AViewSeesTheStoreAsItWasWhenTaken) {
  put(Cf::kInstances, "a", "1");
  put(Cf::kInstances, "b", "1");
  auto snap = store->snapshot();
  ASSERT_TRUE(snap) << snap.error().to_string();
  Store& view = **snap;
  put(Cf::kInstances, "a", "2");
  del(Cf::kInstances, "b");
  put(Cf::kInstances, "c", "1");

  EXPECT_EQ(view.get(Cf::kInstances, "a")->value_or(""), "1");
  EXPECT_EQ(view.get(Cf::kInstances, "b")->value_or(""), "1");
  EXPECT_FALSE(view.get(Cf::kInstances, "c")->has_value());
  EXPECT_EQ(keys_of(view, Cf::kInstances), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(view.last_key(Cf::kInstances)->value_or(""), "b");
  // The live store has moved on.
  EXPECT_EQ(store->get(Cf::kInstances, "a")->value_or(""), "2");
  EXPECT_EQ(keys_of(*store, Cf::kInstances), (std::vector<std::string>{"a", "c"}));
}

TEST_F(SnapshotTest, AViewIsReadOnly) {
  auto snap = store->snapshot();
  ASSERT_TRUE(snap);
  Batch b;
  b.put(Cf::kInstances, "x", "1");
  const Batch* one[] = {&b};
  EXPECT_FALSE((*snap)->write(one));
  EXPECT_FALSE((*snap)->snapshot());
  EXPECT_FALSE(store->get(Cf::kInstances, "x")->has_value());
}

// A view whose first point read lets a commit land first: what a list
// query meets when the loop commits while a pool thread reads.
class CommitDuringFirstGet final : public Store {
 public:
  CommitDuringFirstGet(Store& reads, Store& live, std::function<void()> commit)
      : reads_(reads), live_(live), commit_(std::move(commit)) {}
  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override {
    if (commit_) std::exchange(commit_, nullptr)();
    return reads_.get(cf, key);
  }
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return reads_.scan(cf, begin, end, fn);
  }
  Result<std::optional<std::string>> last_key(Cf cf) override { return reads_.last_key(cf); }
  Result<void> write(std::span<const Batch* const> batches) override { return live_.write(batches); }
  Result<std::unique_ptr<Store>> snapshot() override { return live_.snapshot(); }

 private:
  Store& reads_;
  Store& live_;
  std::function<void()> commit_;
};

TEST_F(SnapshotTest, AListOnASnapshotIsOneStateWhileCommitsLand) {
  for (const char* id : {"i1", "i2", "i3"}) put_record(id);
  auto deletes_i3 = [&] { del(Cf::kInstances, "i3"); };
  ListQuery all;
  // On the live store the record named by the scan is gone by the time it
  // is read: the page silently loses it (the race snapshots remove).
  CommitDuringFirstGet live(*store, *store, deletes_i3);
  auto torn = list_instances(live, all);
  ASSERT_TRUE(torn);
  EXPECT_EQ(torn->instances.size(), 2u);

  put_record("i3");
  auto snap = store->snapshot();
  ASSERT_TRUE(snap);
  CommitDuringFirstGet pinned(**snap, *store, deletes_i3);
  auto page = list_instances(pinned, all);
  ASSERT_TRUE(page) << page.error().to_string();
  ASSERT_EQ(page->instances.size(), 3u);
  EXPECT_EQ(page->instances[2].id, "i3");
}

TEST_F(SnapshotTest, ReadSnapshotRunsAQueryOnAFreshSnapshot) {
  put_record("r1");
  auto record = read_snapshot(*store, [](Store& s) { return describe_instance(s, "r1"); });
  ASSERT_TRUE(record) << record.error().to_string();
  EXPECT_EQ(record->id, "r1");
  auto missing = read_snapshot(*store, [](Store& s) { return describe_instance(s, "nope"); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(SnapshotTest, ReadsOnALoopThreadAreCountedAndNoOthers) {
  put(Cf::kInstances, "a", "1");
  auto read_everything = [](Store& s) {
    (void)s.get(Cf::kInstances, "a");
    (void)s.scan(Cf::kInstances, {}, {}, [](std::string_view, std::string_view) { return true; });
    (void)s.last_key(Cf::kInstances);
  };
  ASSERT_FALSE(loop_thread::is_current());
  read_everything(*store);
  EXPECT_EQ(store->loop_thread_reads(), 0u) << "no loop lives on this thread yet";
  {
    Loop loop;
    ASSERT_TRUE(loop_thread::is_current());
    read_everything(*store);
    EXPECT_EQ(store->loop_thread_reads(), 3u);
    auto snap = store->snapshot();
    ASSERT_TRUE(snap);
    read_everything(**snap);
    EXPECT_EQ(store->loop_thread_reads(), 6u) << "snapshot reads on the loop count too";
    EXPECT_EQ((*snap)->loop_thread_reads(), 6u);
    // Another thread (a pool thread) reads without being counted.
    std::thread other([&] {
      auto off = store->snapshot();
      ASSERT_TRUE(off);
      read_everything(**off);
      read_everything(*store);
    });
    other.join();
    EXPECT_EQ(store->loop_thread_reads(), 6u);
  }
  EXPECT_FALSE(loop_thread::is_current()) << "the mark outlived the loop";
  read_everything(*store);
  EXPECT_EQ(store->loop_thread_reads(), 6u);
}

}  // namespace
}  // namespace sundial
