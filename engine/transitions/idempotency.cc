#include "engine/transitions/idempotency.h"

#include <nlohmann/json.hpp>

#include "engine/storage/keys.h"

namespace sundial {

Result<std::optional<std::string>> IdempotencyKeys::lookup(const std::string& key, TimeMs now) {
  if (auto it = pending_.find(key); it != pending_.end()) return std::optional(it->second);
  SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store_.get(Cf::kIdempotency, key));
  if (!bytes) return std::optional<std::string>();
  auto j = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["instance"].is_string() || !j["expires"].is_number_integer()) {
    return make_error(ErrorCode::kCorruption, "stored idempotency key '" + key + "' is damaged");
  }
  if (j["expires"].get<TimeMs>() <= now) return std::optional<std::string>();
  return std::optional(j["instance"].get<std::string>());
}

void IdempotencyKeys::record(Transition& tx, const std::string& key,
                             const std::string& instance_id, TimeMs expires) {
  nlohmann::json value = {{"instance", instance_id}, {"expires", expires}};
  tx.batch.put(Cf::kIdempotency, key, value.dump());
  tx.batch.put(Cf::kIndex, keys::idempotency_expiry_key(expires, key), {});
  pending_[key] = instance_id;
  tx.on_done.push_back([this, key](const Result<void>&) { pending_.erase(key); });
}

}  // namespace sundial
