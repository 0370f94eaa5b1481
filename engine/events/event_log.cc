#include "engine/events/event_log.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/codec/codec.h"
#include "engine/codec/scan_decoded.h"
#include "engine/storage/keys.h"

namespace sundial {

EventLog::EventLog(Loop& loop, Store& store, uint64_t capacity)
    : loop_(loop), store_(store), capacity_(capacity) {}

Result<void> EventLog::open() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  SUNDIAL_ASSIGN_OR_RETURN(auto last_key, store_.last_key(Cf::kEvents));
  uint64_t last = 0;
  if (last_key) last = keys::parse_event_key(*last_key).value_or(0);
  next_seq_ = last + 1;
  last_published_ = last;  // what is on disk was committed
  return ok();
}

void EventLog::stage(std::vector<EngineEvent>& events, Batch& batch) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  for (EngineEvent& ev : events) {
    ev.seq = next_seq_++;
    batch.put(Cf::kEvents, keys::event_key(ev.seq), encode_event(ev));
  }
}

void EventLog::publish(const std::vector<EngineEvent>& events) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  // Commits complete in order, so the last event is the newest.
  if (!events.empty()) last_published_ = std::max(last_published_, events.back().seq);
  if (subscribers_.empty()) return;
  // A subscriber may unsubscribe while being called: iterate over a copy of the ids.
  std::vector<uint64_t> ids;
  for (const auto& [id, fn] : subscribers_) ids.push_back(id);
  for (const EngineEvent& ev : events) {
    for (uint64_t id : ids) {
      auto it = subscribers_.find(id);
      if (it != subscribers_.end()) it->second(ev);
    }
  }
}

uint64_t EventLog::subscribe(Subscriber fn) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  uint64_t id = next_subscriber_++;
  subscribers_.emplace(id, std::move(fn));
  return id;
}

void EventLog::unsubscribe(uint64_t id) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  subscribers_.erase(id);
}

Result<std::vector<EngineEvent>> EventLog::read_since(uint64_t after, size_t limit) const {
  return read_events_since(store_, after, limit);
}

Result<std::optional<uint64_t>> EventLog::first_seq() const { return read_first_event_seq(store_); }

Result<std::vector<EngineEvent>> read_events_since(Store& store, uint64_t after, size_t limit) {
  std::vector<EngineEvent> out;
  SUNDIAL_TRY(scan_decoded<EngineEvent>(
      store, Cf::kEvents, keys::event_key(after + 1), {},
      [](std::string_view key, std::string_view value) -> Result<EngineEvent> {
        SUNDIAL_ASSIGN_OR_RETURN(EngineEvent ev, decode_event(value));
        ev.seq = keys::parse_event_key(key).value_or(0);
        return ev;
      },
      [&](EngineEvent&& ev) {
        out.push_back(std::move(ev));
        return out.size() < limit;
      }));
  return out;
}

Result<std::optional<uint64_t>> read_first_event_seq(Store& store) {
  std::optional<uint64_t> first;
  SUNDIAL_TRY(store.scan(Cf::kEvents, keys::event_key(0), {}, [&](std::string_view key, std::string_view) {
    first = keys::parse_event_key(key);
    return false;
  }));
  return first;
}

Result<EventBacklog> read_event_backlog(Store& store, uint64_t after, size_t limit) {
  EventBacklog backlog;
  SUNDIAL_ASSIGN_OR_RETURN(backlog.first_seq, read_first_event_seq(store));
  SUNDIAL_ASSIGN_OR_RETURN(backlog.events, read_events_since(store, after, limit));
  return backlog;
}

void EventLog::trim(Batch& batch) const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (next_seq_ <= capacity_ + 1) return;
  batch.delete_range(Cf::kEvents, keys::event_key(0), keys::event_key(next_seq_ - capacity_));
}

}  // namespace sundial
