// TopicService: the event bus's topics (docs/events.md). A publish gets
// the topic's next sequence number and is answered once its event is
// durable; committed events go, in order, to watchers (the subscriptions'
// dispatcher, each SSE stream of the topic). Readers that fall behind
// read the stored events (read_topic_backlog) against a snapshot.
//
// Dedupe: a publish with an `id` first looks the id up on the WorkPool
// (the loop never reads the disk); a repeat answers the first event's
// sequence number with duplicate = true and publishes nothing. Publishes
// of one id run one at a time, so two at once make one event.
//
// Retention (topic_options.h): a topic that grows past max_events or
// max_bytes by 1% is trimmed back to them, oldest first; a timer trims
// events past max_age. A trim reads the oldest rows on the WorkPool and
// deletes them with their id rows in one commit with the new head.
//
// Counters are changed when a batch is submitted (so every later batch
// writes a head that includes them) and taken back if the commit fails:
// commits complete in order, and after a failure every later batch fails
// too until the engine recovers, so the head in memory is always the one
// the last successful commit wrote.
//
// Threading: loop thread; `done` runs on the loop, never inside the call;
// read_topic_backlog and read_topic_heads on any thread.
// Ownership: owned by Engine; borrows the Loop, Clock, Store, CommitQueue
// and WorkPool, which outlive it. Answers pending at close() are dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"
#include "engine/topics/topic_event.h"
#include "engine/topics/topic_options.h"

namespace sundial {

struct PublishResult {
  uint64_t seq = 0;
  bool duplicate = false;  // an event with this id was published before: nothing new
  TimeMs published_at = 0;
};

// What a reader resuming after `after` gets first, from one snapshot: the
// oldest sequence number kept (nullopt when none is), the newest one
// committed (0 for a topic never published to) and up to `limit` events
// with seq > after, oldest first.
struct TopicBacklog {
  std::optional<uint64_t> first_seq;
  uint64_t last_seq = 0;
  std::vector<TopicEvent> events;
};
Result<TopicBacklog> read_topic_backlog(Store& store, const std::string& topic, uint64_t after, size_t limit);
// Every topic's head, by name.
Result<std::map<std::string, TopicHead>> read_topic_heads(Store& store);

class TopicService {
 public:
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;
  using Watcher = std::function<void(const TopicEvent&)>;
  // Publishes of one id waiting behind the first, at most.
  static constexpr size_t kMaxWaitingPerId = 1000;
  // Rows one trim reads and deletes, at most.
  static constexpr size_t kTrimChunk = 5000;

  struct Stats {
    uint64_t published = 0;
    uint64_t duplicates = 0;
    uint64_t trimmed = 0;  // events deleted by retention
  };

  TopicService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, WorkPool& pool,
               TopicOptions options);
  TopicService(const TopicService&) = delete;
  TopicService& operator=(const TopicService&) = delete;
  ~TopicService();

  // Start-up, before the loop serves anything: reads every topic's head.
  Result<void> open();
  // invalid_argument (check_publish) before anything else.
  void publish(PublishRequest request, Done<PublishResult> done);

  // `fn` gets every event of `topic` committed from now on ("" : of every
  // topic), in order.
  uint64_t watch(std::string topic, Watcher fn);
  void unwatch(uint64_t id);

  // The last sequence number assigned to `topic` (its commit may be in
  // flight); 0 for a topic with no events.
  uint64_t last_seq(const std::string& topic) const;
  // The last one delivered to watchers (committed).
  uint64_t last_published_seq(const std::string& topic) const;
  // Every topic's head as of the last commit submitted.
  std::map<std::string, TopicHead> heads() const;
  std::optional<TopicHead> head(const std::string& topic) const;

  // Trims every topic past a bound now; `done` runs once each trim is durable.
  void trim_now(std::move_only_function<void()> done);
  const Stats& stats() const { return stats_; }
  size_t reads_in_flight() const { return scope_ ? scope_->outstanding() : 0; }
  // Drops waiting answers and stops the timer; before the commit queue shuts down.
  void close();

 private:
  struct Topic {
    TopicHead head;               // as of the last batch submitted
    uint64_t last_published = 0;  // committed and delivered
    bool trimming = false;
    std::vector<std::move_only_function<void()>> after_trim;
  };
  struct Publish {
    PublishRequest request;
    std::vector<Done<PublishResult>> waiting;  // [0] is the publisher, the rest repeats
  };
  struct TrimRow;

  Topic& topic(const std::string& name);
  void look_up_id(std::string row);
  void append(PublishRequest request, std::vector<Done<PublishResult>> answers, std::string id_row);
  void published(const TopicEvent& event);
  bool over_bounds(const std::string& name, const Topic& t, bool with_slack) const;
  void maybe_trim(const std::string& name, bool with_slack);
  void trim(const std::string& name);
  void trimmed(const std::string& name, Result<std::vector<TrimRow>> rows);
  void finish_trim(const std::string& name);
  void check_ages();

  Loop& loop_;
  Clock& clock_;
  Store& store_;
  CommitQueue& commits_;
  TopicOptions options_;
  std::optional<WorkScope> scope_;  // reset by close()
  std::map<std::string, Topic> topics_;
  // Id row → the publishes of that id, while its lookup or commit runs.
  std::map<std::string, Publish> by_id_;
  std::map<uint64_t, std::pair<std::string, Watcher>> watchers_;
  uint64_t next_watcher_ = 1;
  Stats stats_;
  UvTimer age_timer_;
  // Expires with the service; commit callbacks hold a weak reference.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial
