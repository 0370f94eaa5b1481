// A small blocking HTTP/1.1 client for tests: raw bytes out, parsed
// responses in (status, headers, Content-Length body or body until close).
// Lets tests speak malformed HTTP, pipeline, and send byte by byte, which a
// real client library would not do.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sundial::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// The reply's body as JSON: null without a reply, discarded (is_discarded)
// when the body is not JSON.
inline nlohmann::json json_of(const std::optional<HttpReply>& reply) {
  if (!reply) return nullptr;
  return nlohmann::json::parse(reply->body, nullptr, false);
}

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; every read waits at most `timeout_ms`.
  explicit HttpConnection(int port, int timeout_ms = 10000);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends raw bytes; false if the peer closed.
  bool send_raw(const std::string& bytes);
  // Reads one response; nullopt on timeout or close before a full response.
  std::optional<HttpReply> read_reply();
  // Reads whatever arrives until `until` appears in the stream,
  // `occurrences` times, or `timeout_ms` has passed in all (keep-alive
  // comments do not extend it); for streamed bodies such as SSE. Returns
  // everything read so far.
  std::string read_until(const std::string& until, size_t occurrences = 1);
  // Whether the server closed the connection (reads EOF within the timeout).
  bool closed_by_peer();
  // Whether bytes (or EOF) are waiting to be read now, without waiting.
  bool readable_now() const;

  // A request with Content-Length, and its reply.
  std::optional<HttpReply> request(const std::string& method, const std::string& target,
                                   const std::string& body = {},
                                   const std::map<std::string, std::string>& headers = {});

 private:
  bool fill();  // reads more into buffer_; false on EOF/timeout/error

  int fd_ = -1;
  int timeout_ms_ = 0;
  std::string buffer_;
};

// Builds "METHOD target HTTP/1.1\r\nHost: test\r\n<headers>Content-Length..\r\n\r\nbody".
std::string http_request_bytes(const std::string& method, const std::string& target,
                               const std::string& body = {},
                               const std::map<std::string, std::string>& headers = {});

}  // namespace sundial::testing
