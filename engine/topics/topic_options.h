// TopicOptions: how long the event bus keeps each topic's events
// (docs/events.md, "Retention"; `[topics]` and `[topics.NAME]` in
// sundiald.toml). A topic keeps its newest events within all three bounds;
// the oldest beyond any of them are deleted, with their dedupe ids.
//
// Threading: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "engine/base/clock.h"

namespace sundial {

struct TopicRetention {
  // Default: 100000. Events kept per topic.
  uint64_t max_events = 100000;
  // Default: 64 MiB. Their encoded size, per topic.
  uint64_t max_bytes = 64ull << 20;
  // Default: 7 days. How long an event is kept.
  DurationMs max_age = 7 * kDayMs;
};

// One topic's own bounds (`[topics.NAME]`); those it leaves out are the
// defaults'.
struct TopicRetentionOverride {
  std::optional<uint64_t> max_events;
  std::optional<uint64_t> max_bytes;
  std::optional<DurationMs> max_age;
};

struct TopicOptions {
  TopicRetention retention;                                 // every topic's, unless named below
  std::map<std::string, TopicRetentionOverride> per_topic;  // `[topics.NAME]`
  // Default: 1 min. How often topics are checked for events past max_age.
  DurationMs age_check_interval = kMinuteMs;

  TopicRetention retention_of(const std::string& topic) const {
    auto it = per_topic.find(topic);
    if (it == per_topic.end()) return retention;
    const TopicRetentionOverride& o = it->second;
    return TopicRetention{o.max_events.value_or(retention.max_events),
                          o.max_bytes.value_or(retention.max_bytes), o.max_age.value_or(retention.max_age)};
  }
};

}  // namespace sundial
