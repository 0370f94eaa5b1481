// TopicService (engine/topics/topic_service.h) on a real engine and
// RocksDB: a publish is answered once durable, in sequence order, and is
// there after a reopen; an id publishes once, even when two publishes of
// it arrive together; watchers see committed events of their topic in
// order; retention trims by count, size and age, dropping the ids of what
// it deletes; a refused publish stores nothing.
#include "engine/topics/topic_service.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/support/engine_harness.h"

namespace sundial {
namespace topic_service_test {

using nlohmann::json;
using testing::EngineHarness;

PublishRequest event(std::string type, json data = json::object(), std::string id = "",
                     std::string topic = "tasks") {
  PublishRequest r;
  r.topic = std::move(topic);
  r.type = std::move(type);
  r.data = std::move(data);
  r.id = std::move(id);
  return r;
}

class TopicServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { h.open(); }

  TopicService& topics() { return h.engine->topics(); }

  Result<PublishResult> publish(PublishRequest r) {
    std::optional<Result<PublishResult>> out;
    topics().publish(std::move(r), [&](Result<PublishResult> p) { out = std::move(p); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }

  Result<TopicBacklog> backlog(const std::string& topic, uint64_t after, size_t limit = 100) {
    return h.query<TopicBacklog>([&](auto done) {
      h.engine->read<TopicBacklog>(
          [topic, after, limit](Store& snapshot) {
            return read_topic_backlog(snapshot, topic, after, limit);
          },
          std::move(done));
    });
  }

  void trim() {
    bool done = false;
    topics().trim_now([&] { done = true; });
    h.drain();
    ASSERT_TRUE(done);
  }

  EngineHarness h;
};

TEST_F(TopicServiceTest, PublishesAreNumberedInOrderAndSurviveAReopen) {
  h.clock.set(1'000);
  auto a = publish(event("TaskPropertiesUpdated", {{"task", "t1"}}));
  ASSERT_TRUE(a) << a.error().to_string();
  auto b = publish(event("TaskPropertiesUpdated", {{"task", "t2"}}));
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(a->seq, 1u);
  EXPECT_EQ(b->seq, 2u);
  EXPECT_FALSE(a->duplicate);
  EXPECT_EQ(a->published_at, 1'000);

  h.reopen();
  auto head = topics().head("tasks");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->first_seq, 1u);
  EXPECT_EQ(head->last_seq, 2u);
  EXPECT_EQ(head->count, 2u);
  auto c = publish(event("TaskPropertiesUpdated"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->seq, 3u) << "numbering goes on after a restart";

  auto read = backlog("tasks", 0);
  ASSERT_TRUE(read) << read.error().to_string();
  ASSERT_EQ(read->events.size(), 3u);
  EXPECT_EQ(read->events[0].data["task"], "t1");
  EXPECT_EQ(read->events[1].data["task"], "t2");
  EXPECT_EQ(read->first_seq, 1u);
  EXPECT_EQ(topics().stats().published, 1u) << "counted since this start";
}

TEST_F(TopicServiceTest, TopicsAreNumberedApart) {
  ASSERT_TRUE(publish(event("a", {}, "", "one")));
  ASSERT_TRUE(publish(event("a", {}, "", "one")));
  auto other = publish(event("a", {}, "", "two"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->seq, 1u);
  EXPECT_EQ(topics().last_seq("one"), 2u);
  EXPECT_EQ(topics().heads().size(), 2u);
}

TEST_F(TopicServiceTest, AnIdPublishesOnceAcrossRepeatsAndRestarts) {
  auto first = publish(event("Booked", {{"n", 1}}, "delivery-7"));
  ASSERT_TRUE(first);
  auto again = publish(event("Booked", {{"n", 2}}, "delivery-7"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  h.reopen();
  auto after_restart = publish(event("Booked", {{"n", 3}}, "delivery-7"));
  ASSERT_TRUE(after_restart);
  EXPECT_TRUE(after_restart->duplicate);
  EXPECT_EQ(topics().last_seq("tasks"), 1u);
  auto read = backlog("tasks", 0);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->events.size(), 1u);
  EXPECT_EQ(read->events[0].data["n"], 1) << "the first event is kept, repeats change nothing";
}

TEST_F(TopicServiceTest, TwoPublishesOfOneIdSubmittedTogetherMakeOneEvent) {
  std::vector<PublishResult> answers;
  for (int i = 0; i < 3; ++i) {
    topics().publish(event("Booked", {{"n", i}}, "same"), [&](Result<PublishResult> r) {
      ASSERT_TRUE(r) << r.error().to_string();
      answers.push_back(*r);
    });
  }
  h.drain();
  ASSERT_EQ(answers.size(), 3u);
  int fresh = 0;
  for (const auto& a : answers) {
    EXPECT_EQ(a.seq, 1u);
    fresh += a.duplicate ? 0 : 1;
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(topics().last_seq("tasks"), 1u);
}

TEST_F(TopicServiceTest, WatchersSeeCommittedEventsOfTheirTopicInOrder) {
  std::vector<uint64_t> tasks_seen;
  std::vector<std::string> all_seen;
  uint64_t w1 = topics().watch("tasks", [&](const TopicEvent& e) { tasks_seen.push_back(e.seq); });
  topics().watch("", [&](const TopicEvent& e) { all_seen.push_back(e.topic); });
  for (int i = 0; i < 3; ++i) topics().publish(event("x"), [](Result<PublishResult>) {});
  topics().publish(event("x", {}, "", "other"), [](Result<PublishResult>) {});
  EXPECT_TRUE(tasks_seen.empty()) << "nothing before the commit";
  h.drain();
  EXPECT_EQ(tasks_seen, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(all_seen.size(), 4u);
  topics().unwatch(w1);
  ASSERT_TRUE(publish(event("x")));
  EXPECT_EQ(tasks_seen.size(), 3u);
  EXPECT_EQ(topics().last_published_seq("tasks"), 4u);
}

TEST_F(TopicServiceTest, ARefusedPublishStoresNothing) {
  auto bad_topic = publish(event("x", {}, "", "../etc"));
  ASSERT_FALSE(bad_topic);
  EXPECT_EQ(bad_topic.error().code, ErrorCode::kInvalidArgument);
  auto no_type = publish(event(""));
  ASSERT_FALSE(no_type);
  auto control = publish(event("bad\ntype"));
  ASSERT_FALSE(control);
  auto big = publish(event("x", {{"blob", std::string(70 * 1024, 'a')}}));
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("at most 65536"), std::string::npos) << big.error().message;
  auto bad_utf8 = publish(event("x", {{"s", std::string("\xff\xfe")}}));
  ASSERT_FALSE(bad_utf8);
  EXPECT_TRUE(topics().heads().empty());
}

TEST_F(TopicServiceTest, ParsesTheApiFormAndRefusesUnknownFields) {
  auto ok = parse_publish_request(json{{"type", "A"}, {"data", {{"x", 1}}}, {"key", "k"}, {"id", "i"}}, "t");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->key, "k");
  auto typo = parse_publish_request(json{{"type", "A"}, {"dta", 1}}, "t");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("dta"), std::string::npos);
  EXPECT_FALSE(parse_publish_request(json{{"type", 5}}, "t"));
  EXPECT_FALSE(parse_publish_request(json::array(), "t"));
}

class TopicRetentionTest : public TopicServiceTest {
 protected:
  void SetUp() override {
    h.options.topics.retention.max_events = 10;
    h.options.topics.per_topic["big"] = TopicRetentionOverride{1000, 2000, 0};
    h.options.topics.age_check_interval = 0;
    h.open();
  }
};

TEST_F(TopicRetentionTest, KeepsTheNewestEventsAndForgetsTheIdsOfThoseItDeletes) {
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE(publish(event("x", {{"i", i}}, "id-" + std::to_string(i))));
  }
  trim();
  auto head = topics().head("tasks");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->count, 10u);
  EXPECT_EQ(head->first_seq, 21u);
  EXPECT_EQ(head->last_seq, 30u);
  auto read = backlog("tasks", 0);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->first_seq, 21u);
  ASSERT_EQ(read->events.size(), 10u);
  EXPECT_EQ(read->events.front().seq, 21u);
  EXPECT_EQ(topics().stats().trimmed, 20u);

  auto kept = publish(event("x", {}, "id-25"));
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->duplicate) << "a kept event's id still dedupes";
  auto forgotten = publish(event("x", {}, "id-5"));
  ASSERT_TRUE(forgotten);
  EXPECT_FALSE(forgotten->duplicate) << "a deleted event's id is forgotten with it";
  EXPECT_EQ(forgotten->seq, 31u);

  h.reopen();
  head = topics().head("tasks");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->count, 11u) << "the head written with the commits is what a restart reads";
  EXPECT_EQ(head->first_seq, 21u);
}

TEST_F(TopicRetentionTest, TrimsBySizePerTopic) {
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(publish(event("x", {{"pad", std::string(100, 'p')}}, "", "big")));
  trim();
  auto head = topics().head("big");
  ASSERT_TRUE(head);
  EXPECT_LE(head->bytes, 2000u);
  EXPECT_GT(head->count, 10u) << "the per-topic bound replaces the default count";
  EXPECT_EQ(head->last_seq, 40u);
}

TEST_F(TopicRetentionTest, TrimsWhatIsOlderThanMaxAge) {
  h.close();
  h.options.topics.retention = TopicRetention{1000, 1u << 20, kHourMs};
  h.open();
  h.clock.set(10 * kHourMs);
  ASSERT_TRUE(publish(event("old")));
  ASSERT_TRUE(publish(event("old")));
  h.clock.advance(2 * kHourMs);
  ASSERT_TRUE(publish(event("new")));
  trim();
  auto read = backlog("tasks", 0);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->events.size(), 1u);
  EXPECT_EQ(read->events[0].type, "new");
  EXPECT_EQ(topics().head("tasks")->first_seq, 3u);
}

TEST_F(TopicRetentionTest, GrowthWithinOnePercentWaitsForTheNextTrim) {
  h.close();
  h.options.topics.retention.max_events = 200;
  h.open();
  for (int i = 0; i < 202; ++i) topics().publish(event("x"), [](Result<PublishResult> r) { ASSERT_TRUE(r); });
  h.drain();
  EXPECT_EQ(topics().head("tasks")->count, 202u) << "2 over a bound of 200 is within its slack";
  ASSERT_TRUE(publish(event("x")));
  h.drain();
  EXPECT_EQ(topics().head("tasks")->count, 200u) << "3 over is not: trimmed back to the bound";
}

}  // namespace topic_service_test
}  // namespace sundial
