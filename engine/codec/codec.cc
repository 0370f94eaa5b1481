#include "engine/codec/codec.h"

#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/base/utf8.h"
#include "engine/codec/stored_json.h"

namespace sundial {
namespace {

using nlohmann::json;
using namespace stored_json;

enum class Problem { kNone, kBadUtf8, kTooDeep };

// The first reason `value` cannot be stored, walking with an explicit stack.
Problem find_problem(const json& value, std::string* detail) {
  std::vector<std::pair<const json*, size_t>> stack{{&value, 0}};
  auto bad_text = [&](std::string_view s) {
    auto at = find_invalid_utf8(s);
    if (at && detail != nullptr) *detail = " (" + describe_invalid_utf8(s, *at) + ")";
    return at.has_value();
  };
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (v->is_string()) {
      if (bad_text(v->get_ref<const std::string&>())) return Problem::kBadUtf8;
      continue;
    }
    if (!v->is_structured()) continue;
    if (depth + 1 > kMaxStoredValueDepth) return Problem::kTooDeep;
    if (v->is_object()) {
      for (const auto& [key, child] : v->items()) {
        if (bad_text(key)) return Problem::kBadUtf8;
        stack.emplace_back(&child, depth + 1);
      }
    } else {
      for (const auto& child : *v) stack.emplace_back(&child, depth + 1);
    }
  }
  return Problem::kNone;
}

}  // namespace

Result<void> check_storable(const nlohmann::json& value, std::string_view what) {
  std::string detail;
  switch (find_problem(value, &detail)) {
    case Problem::kNone:
      return ok();
    case Problem::kBadUtf8:
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(what) + " holds text that is not valid UTF-8" + detail);
    case Problem::kTooDeep:
      return make_error(ErrorCode::kInvalidArgument, std::string(what) + " is nested deeper than " +
                                                         std::to_string(kMaxStoredValueDepth) + " levels");
  }
  return ok();
}

nlohmann::json storable_copy(const nlohmann::json& value) {
  switch (find_problem(value, nullptr)) {
    case Problem::kNone:
      return value;
    case Problem::kTooDeep:
      return nullptr;
    case Problem::kBadUtf8:
      break;
  }
  auto repaired = parse_json(value.dump(-1, ' ', false, json::error_handler_t::replace),
                             JsonLimits{kMaxStoredValueDepth});
  return repaired ? std::move(*repaired) : json(nullptr);
}

Result<std::string> encode_record(const InstanceRecord& r) {
  json j = {{"id", r.id},
            {"type", r.type},
            {"input", r.input},
            {"status", status_name(r.status)},
            {"created_at", r.created_at},
            {"updated_at", r.updated_at},
            {"next_seq", r.next_seq}};
  if (!r.version.empty()) j["version"] = r.version;
  if (r.run > 1) j["run"] = r.run;
  if (!r.result.is_null()) j["result"] = r.result;
  if (r.finished_at) j["finished_at"] = r.finished_at;
  if (r.await_kind != AwaitKind::kNone) j["await"] = static_cast<int>(r.await_kind);
  if (!r.step_name.empty()) j["step"] = r.step_name;
  if (r.attempt) j["attempt"] = r.attempt;
  if (!r.wait_signals.empty()) j["signals"] = r.wait_signals;
  if (r.timer_due) j["timer_due"] = r.timer_due;
  if (r.status == InstanceStatus::kPaused) {
    j["paused_at"] = r.paused_at;
    j["before_pause"] = status_name(r.status_before_pause);
  }
  if (!r.last_error.empty()) j["last_error"] = r.last_error;
  if (!r.cancel_reason.empty()) j["cancel_reason"] = r.cancel_reason;
  if (!r.idempotency_key.empty()) j["idempotency_key"] = r.idempotency_key;
  if (r.concurrency) j["concurrency"] = to_json(*r.concurrency);
  if (r.queue_seq) j["queue_seq"] = r.queue_seq;
  if (!r.parent_id.empty()) {
    j["parent"] = r.parent_id;
    j["parent_run"] = r.parent_run;
    if (r.detached) j["detached"] = true;
  }
  if (!r.send_window.is_null()) j["send_window"] = r.send_window;
  if (!r.search_attributes.empty()) j["attrs"] = search_attributes_to_json(r.search_attributes);
  SUNDIAL_TRY(check_fields(j, "instance record"));
  return dump_checked(j, "instance record");
}

