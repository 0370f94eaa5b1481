// SubscriptionService (engine/topics/subscription_service.h) on a real
// engine and RocksDB: a start subscription starts one instance per
// matching event, its input the event; filters pass events over; a
// subscription made later starts at the latest event or replays from a
// sequence; delivering an event again makes nothing new; an action the
// engine refuses is counted and delivery goes on; the cursor survives a
// reopen; config subscriptions keep their cursor when redeclared; events
// retention deleted first are counted as missed.
#include "engine/topics/subscription_service.h"

#include <gtest/gtest.h>

#include <optional>

#include "engine/tasks/task_codec.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace subscription_service_test {

using nlohmann::json;
using testing::EngineHarness;

// "test.echo": returns its input.
Workflow<void> echo(Context& ctx) {
  ctx.set_result(ctx.input());
  co_return;
}

SubscriptionSpec spec_of(json body) {
  auto spec = parse_subscription_spec(body);
  EXPECT_TRUE(spec) << spec.error().to_string();
  return spec ? *spec : SubscriptionSpec{};
}

json start_sub(std::string id, json extra = json::object()) {
  json j = {{"id", std::move(id)}, {"topic", "tasks"}, {"action", {{"start", {{"type", "test.echo"}}}}}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

class SubscriptionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.registry.add("test.echo", "", [](Context& ctx) { return echo(ctx); }));
    h.open();
  }

  SubscriptionService& subs() { return h.engine->subscriptions(); }

  uint64_t publish(std::string type, json data = json::object(), std::string key = "") {
    PublishRequest r;
    r.topic = "tasks";
    r.type = std::move(type);
    r.data = std::move(data);
    r.key = std::move(key);
    std::optional<Result<PublishResult>> out;
    h.engine->topics().publish(std::move(r), [&](Result<PublishResult> p) { out = std::move(p); });
    h.drain();
    EXPECT_TRUE(out && *out);
    return out && *out ? (*out)->seq : 0;
  }

  Result<SubscriptionService::Created> create(json body) {
    std::optional<Result<SubscriptionService::Created>> out;
    subs().create(spec_of(std::move(body)),
                  [&](Result<SubscriptionService::Created> r) { out = std::move(r); });
    h.drain();
    if (!out) return make_error(ErrorCode::kInternal, "no answer");
    return std::move(*out);
  }

  size_t instances() {
    auto page = h.list(ListQuery{});
    EXPECT_TRUE(page);
    return page ? page->instances.size() : 0;
  }

  EngineHarness h;
};

TEST_F(SubscriptionServiceTest, StartsOneInstancePerMatchingEventWithTheEventAsInput) {
  ASSERT_TRUE(create(start_sub(
      "recompute", {{"filter", {{"type", "TaskPropertiesUpdated"}, {"data", {{"changed.end", true}}}}}})));
  uint64_t hit = publish("TaskPropertiesUpdated", {{"task", "t1"}, {"changed", {{"end", true}}}}, "t1");
  publish("TaskPropertiesUpdated", {{"task", "t2"}, {"changed", {{"end", false}}}});
  publish("TaskCreated", {{"task", "t3"}});
  h.drain();

  EXPECT_EQ(instances(), 1u);
  auto started = h.describe("recompute@" + std::to_string(hit));
  ASSERT_TRUE(started) << started.error().to_string();
  EXPECT_EQ(started->input["type"], "TaskPropertiesUpdated");
  EXPECT_EQ(started->input["data"]["task"], "t1");
  EXPECT_EQ(started->input["key"], "t1");
  EXPECT_EQ(started->input["seq"], hit);

  auto view = subs().get("recompute");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->record.cursor, 3u);
  EXPECT_EQ(view->record.delivered, 1u);
  EXPECT_EQ(view->record.skipped, 2u);
  EXPECT_EQ(view->lag, 0u);
}

TEST_F(SubscriptionServiceTest, ALaterSubscriptionStartsAtTheLatestEventOrReplaysFromASequence) {
  publish("A");
  publish("A");
  publish("A");
  ASSERT_TRUE(create(start_sub("late")));
  ASSERT_TRUE(create(start_sub("replay", {{"from", 2}})));
  h.drain();
  EXPECT_FALSE(h.describe("late@3")) << "'latest' skips what was published before";
  EXPECT_FALSE(h.describe("replay@1"));
  EXPECT_TRUE(h.describe("replay@2"));
  EXPECT_TRUE(h.describe("replay@3"));
  publish("A");
  h.drain();
  EXPECT_TRUE(h.describe("late@4"));
  EXPECT_TRUE(h.describe("replay@4"));
}

