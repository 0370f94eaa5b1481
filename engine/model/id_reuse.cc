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

}  // namespace sundial
