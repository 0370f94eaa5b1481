// Helpers for the pure decision tests (tests/engine/transitions): records
// in a given status, and readers for what a Decision's transition writes.
// No RocksDB, no loop: a decision is a value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "engine/transitions/commands.h"

namespace sundial::testing {

inline constexpr TimeMs kNow = 1'700'000'000'000;

// A record of instance "i-1" (type "demo") in `status`, created an hour
// ago, with a three-entry journal.
inline InstanceRecord record_in(InstanceStatus status) {
  InstanceRecord r;
  r.id = "i-1";
  r.type = "demo";
  r.input = {{"x", 1}};
  r.status = status;
  r.created_at = kNow - 3'600'000;
  r.updated_at = kNow - 60'000;
  r.next_seq = 3;
  if (is_finished(status)) r.finished_at = kNow - 60'000;
  return r;
}

// The puts and deletes of `cf` in the decision's batch, in order.
inline std::vector<Batch::Op> ops_in(const Decision& d, Cf cf) {
  std::vector<Batch::Op> out;
  for (const Batch::Op& op : d.tx.batch.ops()) {
    if (op.cf == cf) out.push_back(op);
  }
  return out;
}

// The journal entries the batch writes, decoded (seq from the key).
inline std::vector<JournalEntry> journal_written(const Decision& d) {
  std::vector<JournalEntry> out;
  for (const Batch::Op& op : ops_in(d, Cf::kJournal)) {
    EXPECT_EQ(op.kind, Batch::OpKind::kPut);
    auto entry = decode_entry(op.value);
    EXPECT_TRUE(entry.has_value()) << op.key;
    if (!entry) continue;
    entry->seq = keys::journal_seq(op.key).value_or(~0u);
    out.push_back(std::move(*entry));
  }
  return out;
}

// Checks that the decision appends exactly one entry of `kind` as the
// record's next entry, identically in memory and in the batch.
inline JournalEntry only_entry(const Decision& d, const InstanceRecord& before, EntryKind kind) {
  EXPECT_EQ(d.entries.size(), 1u);
  std::vector<JournalEntry> written = journal_written(d);
  EXPECT_EQ(written.size(), 1u);
  if (d.entries.size() != 1 || written.size() != 1) return {};
  const JournalEntry& e = d.entries[0];
  EXPECT_EQ(e.kind, kind);
  EXPECT_EQ(e.seq, before.next_seq);
  EXPECT_EQ(e.at, d.tx.now);
  EXPECT_EQ(d.record.next_seq, before.next_seq + 1);
  EXPECT_EQ(encode_entry(e).value(), encode_entry(written[0]).value());
  EXPECT_EQ(written[0].seq, e.seq);
  return e;
}

// The types of the events the decision publishes, in order.
inline std::vector<EventType> event_types(const Decision& d) {
  std::vector<EventType> out;
  for (const EngineEvent& ev : d.tx.events) out.push_back(ev.type);
  return out;
}

// A decision that changes nothing but the record's write: same record,
// no entries, no writes, no events, nothing to drive.
inline void expect_no_change(const Decision& d, const InstanceRecord& before) {
  EXPECT_EQ(d.kind, Decision::Kind::kCommit);
  EXPECT_EQ(encode_record(d.record).value(), encode_record(before).value());
  EXPECT_TRUE(d.entries.empty());
  EXPECT_TRUE(d.tx.batch.empty());
  EXPECT_TRUE(d.tx.events.empty());
  EXPECT_TRUE(d.tx.timers_to_arm.empty());
  EXPECT_EQ(d.then, Then::kNothing);
  EXPECT_FALSE(d.remember.has_value());
}

}  // namespace sundial::testing
