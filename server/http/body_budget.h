// BodyBudget: the bytes of request bodies being received across all the
// connections of one HttpServer, against one bound. A parser takes from it
// as a body is announced (Content-Length) or arrives (chunked), and gives
// back when the request is complete or the connection goes; a body that
// does not fit is refused with 503 and Retry-After, so stalled uploads
// cannot hold unbounded memory.
//
// Threading: loop thread only. Ownership: shared by the server and its
// parsers (a closed connection may outlive the server by one loop turn).
#pragma once

#include <cstddef>

namespace sundial::http {

class BodyBudget {
 public:
  explicit BodyBudget(size_t limit) : limit_(limit) {}

  // Takes `n` bytes if they fit; false (and nothing taken) otherwise.
  bool take(size_t n) {
    if (n > limit_ - used_) return false;
    used_ += n;
    return true;
  }
  void give_back(size_t n) { used_ -= n < used_ ? n : used_; }
  size_t used() const { return used_; }
  size_t limit() const { return limit_; }

 private:
  size_t limit_;
  size_t used_ = 0;
};

}  // namespace sundial::http
