// LoadClient: sundial-bench's HTTP load generator. C keep-alive
// connections on loopback, driven by poll() on one thread; requests are
// queued per connection (pipelined) and answered in order. Each answer is
// reported with its latency measured from the request's *scheduled* time,
// so an open-loop run does not hide queueing (no coordinated omission).
//
// Threading: one thread. Ownership: owns its sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace sundial::bench {

int64_t now_us();  // steady clock

struct Answer {
  int status = 0;  // 0: the connection failed
  std::string body;
  int64_t latency_us = 0;
};

class LoadClient {
 public:
  LoadClient(int port, size_t connections);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  bool ok() const { return !failed_; }
  // Queues `request` (raw HTTP/1.1 bytes) on the least loaded connection
  // among connections [first, last) (all of them by default), so one client
  // can keep separate request streams on separate connections.
  void submit(std::string request, int64_t scheduled_us, std::function<void(Answer)> on_answer,
              size_t first = 0, size_t last = SIZE_MAX);
  // Requests sent and not yet answered.
  size_t in_flight() const { return in_flight_; }
  // Sends and receives for up to `timeout`, or until something arrives.
  // Microsecond precision (ppoll): an open loop waits for its next
  // scheduled request instead of spinning, so the client does not take a
  // core from the server it measures.
  void pump(std::chrono::microseconds timeout);

 private:
  struct Pending {
    int64_t scheduled_us;
    std::function<void(Answer)> on_answer;
  };
  struct Conn {
    int fd = -1;
    std::string out;
    std::string in;
    std::deque<Pending> waiting;
  };
  void read_answers(Conn& c);
  void fail(Conn& c);

  std::vector<Conn> conns_;
  size_t in_flight_ = 0;
  bool failed_ = false;
};

// Raw HTTP/1.1 requests for submit().
std::string json_request(const std::string& method, const std::string& path, const std::string& body);
std::string get_request(const std::string& path);
// "POST /api/v1/workflows/<type>/instances" with a JSON body.
std::string start_request(const std::string& type, const std::string& body);

}  // namespace sundial::bench
