#include "engine/audit/audit_log.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"

namespace sundial {

AuditLog::AuditLog(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, AuditOptions options)
    : loop_(loop), clock_(clock), store_(store), commits_(commits), options_(options) {}

Result<void> AuditLog::open() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  SUNDIAL_ASSIGN_OR_RETURN(auto last_key, store_.last_key(Cf::kAudit));
  next_seq_ = (last_key ? parse_audit_key(*last_key).value_or(0) : 0) + 1;
  return ok();
}

uint64_t AuditLog::record(AuditEntry entry) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (closed_) {
    stats_.lost++;
    spdlog::warn("audit: {} answered {} after the engine closed; not recorded", entry.route, entry.status);
    return 0;
  }
  entry.seq = next_seq_;
  entry.at = clock_.now_ms();
  // Encoded (it cannot fail) before the sequence number is taken.
  Batch batch;
  batch.put(Cf::kAudit, audit_key(entry.seq), encode_audit_entry(entry));
  ++next_seq_;
  stats_.recorded++;
  commits_.submit(std::move(batch), [this, seq = entry.seq, route = std::move(entry.route)](Result<void> r) {
    if (r) return;
    stats_.lost++;
    spdlog::error("audit entry {} ({}) was not written: {}", seq, route, r.error().to_string());
  });
  return entry.seq;
}

void AuditLog::trim(Batch& batch, uint64_t expired_below) const {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  uint64_t below = expired_below;
  if (next_seq_ > options_.max_entries + 1) below = std::max(below, next_seq_ - options_.max_entries);
  if (below <= 1) return;
  batch.delete_range(Cf::kAudit, audit_key(0), audit_key(below));
}

namespace {

// The first entry with seq >= `from`, if any.
Result<std::optional<AuditEntry>> first_from(Store& store, uint64_t from) {
  std::optional<AuditEntry> found;
  Result<void> decoded = ok();
  SUNDIAL_TRY(store.scan(Cf::kAudit, audit_key(from), {}, [&](std::string_view key, std::string_view value) {
    auto entry = decode_audit_entry(key, value);
    if (entry) {
      found = std::move(*entry);
    } else {
      decoded = std::unexpected(entry.error());
    }
    return false;
  }));
  SUNDIAL_TRY(decoded);
  return found;
}

}  // namespace

Result<uint64_t> audit_trim_point(Store& store, TimeMs cutoff) {
  SUNDIAL_ASSIGN_OR_RETURN(auto oldest, first_from(store, 0));
  SUNDIAL_ASSIGN_OR_RETURN(auto last_key, store.last_key(Cf::kAudit));
  if (!oldest || !last_key) return uint64_t{0};
  uint64_t lo = oldest->seq;
  uint64_t hi = parse_audit_key(*last_key).value_or(lo) + 1;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    SUNDIAL_ASSIGN_OR_RETURN(auto entry, first_from(store, mid));
    if (!entry || entry->at >= cutoff) {
      hi = mid;
    } else {
      lo = entry->seq + 1;
    }
  }
  return lo;
}

}  // namespace sundial
