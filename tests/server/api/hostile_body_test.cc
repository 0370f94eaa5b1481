// The admin API's JSON and byte checks on a real engine: bodies nested
// deeper than [server] max_json_depth, numbers out of range, path segments
// and idempotency keys that are not UTF-8. Each is 400 invalid_argument,
// stores nothing, and the next request works.
#include "tests/server/api/api_fixture.h"

namespace sundial::testing {
namespace {

std::string deep_array(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(ApiTest, ADeepStartInputIs400NamingTheLimitAndStoresNothing) {
  auto deep = call("POST", kStart, R"({"id":"deep","input":)" + deep_array(100000) + "}");
  ASSERT_EQ(deep.status, 400);
  EXPECT_EQ(code_of(deep), "invalid_argument");
  std::string message = json_of(deep)["error"]["message"];
  EXPECT_NE(message.find("limit of 64 levels"), std::string::npos) << message;
  EXPECT_NE(message.find("max_json_depth"), std::string::npos) << message;
  EXPECT_EQ(call("GET", "/api/v1/instances/deep").status, 404);
  // 64 levels, the body's own object included, pass.
  EXPECT_EQ(call("POST", kStart, R"({"id":"d63","input":)" + deep_array(63) + "}").status, 201);
  EXPECT_EQ(call("POST", kStart, R"({"id":"d64","input":)" + deep_array(64) + "}").status, 400);
}

TEST_F(ApiTest, ADeepSignalPayloadIs400AndTheInstanceGoesOn) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"g","input":{"timeout_ms":60000}})").status, 201);
  auto deep = call("POST", "/api/v1/instances/g/signals/go", deep_array(100000));
  ASSERT_EQ(deep.status, 400);
  EXPECT_EQ(code_of(deep), "invalid_argument");
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/g"))["status"], "waiting");
  EXPECT_EQ(call("POST", "/api/v1/instances/g/signals/go", deep_array(10)).status, 202);
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/g"))["status"], "completed");
}

TEST_F(ApiTest, NumbersOutOfRangeAre400Not500) {
  auto start = call("POST", kStart, R"({"id":"n","input":{"x":1e400}})");
  ASSERT_EQ(start.status, 400);
  EXPECT_EQ(code_of(start), "invalid_argument");
  EXPECT_NE(json_of(start)["error"]["message"].get<std::string>().find("out of range"), std::string::npos);
  ASSERT_EQ(call("POST", kStart, R"({"id":"n","input":{"timeout_ms":60000}})").status, 201);
  auto signal = call("POST", "/api/v1/instances/n/signals/go", "-1e400");
  EXPECT_EQ(signal.status, 400);
  EXPECT_EQ(code_of(signal), "invalid_argument");
  EXPECT_EQ(call("POST", "/api/v1/instances/n/cancel", R"({"reason":1e999})").status, 400);
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/n"))["status"], "waiting");
}

TEST_F(ApiTest, TheDepthLimitIsASetting) {
  api::Router shallow;
  api::AdminApi admin{*h.engine, h.loop, 60000};
  admin.json_limits.max_depth = 3;
  api::add_admin_routes(shallow, admin);
  auto send_to = [&](const std::string& body) {
    shallow.route(request("POST", kStart, body), sink->make_responder());
    uint64_t slot = sink->last_slot();
    h.drain();
    return sink->answer(slot) ? *sink->answer(slot) : http::HttpResponse{};
  };
  EXPECT_EQ(send_to(R"({"input":{"a":[1]}})").status, 201);
  auto deep = send_to(R"({"input":{"a":[[1]]}})");
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body.find("limit of 3 levels"), std::string::npos) << deep.body;
}

// Once: 500, and the next signal to the instance aborted the process.
TEST_F(ApiTest, ASignalNameThatIsNotUtf8Is400AndTheNextSignalWorks) {
  ASSERT_EQ(call("POST", kStart, R"({"id":"w","input":{"timeout_ms":60000}})").status, 201);
  auto bad = call("POST", "/api/v1/instances/w/signals/\xff");  // the path as decoded from %FF
  ASSERT_EQ(bad.status, 400);
  EXPECT_EQ(code_of(bad), "invalid_argument");
  EXPECT_NE(json_of(bad)["error"]["message"].get<std::string>().find("{name} is not valid UTF-8"),
            std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/instances/w\xfe/pause").status, 400);
  auto next = call("POST", "/api/v1/instances/w/signals/go");
  EXPECT_EQ(next.status, 202) << next.body;
  EXPECT_EQ(json_of(call("GET", "/api/v1/instances/w"))["status"], "completed");
}

// Once: 500, then a plain start of the same id answered created:false for
// an instance that was never stored.
TEST_F(ApiTest, AnIdempotencyKeyThatIsNotUtf8Is400AndLeavesNoGhost) {
  auto bad = call("POST", kStart, R"({"id":"ghost"})", {{"idempotency-key", "\xff\xfe"}});
  ASSERT_EQ(bad.status, 400);
  EXPECT_EQ(code_of(bad), "invalid_argument");
  EXPECT_EQ(call("GET", "/api/v1/instances/ghost").status, 404);
  auto plain = call("POST", kStart, R"({"id":"ghost"})");
  EXPECT_EQ(plain.status, 201);
  EXPECT_EQ(json_of(plain)["created"], true);
  EXPECT_EQ(call("GET", "/api/v1/instances/ghost").status, 200);
}

}  // namespace
}  // namespace sundial::testing
