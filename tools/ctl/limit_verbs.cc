// limits list, set, delete: the shared rate limiters (docs/http-api.md,
// "Rate limiters"; docs/flow-control.md). Every sub-verb prints limiters in
// one table shape (or the API's JSON as is with -o json).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

std::string limit_path(const std::string& name) { return "/api/v1/limits/" + url_encode(name); }

// A rate, burst or token count: at most two decimals, no trailing zeros
// ("5", "2.5", "0.33").
std::string decimal(const nlohmann::json& v) {
  if (!v.is_number()) return text(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v.get<double>());
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// Prints the limiters of `body` ({"limits":[...]}) or one limiter (the
// answer of set and delete), or the JSON as is.
int print_limits(VerbContext& ctx, const nlohmann::json& body) {
  if (ctx.inv.json_output) {
    ctx.out << body.dump(2) << "\n";
    return 0;
  }
  const nlohmann::json limits =
      body.contains("limits") ? body.value("limits", nlohmann::json::array()) : nlohmann::json::array({body});
  Table t{{"LIMITER", "SOURCE", "RATE/S", "BURST", "TOKENS", "SUB-KEYS", "WAITING", "HOLDS"}, {}};
  for (const auto& l : limits) {
    t.rows.push_back({text(l.value("name", nlohmann::json())), text(l.value("source", nlohmann::json())),
                      decimal(l.value("rate", nlohmann::json())), decimal(l.value("burst", nlohmann::json())),
                      decimal(l.value("tokens", nlohmann::json())), text(l.value("sub_keys", 0)),
                      text(l.value("waiting", 0)), text(l.value("holds", 0))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if (limits.empty()) ctx.err << "no limiters\n";
  return 0;
}

// The flag's value as a finite number; nullopt when absent.
Result<std::optional<double>> number_flag(const Invocation& inv, const std::string& flag) {
  auto it = inv.flags.find(flag);
  if (it == inv.flags.end()) return std::optional<double>();
  const char* begin = it->second.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (it->second.empty() || end == begin || *end != '\0' || !std::isfinite(v)) {
    return make_error(ErrorCode::kInvalidArgument, flag + " must be a number, not '" + it->second + "'");
  }
  return std::optional<double>(v);
}

}  // namespace

int limits_list_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", "/api/v1/limits"));
  if (!r) return fail(ctx, r.error());
  return print_limits(ctx, *r);
}

int limits_set_verb(VerbContext& ctx) {
  auto rate = number_flag(ctx.inv, "--rate");
  if (!rate) return usage_error(ctx, rate.error().message);
  if (!*rate) return usage_error(ctx, "limits set needs --rate R (requests per second)");
  auto burst = number_flag(ctx.inv, "--burst");
  if (!burst) return usage_error(ctx, burst.error().message);
  nlohmann::json body = {{"rate", **rate}};
  if (*burst) body["burst"] = **burst;
  auto r = api_result(ctx.api->request("PUT", limit_path(ctx.inv.positionals[0]), body.dump()));
  if (!r) return fail(ctx, r.error());
  return print_limits(ctx, *r);
}

int limits_delete_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("DELETE", limit_path(ctx.inv.positionals[0])));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) return print_limits(ctx, *r);
  ctx.out << "deleted limiter " << ctx.inv.positionals[0] << "\n";
  return 0;
}

}  // namespace sundial::ctl
