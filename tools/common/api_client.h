// ApiClient: sundialctl's HTTP client for sundiald's admin API, over
// libcurl. request() returns the status and body (JSON for the API);
// stream() follows a Server-Sent Events response chunk by chunk. A server
// that cannot be reached is an `unavailable` error naming the URL.
//
// Threading: one thread at a time. Ownership: owns its curl handle.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"

#include "engine/base/text.h"  // url_encode

namespace sundial {

struct ApiResponse {
  long status = 0;
  std::string body;
};

class ApiClient {
 public:
  ApiClient(std::string base_url, std::optional<std::string> token);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  const std::string& base_url() const { return base_url_; }

  // `body`, when given, is sent as application/json. `headers` are
  // "Name: value" lines.
  Result<ApiResponse> request(const std::string& method, const std::string& path,
                              const std::optional<std::string>& body = std::nullopt,
                              const std::vector<std::string>& headers = {});
  // GETs `path` and hands each received chunk to `on_chunk` until it
  // returns false or the server ends the response. Returns the status.
  Result<long> stream(const std::string& path, const std::vector<std::string>& headers,
                      std::function<bool(std::string_view)> on_chunk);

 private:
  Error unreachable(int curl_code) const;

  std::string base_url_;
  std::optional<std::string> token_;
  void* curl_;
};

}  // namespace sundial
