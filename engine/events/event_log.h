// EventLog: engine events, in order. Each committed transition's events get
// the next sequence numbers and are written in the same batch to the capped
// `events` column family; after the commit they go to in-process
// subscribers (the HTTP server's SSE stream). read_since() serves a client
// that reconnects with Last-Event-ID. The retention sweep trims the log to
// its capacity.
//
// Threading: loop thread only, except read_since (any thread).
// Ownership: owned by Engine; borrows the Store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "engine/base/error.h"
#include "engine/model/event.h"
#include "engine/storage/batch.h"
#include "engine/storage/store.h"

namespace sundial {

class EventLog {
 public:
  using Subscriber = std::function<void(const EngineEvent&)>;

  // `capacity`: events kept on disk. Default in EngineOptions.
  EventLog(Store& store, uint64_t capacity);

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
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Adds the deletes that trim the log to its capacity.
  void trim(Batch& batch) const;

 private:
  Store& store_;
  uint64_t capacity_;
  uint64_t next_seq_ = 1;
  uint64_t next_subscriber_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
};

}  // namespace sundial
