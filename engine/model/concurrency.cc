#include "engine/model/concurrency.h"

#include "engine/base/utf8.h"

namespace sundial {
namespace {

Error invalid(const std::string& message) { return Error{ErrorCode::kInvalidArgument, message}; }

Result<void> check_key(const nlohmann::json& value) {
  if (!value.is_string()) return std::unexpected(invalid("'concurrency.key' must be a string"));
  const auto& key = value.get_ref<const std::string&>();
  if (key.empty() || key.size() > kMaxConcurrencyKeyBytes) {
    return std::unexpected(
        invalid("'concurrency.key' must hold 1 to " + std::to_string(kMaxConcurrencyKeyBytes) + " bytes"));
  }
  if (!is_valid_utf8(key)) return std::unexpected(invalid("'concurrency.key' is not valid UTF-8"));
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      return std::unexpected(invalid("'concurrency.key' must not hold control characters"));
    }
  }
  return ok();
}

}  // namespace

std::string_view on_busy_name(OnBusy on_busy) {
  switch (on_busy) {
    case OnBusy::kQueue:
      return "queue";
    case OnBusy::kCoalesce:
      return "coalesce";
    case OnBusy::kDrop:
      return "drop";
  }
  return "queue";
}

std::string_view merge_name(CoalesceMerge merge) { return merge == CoalesceMerge::kList ? "list" : "latest"; }

Result<ConcurrencySpec> parse_concurrency(const nlohmann::json& value) {
  if (!value.is_object()) {
    return std::unexpected(
        invalid("'concurrency' must be an object like {\"key\": \"assignee:42\", \"limit\": 1}"));
  }
  ConcurrencySpec spec;
  bool has_merge = false;
  for (const auto& [name, field] : value.items()) {
    if (name == "key") {
      SUNDIAL_TRY(check_key(field));
      spec.key = field.get<std::string>();
    } else if (name == "limit") {
      if (!field.is_number_integer() || field.get<int64_t>() < 1 ||
          field.get<int64_t>() > kMaxConcurrencyLimit) {
        return std::unexpected(invalid("'concurrency.limit' must be an integer from 1 to " +
                                       std::to_string(kMaxConcurrencyLimit)));
      }
      spec.limit = static_cast<uint32_t>(field.get<int64_t>());
    } else if (name == "on_busy") {
      std::string text = field.is_string() ? field.get<std::string>() : "";
      if (text == "queue") {
        spec.on_busy = OnBusy::kQueue;
      } else if (text == "coalesce") {
        spec.on_busy = OnBusy::kCoalesce;
      } else if (text == "drop") {
        spec.on_busy = OnBusy::kDrop;
      } else {
        return std::unexpected(invalid("'concurrency.on_busy' must be \"queue\", \"coalesce\" or \"drop\""));
      }
    } else if (name == "merge") {
      std::string text = field.is_string() ? field.get<std::string>() : "";
      if (text == "latest") {
        spec.merge = CoalesceMerge::kLatest;
      } else if (text == "list") {
        spec.merge = CoalesceMerge::kList;
      } else {
        return std::unexpected(invalid("'concurrency.merge' must be \"latest\" or \"list\""));
      }
      has_merge = true;
    } else {
      return std::unexpected(invalid("unknown field 'concurrency." + name +
                                     "'; concurrency takes 'key', 'limit', 'on_busy' and 'merge'"));
    }
  }
  if (spec.key.empty()) return std::unexpected(invalid("'concurrency.key' is required"));
  if (has_merge && spec.on_busy != OnBusy::kCoalesce) {
    return std::unexpected(invalid("'concurrency.merge' applies only with \"on_busy\": \"coalesce\""));
  }
  return spec;
}

nlohmann::json to_json(const ConcurrencySpec& spec) {
  nlohmann::json j = {{"key", spec.key}, {"limit", spec.limit}, {"on_busy", on_busy_name(spec.on_busy)}};
  if (spec.on_busy == OnBusy::kCoalesce) j["merge"] = merge_name(spec.merge);
  return j;
}

}  // namespace sundial
