// ctx:publish(name, { topic =, type =, data =, key =, id = }): an event on
// the event bus (docs/events.md) as a durable step (engine/topics/
// publish_step.h): published once, answered once durable, with the
// result { topic =, seq =, duplicate = }. The event's id is the step's
// idempotency key unless `id` is given, so neither a replay nor a retry
// after a crash publishes it twice. The fields are checked by the same
// rules as POST /api/v1/topics/{topic}/events. See effect.h for the
// convention, docs/lua.md for the contract.
#include <lua.hpp>

#include "engine/topics/publish_step.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

AsyncStepFn build_publish(lua_State* L, const EffectEnv& env) {
  const std::string m = "ctx:publish";
  check_known_fields(L, 3, m, {"topic", "type", "data", "key", "id"});
  if (raw_field(L, 3, "topic") != LUA_TSTRING) throw LuaValueError(m + ": topic (a string) is required");
  std::string topic = lua_tostring(L, -1);
  lua_pop(L, 1);
  nlohmann::json body = nlohmann::json::object();
  for (const char* field : {"type", "data", "key", "id"}) {
    if (raw_field(L, 3, field) != LUA_TNIL) body[field] = to_json(L, -1);
    lua_pop(L, 1);
  }
  auto request = parse_publish_request(body, std::move(topic));
  if (!request) throw LuaValueError(m + ": " + request.error().message);
  if (env.effects.topics == nullptr) {
    return [](const StepInfo&, StepDone done) {
      done(make_error(ErrorCode::kInvalidArgument, "ctx:publish is not available: no event bus"));
    };
  }
  return publish_step(*env.effects.topics, std::move(*request));
}

}  // namespace

const Effect kPublishEffect{"publish", &build_publish};

}  // namespace sundial::lua
