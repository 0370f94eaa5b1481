#include "engine/tasks/task_spec_json.h"

#include <limits>

#include "engine/base/duration.h"
#include "engine/base/json_rules.h"
#include "engine/codec/codec.h"
#include "engine/model/concurrency.h"
#include "engine/storage/keys.h"
#include "engine/transitions/idempotency_key.h"

namespace sundial {
namespace {

using nlohmann::json;

Error bad(std::string_view where, std::string_view field, std::string_view rule) {
  return field_error(where, field, rule);
}

Result<int64_t> integer(const json& v, std::string_view where, std::string_view field, int64_t min,
                        int64_t max) {
  return json_integer(v, where, field, min, max);
}

Result<DurationMs> duration(const json& v, std::string_view where, std::string_view field, DurationMs min,
                            DurationMs max) {
  return json_duration(v, where, field, min, max);
}

Result<void> read_backoff(const json& v, std::string_view where, RetryPolicy& retry) {
  constexpr DurationMs kMaxBackoff = 7 * 24 * kHourMs;
  if (v.is_string()) {
    SUNDIAL_ASSIGN_OR_RETURN(retry.initial_backoff, duration(v, where, "backoff", 0, kMaxBackoff));
    retry.max_backoff = std::max(retry.max_backoff, retry.initial_backoff);
    return ok();
  }
  if (!v.is_object()) {
    return std::unexpected(bad(
        where, "backoff", "must be a duration (the first delay) or {\"initial\", \"max\", \"multiplier\"}"));
  }
  std::string at = std::string(where) + "backoff.";
  for (const auto& [key, value] : v.items()) {
    if (key == "initial") {
      SUNDIAL_ASSIGN_OR_RETURN(retry.initial_backoff, duration(value, at, "initial", 0, kMaxBackoff));
    } else if (key == "max") {
      SUNDIAL_ASSIGN_OR_RETURN(retry.max_backoff, duration(value, at, "max", 0, kMaxBackoff));
    } else if (key == "multiplier") {
      if (!value.is_number() || value.get<double>() < 1 || value.get<double>() > 100) {
        return std::unexpected(bad(at, "multiplier", "must be a number from 1 to 100"));
      }
      retry.multiplier = value.get<double>();
    } else {
      return std::unexpected(bad(at, key, "is not a field of backoff (initial, max, multiplier)"));
    }
  }
  if (retry.max_backoff < retry.initial_backoff) {
    return std::unexpected(bad(at, "max", "must not be less than backoff.initial"));
  }
  return ok();
}

}  // namespace

Result<TaskSpec> parse_task_spec(const json& body, const std::string& queue, std::string_view where) {
  if (!body.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(where.empty() ? "the body" : where.substr(0, where.size() - 1)) +
                          " must be a JSON object (a task)");
  }
  TaskSpec spec;
  spec.queue = queue;
  bool has_run_at = false, has_delay = false;
  for (const auto& [key, v] : body.items()) {
    if (key == "type") {
      if (!v.is_string() || !keys::validate_type_name(v.get_ref<const std::string&>())) {
        return std::unexpected(bad(where, "type", "must be 1 to 100 characters of [A-Za-z0-9._-]"));
      }
      spec.type = v.get<std::string>();
    } else if (key == "payload") {
      SUNDIAL_TRY(check_storable(v, std::string(where) + "payload"));
      spec.payload = v;
    } else if (key == "dedupe_key") {
      if (!v.is_string() || !validate_idempotency_key(v.get_ref<const std::string&>())) {
        return std::unexpected(bad(where, "dedupe_key", "must be a string of 1 to 255 bytes of UTF-8"));
      }
      spec.dedupe_key = v.get<std::string>();
    } else if (key == "run_at") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.run_at, integer(v, where, "run_at", 0, int64_t{1} << 50));
      has_run_at = true;
    } else if (key == "delay") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.delay, duration(v, where, "delay", 0, 365 * 24 * kHourMs));
      has_delay = true;
    } else if (key == "priority") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.priority, integer(v, where, "priority", 0, kMaxTaskPriority));
    } else if (key == "max_attempts") {
      SUNDIAL_ASSIGN_OR_RETURN(int64_t n, integer(v, where, "max_attempts", 1, kMaxTaskAttempts));
      spec.retry.max_attempts = static_cast<uint32_t>(n);
    } else if (key == "backoff") {
      SUNDIAL_TRY(read_backoff(v, where, spec.retry));
    } else if (key == "timeout") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.timeout, duration(v, where, "timeout", kMinTaskTimeout, kMaxTaskTimeout));
    } else if (key == "concurrency") {
      auto parsed = parse_concurrency(v);
      if (!parsed) {
        return std::unexpected(
            Error{ErrorCode::kInvalidArgument, std::string(where) + parsed.error().message});
      }
      if (parsed->debounce_ms > 0) {
        return std::unexpected(bad(where, "concurrency.debounce",
                                   "applies to workflow starts only; a task's concurrency takes key, limit, "
                                   "on_busy and merge (delay a task with run_at or delay)"));
      }
      spec.concurrency = std::move(*parsed);
    } else {
      return std::unexpected(bad(where, "'" + key + "'",
                                 "is not a task field (type, payload, dedupe_key, run_at, delay, priority, "
                                 "max_attempts, backoff, timeout, concurrency)"));
    }
  }
  if (has_run_at && has_delay) return std::unexpected(bad(where, "run_at", "and delay cannot both be given"));
  if (spec.concurrency && spec.concurrency->on_busy != OnBusy::kQueue && (has_run_at || has_delay)) {
    return std::unexpected(
        bad(where, "concurrency.on_busy",
            "\"coalesce\" and \"drop\" decide at the enqueue: they take no run_at or delay"));
  }
  return spec;
}

}  // namespace sundial
