// FaultInjectionFs: a rocksdb::FileSystemWrapper for storage and crash tests
// (RocksDB's FaultInjectionTestFS, in miniature). It forwards to a real
// FileSystem and has four switches:
//   - fail_writes_with_no_space(true): new files, appends, flushes, renames
//     and syncs fail with IOStatus::NoSpace, as on a full disk;
//   - fail_syncs_with_io_error(true): Sync/Fsync/RangeSync fail with an
//     IOError, like EIO from fdatasync;
//   - power_cut(): the power fails now (below);
//   - power_cut_at_wal_sync(n, then): the power fails instead of the n-th
//     Sync/Fsync of a write-ahead log (*.log).
// reset() turns every switch off and brings the power back.
//
// The power-cut model: for every file written through it the FS tracks the
// bytes appended and the size at the file's last Sync/Fsync. At the cut
// every file is truncated to its last synced size (what a disk with a
// volatile write cache may keep; a file never synced becomes empty), and
// from then on every write, sync, create, rename, truncate and delete fails
// with an IOError and changes nothing, until reset(). A file closed after
// the cut (RocksDB trims preallocated space on close) is truncated again to
// its size at the cut. Reads keep working. The model covers file contents
// only: creations, renames and deletions are taken as durable when they
// return (RocksDB fsyncs its directory after them). RangeSync does not
// count as a sync. RocksDB's info LOG goes through the base FileSystem and
// is not tracked.
//
// Use: hand it to RocksDbOptions::file_system, or for a bare RocksDB set
// opts.env to the Env of rocksdb::NewCompositeEnv(fs) (keep both alive
// longer than the DB). After a power cut either _exit the process (a real
// power cut: nothing runs afterwards), or close the DB, then reopen the
// directory with any FileSystem (this one after reset()).
//
// Threading: thread-safe (RocksDB calls the files from its background
// threads); one mutex serializes the tracked writes, the switches and the
// cut, so a cut never lands inside an append. Ownership: shared (shared_ptr)
// with the store and with the files it opened.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <rocksdb/file_system.h>

namespace sundial::testing {

class FaultInjectionFs final : public rocksdb::FileSystemWrapper {
 public:
  struct CutReport {
    uint64_t files_truncated = 0;
    uint64_t dropped_bytes = 0;      // unsynced bytes removed, all files
    uint64_t dropped_wal_bytes = 0;  // of which in write-ahead logs (*.log)
  };

  explicit FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  ~FaultInjectionFs() override;

  static const char* kClassName() { return "FaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  void fail_writes_with_no_space(bool on);
  void fail_syncs_with_io_error(bool on);
  // The power fails now. Only the first call truncates; later ones (before
  // a reset()) report zeros.
  CutReport power_cut();
  // The same, and `then` runs with the FS still locked: no other thread can
  // see a failed write before it returns. A crash child _exits in it, so
  // that nothing (RocksDB aborts on some failed WAL writes) runs after the
  // cut, as with a real one.
  void power_cut_and(const std::function<void(const CutReport&)>& then);
  // The power fails during the n-th (1 = next) Sync/Fsync of a write-ahead
  // log: that sync does not happen, the cut does, and `then` runs on the
  // syncing thread as in power_cut_and().
  void power_cut_at_wal_sync(uint64_t n, std::function<void(const CutReport&)> then);
  // Every switch off, the power back on. Close the store first: what is on
  // disk is then what a real power cut would have left.
  void reset();
  // Operations failed by a switch or the cut so far (a test can wait for some).
  uint64_t injected_failures() const;

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
