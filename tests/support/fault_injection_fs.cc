#include "tests/support/fault_injection_fs.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

namespace sundial::testing {

using rocksdb::FileOptions;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {

// One file written through the FS. `path` follows renames.
struct FileState {
  std::string path;
  uint64_t size = 0;    // bytes appended (the file's logical size)
  uint64_t synced = 0;  // size at the last Sync/Fsync
};

IOStatus power_is_cut() { return IOStatus::IOError("power cut (FaultInjectionFs)"); }

// What an operation does to the disk, for which switches fail it.
enum class Op {
  kWrite,  // adds bytes or files: fails on a full disk
  kSync,   // Sync/Fsync/RangeSync: fails on a full disk and on EIO
  kOther,  // deletes, truncates, directories: fails only after a power cut
};

}  // namespace

struct FaultInjectionFs::State {
  mutable std::mutex mu;
  bool cut = false;
  bool no_space = false;
  bool sync_error = false;
  uint64_t injected = 0;
  std::map<std::string, std::shared_ptr<FileState>> files;  // by current path
  uint64_t wal_syncs_left = 0;                              // 0: no cut armed
  std::function<void(const CutReport&)> on_cut;

  // REQUIRES: mu held.
  CutReport cut_locked() {
    CutReport report;
    if (cut) return report;
    cut = true;
    for (auto& [path, f] : files) {
      if (f->size <= f->synced) continue;
      // A failed truncate would keep bytes the model says are gone: fail loudly.
      if (::truncate(path.c_str(), static_cast<off_t>(f->synced)) != 0) std::abort();
      report.files_truncated++;
      report.dropped_bytes += f->size - f->synced;
      if (path.ends_with(".log")) report.dropped_wal_bytes += f->size - f->synced;
      f->size = f->synced;
    }
    return report;
  }

  // REQUIRES: mu held. The failure a switch or the cut injects into `op` now, or OK.
  IOStatus fault(Op op) {
    IOStatus s;
    if (cut) {
      s = power_is_cut();
    } else if (op != Op::kOther && no_space) {
      s = IOStatus::NoSpace("injected: no space left on device");
    } else if (op == Op::kSync && sync_error) {
      s = IOStatus::IOError("injected: fdatasync failed (EIO)");
    }
    if (!s.ok()) injected++;
    return s;
  }

  IOStatus locked_fault(Op op) {
    std::lock_guard lock(mu);
    return fault(op);
  }

  // REQUIRES: mu held by `lock`. The failure for a Sync/Fsync of `f`, or OK;
  // when it is the armed WAL sync, the cut happens instead and `on_cut`
  // runs with mu still held (see power_cut_and()).
  IOStatus sync_fault(const FileState& f, std::unique_lock<std::mutex>& lock) {
    if (IOStatus s = fault(Op::kSync); !s.ok()) return s;
    if (wal_syncs_left == 0 || !f.path.ends_with(".log") || --wal_syncs_left > 0) return IOStatus::OK();
    CutReport report = cut_locked();
    if (on_cut) on_cut(report);
    lock.unlock();
    return power_is_cut();
  }

  std::shared_ptr<FileState> track(const std::string& path, uint64_t size, uint64_t synced) {
    auto f = std::make_shared<FileState>(FileState{path, size, synced});
    files[path] = f;
    return f;
  }
};

namespace {

class TrackedFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<FSWritableFile> inner, std::shared_ptr<FaultInjectionFs::State> state,
              std::shared_ptr<FileState> file)
      : FSWritableFileOwnerWrapper(std::move(inner)), state_(std::move(state)), file_(std::move(file)) {}

  // The inner file's destructor would close it (and trim it) behind our
  // back: close it here, where a cut is honoured.
  ~TrackedFile() override {
    if (!closed_) Close(IOOptions(), nullptr).PermitUncheckedError();
  }

  IOStatus Append(const Slice& data, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
    IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) file_->size += data.size();
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& options, const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
    IOStatus s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) file_->size = std::max<uint64_t>(file_->size, offset + data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            const rocksdb::DataVerificationInfo&, IODebugContext* dbg) override {
    return PositionedAppend(data, offset, options, dbg);
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kOther); !fault.ok()) return fault;
    IOStatus s = target()->Truncate(size, options, dbg);
    if (s.ok()) {
      file_->size = size;
      file_->synced = std::min(file_->synced, size);
    }
    return s;
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
    return target()->Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    return sync([&] { return target()->Sync(options, dbg); });
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return sync([&] { return target()->Fsync(options, dbg); });
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kSync); !fault.ok()) return fault;
    return target()->RangeSync(offset, nbytes, options, dbg);  // not a sync of the file
  }
  IOStatus Allocate(uint64_t offset, uint64_t len, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
    return target()->Allocate(offset, len, options, dbg);
  }
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    closed_ = true;
    IOStatus s = target()->Close(options, dbg);
    if (state_->cut) {
      // Closing may have grown the file back to its logical size.
      if (::truncate(file_->path.c_str(), static_cast<off_t>(file_->synced)) != 0) {
        return IOStatus::IOError("FaultInjectionFs: cannot truncate " + file_->path);
      }
      return power_is_cut();
    }
    return s;
  }

 private:
  template <typename SyncFn>
  IOStatus sync(SyncFn sync_target) {
    std::unique_lock lock(state_->mu);
    if (auto fault = state_->sync_fault(*file_, lock); !fault.ok()) return fault;
    IOStatus s = sync_target();
    if (s.ok()) file_->synced = file_->size;
    return s;
  }

  std::shared_ptr<FaultInjectionFs::State> state_;
  std::shared_ptr<FileState> file_;
  bool closed_ = false;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> base)
    : FileSystemWrapper(std::move(base)), state_(std::make_shared<State>()) {}

FaultInjectionFs::~FaultInjectionFs() = default;

void FaultInjectionFs::fail_writes_with_no_space(bool on) {
  std::lock_guard lock(state_->mu);
  state_->no_space = on;
}

void FaultInjectionFs::fail_syncs_with_io_error(bool on) {
  std::lock_guard lock(state_->mu);
  state_->sync_error = on;
}

FaultInjectionFs::CutReport FaultInjectionFs::power_cut() {
  std::lock_guard lock(state_->mu);
  return state_->cut_locked();
}

void FaultInjectionFs::power_cut_and(const std::function<void(const CutReport&)>& then) {
  std::lock_guard lock(state_->mu);
  then(state_->cut_locked());
}

void FaultInjectionFs::power_cut_at_wal_sync(uint64_t n, std::function<void(const CutReport&)> then) {
  std::lock_guard lock(state_->mu);
  state_->wal_syncs_left = n;
  state_->on_cut = std::move(then);
}

void FaultInjectionFs::reset() {
  std::lock_guard lock(state_->mu);
  state_->cut = state_->no_space = state_->sync_error = false;
  state_->wal_syncs_left = 0;
  state_->on_cut = nullptr;
}

uint64_t FaultInjectionFs::injected_failures() const {
  std::lock_guard lock(state_->mu);
  return state_->injected;
}

IOStatus FaultInjectionFs::NewWritableFile(const std::string& fname, const FileOptions& options,
                                           std::unique_ptr<FSWritableFile>* result, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
  std::unique_ptr<FSWritableFile> inner;
  IOStatus s = target()->NewWritableFile(fname, options, &inner, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<TrackedFile>(std::move(inner), state_, state_->track(fname, 0, 0));
  return s;
}

IOStatus FaultInjectionFs::ReopenWritableFile(const std::string& fname, const FileOptions& options,
                                              std::unique_ptr<FSWritableFile>* result, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
  uint64_t existing = 0;
  IOStatus s = target()->GetFileSize(fname, IOOptions(), &existing, dbg);
  if (!s.ok() && !s.IsNotFound() && !s.IsPathNotFound()) return s;
  if (!s.ok()) existing = 0;
  std::unique_ptr<FSWritableFile> inner;
  s = target()->ReopenWritableFile(fname, options, &inner, dbg);
  if (!s.ok()) return s;
  // A file seen before keeps what its last sync covered; what was on disk
  // before this FS saw the file is taken as durable.
  auto known = state_->files.find(fname);
  uint64_t synced = known != state_->files.end() ? std::min(known->second->synced, existing) : existing;
  *result = std::make_unique<TrackedFile>(std::move(inner), state_, state_->track(fname, existing, synced));
  return s;
}

IOStatus FaultInjectionFs::ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                             const FileOptions& options,
                                             std::unique_ptr<FSWritableFile>* result, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
  std::unique_ptr<FSWritableFile> inner;
  IOStatus s = target()->ReuseWritableFile(fname, old_fname, options, &inner, dbg);
  if (!s.ok()) return s;
  state_->files.erase(old_fname);
  *result = std::make_unique<TrackedFile>(std::move(inner), state_, state_->track(fname, 0, 0));
  return s;
}

IOStatus FaultInjectionFs::NewRandomRWFile(const std::string& fname, const FileOptions& options,
                                           std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                           IODebugContext* dbg) {
  if (auto fault = state_->locked_fault(Op::kOther); !fault.ok()) return fault;
  return target()->NewRandomRWFile(fname, options, result, dbg);  // not tracked (external ingestion only)
}

IOStatus FaultInjectionFs::RenameFile(const std::string& src, const std::string& target_name,
                                      const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kWrite); !fault.ok()) return fault;
  IOStatus s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  state_->files.erase(target_name);
  if (auto it = state_->files.find(src); it != state_->files.end()) {
    it->second->path = target_name;
    state_->files[target_name] = it->second;
    state_->files.erase(it);
  }
  return s;
}

IOStatus FaultInjectionFs::LinkFile(const std::string& src, const std::string& target_name,
                                    const IOOptions& options, IODebugContext* dbg) {
  if (auto fault = state_->locked_fault(Op::kOther); !fault.ok()) return fault;
  return target()->LinkFile(src, target_name, options, dbg);
}

IOStatus FaultInjectionFs::DeleteFile(const std::string& fname, const IOOptions& options,
                                      IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kOther); !fault.ok()) return fault;
  IOStatus s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) state_->files.erase(fname);
  return s;
}

IOStatus FaultInjectionFs::Truncate(const std::string& fname, size_t size, const IOOptions& options,
                                    IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (auto fault = state_->fault(Op::kOther); !fault.ok()) return fault;
  IOStatus s = target()->Truncate(fname, size, options, dbg);
  if (auto it = state_->files.find(fname); s.ok() && it != state_->files.end()) {
    it->second->size = size;
    it->second->synced = std::min<uint64_t>(it->second->synced, size);
  }
  return s;
}

IOStatus FaultInjectionFs::CreateDir(const std::string& dirname, const IOOptions& options,
                                     IODebugContext* dbg) {
  if (auto fault = state_->locked_fault(Op::kOther); !fault.ok()) return fault;
  return target()->CreateDir(dirname, options, dbg);
}

IOStatus FaultInjectionFs::CreateDirIfMissing(const std::string& dirname, const IOOptions& options,
                                              IODebugContext* dbg) {
  if (auto fault = state_->locked_fault(Op::kOther); !fault.ok()) return fault;
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

IOStatus FaultInjectionFs::DeleteDir(const std::string& dirname, const IOOptions& options,
                                     IODebugContext* dbg) {
  if (auto fault = state_->locked_fault(Op::kOther); !fault.ok()) return fault;
  return target()->DeleteDir(dirname, options, dbg);
}

}  // namespace sundial::testing
