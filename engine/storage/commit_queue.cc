#include "engine/storage/commit_queue.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/kill_point.h"

namespace sundial {

CommitQueue::CommitQueue(Store& store, Loop& loop) : store_(store), loop_(loop) {
  // The libuv callbacks are noexcept trampolines (docs/threading.md rule 7):
  // nothing may unwind through libuv; a throw there terminates at once.
  SUNDIAL_CHECK(uv_check_init(loop.raw(), end_of_turn_.get()) == 0);
  end_of_turn_.mark_initialized();
  end_of_turn_.get()->data = this;
  SUNDIAL_CHECK(uv_check_start(end_of_turn_.get(), [](uv_check_t* h) noexcept {
                  if (h->data != nullptr) static_cast<CommitQueue*>(h->data)->flush();
                }) == 0);
  uv_unref(end_of_turn_.base());

  SUNDIAL_CHECK(uv_prepare_init(loop.raw(), before_poll_.get()) == 0);
  before_poll_.mark_initialized();
  before_poll_.get()->data = this;
  SUNDIAL_CHECK(uv_prepare_start(before_poll_.get(), [](uv_prepare_t* h) noexcept {
                  if (h->data != nullptr) static_cast<CommitQueue*>(h->data)->flush();
                }) == 0);
  uv_unref(before_poll_.base());

  SUNDIAL_CHECK(uv_async_init(loop.raw(), completions_ready_.get(), [](uv_async_t* h) noexcept {
                  if (h->data != nullptr) static_cast<CommitQueue*>(h->data)->deliver_completions();
                }) == 0);
  completions_ready_.mark_initialized();
  completions_ready_.get()->data = this;
  uv_unref(completions_ready_.base());

  writer_ = std::thread([this] { writer_main(); });
}

CommitQueue::~CommitQueue() { shutdown(); }

void CommitQueue::submit(Batch&& batch, Done done) {
  SUNDIAL_DCHECK(loop_.is_loop_thread());
  SUNDIAL_CHECK(!shut_down_);
  ++in_flight_;
  update_ref();
  pending_.batches.push_back(std::move(batch));
  pending_.dones.push_back(std::move(done));
}

void CommitQueue::flush() {
  if (pending_.batches.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(pending_));
  }
  pending_ = Group{};
  wake_writer_.notify_one();
}

void CommitQueue::clear_failure() {
  SUNDIAL_DCHECK(loop_.is_loop_thread());
  SUNDIAL_CHECK(in_flight_ == 0);
  failed_.store(false, std::memory_order_release);
}

void CommitQueue::shutdown() {
  if (shut_down_) return;
  flush();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
  deliver_completions();
  shut_down_ = true;
  end_of_turn_.close();
  before_poll_.close();
  completions_ready_.close();
}

CommitQueue::Stats CommitQueue::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::optional<std::string> CommitQueue::storage_error() const {
  std::lock_guard lock(mutex_);
  return storage_error_;
}

void CommitQueue::writer_main() {
  for (;;) {
    std::vector<Group> groups;
    bool reopen_due = false;
    {
      std::unique_lock lock(mutex_);
      auto woken = [&] { return stopping_ || !queued_.empty(); };
      if (storage_error_) {
        reopen_due = !wake_writer_.wait_until(lock, next_reopen_, woken);
      } else {
        wake_writer_.wait(lock, woken);
      }
      if (!reopen_due && queued_.empty()) return;  // stopping and nothing left
      groups.swap(queued_);
    }
    if (reopen_due) {
      try_reopen();
    } else {
      write_groups(groups);
    }
  }
}

void CommitQueue::write_groups(std::vector<Group>& groups) {
  std::vector<const Batch*> batches;
  Completed completed;
  for (Group& g : groups) {
    for (const Batch& b : g.batches) batches.push_back(&b);
    for (Done& d : g.dones) completed.dones.push_back(std::move(d));
  }
  auto started = std::chrono::steady_clock::now();
  bool wrote = false;
  if (failed_.load(std::memory_order_acquire)) {
    completed.result = make_error(ErrorCode::kStorageUnavailable,
                                  "storage failed an earlier write; the engine is recovering");
  } else {
    SUNDIAL_KILL_POINT(kill_points::kCommitBeforeWrite);
    completed.result = store_.write(batches);
    if (completed.result) SUNDIAL_KILL_POINT(kill_points::kCommitAfterSync);
    wrote = true;
    if (!completed.result) failed_.store(true, std::memory_order_release);
  }
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
          .count();
  if (wrote && !completed.result) {
    {
      std::lock_guard lock(mutex_);
      storage_error_ = completed.result.error().message;
      reopen_backoff_ = kFirstReopenBackoff;
    }
    // The first reopen right away, before the failure is delivered: when it
    // works (a fault that cleared, or a store with nothing to reopen) the
    // owner's recovery finds the storage writable and goes on at once.
    try_reopen();
  }
  {
    std::lock_guard lock(mutex_);
    if (wrote && completed.result) storage_error_.reset();
    stats_.writes += 1;
    stats_.batches += batches.size();
    if (batches.size() > stats_.max_group) stats_.max_group = batches.size();
    stats_.write_micros += static_cast<uint64_t>(micros);
    stats_.group_sizes.add(batches.size());
    stats_.write_latency_micros.add(static_cast<uint64_t>(micros));
    completed_.push_back(std::move(completed));
  }
  uv_async_send(completions_ready_.get());
}

void CommitQueue::try_reopen() {
  Result<void> reopened = store_.reopen_after_failure();
  {
    std::lock_guard lock(mutex_);
    if (reopened) {
      storage_error_.reset();
      restored_ = true;
    } else {
      storage_error_ = reopened.error().message;
      next_reopen_ = std::chrono::steady_clock::now() + reopen_backoff_;
      reopen_backoff_ = std::min(reopen_backoff_ * 2, kMaxReopenBackoff);
    }
  }
  if (reopened) {
    uv_async_send(completions_ready_.get());
  } else {
    spdlog::warn("storage is still unwritable: {}; trying again", reopened.error().to_string());
  }
}

void CommitQueue::deliver_completions() {
  std::vector<Completed> ready;
  bool restored = false;
  {
    std::lock_guard lock(mutex_);
    ready.swap(completed_);
    std::swap(restored, restored_);
    // While the storage is down the owner waits for on_restored_: keep the
    // loop alive for it.
    awaiting_restore_ = storage_error_.has_value();
  }
  for (Completed& c : ready) {
    for (Done& done : c.dones) {
      SUNDIAL_CHECK(in_flight_ > 0);
      --in_flight_;
      update_ref();
      done(c.result);
    }
  }
  update_ref();
  if (restored) {
    spdlog::info("storage is writable again");
    if (on_restored_) on_restored_();
  }
}

void CommitQueue::update_ref() {
  if (shut_down_) return;
  if (in_flight_ > 0 || awaiting_restore_) {
    uv_ref(completions_ready_.base());
  } else {
    uv_unref(completions_ready_.base());
  }
}

}  // namespace sundial
