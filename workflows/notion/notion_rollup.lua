-- notion_rollup.lua — Notion's rollup-driven recompute
-- (docs/recipes/notion-rollup-fanout.md).
--
-- Notion cannot trigger an automation when a rollup changes. When an
-- Objective changes, every related Task's assignee gets their queue
-- recomputed: Queue Rank (1..n) and Projected Completion written back to
-- their open tasks. One instance type, three kinds of start (POST
-- /webhooks/notion makes them, workflows/notion/notion_route.cc):
--
--   { objective = <page id> }  the fan-out: the Tasks related to the
--                              objective, their unique assignees, one
--                              recompute started per allowed assignee
--   { task = <page id> }       a Task changed: its assignees' recomputes
--   { assignee = <user id> }   the recompute of one person's queue
--
-- Recomputes of one person run one at a time, and a burst of starts for
-- a busy person folds into one follow-up (`concurrency` below: the key
-- "notion-rollup:assignee:<id>" with on_busy = "coalesce"); so do
-- fan-outs of one objective.
--
-- ctx.config is the [notion_rollup] table of sundiald.toml
-- (workflows/notion/notion_module.h lists the keys and defaults). Every
-- Notion call goes through ctx:notion, which waits for the shared
-- limiter `notion` (3 requests/s by default).

local function canonical(id)
  return (tostring(id):gsub("-", "")):lower()
end

local function allowed(config, user)
  for _, a in ipairs(config.allow or {}) do
    if a == "*" or canonical(a) == canonical(user) then return true end
  end
  return false
end

-- Query the Tasks database (or its data source, when configured).
local function tasks_query(config, filter, properties)
  local q = { filter = filter, properties = properties }
  if config.tasks_data_source_id and config.tasks_data_source_id ~= "" then
    q.data_source = config.tasks_data_source_id
  else
    q.query = config.tasks_db_id
  end
  return q
end

