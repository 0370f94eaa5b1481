#include "engine/queries.h"

#include <algorithm>
#include <limits>
#include <map>

#include "engine/base/coding.h"
#include "engine/codec/codec.h"
#include "engine/codec/index_keys.h"
#include "engine/codec/scan_decoded.h"
#include "engine/codec/slot_rows.h"
#include "engine/tasks/task_keys.h"

namespace sundial {

Result<InstanceRecord> describe_instance(Store& store, const std::string& id, std::optional<uint32_t> run) {
  SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kInstances, id));
  if (!bytes) return make_error(ErrorCode::kNotFound, "instance '" + id + "' does not exist");
  SUNDIAL_ASSIGN_OR_RETURN(InstanceRecord latest, decode_record(*bytes));
  if (!run || *run == latest.run) return latest;
  if (*run == 0 || *run > latest.run) {
    return make_error(ErrorCode::kNotFound, "instance '" + id + "' has no run " + std::to_string(*run) +
                                                " (its latest is run " + std::to_string(latest.run) + ")");
  }
  SUNDIAL_ASSIGN_OR_RETURN(auto past, store.get(Cf::kIndex, keys::past_run_key(id, *run)));
  if (!past) {
    return make_error(ErrorCode::kNotFound, "run " + std::to_string(*run) + " of instance '" + id +
                                                "' is no longer kept (the " + std::to_string(kPastRunsKept) +
                                                " runs before the latest are)");
  }
  return decode_record(*past);
}

Result<nlohmann::json> describe_json(Store& store, const std::string& id, std::optional<uint32_t> run) {
  SUNDIAL_ASSIGN_OR_RETURN(InstanceRecord record, describe_instance(store, id, run));
  nlohmann::json j = record_to_json(record);
  if (slot_state(record) == SlotState::kDebouncing) {
    j["concurrency"]["debounce_until"] = record.timer_due;
  } else if (record.status == InstanceStatus::kQueued && record.concurrency) {
    SUNDIAL_ASSIGN_OR_RETURN(size_t position, queue_position(store, record));
    j["concurrency"]["position"] = position;
  }
  nlohmann::json children = nlohmann::json::array();
  SUNDIAL_TRY(
      scan_prefix(store, Cf::kIndex, keys::child_prefix(id), [&](std::string_view key, std::string_view) {
        children.push_back(std::string(keys::child_of_key(key, id)));
        return children.size() < kMaxListedChildren;
      }));
  if (!children.empty()) j["children"] = std::move(children);
  return j;
}

namespace {

std::string with_time(std::string prefix, TimeMs t) {
  put_u64_be(prefix, static_cast<uint64_t>(std::max<TimeMs>(t, 0)));
  return prefix;
}

bool created_in_range(const ListQuery& query, TimeMs created) {
  return (!query.created_after || created > *query.created_after) &&
         (!query.created_before || created < *query.created_before);
}

// The cursor's key, when it is one of `prefix`'s: the page's range then
// starts after it (or, newest first, ends before it).
Result<void> apply_cursor(const ListQuery& query, const std::string& prefix, std::string& begin,
                          std::string& end) {
  if (query.cursor.empty()) return ok();
  auto last = from_hex(query.cursor);
  if (!last || last->compare(0, prefix.size(), prefix) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "cursor is not from a listing with the same filters");
  }
  if (query.newest_first) {
    if (end.empty() || *last < end) end = *last;  // exclusive: the keys before the last one returned
  } else {
    begin = std::max(begin, *last + '\0');  // the smallest key after the last one returned
  }
  return ok();
}

