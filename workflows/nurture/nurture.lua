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
-- offsets). validate stores them all, so a replay never depends on a
-- setting changed since.
-- Config (ctx.config): the [nurture] table, offsets as milliseconds
-- (default 0s 1d 3d 5d 7d 9d 11d); [workflows.nurture] keys override it,
-- there durations may also be text such as "1d".
-- Templates ([nurture] templates_dir): email-N.<segment> if there is one,
-- else email-N.

local DAY = 86400000
local DEFAULT_OFFSETS = { 0, DAY, 3 * DAY, 5 * DAY, 7 * DAY, 9 * DAY, 11 * DAY }
local KNOWN = { "email", "first_name", "red", "orange", "segment", "offsets_ms" }
local MAX_DELAYS, MAX_DELAY_MS = 100, 3650 * DAY
local UNITS = { ms = 1, s = 1000, m = 60000, h = 3600000, d = DAY }

local function invalid(key, must)
  error("input field '" .. key .. "' must be " .. must, 0)
end

local function check_known_fields(input)
  for key in pairs(input) do
    local known = false
    for _, k in ipairs(KNOWN) do known = known or k == key end
    if not known then
      error("unknown input field '" .. tostring(key) .. "'; known fields: " .. table.concat(KNOWN, ", "), 0)
    end
  end
end

local function optional_string(input, key)
  local v = input[key]
  if v ~= nil and type(v) ~= "string" then invalid(key, "a string") end
  return v
end

local function optional_int(input, key, min, max)
  local v = input[key]
  if v == nil then return nil end
  if math.type(v) ~= "integer" or v < min or v > max then
    invalid(key, "an integer from " .. min .. " to " .. max)
  end
  return v
end

local function optional_delays(input, key)
  local v = input[key]
  if v == nil then return nil end
  local must = "an array of at most " .. MAX_DELAYS .. " delays in milliseconds, each from 0 to " .. MAX_DELAY_MS
  if type(v) ~= "table" then invalid(key, must) end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n > MAX_DELAYS or n ~= #v then invalid(key, must) end
  for _, d in ipairs(v) do
    if math.type(d) ~= "integer" or d < 0 or d > MAX_DELAY_MS then invalid(key, must) end
  end
  return v
end

-- As connectors/email/email_address.cc: trimmed, lower-cased, plausible.
local function required_email(input, key)
  local raw = optional_string(input, key)
  if raw == nil then error("input field '" .. key .. "' is required", 0) end
  local email = raw:gsub("^[ \t\n\v\f\r]+", ""):gsub("[ \t\n\v\f\r]+$", ""):lower()
  local at = email:find("@", 1, true)
  local ok = at ~= nil and at > 1 and not email:find("@", at + 1, true) and #email <= 190
  if ok then
    local domain = email:sub(at + 1)
    local dot = domain:match(".*()%.")
    ok = dot ~= nil and dot > 1 and dot < #domain and not email:find("[%s%c/?#%%\\\127-\255]")
  end
  if not ok then invalid(key, "an email address") end
  return email
end

local function segment_for(red, orange)
  if red >= 2 then return "critical" end
  if red == 1 or orange >= 3 then return "urgent" end
  return "optimize"
end

-- A duration from the config: milliseconds, or text such as "1d" or "1h30m".
local function duration_ms(v)
  if math.type(v) == "integer" and v >= 0 then return v end
  if type(v) ~= "string" or v == "" then error("[workflows.nurture] offsets: '" .. tostring(v) .. "' is not a duration", 0) end
  local total, rest = 0, v
  while rest ~= "" do
    local n, unit, tail = rest:match("^(%d+)(%a+)(.*)$")
    if not n or not UNITS[unit] then error("[workflows.nurture] offsets: '" .. v .. "' is not a duration", 0) end
    total, rest = total + tonumber(n) * UNITS[unit], tail
  end
  return total
end

local function default_offsets(config)
  if config.offsets == nil then return DEFAULT_OFFSETS end
  local out = {}
  for i, v in ipairs(config.offsets) do out[i] = duration_ms(v) end
  return out
end

return {
  validate = function(input, config)
    if input == nil then input = {} end
    if type(input) ~= "table" or json.is_array(input) then error("the input must be a JSON object", 0) end
    check_known_fields(input)
    local email = required_email(input, "email")
    optional_string(input, "first_name")
    local red = optional_int(input, "red", 0, 9999)
    local orange = optional_int(input, "orange", 0, 9999)
    local segment = optional_string(input, "segment")
    if segment ~= nil and segment ~= "critical" and segment ~= "urgent" and segment ~= "optimize" then
      error("input field 'segment' must be \"critical\", \"urgent\" or \"optimize\"", 0)
    end
    local offsets = optional_delays(input, "offsets_ms")
    local out = {}
    for k, v in pairs(input) do out[k] = v end
    out.email = email
    if segment == nil then out.segment = segment_for(red or 0, orange or 0) end
    if offsets == nil then out.offsets_ms = default_offsets(config or {}) end
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
    -- A booking or an unsubscribe ends the sequence at once, even mid-wait.
    for i, offset in ipairs(offsets) do
      if ctx:wait({ "booked", "unsubscribed" }, { ["until"] = ctx.started_at + offset }) then return end
      local base = "email-" .. i
      ctx:email("send-" .. i, { to = email, template = { base .. "." .. segment, base }, vars = vars })
    end
  end,
}