Result<InstanceRecord> decode_record(std::string_view bytes) {
  constexpr std::string_view what = "instance record";
  SUNDIAL_ASSIGN_OR_RETURN(json j, parse_object(bytes, what));
  InstanceRecord r;
  std::string status, before = "running";
  int await = 0;
  if (!read(j, "id", r.id)) return std::unexpected(corrupt(what, "id"));
  if (!read(j, "type", r.type)) return std::unexpected(corrupt(what, "type"));
  if (!read(j, "version", r.version)) return std::unexpected(corrupt(what, "version"));
  if (auto it = j.find("input"); it != j.end()) r.input = *it;
  if (auto it = j.find("result"); it != j.end()) r.result = *it;
  if (!read(j, "status", status)) return std::unexpected(corrupt(what, "status"));
  if (!read(j, "created_at", r.created_at)) return std::unexpected(corrupt(what, "created_at"));
  if (!read(j, "updated_at", r.updated_at)) return std::unexpected(corrupt(what, "updated_at"));
  if (!read(j, "finished_at", r.finished_at)) return std::unexpected(corrupt(what, "finished_at"));
  if (!read(j, "next_seq", r.next_seq)) return std::unexpected(corrupt(what, "next_seq"));
  if (!read(j, "run", r.run) || r.run == 0) return std::unexpected(corrupt(what, "run"));
  if (!read(j, "await", await) || await < 0 || await > 3) return std::unexpected(corrupt(what, "await"));
  if (!read(j, "step", r.step_name)) return std::unexpected(corrupt(what, "step"));
  if (!read(j, "attempt", r.attempt)) return std::unexpected(corrupt(what, "attempt"));
  if (!read(j, "signals", r.wait_signals)) return std::unexpected(corrupt(what, "signals"));
  if (!read(j, "timer_due", r.timer_due)) return std::unexpected(corrupt(what, "timer_due"));
  if (!read(j, "paused_at", r.paused_at)) return std::unexpected(corrupt(what, "paused_at"));
  if (!read(j, "before_pause", before)) return std::unexpected(corrupt(what, "before_pause"));
  if (!read(j, "last_error", r.last_error)) return std::unexpected(corrupt(what, "last_error"));
  if (!read(j, "cancel_reason", r.cancel_reason)) return std::unexpected(corrupt(what, "cancel_reason"));
  if (!read(j, "idempotency_key", r.idempotency_key)) {
    return std::unexpected(corrupt(what, "idempotency_key"));
  }
  if (auto it = j.find("concurrency"); it != j.end()) {
    auto spec = parse_concurrency(*it);
    if (!spec) return std::unexpected(corrupt(what, "concurrency"));
    r.concurrency = std::move(*spec);
  }
  if (!read(j, "queue_seq", r.queue_seq)) return std::unexpected(corrupt(what, "queue_seq"));
  if (!read(j, "parent", r.parent_id)) return std::unexpected(corrupt(what, "parent"));
  if (!read(j, "parent_run", r.parent_run)) return std::unexpected(corrupt(what, "parent_run"));
  if (!read(j, "detached", r.detached)) return std::unexpected(corrupt(what, "detached"));
  if (auto it = j.find("send_window"); it != j.end()) {
    if (!it->is_object()) return std::unexpected(corrupt(what, "send_window"));
    r.send_window = *it;
  }
  if (auto it = j.find("attrs"); it != j.end()) {
    auto attrs = search_attributes_from_json(*it);
    if (!attrs) return std::unexpected(corrupt(what, "attrs"));
    r.search_attributes = std::move(*attrs);
  }
  auto parsed_status = parse_status(status);
  auto parsed_before = parse_status(before);
  if (!parsed_status) return std::unexpected(corrupt(what, "status"));
  if (!parsed_before) return std::unexpected(corrupt(what, "before_pause"));
  r.status = *parsed_status;
  r.status_before_pause = *parsed_before;
  r.await_kind = static_cast<AwaitKind>(await);
  return r;
}

Result<std::string> encode_entry(const JournalEntry& e) {
  json j = {{"k", entry_kind_name(e.kind)}, {"at", e.at}};
  if (!e.name.empty()) j["n"] = e.name;
  if (e.attempt) j["a"] = e.attempt;
  if (!e.data.is_null()) j["d"] = e.data;
  if (!e.error.empty()) j["e"] = e.error;
  if (e.due) j["due"] = e.due;
  if (e.ref_seq) j["ref"] = e.ref_seq;
  if (e.delivered) j["dl"] = true;
  if (e.shift_ms) j["sh"] = e.shift_ms;
  SUNDIAL_TRY(check_fields(j, "journal entry"));
  return dump_checked(j, "journal entry");
}

