#include "workflows/notion/notion_route.h"

#include <chrono>
#include <ctime>
#include <deque>
#include <memory>

#include <spdlog/spdlog.h>

#include "connectors/notion/notion_client.h"
#include "connectors/notion/notion_properties.h"
#include "connectors/notion/notion_signature.h"
#include "engine/base/json_parse.h"

namespace sundial::webhooks {

namespace {

constexpr size_t kMaxHandshakeBytes = 4096;
constexpr size_t kMaxTokenBytes = 512;

// The verification requests received while no secret is set (loop thread
// only): anyone can post one, so every distinct token is kept with its
// sender, newest last, and the operator picks Notion's.
struct Handshake {
  struct Received {
    std::string token;
    std::string received_at;  // RFC 3339, UTC
    std::string from;         // the client address
  };
  static constexpr size_t kMaxTokens = 10;
  static constexpr int kMaxLogsPerMinute = 10;
  std::deque<Received> tokens;
  uint64_t requests = 0;
  // Log lines per minute are bounded: a flood of tokens cannot flood the log.
  std::chrono::steady_clock::time_point log_window;
  int logged = 0;

  bool may_log() {
    auto now = std::chrono::steady_clock::now();
    if (now - log_window > std::chrono::minutes(1)) {
      log_window = now;
      logged = 0;
    }
    return logged++ < kMaxLogsPerMinute;
  }
};

std::string utc_now_text() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The token of a verification request: a JSON object whose only member is
// a short printable `verification_token`.
std::optional<std::string> verification_token(const http::HttpRequest& request) {
  if (request.body.size() > kMaxHandshakeBytes) return std::nullopt;
  auto body = parse_json(request.body);
  if (!body || !body->is_object() || body->size() != 1) return std::nullopt;
  auto token = body->find("verification_token");
  if (token == body->end() || !token->is_string()) return std::nullopt;
  const std::string& text = token->get_ref<const std::string&>();
  bool printable =
      !text.empty() && text.size() <= kMaxTokenBytes &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  return printable ? std::optional<std::string>(text) : std::nullopt;
}

// Whether any id the parent names is the database or its data source.
bool watched(const std::vector<std::string>& parent, const std::string& database,
             const std::string& data_source) {
  return std::any_of(parent.begin(), parent.end(), [&](const std::string& id) {
    return (!database.empty() && notion::same_notion_id(id, database)) ||
           (!data_source.empty() && notion::same_notion_id(id, data_source));
  });
}

bool allowed(const NotionRollupSettings& s, const std::string& user) {
  return std::any_of(s.allow.begin(), s.allow.end(),
                     [&](const std::string& a) { return a == "*" || notion::same_notion_id(a, user); });
}

StartAction rollup_start(nlohmann::json input) {
  return StartAction{std::string(kNotionRollupWorkflow), std::nullopt, std::move(input)};
}

Result<std::string> page_id_of(const nlohmann::json& object, const char* what) {
  std::string id = object.is_object() && object.contains("id") && object["id"].is_string()
                       ? object["id"].get<std::string>()
                       : std::string();
  if (auto valid = check_notion_id(id, what); !valid) return std::unexpected(valid.error());
  return id;
}

// An integration webhook event: {id, type, entity {id, type}, data {parent}}.
Result<WebhookActions> map_event(const NotionRollupSettings& s, const nlohmann::json& body) {
  const std::string type = body["type"].get<std::string>();
  const nlohmann::json& entity = body["entity"];
  if (!entity.is_object() || entity.value("type", nlohmann::json()) != "page") {
    return WebhookActions{IgnoreAction{"event " + type + " is not about a page"}};
  }
  static const std::vector<std::string> kPageChanges = {"page.created", "page.properties_updated",
                                                        "page.undeleted", "page.moved", "page.deleted"};
  if (std::find(kPageChanges.begin(), kPageChanges.end(), type) == kPageChanges.end()) {
    return WebhookActions{IgnoreAction{"event " + type + " changes no property"}};
  }
  SUNDIAL_ASSIGN_OR_RETURN(std::string page, page_id_of(entity, "entity.id"));
  const nlohmann::json& data = body.contains("data") ? body["data"] : nlohmann::json();
  std::vector<std::string> parent = data.is_object() && data.contains("parent")
                                        ? notion::parent_ids(data["parent"])
                                        : std::vector<std::string>{};
  if (watched(parent, s.objectives_db_id, s.objectives_data_source_id)) {
    if (type == "page.deleted") return WebhookActions{IgnoreAction{"an objective was deleted"}};
    return WebhookActions{rollup_start({{"objective", page}, {"event", type}})};
  }
  if (watched(parent, s.tasks_db_id, s.tasks_data_source_id)) {
    return WebhookActions{rollup_start({{"task", page}, {"event", type}})};
  }
  return WebhookActions{
      IgnoreAction{"page " + page + " is in neither the objectives nor the tasks database"}};
}

// A database automation's "Send webhook": the page under `data`.
Result<WebhookActions> map_automation(const NotionRollupSettings& s, const nlohmann::json& data) {
  SUNDIAL_ASSIGN_OR_RETURN(std::string page, page_id_of(data, "data.id"));
  std::vector<std::string> parent = notion::parent_ids(data);
  if (watched(parent, s.objectives_db_id, s.objectives_data_source_id)) {
    return WebhookActions{rollup_start({{"objective", page}, {"event", "automation"}})};
  }
  if (!watched(parent, s.tasks_db_id, s.tasks_data_source_id)) {
    return WebhookActions{
        IgnoreAction{"page " + page + " is in neither the objectives nor the tasks database"}};
  }
  const nlohmann::json& properties = data.contains("properties") ? data["properties"] : nlohmann::json();
  auto people = properties.is_object() && properties.contains(s.people_property)
                    ? notion::people_ids(properties[s.people_property])
                    : std::nullopt;
  // The automation sent no assignee property: the workflow reads the page.
  if (!people) return WebhookActions{rollup_start({{"task", page}, {"event", "automation"}})};
  WebhookActions actions;
  for (const std::string& user : *people) {
    if (auto valid = check_notion_id(user, "assignee"); !valid) return std::unexpected(valid.error());
    if (allowed(s, user)) actions.push_back(rollup_start({{"assignee", user}}));
  }
  if (actions.empty()) {
    return WebhookActions{IgnoreAction{people->empty()
                                           ? "task " + page + " has no assignee"
                                           : "no assignee of task " + page + " is on the allow-list"}};
  }
  return actions;
}

// What one delivery asks of every workflow: the actions of each that acts,
// or, when none does, one acknowledgement with every reason. A mapping that
// refuses the delivery (a malformed id) does not stop another that acts on
// it; when none acts, the first refusal is the answer.
Result<WebhookActions> combined(std::vector<Result<WebhookActions>> answers) {
  WebhookActions acting;
  std::string reasons;
  std::optional<Error> refused;
  for (auto& answer : answers) {
    if (!answer) {
      if (!refused) refused = answer.error();
      continue;
    }
    for (auto& action : *answer) {
      if (auto* ignored = std::get_if<IgnoreAction>(&action)) {
        reasons += (reasons.empty() ? "" : "; ") + ignored->reason;
      } else {
        acting.push_back(std::move(action));
      }
    }
  }
  if (acting.empty() && refused) return std::unexpected(*refused);
  if (acting.empty()) return WebhookActions{IgnoreAction{reasons}};
  if (refused)
    spdlog::warn("Notion delivery: one workflow refused it ({}); the others act", refused->message);
  return acting;
}

StartAction sync_start(const std::string& page, const std::string& source, const std::string& event) {
  return StartAction{std::string(kNotionGitHubSyncWorkflow),
                     std::nullopt,
                     {{"page", page}, {"source", source}, {"event", event}}};
}

}  // namespace

namespace {

// A delivery about a page of one database: the page id, and the event
// type of an integration webhook ("page.properties_updated") or
// "automation" for a database automation's page. Nothing for any other
// delivery; an error for a malformed page id.
struct PageChange {
  std::string page;
  std::string event;
};
Result<std::optional<PageChange>> page_change_in(const nlohmann::json& body, const std::string& database,
                                                 const std::string& data_source) {
  if (!body.is_object()) return std::nullopt;
  if (body.contains("type") && body["type"].is_string() && body.contains("entity")) {
    std::string type = body["type"].get<std::string>();
    const nlohmann::json& entity = body["entity"];
    if (!entity.is_object() || entity.value("type", nlohmann::json()) != "page" || type.rfind("page.", 0) != 0) {
      return std::nullopt;
    }
    const nlohmann::json& data = body.contains("data") ? body["data"] : nlohmann::json();
    std::vector<std::string> parent = data.is_object() && data.contains("parent")
                                          ? notion::parent_ids(data["parent"])
                                          : std::vector<std::string>{};
    if (!watched(parent, database, data_source)) return std::nullopt;
    SUNDIAL_ASSIGN_OR_RETURN(std::string page, page_id_of(entity, "entity.id"));
    return PageChange{std::move(page), std::move(type)};
  }
  auto data = body.find("data");
  if (data == body.end() || !data->is_object() || data->value("object", nlohmann::json()) != "page") {
    return std::nullopt;
  }
  if (!watched(notion::parent_ids(*data), database, data_source)) return std::nullopt;
  SUNDIAL_ASSIGN_OR_RETURN(std::string page, page_id_of(*data, "data.id"));
  return PageChange{std::move(page), "automation"};
}

}  // namespace

Result<WebhookActions> map_sync_notion_delivery(const NotionGitHubSyncSettings& s,
                                                const nlohmann::json& body) {
  if (!s.enabled()) return WebhookActions{};
  SUNDIAL_ASSIGN_OR_RETURN(auto change, page_change_in(body, s.tasks_db_id, s.tasks_data_source_id));
  if (!change) return WebhookActions{};
  bool automation = change->event == "automation";
  return WebhookActions{sync_start(change->page, automation ? "automation" : "webhook", change->event)};
}

Result<WebhookActions> map_dependencies_notion_delivery(const NotionDependenciesSettings& d,
                                                        const nlohmann::json& body) {
  if (!d.enabled()) return WebhookActions{};
  SUNDIAL_ASSIGN_OR_RETURN(auto change, page_change_in(body, d.tasks_db_id, d.tasks_data_source_id));
  if (!change) return WebhookActions{};
  PublishRequest published;
  published.topic = d.topic;
  published.type = std::string(kTaskPropertiesUpdated);
  // One key per page however Notion spells its id (the id as sent when it
  // is not 32 hex digits).
  std::string canonical = notion::canonical_notion_id(change->page);
  published.key = canonical.empty() ? change->page : canonical;
  published.data = {{"page_id", published.key}, {"event", change->event}};
  return WebhookActions{PublishAction{std::move(published)}};
}

Result<WebhookActions> map_notion_delivery(const NotionRollupSettings& s, const nlohmann::json& body) {
  if (!body.is_object()) return WebhookActions{IgnoreAction{"not a Notion event"}};
  if (s.objectives_db_id.empty() || s.tasks_db_id.empty()) {
    return WebhookActions{IgnoreAction{
        "the Notion fan-out is not configured ([notion_rollup] objectives_db_id and tasks_db_id)"}};
  }
  if (body.contains("type") && body["type"].is_string() && body.contains("entity")) return map_event(s, body);
  auto data = body.find("data");
  if (data != body.end() && data->is_object() && data->value("object", nlohmann::json()) == "page") {
    return map_automation(s, *data);
  }
  return WebhookActions{IgnoreAction{"not a Notion page event"}};
}

WebhookRoute notion_route(const NotionRollupSettings& settings, const NotionGitHubSyncSettings& sync,
                          const NotionDependenciesSettings& dependencies, std::optional<std::string> webhook_secret,
                          std::optional<std::string> automation_secret) {
  WebhookRoute route;
  route.name = "notion";
  route.path = settings.webhook_path;
  route.verification = notion_verification(std::move(webhook_secret));
  route.alternative = shared_secret_verification(settings.automation_header, std::move(automation_secret));
  // Integration events carry an id that stays the same across retries.
  route.delivery_id = [](const http::HttpRequest&, const nlohmann::json& body) -> std::optional<std::string> {
    if (!body.is_object() || !body.contains("entity")) return std::nullopt;
    auto id = body.find("id");
    if (id == body.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
      return std::nullopt;
    return id->get<std::string>();
  };
  auto handshake = std::make_shared<Handshake>();
  bool secret_set = route.verification.secret.has_value();
  // Answered before the signature check, since Notion signs nothing before
  // it is verified. Never adopted; once a secret is set, not even kept.
  route.pre_verify = [handshake,
                      secret_set](const http::HttpRequest& request) -> std::optional<WebhookReply> {
    std::optional<std::string> token = verification_token(request);
    if (!token) return std::nullopt;
    ++handshake->requests;
    if (secret_set) {
      if (handshake->may_log()) {
        spdlog::info(
            "Notion webhook verification request from {} ignored: $NOTION_WEBHOOK_SECRET is set "
            "(unset it and restart to take a new subscription's token)",
            request.peer_ip);
      }
      return WebhookReply{200, {{"received", true}, {"recorded", false}}};
    }
    auto& tokens = handshake->tokens;
    bool known = std::any_of(tokens.begin(), tokens.end(), [&](const auto& t) { return t.token == *token; });
    if (!known) {
      tokens.push_back({*token, utc_now_text(), request.peer_ip});
      if (tokens.size() > Handshake::kMaxTokens) tokens.pop_front();
      if (handshake->may_log()) {
        spdlog::warn(
            "Notion webhook verification token received from {}: {} — paste it into Notion's Verify dialog, "
            "then set $NOTION_WEBHOOK_SECRET (or [notion] secret_env) to it and restart sundiald; also at "
            "GET /api/v1/webhooks/notion/verification",
            request.peer_ip, *token);
      }
    }
    return WebhookReply{200, {{"received", true}, {"recorded", true}}};
  };
  route.verification_status = [handshake, secret_set] {
    nlohmann::json received = nlohmann::json::array();
    for (auto it = handshake->tokens.rbegin(); it != handshake->tokens.rend(); ++it) {
      received.push_back(
          {{"verification_token", it->token}, {"received_at", it->received_at}, {"from", it->from}});
    }
    const auto* newest = handshake->tokens.empty() ? nullptr : &handshake->tokens.back();
    return nlohmann::json{{"verification_token", newest ? nlohmann::json(newest->token) : nullptr},
                          {"received_at", newest ? nlohmann::json(newest->received_at) : nullptr},
                          {"from", newest ? nlohmann::json(newest->from) : nullptr},
                          {"tokens", std::move(received)},
                          {"requests", handshake->requests},
                          {"secret_configured", secret_set}};
  };
  route.map = [settings, sync, dependencies](const nlohmann::json& body,
                                             const http::HttpRequest&) -> Result<WebhookActions> {
    if (!sync.enabled() && !dependencies.enabled()) return map_notion_delivery(settings, body);
    std::vector<Result<WebhookActions>> answers;
    answers.push_back(map_notion_delivery(settings, body));
    answers.push_back(map_sync_notion_delivery(sync, body));
    answers.push_back(map_dependencies_notion_delivery(dependencies, body));
    return combined(std::move(answers));
  };
  return route;
}

}  // namespace sundial::webhooks
