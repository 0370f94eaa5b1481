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
-- "notion-rollup:assignee:<id>" with on_busy = "coalesce"). A burst of
-- changes to one objective becomes one fan-out once the objective has
-- been quiet for `objective_debounce` (5 s by default).
--
-- ctx.config is the [notion_rollup] table of sundiald.toml
-- (workflows/notion/notion_module.h lists the keys and defaults).
-- `validate` copies the settings an instance uses into its stored input,
-- so a config changed while it runs never changes the steps a replay
-- asks for. Every Notion call goes through ctx:notion, which waits for
-- the shared limiter `notion` (3 requests/s by default).

local function canonical(id)
  return (tostring(id):gsub("-", "")):lower()
end

local function allowed(settings, user)
  for _, a in ipairs(settings.allow or {}) do
    if a == "*" or canonical(a) == canonical(user) then return true end
  end
  return false
end

-- Query the Tasks database (or its data source, when configured).
local function tasks_query(settings, filter, properties)
  local q = { filter = filter, properties = properties }
  if settings.tasks_data_source_id and settings.tasks_data_source_id ~= "" then
    q.data_source = settings.tasks_data_source_id
  else
    q.query = settings.tasks_db_id
  end
  return q
end

-- Ids once each, sorted: the order of the steps named after them.
local function unique_sorted(ids)
  local seen, out = {}, {}
  for _, id in ipairs(ids) do
    if type(id) == "string" and not seen[id] then
      seen[id] = true
      out[#out + 1] = id
    end
  end
  table.sort(out)
  return out
end

-- Starts one recompute per allowed person, sorted so a replay asks the
-- same steps in the same order. Returns the started ones and the others.
local function start_recomputes(ctx, settings, people)
  local started, not_allowed = {}, {}
  for _, user in ipairs(people) do
    if allowed(settings, user) then
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
  local all, skipped = {}, 0
  for _, page in ipairs(pages) do
    local ids = page.properties[people_property]
    if type(ids) ~= "table" or #ids == 0 then
      skipped = skipped + 1
    else
      for _, user in ipairs(ids) do all[#all + 1] = user end
    end
  end
  return unique_sorted(all), skipped
end

local function fan_out(ctx, settings, objective)
  local related = ctx:notion("related-tasks", tasks_query(settings,
    { property = settings.relation_property, relation = { contains = objective } },
    { settings.people_property }))
  local people, skipped = unique_assignees(related.pages, settings.people_property)
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
  local started, not_allowed = start_recomputes(ctx, settings, people)
  counts.recomputes_started = #started
  counts.not_allowed = #not_allowed
  ctx:log("objective fan-out", counts)
  counts.started = started
  counts.not_allowed_ids = not_allowed
  return counts
end

local function task_changed(ctx, settings, task)
  local page = ctx:notion("task-page", { page = task, properties = { settings.people_property } })
  local people = page.properties[settings.people_property]
  people = unique_sorted(type(people) == "table" and people or {})
  local started, not_allowed = start_recomputes(ctx, settings, people)
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

-- `n` weekdays after the weekday on or after `days`: five of them are a
-- week, the rest at most four steps.
local function add_workdays(days, n)
  days = next_workday(days) + (n // 5) * 7
  for _ = 1, n % 5 do days = next_workday(days + 1) end
  return days
end

local MAX_ESTIMATE = 10000 -- hours: a mistyped estimate must not run away

local function is_done(settings, status)
  for _, s in ipairs(settings.done_statuses or {}) do
    if s == status then return true end
  end
  return false
end

-- Higher importance first, then earlier due date, then older, then by id;
-- a missing value sorts after every present one.
local function queue_order(settings)
  local imp, due = settings.importance_property, settings.due_property
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
local function plan(settings, pages, today)
  local open, seen = {}, {}
  for _, page in ipairs(pages) do
    -- A page twice (the data changed while the query paged): once.
    if not seen[page.id] and not page.in_trash and not is_done(settings, page.properties[settings.status_property]) then
      seen[page.id] = true
      open[#open + 1] = page
    end
  end
  table.sort(open, queue_order(settings))
  local writes, hours = {}, 0
  for rank, page in ipairs(open) do
    local estimate = page.properties[settings.estimate_property]
    if type(estimate) ~= "number" or estimate < 0 or estimate ~= estimate then
      estimate = settings.default_estimate
    end
    hours = hours + math.min(estimate, MAX_ESTIMATE)
    local offset = math.max(0, math.ceil(hours / settings.daily_capacity) - 1)
    local date = civil(add_workdays(today, offset))
    local properties, changed = {}, {}
    if page.properties[settings.rank_property] ~= rank then
      properties[settings.rank_property] = { number = rank }
      changed[#changed + 1] = settings.rank_property
    end
    local current = page.properties[settings.projected_property]
    -- A date-time there holds the same day when its date part matches.
    if type(current) ~= "string" or current:sub(1, 10) ~= date then
      properties[settings.projected_property] = { date = { start = date } }
      changed[#changed + 1] = settings.projected_property
    end
    if #changed > 0 then
      writes[#writes + 1] = { page = page.id, rank = rank, projected = date, changed = changed,
                              properties = properties }
    end
  end
  return writes, #open
end

-- The person's tasks that are not done, filtered by Notion (a long
-- history of done tasks stays out of the journal), and again here.
local function open_tasks_filter(settings, user)
  local all = { { property = settings.people_property, people = { contains = user } } }
  for _, status in ipairs(settings.done_statuses or {}) do
    all[#all + 1] = { property = settings.status_property, [settings.status_type] = { does_not_equal = status } }
  end
  return { ["and"] = all }
end

local function recompute(ctx, settings, user, mode)
  local loaded = ctx:notion("load-tasks", tasks_query(settings, open_tasks_filter(settings, user),
    { settings.importance_property, settings.due_property, settings.estimate_property, settings.status_property,
      settings.rank_property, settings.projected_property }))
  local today = ctx:now() // DAY_MS
  local writes, processed = plan(settings, loaded.pages, today)
  local live = mode == "live"
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
  local counts = { assignee = user, mode = mode, loaded = loaded.count, processed = processed,
                   updated = live and #writes or 0, planned = #writes }
  ctx:log("recompute", counts)
  counts.writes = planned
  return counts
end

-- The settings an instance runs with, from ctx.config at its start.
local FAN_OUT_KEYS = { "tasks_db_id", "tasks_data_source_id", "relation_property", "people_property", "allow",
                       "objective_debounce" }
local RECOMPUTE_KEYS = { "tasks_db_id", "tasks_data_source_id", "people_property", "importance_property",
                         "due_property", "estimate_property", "status_property", "status_type", "done_statuses",
                         "rank_property", "projected_property", "daily_capacity", "default_estimate" }

local function settings_of(config, keys)
  local out = {}
  for _, key in ipairs(keys) do
    local value = config[key]
    if type(value) == "table" then
      local copy = {}
      for i, v in ipairs(value) do copy[i] = v end
      value = copy
    end
    out[key] = value
  end
  if out.tasks_db_id == nil or out.tasks_db_id == "" then
    error("[notion_rollup] tasks_db_id is not set", 0)
  end
  return out
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
    if out.assignee then
      out.mode = input.mode or config.mode or "dry_run"
      if out.mode ~= "dry_run" and out.mode ~= "live" then error("mode must be dry_run or live", 0) end
      out.settings = settings_of(config, RECOMPUTE_KEYS)
    else
      out.settings = settings_of(config, FAN_OUT_KEYS)
    end
    return out
  end,

  concurrency = function(input)
    if input.assignee then
      return { key = "notion-rollup:assignee:" .. input.assignee, on_busy = "coalesce" }
    elseif input.objective then
      local key = "notion-rollup:objective:" .. input.objective
      local quiet = input.settings.objective_debounce or 0
      if quiet > 0 then
        -- One fan-out per burst of changes, at least once a minute.
        return { key = key, debounce = quiet .. "ms", max_wait = math.max(quiet, 60000) .. "ms" }
      end
      return { key = key, on_busy = "coalesce" }
    end
    return nil
  end,

  run = function(ctx, input)
    if input.assignee then return recompute(ctx, input.settings, input.assignee, input.mode) end
    if input.objective then return fan_out(ctx, input.settings, input.objective) end
    return task_changed(ctx, input.settings, input.task)
  end,
}
