// The event bus's admin routes without sockets (docs/events.md): publish
// with dedupe and its refusals, topic heads and pages of events, a topic
// stream replayed and then live (and filtered by type), stream tokens
// minted, and subscriptions made, shown and deleted.
#include <sstream>

#include "server/api/stream_token.h"
#include "tests/server/api/api_fixture.h"
#include "tests/server/api/sse_frames.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

class TopicRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
    api::AdminApi admin{*h.engine, h.loop, 60000};
    admin.stream_tokens = &tokens;
    api::add_admin_routes(router, admin);
  }

  http::HttpResponse publish(const std::string& topic, const json& event) {
    return call("POST", "/api/v1/topics/" + topic + "/events", event.dump());
  }

  api::StreamTokens tokens{api::StreamTokens::random_key()};
};

TEST_F(TopicRoutesTest, PublishIsAnsweredWithItsSequenceAndAnIdPublishesOnce) {
  auto first =
      publish("tasks", {{"type", "TaskPropertiesUpdated"}, {"data", {{"task", "t1"}}}, {"id", "d-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(json_of(first)["seq"], 1);
  EXPECT_EQ(json_of(first)["duplicate"], false);
  EXPECT_TRUE(json_of(first).contains("published_at"));
  auto again = publish("tasks", {{"type", "TaskPropertiesUpdated"}, {"id", "d-1"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again)["seq"], 1);
  EXPECT_EQ(json_of(again)["duplicate"], true);
}

TEST_F(TopicRoutesTest, RefusedPublishesSayWhyAndStoreNothing) {
  auto no_type = publish("tasks", {{"data", 1}});
  EXPECT_EQ(no_type.status, 400);
  EXPECT_NE(no_type.body.find("type"), std::string::npos);
  auto typo = publish("tasks", {{"type", "A"}, {"dat", 1}});
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(typo.body.find("dat"), std::string::npos);
  auto bad_topic = publish("no..t%20ok", {{"type", "A"}});
  EXPECT_EQ(bad_topic.status, 400);
  auto not_json = call("POST", "/api/v1/topics/tasks/events", "{", {});
  EXPECT_EQ(not_json.status, 400);
  auto text = call("POST", "/api/v1/topics/tasks/events", "x", {{"content-type", "text/plain"}});
  EXPECT_EQ(text.status, 415);
  auto heads = call("GET", "/api/v1/topics");
  EXPECT_EQ(json_of(heads)["topics"].size(), 0u);
  EXPECT_EQ(call("GET", "/api/v1/topics/tasks").status, 404);
}

TEST_F(TopicRoutesTest, HeadsAndPagesOfEvents) {
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(publish("tasks", {{"type", "A"}, {"data", {{"i", i}}}}).status, 201);
  auto head = call("GET", "/api/v1/topics/tasks");
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(json_of(head)["last_seq"], 5);
  EXPECT_EQ(json_of(head)["count"], 5);
  auto page = call("GET", "/api/v1/topics/tasks/events?after=2&limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  json events = json_of(page)["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["seq"], 3);
  EXPECT_EQ(events[1]["data"]["i"], 4);
  EXPECT_EQ(json_of(page)["last_seq"], 5);
  EXPECT_EQ(call("GET", "/api/v1/topics/tasks/events?limit=0").status, 400);
}

TEST_F(TopicRoutesTest, AStreamReplaysFromSinceThenGoesLiveAndFiltersByType) {
  ASSERT_EQ(publish("tasks", {{"type", "A"}}).status, 201);
  ASSERT_EQ(publish("tasks", {{"type", "B"}}).status, 201);
  uint64_t all = send(request("GET", "/api/v1/topics/tasks/stream?since=0"));
  uint64_t only_b = send(request("GET", "/api/v1/topics/tasks/stream?since=0&type=B"));
  uint64_t fresh = send(request("GET", "/api/v1/topics/tasks/stream"));
  h.drain();
  ASSERT_EQ(publish("tasks", {{"type", "B"}, {"data", {{"live", true}}}}).status, 201);
  ASSERT_EQ(publish("other", {{"type", "B"}}).status, 201);
  h.drain();

  auto frames = sse_frames_of(sink->streams.at(all)->data);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].id, 1u);
  EXPECT_EQ(frames[0].event, "A");
  EXPECT_EQ(frames[2].data["data"]["live"], true);
  EXPECT_EQ(frames[2].data["topic"], "tasks");
  auto b = sse_frames_of(sink->streams.at(only_b)->data);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].id, 2u);
  auto now = sse_frames_of(sink->streams.at(fresh)->data);
  ASSERT_EQ(now.size(), 1u) << "a fresh stream starts after what was published";
  EXPECT_EQ(now[0].id, 3u);
}

