// POST /webhooks/notion: Notion's two ways of delivering a change, mapped
// onto starts of the "notion_rollup" workflow and, when it is configured,
// of the "notion_github_sync" workflow (notion_module.h).
//
//  - Integration webhooks (PROVIDERS.md 3.6). The subscription's one-time
//    verification request {"verification_token": "..."} is answered 200
//    before any signature check. While no secret is set, each distinct
//    token is logged and kept in memory with its sender (the last 10) for
//    GET /api/v1/webhooks/notion/verification — anyone can post one, so
//    the operator picks Notion's; it is never adopted: the operator pastes
//    it into Notion and sets NOTION_WEBHOOK_SECRET to it. Once a secret is
//    set, verification requests are answered and not kept.
//    Later deliveries carry X-Notion-Signature: sha256=<hex HMAC-SHA256 of
//    the raw body under that token>; their event id dedupes redeliveries.
//  - Database automations' "Send webhook": the page object under `data`,
//    with no signature; authenticated by a shared secret header
//    ([notion_rollup] automation_header, the value from
//    automation_secret_env). Deduped by the body's SHA-256.
//
// A page of the Objectives database starts a fan-out for that objective;
// a page of the Tasks database starts the recompute of its assignees
// (from the automation's page, or read by the workflow for an integration
// event, which carries no properties). Anything else — another database,
// another event type, the fan-out not configured — is acknowledged and
// ignored, with the reason. A page of the sync's Tasks database starts
// the sync of that page (it reads the page itself); a page of the
// dependencies' Tasks database ([notion_dependencies]) publishes
// TaskPropertiesUpdated {page_id, event} with the page as its key to the
// dependencies' topic, where their subscriptions pick it up. A delivery
// several features want does each one's part.
//
// Threading: the route runs on the loop thread; its handshake state is
// shared by the route's copies (loop thread only).
#pragma once

#include <optional>
#include <string>

#include "workflows/module/webhook_route.h"
#include "workflows/notion/notion_module.h"

namespace sundial::webhooks {

WebhookRoute notion_route(const NotionRollupSettings& settings, const NotionGitHubSyncSettings& sync,
                          const NotionDependenciesSettings& dependencies, std::optional<std::string> webhook_secret,
                          std::optional<std::string> automation_secret);

// What a delivery asks of each workflow (exposed for tests and the fuzzer).
Result<WebhookActions> map_notion_delivery(const NotionRollupSettings& settings, const nlohmann::json& body);
Result<WebhookActions> map_sync_notion_delivery(const NotionGitHubSyncSettings& sync,
                                                const nlohmann::json& body);
Result<WebhookActions> map_dependencies_notion_delivery(const NotionDependenciesSettings& dependencies,
                                                        const nlohmann::json& body);

}  // namespace sundial::webhooks
