#include "engine/runtime/outbox.h"

#include "engine/base/json_parse.h"
#include "engine/runtime/context.h"

namespace sundial {

std::string encode_notice(const Notice& n) {
  nlohmann::json j = {{"to", n.to}, {"signal", n.signal}, {"payload", n.payload}, {"key", n.idempotency_key}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Notice> decode_notice(std::string_view bytes) {
  auto parsed = parse_json(bytes, JsonLimits{});
  auto corrupt = [] { return make_error(ErrorCode::kCorruption, "an outbox notice is malformed"); };
  if (!parsed || !parsed->is_object()) return corrupt();
  const nlohmann::json& j = *parsed;
  for (const char* field : {"to", "signal", "key"}) {
    if (!j.contains(field) || !j[field].is_string()) return corrupt();
  }
  return Notice{j["to"].get<std::string>(), j["signal"].get<std::string>(),
                j.value("payload", nlohmann::json()), j["key"].get<std::string>()};
}

bool owes_parent_notice(const InstanceRecord& r, bool persisted, InstanceStatus was) {
  if (r.parent_id.empty() || r.detached || !is_finished(r.status)) return false;
  return !persisted || !is_finished(was);
}

Notice child_done_notice(const InstanceRecord& child) {
  nlohmann::json payload = {
      {"instance_id", child.id},
      {"run", child.run},
      {"status", status_name(child.status)},
      {"result", child.result},
      {"error", child.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(child.last_error)}};
  return Notice{child.parent_id, Context::child_done_signal(child.id), std::move(payload),
                "child-done:" + run_scoped_id(child.id, child.run) + ":" + std::to_string(child.next_seq)};
}

}  // namespace sundial
