// FaultyStore: a Store decorator for crash-safety tests. It forwards to a
// real store, but the write whose number is armed fails with io_error and
// applies nothing (LevelDB's FaultInjectionTestEnv, in miniature); point
// reads can be made to fail the same way. Writes
// can also be held (the writer thread blocks in write()) so a test can act
// while a commit is in flight, deterministically.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "engine/storage/store.h"

namespace sundial::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  // The `n`-th write from now (1 = the next one) fails.
  void fail_write(int n) { fail_at_.store(writes_.load() + n); }
  int writes() const { return writes_.load(); }
  // While held, writes wait (on the writer thread) until release_writes().
  void hold_writes() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release_writes() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }

  // The next `n` point reads fail with io_error.
  void fail_gets(int n) { failing_gets_.store(n); }

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override {
    if (failing_gets_.load() > 0) {
      failing_gets_.fetch_sub(1);
      return make_error(ErrorCode::kIoError, "injected read failure");
    }
    return inner_->get(cf, key);
  }
  // Never from memory: every point read goes through get(), where faults
  // are injected.
  Result<CachedRead> get_if_cached(Cf, std::string_view) override { return CachedRead{}; }
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end,
                    const ScanFn& fn) override {
    return inner_->scan(cf, begin, end, fn);
  }
  Result<std::optional<std::string>> last_key(Cf cf) override { return inner_->last_key(cf); }
  Result<void> write(std::span<const Batch* const> batches) override {
    {
      std::unique_lock lock(mutex_);
      released_.wait(lock, [&] { return !held_; });
    }
    int n = ++writes_;
    if (n == fail_at_.load()) {
      return make_error(ErrorCode::kIoError, "injected write failure #" + std::to_string(n));
    }
    return inner_->write(batches);
  }

 private:
  std::unique_ptr<Store> inner_;
  std::atomic<int> writes_{0};
  std::atomic<int> fail_at_{-1};
  std::atomic<int> failing_gets_{0};
  std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
};

}  // namespace sundial::testing
