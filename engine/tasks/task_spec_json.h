// Reading a task to enqueue from untrusted JSON (the HTTP API; later the
// webhook mappers and Lua's ctx:task): every field checked, none thrown
// on, and a refusal that names the field ("tasks[3].priority must be ...").
// docs/http-api.md, "Tasks", lists the fields.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/tasks/task_model.h"

namespace sundial {

// `body` as a task for `queue` (already validated); `where` prefixes the
// field in messages ("" or "tasks[3]."). invalid_argument on anything wrong.
Result<TaskSpec> parse_task_spec(const nlohmann::json& body, const std::string& queue,
                                 std::string_view where = "");

}  // namespace sundial
