// FaultInjectionFs: a rocksdb::FileSystem for storage tests that forwards to
// the real one (RocksDB's own FaultInjectionTestFS, in miniature). Switches:
//   - fail_writes_with_no_space(true): appends and new files fail with
//     IOStatus::NoSpace, as on a full disk (defect 9);
//   - fail_syncs_with_io_error(true): Sync/Fsync of files fail with an
//     IOError, like EIO from fdatasync (defect 10);
//   - power_cut(): a simulated power cut. Every file written through this
//     FileSystem is cut back to what its last successful sync covered (a
//     file never synced becomes empty), and from then on every write, sync
//     and new file fails, until reset(). Close the store, reset(), reopen:
//     what is on disk then is what survives a real power cut.
// reset() turns every switch off. Reads always work.
//
// Hand it to RocksDbOptions::file_system. Threading: every method is
// thread-safe (RocksDB calls the files from its background threads).
// Ownership: shared with the store (shared_ptr); it wraps the default
// FileSystem.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/file_system.h>

namespace sundial::testing {

class FaultInjectionFs final : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectionFs();
  static std::shared_ptr<FaultInjectionFs> make() { return std::make_shared<FaultInjectionFs>(); }

  void fail_writes_with_no_space(bool on) { no_space_.store(on); }
  void fail_syncs_with_io_error(bool on) { sync_error_.store(on); }
  void power_cut();
  void reset();
  // Writes and syncs that failed because of a switch (a test can wait for one).
  uint64_t injected_failures() const { return injected_.load(); }

  const char* Name() const override { return "SundialFaultInjectionFs"; }

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
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  // ---- For the wrapped files (fault_injection_fs.cc) ----
  // The error to inject for an append or a sync now, if any.
  rocksdb::IOStatus write_fault();
  rocksdb::IOStatus sync_fault();
  void appended(const std::string& fname, uint64_t size);
  void synced(const std::string& fname, uint64_t size);

 private:
  struct FileState {
    uint64_t size = 0;    // bytes appended
    uint64_t synced = 0;  // bytes covered by the last successful sync
  };
  rocksdb::IOStatus wrap(const std::string& fname, rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* result, uint64_t start_size);

  std::atomic<bool> no_space_{false};
  std::atomic<bool> sync_error_{false};
  std::atomic<bool> dead_{false};
  std::atomic<uint64_t> injected_{0};
  std::mutex mutex_;
  std::map<std::string, FileState> files_;  // guarded by mutex_
};

}  // namespace sundial::testing
