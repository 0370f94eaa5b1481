#include "engine/runtime/outbox.h"

#include "engine/base/json_parse.h"
#include "engine/codec/stored_json.h"
#include "engine/runtime/context.h"

namespace sundial {

std::string encode_notice(const Notice& n) {
  nlohmann::json j = {{"to", n.to}, {"signal", n.signal}, {"payload", n.payload}, {"key", n.idempotency_key}};
  if (n.kind == Notice::Kind::kCancelChildren) j["kind"] = "cancel_children";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Notice> decode_notice(std::string_view bytes) {
  auto parsed = parse_json(bytes, stored_json::kStoredLimits);  // a child's result may be as deep as a record
  auto corrupt = [] { return make_error(ErrorCode::kCorruption, "an outbox notice is malformed"); };
  if (!parsed || !parsed->is_object()) return corrupt();
  const nlohmann::json& j = *parsed;
  for (const char* field : {"to", "signal", "key"}) {
    if (!j.contains(field) || !j[field].is_string()) return corrupt();
  }
  Notice::Kind kind = Notice::Kind::kSignal;
  if (auto it = j.find("kind"); it != j.end()) {
    if (*it != "cancel_children") return corrupt();
    kind = Notice::Kind::kCancelChildren;
  }
  return Notice{kind, j["to"].get<std::string>(), j["signal"].get<std::string>(),
                j.value("payload", nlohmann::json()), j["key"].get<std::string>()};
}

std::vector<Notice> owed_notices(const InstanceRecord& r, bool persisted, InstanceStatus was) {
  std::vector<Notice> out;
  if (is_attached_child(r) && is_finished(r.status) && (!persisted || !is_finished(was))) {
    out.push_back(child_done_notice(r));
  }
  if (r.status == InstanceStatus::kCancelled && persisted && was != InstanceStatus::kCancelled) {
    Notice cascade;
    cascade.kind = Notice::Kind::kCancelChildren;
    cascade.to = r.id;
    cascade.signal = r.cancel_reason;
    cascade.payload = {{"run", r.run}};  // only the children this run started
    cascade.idempotency_key = "cancel-children:" + run_scoped_id(r.id, r.run);
    out.push_back(std::move(cascade));
  }
  return out;
}

Notice child_done_notice(const InstanceRecord& child) {
  nlohmann::json payload = {
      {"instance_id", child.id},
      {"run", child.run},
      {"status", status_name(child.status)},
      {"result", child.result},
      {"error", child.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(child.last_error)}};
  return Notice{Notice::Kind::kSignal, child.parent_id, Context::child_done_signal(child.id),
                std::move(payload),
                "child-done:" + run_scoped_id(child.id, child.run) + ":" + std::to_string(child.next_seq)};
}

}  // namespace sundial
