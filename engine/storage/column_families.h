// The one list of RocksDB column families (DESIGN.md section 3). Their key
// layouts are in keys.h and docs/storage-format.md.
//
// Threading: constants.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace sundial {

enum class Cf : size_t {
  kInstances = 0,  // instance id → InstanceRecord
  kJournal,        // instance id, seq → JournalEntry
  kTimers,         // due ms, instance id → timer (empty value)
  kIdempotency,    // idempotency key → {instance id, expires}
  kIndex,          // secondary indexes: status, type, finished time, key expiry
  kSchedules,      // reserved for cron schedules
  kEvents,         // event seq → EngineEvent (capped)
  kMeta,           // "schema_version" → decimal; script store; queue records
  kTasks,          // task id → TaskRecord; "%d" queue, dedupe key → task id
  kKv,             // namespace 0x00 key → KvEntry (engine/kv/kv_entry.h)
  kTopics,         // the event bus: events, dedupe ids, heads, subscriptions (engine/topics/)
  kAudit,          // audit seq → AuditEntry: the changing admin calls (engine/audit/)
};

inline constexpr size_t kCfCount = 12;

inline constexpr std::array<std::string_view, kCfCount> kCfNames{
    "instances", "journal", "timers", "idempotency", "index", "schedules", "events", "meta", "tasks", "kv", "topics",
    "audit"};

inline constexpr std::string_view cf_name(Cf cf) { return kCfNames[static_cast<size_t>(cf)]; }

}  // namespace sundial
