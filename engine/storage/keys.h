// Key encoding for every column family. Keys are binary and ordered by
// RocksDB's bytewise comparator; integers are big-endian so byte order is
// numeric order. docs/storage-format.md draws the same layouts.
//
// Ordering contracts:
//  - journal: all entries of one run of an instance are contiguous, in seq
//    order: (id, 0x00, u32 seq) for its first run, (id, 0x01, u32 run,
//    u32 seq) for a later one (id_reuse, continue-as-new). Instance ids
//    never contain 0x00 or 0x01 (validate_instance_id), so every run of
//    an id lies in [id 0x00, id 0x02).
//  - timers: (u64 due ms, id): the soonest timer is the first key; equal due
//    times order by instance id.
//  - index: one byte tag per index, then fields; within a status or type,
//    instances order by creation time, then id.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial::keys {

// Instance ids: 1-200 bytes of printable ASCII without space, '/', '?', '#',
// '%' or '\\' (they travel in URL paths). Workflow type names: 1-100 bytes of
// [A-Za-z0-9._-].
Result<void> validate_instance_id(std::string_view id);
Result<void> validate_type_name(std::string_view type);
// Signal and step names: 1-200 bytes of valid UTF-8, no control characters.
Result<void> validate_name(std::string_view what, std::string_view name);

// `run` is 1-based; runs 0 and 1 both name the first.
std::string journal_key(std::string_view id, uint32_t run, uint32_t seq);
std::string journal_prefix(std::string_view id, uint32_t run);
// The journal keys of every run of `id`: [begin, end).
std::string journal_all_runs_begin(std::string_view id);
std::string journal_all_runs_end(std::string_view id);
std::optional<uint32_t> journal_seq(std::string_view key);

struct TimerKey {
  TimeMs due = 0;
  std::string instance_id;
};
std::string timer_key(TimeMs due, std::string_view id);
std::optional<TimerKey> parse_timer_key(std::string_view key);

// `status` is the stored byte of an instance status; engine/codec/index_keys.h
// has the forms that take an InstanceStatus (storage knows no model).
std::string status_index_key(uint8_t status, TimeMs created, std::string_view id);
std::string status_index_prefix(uint8_t status);
std::string type_index_key(std::string_view type, TimeMs created, std::string_view id);
std::string type_index_prefix(std::string_view type);
std::string type_status_index_key(std::string_view type, uint8_t status, TimeMs created, std::string_view id);
std::string type_status_index_prefix(std::string_view type, uint8_t status);
// Every key of the type-and-status index, and the type and status byte of
// one of them (nullopt for a key of another form).
std::string type_status_index_all_prefix();
struct TypeStatusOfKey {
  std::string_view type;
  uint8_t status = 0;
};
std::optional<TypeStatusOfKey> parse_type_status_index_key(std::string_view key);
// Instances of a versioned (script) type that may still run their version
// (holds_version in engine/model/instance.h), by version: counts what
// runs each version, and whether an old version may be deleted.
std::string version_index_key(std::string_view type, std::string_view version, std::string_view id);
std::string version_index_prefix(std::string_view type, std::string_view version);
std::string version_index_type_prefix(std::string_view type);
// Finished instances by finish time: the retention sweep's work list.
std::string finished_index_key(TimeMs finished, std::string_view id);
std::string finished_index_prefix();
// Idempotency keys by expiry: the sweep's other work list.
std::string idempotency_expiry_key(TimeMs expires, std::string_view key);
std::string idempotency_expiry_prefix();
// Instances (tag 'C') and tasks (tag 'G') under a concurrency key
// (engine/flow/key_slots.h), each its own space of keys: `state` is the
// stored SlotState byte (1 holding, 2 queued, 3 debouncing), `seq` the
// arrival order; the value is the limit its start or enqueue asked for
// (u32). Recovery rebuilds the slots from a scan of the space's prefix.
enum class SlotSpace : char { kInstances = 'C', kTasks = 'G' };
std::string slot_index_key(std::string_view key, uint8_t state, uint64_t seq, std::string_view id,
                           SlotSpace space = SlotSpace::kInstances);
std::string slot_index_prefix(SlotSpace space = SlotSpace::kInstances);
std::string slot_index_key_prefix(std::string_view key, SlotSpace space = SlotSpace::kInstances);
struct SlotIndexKey {
  std::string key;
  uint8_t state = 0;
  uint64_t seq = 0;
  std::string id;
};
std::optional<SlotIndexKey> parse_slot_index_key(std::string_view key,
                                                 SlotSpace space = SlotSpace::kInstances);
// The instance id at the end of an index key whose fixed part is `prefix_len` bytes
// followed by an 8-byte time.
std::string_view index_key_id(std::string_view key, size_t prefix_len);
std::optional<TimeMs> index_key_time(std::string_view key, size_t prefix_len);

// Instances by search attribute (engine/model/search_attributes.h): tag,
// u16 name length, name, u16 value length, value, id. Length-prefixed, so
// a value's keys never run into another's; in id order within a value.
std::string attr_index_key(std::string_view name, std::string_view value, std::string_view id);
std::string attr_index_prefix(std::string_view name, std::string_view value);

// The record of a finished earlier run of an instance, kept when the id
// runs again (id_reuse, continue-as-new); the `instances` family holds the
// latest run. Value: the run's record.
std::string past_run_key(std::string_view id, uint32_t run);
std::string past_run_prefix(std::string_view id);

// The outbox (engine/runtime/outbox.h): a notice an instance's commit owes
// other instances, by the sender, its run and journal position at the
// time, and the notice's kind.
std::string notice_key(std::string_view sender, uint32_t run, uint32_t seq, char kind);
std::string notice_prefix();
// A child instance (InstanceRecord::parent_id, not detached) under its
// parent: what a cancel of the parent cancels.
std::string child_key(std::string_view parent, std::string_view child);
std::string child_prefix(std::string_view parent);
std::string_view child_of_key(std::string_view key, std::string_view parent);

std::string event_key(uint64_t seq);
std::optional<uint64_t> parse_event_key(std::string_view key);

inline constexpr std::string_view kSchemaVersionKey = "schema_version";

}  // namespace sundial::keys
