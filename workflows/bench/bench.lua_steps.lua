-- The Lua twin of bench.steps (workflows/bench/steps.cc): input.steps
-- (default 10) no-op steps in a row, named noop-0, noop-1, ...
return {
  validate = function(input)
    local n = input.steps
    if n ~= nil and (math.type(n) ~= "integer" or n < 1 or n > 100000) then
      error("input field 'steps' must be an integer from 1 to 100000", 0)
    end
    return input
  end,
  run = function(ctx, input)
    for i = 0, (input.steps or 10) - 1 do
      ctx:step("noop-" .. i, function() return nil end)
    end
  end,
}
