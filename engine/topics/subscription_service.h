// SubscriptionService: delivers each topic's events to its subscriptions
// (docs/events.md, "Subscriptions"). A subscription's cursor is the
// sequence number of the last event it handled; a pump per subscription
// reads the events after it on the WorkPool (the loop never reads the
// disk), in order, and for each one that matches the filter runs the
// action (subscription_action.h) and waits for its answer before the next.
// Delivery is at least once, and once in effect: every action is
// idempotent on (subscription, seq), so an event delivered again after a
// kill -9 between the action and the cursor write makes nothing new.
//
// An action the engine refuses (an unknown type, a signal to no instance)
// counts as failed, with the error kept on the subscription, and delivery
// goes on; one it cannot take now (unavailable) is tried again after a
// backoff (1 s doubling to 30 s), holding the subscription's place. Events
// trimmed by retention before a subscription reached them are counted as
// missed.
//
// Subscriptions come from the API (kept until deleted), the config file
// and scripts (declared at each start: declare() replaces a source's set,
// keeping the cursor of one whose topic is unchanged).
//
// Stored in the `topics` column family, 's' <id> → the record (JSON:
// spec, source, cursor, counters, last_error).
//
// Threading: loop thread; `done` runs on the loop, never inside the call.
// Ownership: owned by Engine; borrows the Loop, Clock, Store, CommitQueue,
// WorkPool, TopicService and the Engine (for its commands), which outlive
// it. Answers pending at close() are dropped.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/loop/work_pool.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"
#include "engine/topics/subscription_spec.h"
#include "engine/topics/topic_service.h"

namespace sundial {

class Engine;

struct SubscriptionRecord {
  SubscriptionSpec spec;
  SubscriptionSource source = SubscriptionSource::kApi;
  std::string owner;    // kScript: the workflow type whose script declares it; else empty
  uint64_t cursor = 0;  // the last event handled
  TimeMs created_at = 0;
  uint64_t delivered = 0;  // actions the engine took
  uint64_t skipped = 0;    // events the filter passed over (and optional signals to no instance)
  uint64_t failed = 0;     // actions the engine refused
  uint64_t missed = 0;     // events trimmed before the subscription reached them
  struct LastError {
    uint64_t seq = 0;
    TimeMs at = 0;
    std::string message;
  };
  std::optional<LastError> last_error;
};

std::string encode_subscription(const SubscriptionRecord& record);
Result<SubscriptionRecord> decode_subscription(std::string_view id, std::string_view bytes);
// The record as the API shows it, with `lag` (events published after its
// cursor) and `retrying` (waiting to try an action again).
nlohmann::json subscription_to_json(const SubscriptionRecord& record, uint64_t lag, bool retrying);

class SubscriptionService {
 public:
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;
  static constexpr size_t kReadChunk = 100;
  static constexpr size_t kMaxSubscriptions = 10000;

  struct View {
    SubscriptionRecord record;
    uint64_t lag = 0;
    bool retrying = false;
  };

  SubscriptionService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, WorkPool& pool,
                      TopicService& topics, Engine& engine);
  SubscriptionService(const SubscriptionService&) = delete;
  SubscriptionService& operator=(const SubscriptionService&) = delete;
  ~SubscriptionService();

  // Start-up: reads every subscription. Delivery begins with start().
  Result<void> open();
  void start();

  // A new subscription through the API: `created` false when one with the
  // same id and spec exists (nothing changes); conflict when its spec or
  // source differs.
  struct Created {
    View view;
    bool created = true;
  };
  void create(SubscriptionSpec spec, Done<Created> done);
  // Deletes an API subscription: not_found, or invalid_argument for one the
  // config or a script declares.
  void remove(const std::string& id, Done<void> done);
  // Replaces the subscriptions of `source` (config, script) with `specs`:
  // new ones start at their `from`, changed ones keep their cursor unless
  // their topic changed, missing ones are deleted. conflict for an id the
  // API or another source holds.
  void declare(SubscriptionSource source, std::vector<SubscriptionSpec> specs, Done<void> done);
  // The same with an owner per subscription (every script's at start-up).
  struct Declared {
    SubscriptionSpec spec;
    std::string owner;
  };
  void declare(SubscriptionSource source, std::vector<Declared> declared, Done<void> done);
  // Replaces only `owner`'s subscriptions of `source` (a script changed or
  // went): conflict for an id another owner holds.
  void declare_owned(SubscriptionSource source, const std::string& owner, std::vector<SubscriptionSpec> specs,
                     Done<void> done);

  std::vector<View> list() const;
  std::optional<View> get(const std::string& id) const;
  size_t reads_in_flight() const { return scope_ ? scope_->outstanding() : 0; }
  void close();

 private:
  struct Sub {
    SubscriptionRecord record;
    bool busy = false;  // a read or an action is in flight
    bool saved = true;  // false until its record (new or changed) is durable: no delivery before
    DurationMs backoff = 0;
    std::unique_ptr<UvTimer> retry;
    uint64_t generation = 0;  // bumped when replaced or deleted: late answers are ignored
  };

  View view_of(const Sub& sub) const;
  void watch_topics();
  void pump(const std::string& id);
  void deliver(const std::string& id, uint64_t generation, std::vector<TopicEvent> events, size_t next);
  void retry_later(const std::string& id);
  void save(const Sub& sub, std::move_only_function<void(Result<void>)> done = nullptr);
  uint64_t start_cursor(const SubscriptionSpec& spec) const;
  // declare()'s work; `scope` set: only that owner's are replaced.
  void apply_declaration(SubscriptionSource source, std::vector<Declared> declared,
                         const std::optional<std::string>& scope, Done<void> done);

  Loop& loop_;
  Clock& clock_;
  Store& store_;
  CommitQueue& commits_;
  TopicService& topics_;
  Engine& engine_;
  std::optional<WorkScope> scope_;  // reset by close()
  std::map<std::string, Sub> subs_;
  uint64_t watcher_ = 0;
  uint64_t next_generation_ = 1;
  bool started_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial
