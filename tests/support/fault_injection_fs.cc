#include "tests/support/fault_injection_fs.h"

#include <filesystem>

namespace sundial::testing {
namespace {

// A writable file that asks its FileSystem whether to fail, and tells it how
// much was appended and synced.
class FaultyWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(FaultInjectionFs& fs, std::string fname, std::unique_ptr<rocksdb::FSWritableFile> target,
                     uint64_t size)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), fname_(std::move(fname)), size_(size) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (auto fault = fs_.write_fault(); !fault.ok()) return fault;
    auto s = target()->Append(data, options, dbg);
    if (s.ok()) fs_.appended(fname_, size_ += data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (auto fault = fs_.write_fault(); !fault.ok()) return fault;
    auto s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok() && offset + data.size() > size_) fs_.appended(fname_, size_ = offset + data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options, const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext* dbg) override {
    return PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (auto fault = fs_.write_fault(); !fault.ok()) return fault;
    return target()->Flush(options, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (auto fault = fs_.sync_fault(); !fault.ok()) return fault;
    auto s = target()->Sync(options, dbg);
    if (s.ok()) fs_.synced(fname_, size_);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (auto fault = fs_.sync_fault(); !fault.ok()) return fault;
    auto s = target()->Fsync(options, dbg);
    if (s.ok()) fs_.synced(fname_, size_);
    return s;
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    // Counts as no sync for the power-cut model (the final Sync does).
    if (auto fault = fs_.sync_fault(); !fault.ok()) return fault;
    return target()->RangeSync(offset, nbytes, options, dbg);
  }

 private:
  FaultInjectionFs& fs_;
  std::string fname_;
  uint64_t size_;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

rocksdb::IOStatus FaultInjectionFs::write_fault() {
  if (dead_.load()) {
    injected_++;
    return rocksdb::IOStatus::IOError("simulated power cut: the disk is gone");
  }
  if (no_space_.load()) {
    injected_++;
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }
  return rocksdb::IOStatus::OK();
}

rocksdb::IOStatus FaultInjectionFs::sync_fault() {
  if (auto fault = write_fault(); !fault.ok()) return fault;
  if (sync_error_.load()) {
    injected_++;
    return rocksdb::IOStatus::IOError("injected: fdatasync failed (EIO)");
  }
  return rocksdb::IOStatus::OK();
}

void FaultInjectionFs::appended(const std::string& fname, uint64_t size) {
  std::lock_guard lock(mutex_);
  files_[fname].size = size;
}

void FaultInjectionFs::synced(const std::string& fname, uint64_t size) {
  std::lock_guard lock(mutex_);
  files_[fname].synced = size;
}

rocksdb::IOStatus FaultInjectionFs::wrap(const std::string& fname, rocksdb::IOStatus s,
                                         std::unique_ptr<rocksdb::FSWritableFile>* result, uint64_t start_size) {
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mutex_);
    FileState& state = files_[fname];
    state.size = start_size;
    if (start_size == 0) state.synced = 0;
  }
  *result = std::make_unique<FaultyWritableFile>(*this, fname, std::move(*result), start_size);
  return s;
}

rocksdb::IOStatus FaultInjectionFs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                    rocksdb::IODebugContext* dbg) {
  if (auto fault = write_fault(); !fault.ok()) return fault;
  return wrap(fname, target()->NewWritableFile(fname, options, result, dbg), result, 0);
}

rocksdb::IOStatus FaultInjectionFs::ReopenWritableFile(const std::string& fname,
                                                       const rocksdb::FileOptions& options,
                                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                       rocksdb::IODebugContext* dbg) {
  if (auto fault = write_fault(); !fault.ok()) return fault;
  uint64_t size = 0;
  if (!target()->GetFileSize(fname, rocksdb::IOOptions(), &size, dbg).ok()) size = 0;
  auto s = target()->ReopenWritableFile(fname, options, result, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    if (!files_.contains(fname)) files_[fname].synced = size;  // on disk before we saw it
  }
  return wrap(fname, s, result, size);
}

rocksdb::IOStatus FaultInjectionFs::ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                                      const rocksdb::FileOptions& options,
                                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                      rocksdb::IODebugContext* dbg) {
  if (auto fault = write_fault(); !fault.ok()) return fault;
  {
    std::lock_guard lock(mutex_);
    files_.erase(old_fname);
  }
  return wrap(fname, target()->ReuseWritableFile(fname, old_fname, options, result, dbg), result, 0);
}

rocksdb::IOStatus FaultInjectionFs::RenameFile(const std::string& src, const std::string& dst,
                                               const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  if (auto fault = write_fault(); !fault.ok()) return fault;
  auto s = target()->RenameFile(src, dst, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    auto node = files_.extract(src);
    files_.erase(dst);
    if (!node.empty()) {
      node.key() = dst;
      files_.insert(std::move(node));
    }
  }
  return s;
}

rocksdb::IOStatus FaultInjectionFs::DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                                               rocksdb::IODebugContext* dbg) {
  if (dead_.load()) return write_fault();
  auto s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mutex_);
    files_.erase(fname);
  }
  return s;
}

void FaultInjectionFs::power_cut() {
  dead_.store(true);
  std::lock_guard lock(mutex_);
  for (auto& [fname, state] : files_) {
    std::error_code ec;
    if (state.synced < state.size && std::filesystem::exists(fname, ec)) {
      std::filesystem::resize_file(fname, state.synced, ec);
    }
    state.size = state.synced;
  }
}

void FaultInjectionFs::reset() {
  no_space_.store(false);
  sync_error_.store(false);
  dead_.store(false);
}

}  // namespace sundial::testing