-- Starts one recompute per allowed person, sorted so a replay asks the
-- same steps in the same order. Returns the started ones and the others.
local function start_recomputes(ctx, people)
  local started, not_allowed = {}, {}
  for _, user in ipairs(people) do
    if allowed(ctx.config, user) then
      local r = ctx:start_child("recompute-" .. user, {
        type = ctx.type, input = { assignee = user }, detached = true,
      })
      started[#started + 1] = { assignee = user, instance_id = r.instance_id, coalesced = r.coalesced == true }
    else
      not_allowed[#not_allowed + 1] = user
    end
  end
  return started, not_allowed
end

local function unique_assignees(pages, people_property)
  local seen, people, skipped = {}, {}, 0
  for _, page in ipairs(pages) do
    local ids = page.properties[people_property]
    if type(ids) ~= "table" or #ids == 0 then
      skipped = skipped + 1
    else
      for _, user in ipairs(ids) do
        if not seen[user] then
          seen[user] = true
          people[#people + 1] = user
        end
      end
    end
  end
  table.sort(people)
  return people, skipped
end

local function fan_out(ctx, objective)
  local config = ctx.config
  local related = ctx:notion("related-tasks", tasks_query(config,
    { property = config.relation_property, relation = { contains = objective } },
    { config.people_property }))
  local people, skipped = unique_assignees(related.pages, config.people_property)
  local counts = {
    objective_id = objective,
    related_task_count = related.count,
    unique_assignee_count = #people,
    skipped_without_assignee = skipped,
  }
  if related.count == 0 then
    ctx:log("objective has no related tasks: nothing to recompute", counts)
    return counts
  end
  local started, not_allowed = start_recomputes(ctx, people)
  counts.recomputes_started = #started
  counts.not_allowed = #not_allowed
  ctx:log("objective fan-out", counts)
  counts.started = started
  counts.not_allowed_ids = not_allowed
  return counts
end

local function task_changed(ctx, task)
  local config = ctx.config
  local page = ctx:notion("task-page", { page = task, properties = { config.people_property } })
  local people = page.properties[config.people_property]
  if type(people) ~= "table" then people = {} end
  table.sort(people)
  local started, not_allowed = start_recomputes(ctx, people)
  local counts = { task_id = task, assignees = #people, recomputes_started = #started,
                   not_allowed = #not_allowed }
  ctx:log("task changed", counts)
  counts.started = started
  return counts
end

-- ---- The recompute ---------------------------------------------------------

local DAY_MS = 86400000

-- Days since 1970-01-01 <-> "YYYY-MM-DD" (UTC; Howard Hinnant's algorithms).
local function civil(days)
  local z = days + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return string.format("%04d-%02d-%02d", y, m, d)
end

local function weekday(days) -- 0 = Sunday
  return (days + 4) % 7
end

local function next_workday(days)
  while weekday(days) == 0 or weekday(days) == 6 do days = days + 1 end
  return days
end

local function add_workdays(days, n)
  days = next_workday(days)
  while n > 0 do
    days = next_workday(days + 1)
    n = n - 1
  end
  return days
end

local function is_done(config, status)
  for _, s in ipairs(config.done_statuses or {}) do
    if s == status then return true end
  end
  return false
end

-- Higher importance first, then earlier due date, then older, then by id;
-- a missing value sorts after every present one.
local function queue_order(config)
  local imp, due = config.importance_property, config.due_property
  return function(a, b)
    local ia, ib = a.properties[imp], b.properties[imp]
    ia = type(ia) == "number" and ia or nil
    ib = type(ib) == "number" and ib or nil
    if ia ~= ib then
      if ia == nil then return false end
      if ib == nil then return true end
      return ia > ib
    end
    local da, db = a.properties[due], b.properties[due]
    da = type(da) == "string" and da:sub(1, 10) or nil
    db = type(db) == "string" and db:sub(1, 10) or nil
    if da ~= db then
      if da == nil then return false end
      if db == nil then return true end
      return da < db
    end
    if a.created_time ~= b.created_time then return (a.created_time or "") < (b.created_time or "") end
    return a.id < b.id
  end
end

-- The writes that bring one person's open tasks to their rank and date.
local function plan(config, pages, today)
  local open = {}
  for _, page in ipairs(pages) do
    if not page.in_trash and not is_done(config, page.properties[config.status_property]) then
      open[#open + 1] = page
    end
  end
  table.sort(open, queue_order(config))
  local writes, hours = {}, 0
  local first_day = next_workday(today)
  for rank, page in ipairs(open) do
    local estimate = page.properties[config.estimate_property]
    if type(estimate) ~= "number" or estimate < 0 then estimate = config.default_estimate end
    hours = hours + estimate
    local offset = math.max(0, math.ceil(hours / config.daily_capacity) - 1)
    local date = civil(add_workdays(first_day, offset))
    local properties, changed = {}, {}
    if page.properties[config.rank_property] ~= rank then
      properties[config.rank_property] = { number = rank }
      changed[#changed + 1] = config.rank_property
    end
    local current = page.properties[config.projected_property]
    if current ~= date then
      properties[config.projected_property] = { date = { start = date } }
      changed[#changed + 1] = config.projected_property
    end
    if #changed > 0 then
      writes[#writes + 1] = { page = page.id, rank = rank, projected = date, changed = changed,
                              properties = properties }
    end
  end
  return writes, #open
end

local function recompute(ctx, input)
  local config, user = ctx.config, input.assignee
  local loaded = ctx:notion("load-tasks", tasks_query(config,
    { property = config.people_property, people = { contains = user } },
    { config.importance_property, config.due_property, config.estimate_property, config.status_property,
      config.rank_property, config.projected_property }))
  local today = ctx:now() // DAY_MS
  local writes, processed = plan(config, loaded.pages, today)
  local live = input.mode == "live"
  local planned = {}
  for _, w in ipairs(writes) do
    if live then
      -- One step per page: a replay after a crash skips the pages written.
      ctx:notion("write-" .. w.page, { update = w.page, properties = w.properties })
    else
      ctx:log("dry run: would write", { assignee = user, page = w.page, rank = w.rank,
                                        projected = w.projected, changed = w.changed })
    end
    planned[#planned + 1] = { page = w.page, rank = w.rank, projected = w.projected, changed = w.changed }
  end
  local counts = { assignee = user, mode = input.mode, loaded = loaded.count, processed = processed,
                   updated = live and #writes or 0, planned = #writes }
  ctx:log("recompute", counts)
  counts.writes = planned
  return counts
end

return {
  validate = function(input, config)
    input = check.object(input)
    local kinds = 0
    for _, key in ipairs({ "objective", "task", "assignee" }) do
      if input[key] ~= nil then
        local id = check.string(input, key, { required = true })
        if #id > 64 or not id:find("^[%w%-]+$") then
          error("input field '" .. key .. "' must be a Notion id", 0)
        end
        kinds = kinds + 1
      end
    end
    if kinds ~= 1 then error("give one of objective, task or assignee (a Notion id)", 0) end
    local out = { objective = input.objective, task = input.task, assignee = input.assignee,
                  event = type(input.event) == "string" and input.event:sub(1, 64) or nil }
    -- The mode is fixed at start: a run never changes course half-way.
    if out.assignee then out.mode = input.mode or config.mode or "dry_run" end
    if out.mode ~= nil and out.mode ~= "dry_run" and out.mode ~= "live" then
      error("mode must be dry_run or live", 0)
    end
    return out
  end,

  concurrency = function(input)
    if input.assignee then
      return { key = "notion-rollup:assignee:" .. input.assignee, on_busy = "coalesce" }
    elseif input.objective then
      return { key = "notion-rollup:objective:" .. input.objective, on_busy = "coalesce" }
    end
    return nil
  end,

  run = function(ctx, input)
    if input.assignee then return recompute(ctx, input) end
    if input.objective then return fan_out(ctx, input.objective) end
    return task_changed(ctx, input.task)
  end,
}
