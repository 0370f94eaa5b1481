// The JSON face of critical_path.h, for the Lua side: validates a graph
// given as JSON, runs the critical path method and answers in JSON.
//
// Input (an object; no other fields):
//   {"tasks":  [{"id": "design", "duration": 3}, ...],   required, <= 100,000
//    "edges":  [{"from": "design", "to": "build"}, ...],  optional, <= 500,000
//    "detail": true}                                      optional, default true
// An id is a string of 1 to 200 bytes; a duration a finite number >= 0
// (days); a task or edge is an object with exactly those fields. A bad
// input is invalid_argument naming the element ("tasks[3].duration must be
// a number >= 0", "edges[7].to must be a string of 1 to 200 bytes").
//
// Output:
//   {"length": 12.5,                 // null with a cycle
//    "path": ["design", ...],        // one longest path; [] with a cycle
//    "critical": ["design", ...],    // every zero-slack task, input order; [] with a cycle
//    "cycle": ["a", "b", "c"],       // one cycle (c -> a closes it), or null
//    "unknown_edges": 2,             // edges naming an unknown task, ignored
//    "tasks": {"design": {"earliest_start": 0, "earliest_finish": 3,
//                         "latest_start": 0, "slack": 0}, ...}}
// "tasks" is left out when the input says "detail": false (and is {} with
// a cycle), which keeps the answer small for a large graph when only the
// path and the critical tasks matter.
//
// Threading: a pure function; any thread.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial::graph {

inline constexpr size_t kMaxJsonTasks = 100000;
inline constexpr size_t kMaxJsonEdges = 500000;
inline constexpr size_t kMaxIdBytes = 200;

Result<nlohmann::json> critical_path_json(const nlohmann::json& input);

}  // namespace sundial::graph
