-- notion_reschedule.lua — when a task's end date moves, the tasks that
-- depend on it move by as many working days, down the whole chain
-- (docs/recipes/notion-dependencies.md).
--
-- Started by the subscription "notion-dependencies-reschedule" for every
-- TaskPropertiesUpdated event the Notion route publishes (its input is
-- the event: data = { page_id =, event = }), one run at a time for the
-- whole database (two runs could move the same dependent). It can also be
-- started by hand with { page = <page id> }.
--
-- What a run does:
--   1. Reads the page and the snapshot of its dates, dependencies and
--      project kept in the kv namespace "notion-dependencies" (what
--      Sundial last saw or wrote).
--   2. When its end moved, shifts every task that depends on it (a task
--      whose `blocked_by_property` relation holds it) by the same number
--      of working days, then their dependents, breadth first. Each task
--      moves once per change however many paths lead to it; a path that
--      leads back to the changed task is reported as `cycle` and not
--      followed. The dependent's snapshot is written right after its new
--      dates go to Notion, in the same run; the run the webhook of that
--      write starts waits for this one, so it finds nothing moved and
--      starts no second wave. A write Notion refuses fails the run (the
--      snapshot still says what Notion has); `sundialctl retry` (POST
--      /api/v1/instances/{id}/retry) goes on from that write.
--   3. Publishes DependentTasksRescheduled (what moved, when something
--      did) and ProjectScheduleChanged for each project whose dates or
--      dependencies changed, which the critical path subscription picks up.
--
-- ctx.config is the [notion_dependencies] table of sundiald.toml
-- (workflows/notion/notion_module.h lists the keys and defaults);
-- `validate` copies it into the stored input, so a config changed while a
-- run is under way never changes the steps a replay asks for. In
-- "dry_run" mode nothing is written to Notion; the shifts are logged and
-- published with dry_run = true.

local NS = "notion-dependencies"
-- A chain longer than this many tasks (moved or not) is cut and
-- reported: each costs up to three ctx calls, and an instance makes at
-- most 10,000 (docs/lua.md "Limits").
local MAX_VISITED = 2000
-- The moves an event lists (its data is at most 64 KiB); the run's
-- result has them all.
local MAX_LISTED = 100

local function canonical(id)
  return (tostring(id):gsub("-", "")):lower()
end

-- A simplified date ("2026-12-04" or "2026-12-04/2026-12-09") as start,
-- end; nil, nil when unset.
local function range_of(value)
  if type(value) ~= "string" then return nil, nil end
  local first, last = value:match("^([^/]+)/(.+)$")
  if first then return first, last end
  return value, nil
end

