#include "engine/schedules/schedule_spec.h"

#include <array>
#include <utility>

#include "engine/base/duration.h"
#include "engine/base/json_fields.h"
#include "engine/base/json_rules.h"
#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_spec_json.h"

namespace sundial {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kMisfireNames = {"skip", "fire_once", "backfill"};
constexpr std::array<std::string_view, 4> kOverlapNames = {"skip", "queue", "allow", "cancel_previous"};
constexpr std::array<std::string_view, 3> kActionNames = {"start", "task", "signal"};
constexpr std::array<std::string_view, 3> kSourceNames = {"api", "config", "script"};
// Fields of a task action the schedule decides itself.
constexpr std::array<std::string_view, 5> kScheduleOwnedTaskFields = {"id", "dedupe_key", "run_at", "delay",
                                                                      "concurrency"};

Result<std::string> string_in(const json& object, std::string_view where, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(field_error(where, field, "is required (a non-empty string)"));
  }
  return it->get<std::string>();
}

Result<void> read_start(const json& v, ScheduleAction& action) {
  constexpr std::string_view where = "action.start.";
  SUNDIAL_TRY(check_known_fields(v, where, {"type", "input"}));
  SUNDIAL_ASSIGN_OR_RETURN(action.target, string_in(v, where, "type"));
  if (auto valid = keys::validate_type_name(action.target); !valid) {
    return std::unexpected(field_error(where, "type", "must be 1 to 100 characters of [A-Za-z0-9._-]"));
  }
  action.body = json::object();
  if (auto in = v.find("input"); in != v.end()) {
    if (!in->is_object()) return std::unexpected(field_error(where, "input", "must be a JSON object"));
    SUNDIAL_TRY(check_storable(*in, "action.start.input"));
    action.body = *in;
  }
  return ok();
}

Result<void> read_task(const json& v, ScheduleAction& action) {
  constexpr std::string_view where = "action.task.";
  if (!v.is_object()) return std::unexpected(field_error("action.", "task", "must be a JSON object"));
  SUNDIAL_ASSIGN_OR_RETURN(action.target, string_in(v, where, "queue"));
  if (auto valid = keys::validate_type_name(action.target); !valid) {
    return std::unexpected(field_error(where, "queue", "must be 1 to 100 characters of [A-Za-z0-9._-]"));
  }
  json task = v;
  task.erase("queue");
  for (std::string_view owned : kScheduleOwnedTaskFields) {
    if (task.contains(owned)) {
      return std::unexpected(field_error(where, owned,
                                         "is decided by the schedule (the task id comes from the schedule id "
                                         "and the fire time; overlap sets the concurrency)"));
    }
  }
  SUNDIAL_TRY(parse_task_spec(task, action.target, where));
  action.body = std::move(task);
  return ok();
}

Result<void> read_signal(const json& v, ScheduleAction& action) {
  constexpr std::string_view where = "action.signal.";
  SUNDIAL_TRY(check_known_fields(v, where, {"id", "name", "payload"}));
  SUNDIAL_ASSIGN_OR_RETURN(action.target, string_in(v, where, "id"));
  if (auto valid = keys::validate_instance_id(action.target); !valid) {
    return std::unexpected(field_error(where, "id", "is not a valid instance id: " + valid.error().message));
  }
  SUNDIAL_ASSIGN_OR_RETURN(action.name, string_in(v, where, "name"));
  if (auto valid = keys::validate_name("signal name", action.name); !valid) {
    return std::unexpected(field_error(where, "name", valid.error().message));
  }
  action.body = json::object();
  if (auto p = v.find("payload"); p != v.end()) {
    SUNDIAL_TRY(check_storable(*p, "action.signal.payload"));
    action.body = *p;
  }
  return ok();
}

Result<ScheduleAction> read_action(const json& v) {
  if (!v.is_object() || v.size() != 1) {
    return std::unexpected(field_error("", "action", "must be an object with one of start, task or signal"));
  }
  ScheduleAction action;
  auto first = v.begin();
  const std::string& kind = first.key();
  const json& body = first.value();
  if (kind == "start") {
    if (!body.is_object()) return std::unexpected(field_error("action.", "start", "must be a JSON object"));
    action.kind = ScheduleActionKind::kStart;
    SUNDIAL_TRY(read_start(body, action));
  } else if (kind == "task") {
    action.kind = ScheduleActionKind::kTask;
    SUNDIAL_TRY(read_task(body, action));
  } else if (kind == "signal") {
    if (!body.is_object()) return std::unexpected(field_error("action.", "signal", "must be a JSON object"));
    action.kind = ScheduleActionKind::kSignal;
    SUNDIAL_TRY(read_signal(body, action));
  } else {
    return std::unexpected(field_error("action.", kind, "is not an action (start, task or signal)"));
  }
  return action;
}

