#include "tools/bench/load_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>

namespace sundial::bench {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string json_request(const std::string& method, const std::string& path, const std::string& body) {
  return method + " " + path +
         " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string get_request(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n";
}

std::string start_request(const std::string& type, const std::string& body) {
  return json_request("POST", "/api/v1/workflows/" + type + "/instances", body);
}

LoadClient::LoadClient(int port, size_t connections) : conns_(connections) {
  for (auto& c : conns_) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      failed_ = true;
      continue;
    }
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
  }
}

LoadClient::~LoadClient() {
  for (auto& c : conns_) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

void LoadClient::submit(std::string request, int64_t scheduled_us, std::function<void(Answer)> on_answer,
                        size_t first, size_t last) {
  last = std::min(last, conns_.size());
  first = std::min(first, last);
  if (first == last) return on_answer(Answer{0, {}, 0});
  auto end = conns_.begin() + static_cast<std::ptrdiff_t>(last);
  auto best = std::min_element(conns_.begin() + static_cast<std::ptrdiff_t>(first), end,
                               [](const Conn& a, const Conn& b) {
                                 if ((a.fd < 0) != (b.fd < 0)) return a.fd >= 0;
                                 return a.waiting.size() < b.waiting.size();
                               });
  if (best->fd < 0) return on_answer(Answer{0, {}, 0});
  best->out += request;
  best->waiting.push_back(Pending{scheduled_us, std::move(on_answer)});
  ++in_flight_;
}

void LoadClient::fail(Conn& c) {
  ::close(c.fd);
  c.fd = -1;
  failed_ = true;
  while (!c.waiting.empty()) {
    auto p = std::move(c.waiting.front());
    c.waiting.pop_front();
    --in_flight_;
    p.on_answer(Answer{0, {}, now_us() - p.scheduled_us});
  }
}

void LoadClient::read_answers(Conn& c) {
  for (;;) {
    size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos || c.waiting.empty()) return;
    int status = std::atoi(c.in.c_str() + 9);
    size_t length = 0;
    size_t pos = c.in.find("Content-Length: ");
    if (pos != std::string::npos && pos < head_end)
      length = std::strtoul(c.in.c_str() + pos + 16, nullptr, 10);
    if (c.in.size() < head_end + 4 + length) return;
    std::string body = c.in.substr(head_end + 4, length);
    c.in.erase(0, head_end + 4 + length);
    auto p = std::move(c.waiting.front());
    c.waiting.pop_front();
    --in_flight_;
    p.on_answer(Answer{status, std::move(body), now_us() - p.scheduled_us});
  }
}

void LoadClient::pump(std::chrono::microseconds timeout) {
  std::vector<pollfd> fds;
  std::vector<Conn*> owners;
  for (auto& c : conns_) {
    if (c.fd < 0 || (c.out.empty() && c.waiting.empty())) continue;
    fds.push_back(pollfd{c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    owners.push_back(&c);
  }
  int64_t us = std::max<int64_t>(0, timeout.count());
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>((us % 1'000'000) * 1000)};
  if (fds.empty()) {
    if (us > 0) ::ppoll(nullptr, 0, &ts, nullptr);
    return;
  }
  if (::ppoll(fds.data(), fds.size(), &ts, nullptr) <= 0) return;
  char buf[65536];
  for (size_t i = 0; i < fds.size(); ++i) {
    Conn& c = *owners[i];
    if (fds[i].revents & POLLOUT) {
      ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) c.out.erase(0, static_cast<size_t>(n));
      if (n < 0 && errno != EAGAIN) {
        fail(c);
        continue;
      }
    }
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n;
      while ((n = ::recv(c.fd, buf, sizeof buf, 0)) > 0) c.in.append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        read_answers(c);
        fail(c);
        continue;
      }
      read_answers(c);
    }
  }
}

}  // namespace sundial::bench
