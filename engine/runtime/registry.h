// Registry: workflow type name → the coroutine function that runs it and
// the check of its start input. Built once at start-up
// (by the workflow families of workflows/modules.h); read-only afterwards.
//
// A type declares its input check where it is registered: start runs it
// before anything is stored, so a start with an input the workflow cannot
// use is refused (400) instead of failing or completing silently later.
//
// Threading: fill before the engine starts; then read from the loop thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/error.h"
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

struct WorkflowType {
  std::string name;
  std::string description;
  WorkflowFn fn;
  InputCheck check_input;  // empty: any input is stored as given

  // check_input(input), or `input` itself when the type declares no check;
  // internal when the check throws (a bug in the check).
  Result<nlohmann::json> prepare_input(nlohmann::json input) const;
};

class Registry {
 public:
  // Fails with invalid_argument for a bad or duplicate name.
  Result<void> add(std::string name, std::string description, WorkflowFn fn, InputCheck check_input = {});
  const WorkflowType* find(std::string_view name) const;
  std::vector<const WorkflowType*> list() const;

 private:
  std::map<std::string, WorkflowType, std::less<>> types_;
};

}  // namespace sundial
