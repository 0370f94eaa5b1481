#include "tests/support/fake_provider.h"

#include <chrono>

namespace sundial::testing {

struct FakeProvider::State {
  mutable std::mutex mutex;
  std::function<FakeAnswer(const FakeRequest&)> decide = [](const FakeRequest&) { return FakeAnswer::kOk; };
  std::vector<FakeRequest> requests;
  std::map<std::string, int64_t> accepted;
  std::map<std::string, std::string> ids;  // key → email id
  size_t repeated = 0;
  std::vector<http::Responder> hung;  // answered never; dropped at shutdown
  bool stopping = false;
};

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string header_or_empty(const http::HttpRequest& r, const char* name) {
  const std::string* v = r.header(name);
  return v ? *v : std::string();
}

}  // namespace

FakeProvider::FakeProvider()
    : state_(std::make_shared<State>()),
      server_(
          [state = state_](Loop&) -> http::HttpHandler {
            return [state](http::HttpRequest req, http::Responder r) {
              if (req.method != "POST" || req.path != "/emails") {
                return r.send(http::HttpResponse::json(404, {{"statusCode", 404}, {"name", "not_found"}}));
              }
              FakeRequest seen;
              seen.idempotency_key = header_or_empty(req, "idempotency-key");
              seen.authorization = header_or_empty(req, "authorization");
              seen.user_agent = header_or_empty(req, "user-agent");
              seen.body = nlohmann::json::parse(req.body, nullptr, false);
              seen.at_ms = wall_ms();
              std::lock_guard lock(state->mutex);
              seen.answer = state->decide(seen);
              state->requests.push_back(seen);
              switch (seen.answer) {
                case FakeAnswer::kOk: {
                  auto [it, fresh] =
                      state->ids.emplace(seen.idempotency_key, "em_" + std::to_string(state->ids.size() + 1));
                  if (fresh) {
                    state->accepted[seen.idempotency_key] = seen.at_ms;
                  } else {
                    ++state->repeated;
                  }
                  return r.send(http::HttpResponse::json(200, {{"id", it->second}}));
                }
                case FakeAnswer::kTooManyRequests:
                  return r.send(http::HttpResponse::json(429, {{"statusCode", 429},
                                                               {"name", "rate_limit_exceeded"},
                                                               {"message", "Too many requests"}})
                                    .with_header("Retry-After", "1"));
                case FakeAnswer::kServerError:
                  return r.send(http::HttpResponse::json(
                      500, {{"statusCode", 500}, {"name", "internal_server_error"}}));
                case FakeAnswer::kUnprocessable:
                  return r.send(http::HttpResponse::json(422, {{"statusCode", 422},
                                                               {"name", "validation_error"},
                                                               {"message", "Invalid `to` field"}}));
                case FakeAnswer::kHang:
                  state->hung.push_back(std::move(r));
                  return;
              }
            };
          },
          // Requests held unanswered (kHang) get a 503 as the fake stops.
          [state = state_] {
            std::vector<http::Responder> hung;
            {
              std::lock_guard lock(state->mutex);
              hung.swap(state->hung);
            }
            for (auto& h : hung) h.send(http::HttpResponse::text(503, "stopping"));
          }) {}

FakeProvider::~FakeProvider() = default;

void FakeProvider::script(std::function<FakeAnswer(const FakeRequest&)> decide) {
  std::lock_guard lock(state_->mutex);
  state_->decide = std::move(decide);
}

std::vector<FakeRequest> FakeProvider::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

std::map<std::string, int64_t> FakeProvider::accepted() const {
  std::lock_guard lock(state_->mutex);
  return state_->accepted;
}

size_t FakeProvider::repeated_accepts() const {
  std::lock_guard lock(state_->mutex);
  return state_->repeated;
}

}  // namespace sundial::testing
