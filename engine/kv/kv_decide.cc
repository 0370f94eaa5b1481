#include "engine/kv/kv_decide.h"

#include <algorithm>

namespace sundial {

Result<void> check_kv_write(const KvWrite& w) {
  SUNDIAL_TRY(check_kv_namespace(w.ns));
  SUNDIAL_TRY(check_kv_key(w.key));
  if (w.op == KvOp::kPut) SUNDIAL_TRY(check_kv_value(w.value));
  if (w.by.empty()) return make_error(ErrorCode::kInvalidArgument, "a kv write must name its writer");
  return ok();
}

KvDecision decide_kv_write(const std::optional<KvEntry>& current, const KvWrite& w, TimeMs now) {
  KvDecision d;
  KvWriteResult& r = d.result;
  uint64_t found = current ? current->version : 0;
  if (current && w.by != kKvApiWriter) {
    auto made = std::find_if(current->history.begin(), current->history.end(),
                             [&](const KvChange& c) { return c.by == w.by; });
    if (made != current->history.end()) {
      r.ok = true;
      r.replayed = true;
      r.version = made->version;
      r.entry = current;
      return d;
    }
  }
  if (w.if_version && *w.if_version != found) {
    r.conflict = true;
    r.version = found;
    r.entry = current;
    if (current) {
      KvEntry noted = *current;
      ++noted.conflicts;
      noted.last_conflict = KvConflict{now, w.by, *w.if_version, found};
      d.store = std::move(noted);
    }
    return d;
  }
  bool live = current && !current->deleted;
  bool same = w.op == KvOp::kPut ? live && current->value == w.value : !live;
  if (same) {
    r.ok = true;
    r.unchanged = true;
    r.version = found;
    r.entry = current;
    return d;
  }
  KvEntry next = current.value_or(KvEntry{w.ns, w.key, nullptr, 0, false, now, now, 0, std::nullopt, {}});
  next.version = found + 1;
  next.updated_at = now;
  if (w.op == KvOp::kPut) {
    next.value = w.value;
    next.deleted = false;
  } else {
    next.deleted = true;  // the tombstone keeps the value
  }
  next.history.push_back(KvChange{next.version, w.op, now, w.by});
  if (next.history.size() > kKvHistory) {
    next.history.erase(next.history.begin(),
                       next.history.begin() + static_cast<std::ptrdiff_t>(next.history.size() - kKvHistory));
  }
  r.ok = true;
  r.version = next.version;
  r.entry = next;
  d.store = std::move(next);
  return d;
}

nlohmann::json kv_write_result_to_json(const KvWriteResult& r) {
  nlohmann::json j = {{"ok", r.ok}, {"version", r.version}};
  if (r.conflict) j["conflict"] = true;
  if (r.replayed) j["replayed"] = true;
  if (r.unchanged) j["unchanged"] = true;
  j["entry"] = r.entry ? kv_entry_to_json(*r.entry, false) : nlohmann::json(nullptr);
  return j;
}

}  // namespace sundial
