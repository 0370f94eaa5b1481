// UvHandle<H>: owns one heap-allocated libuv handle and closes it correctly.
//
// libuv's rules (design.rst): a handle whose init succeeded must be closed
// with uv_close, and its memory may only be freed in the close callback.
// This is the only place in Sundial that calls uv_close.
//
// Threading: loop thread only. Ownership: owns the handle memory until the
// close callback frees it; the loop must run once more for that to happen.
#pragma once

#include <uv.h>

namespace sundial {

template <typename H>
class UvHandle {
 public:
  UvHandle() : handle_(new H{}) {}
  ~UvHandle() { close(); }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  H* get() const { return handle_; }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(handle_); }

  // Call once uv_*_init succeeded, so close() knows to go through uv_close.
  void mark_initialized() { initialized_ = true; }

  void close() {
    if (handle_ == nullptr) return;
    if (initialized_) {
      handle_->data = nullptr;
      uv_close(base(), [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
    } else {
      delete handle_;
    }
    handle_ = nullptr;
  }

 private:
  H* handle_;
  bool initialized_ = false;
};

}  // namespace sundial
