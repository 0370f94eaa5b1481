// ctx:http(name, { method, url, headers, body | json, timeout, limit }):
// one HTTP call as a durable step, through AsyncHttpClient under the
// outbound policy, and through a shared rate limiter when `limit` names
// one ("notion" or "notion:<sub-key>"; a 429 or 503 with Retry-After holds
// it). See effect.h for the convention, docs/lua.md for the contract.
#include <lua.hpp>

#include "connectors/http/async_http_client.h"
#include "engine/base/json_parse.h"
#include "engine/base/text.h"
#include "engine/base/utf8.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

constexpr DurationMs kDefaultTimeout = 15 * kSecondMs;
constexpr DurationMs kMaxTimeout = 5 * kMinuteMs;
constexpr size_t kErrorExcerptBytes = 300;

struct HttpSpec {
  std::string method = "GET";
  SecretText url;
  std::vector<std::pair<std::string, SecretText>> headers;
  std::optional<SecretText> body;
  std::optional<SecretJson> json;
  DurationMs timeout = kDefaultTimeout;
  std::optional<std::string> limit;  // a Limiters reference
};

bool is_token(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool has_line_break(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

HttpSpec read_spec(lua_State* L, const Limiters* limiters) {
  const std::string m = "ctx:http";
  check_known_fields(L, 3, m, {"method", "url", "headers", "body", "json", "timeout", "limit"});
  HttpSpec spec;
  bool has_payload = false;
  if (raw_field(L, 3, "body") != LUA_TNIL) {
    spec.body = secret_text_arg(L, -1, m + ": body");
    has_payload = true;
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "json") != LUA_TNIL) {
    if (has_payload) throw LuaValueError(m + ": give body or json, not both");
    spec.json = secret_json_arg(L, -1);
    has_payload = true;
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "method") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING) throw LuaValueError(m + ": method must be a string");
    spec.method = lua_tostring(L, -1);
    std::transform(spec.method.begin(), spec.method.end(), spec.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!is_token(spec.method))
      throw LuaValueError(m + ": method '" + spec.method + "' is not an HTTP method");
  } else if (has_payload) {
    spec.method = "POST";
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "url") == LUA_TNIL) throw LuaValueError(m + ": url is required");
  spec.url = secret_text_arg(L, -1, m + ": url");
  lua_pop(L, 1);
  if (raw_field(L, 3, "headers") != LUA_TNIL) {
    if (!lua_istable(L, -1)) throw LuaValueError(m + ": headers must be a table of name = value");
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) throw LuaValueError(m + ": header names must be strings");
      std::string name = lua_tostring(L, -2);
      if (!is_token(name)) throw LuaValueError(m + ": '" + name + "' is not a valid header name");
      SecretText value = secret_text_arg(L, -1, m + ": header " + name);
      for (const auto& p : value.pieces) {
        if (!p.secret && has_line_break(p.text)) {
          throw LuaValueError(m + ": header " + name + " holds a line break");
        }
      }
      spec.headers.emplace_back(std::move(name), std::move(value));
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "timeout") != LUA_TNIL) {
    spec.timeout = effect_duration(L, -1, m + ": timeout");
    if (spec.timeout < 1 || spec.timeout > kMaxTimeout) {
      throw LuaValueError(m + ": timeout must be from 1ms to " + std::to_string(kMaxTimeout / kSecondMs) +
                          "s");
    }
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "limit") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      throw LuaValueError(m + ": limit must be a string such as \"notion\"");
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

// The call to send for one attempt: secrets resolved, the idempotency key
// added unless the script gave its own.
Result<HttpCall> build_call(const HttpSpec& spec, SecretScope& scope, const StepInfo& info) {
  HttpCall call;
  call.method = spec.method;
  call.timeout = spec.timeout;
  SUNDIAL_ASSIGN_OR_RETURN(call.url, scope.resolve(spec.url));
  bool has_key = false;
  bool has_type = false;
  for (const auto& [name, text] : spec.headers) {
    SUNDIAL_ASSIGN_OR_RETURN(std::string value, scope.resolve(text));
    if (has_line_break(value)) {
      return make_error(ErrorCode::kInvalidArgument, "header " + name + " holds a line break");
    }
    has_key = has_key || ascii_iequals(name, "idempotency-key");
    has_type = has_type || ascii_iequals(name, "content-type");
    call.headers.push_back(name + ": " + value);
  }
  if (!has_key) call.headers.push_back("Idempotency-Key: " + info.idempotency_key);
  if (spec.body) {
    SUNDIAL_ASSIGN_OR_RETURN(call.body, scope.resolve(*spec.body));
  } else if (spec.json) {
    SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json doc, scope.resolve(*spec.json));
    call.body = doc.dump();
    if (!has_type) call.headers.push_back("Content-Type: application/json");
  }
  return call;
}

