// Registry: workflow type name → the coroutine function that runs it and
// the check of its start input. Built-in types are added once at start-up
// (by the workflow families of workflows/modules.h). Script types
// (workflows/lua) are versioned and change while sundiald runs: a new
// version becomes the type's current one and new instances start on it,
// while instances already running keep the version recorded on them
// (InstanceRecord::version), which stays here until none uses it.
//
// A type declares its input check where it is registered: start runs it
// before anything is stored, so a start with an input the workflow cannot
// use is refused (400) instead of failing or completing silently later.
//
// Threading: loop thread (built-in types are added before the engine
// starts). A `const WorkflowType*` from find() is valid until that version
// is removed; callers use it at once and keep none.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
#include "engine/model/concurrency.h"
#include "engine/model/search_attributes.h"
#include "engine/runtime/context.h"
#include "engine/runtime/workflow.h"

namespace sundial {

// Builds the root coroutine of an instance. The input is ctx.input().
using WorkflowFn = std::function<Workflow<void>(Context&)>;

// Checks a start's input and returns the input to store, with defaults
// filled in (stored, so a replay never depends on a setting changed since),
// or invalid_argument saying what is wrong. Runs on the loop for every
// start: quick, deterministic, and it must not throw.
using InputCheck = std::function<Result<nlohmann::json>(const nlohmann::json& input)>;
// The concurrency key a start of the type takes when it names none
// (docs/flow-control.md), from its prepared input: nullopt for none, or
// invalid_argument. The same rules as InputCheck: on the loop, quick,
// deterministic, never throws.
using ConcurrencyOf = std::function<Result<std::optional<ConcurrencySpec>>(const nlohmann::json& input)>;

struct WorkflowType {
  std::string name;
  std::string description;
  WorkflowFn fn;
  InputCheck check_input;  // empty: any input is stored as given
  // "builtin" (C++, compiled in) or the kind of script ("lua").
  std::string kind = "builtin";
  // Empty for built-in types; a script's content hash (sha256 hex).
  std::string version;
  ConcurrencyOf concurrency_of;  // empty: a start has the key it names, if any
  // The business keys its instances are found by (engine/model/search_attributes.h).
  std::vector<SearchAttributeSpec> search_attributes = {};

  // check_input(input), or `input` itself when the type declares no check;
  // internal when the check throws (a bug in the check).
  Result<nlohmann::json> prepare_input(nlohmann::json input) const;
};

class Registry {
 public:
  // Adds a built-in type. Fails with invalid_argument for a bad or
  // duplicate name.
  Result<void> add(std::string name, std::string description, WorkflowFn fn, InputCheck check_input = {});
  // Adds a version of a script type (type.version must be set) and, with
  // `make_current`, makes it the version new instances start on; the type
  // is created by its first version. A version already known is kept as
  // it is (and may become current). Fails with invalid_argument for a bad
  // name, and with conflict when the name is a built-in type.
  Result<void> add_version(WorkflowType type, bool make_current = true);
  // Makes a loaded version current; false when it is not loaded.
  bool set_current(std::string_view name, std::string_view version);
  // Removes one version that is not current (no instance may use it).
  void remove_version(std::string_view name, std::string_view version);
  // Declares the search attributes of a built-in type (a script declares
  // its own): the business keys its instances are found by. invalid_argument
  // for a bad declaration (validate_search_attribute_specs), not_found for
  // a type that is not built in.
  Result<void> declare_search_attributes(std::string_view name, std::vector<SearchAttributeSpec> specs);
  // Stops new instances of a script type (find(name) is nullptr) while its
  // versions stay for the instances that run them.
  void retire(std::string_view name);
  // Retires a script type and drops all its versions.
  void remove(std::string_view name);

  // The type's current version; nullptr when there is no such type.
  const WorkflowType* find(std::string_view name) const;
  // The given version of the type; the current one when `version` is
  // empty (built-in types, and instances from before versions were
  // recorded); nullptr when that version is not loaded.
  const WorkflowType* find(std::string_view name, std::string_view version) const;
  // Every type's current version, by name.
  std::vector<const WorkflowType*> list() const;
  // Every loaded version of a type, the current one first.
  std::vector<const WorkflowType*> versions(std::string_view name) const;

 private:
  struct Entry {
    std::string current;  // key into `versions`
    std::map<std::string, std::unique_ptr<WorkflowType>, std::less<>> versions;
  };
  std::map<std::string, Entry, std::less<>> types_;
};

}  // namespace sundial