// list_instances with `attr`: the attribute's index rows (id order), each
// record read and checked against the other filters.
Result<ListPage> list_by_attribute(Store& store, const ListQuery& query, size_t limit) {
  const std::string prefix = keys::attr_index_prefix(query.attr->name, search_value(query.attr->value));
  std::string begin = prefix;
  std::string end = prefix_successor(prefix);
  SUNDIAL_TRY(apply_cursor(query, prefix, begin, end));
  if (!end.empty() && begin >= end) return ListPage{};
  ListPage page;
  std::string last_key;
  bool more = false;
  size_t scanned = 0;
  Result<void> failed = ok();
  auto visit = [&](std::string_view key, std::string_view) {
    if (page.instances.size() == limit || scanned == std::max<size_t>(query.max_scanned, 1)) {
      more = true;
      return false;
    }
    ++scanned;
    last_key = key;
    std::string id(key.substr(prefix.size()));
    if (!id.starts_with(query.id_prefix)) return true;
    auto record = describe_instance(store, id);
    if (!record) {
      if (record.error().code == ErrorCode::kNotFound) return true;  // deleted meanwhile
      failed = std::unexpected(record.error());
      return false;
    }
    if ((query.type && record->type != *query.type) || (query.status && record->status != *query.status) ||
        !created_in_range(query, record->created_at)) {
      return true;
    }
    page.instances.push_back(std::move(*record));
    return true;
  };
  if (query.newest_first) {
    SUNDIAL_TRY(store.scan_reverse(Cf::kIndex, begin, end, visit));
  } else {
    SUNDIAL_TRY(store.scan(Cf::kIndex, begin, end, visit));
  }
  SUNDIAL_TRY(failed);
  if (more) page.next_cursor = to_hex(last_key);
  return page;
}

}  // namespace

Result<ListPage> list_instances(Store& store, const ListQuery& query) {
  size_t limit = std::clamp<size_t>(query.limit, 1, kMaxListLimit);
  if (query.attr) return list_by_attribute(store, query, limit);
  // Choose the index: by type and status, by status, by type (each keyed
  // prefix | created | id), or all by id.
  Cf cf = Cf::kIndex;
  std::string prefix;
  if (query.type && query.status) {
    prefix = keys::type_status_index_prefix(*query.type, *query.status);
  } else if (query.status) {
    prefix = keys::status_index_prefix(*query.status);
  } else if (query.type) {
    prefix = keys::type_index_prefix(*query.type);
  } else {
    cf = Cf::kInstances;
    prefix = query.id_prefix;
  }
  const bool by_index = cf == Cf::kIndex;
  const size_t fixed = by_index ? prefix.size() : 0;  // bytes before the 8-byte creation time
  // The key range: an index narrows by creation time, the instances by id.
  std::string begin = prefix;
  std::string end = prefix_successor(prefix);
  if (by_index && query.created_after) {
    if (*query.created_after == std::numeric_limits<TimeMs>::max()) return ListPage{};
    begin = with_time(prefix, *query.created_after + 1);
  }
  if (by_index && query.created_before) end = with_time(prefix, *query.created_before);
  SUNDIAL_TRY(apply_cursor(query, prefix, begin, end));
  if (!end.empty() && begin >= end) return ListPage{};
  std::vector<std::string> ids;
  std::string last_key;
  bool more = false;
  size_t scanned = 0;
  auto visit = [&](std::string_view key, std::string_view value) {
    if (ids.size() == limit || scanned == std::max<size_t>(query.max_scanned, 1)) {
      more = true;
      return false;
    }
    ++scanned;
    last_key = key;
    std::string_view id = by_index ? keys::index_key_id(key, fixed) : key;
    if (!id.starts_with(query.id_prefix)) return true;
    if (by_index || (!query.created_after && !query.created_before)) {
      ids.emplace_back(id);
      return true;
    }
    auto record = decode_record(value);
    if (record && created_in_range(query, record->created_at)) ids.emplace_back(id);
    return true;
  };
  if (query.newest_first) {
    SUNDIAL_TRY(store.scan_reverse(cf, begin, end, visit));
  } else {
    SUNDIAL_TRY(store.scan(cf, begin, end, visit));
  }
  ListPage page;
  for (const std::string& id : ids) {
    auto record = describe_instance(store, id);
    if (!record && record.error().code == ErrorCode::kNotFound) continue;  // deleted meanwhile
    if (!record) return std::unexpected(record.error());
    page.instances.push_back(std::move(*record));
  }
  if (more) page.next_cursor = to_hex(last_key);
  return page;
}

