// POST /webhooks/github: GitHub's issue and pull request events for the
// Notion ↔ GitHub sync (notion_module.h, notion_github_sync.lua), each
// mapped onto a start of the sync of the Notion page the issue or pull
// request was made for. The page is found by the marker Sundial put in the
// body it wrote ("<!-- sundial:notion-page:<id> -->"); an issue without
// one is not Sundial's, and is acknowledged and ignored.
//
// Verified with X-Hub-Signature-256 ($GITHUB_WEBHOOK_SECRET, [github]
// secret_env); deduped by X-GitHub-Delivery (a redelivery keeps it).
// Acknowledged and ignored, with the reason: `ping`; other event types;
// actions that change nothing the sync reads; another repository; and a
// delivery whose sender is [notion_github_sync] github_login — a change
// Sundial made itself. (Without github_login, such an echo still starts a
// page run, which finds nothing changed against its snapshot.)
//
// Threading: the route runs on the loop thread.
#pragma once

#include <optional>
#include <string>

#include "workflows/module/webhook_route.h"
#include "workflows/notion/notion_module.h"

namespace sundial::webhooks {

WebhookRoute github_route(const NotionGitHubSyncSettings& sync, std::optional<std::string> webhook_secret);

// What a delivery of event `event` (X-GitHub-Event) asks for (exposed for
// tests and the fuzzer).
Result<WebhookActions> map_github_delivery(const NotionGitHubSyncSettings& sync, const std::string& event,
                                           const nlohmann::json& body);

// The Notion page id in a body Sundial wrote, if any.
std::optional<std::string> notion_page_marker(const std::string& body);

}  // namespace sundial::webhooks