Result<JournalEntry> decode_entry(std::string_view bytes) {
  constexpr std::string_view what = "journal entry";
  SUNDIAL_ASSIGN_OR_RETURN(json j, parse_object(bytes, what));
  JournalEntry e;
  std::string kind;
  if (!read(j, "k", kind)) return std::unexpected(corrupt(what, "k"));
  auto parsed = parse_entry_kind(kind);
  if (!parsed) return std::unexpected(corrupt(what, "k"));
  e.kind = *parsed;
  if (!read(j, "at", e.at)) return std::unexpected(corrupt(what, "at"));
  if (!read(j, "n", e.name)) return std::unexpected(corrupt(what, "n"));
  if (!read(j, "a", e.attempt)) return std::unexpected(corrupt(what, "a"));
  if (auto it = j.find("d"); it != j.end()) e.data = *it;
  if (!read(j, "e", e.error)) return std::unexpected(corrupt(what, "e"));
  if (!read(j, "due", e.due)) return std::unexpected(corrupt(what, "due"));
  if (!read(j, "ref", e.ref_seq)) return std::unexpected(corrupt(what, "ref"));
  if (!read(j, "dl", e.delivered)) return std::unexpected(corrupt(what, "dl"));
  if (!read(j, "sh", e.shift_ms)) return std::unexpected(corrupt(what, "sh"));
  return e;
}

std::string encode_event(const EngineEvent& ev) {
  json j = {{"t", event_type_name(ev.type)}, {"at", ev.at}, {"i", ev.instance_id}, {"w", ev.workflow_type}};
  if (!ev.name.empty()) j["n"] = ev.name;
  if (!ev.detail.empty()) j["d"] = ev.detail;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<EngineEvent> decode_event(std::string_view bytes) {
  constexpr std::string_view what = "event";
  SUNDIAL_ASSIGN_OR_RETURN(json j, parse_object(bytes, what));
  EngineEvent ev;
  std::string type;
  if (!read(j, "t", type)) return std::unexpected(corrupt(what, "t"));
  auto parsed = parse_event_type(type);
  if (!parsed) return std::unexpected(corrupt(what, "t"));
  ev.type = *parsed;
  if (!read(j, "at", ev.at)) return std::unexpected(corrupt(what, "at"));
  if (!read(j, "i", ev.instance_id)) return std::unexpected(corrupt(what, "i"));
  if (!read(j, "w", ev.workflow_type)) return std::unexpected(corrupt(what, "w"));
  if (!read(j, "n", ev.name)) return std::unexpected(corrupt(what, "n"));
  if (!read(j, "d", ev.detail)) return std::unexpected(corrupt(what, "d"));
  return ev;
}

nlohmann::json entry_to_json(const JournalEntry& e) {
  json j = {{"seq", e.seq}, {"at", e.at}, {"event", entry_kind_name(e.kind)}};
  if (!e.name.empty()) {
    const char* key = "step";
    if (e.kind == EntryKind::kSignalReceived) key = "signal";
    if (e.kind == EntryKind::kTimerScheduled) key = "timer";
    if (e.kind == EntryKind::kResumed || e.kind == EntryKind::kRetried) key = "policy";
    if (e.kind == EntryKind::kPatch) key = "change_id";
    if (e.kind == EntryKind::kQueued || e.kind == EntryKind::kAdmitted) key = "key";
    if (e.kind == EntryKind::kCoalesced || e.kind == EntryKind::kDebounced) key = "from";
    j[key] = e.name;
  }
  if (e.attempt) j["attempt"] = e.attempt;
  bool step_outcome = e.kind == EntryKind::kStepCompleted || e.kind == EntryKind::kStepSkipped;
  if (e.kind == EntryKind::kStepDeferred && e.data.is_object()) {
    for (const auto& [key, value] : e.data.items()) j[key] = value;  // window, timezone, note
  } else if (!e.data.is_null()) {
    j[step_outcome ? "result" : "data"] = e.data;
  }
  if (!e.error.empty()) j[e.kind == EntryKind::kStepSkipped ? "reason" : "error"] = e.error;
  if (e.due) j["due"] = e.due;
  if (e.kind == EntryKind::kSignalDelivered) j["signal_seq"] = e.ref_seq;
  if (e.kind == EntryKind::kSignalReceived) j["delivered"] = e.delivered;
  if (e.kind == EntryKind::kResumed || (e.kind == EntryKind::kRetried && !e.name.empty())) j["shift_ms"] = e.shift_ms;
  return j;
}

nlohmann::json event_to_json(const EngineEvent& ev) {
  json j = {{"seq", ev.seq},
            {"at", ev.at},
            {"type", event_type_name(ev.type)},
            {"instance_id", ev.instance_id},
            {"workflow_type", ev.workflow_type}};
  if (!ev.name.empty()) j["name"] = ev.name;
  if (!ev.detail.empty()) j["detail"] = ev.detail;
  return j;
}

}  // namespace sundial
