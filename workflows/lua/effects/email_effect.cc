// ctx:email(name, { to, template, vars, limit }): one templated email as a
// durable step, through the shared email step (workflows/email): the
// first existing template of `template` (a name or a list of names),
// rendered with `vars`, sent by Resend with the step's idempotency key, or
// logged in log mode. With `limit` ("name" or "name:sub-key", a shared
// rate limiter) the email first waits for that limiter, then for Resend's
// own (`resend`). See effect.h for the convention.
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
  std::optional<std::string> limit;  // a Limiters reference
};

EmailSpec read_email_spec(lua_State* L, const Limiters* limiters) {
  const std::string m = "ctx:email";
  check_known_fields(L, 3, m, {"to", "template", "vars", "limit"});
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
  if (raw_field(L, 3, "limit") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      throw LuaValueError(m + ": limit must be a string such as \"newsletter\"");
    spec.limit = lua_tostring(L, -1);
    if (limiters == nullptr) throw LuaValueError(m + ": limit: no limiter is declared ([limits.NAME])");
    // Its form only: whether it exists is the step's to find when it runs
    // (a replayed step must not fail because its limiter was deleted since).
    if (auto valid = validate_limiter_reference(*spec.limit); !valid)
      throw LuaValueError(m + ": limit: " + valid.error().message);
  }
  lua_pop(L, 1);
  return spec;
}

AsyncStepFn build_email(lua_State* L, const EffectEnv& env) {
  EmailSpec spec = read_email_spec(L, env.effects.limiters);
  std::shared_ptr<const EmailDeps> deps = env.effects.email;
  SecretPolicy secrets = env.effects.secrets;
  Limiters* limiters = env.effects.limiters;
  return [spec = std::move(spec), deps, secrets, limiters](const StepInfo& info, StepDone done) {
    if (!deps)
      return done(make_error(ErrorCode::kInvalidArgument, "ctx:email is not available: no email setup"));
    auto scope = std::make_shared<SecretScope>(secrets);
    // In log mode nothing is sent and the subject is logged: render with
    // the references shown, so a secret never reaches the log.
    auto vars = deps->resend.log_mode() ? Result<nlohmann::json>(spec.vars.doc) : scope->resolve(spec.vars);
    if (!vars) return done(std::unexpected(scope->redact(vars.error())));
    RateGate* gate = nullptr;
    if (spec.limit && limiters != nullptr) {
      auto found = limiters->gate_for(*spec.limit);
      // Every sub-key of the limiter busy: an attempt that failed, retried
      // later. An unknown limiter (never declared, or deleted) fails the step.
      if (!found) {
        bool busy = found.error().code == ErrorCode::kUnavailable;
        return done(std::unexpected(failed_call(busy, "ctx:email: " + found.error().message, 0)));
      }
      gate = *found;
    }
    auto send = [deps, templates = spec.templates, vars = std::move(*vars), to = spec.to, info, scope,
                 done = std::move(done)]() mutable {
      send_templated_email(*deps, templates, vars, to, info,
                           [scope, done = std::move(done)](Result<nlohmann::json> r) mutable {
                             if (r) {
                               done(scope->redact(*r));
                             } else {
                               done(std::unexpected(scope->redact(r.error())));
                             }
                           });
    };
    if (gate == nullptr) return send();
    gate->acquire(std::move(send));
  };
}

}  // namespace

const Effect kEmailEffect{"email", &build_email};

}  // namespace sundial::lua
