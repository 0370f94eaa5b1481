#include "workflows/lua/script_schedules.h"

#include "workflows/lua/script_declarations.h"

namespace sundial::lua {

namespace {

Error schedules_error(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

}  // namespace

Result<std::vector<ScheduleSpec>> script_schedules(const LuaScript& script) {
  const std::string& chunkname = script.chunkname();
  SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json declared,
                           declared_table(script, "schedules", "schedule", kMaxScriptSchedules));
  std::vector<ScheduleSpec> specs;
  if (declared.is_null()) return specs;
  for (auto& [id, entry] : declared.items()) {
    std::string where = chunkname + ": schedule '" + id + "': ";
    if (!entry.is_object()) return std::unexpected(schedules_error(where + "must be a table"));
    if (entry.contains("id"))
      return std::unexpected(schedules_error(where + "its id is its key: no id field"));
    if (entry.contains("action") && entry.contains("input")) {
      return std::unexpected(
          schedules_error(where + "input is for the script's own start; an action has its own"));
    }
    nlohmann::json body = entry;
    body["id"] = id;
    if (!body.contains("action")) {
      nlohmann::json input = body.value("input", nlohmann::json::object());
      if (input.is_array() && input.empty()) input = nlohmann::json::object();
      body.erase("input");
      body["action"] = {{"start", {{"type", script.type()}, {"input", std::move(input)}}}};
    }
    auto spec = parse_schedule_spec(body);
    if (!spec) return std::unexpected(schedules_error(where + spec.error().message));
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace sundial::lua
