#include "engine/tasks/task_model.h"

#include <algorithm>

namespace sundial {

namespace {
constexpr std::string_view kNames[] = {"pending", "running", "completed", "failed", "cancelled", "queued"};
}

std::string_view task_status_name(TaskStatus status) {
  size_t slot = status_slot(status);
  return slot < kTaskStatusCount ? kNames[slot] : "unknown";
}

std::optional<TaskStatus> parse_task_status(std::string_view name) {
  for (TaskStatus s : kAllTaskStatuses) {
    if (task_status_name(s) == name) return s;
  }
  return std::nullopt;
}

Result<void> validate_queue_name(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), allowed)) {
    return make_error(ErrorCode::kInvalidArgument, "queue name must be 1 to 64 characters of [A-Za-z0-9._-]");
  }
  if (name == "." || name == "..") {
    return make_error(ErrorCode::kInvalidArgument, "queue name cannot be '.' or '..' (a URL path cannot name it)");
  }
  return ok();
}

}  // namespace sundial
