-- The Lua twin of bench.sleep_step (workflows/bench/sleep_step.cc): sleeps
-- input.sleep_ms (default 2000), then runs one no-op step. sundial-bench
-- starts --type bench.lua_sleep_step compares the two (docs/benchmarks.md).
return {
  validate = function(input)
    local ms = input.sleep_ms
    if ms ~= nil and (math.type(ms) ~= "integer" or ms < 0) then
      error("input field 'sleep_ms' must be a non-negative integer", 0)
    end
    return input
  end,
  run = function(ctx, input)
    ctx:sleep(input.sleep_ms or 2000)
    ctx:step("noop", function() return nil end)
  end,
}
