-- notion_github_sync.lua — Notion tasks ↔ GitHub issues and pull requests
-- (docs/recipes/notion-github-sync.md).
--
-- One instance type, two kinds of start:
--
--   { page = <page id>, source = "webhook" | "automation" | "poll" | "github", event = }
--       reconcile one Notion page with its GitHub issue and pull request
--   { poll = true }
--       the poller: pages of the Tasks database edited since the stored
--       cursor, each reconciled by a page run of its own
--
-- A page run is state based: whatever started it, it reads the page, its
-- issue and pull request, and compares them with the snapshot it stored
-- last time (the kv entry "page/<id>" of the namespace below). Only what
-- differs is a change: { source, page_id, changed = { prop = { old, new } },
-- detected_at }, recorded as the step "change". So the same edit seen by
-- a webhook and by the poller is acted on once, and the changes Sundial
-- makes itself (an issue it closed, a status it set) are in the snapshot
-- before their webhooks arrive: they change nothing, and loop nowhere.
--
-- Runs of one page are serialized and a burst folds into one follow-up
-- (`concurrency`: "notion-github:page:<id>", coalesce).
--
-- The action table (Notion → GitHub):
--   a page first seen (not done)  → an issue, labelled, assigned, with a
--                                   marker; its URL written back to Notion
--   status → review_status        → a draft pull request from the branch
--                                   <branch_prefix><first 8 of the page id>
--                                   to base_branch, "Closes #n"; without the
--                                   branch: a comment on the issue, and why
--   status → a done status        → the issue closed (completed); the pull
--                                   request made ready and merged when its
--                                   checks pass and GitHub says it is clean;
--                                   otherwise why not, recorded
--   assignee / priority changed   → the issue's assignees / priority label
--   page archived or in trash     → the issue closed (not planned), the map
--                                   entry deleted (a tombstone keeps it)
-- And GitHub → Notion:
--   issue closed on GitHub        → status closed_status ("Done")
--   pull request merged           → status shipped_status ("Shipped")
-- A status changed on both sides since the last sync is a conflict: it is
-- reported (log, result, the entry's `conflict`) and neither side is
-- overwritten.

local NS = "notion-github"

local function canonical(id)
  return (tostring(id):gsub("-", "")):lower()
end

local function short_id(id)
  return canonical(id):sub(1, 8)
end

local function marker(page)
  return "<!-- sundial:notion-page:" .. canonical(page) .. " -->"
end

local function contains(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then return true end
  end
  return false
end

-- "Key=Value" pairs of a config list, as a table.
local function pairs_map(list)
  local out = {}
  for _, entry in ipairs(list or {}) do
    local k, v = tostring(entry):match("^(.-)=(.*)$")
    if k and k ~= "" then out[k] = v end
  end
  return out
end

local function sorted_copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out)
  return out
end


-- Days since 1970-01-01 → "YYYY-MM-DD" (proleptic Gregorian).
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

local function iso(ms)
  local s = ms // 1000
  local day, rest = s // 86400, s % 86400
  return string.format("%sT%02d:%02d:%02d.000Z", civil(day), rest // 3600, rest % 3600 // 60, rest % 60)
end

-- ---- Reading both sides ------------------------------------------------------

-- The synced properties of a simplified Notion page: plain values only
-- (the assignees as one sorted, comma-joined text), so a snapshot read
-- back from the map compares equal to what it was.
local function notion_state(settings, page)
  local p = page.properties or {}
  local assignees = p[settings.assignee_property]
  local status, priority = p[settings.status_property], p[settings.priority_property]
  return {
    title = type(p[settings.title_property]) == "string" and p[settings.title_property] or "",
    status = type(status) == "string" and status or nil,
    assignees = table.concat(sorted_copy(type(assignees) == "table" and assignees or {}), ","),
    priority = type(priority) == "string" and priority or nil,
    archived = page.in_trash == true or page.archived == true,
  }
end

local function split(text)
  local out = {}
  for part in tostring(text or ""):gmatch("[^,]+") do out[#out + 1] = part end
  return out
end

local function github_state(issue, pull)
  return {
    issue_state = issue and issue.state or nil,
    pull_merged = pull and pull.merged == true or nil,
  }
end

-- { prop = { old =, new = } } for each property that differs.
local function diff(old, new, props)
  local changed, any = {}, false
  for _, prop in ipairs(props) do
    local a, b = old and old[prop], new[prop]
    if a ~= b then
      changed[prop] = { old = a, new = b }
      any = true
    end
  end
  return changed, any
end

local NOTION_PROPS = { "title", "status", "assignees", "priority", "archived" }
local GITHUB_PROPS = { "issue_state", "pull_merged" }

-- ---- GitHub writes -----------------------------------------------------------

local function labels_for(settings, priority, current)
  local priority_labels = pairs_map(settings.priority_labels)
  local all_priority = {}
  for _, label in pairs(priority_labels) do all_priority[label] = true end
  local out, seen = {}, {}
  local function add(label)
    if label and label ~= "" and not seen[label] then
      seen[label] = true
      out[#out + 1] = label
    end
  end
  for _, label in ipairs(current or {}) do
    if not all_priority[label] then add(label) end
  end
  for _, label in ipairs(settings.labels or {}) do add(label) end
  if type(priority) == "string" then add(priority_labels[priority]) end
  table.sort(out)
  return out
end

local function logins_for(settings, assignees)
  local map, out, unmapped = pairs_map(settings.assignee_logins), {}, {}
  for _, user in ipairs(split(assignees)) do
    local login = map[user] or map[canonical(user)]
    if login then out[#out + 1] = login else unmapped[#unmapped + 1] = user end
  end
  table.sort(out)
  return out, unmapped
end

local function page_url(page)
  return "https://www.notion.so/" .. canonical(page)
end

local function open_issue(ctx, settings, page, now)
  local logins = logins_for(settings, now.assignees)
  local issue = ctx:github("open-issue", {
    repo = settings.repo,
    create_issue = {
      title = now.title ~= "" and now.title or ("Notion task " .. short_id(page)),
      body = "From Notion: " .. page_url(page),
      labels = labels_for(settings, now.priority, {}),
      assignees = logins,
    },
    marker = marker(page),
  })
  if settings.issue_property ~= "" then
    ctx:notion("link-issue", { update = page, properties = { [settings.issue_property] = { url = issue.html_url } } })
  end
  return issue
end

-- Ready for Review: the page's draft pull request, or why there is none.
local function ensure_pull(ctx, settings, page, entry, issue)
  local branch = settings.branch_prefix .. short_id(page)
  local found = ctx:github("find-pull", { repo = settings.repo, find_pull = branch })
  if found.found then return found, nil end
  local exists = ctx:github("branch", { repo = settings.repo, branch = branch })
  if not exists.exists then
    local why = "no branch " .. branch .. " yet: push it, then set the page to " .. settings.review_status .. " again"
    if entry.pull_blocked ~= why then
      ctx:github("no-branch-comment", { repo = settings.repo, comment = issue.number,
        body = "Sundial could not open a pull request: " .. why .. "." })
    end
    return nil, why
  end
  local pull = ctx:github("open-pull", { repo = settings.repo, create_pull = {
    title = issue.title, head = branch, base = settings.base_branch, draft = true,
    body = "Closes #" .. math.tointeger(issue.number) .. "\n\n" .. marker(page),
  } })
  if settings.pull_property ~= "" then
    ctx:notion("link-pull", { update = page, properties = { [settings.pull_property] = { url = pull.html_url } } })
  end
  return pull, nil
end

-- Done: merge the pull request when its checks pass and GitHub says clean.
local function try_merge(ctx, settings, pull)
  if pull.merged then return { merged = true, already = true } end
  if pull.state ~= "open" then return { merged = false, message = "the pull request is closed" } end
  local checks = ctx:github("checks", { repo = settings.repo, checks = pull.head.sha })
  if checks.state ~= "success" then
    local names = checks.state == "failure" and checks.failing or checks.pending
    return { merged = false, message = "checks " .. checks.state .. ": " .. table.concat(names, ", ") }
  end
  if pull.draft then ctx:github("mark-ready", { repo = settings.repo, draft = pull.node_id, value = false }) end
  return ctx:github("merge", { repo = settings.repo, merge = pull.number, method = settings.merge_method })
end

-- ---- A page run --------------------------------------------------------------

local function set_status(ctx, settings, page, status, step)
  local value = settings.status_type == "select" and { select = { name = status } } or { status = { name = status } }
  ctx:notion(step, { update = page, properties = { [settings.status_property] = value } })
end

local function sync_page(ctx, settings, page, source)
  local props = { settings.title_property, settings.status_property, settings.assignee_property,
                  settings.priority_property }
  local notion_page = ctx:notion("read-page", { page = page, properties = props })
  local key = "page/" .. canonical(page)
  local stored = ctx:kv("read-map", { namespace = NS, get = key })
  local entry = stored.found and stored.value or {}
  local snapshot = entry.snapshot or {}
  local now = notion_state(settings, notion_page)

  if stored.found and stored.deleted then
    -- Archived before: its issue was closed and its entry deleted. Still
    -- archived (Notion's page.deleted echo): nothing to do. Restored: the
    -- mapping starts again from what both sides hold now.
    if now.archived then
      return { page_id = page, source = source, changed = json.array(), note = "archived; handled already" }
    end
    snapshot = {}
  end

  local issue, pull
  if entry.issue then
    issue = ctx:github("read-issue", { repo = settings.repo, issue = entry.issue })
    if not issue.found then issue = nil end  -- deleted or transferred on GitHub
  end
  if entry.pull then pull = ctx:github("read-pull", { repo = settings.repo, pull = entry.pull }) end
  local gh = github_state(issue, pull)
  if stored.found and stored.deleted then snapshot.github = gh end  -- a restore: GitHub's side is as it is

  local notion_changed, notion_any = diff(snapshot.notion, now, NOTION_PROPS)
  local github_changed, github_any = diff(snapshot.github, gh, GITHUB_PROPS)
  -- Work a change left undone: a pull request waiting for its branch, a
  -- merge waiting for its checks. Any later event of the page (or the
  -- poller) tries it again.
  local waiting = issue ~= nil and not entry.conflict and
                  ((now.status == settings.review_status and not pull) or
                   (contains(settings.done_statuses, now.status) and pull ~= nil and pull.state == "open"))
  if stored.found and not stored.deleted and not notion_any and not github_any and not waiting then
    return { page_id = page, source = source, changed = json.array(), note = "no change since the last sync" }
  end

  local changed = {}
  for k, v in pairs(notion_changed) do changed[k] = v end
  for k, v in pairs(github_changed) do changed["github." .. k] = v end
  local detected_at = ctx:now()
  local event = { changed = json.array(), detected_at = detected_at }
  if notion_any or github_any or not stored.found or stored.deleted then
    event = ctx:step("change", function()
      return { source = source, page_id = page, changed = changed, detected_at = detected_at }
    end)
    ctx:log("notion-github change", { page_id = page, source = source, changed = event.changed })
  end

  local done = contains(settings.done_statuses, now.status)
  local actions, conflict = json.array(), nil
  local next_entry = { issue = issue and entry.issue or nil, issue_url = issue and entry.issue_url or nil,
                       issue_gone = entry.issue_gone, pull = entry.pull, pull_url = entry.pull_url,
                       pull_blocked = entry.pull_blocked, merge = entry.merge }
  if entry.issue and not issue then
    next_entry.issue_gone = entry.issue
    actions[#actions + 1] = "issue #" .. math.tointeger(entry.issue) .. " is gone from GitHub; not opened again"
  end

  -- The page archived or in trash: close its issue, keep the last state,
  -- delete the entry (the tombstone keeps it).
  if now.archived then
    if issue and issue.state == "open" then
      issue = ctx:github("close-archived", { repo = settings.repo, update_issue = issue.number,
        patch = { state = "closed", state_reason = "not_planned" } })
      actions[#actions + 1] = "issue closed (page archived)"
    end
    next_entry.snapshot = { notion = now, github = github_state(issue, pull) }
    local saved = ctx:kv("save-archived", { namespace = NS, put = key, value = next_entry,
                                            if_version = stored.version })
    ctx:kv("forget-page", { namespace = NS, delete = key, if_version = saved.ok and saved.version or nil })
    ctx:log("notion-github sync", { page_id = page, actions = actions })
    return { page_id = page, source = source, changed = event.changed, actions = actions, deleted = true }
  end

  -- GitHub → Notion, unless Notion's status moved too (a conflict). Both
  -- sides saying "done" in their own words is agreement, not a conflict.
  local github_status, github_change
  if github_changed.pull_merged and gh.pull_merged then
    github_status, github_change = settings.shipped_status, "pull request merged"
  elseif github_changed.issue_state and gh.issue_state == "closed" and not done then
    github_status, github_change = settings.closed_status, "issue closed"
  end
  local agreed = github_status and done and contains(settings.done_statuses, github_status)
  if github_status and not agreed and notion_changed.status and now.status ~= github_status then
    conflict = { field = "status", notion = now.status, github = github_change, at = event.detected_at }
    ctx:log("notion-github conflict: the status changed on both sides; neither is overwritten", conflict)
  elseif github_status and not agreed and now.status ~= github_status then
    set_status(ctx, settings, page, github_status, "status-from-github")
    now.status = github_status
    done = contains(settings.done_statuses, now.status)
    actions[#actions + 1] = "notion status → " .. github_status
  end

  -- Notion → GitHub.
  if not issue and not done and not next_entry.issue_gone then
    issue = open_issue(ctx, settings, page, now)
    next_entry.issue, next_entry.issue_url = issue.number, issue.html_url
    actions[#actions + 1] = (issue.created and "issue opened #" or "issue found #") .. math.tointeger(issue.number)
  elseif issue then
    local patch, any = {}, false
    if notion_changed.assignees then
      patch.assignees = logins_for(settings, now.assignees)
      any = true
    end
    if notion_changed.priority then
      patch.labels = labels_for(settings, now.priority, issue.labels)
      any = true
    end
    if notion_changed.title and now.title ~= "" then
      patch.title = now.title
      any = true
    end
    if any then
      issue = ctx:github("update-issue", { repo = settings.repo, update_issue = issue.number, patch = patch })
      actions[#actions + 1] = "issue updated"
    end
  end
  if issue and now.status == settings.review_status and (notion_changed.status or not pull) and not conflict then
    local found, why = ensure_pull(ctx, settings, page, entry, issue)
    next_entry.pull_blocked = why
    if found then
      pull = found
      next_entry.pull, next_entry.pull_url = pull.number, pull.html_url
      actions[#actions + 1] = "pull request #" .. math.tointeger(pull.number)
    end
  end
  if issue and done and not conflict then
    if issue.state == "open" then
      issue = ctx:github("close-issue", { repo = settings.repo, update_issue = issue.number,
        patch = { state = "closed", state_reason = "completed" } })
      actions[#actions + 1] = "issue closed"
    end
    if pull and not pull.merged then
      local merged = try_merge(ctx, settings, pull)
      next_entry.merge = merged
      if merged.merged then
        pull = ctx:github("read-merged", { repo = settings.repo, pull = pull.number })
        actions[#actions + 1] = "pull request merged"
      else
        actions[#actions + 1] = "not merged: " .. tostring(merged.message)
        ctx:log("notion-github: pull request not merged", { page_id = page, pull = pull.number, why = merged.message })
      end
    end
  end

  next_entry.snapshot = { notion = now, github = github_state(issue, pull) }
  next_entry.conflict = conflict
  local saved = ctx:kv("save-map", { namespace = NS, put = key, value = next_entry, if_version = stored.version })
  if not saved.ok then
    ctx:log("notion-github: the map entry changed under this run; the next change reconciles it",
      { page_id = page, found_version = saved.version, expected = stored.version })
  end
  ctx:log("notion-github sync", { page_id = page, actions = actions })
  return { page_id = page, source = source, changed = event.changed, actions = actions, conflict = conflict,
           issue = next_entry.issue, pull = next_entry.pull, pull_blocked = next_entry.pull_blocked,
           merge = next_entry.merge, saved = saved.ok }
end

-- ---- The poller --------------------------------------------------------------

local function poll(ctx, settings)
  local cursor = ctx:kv("read-cursor", { namespace = NS, get = "cursor/poll" })
  local since = cursor.found and cursor.value.last_edited_time
                or iso(ctx:now() - settings.poll_window)
  local q = { filter = { timestamp = "last_edited_time", last_edited_time = { on_or_after = since } },
              properties = { settings.title_property } }
  if settings.tasks_data_source_id ~= "" then q.data_source = settings.tasks_data_source_id
  else q.query = settings.tasks_db_id end
  local found = ctx:notion("edited-pages", q)
  local newest, started = since, 0
  for _, page in ipairs(found.pages) do
    ctx:start_child("sync-" .. canonical(page.id), {
      type = ctx.type, input = { page = page.id, source = "poll" }, detached = true })
    started = started + 1
    if page.last_edited_time and page.last_edited_time > newest then newest = page.last_edited_time end
  end
  -- Notion's last_edited_time is rounded to the minute: the next poll asks
  -- from that minute again, and the snapshots drop what was seen.
  ctx:kv("save-cursor", { namespace = NS, put = "cursor/poll", value = { last_edited_time = newest },
                          if_version = cursor.version })
  ctx:log("notion-github poll", { since = since, pages = found.count, started = started })
  return { since = since, pages = found.count, started = started, cursor = newest }
end

-- ---- The type ----------------------------------------------------------------

local KEYS = { "tasks_db_id", "tasks_data_source_id", "repo", "title_property", "status_property",
               "status_type", "assignee_property", "priority_property", "issue_property", "pull_property",
               "done_statuses", "review_status", "closed_status", "shipped_status", "labels",
               "priority_labels", "assignee_logins", "branch_prefix", "base_branch", "merge_method",
               "poll_window" }

local function settings_of(config)
  local out = {}
  for _, key in ipairs(KEYS) do
    local value = config[key]
    if type(value) == "table" then
      local copy = {}
      for i, v in ipairs(value) do copy[i] = v end
      value = copy
    end
    out[key] = value
  end
  if (out.tasks_db_id or "") == "" or (out.repo or "") == "" then
    error("[notion_github_sync] tasks_db_id and repo must be set", 0)
  end
  return out
end

return {
  validate = function(input, config)
    input = check.object(input)
    local out = { settings = settings_of(config) }
    if input.poll ~= nil then
      if input.poll ~= true then error("input field 'poll' must be true", 0) end
      out.poll = true
      return out
    end
    local page = check.string(input, "page", { required = true })
    if #page > 64 or not page:find("^[%w%-]+$") then error("input field 'page' must be a Notion id", 0) end
    out.page = page
    out.source = type(input.source) == "string" and input.source:sub(1, 32) or "api"
    out.event = type(input.event) == "string" and input.event:sub(1, 64) or nil
    return out
  end,

  concurrency = function(input)
    if input.page then return { key = "notion-github:page:" .. canonical(input.page), on_busy = "coalesce" } end
    return { key = "notion-github:poll", on_busy = "drop" }
  end,

  run = function(ctx, input)
    if input.poll then return poll(ctx, input.settings) end
    return sync_page(ctx, input.settings, input.page, input.source)
  end,
}