TEST_F(TopicRoutesTest, AStreamResumesAfterLastEventIdAndSaysResetForAnUnknownOne) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(publish("tasks", {{"type", "A"}}).status, 201);
  uint64_t resumed = send(request("GET", "/api/v1/topics/tasks/stream", "", {{"last-event-id", "2"}}));
  uint64_t beyond = send(request("GET", "/api/v1/topics/tasks/stream?since=99"));
  h.drain();
  auto frames = sse_frames_of(sink->streams.at(resumed)->data);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].id, 3u);
  auto reset = sse_frames_of(sink->streams.at(beyond)->data);
  ASSERT_FALSE(reset.empty());
  EXPECT_EQ(reset[0].event, "reset");
  EXPECT_EQ(call("GET", "/api/v1/topics/tasks/stream?since=x").status, 400);
}

TEST_F(TopicRoutesTest, StreamTokensAreMintedForTheirTopicsAndExpire) {
  auto minted = call("POST", "/api/v1/stream-tokens", R"({"topics": ["tasks"], "ttl": "30m"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string token = json_of(minted)["token"];
  EXPECT_EQ(json_of(minted)["expires_at"], h.clock.now_ms() + 30 * kMinuteMs);
  EXPECT_EQ(tokens.verify(token, "tasks", h.clock.now_ms()), api::TokenCheck::kOk);
  EXPECT_EQ(tokens.verify(token, "other", h.clock.now_ms()), api::TokenCheck::kWrongTopic);
  EXPECT_EQ(tokens.verify(token, "tasks", h.clock.now_ms() + kHourMs), api::TokenCheck::kExpired);
  auto fallback = call("POST", "/api/v1/stream-tokens", R"({"topics": ["tasks"]})");
  ASSERT_EQ(fallback.status, 201);
  EXPECT_EQ(json_of(fallback)["expires_at"], h.clock.now_ms() + kHourMs) << "an hour by default";
  EXPECT_EQ(call("POST", "/api/v1/stream-tokens", R"({"topics": []})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/stream-tokens", R"({"topics": ["a/b"]})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/stream-tokens", R"({"topics": ["a"], "ttl": "2d"})").status, 400);
}

TEST_F(TopicRoutesTest, SubscriptionsAreMadeShownAndDeleted) {
  const std::string spec =
      R"({"id": "recompute", "topic": "tasks", "filter": {"type": "Changed"},
          "action": {"start": {"type": "test.wait", "id": "wait-{key}"}}})";
  auto made = call("POST", "/api/v1/subscriptions", spec);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(json_of(made)["from"], "latest");
  EXPECT_EQ(json_of(made)["source"], "api");
  EXPECT_EQ(call("POST", "/api/v1/subscriptions", spec).status, 200);
  auto other = call("POST", "/api/v1/subscriptions",
                    R"({"id": "recompute", "topic": "x", "action": {"start": {"type": "test.wait"}}})");
  EXPECT_EQ(other.status, 409);
  auto bad = call("POST", "/api/v1/subscriptions", R"({"id": "s", "topic": "x", "action": {"start": {}}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("action.start.type"), std::string::npos) << bad.body;

  ASSERT_EQ(publish("tasks", {{"type", "Changed"}, {"key", "k1"}}).status, 201);
  h.drain();
  EXPECT_EQ(call("GET", "/api/v1/instances/wait-k1").status, 200);
  auto shown = call("GET", "/api/v1/subscriptions/recompute");
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(json_of(shown)["delivered"], 1);
  EXPECT_EQ(json_of(shown)["lag"], 0);
  EXPECT_EQ(json_of(call("GET", "/api/v1/subscriptions"))["subscriptions"].size(), 1u);
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/recompute").status, 204);
  EXPECT_EQ(call("GET", "/api/v1/subscriptions/recompute").status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/subscriptions/recompute").status, 404);
}

}  // namespace
}  // namespace sundial::testing
