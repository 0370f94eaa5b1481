// AsyncHttpClient: outbound HTTP on the loop through libcurl's multi
// socket API — libuv polls curl's sockets and runs its timers, so no
// request has a thread and nothing blocks the loop. Each call ends in
// exactly one callback with a classified HttpCallResult: a call that cannot
// even start (curl refuses the handle) or whose socket cannot be watched
// ends with a transport error (retryable), never by waiting forever.
//
// Every libcurl and libuv callback here is a noexcept trampoline; `Done`
// is noexcept too, so nothing unwinds through C frames by construction.
//
// Threading: loop thread only (checked at each entry point). Ownership:
// owns the curl multi handle and the transfers; destroying the client
// abandons transfers in flight without calling their callbacks. Borrows the
// Loop and the Clock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/http/http_call.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"

namespace sundial {

class AsyncHttpClient {
 public:
  // Called on the loop from the client's noexcept libcurl/libuv callbacks:
  // a throw from it terminates the process rather than unwinding through C,
  // so a Done must not throw. (Not `noexcept` in the type: clang 16, which
  // builds the fuzzers, cannot instantiate libstdc++ 12's
  // move_only_function with a noexcept signature.)
  using Done = std::move_only_function<void(HttpCallResult)>;

  AsyncHttpClient(Loop& loop, Clock& clock);
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  // `done` runs on the loop, never inside send().
  void send(HttpCall call, Done done);
  size_t in_flight() const { return transfers_.size(); }

  // Test seam: the next call's step `fault` fails as if libcurl or libuv
  // had refused it, to exercise the error paths.
  enum class Fault { kNone, kAddHandle, kWatchSocket };
  void inject_fault_for_testing(Fault fault) { fault_ = fault; }

  // One call in flight (defined in the .cc, used by its curl callbacks).
  struct Transfer;

 private:
  struct SocketWatch;
  static int on_socket(void* easy, int fd, int what, void* client, void* watch) noexcept;
  static int on_curl_timer(void* multi, long timeout_ms, void* client) noexcept;
  static void on_poll(uv_poll_t* handle, int status, int ready) noexcept;
  // Starts (or restarts) watching `fd` for curl; false when libuv refuses.
  bool watch_socket(int fd, int what, SocketWatch* watch) noexcept;
  void socket_action(int fd, int flags) noexcept;
  void finish_done_transfers() noexcept;
  // Ends a transfer curl still holds with a transport error `why`.
  void fail_transfer(void* easy, const std::string& why) noexcept;
  // Fails the transfers whose sockets could not be watched (collected
  // inside curl's callbacks, where curl must not be called back).
  void fail_unwatched() noexcept;
  // Ends a transfer: removes it from curl and calls its Done.
  void complete(void* easy, HttpCallResult result) noexcept;
  static HttpCallResult transport_error(std::string why);
  bool take_fault(Fault fault) noexcept;

  Loop& loop_;
  Clock& clock_;
  void* multi_;
  UvTimer timer_;
  std::map<void*, std::unique_ptr<Transfer>> transfers_;
  std::vector<std::pair<void*, std::string>> unwatched_;  // easy handle, why
  Fault fault_ = Fault::kNone;
};

}  // namespace sundial
