// EventLog: engine events, in order. Each committed transition's events get
// the next sequence numbers and are written in the same batch to the capped
// `events` column family; after the commit they go to in-process
// subscribers (the HTTP server's SSE stream). read_since() serves a client
// that reconnects with Last-Event-ID. The retention sweep trims the log to
// its capacity.
//
// Two sequence numbers: last_seq() is the last one *assigned* (staged, the
// commit may still be in flight); last_published_seq() is the last one
// delivered to subscribers. A subscriber that wants "everything from now
// on" starts after last_published_seq(): events staged before it subscribed
// are published after, and would be lost if it started at last_seq().
//
// The reads of the log (read_event_backlog and the members read_since and
// first_seq) serve the SSE stream's replay, which runs them on the WorkPool
// against a snapshot (Engine::event_backlog).
//
// Threading: loop thread only (checked at each entry point), except
// read_since, first_seq and read_event_backlog (any thread).
// Ownership: owned by Engine; borrows the Loop and the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "engine/base/error.h"
#include "engine/loop/loop.h"
#include "engine/model/event.h"
#include "engine/storage/batch.h"
#include "engine/storage/store.h"

namespace sundial {

// What a stream resuming after `after` is sent first, read from one state of
// the store: the oldest sequence number still in the log (nullopt when it
// is empty) and up to `limit` committed events with seq > after, oldest
// first.
struct EventBacklog {
  std::optional<uint64_t> first_seq;
  std::vector<EngineEvent> events;
};
Result<EventBacklog> read_event_backlog(Store& store, uint64_t after, size_t limit);
Result<std::vector<EngineEvent>> read_events_since(Store& store, uint64_t after, size_t limit);
Result<std::optional<uint64_t>> read_first_event_seq(Store& store);

class EventLog {
 public:
  using Subscriber = std::function<void(const EngineEvent&)>;

  // `capacity`: events kept on disk. Default in EngineOptions.
  EventLog(Loop& loop, Store& store, uint64_t capacity);

  // Reads the last sequence number from storage.
  Result<void> open();
  // Assigns sequence numbers to `events` and adds their puts to `batch`.
  void stage(std::vector<EngineEvent>& events, Batch& batch);
  // Delivers committed events to subscribers, in order.
  void publish(const std::vector<EngineEvent>& events);

  uint64_t subscribe(Subscriber fn);
  void unsubscribe(uint64_t id);

  // Up to `limit` committed events with seq > after, oldest first.
  Result<std::vector<EngineEvent>> read_since(uint64_t after, size_t limit) const;
  // The oldest sequence number still in the log; nullopt when it is empty.
  Result<std::optional<uint64_t>> first_seq() const;
  // The last sequence number assigned (its commit may be in flight).
  uint64_t last_seq() const { return next_seq_ - 1; }
  // The last sequence number delivered to subscribers (after its commit).
  uint64_t last_published_seq() const { return last_published_; }
  // Adds the deletes that trim the log to its capacity.
  void trim(Batch& batch) const;

 private:
  Loop& loop_;
  Store& store_;
  uint64_t capacity_;
  uint64_t next_seq_ = 1;
  uint64_t last_published_ = 0;
  uint64_t next_subscriber_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
};

}  // namespace sundial