Result<void> read_misfire(const json& v, ScheduleSpec& spec) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "skip") {
      spec.misfire = MisfirePolicy::kSkip;
      return ok();
    }
    if (s == "fire_once") {
      spec.misfire = MisfirePolicy::kFireOnce;
      return ok();
    }
  } else if (v.is_object() && v.size() == 1 && v.contains("backfill")) {
    SUNDIAL_ASSIGN_OR_RETURN(int64_t n, json_integer(v["backfill"], "misfire.", "backfill", 1, kMaxBackfill));
    spec.misfire = MisfirePolicy::kBackfill;
    spec.backfill = static_cast<uint32_t>(n);
    return ok();
  }
  return std::unexpected(field_error(
      "", "misfire", "must be \"skip\", \"fire_once\" or {\"backfill\": N} with N from 1 to 1000"));
}

Result<OverlapPolicy> read_overlap(const json& v) {
  if (v.is_string()) {
    for (size_t i = 0; i < kOverlapNames.size(); ++i) {
      if (v.get_ref<const std::string&>() == kOverlapNames[i]) return static_cast<OverlapPolicy>(i);
    }
  }
  return std::unexpected(
      field_error("", "overlap", "must be \"skip\", \"queue\", \"allow\" or \"cancel_previous\""));
}

Result<TimeMs> read_time(const json& v, std::string_view field) {
  // Milliseconds since the Unix epoch, as every time of the API.
  return json_integer(v, "", field, 0, int64_t{1} << 50);
}

}  // namespace

Result<void> validate_schedule_id(std::string_view id) {
  auto valid = id.size() >= 1 && id.size() <= kMaxScheduleIdBytes;
  for (char c : id) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-');
  }
  if (id == "." || id == "..") {
    return make_error(ErrorCode::kInvalidArgument, "schedule id cannot be '.' or '..' (a URL path cannot name it)");
  }
  if (valid) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    "schedule id must be 1 to 100 characters of [A-Za-z0-9._-], got '" +
                        std::string(id.substr(0, 120)) + "'");
}

Result<ScheduleSpec> parse_schedule_spec(const json& body, std::optional<std::string_view> id) {
  if (!body.is_object()) return make_error(ErrorCode::kInvalidArgument, "a schedule must be a JSON object");
  SUNDIAL_TRY(check_known_fields(body, "",
                                 {"id", "cron", "every", "timezone", "action", "misfire", "misfire_grace",
                                  "overlap", "jitter", "start_at", "end_at", "paused"}));
  ScheduleSpec spec;
  if (auto it = body.find("id"); it != body.end()) {
    if (!it->is_string()) return std::unexpected(field_error("", "id", "must be a string"));
    spec.id = it->get<std::string>();
    if (id && spec.id != *id) {
      return std::unexpected(
          field_error("", "id", "'" + spec.id + "' differs from the path's '" + std::string(*id) + "'"));
    }
  } else if (id) {
    spec.id = std::string(*id);
  } else {
    return std::unexpected(field_error("", "id", "is required"));
  }
  SUNDIAL_TRY(validate_schedule_id(spec.id));

  auto cron = body.find("cron");
  auto every = body.find("every");
  if ((cron == body.end()) == (every == body.end())) {
    return std::unexpected(field_error("", "cron", "or every is required (one of them, not both)"));
  }
  if (cron != body.end()) {
    if (!cron->is_string()) return std::unexpected(field_error("", "cron", "must be a string"));
    auto parsed = CronExpr::parse(cron->get_ref<const std::string&>());
    if (!parsed) return std::unexpected(field_error("", "cron", "is invalid: " + parsed.error().message));
    spec.cron = std::move(*parsed);
  } else {
    SUNDIAL_ASSIGN_OR_RETURN(spec.every, json_duration(*every, "", "every", kMinEvery, kMaxEvery));
  }
  if (auto tz = body.find("timezone"); tz != body.end()) {
    if (!tz->is_string()) return std::unexpected(field_error("", "timezone", "must be a string"));
    auto zone = TimeZone::find(tz->get_ref<const std::string&>());
    if (!zone) return std::unexpected(field_error("", "timezone", "is invalid: " + zone.error().message));
    spec.zone = std::move(*zone);
  }

  auto action = body.find("action");
  if (action == body.end()) return std::unexpected(field_error("", "action", "is required"));
  SUNDIAL_ASSIGN_OR_RETURN(spec.action, read_action(*action));

  if (auto m = body.find("misfire"); m != body.end()) SUNDIAL_TRY(read_misfire(*m, spec));
  if (auto g = body.find("misfire_grace"); g != body.end()) {
    SUNDIAL_ASSIGN_OR_RETURN(spec.misfire_grace,
                             json_duration(*g, "", "misfire_grace", kMinMisfireGrace, kMaxMisfireGrace));
  }
  // A signal has no run that could overlap: it allows only "allow".
  spec.overlap =
      spec.action.kind == ScheduleActionKind::kSignal ? OverlapPolicy::kAllow : OverlapPolicy::kSkip;
  if (auto o = body.find("overlap"); o != body.end()) {
    SUNDIAL_ASSIGN_OR_RETURN(spec.overlap, read_overlap(*o));
    if (spec.action.kind == ScheduleActionKind::kSignal && spec.overlap != OverlapPolicy::kAllow) {
      return std::unexpected(field_error(
          "", "overlap", "must be \"allow\" for a signal action (a signal has no run to overlap)"));
    }
  }
  if (auto j = body.find("jitter"); j != body.end()) {
    SUNDIAL_ASSIGN_OR_RETURN(spec.jitter, json_duration(*j, "", "jitter", 0, kMaxJitter));
    if (spec.every > 0 && spec.jitter >= spec.every) {
      return std::unexpected(field_error("", "jitter", "must be shorter than every"));
    }
  }
  if (auto s = body.find("start_at"); s != body.end() && !s->is_null()) {
    SUNDIAL_ASSIGN_OR_RETURN(spec.start_at, read_time(*s, "start_at"));
  }
  if (auto e = body.find("end_at"); e != body.end() && !e->is_null()) {
    SUNDIAL_ASSIGN_OR_RETURN(spec.end_at, read_time(*e, "end_at"));
  }
  if (spec.start_at && spec.end_at && *spec.end_at < *spec.start_at) {
    return std::unexpected(field_error("", "end_at", "must not be before start_at"));
  }
  if (auto p = body.find("paused"); p != body.end()) {
    if (!p->is_boolean()) return std::unexpected(field_error("", "paused", "must be true or false"));
    spec.paused = p->get<bool>();
  }
  return spec;
}

