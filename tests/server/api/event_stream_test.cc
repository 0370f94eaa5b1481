// GET /api/v1/events without sockets: where a stream starts (fresh, after
// Last-Event-ID, header over ?since=), the `gap` and `reset` control
// events, and HEAD, which must never open the stream.
#include <sstream>

#include "tests/server/api/api_fixture.h"
#include "tests/server/api/sse_frames.h"

namespace sundial::testing {
namespace {


std::vector<uint64_t> ids_of(const std::vector<SseTestFrame>& frames) {
  std::vector<uint64_t> ids;
  for (const auto& f : frames) ids.push_back(f.id);
  return ids;
}

class EventStreamTest : public ApiTest {
 protected:
  void start_instances(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(call("POST", kStart, R"({"id":"ev-)" + std::to_string(next_id_++) + R"("})").status, 201);
    }
  }
  // Opens a stream (after draining) and returns its slot.
  uint64_t open_stream(const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    uint64_t slot = send(request("GET", target, "", headers));
    h.drain();
    EXPECT_TRUE(sink->streams.count(slot)) << target << " opened no stream";
    return slot;
  }
  std::vector<SseTestFrame> frames(uint64_t slot) { return sse_frames_of(sink->streams[slot]->data); }
  EventLog& events() { return h.engine->events(); }

  int next_id_ = 1;
};

TEST_F(EventStreamTest, LastEventIdWinsOverSince) {
  start_instances(3);
  ASSERT_EQ(events().last_seq(), 3u);
  // A reconnecting EventSource keeps its ?since= URL and sends the newer id as a header.
  uint64_t slot = open_stream("/api/v1/events?since=0", {{"last-event-id", "2"}});
  EXPECT_EQ(ids_of(frames(slot)), std::vector<uint64_t>{3});
  uint64_t by_since = open_stream("/api/v1/events?since=1");
  EXPECT_EQ(ids_of(frames(by_since)), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(call("GET", "/api/v1/events?since=1", "", {{"last-event-id", "x"}}).status, 400);
}

TEST_F(EventStreamTest, AFreshStreamGetsWhatCommitsAfterItConnects) {
  start_instances(1);
  // A start whose commit is in flight: its event is staged, not published.
  send(request("POST", kStart, R"({"id":"in-flight"})"));
  ASSERT_GT(events().last_seq(), events().last_published_seq()) << "the commit was not in flight";
  uint64_t slot = send(request("GET", "/api/v1/events"));
  h.drain();
  auto got = frames(slot);
  ASSERT_EQ(got.size(), 1u) << sink->streams[slot]->data;
  EXPECT_EQ(got[0].event, "instance_started");
  EXPECT_EQ(got[0].data["instance_id"], "in-flight");
  EXPECT_EQ(got[0].id, 2u);
}

TEST_F(EventStreamTest, AnIdBeyondTheLogIsResetToNow) {
  start_instances(2);
  uint64_t slot = open_stream("/api/v1/events", {{"last-event-id", "99"}});
  start_instances(1);  // live, after the reset
  auto got = frames(slot);
  ASSERT_EQ(got.size(), 2u) << sink->streams[slot]->data;
  EXPECT_EQ(got[0].event, "reset");
  EXPECT_EQ(got[0].id, 2u);
  EXPECT_EQ(got[0].data, (nlohmann::json{{"type", "reset"}, {"last_event_id", 99}, {"resume_after", 2}}));
  EXPECT_EQ(got[1].id, 3u);
  EXPECT_EQ(got[1].event, "instance_started");
}

class SmallEventLogTest : public EventStreamTest {
 protected:
  void SetUp() override {
    h.options.event_log_capacity = 2;
    EventStreamTest::SetUp();
  }
  // The sweep plans on the thread pool: run the loop until it is done.
  void trim() {
    bool swept = false;
    h.engine->sweep_now([&](SweepResult) { swept = true; });
    for (int i = 0; i < 100 && !swept; ++i) h.loop.run_once();
    h.drain();
    ASSERT_TRUE(swept);
  }
};

TEST_F(SmallEventLogTest, AnIdOlderThanTheLogGetsAGapEvent) {
  start_instances(5);
  ASSERT_NO_FATAL_FAILURE(trim());
  auto first = events().first_seq();
  ASSERT_TRUE(first && *first);
  ASSERT_EQ(**first, 4u);
  uint64_t slot = open_stream("/api/v1/events", {{"last-event-id", "1"}});
  auto got = frames(slot);
  ASSERT_EQ(got.size(), 3u) << sink->streams[slot]->data;
  EXPECT_EQ(got[0].event, "gap");
  EXPECT_EQ(got[0].id, 3u);
  EXPECT_EQ(got[0].data, (nlohmann::json{{"type", "gap"}, {"last_event_id", 1}, {"resume_after", 3}}));
  EXPECT_EQ(got[1].id, 4u);
  EXPECT_EQ(got[2].id, 5u);
  // Since 0 ("everything") is a gap too; an id the log continues from is not.
  EXPECT_EQ(frames(open_stream("/api/v1/events?since=0"))[0].event, "gap");
  EXPECT_EQ(ids_of(frames(open_stream("/api/v1/events?since=3"))), (std::vector<uint64_t>{4, 5}));
}

// The backlog is read on the work pool: a ManualWorkPool decides when the
// read runs and when its answer reaches the loop, so events can commit at
// each moment in between. None may be lost or sent twice.
class BacklogOffTheLoopTest : public EventStreamTest {
 protected:
  void SetUp() override {
    h.manual_pool = true;
    EventStreamTest::SetUp();
  }
  // A start whose commit completes (and whose event is published) while the
  // pool's jobs stay where they are.
  void commit_start(const std::string& id) {
    uint64_t slot = send(request("POST", kStart, R"({"id":")" + id + R"("})"));
    while (h.engine->commits_in_flight() > 0) h.loop.run_once();
    h.loop.run_nowait();
    ASSERT_NE(sink->answer(slot), nullptr);
    ASSERT_EQ(sink->answer(slot)->status, 201);
  }
  uint64_t open_pending(const std::string& target) {
    uint64_t slot = send(request("GET", target));
    h.loop.run_nowait();
    EXPECT_TRUE(sink->streams.count(slot));
    EXPECT_EQ(h.pool->pending(), 1u) << "the backlog read should wait for the pool";
    return slot;
  }
};

TEST_F(BacklogOffTheLoopTest, AnEventCommittedBeforeTheReadRunsIsSentOnce) {
  start_instances(3);
  uint64_t slot = open_pending("/api/v1/events?since=1");
  EXPECT_TRUE(frames(slot).empty()) << "replayed on the loop";
  commit_start("during-1");  // seq 4: held, and in the read's snapshot too
  EXPECT_TRUE(frames(slot).empty());
  h.pool->complete_first();
  EXPECT_EQ(ids_of(frames(slot)), (std::vector<uint64_t>{2, 3, 4}));
  commit_start("after");  // live
  EXPECT_EQ(ids_of(frames(slot)), (std::vector<uint64_t>{2, 3, 4, 5}));
}

TEST_F(BacklogOffTheLoopTest, AnEventCommittedAfterTheSnapshotIsNotLost) {
  start_instances(3);
  uint64_t slot = open_pending("/api/v1/events?since=1");
  h.pool->run_work(0);       // the snapshot: events 1..3
  commit_start("during-1");  // seq 4: after the snapshot, before its answer
  commit_start("during-2");  // seq 5
  EXPECT_TRUE(frames(slot).empty());
  h.pool->finish_ran();
  auto got = frames(slot);
  EXPECT_EQ(ids_of(got), (std::vector<uint64_t>{2, 3, 4, 5})) << sink->streams[slot]->data;
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2].data["instance_id"], "during-1");
}

