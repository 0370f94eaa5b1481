#include "engine/schedules/schedule_codec.h"

#include <array>

#include <nlohmann/json.hpp>

#include "engine/base/coding.h"
#include "engine/base/json_parse.h"

namespace sundial {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kTriggerNames = {"schedule", "catch_up", "manual"};

Error corrupt(std::string_view what) {
  return Error{ErrorCode::kCorruption, "stored schedule " + std::string(what) + " cannot be decoded"};
}

template <typename T>
bool read(const json& j, std::string_view key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return false;
  } else {
    if (!it->is_number_integer()) return false;
  }
  out = it->get<T>();
  return true;
}

}  // namespace

std::string_view run_trigger_name(RunTrigger t) { return kTriggerNames[static_cast<size_t>(t)]; }

namespace schedule_keys {

std::string record(std::string_view id) { return std::string(kRecordPrefix) + std::string(id); }

std::string run(std::string_view id, uint64_t seq) {
  std::string k = runs_begin(id);
  put_u64_be(k, seq);
  return k;
}

std::string runs_begin(std::string_view id) {
  std::string k = "r";
  k += id;
  k.push_back('\0');
  return k;
}

std::string runs_end(std::string_view id) {
  std::string k = "r";
  k += id;
  k.push_back('\1');
  return k;
}

std::optional<uint64_t> run_seq(std::string_view key) {
  if (key.size() < 9) return std::nullopt;
  return get_u64_be(key, key.size() - 8);
}

}  // namespace schedule_keys

std::string encode_schedule(const ScheduleRecord& r) {
  const ScheduleState& s = r.state;
  json j = {{"spec", schedule_spec_json(r.spec)},
            {"source", schedule_source_name(s.source)},
            {"paused", s.paused},
            {"cursor", s.cursor},
            {"created_at", s.created_at},
            {"updated_at", s.updated_at},
            {"fires", s.fires},
            {"misfires", s.misfires},
            {"run_seq", s.run_seq},
            {"last_target", s.last_target}};
  if (!s.owner.empty()) j["owner"] = s.owner;
  return j.dump();
}

Result<ScheduleRecord> decode_schedule(std::string_view bytes) {
  auto j = parse_json(bytes);
  if (!j || !j->is_object() || !j->contains("spec")) return std::unexpected(corrupt("record"));
  auto spec = parse_schedule_spec((*j)["spec"]);
  if (!spec)
    return std::unexpected(Error{ErrorCode::kCorruption, "stored schedule: " + spec.error().message});
  ScheduleRecord r{std::move(*spec), {}};
  ScheduleState& s = r.state;
  std::string source;
  if (!read(*j, "source", source) || !read(*j, "paused", s.paused) || !read(*j, "cursor", s.cursor) ||
      !read(*j, "created_at", s.created_at) || !read(*j, "updated_at", s.updated_at) ||
      !read(*j, "fires", s.fires) || !read(*j, "misfires", s.misfires) || !read(*j, "run_seq", s.run_seq) ||
      !read(*j, "last_target", s.last_target)) {
    return std::unexpected(corrupt("record '" + r.spec.id + "'"));
  }
  if (j->contains("owner") && !read(*j, "owner", s.owner))
    return std::unexpected(corrupt("record '" + r.spec.id + "'"));
  auto src = parse_schedule_source(source);
  if (!src) return std::unexpected(corrupt("record '" + r.spec.id + "'"));
  s.source = *src;
  return r;
}

std::string encode_schedule_run(const ScheduleRun& run) {
  json j = {{"nominal_time", run.nominal_time},
            {"started_at", run.started_at},
            {"target_id", run.target_id},
            {"fired", run.fired},
            {"trigger", run_trigger_name(run.trigger)}};
  if (!run.error.empty()) j["error"] = run.error;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ScheduleRun> decode_schedule_run(std::string_view key, std::string_view bytes) {
  ScheduleRun run;
  auto seq = schedule_keys::run_seq(key);
  auto j = parse_json(bytes);
  std::string trigger;
  if (!seq || !j || !j->is_object() || !read(*j, "nominal_time", run.nominal_time) ||
      !read(*j, "started_at", run.started_at) || !read(*j, "target_id", run.target_id) ||
      !read(*j, "fired", run.fired) || !read(*j, "trigger", trigger)) {
    return std::unexpected(corrupt("run"));
  }
  run.seq = *seq;
  if (j->contains("error")) read(*j, "error", run.error);
  for (size_t i = 0; i < kTriggerNames.size(); ++i) {
    if (trigger == kTriggerNames[i]) run.trigger = static_cast<RunTrigger>(i);
  }
  return run;
}

}  // namespace sundial