-- The ids of a relation, canonical and sorted (a truncated relation
-- reads {ids =, has_more = true}: its first 25).
local function relation_ids(value)
  if type(value) == "table" and value.ids then value = value.ids end
  local out = {}
  if type(value) ~= "table" then return out end
  for _, id in ipairs(value) do
    if type(id) == "string" then out[#out + 1] = canonical(id) end
  end
  table.sort(out)
  return out
end

-- The project a task belongs to: the first page of a relation or the
-- name of a select; without a project_property, "all" (one graph for the
-- database). A task with no project belongs to none (nil): no critical
-- path is computed for it.
local function project_of(settings, properties)
  if settings.project_property == "" then return "all", "none" end
  local value = properties[settings.project_property]
  if type(value) == "string" and value ~= "" then return value, "select" end
  local ids = relation_ids(value)
  if #ids > 0 then return ids[1], "relation" end
  return nil, nil
end

-- What the snapshot keeps of a page.
local function state_of(settings, page)
  local start, finish = range_of(page.properties[settings.dates_property])
  local project, kind = project_of(settings, page.properties)
  return { start = start, finish = finish, blocked_by = relation_ids(page.properties[settings.blocked_by_property]),
           project = project, project_kind = kind, in_trash = page.in_trash == true }
end

local function same_list(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

local function read_properties(settings)
  local names = { settings.dates_property, settings.blocked_by_property }
  if settings.project_property ~= "" then names[#names + 1] = settings.project_property end
  return names
end

local function query_of(settings, filter)
  local q = { filter = filter, properties = read_properties(settings) }
  if settings.tasks_data_source_id ~= "" then q.data_source = settings.tasks_data_source_id
  else q.query = settings.tasks_db_id end
  return q
end

-- The date moved by `delta` working days; nil, or false when it is not a
-- date this can move (malformed, out of range).
local function moved(date, delta, settings)
  if date == nil then return nil end
  if not dates.valid(date) then return false end
  local ok, to = pcall(dates.add_working_days, date, delta, settings.skip_weekends)
  return ok and to or false
end

local function add_project(projects, project, kind)
  if project ~= nil then projects[project] = kind end
end

-- At most MAX_LISTED entries of `list`, for an event.
local function listed(list)
  local out = json.array()
  for i = 1, math.min(#list, MAX_LISTED) do out[i] = list[i] end
  return out
end

-- Shifts the dependents of `root` by `delta` working days, breadth first.
local function shift_dependents(ctx, settings, root, delta, live, projects)
  local visited, queue, head = { [root] = true }, { root }, 1
  local shifted, skipped, cycle, cut = json.array(), json.array(), nil, false
  local seen = 0
  while head <= #queue do
    local id = queue[head]
    head = head + 1
    local found = ctx:notion("dependents-" .. id, query_of(settings,
      { property = settings.blocked_by_property, relation = { contains = id } }))
    local pages = {}
    for _, page in ipairs(found.pages) do
      if not page.in_trash then pages[#pages + 1] = page end
    end
    table.sort(pages, function(a, b) return canonical(a.id) < canonical(b.id) end)
    for _, page in ipairs(pages) do
      local task = canonical(page.id)
      if task == root then
        cycle = cycle or { from = id, to = root }
      elseif not visited[task] then
        visited[task] = true
        seen = seen + 1
        if seen > MAX_VISITED then
          cut = true
          break
        end
        local now = state_of(settings, page)
        local to = { start = moved(now.start, delta, settings), finish = moved(now.finish, delta, settings) }
        local follow = true
        if to.start == false or to.finish == false then
          -- Dates this cannot move: left as they are, and so is the chain after it.
          skipped[#skipped + 1] = { id = task, reason = "dates it cannot read or move" }
          follow = false
        elseif to.start then
          local value = { start = to.start, ["end"] = to.finish }
          if live then
            ctx:notion("shift-" .. task, { update = page.id, properties = { [settings.dates_property] = { date = value } } })
            -- Then its snapshot. Notion's webhook for this write starts a
            -- run that waits for this one (reschedules run one at a time),
            -- so it finds the dates it already knows, and moves nothing.
            -- (A dry run keeps none: Notion still holds the old dates.)
            ctx:kv("snapshot-" .. task, { namespace = NS, put = "task/" .. task, value = {
              start = to.start, finish = to.finish, blocked_by = now.blocked_by, project = now.project,
              project_kind = now.project_kind, in_trash = false } })
          else
            ctx:log("dry run: would move", { task = task, from_start = now.start, from_end = now.finish,
                                             start = to.start, ["end"] = to.finish })
          end
          shifted[#shifted + 1] = { id = task, from = { start = now.start, ["end"] = now.finish },
                                    to = { start = to.start, ["end"] = to.finish } }
          add_project(projects, now.project, now.project_kind)
        end
        -- A task without dates does not move; the tasks after it still do.
        if follow then queue[#queue + 1] = task end
      end
    end
    if cut then break end
  end
  return { shifted = shifted, skipped = skipped, cycle = cycle, cut = cut }
end

local function publish_project_changes(ctx, settings, projects, cause)
  local names = {}
  for project in pairs(projects) do names[#names + 1] = project end
  table.sort(names)
  for i, project in ipairs(names) do
    ctx:publish("project-changed-" .. i, { topic = settings.topic, type = "ProjectScheduleChanged", key = project,
      data = { project = project, project_kind = projects[project], cause = cause } })
  end
  return names
end

local function reschedule(ctx, input)
  local settings, page_id = input.settings, input.page
  local live = input.mode == "live"
  local task = canonical(page_id)
  local page = ctx:notion("read-task", { page = page_id, properties = read_properties(settings) })
  local stored = ctx:kv("read-snapshot", { namespace = NS, get = "task/" .. task })
  local before = stored.found and not stored.deleted and stored.value or nil
  local now = state_of(settings, page)
  local projects = {}
  local result = { task = task, mode = input.mode, shifted = json.array() }

  if now.in_trash then
    if before then
      ctx:kv("forget-task", { namespace = NS, delete = "task/" .. task, if_version = stored.version })
      add_project(projects, before.project, before.project_kind)
    end
    result.deleted = true
    result.projects = publish_project_changes(ctx, settings, projects, task)
    return result
  end

  ctx:kv("save-snapshot", { namespace = NS, put = "task/" .. task, value = now })
  if not before then
    -- First seen: nothing to compare with; its project's graph changed.
    add_project(projects, now.project, now.project_kind)
    result.first_seen = true
    result.projects = publish_project_changes(ctx, settings, projects, task)
    return result
  end
  local old_end, new_end = before.finish or before.start, now.finish or now.start
  if before.start ~= now.start or before.finish ~= now.finish or before.project ~= now.project or
      not same_list(before.blocked_by or {}, now.blocked_by) then
    add_project(projects, now.project, now.project_kind)
    if before.project ~= now.project then add_project(projects, before.project, before.project_kind) end
  end
  if old_end and new_end and old_end ~= new_end then
    if not dates.valid(old_end) or not dates.valid(new_end) then
      result.skipped_reason = "the end date is not a date this can compare"
    else
      local delta = dates.working_days_between(old_end, new_end, settings.skip_weekends)
      result.delta_working_days = delta
      if delta ~= 0 then
        local wave = shift_dependents(ctx, settings, task, delta, live, projects)
        result.shifted, result.skipped = wave.shifted, wave.skipped
        result.cycle, result.cut = wave.cycle, wave.cut
        ctx:publish("rescheduled", { topic = settings.topic, type = "DependentTasksRescheduled", key = task, data = {
          task = task, project = now.project, old_end = old_end, new_end = new_end, delta_working_days = delta,
          rescheduled = listed(wave.shifted), rescheduled_count = #wave.shifted,
          truncated = #wave.shifted > MAX_LISTED, skipped = listed(wave.skipped),
          cycle = wave.cycle, cut = wave.cut, dry_run = not live } })
        ctx:log("dependents rescheduled", { task = task, delta = delta, shifted = #wave.shifted,
                                            skipped = #wave.skipped, mode = input.mode,
                                            cycle = wave.cycle ~= nil, cut = wave.cut })
      end
    end
  end
  result.projects = publish_project_changes(ctx, settings, projects, task)
  return result
end

local KEYS = { "tasks_db_id", "tasks_data_source_id", "dates_property", "blocked_by_property", "project_property",
               "skip_weekends", "topic" }

return {
  validate = function(input, config)
    input = check.object(input)
    local page = input.page
    if page == nil and type(input.data) == "table" then page = input.data.page_id end
    if type(page) ~= "string" or #page > 64 or not page:find("^[%w%-]+$") then
      error("the input needs a Notion page id: { page = <id> } or an event with data.page_id", 0)
    end
    local settings = {}
    for _, key in ipairs(KEYS) do settings[key] = config[key] end
    if settings.tasks_db_id == nil or settings.tasks_db_id == "" then
      error("[notion_dependencies] tasks_db_id is not set", 0)
    end
    local mode = input.mode or config.mode or "dry_run"
    if mode ~= "dry_run" and mode ~= "live" then error("mode must be dry_run or live", 0) end
    return { page = page, seq = input.seq, event = type(input.data) == "table" and input.data.event or nil,
             mode = mode, settings = settings }
  end,

  run = reschedule,
}
