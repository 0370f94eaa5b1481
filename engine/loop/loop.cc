#include "engine/loop/loop.h"

#include <cstdio>
#include <cstdlib>

#include "engine/base/check.h"
#include "engine/base/loop_thread.h"

namespace sundial {

Loop::Loop() : owner_(std::this_thread::get_id()) {
  loop_thread::enter();
  SUNDIAL_CHECK(uv_loop_init(&loop_) == 0);
  SUNDIAL_CHECK(uv_async_init(&loop_, async_.get(), &Loop::on_async) == 0);
  async_.mark_initialized();
  async_.get()->data = this;
  uv_unref(async_.base());
}

Loop::~Loop() {
  // Functions still posted belong to owners that are gone; their owners
  // waited for what mattered (CommitQueue drains before it is destroyed).
  {
    // Under the lock: a post() that has queued its function finishes its
    // wake-up before the async handle goes.
    std::lock_guard lock(mutex_);
    posted_.clear();
    async_.close();
  }
  // Let close callbacks of every handle closed so far run.
  uv_run(&loop_, UV_RUN_NOWAIT);
  int rc = uv_loop_close(&loop_);
  if (rc != 0) {
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
          std::fprintf(stderr, "leaked libuv handle of type %s\n", uv_handle_type_name(h->type));
        },
        nullptr);
  }
  SUNDIAL_CHECK(rc == 0);
  if (is_loop_thread()) loop_thread::leave();
}

void Loop::run() { uv_run(&loop_, UV_RUN_DEFAULT); }
void Loop::run_once() { uv_run(&loop_, UV_RUN_ONCE); }
void Loop::run_nowait() { uv_run(&loop_, UV_RUN_NOWAIT); }
void Loop::stop() { uv_stop(&loop_); }

void Loop::post(std::move_only_function<void()> fn) {
  // The wake-up is sent under the lock: the loop cannot run `fn` (it takes
  // the lock to drain) until post() is done with the handle, so a poster
  // whose function ends the loop never touches a destroyed Loop
  // (ThreadSanitizer found this in a test that stops its server so).
  std::lock_guard lock(mutex_);
  posted_.push_back(std::move(fn));
  uv_async_send(async_.get());
}

void Loop::defer(std::move_only_function<void()> fn) {
  SUNDIAL_CHECK_LOOP_THREAD(*this);
  add_ref();
  post([this, fn = std::move(fn)]() mutable {
    release_ref();
    fn();
  });
}

void Loop::add_ref() {
  SUNDIAL_CHECK_LOOP_THREAD(*this);
  if (refs_++ == 0) uv_ref(async_.base());
}

void Loop::release_ref() {
  SUNDIAL_CHECK_LOOP_THREAD(*this);
  SUNDIAL_CHECK(refs_ > 0);
  if (--refs_ == 0) uv_unref(async_.base());
}

void Loop::off_loop_thread(const char* file, int line, const char* caller) {
  std::fprintf(stderr,
               "%s:%d: %s called off the loop thread; only the loop thread may use it "
               "(post to the loop instead, docs/threading.md)\n",
               file, line, caller);
  std::abort();
}

void Loop::on_async(uv_async_t* handle) noexcept {
  if (handle->data != nullptr) static_cast<Loop*>(handle->data)->drain_posted();
}

void Loop::drain_posted() {
  std::vector<std::move_only_function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace sundial
