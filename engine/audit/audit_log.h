// AuditLog: the durable record of changing admin calls (docs/operations.md,
// "Audit log"). The server hands it one AuditEntry per call once the call
// is answered (server/api/audit_trail.h); the log stamps the time and the
// next sequence number and submits the entry's put to the commit queue,
// where it joins the group commit of that loop turn. No disk wait on the
// loop, and no answer waits for it.
//
// Guarantee: an entry is on disk one group commit after its call was
// answered. A clean shutdown writes every recorded entry (the Engine drains
// the commit queue before it closes the log); a kill -9 may lose the
// entries of the calls answered in the last moments (those whose commit
// had not completed), and a failed commit loses its entries (logged and
// counted in stats().lost). Sequence numbers increase; a lost entry leaves
// a gap.
//
// Retention (AuditOptions): the retention sweep (engine/retention) deletes
// entries older than `retention` and the oldest past `max_entries`, one
// range delete each (trim()).
//
// Threading: loop thread only (checked), except the reads in
// audit_query.h and audit_trim_point (any thread, against a snapshot).
// Ownership: owned by Engine; borrows the Loop, Clock, Store and
// CommitQueue, which outlive it.
#pragma once

#include <cstdint>

#include "engine/audit/audit_entry.h"
#include "engine/base/clock.h"
#include "engine/loop/loop.h"
#include "engine/storage/batch.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"

namespace sundial {

struct AuditOptions {
  // Default: 90d ([audit] retention). Entries older are deleted by the sweep.
  DurationMs retention = 90 * kDayMs;
  // Default: 1,000,000 ([audit] max_entries; about 200 bytes each). The
  // oldest entries past it are deleted by the sweep.
  uint64_t max_entries = 1'000'000;
};

class AuditLog {
 public:
  struct Stats {
    uint64_t recorded = 0;  // entries submitted
    uint64_t lost = 0;      // entries whose commit failed, or recorded after close()
  };

  AuditLog(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, AuditOptions options);
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Start-up: reads the last sequence number.
  Result<void> open();
  // Stamps `entry` (seq, at) and submits it; returns the seq. After
  // close() the entry is dropped (counted as lost) and 0 returned.
  uint64_t record(AuditEntry entry);
  // Adds to `batch` the range delete of every entry below `expired_below`
  // (from audit_trim_point) and of the oldest past max_entries.
  void trim(Batch& batch, uint64_t expired_below) const;
  // Stops recording; the Engine calls it once the commit queue is drained.
  void close() { closed_ = true; }

  const AuditOptions& options() const { return options_; }
  const Stats& stats() const { return stats_; }
  // The last sequence number assigned (its commit may be in flight).
  uint64_t last_seq() const { return next_seq_ - 1; }

 private:
  Loop& loop_;
  Clock& clock_;
  Store& store_;
  CommitQueue& commits_;
  AuditOptions options_;
  uint64_t next_seq_ = 1;
  bool closed_ = false;
  Stats stats_;
};

// The lowest sequence number whose entry is not older than `cutoff`: every
// entry below it is. Entries are in time order (sequence numbers follow the
// clock), so a binary search over the kept range finds it in about 20
// seeks, however many entries are kept. 0 when the log is empty. Any
// thread; the sweep runs it on the pool against its snapshot.
Result<uint64_t> audit_trim_point(Store& store, TimeMs cutoff);

}  // namespace sundial
