// FakeProvider: a stand-in for Resend on a loopback port, for tests. It
// serves `POST /emails` on its own thread and loop (it reuses
// server/http), records every request with its Idempotency-Key, and
// answers what the test scripts: 200 with an email id (the same id again
// for a repeated key, as Resend does), 429 with Retry-After, 500, or
// hang (never answer, so the client times out). accepted() counts the
// distinct keys it answered 200 — what a real provider would have sent.
//
// Threading: the public methods are safe from the test thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/loopback_server.h"

namespace sundial::testing {

enum class FakeAnswer { kOk, kTooManyRequests, kServerError, kHang, kUnprocessable };

struct FakeRequest {
  std::string idempotency_key;
  std::string authorization;
  std::string user_agent;
  nlohmann::json body;
  int64_t at_ms = 0;  // wall clock when it arrived
  FakeAnswer answer = FakeAnswer::kOk;
};

class FakeProvider {
 public:
  FakeProvider();
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  int port() const { return server_.port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Decides each answer (default: always kOk). Called on the fake's thread.
  void script(std::function<FakeAnswer(const FakeRequest&)> decide);

  std::vector<FakeRequest> requests() const;
  // Keys answered 200 at least once, with the time of the first 200.
  std::map<std::string, int64_t> accepted() const;
  // Requests answered 200 for a key that was already accepted.
  size_t repeated_accepts() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  LoopbackServer server_;  // last: stopped before the state goes
};

}  // namespace sundial::testing
