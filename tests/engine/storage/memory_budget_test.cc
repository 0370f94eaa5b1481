// What RocksDbStore holds in memory stays bounded however much is written
// (issue 11, timers-at-scale: server RSS ≤ 100 MB with 1M pending): all
// memtables together stay near memtable_budget_bytes, and they are charged
// to the block cache, so the two share one budget instead of adding up.
// Real RocksDB in a temp dir; memory_usage() reads RocksDB's own figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "engine/storage/rocksdb_store.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

// The budget starts flushes; it does not stall writes. Under
// AddressSanitizer the flush threads fall far behind the writer, so the
// peak during a burst measures the sanitizer, not the budget: the plain
// build checks it, every build checks that memtables settle under it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPeakIsMeaningful = false;
#else
constexpr bool kPeakIsMeaningful = true;
#endif

constexpr size_t kMiB = size_t{1} << 20;

// Writes `bytes` of 1 KiB values to the journal and timers column families
// (as a preload of many instances does), 64 values per synced write; keeps
// the most memtable bytes seen after a write in *peak.
void write_bytes(RocksDbStore& store, size_t bytes, size_t* key_counter, size_t* peak = nullptr) {
  std::string value(1024, 'x');
  for (size_t written = 0; written < bytes;) {
    Batch batch;
    for (int i = 0; i < 64; ++i, written += 2 * value.size()) {
      size_t k = (*key_counter)++;
      value[k % value.size()] = static_cast<char>('a' + k % 26);
      batch.put(Cf::kJournal, "j" + std::to_string(k), value);
      batch.put(Cf::kTimers, "t" + std::to_string(k), value);
    }
    const Batch* one[] = {&batch};
    ASSERT_TRUE(store.write(one));
    if (peak) *peak = std::max(*peak, store.memory_usage().memtable_bytes);
  }
}

// Polls until RocksDB's background flushes bring the memtables under
// `bound`. The write buffer manager decides to flush only when a write
// comes, so each poll writes one small key (as a live server would).
bool memtables_settle_under(RocksDbStore& store, size_t bound) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int nudge = 0; store.memory_usage().memtable_bytes > bound; ++nudge) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    Batch batch;
    batch.put(Cf::kMeta, "nudge" + std::to_string(nudge), "x");
    const Batch* one[] = {&batch};
    if (!store.write(one)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(StorageMemoryBudget, AllMemtablesTogetherStayNearTheBudget) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.path();
  options.write_buffer_bytes = 4 * kMiB;     // each column family alone may hold 4 MiB (×2 while flushing)
  options.memtable_budget_bytes = 2 * kMiB;  // but all of them together only 2 MiB
  options.block_cache_bytes = 8 * kMiB;
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();

  size_t keys = 0;
  size_t peak = 0;
  ASSERT_NO_FATAL_FAILURE(write_bytes(**store, 16 * kMiB, &keys, &peak));  // 8 times the budget
  // Without a shared budget each family fills its own 4 MiB write buffer:
  // 8 MiB of memtables here. With it, a flush starts at 7/8 of the budget;
  // writes are not stalled, so allow the memtables being flushed on top.
  if (kPeakIsMeaningful) {
    EXPECT_LT(peak, 6 * kMiB) << "memtables grew to " << peak << " bytes with a 2 MiB budget";
  }
  EXPECT_TRUE(memtables_settle_under(**store, options.memtable_budget_bytes))
      << "memtables still hold " << (*store)->memory_usage().memtable_bytes << " bytes";
}

TEST(StorageMemoryBudget, MemtablesAreChargedToTheBlockCache) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.path();
  options.write_buffer_bytes = 4 * kMiB;
  options.memtable_budget_bytes = 8 * kMiB;
  options.block_cache_bytes = 16 * kMiB;
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();

  size_t keys = 0;
  ASSERT_NO_FATAL_FAILURE(
      write_bytes(**store, kMiB, &keys));  // under every limit: nothing flushed, nothing read
  StorageMemory memory = (*store)->memory_usage();
  ASSERT_GT(memory.memtable_bytes, kMiB / 2);
  // Nothing was read, so what the cache holds is the memtables' charge.
  EXPECT_GE(memory.block_cache_bytes, memory.memtable_bytes)
      << "the block cache does not account for the memtables: they would add up instead of sharing one "
         "budget";
}

TEST(StorageMemoryBudget, TheBudgetHoldsAfterAReopen) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.path();
  options.write_buffer_bytes = 4 * kMiB;
  options.memtable_budget_bytes = 2 * kMiB;
  options.block_cache_bytes = 8 * kMiB;
  size_t keys = 0;
  {
    auto store = RocksDbStore::open(options);
    ASSERT_TRUE(store) << store.error().to_string();
    ASSERT_NO_FATAL_FAILURE(write_bytes(**store, 4 * kMiB, &keys));
  }
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();
  size_t peak = 0;
  ASSERT_NO_FATAL_FAILURE(write_bytes(**store, 8 * kMiB, &keys, &peak));
  if (kPeakIsMeaningful) {
    EXPECT_LT(peak, 6 * kMiB) << "memtables grew to " << peak << " bytes with a 2 MiB budget after a reopen";
  }
  EXPECT_TRUE(memtables_settle_under(**store, options.memtable_budget_bytes))
      << "memtables still hold " << (*store)->memory_usage().memtable_bytes << " bytes";
  auto last = (*store)->get(Cf::kJournal, "j0");
  ASSERT_TRUE(last && *last) << "a key written before the reopen is gone";
}

// heap_trimmer.h: free heap goes back to the OS after RocksDB flushes, at
// most once per interval.
TEST(StorageMemoryBudget, FlushesTrimTheHeapAtMostOncePerInterval) {
  testing::TempDir dir;
  RocksDbOptions options;
  options.path = dir.path();
  options.write_buffer_bytes = kMiB;
  options.memtable_budget_bytes = kMiB;
  options.heap_trim_interval = std::chrono::hours(1);
  auto store = RocksDbStore::open(options);
  ASSERT_TRUE(store) << store.error().to_string();
  size_t keys = 0;
  ASSERT_NO_FATAL_FAILURE(write_bytes(**store, 8 * kMiB, &keys));  // several flushes
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((*store)->heap_trims() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*store)->heap_trims(), 1u) << "one trim per hour, however many flushes";

  options.path = dir.sub("never");
  options.heap_trim_interval = std::chrono::milliseconds(-1);
  auto untrimmed = RocksDbStore::open(options);
  ASSERT_TRUE(untrimmed) << untrimmed.error().to_string();
  ASSERT_NO_FATAL_FAILURE(write_bytes(**untrimmed, 4 * kMiB, &keys));
  EXPECT_EQ((*untrimmed)->heap_trims(), 0u);
}

}  // namespace
}  // namespace sundial
