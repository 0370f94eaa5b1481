#include "engine/model/id_reuse.h"

namespace sundial {

std::optional<IdReuse> parse_id_reuse(std::string_view name) {
  if (name == "reject") return IdReuse::kReject;
  if (name == "allow_if_finished") return IdReuse::kAllowIfFinished;
  if (name == "allow_if_failed") return IdReuse::kAllowIfFailed;
  return std::nullopt;
}

std::string_view id_reuse_name(IdReuse reuse) {
  switch (reuse) {
    case IdReuse::kReject:
      return "reject";
    case IdReuse::kAllowIfFinished:
      return "allow_if_finished";
    case IdReuse::kAllowIfFailed:
      return "allow_if_failed";
  }
  return "reject";
}

bool may_run_again(IdReuse reuse, InstanceStatus status) {
  switch (reuse) {
    case IdReuse::kReject:
      return false;
    case IdReuse::kAllowIfFinished:
      return is_finished(status);
    case IdReuse::kAllowIfFailed:
      return status == InstanceStatus::kFailed || status == InstanceStatus::kCancelled;
  }
  return false;
}

Result<IdReuse> parse_id_reuse_field(const nlohmann::json& value, bool has_id) {
  auto parsed = value.is_string() ? parse_id_reuse(value.get_ref<const std::string&>()) : std::nullopt;
  if (!parsed) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'id_reuse' must be \"reject\", \"allow_if_finished\" or \"allow_if_failed\"");
  }
  if (*parsed != IdReuse::kReject && !has_id) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'id_reuse' needs an 'id': a generated id never runs again");
  }
  return *parsed;
}

}  // namespace sundial
