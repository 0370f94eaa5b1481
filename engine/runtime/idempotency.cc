#include "engine/runtime/idempotency.h"

#include <nlohmann/json.hpp>

#include "engine/base/json_parse.h"
#include "engine/storage/keys.h"

namespace sundial {

Result<std::optional<std::string>> IdempotencyKeys::lookup(const std::string& key, TimeMs now) {
  if (auto it = pending_.find(key); it != pending_.end()) return std::optional(it->second);
  // From memory first: a new key is answered by the bloom filter. Only a
  // false positive (about 1%) or a known key whose block is not cached
  // reads the disk here.
  SUNDIAL_ASSIGN_OR_RETURN(CachedRead cached, store_.get_if_cached(Cf::kIdempotency, key));
  if (cached.state == CachedRead::kAbsent) return std::optional<std::string>();
  std::optional<std::string> bytes;
  if (cached.state == CachedRead::kFound) {
    bytes = std::move(cached.value);
  } else {
    SUNDIAL_ASSIGN_OR_RETURN(bytes, store_.get(Cf::kIdempotency, key));
  }
  if (!bytes) return std::optional<std::string>();
  auto j = parse_json(*bytes);
  if (!j || !j->is_object() || !(*j)["instance"].is_string() || !(*j)["expires"].is_number_integer()) {
    return make_error(ErrorCode::kCorruption, "stored idempotency key '" + key + "' is damaged");
  }
  if ((*j)["expires"].get<TimeMs>() <= now) return std::optional<std::string>();
  return std::optional((*j)["instance"].get<std::string>());
}

void IdempotencyKeys::watch_changes() {
  changes_.start();
  for (const auto& [key, id] : pending_) changes_.note(key);
}

void IdempotencyKeys::record(Transition& tx, const std::string& key, const std::string& instance_id,
                             TimeMs expires) {
  changes_.note(key);
  nlohmann::json value = {{"instance", instance_id}, {"expires", expires}};
  tx.batch.put(Cf::kIdempotency, key, value.dump());
  tx.batch.put(Cf::kIndex, keys::idempotency_expiry_key(expires, key), {});
  pending_[key] = instance_id;
  tx.on_done.push_back([this, key](const Result<void>&) { pending_.erase(key); });
}

}  // namespace sundial
