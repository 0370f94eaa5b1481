// ctx:email(name, { to, template, vars }): one templated email as a
// durable step, through the shared email step (workflows/email): the
// first existing template of `template` (a name or a list of names),
// rendered with `vars`, sent by Resend with the step's idempotency key, or
// logged in log mode. See effect.h for the convention.
#include <lua.hpp>

#include "connectors/email/email_address.h"
#include "workflows/email/email_step.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

struct EmailSpec {
  std::string to;
  std::vector<std::string> templates;
  SecretJson vars;
};

EmailSpec read_spec(lua_State* L) {
  const std::string m = "ctx:email";
  check_known_fields(L, 3, m, {"to", "template", "vars"});
  EmailSpec spec;
  if (raw_field(L, 3, "to") != LUA_TSTRING)
    throw LuaValueError(m + ": to must be an email address (a string)");
  spec.to = normalize_email(lua_tostring(L, -1));
  if (!plausible_email(spec.to)) throw LuaValueError(m + ": '" + spec.to + "' is not an email address");
  lua_pop(L, 1);
  int type = raw_field(L, 3, "template");
  if (type == LUA_TSTRING) {
    spec.templates.emplace_back(lua_tostring(L, -1));
  } else if (type == LUA_TTABLE) {
    lua_Unsigned n = lua_rawlen(L, -1);
    for (lua_Unsigned i = 1; i <= n; ++i) {
      if (lua_rawgeti(L, -1, static_cast<lua_Integer>(i)) != LUA_TSTRING) {
        throw LuaValueError(m + ": template names must be strings");
      }
      spec.templates.emplace_back(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  if (spec.templates.empty()) throw LuaValueError(m + ": template must be a name or a list of names");
  lua_pop(L, 1);
  if (raw_field(L, 3, "vars") != LUA_TNIL) {
    if (!lua_istable(L, -1)) throw LuaValueError(m + ": vars must be a table");
    spec.vars = secret_json_arg(L, -1);
  } else {
    spec.vars.doc = nlohmann::json::object();
  }
  lua_pop(L, 1);
  return spec;
}

AsyncStepFn build_email(lua_State* L, const EffectEnv& env) {
  EmailSpec spec = read_spec(L);
  std::shared_ptr<const EmailDeps> deps = env.effects.email;
  SecretPolicy secrets = env.effects.secrets;
  return [spec = std::move(spec), deps, secrets](const StepInfo& info, StepDone done) {
    if (!deps)
      return done(make_error(ErrorCode::kInvalidArgument, "ctx:email is not available: no email setup"));
    auto scope = std::make_shared<SecretScope>(secrets);
    // In log mode nothing is sent and the subject is logged: render with
    // the references shown, so a secret never reaches the log.
    auto vars = deps->resend.log_mode() ? Result<nlohmann::json>(spec.vars.doc) : scope->resolve(spec.vars);
    if (!vars) return done(std::unexpected(scope->redact(vars.error())));
    send_templated_email(*deps, spec.templates, *vars, spec.to, info,
                         [scope, done = std::move(done)](Result<nlohmann::json> r) mutable {
                           if (r) {
                             done(scope->redact(*r));
                           } else {
                             done(std::unexpected(scope->redact(r.error())));
                           }
                         });
  };
}

}  // namespace

const Effect kEmailEffect{"email", &build_email};

}  // namespace sundial::lua
