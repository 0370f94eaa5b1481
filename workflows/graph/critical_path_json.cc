#include "workflows/graph/critical_path_json.h"

#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/graph/critical_path.h"

namespace sundial::graph {

namespace {

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

// "tasks[3]"
std::string element(std::string_view array, size_t i) {
  return std::string(array) + "[" + std::to_string(i) + "]";
}

// ok() when `object` (named `where`) has no field outside `known`.
Result<void> check_fields(const nlohmann::json& object, std::string_view where,
                          std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || key == k;
    if (found) continue;
    std::string expected;
    for (std::string_view k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
    return invalid(std::string(where) + (where.empty() ? "" : " ") + "has an unknown field '" +
                   key.substr(0, kMaxIdBytes) + "' (expected " + expected + ")");
  }
  return ok();
}

// object[key] as an id: a string of 1 to kMaxIdBytes bytes.
Result<std::string> id_field(const nlohmann::json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
      it->get_ref<const std::string&>().size() > kMaxIdBytes) {
    return invalid(where + "." + key + " must be a string of 1 to " + std::to_string(kMaxIdBytes) + " bytes");
  }
  return it->get<std::string>();
}

Result<std::vector<Task>> read_tasks(const nlohmann::json& input) {
  auto it = input.find("tasks");
  if (it == input.end() || !it->is_array() || it->size() > kMaxJsonTasks) {
    return invalid("tasks must be an array of at most " + std::to_string(kMaxJsonTasks) + " tasks");
  }
  std::vector<Task> tasks;
  tasks.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& t = (*it)[i];
    std::string where = element("tasks", i);
    if (!t.is_object()) return invalid(where + " must be an object with an id and a duration");
    SUNDIAL_TRY(check_fields(t, where, {"id", "duration"}));
    SUNDIAL_ASSIGN_OR_RETURN(std::string id, id_field(t, "id", where));
    auto d = t.find("duration");
    if (d == t.end() || !d->is_number() || !std::isfinite(d->get<double>()) || d->get<double>() < 0) {
      return invalid(where + ".duration must be a number >= 0");
    }
    tasks.push_back(Task{std::move(id), d->get<double>()});
  }
  return tasks;
}

Result<std::vector<Edge>> read_edges(const nlohmann::json& input) {
  std::vector<Edge> edges;
  auto it = input.find("edges");
  if (it == input.end() || it->is_null()) return edges;
  if (!it->is_array() || it->size() > kMaxJsonEdges) {
    return invalid("edges must be an array of at most " + std::to_string(kMaxJsonEdges) + " edges");
  }
  edges.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& e = (*it)[i];
    std::string where = element("edges", i);
    if (!e.is_object()) return invalid(where + " must be an object with a from and a to");
    SUNDIAL_TRY(check_fields(e, where, {"from", "to"}));
    SUNDIAL_ASSIGN_OR_RETURN(std::string from, id_field(e, "from", where));
    SUNDIAL_ASSIGN_OR_RETURN(std::string to, id_field(e, "to", where));
    edges.push_back(Edge{std::move(from), std::move(to)});
  }
  return edges;
}

}  // namespace

Result<nlohmann::json> critical_path_json(const nlohmann::json& input) {
  if (!input.is_object()) return invalid("the input must be a JSON object");
  SUNDIAL_TRY(check_fields(input, "the input", {"tasks", "edges", "detail"}));
  bool detail = true;
  if (auto it = input.find("detail"); it != input.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalid("detail must be a boolean");
    detail = it->get<bool>();
  }
  SUNDIAL_ASSIGN_OR_RETURN(std::vector<Task> tasks, read_tasks(input));
  SUNDIAL_ASSIGN_OR_RETURN(std::vector<Edge> edges, read_edges(input));
  SUNDIAL_ASSIGN_OR_RETURN(CriticalPath cp, critical_path(tasks, edges));

  nlohmann::json out = {{"unknown_edges", cp.unknown_edges.size()}};
  if (cp.has_cycle) {
    out["length"] = nullptr;
    out["path"] = nlohmann::json::array();
    out["critical"] = nlohmann::json::array();
    out["cycle"] = cp.cycle;
    if (detail) out["tasks"] = nlohmann::json::object();
    return out;
  }
  out["length"] = cp.length;
  out["path"] = cp.path;
  out["critical"] = cp.critical;
  out["cycle"] = nullptr;
  if (detail) {
    nlohmann::json per_task = nlohmann::json::object();
    for (size_t i = 0; i < tasks.size(); ++i) {
      const TaskSchedule& s = cp.schedule[i];
      per_task[tasks[i].id] = {{"earliest_start", s.earliest_start},
                               {"earliest_finish", s.earliest_finish},
                               {"latest_start", s.latest_start},
                               {"slack", s.slack}};
    }
    out["tasks"] = std::move(per_task);
  }
  return out;
}

}  // namespace sundial::graph
