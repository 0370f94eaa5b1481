-- The workflow of `sundial-bench critical-path` (docs/benchmarks.md): the
-- critical path of a random task graph with ctx:critical_path, the way a
-- user's script computes one from the tasks it loaded (as
-- workflows/notion/notion_critical_path.lua does from a Notion query).
--
-- Input: tasks (1 to 100,000; default 10,000), edges (0 to 500,000;
-- default 5 per task, at most 500,000; 0 when there is one task) and seed
-- (0 to 2^31 - 1; default 1). The graph depends on the input only: tasks
-- "t1".."tN", each lasting 1 to 10 days, and exactly M edges, each from a
-- task to one of a higher number, so it has no cycle. Two draws may give
-- the same edge: a duplicate edge is harmless (workflows/graph/critical_path.h).
-- Result: { length =, path_length = (tasks on the longest path), critical =
-- (tasks with zero slack), cycle = false }.
--
-- Limits (docs/lua.md, "Limits"): building 10,000 tasks and 50,000 edges
-- takes about 2.5 million Lua instructions, more than twice the default
-- budget of one activation. So the graph is built in slices of at most
-- SLICE tasks or edges (about 440,000 instructions and 2.5 MB each), each
-- ended by a no-op step ("build-1", "build-2", ...): a step is a wait, and
-- the code after it runs with a fresh budget. These steps run inline (up
-- to 16 Lua steps in one commit): at the default sizes, all in the start's
-- own commit, before the start is acknowledged. A replay rebuilds
-- the same graph, slice by slice. The graph stays in the script's Lua
-- state until the instance ends: about 8 MB at the default sizes, 75 MB
-- at the largest (memory_per_state is 128 MiB for all live instances).
--
-- Timing: the kv read "built" (of a key nobody writes) is not needed for
-- the graph. It runs after the build's commit, and its answer starts a new
-- transition: the "built" history entry is stamped with that transition's
-- time, and ctx:critical_path is called in it. So the "critical-path"
-- entry's time minus the "built" entry's is that step end to end: the Lua
-- tables read into JSON on the loop, the commit before the step runs, and
-- the computation on the blocking-step pool until its result is back on
-- the loop (the entry is stamped before its own commit).

local SLICE = 10000
-- Knuth's MMIX LCG; Lua integers wrap around, and >> is a logical shift.
local A, C = 6364136223846793005, 1442695040888963407

local function noop() return nil end

return {
  validate = function(input)
    input = check.fields(check.object(input), { "tasks", "edges", "seed" })
    local tasks = check.integer(input, "tasks", 1, 100000) or 10000
    local edges = check.integer(input, "edges", 0, 500000) or (tasks > 1 and math.min(5 * tasks, 500000) or 0)
    local seed = check.integer(input, "seed", 0, 2147483647) or 1
    if tasks == 1 and edges > 0 then
      error("input field 'edges' must be 0 when there is one task (an edge joins two tasks)", 0)
    end
    return { tasks = tasks, edges = edges, seed = seed }
  end,

  run = function(ctx, input)
    local n, m, state = input.tasks, input.edges, input.seed
    -- 1..k, from the next state of the generator.
    local function draw(k)
      state = state * A + C
      return (state >> 33) % k + 1
    end
    local slices = 0
    local function rest()
      slices = slices + 1
      ctx:step("build-" .. slices, noop)
    end

    local ids, tasks, edges = {}, {}, {}
    for i = 1, n do
      local id = "t" .. i
      ids[i] = id
      tasks[i] = { id = id, duration = draw(10) }
      if i % SLICE == 0 then rest() end
    end
    if n % SLICE ~= 0 then rest() end
    for j = 1, m do
      -- Two different tasks, uniformly; the edge runs from the lower number.
      local a, b = draw(n), draw(n - 1)
      if b >= a then b = b + 1 end
      if a > b then a, b = b, a end
      edges[j] = { from = ids[a], to = ids[b] }
      if j % SLICE == 0 and j < m then rest() end
    end

    ctx:kv("built", { namespace = "bench", get = "critical-path" })
    local graph = ctx:critical_path("critical-path", { tasks = tasks, edges = edges, detail = false })
    return {
      length = graph.length,
      path_length = #graph.path,
      critical = #graph.critical,
      cycle = graph.cycle ~= nil,
    }
  end,
}