Result<RunHistory> instance_history(Store& store, const std::string& id, std::optional<uint32_t> run) {
  SUNDIAL_ASSIGN_OR_RETURN(InstanceRecord record, describe_instance(store, id, run));
  RunHistory history{record.run, {}};
  std::vector<JournalEntry>& out = history.entries;
  SUNDIAL_TRY(scan_decoded_prefix<JournalEntry>(
      store, Cf::kJournal, keys::journal_prefix(id, record.run),
      [](std::string_view key, std::string_view value) -> Result<JournalEntry> {
        SUNDIAL_ASSIGN_OR_RETURN(JournalEntry entry, decode_entry(value));
        entry.seq = keys::journal_seq(key).value_or(0);
        return entry;
      },
      [&](JournalEntry&& entry) {
        out.push_back(std::move(entry));
        return true;
      }));
  return history;
}

Result<std::vector<keys::TimerKey>> pending_timers(Store& store, TimeMs due_before, size_t limit) {
  std::vector<keys::TimerKey> out;
  std::string end = due_before > 0 ? keys::timer_key(due_before, "") : std::string();
  SUNDIAL_TRY(store.scan(Cf::kTimers, {}, end, [&](std::string_view key, std::string_view) {
    if (auto t = keys::parse_timer_key(key)) out.push_back(std::move(*t));
    return out.size() < limit;
  }));
  return out;
}

Result<InstanceStats> instance_stats(Store& store) {
  InstanceStats stats;
  // One walk of the type-and-status index counts both ways: every instance
  // has one key there (types in order, then statuses).
  std::map<uint8_t, uint64_t> by_status;
  std::map<uint8_t, uint64_t> of_type;
  std::string type;
  auto close_type = [&] {
    if (of_type.empty()) return;
    auto& counts = stats.by_type.emplace_back(type, std::vector<std::pair<InstanceStatus, uint64_t>>{}).second;
    for (InstanceStatus status : kAllStatuses) {
      if (auto n = of_type.find(keys::status_byte(status)); n != of_type.end()) counts.emplace_back(status, n->second);
    }
    of_type.clear();
  };
  SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, keys::type_status_index_all_prefix(),
                          [&](std::string_view key, std::string_view) {
                            auto parsed = keys::parse_type_status_index_key(key);
                            if (!parsed) return true;
                            if (parsed->type != type) {
                              close_type();
                              type = parsed->type;
                            }
                            ++of_type[parsed->status];
                            ++by_status[parsed->status];
                            return true;
                          }));
  close_type();
  for (InstanceStatus status : kAllStatuses) {
    stats.by_status.emplace_back(status, by_status[keys::status_byte(status)]);
  }
  SUNDIAL_TRY(store.scan(Cf::kTimers, {}, {}, [&](std::string_view key, std::string_view) {
    if (!stats.next_due) {
      if (auto t = keys::parse_timer_key(key)) stats.next_due = t->due;
    }
    ++stats.pending_timers;
    return true;
  }));
  return stats;
}

