// Backups as files (engine/storage/backup.h) on a real RocksDB: a
// checkpoint taken while writes go on holds every write made before it
// began; a restore copies it into an empty data directory that then opens
// with the same data; and each refusal names what is wrong and changes
// nothing (an existing or relative destination, a directory that is not a
// backup, a newer format, a data directory with data in it, an
// interrupted restore).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/storage/backup.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/support/temp_dir.h"

namespace sundial {
namespace {

namespace fs = std::filesystem;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override { store = open_store(dir.sub("data")); }

  static std::unique_ptr<RocksDbStore> open_store(const std::string& path) {
    RocksDbOptions options;
    options.path = path;
    auto opened = RocksDbStore::open(options);
    EXPECT_TRUE(opened) << opened.error().to_string();
    return opened ? std::move(*opened) : nullptr;
  }

  static void put(Store& s, const std::string& key) {
    Batch b;
    b.put(Cf::kInstances, key, "value of " + key);
    const Batch* one[] = {&b};
    ASSERT_TRUE(s.write(one));
  }

  static size_t count(Store& s) {
    size_t n = 0;
    EXPECT_TRUE(s.scan(Cf::kInstances, {}, {}, [&](std::string_view, std::string_view) {
      ++n;
      return true;
    }));
    return n;
  }

  testing::TempDir dir;
  std::unique_ptr<RocksDbStore> store;
};

TEST_F(BackupTest, ACheckpointTakenDuringWritesHoldsEveryWriteBeforeItAndRestores) {
  for (int i = 0; i < 500; ++i) put(*store, "before-" + std::to_string(10000 + i));
  std::atomic<bool> stop{false};
  std::atomic<int> written_during{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      Batch b;
      b.put(Cf::kInstances, "during-" + std::to_string(100000 + i), "v");
      const Batch* one[] = {&b};
      if (store->write(one)) written_during++;
    }
  });
  const std::string dest = dir.sub("backups") + "/b1";
  fs::create_directories(dir.sub("backups"));
  auto taken = store->checkpoint(dest, 1234);
  stop = true;
  writer.join();
  ASSERT_TRUE(taken) << taken.error().to_string();
  EXPECT_EQ(taken->path, dest);
  EXPECT_EQ(taken->created_at, 1234);
  EXPECT_EQ(taken->schema_version, kSchemaVersion);
  EXPECT_GT(taken->sequence, 500u);
  EXPECT_GT(taken->files, 2u);
  EXPECT_TRUE(fs::exists(dest + "/sundial-backup.json"));
  EXPECT_FALSE(fs::exists(dest + ".partial"));
  EXPECT_EQ(fs::status(dest).permissions() & fs::perms::all, fs::perms::owner_all);  // customers' data
  auto manifest = read_backup_manifest(dest);
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->sequence, taken->sequence);
  EXPECT_EQ(manifest->bytes, taken->bytes);

  const std::string restored_dir = dir.sub("restored");
  auto restored = restore_backup(dest, restored_dir, kSchemaVersion, {});
  ASSERT_TRUE(restored) << restored.error().to_string();
  EXPECT_FALSE(fs::exists(restored_dir + "/RESTORING"));
  EXPECT_FALSE(fs::exists(restored_dir + "/sundial-backup.json"));
  auto reopened = open_store(restored_dir);
  ASSERT_TRUE(reopened);
  for (int i = 0; i < 500; ++i) {
    auto v = reopened->get(Cf::kInstances, "before-" + std::to_string(10000 + i));
    ASSERT_TRUE(v && *v) << i;
    EXPECT_EQ(**v, "value of before-" + std::to_string(10000 + i));
  }
  // A prefix of the writes made while it was taken: the first `during` of them.
  size_t during = count(*reopened) - 500;
  EXPECT_LE(during, static_cast<size_t>(written_during.load()));
  for (size_t i = 0; i < during; ++i) {
    auto v = reopened->get(Cf::kInstances, "during-" + std::to_string(100000 + i));
    ASSERT_TRUE(v && *v) << "write " << i << " of the " << during << " restored is missing";
  }
  // The restored copy is a database of its own: the live one goes on.
  put(*reopened, "after-restore");
  EXPECT_FALSE(*store->get(Cf::kInstances, "after-restore"));
}

TEST_F(BackupTest, ADestinationThatExistsIsRelativeOrHasNoParentIsRefused) {
  fs::create_directories(dir.sub("taken"));
  auto exists = store->checkpoint(dir.sub("taken"), 1);
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.error().code, ErrorCode::kConflict);
  EXPECT_NE(exists.error().message.find("already exists"), std::string::npos) << exists.error().message;

  auto relative = store->checkpoint("backups/b1", 1);
  ASSERT_FALSE(relative);
  EXPECT_EQ(relative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(relative.error().message.find("absolute"), std::string::npos);

  auto upward = store->checkpoint(dir.sub("taken") + "/../b1", 1);
  ASSERT_FALSE(upward);
  EXPECT_NE(upward.error().message.find("must not go up"), std::string::npos) << upward.error().message;
  EXPECT_FALSE(store->checkpoint(dir.sub("b\n1"), 1));

  auto orphan = store->checkpoint(dir.sub("missing") + "/b1", 1);
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().message.find("is not a directory"), std::string::npos) << orphan.error().message;

  fs::create_directories(dir.sub("b2.partial"));
  auto interrupted = store->checkpoint(dir.sub("b2"), 1);
  ASSERT_FALSE(interrupted);
  EXPECT_EQ(interrupted.error().code, ErrorCode::kConflict);
  EXPECT_NE(interrupted.error().message.find("interrupted backup"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.sub("b2")));
}

TEST_F(BackupTest, ARestoreRefusesWhatIsNotABackupANewerFormatAndADataDirWithData) {
  put(*store, "x");
  const std::string dest = dir.sub("b");
  ASSERT_TRUE(store->checkpoint(dest, 1));

  auto not_backup = restore_backup(dir.sub("data"), dir.sub("r1"), kSchemaVersion, {});
  ASSERT_FALSE(not_backup);
  EXPECT_NE(not_backup.error().message.find("is not a Sundial backup"), std::string::npos)
      << not_backup.error().message;
  EXPECT_FALSE(fs::exists(dir.sub("r1") + "/CURRENT"));

  auto newer = restore_backup(dest, dir.sub("r2"), kSchemaVersion - 1, {});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer than this sundiald reads"), std::string::npos)
      << newer.error().message;

  // Only the names the caller ignores (the data-directory lock) may be there.
  fs::create_directories(dir.sub("r3"));
  std::ofstream(dir.sub("r3") + "/sundiald.pid") << "1\n";
  EXPECT_TRUE(restore_backup(dest, dir.sub("r3"), kSchemaVersion, {"sundiald.pid"}));
  auto full = restore_backup(dest, dir.sub("r3"), kSchemaVersion, {"sundiald.pid"});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::kConflict);
  EXPECT_NE(full.error().message.find("is not empty"), std::string::npos) << full.error().message;
}

TEST_F(BackupTest, ADataDirWithAnInterruptedRestoreIsRefusedAtOpen) {
  fs::create_directories(dir.sub("half"));
  std::ofstream(dir.sub("half") + "/RESTORING") << "restoring\n";
  RocksDbOptions options;
  options.path = dir.sub("half");
  auto opened = RocksDbStore::open(options);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("interrupted restore"), std::string::npos) << opened.error().message;
  EXPECT_FALSE(fs::exists(dir.sub("half") + "/CURRENT"));
}

}  // namespace
}  // namespace sundial
