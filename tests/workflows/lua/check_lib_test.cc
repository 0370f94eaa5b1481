// The sandbox's `check` library (workflows/lua/check_lib.h): each function
// with good and bad input, its messages (those of workflows/input_check.h),
// and tables that try to run code (metatables) or hide a bad value.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "workflows/lua/script.h"

namespace sundial::lua {
namespace {

// Runs `body` as a script's validate(input) with `input`.
Result<nlohmann::json> run(const std::string& body, const nlohmann::json& input = nlohmann::json::object()) {
  LuaOptions options;
  options.limits.instructions_per_activation = 200'000;
  auto script =
      LuaScript::load("t", "return { run = function() end, validate = function(input)\n" + body + "\nend }",
                      "t.lua", options);
  if (!script) return std::unexpected(script.error());
  return (*script)->validate(input);
}

// The message of the error `body` raises.
std::string refusal(const std::string& body, const nlohmann::json& input = nlohmann::json::object()) {
  auto r = run(body, input);
  EXPECT_FALSE(r) << "expected an error, got " << (r ? r->dump() : "");
  return r ? std::string() : r.error().message;
}

TEST(CheckLibrary, ObjectTakesNilAsEmptyAndRefusesArraysAndScalars) {
  auto r = run("return { n = #check.object(nil), same = check.object(input) == input }", nullptr);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, nlohmann::json({{"n", 0}, {"same", false}}));  // input is nil here
  r = run("return { same = check.object(input) == input }", {{"a", 1}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["same"], true);
  EXPECT_EQ(refusal("check.object(input)", nlohmann::json::array()), "the input must be a JSON object");
  EXPECT_EQ(refusal("check.object(input)", {1, 2}), "the input must be a JSON object");
  EXPECT_EQ(refusal("check.object('text')"), "the input must be a JSON object");
  EXPECT_EQ(refusal("check.object(7)"), "the input must be a JSON object");
}

TEST(CheckLibrary, FieldsNamesTheUnknownOneAndTheKnownOnes) {
  auto r = run("return { ok = check.fields(input, { 'a', 'b' }) == input }", {{"a", 1}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["ok"], true);
  EXPECT_EQ(refusal("check.fields(input, { 'a', 'b' })", {{"a", 1}, {"c", 2}}),
            "unknown input field 'c'; known fields: a, b");
  EXPECT_EQ(refusal("check.fields({ [7] = 1 }, { 'a' })"), "unknown input field '7'; known fields: a");
  EXPECT_EQ(refusal("check.fields({ [{}] = 1 }, { 'a' })"), "unknown input field 'table'; known fields: a");
  EXPECT_EQ(refusal("check.fields({ x = 1 }, {})"), "unknown input field 'x'; known fields: ");
  // A bad list of names is the script's mistake: an argument error.
  EXPECT_NE(refusal("check.fields({}, { 'a', 5 })").find("bad argument #2"), std::string::npos);
  EXPECT_NE(refusal("check.fields({}, 'a')").find("bad argument #2"), std::string::npos);
}

TEST(CheckLibrary, StringAndItsChoices) {
  auto r =
      run("return { a = check.string(input, 'a'), b = check.string(input, 'b') or 'absent' }", {{"a", "x"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, nlohmann::json({{"a", "x"}, {"b", "absent"}}));
  EXPECT_EQ(refusal("check.string(input, 'a')", {{"a", 5}}), "input field 'a' must be a string");
  EXPECT_EQ(refusal("check.string(input, 'a')", {{"a", {1}}}), "input field 'a' must be a string");
  EXPECT_EQ(refusal("check.string({ a = print or function() end }, 'a')"),
            "input field 'a' must be a string");
  EXPECT_EQ(refusal("check.string(input, 'a', { required = true })"), "input field 'a' is required");
  const char* one_of = "return check.string(input, 's', { one_of = { 'x', 'y', 'z' } })";
  r = run(one_of, {{"s", "y"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "y");
  EXPECT_EQ(refusal(one_of, {{"s", "w"}}), "input field 's' must be \"x\", \"y\" or \"z\"");
  EXPECT_EQ(refusal("check.string(input, 's', { one_of = { 'x' } })", {{"s", "w"}}),
            "input field 's' must be \"x\"");
  EXPECT_NE(refusal("check.string(input, 's', { requried = true })").find("unknown option"),
            std::string::npos);
  EXPECT_NE(refusal("check.string(input, 's', { one_of = {} })").find("one_of"), std::string::npos);
}

TEST(CheckLibrary, IntegerInItsRange) {
  auto r = run("return check.integer(input, 'n', 0, 9)", {{"n", 9}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 9);
  r = run("return check.integer(input, 'n', 0, 9) == nil");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, true);
  for (const nlohmann::json& bad : {nlohmann::json(10), nlohmann::json(-1), nlohmann::json(1.5),
                                    nlohmann::json("3"), nlohmann::json(true), nlohmann::json({1})}) {
    EXPECT_EQ(refusal("check.integer(input, 'n', 0, 9)", {{"n", bad}}),
              "input field 'n' must be an integer from 0 to 9")
        << bad.dump();
  }
  EXPECT_EQ(refusal("check.integer({ n = 0/0 }, 'n', 0, 9)"),
            "input field 'n' must be an integer from 0 to 9");
  EXPECT_EQ(refusal("check.integer(input, 'n', 0, 9, { required = true })"), "input field 'n' is required");
  EXPECT_NE(refusal("check.integer(input, 'n', 9, 0)").find("bad argument #4"), std::string::npos);
}

TEST(CheckLibrary, EmailIsNormalizedAsTheConnectorsDo) {
  auto r = run("return check.email(input, 'e')", {{"e", " Ada@Example.COM "}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "ada@example.com");
  r = run("return check.email(input, 'e') == nil");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, true);
  for (const char* bad : {"nope", "a@b", "@b.co", "a b@c.co", "a@@b.co", "a@b.co/x"}) {
    EXPECT_EQ(refusal("check.email(input, 'e')", {{"e", bad}}), "input field 'e' must be an email address")
        << bad;
  }
  EXPECT_EQ(refusal("check.email(input, 'e')", {{"e", 5}}), "input field 'e' must be a string");
  EXPECT_EQ(refusal("check.email(input, 'e', { required = true })"), "input field 'e' is required");
}

TEST(CheckLibrary, DurationsAreABoundedArrayOfMilliseconds) {
  const std::string must =
      "input field 'd' must be an array of at most 100 delays in milliseconds, each from 0 to 315360000000";
  auto r =
      run("local d = check.durations(input, 'd'); return { same = d == input.d, n = #d }", {{"d", {0, 5}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, nlohmann::json({{"same", true}, {"n", 2}}));
  r = run("return #check.durations(input, 'd')", {{"d", nlohmann::json::array()}});
  ASSERT_TRUE(r) << r.error().message;
  for (const nlohmann::json& bad :
       {nlohmann::json("1d"), nlohmann::json({-1}), nlohmann::json({1.5}), nlohmann::json({315360000001}),
        nlohmann::json(std::vector<int>(101, 0)), nlohmann::json({{"a", 1}}), nlohmann::json({{1, 2}})}) {
    EXPECT_EQ(refusal("check.durations(input, 'd')", {{"d", bad}}), must) << bad.dump();
  }
  // A table with a hole, or with a key besides 1..n, is not an array.
  EXPECT_EQ(refusal("check.durations({ d = { 1, nil, 3 } }, 'd')"), must);
  EXPECT_EQ(refusal("check.durations({ d = { 1, 2, x = 3 } }, 'd')"), must);
  EXPECT_EQ(refusal("check.durations(input, 'd', { max_count = 2, max_ms = 10 })", {{"d", {1, 2, 3}}}),
            "input field 'd' must be an array of at most 2 delays in milliseconds, each from 0 to 10");
  EXPECT_EQ(refusal("check.durations(input, 'd', { max_ms = 10 })", {{"d", {11}}}),
            "input field 'd' must be an array of at most 100 delays in milliseconds, each from 0 to 10");
  EXPECT_EQ(refusal("check.durations(input, 'd', { required = true })"), "input field 'd' is required");
  EXPECT_NE(refusal("check.durations(input, 'd', { max_count = 1000 })").find("bad argument #3"),
            std::string::npos);
}

TEST(CheckLibrary, DurationReadsMillisecondsOrTheEnginesText) {
  auto r =
      run("return { check.duration(0), check.duration(5), check.duration('1h30m'), check.duration('1d12h'),"
          " check.duration('500ms') }");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, nlohmann::json({0, 5, 5400000, 129600000, 500}));
  EXPECT_EQ(refusal("check.duration('1 day', '[workflows.x] offsets')"),
            "[workflows.x] offsets: '1 day' is not a duration");
  // Quoted as the scripts' tostring wrote them; a table by its type name.
  for (const char* bad : {"-5", "1.5", "''", "'1x'", "'99999999999999999999d'", "{}"}) {
    std::string quoted = bad[0] == '\'' ? std::string(bad + 1, strlen(bad) - 2) : std::string(bad);
    if (quoted == "{}") quoted = "table";
    EXPECT_EQ(refusal(std::string("check.duration(") + bad + ")"), "'" + quoted + "' is not a duration")
        << bad;
  }
}

// Reads are raw: a metatable's __index, __pairs or __len never runs, so a
// table cannot show the check one value and the script another.
TEST(CheckLibrary, MetatablesAreNotConsulted) {
  auto r = run(R"(
    local ran = false
    local mt = { __index = function() ran = true; return "x" end,
                 __pairs = function() ran = true; return next, {}, nil end,
                 __len = function() ran = true; return 0 end }
    local t = setmetatable({ a = "ok", d = { 1, 2 } }, mt)
    check.fields(t, { "a", "d" })
    local absent = check.string(t, "missing")
    check.durations(t, "d")
    check.object(t)
    check.string(t, "a", setmetatable({}, { __index = function() ran = true; return true end }))
    return { ran = ran, absent = absent == nil }
  )");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, nlohmann::json({{"ran", false}, {"absent", true}}));
  // Hidden behind __pairs, an unknown key is still found.
  EXPECT_EQ(
      refusal("check.fields(setmetatable({ z = 1 }, { __pairs = function() return next, {}, nil end }), {})"),
      "unknown input field 'z'; known fields: ");
}

TEST(CheckLibrary, TheLibraryIsReadOnlyAndAnErrorHasNoPosition) {
  EXPECT_NE(refusal("check.string = nil").find("read-only"), std::string::npos);
  // pcall sees the message as raised, with no "t.lua:N:".
  auto r = run("local ok, err = pcall(check.integer, { n = 'x' }, 'n', 1, 2); return err");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "input field 'n' must be an integer from 1 to 2");
}

// The walk over a big table is charged to the instruction budget: a loop of
// checks over one cannot run far past it.
TEST(CheckLibrary, BigTablesAreChargedToTheBudget) {
  auto r = run(R"(
    local t = {}
    for i = 1, 20000 do t["k" .. i] = i end
    local known = {}
    for i = 1, 20000 do known[i] = "k" .. i end
    for _ = 1, 1000 do check.fields(t, known) end
  )");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBudgetExceeded) << r.error().message;
}

// The example of docs/lua.md "Checking the input: `check`", as written there.
TEST(CheckLibrary, TheDocsExampleWorks) {
  const std::string script = R"(
local KNOWN = { "email", "plan", "seats", "reminders_ms" }

return {
  validate = function(input, config)
    input = check.fields(check.object(input), KNOWN)
    local out = {}
    for k, v in pairs(input) do out[k] = v end
    out.email = check.email(input, "email", { required = true })
    out.plan = check.string(input, "plan", { one_of = { "free", "team" } }) or "free"
    out.seats = check.integer(input, "seats", 1, 500) or 1
    out.reminders_ms = check.durations(input, "reminders_ms", { max_count = 5 })
      or { check.duration(config.reminder or "1d", "[workflows.signup] reminder") }
    return out
  end,
  run = function(ctx, input) --[[ ... ]] end,
}
)";
  LuaOptions options;
  options.config = {{"reminder", "2h"}};
  auto loaded = LuaScript::load("signup", script, "signup.lua", options);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto r = (*loaded)->validate({{"email", " A@B.co "}, {"seats", 3}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(
      *r, nlohmann::json({{"email", "a@b.co"}, {"plan", "free"}, {"seats", 3}, {"reminders_ms", {7200000}}}));
  r = (*loaded)->validate({{"email", "a@b.co"}, {"plan", "gold"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "input field 'plan' must be \"free\" or \"team\"");
}

}  // namespace
}  // namespace sundial::lua
