#include "connectors/http/async_http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>

#include <spdlog/spdlog.h>

#include "connectors/http/outbound_policy.h"
#include "engine/base/check.h"
#include "engine/loop/uv_handle.h"

namespace sundial {

struct AsyncHttpClient::Transfer {
  HttpCall call;
  Done done;
  HttpCallResult result;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  std::string host;     // the URL's host, for the policy
  std::string refused;  // why the policy refused a connection
  bool too_large = false;
  size_t received = 0;  // body and header bytes
  std::string log_name() const {
    return call.log_name.empty() ? call.method + " " + call.url : call.log_name;
  }
  // Counts `n` more bytes of the answer; false once over the cap.
  bool take(size_t n) {
    received += n;
    if (call.max_response_bytes > 0 && received > call.max_response_bytes) too_large = true;
    return !too_large;
  }
  ~Transfer() { curl_slist_free_all(headers); }
};

// One libuv poll handle per socket curl asks us to watch.
struct AsyncHttpClient::SocketWatch {
  UvHandle<uv_poll_t> poll;
  int fd = -1;
  AsyncHttpClient* client = nullptr;
};

namespace {

using Transfer = AsyncHttpClient::Transfer;

size_t on_body(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  if (!t->take(size * n)) return 0;  // aborts the transfer: CURLE_WRITE_ERROR
  t->result.body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  if (!t->take(size * n)) return 0;
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.pop_back();
    t->result.headers[name] = value;
  }
  return size * n;
}

// CURLOPT_OPENSOCKETFUNCTION: checks the address against the call's
// OutboundPolicy before the socket exists.
curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* a) noexcept {
  auto* t = static_cast<Transfer*>(user);
  if (t->call.policy && purpose == CURLSOCKTYPE_IPCXN) {
    auto ip = IpAddress::from_sockaddr(&a->addr);
    if (!ip) {
      t->refused = "host '" + t->host + "' resolved to an address that is not IPv4 or IPv6";
      return CURL_SOCKET_BAD;
    }
    if (auto why = t->call.policy->check_connect(t->host, *ip)) {
      t->refused = *why;
      return CURL_SOCKET_BAD;
    }
  }
  return socket(a->family, a->socktype, a->protocol);
}

// The host of `url` when it is an http or https URL; why not otherwise.
Result<std::string> http_url_host(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return make_error(ErrorCode::kInternal, "curl_url failed");
  std::string host;
  std::string why;
  char* part = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    why = "not a valid URL";
  } else if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
             (std::string_view(part) != "http" && std::string_view(part) != "https")) {
    why = "only http and https URLs may be called";
  }
  curl_free(part);
  part = nullptr;
  if (why.empty()) {
    if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
      host = part;
    } else {
      why = "the URL has no host";
    }
    curl_free(part);
  }
  curl_url_cleanup(u);
  if (!why.empty()) return make_error(ErrorCode::kInvalidArgument, why);
  return host;
}

}  // namespace

AsyncHttpClient::AsyncHttpClient(Loop& loop, Clock& clock)
    : loop_(loop),
      clock_(clock),
      multi_(nullptr),
      timer_(loop, [this] { socket_action(CURL_SOCKET_TIMEOUT, 0); }) {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  multi_ = curl_multi_init();
  SUNDIAL_CHECK(multi_ != nullptr);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &AsyncHttpClient::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &AsyncHttpClient::on_curl_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  timer_.set_keeps_loop_alive(false);
}

AsyncHttpClient::~AsyncHttpClient() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(multi_, easy);  // closes its sockets: on_socket REMOVE frees the watches
    curl_easy_cleanup(easy);
  }
  transfers_.clear();
  curl_multi_cleanup(multi_);
}

HttpCallResult AsyncHttpClient::transport_error(std::string why) {
  HttpCallResult result;
  result.status = 0;
  result.error = std::move(why);
  result.outcome = classify(0, /*transport_error=*/true);
  return result;
}

bool AsyncHttpClient::take_fault(Fault fault) noexcept {
  if (fault_ != fault) return false;
  fault_ = Fault::kNone;
  return true;
}

void AsyncHttpClient::send(HttpCall call, Done done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  CURL* easy = curl_easy_init();
  SUNDIAL_CHECK(easy != nullptr);
  auto transfer = std::make_unique<Transfer>();
  transfer->call = std::move(call);
  transfer->done = std::move(done);
  for (const auto& h : transfer->call.headers)
    transfer->headers = curl_slist_append(transfer->headers, h.c_str());
  transfer->headers = curl_slist_append(transfer->headers, "Expect:");
  const HttpCall& c = transfer->call;
  curl_easy_setopt(easy, CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, c.method.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  if (!c.body.empty() || c.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, c.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(c.body.size()));
  }
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(c.timeout));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  if (c.policy) {
    // Checked before curl resolves (a URL curl cannot even parse, or a host
    // the policy names as refused) and again at each connect.
    auto host = http_url_host(c.url);
    std::optional<std::string> refused;
    if (!host) {
      refused = host.error().message;
    } else {
      transfer->host = *host;
      refused = c.policy->check_host(*host);
    }
    if (refused) {
      curl_easy_cleanup(easy);
      HttpCallResult result = transport_error(*refused);
      result.outcome = HttpOutcome::kPermanent;
      loop_.defer([done = std::move(transfer->done), result = std::move(result)]() mutable noexcept {
        done(std::move(result));
      });
      return;
    }
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // a proxy would be the address checked
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  }
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  // curl arms its timer; the work starts on the loop.
  CURLMcode rc = take_fault(Fault::kAddHandle) ? CURLM_OUT_OF_MEMORY : curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK) {
    // Never in flight: answer with an error (in a later turn, like every answer).
    curl_easy_cleanup(easy);
    std::string why = std::string("cannot start the call: curl_multi_add_handle: ") + curl_multi_strerror(rc);
    spdlog::error("outbound {}: {}", transfer->log_name(), why);
    loop_.defer([done = std::move(transfer->done),
                 result = transport_error(std::move(why))]() mutable noexcept { done(std::move(result)); });
    return;
  }
  transfers_.emplace(easy, std::move(transfer));
  timer_.set_keeps_loop_alive(true);  // a transfer in flight keeps the loop running
}