nlohmann::json record_to_json(const InstanceRecord& r) {
  nlohmann::json j = {{"id", r.id},
                      {"type", r.type},
                      {"version", r.version.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.version)},
                      {"status", status_name(r.status)},
                      {"input", r.input},
                      {"created_at", r.created_at},
                      {"updated_at", r.updated_at},
                      {"run", r.run},
                      {"attempts", r.attempt},
                      {"history_length", r.next_seq}};
  j["finished_at"] = r.finished_at ? nlohmann::json(r.finished_at) : nlohmann::json(nullptr);
  // A finished instance waits for nothing; a failed one names the step that
  // failed it (what `skip` skips).
  bool ended = r.status == InstanceStatus::kCompleted || r.status == InstanceStatus::kCancelled;
  j["current_step"] =
      r.await_kind == AwaitKind::kStep && !ended ? nlohmann::json(r.step_name) : nlohmann::json(nullptr);
  j["next_timer"] = r.timer_due && !is_finished(r.status) ? nlohmann::json(r.timer_due) : nlohmann::json(nullptr);
  j["waiting_for_signals"] = is_finished(r.status) ? std::vector<std::string>{} : r.wait_signals;
  j["last_error"] = r.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.last_error);
  j["result"] = r.result;
  if (r.status == InstanceStatus::kPaused) j["paused_at"] = r.paused_at;
  if (!r.cancel_reason.empty()) j["cancel_reason"] = r.cancel_reason;
  if (!r.idempotency_key.empty()) j["idempotency_key"] = r.idempotency_key;
  if (r.concurrency) j["concurrency"] = to_json(*r.concurrency);
  if (!r.send_window.is_null()) j["send_window"] = r.send_window;
  if (!r.search_attributes.empty()) j["search_attributes"] = search_attributes_to_json(r.search_attributes);
  // A step held for its send window (the one way a step waits), also
  // while paused.
  InstanceStatus live = r.status == InstanceStatus::kPaused ? r.status_before_pause : r.status;
  if (live == InstanceStatus::kWaiting && r.await_kind == AwaitKind::kStep && r.timer_due) {
    j["window_opens_at"] = r.timer_due;
  }
  if (!r.parent_id.empty()) {
    j["parent"] = {{"id", r.parent_id}, {"run", r.parent_run}, {"detached", r.detached}};
  }
  return j;
}

nlohmann::json start_reply_to_json(const StartReply& reply) {
  nlohmann::json j = {{"instance_id", reply.instance_id},
                      {"status", status_name(reply.status)},
                      {"created", reply.created},
                      {"run", reply.run}};
  if (reply.coalesced) j["coalesced"] = true;
  if (reply.dropped) j["dropped"] = true;
  return j;
}

Result<size_t> queue_position(Store& store, const InstanceRecord& r) {
  if (slot_state(r) != SlotState::kQueued) return 0;
  return slot_position(store, keys::SlotSpace::kInstances, r.concurrency->key, r.queue_seq);
}

nlohmann::json list_page_to_json(const ListPage& page) {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& r : page.instances) instances.push_back(record_to_json(r));
  return {
      {"instances", instances},
      {"next_cursor", page.next_cursor.empty() ? nlohmann::json(nullptr) : nlohmann::json(page.next_cursor)}};
}

nlohmann::json history_to_json(const std::string& id, const RunHistory& history) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : history.entries) out.push_back(entry_to_json(e));
  return {{"instance_id", id}, {"run", history.run}, {"entries", out}};
}

nlohmann::json timers_to_json(const std::vector<keys::TimerKey>& timers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : timers) {
    // A task's delay, backoff or lease (engine/tasks/task_keys.h) names its task.
    if (task_keys::is_task_timer(t.instance_id)) {
      out.push_back({{"task_id", task_keys::task_of_timer(t.instance_id)}, {"due_at", t.due}});
    } else {
      out.push_back({{"instance_id", t.instance_id}, {"due_at", t.due}});
    }
  }
  return {{"timers", out}};
}

nlohmann::json stats_to_json(const InstanceStats& s) {
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, count] : s.by_status) by_status[std::string(status_name(status))] = count;
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [type, counts] : s.by_type) {
    nlohmann::json& of_type = by_type[type];
    of_type = nlohmann::json::object();
    for (const auto& [status, count] : counts) of_type[std::string(status_name(status))] = count;
  }
  return {{"instances", by_status},
          {"by_type", std::move(by_type)},
          {"pending_timers", s.pending_timers},
          {"next_due_at", s.next_due ? nlohmann::json(*s.next_due) : nlohmann::json(nullptr)}};
}

}  // namespace sundial
