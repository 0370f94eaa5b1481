#include "workflows/graph/critical_path.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sundial::graph {

namespace {

using Index = uint32_t;
constexpr Index kNone = std::numeric_limits<Index>::max();

// Adjacency lists in compressed form: the neighbours of node u are
// targets[start[u] .. start[u + 1]), in edge input order.
struct Adjacency {
  std::vector<Index> start;
  std::vector<Index> targets;

  std::span<const Index> of(Index u) const {
    return std::span<const Index>(targets).subspan(start[u], start[u + 1] - start[u]);
  }
};

// Lists, for each arc (a, b), b among a's neighbours.
Adjacency build_adjacency(size_t nodes, const std::vector<std::pair<Index, Index>>& arcs) {
  Adjacency adj;
  adj.start.assign(nodes + 1, 0);
  for (const auto& [a, b] : arcs) ++adj.start[a + 1];
  for (size_t u = 0; u < nodes; ++u) adj.start[u + 1] += adj.start[u];
  adj.targets.resize(arcs.size());
  std::vector<Index> next(adj.start.begin(), adj.start.end() - 1);
  for (const auto& [a, b] : arcs) adj.targets[next[a]++] = b;
  return adj;
}

// The arcs reversed.
std::vector<std::pair<Index, Index>> reversed(const std::vector<std::pair<Index, Index>>& arcs) {
  std::vector<std::pair<Index, Index>> out;
  out.reserve(arcs.size());
  for (const auto& [a, b] : arcs) out.emplace_back(b, a);
  return out;
}

// One cycle among the nodes Kahn's algorithm could not order (those whose
// `indegree_left` stayed > 0). Each such node has a predecessor that is also
// left (the one whose arc was never counted down), so walking backwards from
// one of them, always to its first predecessor still left, must come back to
// a node already walked: the walk from there on is a cycle, backwards.
std::vector<Index> find_cycle(size_t nodes, const std::vector<std::pair<Index, Index>>& arcs,
                              const std::vector<Index>& indegree_left) {
  Adjacency preds = build_adjacency(nodes, reversed(arcs));
  Index cur = 0;
  while (indegree_left[cur] == 0) ++cur;  // the first node left, in input order
  std::vector<Index> walked;
  std::vector<Index> position(nodes, kNone);
  while (position[cur] == kNone) {
    position[cur] = static_cast<Index>(walked.size());
    walked.push_back(cur);
    Index next = kNone;
    for (Index p : preds.of(cur)) {
      if (indegree_left[p] > 0) {
        next = p;
        break;
      }
    }
    if (next == kNone) return {};  // cannot happen (see above); report no ids rather than loop
    cur = next;
  }
  std::vector<Index> cycle(walked.begin() + position[cur], walked.end());
  std::reverse(cycle.begin(), cycle.end());  // into dependency order
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  return cycle;
}

}  // namespace

Result<CriticalPath> critical_path(std::span<const Task> tasks, std::span<const Edge> edges) {
  const size_t n = tasks.size();
  if (n >= kNone) return make_error(ErrorCode::kInvalidArgument, "too many tasks");

  // Ids to indices, once.
  std::unordered_map<std::string_view, Index> index;
  index.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Task& t = tasks[i];
    if (!std::isfinite(t.duration) || t.duration < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "tasks[" + std::to_string(i) + "].duration must be a number >= 0");
    }
    auto [it, inserted] = index.try_emplace(t.id, static_cast<Index>(i));
    if (!inserted) {
      return make_error(ErrorCode::kInvalidArgument, "tasks[" + std::to_string(i) + "].id '" + t.id +
                                                         "' repeats tasks[" + std::to_string(it->second) +
                                                         "].id");
    }
  }

  CriticalPath out;
  std::vector<std::pair<Index, Index>> arcs;
  arcs.reserve(edges.size());
  for (size_t e = 0; e < edges.size(); ++e) {
    auto from = index.find(edges[e].from);
    auto to = index.find(edges[e].to);
    if (from == index.end() || to == index.end()) {
      out.unknown_edges.push_back(e);
      continue;
    }
    arcs.emplace_back(from->second, to->second);
  }
  if (arcs.size() >= kNone) return make_error(ErrorCode::kInvalidArgument, "too many edges");
  const Adjacency succs = build_adjacency(n, arcs);

  // Kahn's topological order; the sources seeded in input order.
  std::vector<Index> indegree(n, 0);
  for (const auto& arc : arcs) ++indegree[arc.second];
  std::vector<Index> indegree_left = indegree;
  std::vector<Index> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (indegree[i] == 0) order.push_back(static_cast<Index>(i));
  }
  for (size_t head = 0; head < order.size(); ++head) {
    for (Index v : succs.of(order[head])) {
      if (--indegree_left[v] == 0) order.push_back(v);
    }
  }
  if (order.size() < n) {
    out.has_cycle = true;
    for (Index u : find_cycle(n, arcs, indegree_left)) out.cycle.push_back(tasks[u].id);
    return out;
  }

  // Forward pass: earliest start is the latest earliest finish of the
  // predecessors.
  auto& s = out.schedule;
  s.resize(n);
  for (Index u : order) {
    s[u].earliest_finish = s[u].earliest_start + tasks[u].duration;
    out.length = std::max(out.length, s[u].earliest_finish);
    for (Index v : succs.of(u)) s[v].earliest_start = std::max(s[v].earliest_start, s[u].earliest_finish);
  }

  // Backward pass: latest finish is the earliest latest start of the
  // successors, or the project's length for a task without any.
  const double tolerance = 1e-9 * std::max(1.0, out.length);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Index u = *it;
    double latest_finish = out.length;
    for (Index v : succs.of(u)) latest_finish = std::min(latest_finish, s[v].latest_start);
    s[u].latest_finish = latest_finish;
    s[u].latest_start = latest_finish - tasks[u].duration;
    double slack = s[u].latest_start - s[u].earliest_start;
    s[u].slack = std::abs(slack) <= tolerance ? 0 : slack;
  }

  for (size_t i = 0; i < n; ++i) {
    if (s[i].slack == 0) out.critical.push_back(tasks[i].id);
  }

  // One longest path: the first critical source in input order, then each
  // time the first critical successor (by input order) that starts as this
  // task finishes, until a task without successors. A critical task with
  // successors always has such a successor (its latest finish is one of
  // theirs' latest start), and the walk only goes forward in a DAG.
  Index cur = kNone;
  for (size_t i = 0; i < n && cur == kNone; ++i) {
    if (indegree[i] == 0 && s[i].slack == 0) cur = static_cast<Index>(i);
  }
  while (cur != kNone) {
    out.path.push_back(tasks[cur].id);
    Index next = kNone;
    for (Index v : succs.of(cur)) {
      if (s[v].slack == 0 && std::abs(s[v].earliest_start - s[cur].earliest_finish) <= tolerance) {
        next = std::min(next, v);
      }
    }
    cur = next;
  }
  return out;
}

}  // namespace sundial::graph
