// PowerCutFs: a rocksdb::FileSystemWrapper that can simulate a power cut
// (RocksDB's FaultInjectionTestFS "drop unsynced data", in miniature).
//
// It tracks, for every file written through it, the bytes appended and the
// size at the file's last Sync/Fsync. cut() is the power failing: every
// file is truncated to its last synced size (what a disk with a volatile
// write cache may keep), and from then on every write, sync, create,
// rename, truncate and delete fails with an IOError and changes nothing.
// A file closed after the cut (RocksDB trims preallocated space on close)
// is truncated again to its size at the cut. Reads keep working.
//
// The model covers file contents only: creations, renames and deletions
// are taken as durable when they return (RocksDB fsyncs its directory after
// them). RangeSync does not count as a sync. RocksDB's info LOG goes
// through the base FileSystem and is not tracked.
//
// Use: opts.env = the Env of rocksdb::NewCompositeEnv(fs) (keep both alive
// longer than the DB); after cut(), either _exit the process (a real power
// cut: nothing runs afterwards) or close the DB, then reopen the directory
// with any FileSystem.
//
// Threading: thread-safe; one mutex serializes the tracked writes and the
// cut, so a cut never lands inside an append.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <rocksdb/file_system.h>

namespace sundial::testing {

class PowerCutFs final : public rocksdb::FileSystemWrapper {
 public:
  struct CutReport {
    uint64_t files_truncated = 0;
    uint64_t dropped_bytes = 0;      // unsynced bytes removed, all files
    uint64_t dropped_wal_bytes = 0;  // of which in write-ahead logs (*.log)
  };

  explicit PowerCutFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  ~PowerCutFs() override;

  static const char* kClassName() { return "PowerCutFs"; }
  const char* Name() const override { return kClassName(); }

  // The power fails now. Only the first call truncates; later ones report zeros.
  CutReport cut();
  // The same, and `then` runs with the FS still locked: no other thread can
  // see a failed write before it returns. A crash child _exits in it, so
  // that nothing (RocksDB aborts on some failed WAL writes) runs after the
  // cut, as with a real one.
  void cut_and(const std::function<void(const CutReport&)>& then);
  bool is_cut() const;
  // The power fails during the n-th (1 = next) Sync/Fsync of a write-ahead
  // log: that sync does not happen, the cut does, and `then` runs on the
  // syncing thread as in cut_and().
  void cut_at_wal_sync(uint64_t n, std::function<void(const CutReport&)> then);

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  struct State;  // shared with the open files

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sundial::testing
