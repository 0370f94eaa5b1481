// ApiTest: the admin routes over a real engine (EngineHarness: temp
// RocksDB, ManualClock, the test workflows), called without sockets through
// a FakeResponseSink. call() routes a request and drains the engine.
#pragma once

#include <gtest/gtest.h>

#include "server/api/admin_api.h"
#include "server/api/auth.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"
#include "tests/support/fake_response_sink.h"

namespace sundial::testing {

// Starts an instance of test.wait.
inline const std::string kStart = "/api/v1/workflows/test.wait/instances";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
    api::add_admin_routes(router, api::AdminApi{*h.engine, h.loop, 60000});
  }
  void TearDown() override {
    for (auto& [slot, stream] : sink->streams) stream->peer_closed();
  }

  http::HttpRequest request(const std::string& method, const std::string& target,
                            const std::string& body = {},
                            const std::map<std::string, std::string>& headers = {}) {
    http::HttpRequest r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = *http::parse_form(target.substr(q + 1));
    for (const auto& [k, v] : headers) r.headers.emplace_back(k, v);
    if (!body.empty() && !headers.count("content-type"))
      r.headers.emplace_back("content-type", "application/json");
    r.body = body;
    r.peer_ip = "127.0.0.1";
    return r;
  }

  // Routes without draining: the answer may still be pending.
  uint64_t send(http::HttpRequest r) {
    router.route(std::move(r), sink->make_responder());
    return sink->last_slot();
  }

  http::HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                          const std::map<std::string, std::string>& headers = {}) {
    uint64_t slot = send(request(method, target, body, headers));
    h.drain();
    // Some answers come from the thread pool (stats): run the loop for them.
    for (int i = 0; i < 1000 && sink->answer(slot) == nullptr; ++i) h.loop.run_once();
    const http::HttpResponse* answer = sink->answer(slot);
    EXPECT_NE(answer, nullptr) << method << " " << target << " was not answered";
    return answer ? *answer : http::HttpResponse{};
  }

  static nlohmann::json json_of(const http::HttpResponse& r) { return nlohmann::json::parse(r.body); }
  static std::string code_of(const http::HttpResponse& r) { return json_of(r)["error"]["code"]; }

  EngineHarness h;
  StepLog log{h.clock};
  api::Router router;
  std::shared_ptr<FakeResponseSink> sink = std::make_shared<FakeResponseSink>();
};

}  // namespace sundial::testing
