#include "workflows/notion/github_route.h"

#include <algorithm>
#include <array>

#include "connectors/github/github_signature.h"
#include "connectors/notion/notion_client.h"
#include "engine/base/json_fields.h"
#include "engine/base/text.h"

namespace sundial::webhooks {

namespace {

constexpr std::string_view kMarkerStart = "<!-- sundial:notion-page:";
// The actions whose change a page run reads (state, merge, draft).
constexpr std::array<std::string_view, 3> kIssueActions = {"closed", "reopened", "deleted"};
constexpr std::array<std::string_view, 4> kPullActions = {"closed", "reopened", "ready_for_review",
                                                          "converted_to_draft"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::optional<std::string> notion_page_marker(const std::string& body) {
  auto at = body.find(kMarkerStart);
  if (at == std::string::npos) return std::nullopt;
  auto begin = at + kMarkerStart.size();
  auto end = body.find(" -->", begin);
  if (end == std::string::npos) return std::nullopt;
  std::string id = body.substr(begin, end - begin);
  if (!check_notion_id(id, "marker")) return std::nullopt;
  return id;
}

Result<WebhookActions> map_github_delivery(const NotionGitHubSyncSettings& s, const std::string& event,
                                           const nlohmann::json& body) {
  if (event == "ping") return WebhookActions{IgnoreAction{"ping: the webhook is set up"}};
  if (!body.is_object()) return WebhookActions{IgnoreAction{"not a GitHub event"}};
  if (event != "issues" && event != "pull_request") {
    return WebhookActions{IgnoreAction{"event " + event.substr(0, 64) + " is not one the sync reads"}};
  }
  const nlohmann::json& repository = body.contains("repository") ? body["repository"] : nlohmann::json();
  std::string repo = string_field(repository, "full_name");
  if (ascii_lower(repo) != ascii_lower(s.repo)) {
    return WebhookActions{IgnoreAction{"repository " + repo + " is not the synced one"}};
  }
  const nlohmann::json& sender = body.contains("sender") ? body["sender"] : nlohmann::json();
  if (!s.github_login.empty() && ascii_lower(string_field(sender, "login")) == ascii_lower(s.github_login)) {
    return WebhookActions{IgnoreAction{"a change Sundial made (sender " + s.github_login + ")"}};
  }
  std::string action = string_field(body, "action");
  bool issue = event == "issues";
  if (issue ? !one_of(kIssueActions, action) : !one_of(kPullActions, action)) {
    return WebhookActions{
        IgnoreAction{event + "." + action.substr(0, 64) + " changes nothing the sync reads"}};
  }
  const nlohmann::json& item = body.contains(issue ? "issue" : "pull_request")
                                   ? body[issue ? "issue" : "pull_request"]
                                   : nlohmann::json();
  std::optional<std::string> page = notion_page_marker(string_field(item, "body"));
  if (!page) return WebhookActions{IgnoreAction{"no Notion page marker: not an issue Sundial opened"}};
  return WebhookActions{
      StartAction{std::string(kNotionGitHubSyncWorkflow),
                  std::nullopt,
                  {{"page", *page}, {"source", "github"}, {"event", event + "." + action}}}};
}

WebhookRoute github_route(const NotionGitHubSyncSettings& sync, std::optional<std::string> webhook_secret) {
  WebhookRoute route;
  route.name = "github";
  route.path = sync.github_webhook_path;
  route.verification = github_verification(std::move(webhook_secret));
  route.delivery_id = delivery_id_from_header("x-github-delivery");
  route.map = [sync](const nlohmann::json& body, const http::HttpRequest& request) {
    const std::string* event = request.header("x-github-event");
    return map_github_delivery(sync, event == nullptr ? "" : *event, body);
  };
  return route;
}

}  // namespace sundial::webhooks