TEST_F(BacklogOffTheLoopTest, AFreshStreamMissesNothingCommittedWhileItsReadRuns) {
  start_instances(2);
  uint64_t slot = open_pending("/api/v1/events");
  commit_start("during-1");  // before the snapshot
  h.pool->run_work(0);
  commit_start("during-2");  // after it
  h.pool->finish_ran();
  EXPECT_EQ(ids_of(frames(slot)), (std::vector<uint64_t>{3, 4}));
}

TEST_F(BacklogOffTheLoopTest, AStreamClosedBeforeItsReadAnswersIsLeftAlone) {
  start_instances(2);
  uint64_t slot = open_pending("/api/v1/events?since=0");
  sink->streams[slot]->peer_closed();
  h.pool->complete_first();
  EXPECT_TRUE(frames(slot).empty());
  commit_start("after-close");
  EXPECT_TRUE(frames(slot).empty());
}

TEST_F(EventStreamTest, HeadNeverOpensTheStream) {
  start_instances(1);
  auto head = call("HEAD", "/api/v1/events", "", {{"last-event-id", "0"}});
  EXPECT_EQ(head.status, 405);
  bool allows_get = false;
  for (auto& [k, v] : head.headers) allows_get |= k == "Allow" && v == "GET";
  EXPECT_TRUE(allows_get);
  EXPECT_TRUE(sink->streams.empty());
  // Other GET routes answer HEAD (the connection leaves the body out).
  EXPECT_EQ(call("HEAD", "/api/v1/workflows").status, 200);
  EXPECT_EQ(router.matched_pattern("HEAD", "/api/v1/events"), "/api/v1/events");
}

}  // namespace
}  // namespace sundial::testing
