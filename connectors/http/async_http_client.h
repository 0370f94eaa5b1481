// AsyncHttpClient: outbound HTTP on the loop through libcurl's multi
// socket API — libuv polls curl's sockets and runs its timers, so no
// request has a thread and nothing blocks the loop. Each call ends in one
// callback with a classified HttpCallResult.
//
// Threading: loop thread only. Ownership: owns the curl multi handle and
// the transfers; destroying the client abandons transfers in flight
// without calling their callbacks. Borrows the Loop and the Clock.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "connectors/http/http_call.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"

namespace sundial {

class AsyncHttpClient {
 public:
  using Done = std::move_only_function<void(HttpCallResult)>;

  AsyncHttpClient(Loop& loop, Clock& clock);
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  void send(HttpCall call, Done done);
  size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  struct SocketWatch;
  static int on_socket(void* easy, int fd, int what, void* client, void* watch);
  static int on_curl_timer(void* multi, long timeout_ms, void* client);
  void socket_action(int fd, int flags);
  void finish_done_transfers();

  Loop& loop_;
  Clock& clock_;
  void* multi_;
  UvTimer timer_;
  std::map<void*, std::unique_ptr<Transfer>> transfers_;
};

}  // namespace sundial
