// The critical path method (workflows/graph/critical_path.h) on graphs
// computed by hand, cycles and bad inputs, one 10,000-task graph checked
// structurally, and its JSON face (critical_path_json.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "workflows/graph/critical_path.h"
#include "workflows/graph/critical_path_json.h"

namespace sundial::graph {
namespace {

using Ids = std::vector<std::string>;

CriticalPath solve(const std::vector<Task>& tasks, const std::vector<Edge>& edges) {
  Result<CriticalPath> r = critical_path(tasks, edges);
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : CriticalPath{};
}

void expect_schedule(const CriticalPath& cp, size_t i, double es, double ef, double ls, double slack) {
  ASSERT_LT(i, cp.schedule.size());
  const TaskSchedule& s = cp.schedule[i];
  EXPECT_DOUBLE_EQ(s.earliest_start, es) << "task " << i;
  EXPECT_DOUBLE_EQ(s.earliest_finish, ef) << "task " << i;
  EXPECT_DOUBLE_EQ(s.latest_start, ls) << "task " << i;
  EXPECT_DOUBLE_EQ(s.latest_finish, ls + (ef - es)) << "task " << i;
  EXPECT_DOUBLE_EQ(s.slack, slack) << "task " << i;
}

TEST(CriticalPathTest, ChainIsAllCritical) {
  CriticalPath cp = solve({{"a", 2}, {"b", 3}, {"c", 1}}, {{"a", "b"}, {"b", "c"}});
  EXPECT_FALSE(cp.has_cycle);
  EXPECT_DOUBLE_EQ(cp.length, 6);
  expect_schedule(cp, 0, 0, 2, 0, 0);
  expect_schedule(cp, 1, 2, 5, 2, 0);
  expect_schedule(cp, 2, 5, 6, 5, 0);
  EXPECT_EQ(cp.critical, (Ids{"a", "b", "c"}));
  EXPECT_EQ(cp.path, (Ids{"a", "b", "c"}));
  EXPECT_TRUE(cp.unknown_edges.empty());
}

TEST(CriticalPathTest, DiamondWithATieMarksBothBranches) {
  std::vector<Edge> edges = {{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}};
  CriticalPath cp = solve({{"a", 1}, {"b", 3}, {"c", 3}, {"d", 2}}, edges);
  EXPECT_DOUBLE_EQ(cp.length, 6);
  EXPECT_EQ(cp.critical, (Ids{"a", "b", "c", "d"}));
  EXPECT_EQ(cp.path, (Ids{"a", "b", "d"}));  // b comes before c in input order
  expect_schedule(cp, 2, 1, 4, 1, 0);

  // The tie is broken by input order, not by the edges' order.
  cp = solve({{"a", 1}, {"c", 3}, {"b", 3}, {"d", 2}}, edges);
  EXPECT_EQ(cp.path, (Ids{"a", "c", "d"}));
  EXPECT_EQ(cp.critical, (Ids{"a", "c", "b", "d"}));

  // Durations that add up with rounding still tie.
  cp = solve({{"a", 1}, {"b", 0.1 + 0.2}, {"c", 0.3}, {"d", 2}}, edges);
  EXPECT_EQ(cp.critical, (Ids{"a", "b", "c", "d"}));
}

TEST(CriticalPathTest, DiamondWithoutATieGivesTheShortBranchSlack) {
  CriticalPath cp =
      solve({{"a", 1}, {"b", 3}, {"c", 1}, {"d", 2}}, {{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}});
  EXPECT_DOUBLE_EQ(cp.length, 6);
  expect_schedule(cp, 1, 1, 4, 1, 0);
  expect_schedule(cp, 2, 1, 2, 3, 2);
  expect_schedule(cp, 3, 4, 6, 4, 0);
  EXPECT_EQ(cp.critical, (Ids{"a", "b", "d"}));
  EXPECT_EQ(cp.path, (Ids{"a", "b", "d"}));
}

TEST(CriticalPathTest, DisconnectedPartsAreOneProject) {
  // x -> y is the long part; z and the milestone w stand alone.
  CriticalPath cp = solve({{"z", 2}, {"x", 5}, {"w", 0}, {"y", 5}}, {{"x", "y"}});
  EXPECT_DOUBLE_EQ(cp.length, 10);
  expect_schedule(cp, 0, 0, 2, 8, 8);
  expect_schedule(cp, 1, 0, 5, 0, 0);
  expect_schedule(cp, 2, 0, 0, 10, 10);
  expect_schedule(cp, 3, 5, 10, 5, 0);
  EXPECT_EQ(cp.critical, (Ids{"x", "y"}));
  EXPECT_EQ(cp.path, (Ids{"x", "y"}));

  // Two parts of the same length are both critical; the path is the first's.
  cp = solve({{"p", 1}, {"q", 2}, {"r", 3}}, {{"p", "q"}});
  EXPECT_EQ(cp.critical, (Ids{"p", "q", "r"}));
  EXPECT_EQ(cp.path, (Ids{"p", "q"}));
}

TEST(CriticalPathTest, ZeroDurationMilestones) {
  std::vector<Task> tasks = {{"start", 0}, {"a", 2}, {"c", 1}, {"mid", 0}, {"b", 3}, {"end", 0}};
  std::vector<Edge> edges = {{"start", "a"}, {"start", "c"}, {"a", "mid"},
                             {"c", "mid"},   {"mid", "b"},   {"b", "end"}};
  CriticalPath cp = solve(tasks, edges);
  EXPECT_DOUBLE_EQ(cp.length, 5);
  expect_schedule(cp, 0, 0, 0, 0, 0);
  expect_schedule(cp, 2, 0, 1, 1, 1);
  expect_schedule(cp, 3, 2, 2, 2, 0);
  expect_schedule(cp, 5, 5, 5, 5, 0);
  EXPECT_EQ(cp.critical, (Ids{"start", "a", "mid", "b", "end"}));
  EXPECT_EQ(cp.path, (Ids{"start", "a", "mid", "b", "end"}));

  // Milestones after the end are critical and end the path; of two
  // critical sources the path starts at the first.
  cp = solve({{"m1", 0}, {"m2", 0}, {"work", 4}, {"done", 0}, {"done2", 0}},
             {{"m1", "work"}, {"m2", "work"}, {"work", "done"}, {"done", "done2"}});
  EXPECT_EQ(cp.critical, (Ids{"m1", "m2", "work", "done", "done2"}));
  EXPECT_EQ(cp.path, (Ids{"m1", "work", "done", "done2"}));

  // Only milestones: a project of length 0, all critical.
  cp = solve({{"m1", 0}, {"m2", 0}}, {{"m1", "m2"}});
  EXPECT_DOUBLE_EQ(cp.length, 0);
  EXPECT_EQ(cp.critical, (Ids{"m1", "m2"}));
  EXPECT_EQ(cp.path, (Ids{"m1", "m2"}));
}

TEST(CriticalPathTest, EmptyProject) {
  CriticalPath cp = solve({}, {});
  EXPECT_FALSE(cp.has_cycle);
  EXPECT_DOUBLE_EQ(cp.length, 0);
  EXPECT_TRUE(cp.schedule.empty());
  EXPECT_TRUE(cp.critical.empty());
  EXPECT_TRUE(cp.path.empty());
}

TEST(CriticalPathTest, ThreeCycleIsReportedInDependencyOrder) {
  std::vector<Edge> edges = {{"a", "b"}, {"b", "c"}, {"c", "a"}, {"c", "d"}, {"e", "a"}};
  CriticalPath cp = solve({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}}, edges);
  EXPECT_TRUE(cp.has_cycle);
  EXPECT_EQ(cp.cycle, (Ids{"a", "b", "c"}));
  EXPECT_TRUE(cp.schedule.empty());
  EXPECT_TRUE(cp.critical.empty());
  EXPECT_TRUE(cp.path.empty());