std::string excerpt(const std::string& body) {
  std::string cut = repair_utf8(body.substr(0, kErrorExcerptBytes));
  return body.size() > kErrorExcerptBytes ? cut + "..." : cut;
}

// The step's result or error for an answer. `what` names the call
// ("POST https://..." with secrets shown as references).
Result<nlohmann::json> http_result(const HttpCallResult& r, const std::string& what) {
  if (r.status == 0) {
    return std::unexpected(
        failed_call(r.outcome == HttpOutcome::kRetryable, what + ": " + r.error, r.retry_after));
  }
  if (r.status >= 400) {
    bool retryable = r.outcome == HttpOutcome::kRetryable;
    std::string message = what + " answered " + std::to_string(r.status);
    if (!r.body.empty()) message += ": " + excerpt(r.body);
    return std::unexpected(failed_call(retryable, message, r.retry_after));
  }
  nlohmann::json out = {{"status", r.status}};
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : r.headers) headers[name] = repair_utf8(value);
  out["headers"] = std::move(headers);
  if (is_valid_utf8(r.body)) {
    out["body"] = r.body;
  } else {
    out["body"] = repair_utf8(r.body);  // a JSON string must be UTF-8
  }
  auto type = r.headers.find("content-type");
  if (type != r.headers.end() && ascii_lower(type->second).find("json") != std::string::npos) {
    auto parsed = parse_json(r.body);
    if (parsed) out["json"] = std::move(*parsed);
  }
  return out;
}

AsyncStepFn build_http(lua_State* L, const EffectEnv& env) {
  const LuaEffects& fx = env.effects;
  HttpSpec spec = read_spec(L, fx.limiters);
  AsyncHttpClient* client = fx.http;
  auto policy = fx.http_policy ? fx.http_policy : std::make_shared<OutboundPolicy>();
  size_t cap = fx.http_max_response_bytes;
  SecretPolicy secrets = fx.secrets;
  Limiters* limiters = fx.limiters;
  return [spec = std::move(spec), client, policy, cap, secrets, limiters](const StepInfo& info,
                                                                          StepDone done) {
    std::string what = spec.method + " " + spec.url.display();
    if (client == nullptr) {
      return done(make_error(ErrorCode::kInvalidArgument, "ctx:http is not available: no HTTP client"));
    }
    SecretScope scope(secrets);
    auto call = build_call(spec, scope, info);
    if (!call) return done(std::unexpected(scope.redact(call.error())));
    call->policy = policy;
    call->max_response_bytes = cap;
    call->log_name = "ctx:http '" + info.step_name + "' " + what;
    RateGate* gate = nullptr;
    if (spec.limit && limiters != nullptr) {
      auto found = limiters->gate_for(*spec.limit);
      // Every sub-key of the limiter busy: an attempt that failed, retried
      // later. An unknown limiter (never declared, or deleted) fails the step.
      if (!found) {
        bool busy = found.error().code == ErrorCode::kUnavailable;
        return done(std::unexpected(failed_call(busy, what + ": " + found.error().message, 0)));
      }
      gate = *found;
    }
    auto answered = [scope = std::move(scope), done = std::move(done), what = std::move(what),
                     limit = spec.limit, limiters](HttpCallResult r) mutable noexcept {
      // The provider asked everyone to slow down: the whole bucket waits.
      if (limit && limiters && (r.status == 429 || r.status == 503) && r.retry_after > 0)
        limiters->hold(*limit, r.retry_after);
      Result<nlohmann::json> out = make_error(ErrorCode::kInternal, "ctx:http: the answer could not be read");
      try {
        out = http_result(r, what);
        if (out) {
          out = scope.redact(*out);
        } else {
          out = std::unexpected(scope.redact(out.error()));
        }
      } catch (const std::exception& e) {
        out = make_error(ErrorCode::kInternal, std::string("ctx:http: ") + e.what());
      }
      done(std::move(out));
    };
    if (gate == nullptr) return client->send(std::move(*call), std::move(answered));
    gate->acquire([client, call = std::move(*call), answered = std::move(answered)]() mutable {
      client->send(std::move(call), std::move(answered));
    });
  };
}

}  // namespace

const Effect kHttpEffect{"http", &build_http};

}  // namespace sundial::lua
