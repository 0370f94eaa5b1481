#include "workflows/lua/script_subscriptions.h"

#include "workflows/lua/script_declarations.h"

namespace sundial::lua {

namespace {

Error subscriptions_error(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// The fields of the script's own start that an entry may give beside the
// subscription's.
constexpr const char* kStartFields[] = {"concurrency", "id_reuse", "instance_id"};

}  // namespace

Result<std::vector<SubscriptionSpec>> script_subscriptions(const LuaScript& script) {
  SUNDIAL_ASSIGN_OR_RETURN(nlohmann::json declared,
                           declared_table(script, "subscriptions", "subscription", kMaxScriptSubscriptions));
  std::vector<SubscriptionSpec> specs;
  if (declared.is_null()) return specs;
  for (auto& [id, entry] : declared.items()) {
    std::string where = script.chunkname() + ": subscription '" + id + "': ";
    if (!entry.is_object()) return std::unexpected(subscriptions_error(where + "must be a table"));
    if (entry.contains("id"))
      return std::unexpected(subscriptions_error(where + "its id is its key: no id field"));
    nlohmann::json body = entry;
    body["id"] = id;
    if (!body.contains("action")) {
      nlohmann::json start = {{"type", script.type()}};
      for (const char* field : kStartFields) {
        if (!body.contains(field)) continue;
        start[field == std::string_view("instance_id") ? "id" : field] = body[field];
        body.erase(field);
      }
      body["action"] = {{"start", std::move(start)}};
    } else {
      for (const char* field : kStartFields) {
        if (body.contains(field)) {
          return std::unexpected(subscriptions_error(
              where + field + " is for the script's own start; an action has its own fields"));
        }
      }
    }
    auto spec = parse_subscription_spec(body);
    if (!spec) return std::unexpected(subscriptions_error(where + spec.error().message));
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace sundial::lua
