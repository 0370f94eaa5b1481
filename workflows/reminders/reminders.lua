-- reminders: reminder emails before a Cal.com booking (24h and 1h before
-- by default). Shipped with Sundial and loaded by default (it replaced the
-- C++ workflow of issue 13: the step and timer names are the C++ ones, so
-- instances the C++ build started replay and finish under this script;
-- tests/workflows/lua/legacy_replay_test.cc). The Cal.com route (POST
-- /webhooks/calcom, [reminders] calcom_path) starts it as "booking:<uid>".
--
-- Input: start_ms (required, Unix ms), attendee_email (required), uid,
-- title, attendee_name, before_ms (lead times in ms; default: the config's
-- before).
-- Config (ctx.config): the [reminders] table, before as milliseconds
-- (default 24h 1h); [workflows.reminders] keys override it, there
-- durations may also be text such as "24h".
-- Template ([reminders] templates_dir): reminder, with title,
-- attendee_name, start_time (UTC, "YYYY-MM-DD HH:MM") and lead_time
-- ("1d", "1h30m").

local HOUR, DAY = 3600000, 86400000
local DEFAULT_BEFORE = { DAY, HOUR }
local KNOWN = { "uid", "title", "start_ms", "attendee_email", "attendee_name", "before_ms" }

-- Longest lead first (the earliest reminder first), each once: a lead time
-- listed twice would otherwise name the same step twice.
local function distinct_lead_times(before)
  local sorted = {}
  for i, v in ipairs(before) do sorted[i] = v end
  table.sort(sorted, function(a, b) return a > b end)
  local out = {}
  for _, v in ipairs(sorted) do
    if out[#out] ~= v then out[#out + 1] = v end
  end
  return out
end

-- As engine/base/duration.cc format_duration: "1d", "1h30m", "0s".
local function format_duration(d)
  if d == 0 then return "0s" end
  local out = ""
  if d < 0 then out, d = "-", -d end
  for _, part in ipairs({ { DAY, "d" }, { HOUR, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" } }) do
    if d >= part[1] then
      out = out .. (d // part[1]) .. part[2]
      d = d % part[1]
    end
  end
  return out
end

-- "YYYY-MM-DD HH:MM" in UTC (days to civil date: H. Hinnant's algorithm).
local function utc_text(ms)
  local secs = ms // 1000
  local days, rem = secs // 86400, secs % 86400
  local z = days + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local day = doy - (153 * mp + 2) // 5 + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return string.format("%04d-%02d-%02d %02d:%02d", year, month, day, rem // 3600, rem % 3600 // 60)
end

return {
  -- Found by the attendee's address and the booking: ?attr.email=, ?attr.booking_uid=
  search_attributes = { email = "attendee_email", booking_uid = "uid" },

  validate = function(input, config)
    input = check.fields(check.object(input), KNOWN)
    for _, key in ipairs({ "uid", "title", "attendee_name" }) do check.string(input, key) end
    -- Up to the year 9999: a sleep until `start - lead` stays far from overflow.
    check.integer(input, "start_ms", 0, 253402300799999, { required = true })
    check.email(input, "attendee_email", { required = true })
    if check.durations(input, "before_ms") ~= nil then return nil end  -- stored as given
    local out = {}
    for k, v in pairs(input) do out[k] = v end
    local before = {}
    for i, v in ipairs((config or {}).before or DEFAULT_BEFORE) do
      before[i] = check.duration(v, "[workflows.reminders] before")
    end
    out.before_ms = distinct_lead_times(before)
    return out
  end,

  run = function(ctx, input)
    local start = math.type(input.start_ms) == "integer" and input.start_ms or 0
    local before = distinct_lead_times(type(input.before_ms) == "table" and input.before_ms or {})
    local name = type(input.attendee_name) == "string" and input.attendee_name or ""
    local to = type(input.attendee_email) == "string" and input.attendee_email or ""
    for _, lead in ipairs(before) do
      local due = start - lead
      if due >= ctx.started_at then -- else booked too late for this one
        ctx:sleep_until(due)
        ctx:email("reminder-" .. format_duration(lead), {
          to = to,
          template = "reminder",
          vars = {
            title = type(input.title) == "string" and input.title or "your meeting",
            attendee_name = name == "" and "there" or name,
            start_time = utc_text(start),
            lead_time = format_duration(lead),
          },
        })
      end
    end
  end,
}
