#include "tools/common/api_client.h"

#include "engine/base/text.h"

#include <curl/curl.h>

namespace sundial {

namespace {

struct Sink {
  std::string* body = nullptr;
  std::function<bool(std::string_view)>* on_chunk = nullptr;
  bool stopped = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * n;
  if (sink->on_chunk != nullptr) {
    if (!(*sink->on_chunk)(std::string_view(data, bytes))) {
      sink->stopped = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return bytes;
  }
  sink->body->append(data, bytes);
  return bytes;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& h) { list = curl_slist_append(list, h.c_str()); }
};

}  // namespace

ApiClient::ApiClient(std::string base_url, std::optional<std::string> token)
    : base_url_(std::move(base_url)), token_(std::move(token)), curl_(curl_easy_init()) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

ApiClient::~ApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

namespace {

struct Exchange {
  CURLcode rc = CURLE_OK;
  long status = 0;
};

// One exchange on `c`; `timeout_ms` 0 = none (streams).
Exchange perform(CURL* c, const std::string& url, const std::optional<std::string>& token,
                 const std::string& method, const std::optional<std::string>& body,
                 const std::vector<std::string>& headers, Sink& sink, long timeout_ms) {
  curl_easy_reset(c);
  HeaderList list;
  if (token) list.add("Authorization: Bearer " + *token);
  for (const auto& h : headers) list.add(h);
  if (body) list.add("Content-Type: application/json");
  list.add("Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (body || method == "POST") {
    const std::string& data = body ? *body : std::string();
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, data.c_str());
  }
  Exchange out;
  out.rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

}  // namespace

Error ApiClient::unreachable(int curl_code) const {
  return Error{ErrorCode::kUnavailable, "cannot reach " + base_url_ + ": " +
                                            curl_easy_strerror(static_cast<CURLcode>(curl_code)) +
                                            " (is sundiald running? see --server)"};
}

Result<ApiResponse> ApiClient::request(const std::string& method, const std::string& path,
                                       const std::optional<std::string>& body,
                                       const std::vector<std::string>& headers) {
  ApiResponse out;
  Sink sink{&out.body, nullptr};
  Exchange x =
      perform(static_cast<CURL*>(curl_), base_url_ + path, token_, method, body, headers, sink, 60000L);
  if (x.rc != CURLE_OK) return std::unexpected(unreachable(x.rc));
  out.status = x.status;
  return out;
}

Result<long> ApiClient::stream(const std::string& path, const std::vector<std::string>& headers,
                               std::function<bool(std::string_view)> on_chunk) {
  Sink sink{nullptr, &on_chunk};
  Exchange x =
      perform(static_cast<CURL*>(curl_), base_url_ + path, token_, "GET", std::nullopt, headers, sink, 0L);
  if (x.rc != CURLE_OK && !sink.stopped && x.status == 0) return std::unexpected(unreachable(x.rc));
  return x.status;
}

}  // namespace sundial
