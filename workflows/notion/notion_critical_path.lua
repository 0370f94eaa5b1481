-- notion_critical_path.lua — the critical path of a project's tasks,
-- flagged in Notion (docs/recipes/notion-dependencies.md).
--
-- Started by the subscription "notion-dependencies-critical-path" for
-- every ProjectScheduleChanged event (its input is the event: data = {
-- project =, project_kind = "relation" | "select" | "none" }), one run at
-- a time per project, a burst of changes folded into one run once the
-- project has been quiet for `critical_path_debounce`. It can also be
-- started by hand with { project = <page id or select name>,
-- project_kind = ... }.
--
-- A run reads the project's tasks, builds the graph (a task's duration is
-- the working days its dates span, both ends counted; an edge runs from
-- each task of its `blocked_by_property` to it), computes the longest
-- path with ctx:critical_path (C++, on the blocking-step pool: 10,000
-- tasks and 50,000 edges take milliseconds), sets `critical_property`
-- on the tasks whose flag changes, and publishes CriticalPathCalculated.
-- A graph with a cycle is reported (cycle = its task ids) and no flag is
-- changed. In "dry_run" mode the flags are logged, not written.

-- Ids an event lists of each kind (its data is at most 64 KiB); the run's
-- result has them all.
local MAX_LISTED = 300
-- Pages read per stretch of code: the instruction budget of one
-- activation (docs/lua.md "Limits") is renewed by a step.
local SLICE = 1000

local function canonical(id)
  return (tostring(id):gsub("-", "")):lower()
end

local function range_of(value)
  if type(value) ~= "string" then return nil, nil end
  local first, last = value:match("^([^/]+)/(.+)$")
  if first then return first, last end
  return value, nil
end

local function relation_ids(value)
  if type(value) == "table" and value.ids then value = value.ids end
  local out = {}
  if type(value) ~= "table" then return out end
  for _, id in ipairs(value) do
    if type(id) == "string" then out[#out + 1] = canonical(id) end
  end
  return out
end

-- Working days a task spans, both ends counted; a one-day task is 1, a
-- task without dates 0.
local function duration_of(settings, start, finish)
  if start == nil or not dates.valid(start) then return 0 end
  if finish == nil or not dates.valid(finish) then return 1 end
  local days = dates.working_days_between(start, finish, settings.skip_weekends)
  if days < 0 then return 0 end
  -- The start day counts when it is a working day.
  if not settings.skip_weekends or dates.weekday(start) <= 5 then days = days + 1 end
  return days
end

local function project_filter(settings, project, kind)
  if kind == "relation" then
    return { property = settings.project_property, relation = { contains = project } }
  elseif kind == "select" then
    return { property = settings.project_property, select = { equals = project } }
  end
  return nil -- "none" (project "all"): the whole database is one graph
end

local function listed(list)
  local out = json.array()
  for i = 1, math.min(#list, MAX_LISTED) do out[i] = list[i] end
  return out
end

local function load_tasks(ctx, settings, project, kind)
  local names = { settings.dates_property, settings.blocked_by_property }
  if settings.critical_property ~= "" then names[#names + 1] = settings.critical_property end
  local q = { filter = project_filter(settings, project, kind), properties = names }
  if settings.tasks_data_source_id ~= "" then q.data_source = settings.tasks_data_source_id
  else q.query = settings.tasks_db_id end
  return ctx:notion("load-tasks", q)
end

local function critical_path(ctx, input)
  local settings, project, kind = input.settings, input.project, input.project_kind
  local live = input.mode == "live"
  local loaded = load_tasks(ctx, settings, project, kind)
  local tasks, edges, pages, seen = {}, {}, {}, {}
  for i, page in ipairs(loaded.pages) do
    -- A fresh instruction budget for each slice of a large project.
    if i % SLICE == 0 then ctx:step("read-" .. i, function() return true end) end
    local id = canonical(page.id)
    -- A page twice (the data changed while the query paged): once.
    if not page.in_trash and not seen[id] then
      seen[id] = true
      pages[#pages + 1] = page
      local start, finish = range_of(page.properties[settings.dates_property])
      tasks[#tasks + 1] = { id = id, duration = duration_of(settings, start, finish) }
      for _, before in ipairs(relation_ids(page.properties[settings.blocked_by_property])) do
        edges[#edges + 1] = { from = before, to = id }
      end
    end
  end
  local graph = ctx:critical_path("critical-path", { tasks = tasks, edges = edges, detail = false })
  local result = { project = project, tasks = #tasks, edges = #edges, length = graph.length, path = graph.path,
                   critical = graph.critical, cycle = graph.cycle, unknown_edges = graph.unknown_edges,
                   changed = json.array(), dry_run = not live }
  if graph.cycle == nil and settings.critical_property ~= "" then
    local critical = {}
    for _, id in ipairs(graph.critical) do critical[id] = true end
    for _, page in ipairs(pages) do
      local id = canonical(page.id)
      local want = critical[id] == true
      if (page.properties[settings.critical_property] == true) ~= want then
        if live then
          ctx:notion("flag-" .. id, { update = page.id, properties = { [settings.critical_property] = { checkbox = want } } })
        else
          ctx:log("dry run: would flag", { task = id, critical = want })
        end
        result.changed[#result.changed + 1] = { id = id, critical = want }
      end
    end
  end
  local event = {}
  for k, v in pairs(result) do event[k] = v end
  for _, k in ipairs({ "path", "critical", "changed" }) do
    if type(result[k]) == "table" then
      event[k] = listed(result[k])
      event[k .. "_count"] = #result[k]
      if #result[k] > MAX_LISTED then event.truncated = true end
    end
  end
  ctx:publish("calculated", { topic = settings.topic, type = "CriticalPathCalculated", key = project, data = event })
  ctx:log("critical path", { project = project, tasks = #tasks, length = graph.length, changed = #result.changed,
                             cycle = graph.cycle ~= nil, mode = input.mode })
  return result
end

local KEYS = { "tasks_db_id", "tasks_data_source_id", "dates_property", "blocked_by_property", "project_property",
               "critical_property", "skip_weekends", "topic" }

return {
  validate = function(input, config)
    input = check.object(input)
    local source = type(input.data) == "table" and input.data or input
    local project, kind = source.project, source.project_kind or "none"
    if type(project) ~= "string" or project == "" or #project > 200 then
      error("the input needs a project: { project =, project_kind = } or an event with data.project", 0)
    end
    if kind ~= "relation" and kind ~= "select" and kind ~= "none" then
      error("project_kind must be relation, select or none", 0)
    end
    local settings = {}
    for _, key in ipairs(KEYS) do settings[key] = config[key] end
    if settings.tasks_db_id == nil or settings.tasks_db_id == "" then
      error("[notion_dependencies] tasks_db_id is not set", 0)
    end
    if kind ~= "none" and settings.project_property == "" then kind = "none" end
    local mode = input.mode or config.mode or "dry_run"
    if mode ~= "dry_run" and mode ~= "live" then error("mode must be dry_run or live", 0) end
    return { project = project, project_kind = kind, seq = input.seq, mode = mode, settings = settings }
  end,

  run = critical_path,
}