TEST_F(SubscriptionServiceTest, DeliveringAnEventAgainMakesNothingNew) {
  ASSERT_TRUE(create(start_sub("once")));
  publish("A");
  publish("A");
  h.drain();
  ASSERT_EQ(instances(), 2u);
  // The same subscription again from the start, as after a crash that lost
  // its cursor: the deliveries find what the first ones made.
  std::optional<Result<void>> removed;
  subs().remove("once", [&](Result<void> r) { removed = std::move(r); });
  h.drain();
  ASSERT_TRUE(removed && *removed);
  ASSERT_TRUE(create(start_sub("once", {{"from", 1}})));
  h.drain();
  EXPECT_EQ(instances(), 2u);
  auto view = subs().get("once");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->record.delivered, 2u);
  EXPECT_EQ(view->record.cursor, 2u);
}

TEST_F(SubscriptionServiceTest, ARefusedActionIsCountedAndDeliveryGoesOn) {
  ASSERT_TRUE(
      create(json{{"id", "bad"}, {"topic", "tasks"}, {"action", {{"start", {{"type", "no.such.type"}}}}}}));
  ASSERT_TRUE(create(json{{"id", "by-key"},
                          {"topic", "tasks"},
                          {"action", {{"start", {{"type", "test.echo"}, {"id", "task-{data.task}"}}}}}}));
  publish("A", {{"task", "t1"}});
  publish("A", {{"nothing", 1}});
  h.drain();
  auto bad = subs().get("bad");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->record.failed, 2u);
  EXPECT_EQ(bad->record.cursor, 2u);
  ASSERT_TRUE(bad->record.last_error);
  EXPECT_NE(bad->record.last_error->message.find("no.such.type"), std::string::npos)
      << bad->record.last_error->message;
  auto by_key = subs().get("by-key");
  ASSERT_TRUE(by_key);
  EXPECT_EQ(by_key->record.delivered, 1u);
  EXPECT_EQ(by_key->record.failed, 1u) << "the second event has no data.task";
  EXPECT_TRUE(h.describe("task-t1"));
}

TEST_F(SubscriptionServiceTest, TheCursorSurvivesARestartAndNothingIsDeliveredTwice) {
  ASSERT_TRUE(create(start_sub("durable")));
  publish("A");
  h.drain();
  h.reopen();
  auto view = subs().get("durable");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->record.cursor, 1u);
  EXPECT_EQ(view->record.delivered, 1u);
  publish("A");
  h.drain();
  EXPECT_EQ(subs().get("durable")->record.delivered, 2u);
  EXPECT_EQ(instances(), 2u);
}

TEST_F(SubscriptionServiceTest, CreatingTheSameSubscriptionAgainChangesNothingAndAnotherDefinitionConflicts) {
  auto first = create(start_sub("s"));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);
  auto again = create(start_sub("s"));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  auto other = create(start_sub("s", {{"filter", {{"type", "B"}}}}));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
}

TEST_F(SubscriptionServiceTest, ConfigSubscriptionsKeepTheirCursorWhenRedeclared) {
  auto declare = [&](std::vector<SubscriptionSpec> specs) {
    std::optional<Result<void>> out;
    subs().declare(SubscriptionSource::kConfig, std::move(specs),
                   [&](Result<void> r) { out = std::move(r); });
    h.drain();
    ASSERT_TRUE(out && *out) << (out && !*out ? out->error().to_string() : "no answer");
  };
  declare({spec_of(start_sub("cfg"))});
  publish("A");
  h.drain();
  EXPECT_EQ(subs().get("cfg")->record.cursor, 1u);
  declare({spec_of(start_sub("cfg", {{"filter", {{"type", "B"}}}}))});
  EXPECT_EQ(subs().get("cfg")->record.cursor, 1u) << "same topic: the cursor is kept";
  std::optional<Result<void>> removed;
  subs().remove("cfg", [&](Result<void> r) { removed = std::move(r); });
  h.drain();
  ASSERT_TRUE(removed && !*removed);
  EXPECT_EQ(removed->error().code, ErrorCode::kInvalidArgument);
  declare({});
  EXPECT_FALSE(subs().get("cfg")) << "no longer declared: deleted";
}

