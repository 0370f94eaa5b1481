// Registry: workflow type name → the coroutine function that runs it.
// Built once at start-up (workflows/builtin.cc holds the list); read-only
// afterwards.
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

struct WorkflowType {
  std::string name;
  std::string description;
  WorkflowFn fn;
};

class Registry {
 public:
  // Fails with invalid_argument for a bad or duplicate name.
  Result<void> add(std::string name, std::string description, WorkflowFn fn);
  const WorkflowType* find(std::string_view name) const;
  std::vector<const WorkflowType*> list() const;

 private:
  std::map<std::string, WorkflowType, std::less<>> types_;
};

}  // namespace sundial
