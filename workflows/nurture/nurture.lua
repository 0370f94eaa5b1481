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

local function segment_for(red, orange)
  if red >= 2 then return "critical" end
  if red == 1 or orange >= 3 then return "urgent" end
  return "optimize"
end

local function default_offsets(config)
  if config.offsets == nil then return DEFAULT_OFFSETS end
  local out = {}
  for i, v in ipairs(config.offsets) do out[i] = check.duration(v, "[workflows.nurture] offsets") end
  return out
end

return {
  validate = function(input, config)
    input = check.fields(check.object(input), KNOWN)
    local email = check.email(input, "email", { required = true })
    check.string(input, "first_name")
    local red = check.integer(input, "red", 0, 9999)
    local orange = check.integer(input, "orange", 0, 9999)
    local segment = check.string(input, "segment", { one_of = { "critical", "urgent", "optimize" } })
    local offsets = check.durations(input, "offsets_ms")
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