// A script's subscriptions are replaced per owner: one script's change
// leaves another's alone, an id another script holds is a conflict, and
// the owner survives a restart.
TEST_F(SubscriptionServiceTest, ScriptSubscriptionsAreReplacedPerOwner) {
  auto outcome = [&](auto call) {
    std::optional<Result<void>> out;
    call([&](Result<void> r) { out = std::move(r); });
    h.drain();
    EXPECT_TRUE(out) << "no answer";
    return out.value_or(Result<void>(std::unexpected(Error{ErrorCode::kInternal, "no answer"})));
  };
  auto all = outcome([&](auto done) {
    subs().declare(SubscriptionSource::kScript,
                   std::vector<SubscriptionService::Declared>{{spec_of(start_sub("a1")), "alpha"},
                                                              {spec_of(start_sub("b1")), "beta"}},
                   std::move(done));
  });
  ASSERT_TRUE(all) << all.error().to_string();
  EXPECT_EQ(subs().get("a1")->record.owner, "alpha");
  auto alpha = outcome([&](auto done) {
    subs().declare_owned(SubscriptionSource::kScript, "alpha", {spec_of(start_sub("a2"))}, std::move(done));
  });
  ASSERT_TRUE(alpha) << alpha.error().to_string();
  EXPECT_FALSE(subs().get("a1")) << "alpha no longer declares it";
  EXPECT_TRUE(subs().get("a2"));
  EXPECT_TRUE(subs().get("b1")) << "beta's stays";
  auto stolen = outcome([&](auto done) {
    subs().declare_owned(SubscriptionSource::kScript, "alpha", {spec_of(start_sub("b1"))}, std::move(done));
  });
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, ErrorCode::kConflict);
  EXPECT_NE(stolen.error().message.find("'beta'"), std::string::npos) << stolen.error().message;
  auto twice = outcome([&](auto done) {
    subs().declare(SubscriptionSource::kScript,
                   std::vector<SubscriptionService::Declared>{{spec_of(start_sub("x")), "alpha"},
                                                              {spec_of(start_sub("x")), "beta"}},
                   std::move(done));
  });
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  auto stored = subs().get("b1");
  ASSERT_TRUE(stored);
  auto decoded = decode_subscription("b1", encode_subscription(stored->record));
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(decoded->owner, "beta");
  EXPECT_EQ(subscription_to_json(*decoded, 0, false)["script"], "beta");
}

TEST_F(SubscriptionServiceTest, SignalsAndEnqueuesCarryTheEvent) {
  auto waiting = h.start("test.echo", "target");  // ends at once: an optional signal to it is skipped
  ASSERT_TRUE(waiting);
  ASSERT_TRUE(create(json{{"id", "poke"},
                          {"topic", "tasks"},
                          {"action", {{"signal", {{"id", "{key}"}, {"name", "go"}, {"optional", true}}}}}}));
  ASSERT_TRUE(create(json{{"id", "work"},
                          {"topic", "tasks"},
                          {"action", {{"enqueue", {{"queue", "jobs"}, {"max_attempts", 3}}}}}}));
  uint64_t seq = publish("A", {{"x", 1}}, "target");
  h.drain();
  auto poke = subs().get("poke");
  ASSERT_TRUE(poke);
  EXPECT_EQ(poke->record.skipped, 1u) << "an optional signal to an ended instance";
  EXPECT_EQ(poke->record.failed, 0u);
  auto work = subs().get("work");
  ASSERT_TRUE(work);
  EXPECT_EQ(work->record.delivered, 1u);
  std::string task_id = "work@" + std::to_string(seq);
  auto task = h.query<TaskRecord>([&](auto done) {
    h.engine->read<TaskRecord>(
        [task_id](Store& snapshot) -> Result<TaskRecord> {
          SUNDIAL_ASSIGN_OR_RETURN(auto bytes, snapshot.get(Cf::kTasks, task_id));
          if (!bytes) return make_error(ErrorCode::kNotFound, "no task " + task_id);
          return decode_task(*bytes);
        },
        std::move(done));
  });
  ASSERT_TRUE(task) << task.error().to_string();
  EXPECT_EQ(task->payload.value()["data"]["x"], 1);
}

TEST_F(SubscriptionServiceTest, RefusesSpecsThatCannotWork) {
  EXPECT_FALSE(parse_subscription_spec(json{{"id", "x"}, {"topic", "t"}}));
  EXPECT_FALSE(parse_subscription_spec(start_sub("a/b")));
  EXPECT_FALSE(parse_subscription_spec(
      json{{"id", "x"}, {"topic", "t"}, {"action", {{"start", {{"type", "a"}, {"id", "{nope}"}}}}}}));
  EXPECT_FALSE(parse_subscription_spec(
      json{{"id", "x"}, {"topic", "t"}, {"action", {{"enqueue", {{"queue", "q"}, {"payload", 1}}}}}}));
  EXPECT_FALSE(
      parse_subscription_spec(json{{"id", "x"}, {"topic", "t"}, {"action", {{"publish", json::object()}}}}));
  EXPECT_FALSE(parse_subscription_spec(start_sub("x", {{"from", -1}})));
  EXPECT_FALSE(parse_subscription_spec(start_sub("x", {{"extra", 1}})));
  auto round = parse_subscription_spec(subscription_spec_json(spec_of(start_sub("x", {{"from", 4}}))));
  ASSERT_TRUE(round);
  EXPECT_EQ(round->from, 4u);
}

TEST(SubscriptionPlaceholders, FillFromTheEvent) {
  TopicEvent e;
  e.topic = "tasks";
  e.seq = 9;
  e.type = "T";
  e.key = "k";
  e.data = {{"project", {{"id", 42}}}, {"name", "n"}};
  EXPECT_EQ(*fill_placeholders("p-{data.project.id}-{seq}-{key}-{data.name}", e), "p-42-9-k-n");
  EXPECT_FALSE(fill_placeholders("{data.missing}", e));
  EXPECT_FALSE(fill_placeholders("{id}", e)) << "the event has no id";
}

}  // namespace subscription_service_test
}  // namespace sundial
