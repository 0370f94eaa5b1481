// Workflow<T>: the coroutine type workflow code returns. Lazily started,
// awaitable from another Workflow (symmetric transfer), move-only; destroying
// it destroys the frame and every nested frame it owns.
//
// An exception that escapes workflow code is caught by the promise and
// rethrown to the awaiting parent; at the root the executor turns it into a
// failed instance with the exception's message. It never reaches the loop.
//
// Threading: created, resumed and destroyed on the loop thread only.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace sundial {

template <typename T>
class Workflow;

namespace detail {

struct WorkflowPromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr exception;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <typename T>
struct WorkflowPromise : WorkflowPromiseBase {
  std::optional<T> value;
  Workflow<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
};

template <>
struct WorkflowPromise<void> : WorkflowPromiseBase {
  Workflow<void> get_return_object() noexcept;
  void return_void() noexcept {}
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] Workflow {
 public:
  using promise_type = detail::WorkflowPromise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Workflow() = default;
  explicit Workflow(Handle h) : handle_(h) {}
  Workflow(Workflow&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Workflow& operator=(Workflow&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Workflow(const Workflow&) = delete;
  Workflow& operator=(const Workflow&) = delete;
  ~Workflow() { reset(); }

  bool valid() const { return static_cast<bool>(handle_); }
  bool done() const { return handle_ && handle_.done(); }
  Handle handle() const { return handle_; }
  std::exception_ptr exception() const { return handle_ ? handle_.promise().exception : nullptr; }

  // Awaiting a Workflow from another one runs it to completion first.
  bool await_ready() const noexcept { return !handle_ || handle_.done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() {
    if (handle_.promise().exception) std::rethrow_exception(handle_.promise().exception);
    if constexpr (!std::is_void_v<T>) return std::move(*handle_.promise().value);
  }

 private:
  void reset() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  Handle handle_;
};

namespace detail {
template <typename T>
Workflow<T> WorkflowPromise<T>::get_return_object() noexcept {
  return Workflow<T>(std::coroutine_handle<WorkflowPromise<T>>::from_promise(*this));
}
inline Workflow<void> WorkflowPromise<void>::get_return_object() noexcept {
  return Workflow<void>(std::coroutine_handle<WorkflowPromise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace sundial
