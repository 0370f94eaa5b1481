// FaultyStore: a Store decorator for crash-safety tests. It forwards to a
// real store, but the write whose number is armed fails with io_error and
// applies nothing (LevelDB's FaultInjectionTestEnv, in miniature).
#pragma once

#include <atomic>
#include <memory>

#include "engine/storage/store.h"

namespace sundial::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  // The `n`-th write from now (1 = the next one) fails.
  void fail_write(int n) { fail_at_.store(writes_.load() + n); }
  int writes() const { return writes_.load(); }

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) override {
    return inner_->get(cf, key);
  }
  Result<void> scan(Cf cf, std::string_view begin, std::string_view end,
                    const ScanFn& fn) override {
    return inner_->scan(cf, begin, end, fn);
  }
  Result<std::optional<std::string>> last_key(Cf cf) override { return inner_->last_key(cf); }
  Result<void> write(std::span<const Batch* const> batches) override {
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
};

}  // namespace sundial::testing
