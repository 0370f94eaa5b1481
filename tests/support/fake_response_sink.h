// FakeResponseSink: records what handlers answer, for tests of the layers
// above server/http. make_responder() gives a Responder for one request;
// responses() holds what came back, by request; stream chunks are kept as
// one string per streamed request.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "server/http/responder.h"

namespace sundial::testing {

class FakeResponseSink final : public http::ResponseSink,
                               public std::enable_shared_from_this<FakeResponseSink> {
 public:
  class Stream final : public http::ResponseStream {
   public:
    bool write(std::string_view chunk) override {
      if (!open_) return false;
      data += chunk;
      return true;
    }
    bool is_open() const override { return open_; }
    void on_close(std::function<void()> fn) override { on_close_ = std::move(fn); }
    void close() override { peer_closed(); }
    // Simulates the client going away.
    void peer_closed() {
      if (!open_) return;
      open_ = false;
      if (on_close_) std::exchange(on_close_, nullptr)();  // breaks the handler ↔ stream cycle
    }
    std::string data;

   private:
    bool open_ = true;
    std::function<void()> on_close_;
  };

  http::Responder make_responder() { return http::Responder(weak_from_this(), next_++); }

  void send(uint64_t slot, http::HttpResponse response) override { responses[slot] = std::move(response); }
  std::shared_ptr<http::ResponseStream> start_stream(uint64_t slot, http::HttpResponse head) override {
    auto s = std::make_shared<Stream>();
    s->data = head.body;
    responses[slot] = std::move(head);
    streams[slot] = s;
    return s;
  }

  // The answer to the request made with the n-th responder (1-based).
  const http::HttpResponse* answer(uint64_t slot) const {
    auto it = responses.find(slot);
    return it == responses.end() ? nullptr : &it->second;
  }
  uint64_t last_slot() const { return next_ - 1; }

  std::map<uint64_t, http::HttpResponse> responses;
  std::map<uint64_t, std::shared_ptr<Stream>> streams;

 private:
  uint64_t next_ = 1;
};

}  // namespace sundial::testing