int AsyncHttpClient::on_socket(void* easy, int fd, int what, void* client_ptr, void* watch_ptr) noexcept {
  auto* client = static_cast<AsyncHttpClient*>(client_ptr);
  auto* watch = static_cast<SocketWatch*>(watch_ptr);
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      curl_multi_assign(client->multi_, fd, nullptr);
      delete watch;  // closes the poll handle
    }
    return 0;
  }
  if (!client->watch_socket(fd, what, watch)) {
    // Inside curl: it must not be called back from here. The transfer is
    // failed once curl returns (fail_unwatched), instead of never waking.
    client->unwatched_.emplace_back(easy, "cannot watch the connection's socket");
  }
  return 0;
}

bool AsyncHttpClient::watch_socket(int fd, int what, SocketWatch* watch) noexcept {
  if (watch == nullptr) {
    auto fresh = std::make_unique<SocketWatch>();
    fresh->fd = fd;
    fresh->client = this;
    int rc =
        take_fault(Fault::kWatchSocket) ? UV_ENOMEM : uv_poll_init_socket(loop_.raw(), fresh->poll.get(), fd);
    if (rc != 0) {
      spdlog::error("outbound call: uv_poll_init_socket({}) failed: {}", fd, uv_strerror(rc));
      return false;  // never initialized: `fresh` frees its handle directly
    }
    fresh->poll.mark_initialized();
    fresh->poll.get()->data = fresh.get();
    watch = fresh.release();
    curl_multi_assign(multi_, fd, watch);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  int rc = uv_poll_start(watch->poll.get(), events, &AsyncHttpClient::on_poll);
  if (rc != 0) {
    spdlog::error("outbound call: uv_poll_start({}) failed: {}", fd, uv_strerror(rc));
    return false;  // the watch stays assigned; curl's REMOVE frees it
  }
  return true;
}

void AsyncHttpClient::on_poll(uv_poll_t* handle, int status, int ready) noexcept {
  auto* w = static_cast<SocketWatch*>(handle->data);
  if (w == nullptr) return;
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (ready & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (ready & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  w->client->socket_action(w->fd, flags);
}

int AsyncHttpClient::on_curl_timer(void*, long timeout_ms, void* client_ptr) noexcept {
  auto* client = static_cast<AsyncHttpClient*>(client_ptr);
  if (timeout_ms < 0) {
    client->timer_.stop();
  } else {
    client->timer_.start(static_cast<uint64_t>(timeout_ms));
  }
  return 0;
}

void AsyncHttpClient::socket_action(int fd, int flags) noexcept {
  int running = 0;
  CURLMcode rc = curl_multi_socket_action(multi_, fd, flags, &running);
  if (rc != CURLM_OK && rc != CURLM_BAD_SOCKET) {
    // curl's state is unknown: fail every call rather than leave one waiting.
    std::string why = std::string("curl_multi_socket_action: ") + curl_multi_strerror(rc);
    spdlog::error("outbound calls: {}; failing the {} call(s) in flight", why, transfers_.size());
    std::vector<void*> all;
    for (const auto& [easy, transfer] : transfers_) all.push_back(easy);
    for (void* easy : all) fail_transfer(easy, why);
  } else if (rc == CURLM_BAD_SOCKET) {
    spdlog::warn("outbound calls: curl does not know socket {} any more", fd);
  }
  fail_unwatched();
  finish_done_transfers();
}

void AsyncHttpClient::fail_unwatched() noexcept {
  std::vector<std::pair<void*, std::string>> failed;
  failed.swap(unwatched_);
  for (auto& [easy, why] : failed) fail_transfer(easy, why);
}

void AsyncHttpClient::fail_transfer(void* easy, const std::string& why) noexcept {
  if (!transfers_.contains(easy)) return;  // already finished
  complete(easy, transport_error(why));
}

void AsyncHttpClient::finish_done_transfers() noexcept {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    Transfer& transfer = *it->second;
    HttpCallResult result = std::move(transfer.result);
    bool transport_error = code != CURLE_OK;
    if (!transport_error) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.status);
    if (transport_error) {
      result.status = 0;
      result.error = transfer.error[0] != '\0' ? transfer.error : curl_easy_strerror(code);
    }
    result.outcome = classify(result.status, transport_error);
    if (transfer.too_large) {
      result.status = 0;
      result.outcome = HttpOutcome::kPermanent;
      result.error =
          "the answer is larger than " + std::to_string(transfer.call.max_response_bytes) + " bytes";
    } else if (transport_error && !transfer.refused.empty()) {
      result.outcome = HttpOutcome::kPermanent;
      result.error = transfer.refused;
    }
    if (auto ra = result.headers.find("retry-after"); ra != result.headers.end()) {
      result.retry_after = parse_retry_after(ra->second, clock_.now_ms());
    }
    complete(easy, std::move(result));
  }
}

void AsyncHttpClient::complete(void* easy, HttpCallResult result) noexcept {
  auto it = transfers_.find(easy);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  transfers_.erase(it);
  curl_multi_remove_handle(multi_, easy);
  curl_easy_cleanup(easy);
  if (transfers_.empty()) timer_.set_keeps_loop_alive(false);  // idle connection upkeep only
  Done done = std::move(transfer->done);
  done(std::move(result));
}

}  // namespace sundial
