#include "tools/ctl/instance_timer.h"

namespace sundial::ctl {

std::string comma_list(const nlohmann::json& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + (n.is_string() ? n.get<std::string>() : n.dump());
  return out;
}

std::optional<InstanceTimer> instance_timer(const nlohmann::json& d) {
  const nlohmann::json& due = d.value("next_timer", nlohmann::json());
  if (!due.is_number_integer() || due.get<TimeMs>() == 0) return std::nullopt;
  const std::string status = d.value("status", std::string());
  if (status == "completed" || status == "failed" || status == "cancelled") return std::nullopt;
  InstanceTimer t;
  t.due = due.get<TimeMs>();
  t.held = status == "paused";
  const nlohmann::json& concurrency = d.value("concurrency", nlohmann::json());
  const nlohmann::json& step = d.value("current_step", nlohmann::json());
  const nlohmann::json& signals = d.value("waiting_for_signals", nlohmann::json::array());
  if (concurrency.is_object() && concurrency.contains("debounce_until")) {
    t.kind = "debounce";
    t.detail = "the start runs then unless another start with key " +
               concurrency.value("key", std::string("?")) + " comes first";
  } else if (step.is_string() && d.contains("window_opens_at")) {
    t.kind = "send-window";
    t.detail = "step " + step.get<std::string>() + " starts when its send window opens";
  } else if (step.is_string()) {
    t.kind = "step-retry";
    const nlohmann::json& attempts = d.value("attempts", nlohmann::json());
    t.detail = "step " + step.get<std::string>();
    if (attempts.is_number_integer()) t.detail += ", attempt " + std::to_string(attempts.get<int64_t>() + 1);
  } else if (signals.is_array() && !signals.empty()) {
    t.kind = "signal-timeout";
    t.detail = "waiting for " + comma_list(signals);
  } else {
    t.kind = "sleep";
    t.detail = "-";
  }
  if (t.held) t.detail = t.detail == "-" ? "held while paused" : t.detail + "; held while paused";
  return t;
}

nlohmann::json instance_timers_json(const nlohmann::json& d) {
  nlohmann::json timers = nlohmann::json::array();
  if (auto t = instance_timer(d)) {
    timers.push_back({{"instance_id", d.value("id", nlohmann::json())},
                      {"kind", t->kind},
                      {"due_at", t->due},
                      {"detail", t->detail},
                      {"held", t->held}});
  }
  return {{"instance_id", d.value("id", nlohmann::json())},
          {"status", d.value("status", nlohmann::json())},
          {"timers", std::move(timers)}};
}

}  // namespace sundial::ctl
