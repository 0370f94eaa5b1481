-- nurture: a signup's email sequence (7 emails over 11 days by default);
-- stops on "booked" or "unsubscribed". Shipped with Sundial and loaded by
-- default (it replaced the C++ workflow of issue 13: the step and timer
-- names are the C++ ones, so instances the C++ build started replay and
-- finish under this script; tests/workflows/lua/legacy_replay_test.cc).
-- The signup route (POST /webhooks/signup, [nurture] signup_path) starts
-- it as "nurture:<email>"; POST /api/v1/workflows/nurture/instances too.
--
-- Input: email (required), first_name, red, orange (0-9999), segment
-- ("critical", "urgent" or "optimize"; from red/orange when absent),
-- offsets_ms (when email N goes out, from the start; default: the config's
-- offsets), timezone (the signup's zone, for a send window's
-- timezone_from = "timezone"), send_window (default: [workflows.nurture]
-- send_window; docs/send-windows.md). validate stores them all, so a
-- replay never depends on a setting changed since.
-- Config (ctx.config): the [nurture] table, offsets as milliseconds
-- (default 0s 1d 3d 5d 7d 9d 11d); [workflows.nurture] keys override it,
-- there durations may also be text such as "1d".
-- Templates ([nurture] templates_dir): email-N.<segment> if there is one,
-- else email-N.

local DAY = 86400000
local DEFAULT_OFFSETS = { 0, DAY, 3 * DAY, 5 * DAY, 7 * DAY, 9 * DAY, 11 * DAY }
local KNOWN = { "email", "first_name", "red", "orange", "segment", "offsets_ms", "timezone", "send_window" }
local WINDOW_FIELDS = { "days", "from", "to", "timezone", "timezone_from", "name" }

local function segment_for(red, orange)
  if red >= 2 then return "critical" end
  if red == 1 or orange >= 3 then return "urgent" end
  return "optimize"
end

-- A send window as a plain table (ctx.config's tables are read-only
-- proxies), checked: a bad one is refused at start.
local function checked_window(w)
  if w == nil then return nil end
  if type(w) ~= "table" then error("input field 'send_window' must be a send window table", 0) end
  local out = {}
  for _, k in ipairs(WINDOW_FIELDS) do out[k] = w[k] end
  local ok, err = pcall(dates.next_opening, out, 0)
  if not ok then error("send_window: " .. tostring(err):gsub("^.-dates%.next_opening: ", ""), 0) end
  return out
end

local function default_offsets(config)
  if config.offsets == nil then return DEFAULT_OFFSETS end
  local out = {}
  for i, v in ipairs(config.offsets) do out[i] = check.duration(v, "[workflows.nurture] offsets") end
  return out
end

return {
  -- Found by the signup's address: GET /api/v1/instances?attr.email=...
  search_attributes = { "email" },

  validate = function(input, config)
    input = check.fields(check.object(input), KNOWN)
    local email = check.email(input, "email", { required = true })
    check.string(input, "first_name")
    check.string(input, "timezone")
    local red = check.integer(input, "red", 0, 9999)
    local orange = check.integer(input, "orange", 0, 9999)
    local segment = check.string(input, "segment", { one_of = { "critical", "urgent", "optimize" } })
    local offsets = check.durations(input, "offsets_ms")
    local out = {}
    for k, v in pairs(input) do out[k] = v end
    out.email = email
    if segment == nil then out.segment = segment_for(red or 0, orange or 0) end
    if offsets == nil then out.offsets_ms = default_offsets(config or {}) end
    out.send_window = checked_window(input.send_window or (config or {}).send_window)
    return out
  end,

  run = function(ctx, input)
    local segment = type(input.segment) == "string" and input.segment or "optimize"
    local email = type(input.email) == "string" and input.email or ""
    local vars = {
      first_name = type(input.first_name) == "string" and input.first_name or "there",
      email = email,
      segment = segment:upper(),
      red = math.type(input.red) == "integer" and input.red or 0,
      orange = math.type(input.orange) == "integer" and input.orange or 0,
    }
    local offsets = type(input.offsets_ms) == "table" and input.offsets_ms or {}
    local window = type(input.send_window) == "table" and input.send_window or nil
    -- A booking or an unsubscribe ends the sequence at once, even mid-wait.
    for i, offset in ipairs(offsets) do
      local due = ctx.started_at + offset
      -- With a send window, wait for its opening here rather than in the
      -- step, so a booking or unsubscribe meanwhile still stops the email.
      if window then due = dates.next_opening(window, due, input) end
      if ctx:wait({ "booked", "unsubscribed" }, { ["until"] = due }) then return end
      local base = "email-" .. i
      ctx:email("send-" .. i, { to = email, template = { base .. "." .. segment, base }, vars = vars })
    end
  end,
}