json schedule_spec_json(const ScheduleSpec& spec) {
  json out = {{"id", spec.id}};
  if (spec.cron) {
    out["cron"] = spec.cron->text();
  } else {
    out["every"] = format_duration(spec.every);
  }
  out["timezone"] = spec.zone.name();
  json action;
  switch (spec.action.kind) {
    case ScheduleActionKind::kStart:
      action["start"] = {{"type", spec.action.target}, {"input", spec.action.body.value()}};
      break;
    case ScheduleActionKind::kTask: {
      json task = spec.action.body.value();
      task["queue"] = spec.action.target;
      action["task"] = std::move(task);
      break;
    }
    case ScheduleActionKind::kSignal:
      action["signal"] = {
          {"id", spec.action.target}, {"name", spec.action.name}, {"payload", spec.action.body.value()}};
      break;
  }
  out["action"] = std::move(action);
  if (spec.misfire == MisfirePolicy::kBackfill) {
    out["misfire"] = {{"backfill", spec.backfill}};
  } else {
    out["misfire"] = misfire_policy_name(spec.misfire);
  }
  out["misfire_grace"] = format_duration(spec.misfire_grace);
  out["overlap"] = overlap_policy_name(spec.overlap);
  out["jitter"] = format_duration(spec.jitter);
  out["start_at"] = spec.start_at ? json(*spec.start_at) : json(nullptr);
  out["end_at"] = spec.end_at ? json(*spec.end_at) : json(nullptr);
  out["paused"] = spec.paused;
  return out;
}

std::string_view misfire_policy_name(MisfirePolicy p) { return kMisfireNames[static_cast<size_t>(p)]; }
std::string_view overlap_policy_name(OverlapPolicy p) { return kOverlapNames[static_cast<size_t>(p)]; }
std::string_view schedule_action_name(ScheduleActionKind k) { return kActionNames[static_cast<size_t>(k)]; }
std::string_view schedule_source_name(ScheduleSource s) { return kSourceNames[static_cast<size_t>(s)]; }

std::optional<ScheduleSource> parse_schedule_source(std::string_view name) {
  for (size_t i = 0; i < kSourceNames.size(); ++i) {
    if (name == kSourceNames[i]) return static_cast<ScheduleSource>(i);
  }
  return std::nullopt;
}

}  // namespace sundial
