// FaultyStore: a Store decorator for crash-safety tests. It forwards to a
// real store, but the write whose number is armed fails with io_error and
// applies nothing (LevelDB's FaultInjectionTestEnv, in miniature); point
// reads can be made to fail the same way. Writes
// can also be held (the writer thread blocks in write()) so a test can act
// while a commit is in flight, deterministically. Its snapshots are
// faulty too: armed point-read failures hit reads through them as well.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

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
    if (auto failed = injected_get_failure()) return *failed;
    gets_[static_cast<size_t>(cf)]++;
    return inner_->get(cf, key);
  }
  // Point reads of `cf` so far (through get(), from any thread; not counting snapshots').
  uint64_t gets(Cf cf) const { return gets_[static_cast<size_t>(cf)].load(); }
  // Never from memory: every point read goes through get(), where faults
  // are injected.
  Result<CachedRead> get_if_cached(Cf, std::string_view) override { return CachedRead{}; }
  Result<std::unique_ptr<Store>> snapshot() override {
    auto inner = inner_->snapshot();
    if (!inner) return std::unexpected(inner.error());
    return std::unique_ptr<Store>(std::make_unique<View>(*this, std::move(*inner)));
  }
  uint64_t loop_thread_reads() const override { return inner_->loop_thread_reads(); }
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return inner_->scan(cf, begin, end, fn);
  }
  Result<void> scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return inner_->scan_reverse(cf, begin, end, fn);
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
  // A snapshot of the inner store whose point reads fail like the owner's.
  class View final : public Store {
   public:
    View(FaultyStore& owner, std::unique_ptr<Store> inner) : owner_(owner), inner_(std::move(inner)) {}
    Result<std::optional<std::string>> get(Cf cf, std::string_view key) override {
      if (auto failed = owner_.injected_get_failure()) return *failed;
      return inner_->get(cf, key);
    }
    Result<void> scan(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
      return inner_->scan(cf, begin, end, fn);
    }
    Result<void> scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) override {
      return inner_->scan_reverse(cf, begin, end, fn);
    }
    Result<std::optional<std::string>> last_key(Cf cf) override { return inner_->last_key(cf); }
    Result<void> write(std::span<const Batch* const> batches) override { return inner_->write(batches); }
    Result<std::unique_ptr<Store>> snapshot() override { return inner_->snapshot(); }
    uint64_t loop_thread_reads() const override { return inner_->loop_thread_reads(); }

   private:
    FaultyStore& owner_;
    std::unique_ptr<Store> inner_;
  };

  std::optional<std::unexpected<Error>> injected_get_failure() {
    for (int n = failing_gets_.load(); n > 0;) {
      if (failing_gets_.compare_exchange_weak(n, n - 1)) {
        return make_error(ErrorCode::kIoError, "injected read failure");
      }
    }
    return std::nullopt;
  }

  std::unique_ptr<Store> inner_;
  std::atomic<int> writes_{0};
  std::atomic<int> fail_at_{-1};
  std::atomic<int> failing_gets_{0};
  std::array<std::atomic<uint64_t>, kCfCount> gets_{};
  std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
};

}  // namespace sundial::testing
