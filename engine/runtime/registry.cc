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
  auto type = std::make_unique<WorkflowType>(
      WorkflowType{name, std::move(description), std::move(fn), std::move(check_input), "builtin", "", {}, {}});
  Entry& entry = types_[std::move(name)];
  entry.versions.emplace("", std::move(type));
  return ok();
}

Result<void> Registry::declare_search_attributes(std::string_view name, std::vector<SearchAttributeSpec> specs) {
  auto it = types_.find(name);
  if (it == types_.end() || !it->second.versions.contains("")) {
    return make_error(ErrorCode::kNotFound, "no built-in workflow type '" + std::string(name) + "'");
  }
  SUNDIAL_TRY(validate_search_attribute_specs(specs));
  it->second.versions.at("")->search_attributes = std::move(specs);
  return ok();
}

Result<void> Registry::add_version(WorkflowType type, bool make_current) {
  SUNDIAL_TRY(keys::validate_type_name(type.name));
  SUNDIAL_TRY(validate_search_attribute_specs(type.search_attributes));
  if (type.version.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "workflow type '" + type.name + "' has no version");
  }
  auto it = types_.find(type.name);
  if (it != types_.end() && it->second.versions.contains("")) {
    return make_error(ErrorCode::kConflict,
                      "workflow type '" + type.name + "' is built into sundiald and cannot be replaced");
  }
  Entry& entry = it != types_.end() ? it->second : types_[type.name];
  if (make_current) entry.current = type.version;
  if (!entry.versions.contains(type.version)) {
    std::string version = type.version;
    entry.versions.emplace(std::move(version), std::make_unique<WorkflowType>(std::move(type)));
  }
  return ok();
}

bool Registry::set_current(std::string_view name, std::string_view version) {
  auto it = types_.find(name);
  if (it == types_.end() || version.empty() || !it->second.versions.contains(version)) return false;
  it->second.current = std::string(version);
  return true;
}

void Registry::remove_version(std::string_view name, std::string_view version) {
  auto it = types_.find(name);
  if (it == types_.end() || version.empty() || it->second.current == version) return;
  if (auto v = it->second.versions.find(version); v != it->second.versions.end())
    it->second.versions.erase(v);
  if (it->second.versions.empty()) types_.erase(it);
}

void Registry::retire(std::string_view name) {
  if (auto it = types_.find(name); it != types_.end() && !it->second.versions.contains("")) {
    it->second.current.clear();
  }
}

void Registry::remove(std::string_view name) {
  if (auto it = types_.find(name); it != types_.end() && !it->second.versions.contains("")) types_.erase(it);
}

const WorkflowType* Registry::find(std::string_view name) const { return find(name, {}); }

const WorkflowType* Registry::find(std::string_view name, std::string_view version) const {
  auto it = types_.find(name);
  if (it == types_.end()) return nullptr;
  const Entry& entry = it->second;
  auto v = entry.versions.find(version.empty() ? std::string_view(entry.current) : version);
  return v == entry.versions.end() ? nullptr : v->second.get();
}

std::vector<const WorkflowType*> Registry::list() const {
  std::vector<const WorkflowType*> out;
  for (const auto& [name, entry] : types_) {
    if (const WorkflowType* t = find(name)) out.push_back(t);
  }
  return out;
}

std::vector<const WorkflowType*> Registry::versions(std::string_view name) const {
  std::vector<const WorkflowType*> out;
  auto it = types_.find(name);
  if (it == types_.end()) return out;
  const WorkflowType* current = find(name);
  if (current) out.push_back(current);
  for (const auto& [version, type] : it->second.versions) {
    if (type.get() != current) out.push_back(type.get());
  }
  return out;
}

}  // namespace sundial