  // Found from a task downstream of the cycle; starts at the cycle's task
  // that comes first in input order.
  cp = solve({{"d", 1}, {"c", 1}, {"b", 1}, {"a", 1}, {"e", 1}}, edges);
  EXPECT_EQ(cp.cycle, (Ids{"c", "a", "b"}));
}

TEST(CriticalPathTest, SelfLoopIsACycleOfOne) {
  CriticalPath cp = solve({{"a", 1}}, {{"a", "a"}});
  EXPECT_TRUE(cp.has_cycle);
  EXPECT_EQ(cp.cycle, (Ids{"a"}));

  cp = solve({{"x", 1}, {"y", 2}, {"z", 1}}, {{"x", "y"}, {"y", "y"}, {"y", "z"}});
  EXPECT_TRUE(cp.has_cycle);
  EXPECT_EQ(cp.cycle, (Ids{"y"}));
}

TEST(CriticalPathTest, UnknownEdgesAreReportedAndIgnored) {
  CriticalPath cp =
      solve({{"a", 2}, {"b", 3}}, {{"a", "b"}, {"a", "ghost"}, {"ghost", "b"}, {"x", "y"}, {"b", "a2"}});
  EXPECT_EQ(cp.unknown_edges, (std::vector<size_t>{1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(cp.length, 5);
  EXPECT_EQ(cp.path, (Ids{"a", "b"}));
}

TEST(CriticalPathTest, DuplicateEdgesAreHarmless) {
  CriticalPath once = solve({{"a", 2}, {"b", 3}, {"c", 1}}, {{"a", "b"}, {"a", "c"}});
  CriticalPath twice =
      solve({{"a", 2}, {"b", 3}, {"c", 1}}, {{"a", "b"}, {"a", "c"}, {"a", "b"}, {"a", "b"}});
  EXPECT_DOUBLE_EQ(once.length, twice.length);
  EXPECT_EQ(once.critical, twice.critical);
  EXPECT_EQ(once.path, twice.path);
  expect_schedule(twice, 2, 2, 3, 4, 2);
}

TEST(CriticalPathTest, DuplicateIdsAndBadDurationsAreErrors) {
  Result<CriticalPath> r = critical_path(std::vector<Task>{{"a", 1}, {"b", 1}, {"a", 2}}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "tasks[2].id 'a' repeats tasks[0].id");

  for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    r = critical_path(std::vector<Task>{{"a", 1}, {"b", bad}}, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "tasks[1].duration must be a number >= 0");
  }
}

// A long cycle is found by walking, not recursing.
TEST(CriticalPathTest, LongCycleIsFound) {
  const size_t n = 50000;
  std::vector<Task> tasks;
  std::vector<Edge> edges;
  for (size_t i = 0; i < n; ++i) {
    tasks.push_back({"t" + std::to_string(i), 1});
    edges.push_back({"t" + std::to_string(i), "t" + std::to_string((i + 1) % n)});
  }
  CriticalPath cp = solve(tasks, edges);
  ASSERT_TRUE(cp.has_cycle);
  ASSERT_EQ(cp.cycle.size(), n);
  EXPECT_EQ(cp.cycle.front(), "t0");
  EXPECT_EQ(cp.cycle[1], "t1");
  EXPECT_EQ(cp.cycle.back(), "t" + std::to_string(n - 1));

  // Without the closing edge: one long critical chain.
  edges.pop_back();
  cp = solve(tasks, edges);
  EXPECT_FALSE(cp.has_cycle);
  EXPECT_DOUBLE_EQ(cp.length, static_cast<double>(n));
  EXPECT_EQ(cp.path.size(), n);
}

// A deterministic random DAG: task i depends only on tasks before it in a
// hidden order, listed shuffled, with some zero durations and duplicate edges.
struct BigGraph {
  std::vector<Task> tasks;
  std::vector<Edge> edges;
};

BigGraph big_graph(size_t n, size_t m) {
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  // rank[i]: task i's place in the hidden topological order.
  std::vector<size_t> rank(n);
  for (size_t i = 0; i < n; ++i) rank[i] = i;
  for (size_t i = n - 1; i > 0; --i) std::swap(rank[i], rank[next(i + 1)]);
  std::vector<size_t> by_rank(n);
  for (size_t i = 0; i < n; ++i) by_rank[rank[i]] = i;
  BigGraph g;
  for (size_t i = 0; i < n; ++i)
    g.tasks.push_back({"task-" + std::to_string(i), static_cast<double>(next(10))});
  while (g.edges.size() < m) {
    size_t a = next(n), b = a + 1 + next(50);
    if (b >= n) continue;  // edges mostly between nearby ranks: long paths
    g.edges.push_back({g.tasks[by_rank[a]].id, g.tasks[by_rank[b]].id});
  }
  return g;
}

TEST(CriticalPathTest, LargeGraphIsConsistent) {
  const size_t n = 10000, m = 50000;
  BigGraph g = big_graph(n, m);
  CriticalPath cp = solve(g.tasks, g.edges);
  ASSERT_FALSE(cp.has_cycle);
  ASSERT_EQ(cp.schedule.size(), n);
  EXPECT_TRUE(cp.unknown_edges.empty());

  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[g.tasks[i].id] = i;
  // Each task starts when its last predecessor finishes (0 without one)
  // and must finish when its first successor must start (the length
  // without one).
  std::vector<double> max_pred_finish(n, 0), min_succ_start(n, cp.length);
  for (const Edge& e : g.edges) {
    size_t a = index.at(e.from), b = index.at(e.to);
    max_pred_finish[b] = std::max(max_pred_finish[b], cp.schedule[a].earliest_finish);
    min_succ_start[a] = std::min(min_succ_start[a], cp.schedule[b].latest_start);
  }
  double length = 0;
  std::vector<std::string> critical;
  for (size_t i = 0; i < n; ++i) {
    const TaskSchedule& s = cp.schedule[i];
    ASSERT_EQ(s.earliest_start, max_pred_finish[i]) << i;
    ASSERT_EQ(s.earliest_finish, s.earliest_start + g.tasks[i].duration) << i;
    ASSERT_EQ(s.latest_finish, min_succ_start[i]) << i;
    ASSERT_GE(s.slack, 0) << i;
    length = std::max(length, s.earliest_finish);
    if (s.slack == 0) critical.push_back(g.tasks[i].id);
  }
  EXPECT_EQ(cp.length, length);
  EXPECT_EQ(cp.critical, critical);
  EXPECT_LT(critical.size(), n);  // the random graph has slack somewhere

  // The path: from a source to a sink along edges, critical, tight, as
  // long as the project.
  ASSERT_FALSE(cp.path.empty());
  std::set<std::pair<size_t, size_t>> arcs;
  std::vector<bool> has_pred(n), has_succ(n);
  for (const Edge& e : g.edges) {
    size_t a = index.at(e.from), b = index.at(e.to);
    arcs.insert({a, b});
    has_pred[b] = has_succ[a] = true;
  }
  std::set<std::string> critical_set(critical.begin(), critical.end());
  double total = 0;
  for (size_t k = 0; k < cp.path.size(); ++k) {
    size_t i = index.at(cp.path[k]);
    EXPECT_TRUE(critical_set.count(cp.path[k])) << cp.path[k];
    total += g.tasks[i].duration;
    if (k == 0) {
      EXPECT_FALSE(has_pred[i]);
      continue;
    }
    size_t prev = index.at(cp.path[k - 1]);
    EXPECT_TRUE(arcs.count({prev, i})) << cp.path[k - 1] << " -> " << cp.path[k];
    EXPECT_EQ(cp.schedule[i].earliest_start, cp.schedule[prev].earliest_finish);
  }
  EXPECT_FALSE(has_succ[index.at(cp.path.back())]);
  EXPECT_EQ(total, cp.length);

  // Closing the path into a loop makes a cycle, made of edges.
  g.edges.push_back({cp.path.back(), cp.path.front()});
  arcs.insert({index.at(cp.path.back()), index.at(cp.path.front())});
  cp = solve(g.tasks, g.edges);
  ASSERT_TRUE(cp.has_cycle);
  ASSERT_FALSE(cp.cycle.empty());
  std::set<std::string> seen;
  for (size_t k = 0; k < cp.cycle.size(); ++k) {
    EXPECT_TRUE(seen.insert(cp.cycle[k]).second) << "repeated " << cp.cycle[k];
    size_t a = index.at(cp.cycle[k]), b = index.at(cp.cycle[(k + 1) % cp.cycle.size()]);
    EXPECT_TRUE(arcs.count({a, b})) << cp.cycle[k] << " -> " << g.tasks[b].id;
  }
}

// ---- The JSON face ----

nlohmann::json diamond_json() {
  return {{"tasks",
           {{{"id", "a"}, {"duration", 1}},
            {{"id", "b"}, {"duration", 3}},
            {{"id", "c"}, {"duration", 1.5}},
            {{"id", "d"}, {"duration", 2}}}},
          {"edges",
           {{{"from", "a"}, {"to", "b"}},
            {{"from", "a"}, {"to", "c"}},
            {{"from", "b"}, {"to", "d"}},
            {{"from", "c"}, {"to", "d"}},
            {{"from", "c"}, {"to", "nobody"}}}}};
}

void expect_refused(const nlohmann::json& input, const std::string& message) {
  Result<nlohmann::json> r = critical_path_json(input);
  ASSERT_FALSE(r) << r->dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, message);
}

TEST(CriticalPathJsonTest, AnswersTheSchedule) {
  Result<nlohmann::json> r = critical_path_json(diamond_json());
  ASSERT_TRUE(r) << r.error().message;
  const nlohmann::json& out = *r;
  EXPECT_EQ(out["length"], 6.0);
  EXPECT_EQ(out["path"], nlohmann::json({"a", "b", "d"}));
  EXPECT_EQ(out["critical"], nlohmann::json({"a", "b", "d"}));
  EXPECT_TRUE(out["cycle"].is_null());
  EXPECT_EQ(out["unknown_edges"], 1);
  EXPECT_EQ(out["tasks"]["c"],
            nlohmann::json(
                {{"earliest_start", 1.0}, {"earliest_finish", 2.5}, {"latest_start", 2.5}, {"slack", 1.5}}));
  EXPECT_EQ(out["tasks"].size(), 4u);

  nlohmann::json input = diamond_json();
  input["detail"] = false;
  r = critical_path_json(input);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->contains("tasks"));
  EXPECT_EQ((*r)["path"], nlohmann::json({"a", "b", "d"}));

  // Edges are optional.
  r = critical_path_json({{"tasks", {{{"id", "solo"}, {"duration", 4}}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["length"], 4.0);
  EXPECT_EQ((*r)["unknown_edges"], 0);
}

TEST(CriticalPathJsonTest, ReportsACycle) {
  nlohmann::json input = diamond_json();
  input["edges"].push_back({{"from", "d"}, {"to", "a"}});
  Result<nlohmann::json> r = critical_path_json(input);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["cycle"], nlohmann::json({"a", "b", "d"}));
  EXPECT_TRUE((*r)["length"].is_null());
  EXPECT_EQ((*r)["path"], nlohmann::json::array());
  EXPECT_EQ((*r)["critical"], nlohmann::json::array());
  EXPECT_EQ((*r)["tasks"], nlohmann::json::object());
}

TEST(CriticalPathJsonTest, RefusesBadInputNamingTheElement) {
  expect_refused(nlohmann::json::array(), "the input must be a JSON object");
  expect_refused({{"tasks", nlohmann::json::array()}, {"task", 1}},
                 "the input has an unknown field 'task' (expected tasks, edges, detail)");
  expect_refused(nlohmann::json::object(), "tasks must be an array of at most 100000 tasks");
  expect_refused({{"tasks", "a"}}, "tasks must be an array of at most 100000 tasks");
  expect_refused({{"tasks", nlohmann::json::array()}, {"detail", "no"}}, "detail must be a boolean");

  auto with_task = [](size_t at, nlohmann::json task) {
    nlohmann::json input = diamond_json();
    input["tasks"][at] = std::move(task);
    return input;
  };
  expect_refused(with_task(1, "b"), "tasks[1] must be an object with an id and a duration");
  expect_refused(with_task(2, {{"id", "c"}}), "tasks[2].duration must be a number >= 0");
  expect_refused(with_task(3, {{"id", "d"}, {"duration", -1}}), "tasks[3].duration must be a number >= 0");
  expect_refused(with_task(3, {{"id", "d"}, {"duration", "2"}}), "tasks[3].duration must be a number >= 0");
  expect_refused(with_task(3, {{"id", "d"}, {"duration", true}}), "tasks[3].duration must be a number >= 0");
  expect_refused(with_task(3, {{"id", "d"}, {"duration", std::nan("")}}),
                 "tasks[3].duration must be a number >= 0");
  expect_refused(with_task(0, {{"duration", 1}}), "tasks[0].id must be a string of 1 to 200 bytes");
  expect_refused(with_task(0, {{"id", ""}, {"duration", 1}}),
                 "tasks[0].id must be a string of 1 to 200 bytes");
  expect_refused(with_task(0, {{"id", 7}, {"duration", 1}}),
                 "tasks[0].id must be a string of 1 to 200 bytes");
  expect_refused(with_task(0, {{"id", std::string(201, 'x')}, {"duration", 1}}),
                 "tasks[0].id must be a string of 1 to 200 bytes");
  EXPECT_TRUE(critical_path_json(with_task(0, {{"id", std::string(200, 'x')}, {"duration", 1}})));
  expect_refused(with_task(0, {{"id", "a"}, {"duration", 1}, {"name", "A"}}),
                 "tasks[0] has an unknown field 'name' (expected id, duration)");
  expect_refused(with_task(3, {{"id", "a"}, {"duration", 1}}), "tasks[3].id 'a' repeats tasks[0].id");

  auto with_edge = [](size_t at, nlohmann::json edge) {
    nlohmann::json input = diamond_json();
    input["edges"][at] = std::move(edge);
    return input;
  };
  nlohmann::json input = diamond_json();
  input["edges"] = {{"from", "a"}};
  expect_refused(input, "edges must be an array of at most 500000 edges");
  expect_refused(with_edge(1, nullptr), "edges[1] must be an object with a from and a to");
  expect_refused(with_edge(2, {{"from", "a"}}), "edges[2].to must be a string of 1 to 200 bytes");
  expect_refused(with_edge(2, {{"from", 1}, {"to", "b"}}),
                 "edges[2].from must be a string of 1 to 200 bytes");
  expect_refused(with_edge(0, {{"from", "a"}, {"to", "b"}, {"lag", 2}}),
                 "edges[0] has an unknown field 'lag' (expected from, to)");
}

TEST(CriticalPathJsonTest, RefusesTooLargeGraphs) {
  nlohmann::json tasks = nlohmann::json::array();
  for (size_t i = 0; i <= kMaxJsonTasks; ++i) tasks.push_back(nullptr);
  expect_refused({{"tasks", tasks}}, "tasks must be an array of at most 100000 tasks");
  nlohmann::json edges = nlohmann::json::array();
  for (size_t i = 0; i <= kMaxJsonEdges; ++i) edges.push_back(nullptr);
  expect_refused({{"tasks", nlohmann::json::array()}, {"edges", edges}},
                 "edges must be an array of at most 500000 edges");
}

}  // namespace
}  // namespace sundial::graph
