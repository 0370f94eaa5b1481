#include "engine/runtime/registry.h"

#include <exception>

#include "engine/storage/keys.h"

namespace sundial {

Result<nlohmann::json> WorkflowType::prepare_input(nlohmann::json input) const {
  if (!check_input) return input;
  try {
    return check_input(input);
  } catch (const std::exception& e) {  // a broken check refuses this start, nothing more
    return make_error(ErrorCode::kInternal,
                      "the input check of workflow type '" + name + "' threw: " + e.what());
  }
}

Result<void> Registry::add(std::string name, std::string description, WorkflowFn fn, InputCheck check_input) {
  SUNDIAL_TRY(keys::validate_type_name(name));
  if (types_.contains(name)) {
    return make_error(ErrorCode::kInvalidArgument, "workflow type '" + name + "' is registered twice");
  }
  std::string key = name;
  types_.emplace(std::move(key), WorkflowType{std::move(name), std::move(description), std::move(fn),
                                              std::move(check_input)});
  return ok();
}

const WorkflowType* Registry::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<const WorkflowType*> Registry::list() const {
  std::vector<const WorkflowType*> out;
  for (const auto& [name, type] : types_) out.push_back(&type);
  return out;
}

}  // namespace sundial
