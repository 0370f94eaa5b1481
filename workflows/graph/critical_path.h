// The critical path method over a task dependency graph: per task its
// earliest and latest start and its slack, the project's length, the
// critical tasks and one longest path. Pure computation: no I/O, no engine
// objects. The JSON face the Lua side calls is critical_path_json.h.
//
// The graph: tasks with a duration (days, finite, >= 0) and edges
// `from -> to`, meaning `to` starts only after `from` finishes. All tasks
// form one project that starts at 0: a task with no predecessor starts at
// 0, a task with no successor may finish as late as the project's length,
// so the tasks of a shorter disconnected part have slack > 0.
//
//   - A duplicate task id is an error (invalid_argument naming both places).
//   - An edge naming an unknown task is ignored and reported by its index.
//   - A duplicate edge is harmless.
//   - A cycle is reported (`has_cycle`, the ids of one cycle) instead of
//     computing anything else.
//
// Ties: slack within a tolerance of 1e-9 x max(1, length) counts as zero
// (and is reported as exactly 0), so two equally long paths are both
// critical. `path` is one longest path, from a task without predecessors to
// a task without successors; at each choice (the start, then each next
// task) it takes the candidate that comes first in input order.
//
// Cost: O(V + E) time and memory (ids mapped to indices once, Kahn's
// topological order, no recursion). 10,000 tasks and 50,000 edges take a
// few milliseconds.
//
// Threading: pure functions over values; any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "engine/base/error.h"

namespace sundial::graph {

struct Task {
  std::string id;
  double duration = 0;  // days; finite and >= 0
};

// `to` depends on `from`: it starts only after `from` finishes.
struct Edge {
  std::string from;
  std::string to;
};

// One task's schedule, in days from the project's start.
struct TaskSchedule {
  double earliest_start = 0;
  double earliest_finish = 0;  // earliest_start + duration
  double latest_start = 0;     // the latest start that keeps the project's length
  double latest_finish = 0;    // latest_start + duration
  double slack = 0;            // latest_start - earliest_start; exactly 0 on a critical task
};

struct CriticalPath {
  // With a cycle, only `cycle` and `unknown_edges` are filled.
  bool has_cycle = false;
  // The ids of one cycle in dependency order: each depends on the one before
  // it and the first on the last (the first id is not repeated). It starts
  // at its task that comes first in input order; a self-loop is one id.
  std::vector<std::string> cycle;
  // Indices into `edges` of the edges naming a task that does not exist
  // (ignored), in input order.
  std::vector<size_t> unknown_edges;
  double length = 0;  // the project's duration: the largest earliest finish
  // Parallel to `tasks`: schedule[i] is tasks[i]'s.
  std::vector<TaskSchedule> schedule;
  // The ids of every task with zero slack, in input order.
  std::vector<std::string> critical;
  // One longest path (ids, first to last; see the header comment for which).
  std::vector<std::string> path;
};

// The critical path of the project, or invalid_argument for a duplicate id
// ("tasks[5].id 'x' repeats tasks[2].id") or a bad duration ("tasks[3].
// duration must be a number >= 0"). At most 2^32 - 2 tasks.
Result<CriticalPath> critical_path(std::span<const Task> tasks, std::span<const Edge> edges);

}  // namespace sundial::graph
