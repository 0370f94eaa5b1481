#include "engine/model/concurrency.h"

#include <array>
#include <utility>

#include "engine/base/duration.h"
#include "engine/base/utf8.h"

namespace sundial {
namespace {

Error invalid_concurrency(const std::string& message) { return Error{ErrorCode::kInvalidArgument, message}; }

Result<void> check_key(const nlohmann::json& value) {
  if (!value.is_string()) return std::unexpected(invalid_concurrency("'concurrency.key' must be a string"));
  const auto& key = value.get_ref<const std::string&>();
  if (key.empty() || key.size() > kMaxConcurrencyKeyBytes) {
    return std::unexpected(
        invalid_concurrency("'concurrency.key' must hold 1 to " + std::to_string(kMaxConcurrencyKeyBytes) + " bytes"));
  }
  if (!is_valid_utf8(key)) return std::unexpected(invalid_concurrency("'concurrency.key' is not valid UTF-8"));
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      return std::unexpected(invalid_concurrency("'concurrency.key' must not hold control characters"));
    }
  }
  return ok();
}

constexpr std::array<std::pair<OnBusy, std::string_view>, 3> kOnBusyNames{
    {{OnBusy::kQueue, "queue"}, {OnBusy::kCoalesce, "coalesce"}, {OnBusy::kDrop, "drop"}}};
constexpr std::array<std::pair<CoalesceMerge, std::string_view>, 2> kMergeNames{
    {{CoalesceMerge::kLatest, "latest"}, {CoalesceMerge::kList, "list"}}};

template <typename Table, typename E>
std::string_view name_of(const Table& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return table[0].second;
}

// The value `field` names in `table`, or invalid_argument listing the names.
template <typename Table>
auto parse_name(const Table& table, const nlohmann::json& field, const std::string& what)
    -> Result<typename Table::value_type::first_type> {
  std::string listed;
  for (const auto& [v, name] : table) {
    if (field.is_string() && field.get_ref<const std::string&>() == name) return v;
    listed += (listed.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  }
  return std::unexpected(invalid_concurrency("'" + what + "' must be one of " + listed));
}

// A duration field ("5s") from 1 ms to `most`.
Result<DurationMs> parse_bounded_duration(const nlohmann::json& field, const std::string& what,
                                          DurationMs most) {
  std::string bounds = "a duration from 1ms to " + format_duration(most) + ", like \"5s\"";
  if (!field.is_string()) return std::unexpected(invalid_concurrency("'" + what + "' must be " + bounds));
  auto d = parse_duration(field.get_ref<const std::string&>());
  if (!d || *d < 1 || *d > most) return std::unexpected(invalid_concurrency("'" + what + "' must be " + bounds));
  return *d;
}

}  // namespace

std::string_view on_busy_name(OnBusy on_busy) { return name_of(kOnBusyNames, on_busy); }

std::string_view merge_name(CoalesceMerge merge) { return name_of(kMergeNames, merge); }

Result<ConcurrencySpec> parse_concurrency(const nlohmann::json& value) {
  if (!value.is_object()) {
    return std::unexpected(
        invalid_concurrency("'concurrency' must be an object like {\"key\": \"assignee:42\", \"limit\": 1}"));
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
        return std::unexpected(invalid_concurrency("'concurrency.limit' must be an integer from 1 to " +
                                       std::to_string(kMaxConcurrencyLimit)));
      }
      spec.limit = static_cast<uint32_t>(field.get<int64_t>());
    } else if (name == "on_busy") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.on_busy, parse_name(kOnBusyNames, field, "concurrency.on_busy"));
    } else if (name == "merge") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.merge, parse_name(kMergeNames, field, "concurrency.merge"));
      has_merge = true;
    } else if (name == "debounce") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.debounce_ms,
                               parse_bounded_duration(field, "concurrency.debounce", kMaxDebounceMs));
    } else if (name == "max_wait") {
      SUNDIAL_ASSIGN_OR_RETURN(spec.max_wait_ms,
                               parse_bounded_duration(field, "concurrency.max_wait", kMaxDebounceWaitMs));
    } else {
      return std::unexpected(invalid_concurrency("unknown field 'concurrency." + name +
                                     "'; concurrency takes 'key', 'limit', 'on_busy', 'merge', 'debounce' "
                                     "and 'max_wait'"));
    }
  }
  if (spec.key.empty()) return std::unexpected(invalid_concurrency("'concurrency.key' is required"));
  if (has_merge && spec.on_busy != OnBusy::kCoalesce && spec.debounce_ms == 0) {
    return std::unexpected(
        invalid_concurrency("'concurrency.merge' applies only with \"on_busy\": \"coalesce\" or a \"debounce\""));
  }
  if (spec.debounce_ms > 0 && spec.on_busy != OnBusy::kQueue) {
    return std::unexpected(
        invalid_concurrency("'concurrency.debounce' works with \"on_busy\": \"queue\" only: the debounced run is "
                "already the burst's one run, and it waits for a slot like any start"));
  }
  if (spec.max_wait_ms > 0 && spec.debounce_ms == 0) {
    return std::unexpected(
        invalid_concurrency("'concurrency.max_wait' caps a debounce: give 'concurrency.debounce' too"));
  }
  if (spec.max_wait_ms > 0 && spec.max_wait_ms < spec.debounce_ms) {
    return std::unexpected(invalid_concurrency("'concurrency.max_wait' must be at least 'concurrency.debounce'"));
  }
  return spec;
}

nlohmann::json to_json(const ConcurrencySpec& spec) {
  nlohmann::json j = {{"key", spec.key}, {"limit", spec.limit}, {"on_busy", on_busy_name(spec.on_busy)}};
  if (spec.folds_starts()) j["merge"] = merge_name(spec.merge);
  if (spec.debounce_ms > 0) j["debounce"] = format_duration(spec.debounce_ms);
  if (spec.max_wait_ms > 0) j["max_wait"] = format_duration(spec.max_wait_ms);
  return j;
}

Result<void> fold_input(nlohmann::json& into, const nlohmann::json& input, CoalesceMerge merge) {
  if (merge == CoalesceMerge::kLatest) {
    into = input;
    return ok();
  }
  if (!into.is_array() || into.size() >= kMaxCoalescedInputs) {
    return make_error(ErrorCode::kConflict, "the queued follow-up already holds " +
                                                std::to_string(kMaxCoalescedInputs) + " coalesced inputs");
  }
  into.push_back(input);
  if (into.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() > kMaxCoalescedInputBytes) {
    into.erase(into.size() - 1);
    return make_error(ErrorCode::kConflict, "the queued follow-up's coalesced inputs would exceed " +
                                                std::to_string(kMaxCoalescedInputBytes) + " bytes");
  }
  return ok();
}

}  // namespace sundial
