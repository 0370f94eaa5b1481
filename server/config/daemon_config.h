// DaemonConfig: every setting of sundiald with its default — the server's
// here, each workflow family's with the family (workflows/modules.h).
// The TOML file (config_file.h) and the flags (daemon_args.h) only change
// these; docs/configuration.md lists them. Secrets are never stored here:
// only the names of the environment variables that hold them.
//
// Threading: a plain value, built at start-up.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/github/github_client.h"
#include "connectors/notion/notion_client.h"
#include "connectors/resend/resend_client.h"
#include "engine/base/clock.h"
#include "engine/base/json_parse.h"
#include "engine/flow/limiters.h"
#include "engine/options.h"
#include "engine/schedules/schedule_spec.h"
#include "engine/topics/subscription_spec.h"
#include "workflows/lua/sandbox.h"
#include "workflows/module/webhook_secrets.h"
#include "workflows/modules.h"

namespace sundial {

struct ServerSettings {
  // Default: 127.0.0.1:8080. Port 0 picks a free port (logged).
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  // Default: SUNDIAL_ADMIN_TOKEN. The variable holding the admin bearer token.
  std::string admin_token_env = "SUNDIAL_ADMIN_TOKEN";
  // Default: SUNDIAL_WORKER_TOKEN. The variable holding the worker bearer
  // token, which may only claim tasks and heartbeat, complete or fail them.
  std::string worker_token_env = "SUNDIAL_WORKER_TOKEN";
  // The read-only token: reads and stream tokens only (server/api/auth.h).
  std::string viewer_token_env = "SUNDIAL_VIEWER_TOKEN";
  // Default: "admin", "viewer", "worker". What the audit log calls each
  // token (server/api/audit_trail.h): the team or system that holds it.
  std::string admin_token_name = "admin";
  std::string viewer_token_name = "viewer";
  std::string worker_token_name = "worker";
  // Default: 1 MiB. Larger bodies get 413.
  size_t max_body_bytes = 1 << 20;
  // Default: 16 KiB. Larger request lines + headers get 431.
  size_t max_header_bytes = 16 << 10;
  // Default: 1024. Connections beyond it get 503 and are closed.
  size_t max_connections = 1024;
  // Default: 60s. A keep-alive connection with no request is closed.
  DurationMs idle_timeout = 60 * kSecondMs;
  // Default: 10s. A request must arrive completely within it (else 408).
  DurationMs read_timeout = 10 * kSecondMs;
  // Default: 10s. How long SIGTERM waits for in-flight answers.
  DurationMs shutdown_timeout = 10 * kSecondMs;
  // Default: "text". "json" logs one JSON object per line.
  std::string log_format = "text";
  // Default: "info". trace, debug, info, warn, error; "warning" is read as
  // "warn", the canonical name (parse_log_level).
  std::string log_level = "info";
  // Default: true. One log line per answered request.
  bool access_log = true;
  // Default: 10 per second (the product's stated rate per client), bursts
  // of 20. Per client IP on public webhooks.
  double webhook_rate_per_second = 10.0;
  double webhook_burst = 20.0;
  // Default: 64. JSON bodies (API, webhooks) nested deeper get 400; at most 512.
  size_t max_json_depth = kDefaultMaxJsonDepth;
  // Default: 1 MiB. Answers queued for one client before its connection
  // stops reading (and dispatching its pipelined requests) until it drains.
  size_t max_queued_output_bytes = 1 << 20;
  // Default: 256. Open connections per client address (after
  // trusted_proxies); more get 429. Generous: workers long-poll.
  size_t max_connections_per_client = 256;
  // Default: 16 (at most half of max_connections). The last connection
  // slots, kept for /healthz and /readyz; other requests on them get 503.
  size_t reserved_connections = 16;
  // Default: 64 MiB (never below max_body_bytes). Bytes of request bodies
  // being received at once over all connections; past it 503 + Retry-After.
  size_t max_body_bytes_in_flight = 64 << 20;
  // Default: none. CIDRs of reverse proxies whose X-Forwarded-For or
  // Forwarded header names the client (e.g. ["10.0.0.0/8", "::1"]).
  std::vector<std::string> trusted_proxies;
  // Default: none (no CORS headers). Origins whose pages may call the API
  // ("https://app.example.com"), or ["*"] (docs/events.md, "CORS").
  std::vector<std::string> cors_origins;
};

struct ResendSettings {
  // base_url, rate_per_second, burst, timeout: their defaults are the
  // connector's own (connectors/resend/resend_client.h). The API key is
  // filled from the environment at start-up, never from the file.
  ResendOptions client;
  // Default: RESEND_API_KEY. Unset: emails are logged, not sent.
  std::string api_key_env = "RESEND_API_KEY";
  // Default: "Team <hello@example.com>".
  std::string from = "Team <hello@example.com>";
};

// [workflows]: the Lua workflow scripts (docs/lua.md).
struct WorkflowsSettings {
  // Default: none. A directory of `<type>.lua` scripts, loaded after the
  // scripts shipped with Sundial (a file there replaces a shipped type),
  // reloaded when a file changes and on SIGHUP.
  std::string dir;
  // Default: true. Whether the scripts shipped with Sundial load.
  bool shipped = true;
  // Default: ["*"] (public hosts only). Where ctx:http may connect
  // (connectors/http/outbound_policy.h).
  std::vector<std::string> http_allow = {"*"};
  // Default: 1 MiB. A larger answer fails the ctx:http step.
  size_t http_max_response_bytes = 1u << 20;
  // Default: none. The environment variables ctx:secret may name.
  std::vector<std::string> secrets;
  // Default: none (ctx:email fails). The .tmpl files ctx:email renders.
  std::string templates_dir;
  // Default: resend.from. The sender of ctx:email.
  std::string email_from;
  // The sandbox's limits (workflows/lua/sandbox.h; docs/lua.md, "Limits"):
  // instructions_per_activation, memory_per_activation, memory_per_state,
  // max_json_bytes, max_journal_entries.
  lua::LuaLimits limits;
  // Default: 100,000. Lua instructions one webhook trigger's map may run.
  int64_t map_instructions = 100'000;
  // [workflows.<type>]: each workflow's own section, read as ctx.config.
  std::map<std::string, nlohmann::json> type_config;
};

// [alerts]: the alert hook (docs/operations.md, "Alerts"). Without the
// table (no url) nothing is sent. Checked at start-up (check_alert_settings).
struct AlertSettings {
  // Whether the file has an [alerts] table (then url is required).
  bool configured = false;
  // Default: none (no alerts). Where messages are POSTed: http:// or https://.
  std::string url;
  // Default: SUNDIAL_ALERTS_SECRET. The variable holding the signing
  // secret; it must be set when url is.
  std::string secret_env = "SUNDIAL_ALERTS_SECRET";
  // Default: 60s, at least 1s. The grouping window: the first alert after a
  // quiet window goes at once, later ones wait for the window's end.
  DurationMs interval = 60 * kSecondMs;
  // Default: 5 (1 to 20). Delivery attempts per message.
  int64_t max_attempts = 5;
  // Default: 1s. The wait before the first retry, doubling up to interval.
  DurationMs retry_backoff = kSecondMs;
  // Default: 10s. One delivery attempt, connect included.
  DurationMs timeout = 10 * kSecondMs;
  // Default: 16 (1 to 1000). Messages kept while the receiver is down;
  // past it the oldest waiting one is dropped.
  int64_t max_pending = 16;
};

// The workflow families' settings (config.nurture, config.reminders, ...)
// come from the one list of families (workflows/modules.h): each declares
// its own with its defaults and its tables.
struct DaemonConfig : BuiltinModules::Settings {
  ServerSettings server;
  // [storage]: path → data_dir, retention, idempotency_window, event_log_capacity.
  // [audit]: retention, max_entries → engine.audit.
  EngineOptions engine;
  ResendSettings resend;
  // [notion]: base_url, token_env (default NOTION_TOKEN; the token itself
  // is read from the environment at start-up), version, rate_per_second,
  // burst, timeout — defaults are the connector's own
  // (connectors/notion/notion_client.h). ctx:notion uses it.
  NotionOptions notion;
  // [github]: base_url, token_env (default GITHUB_TOKEN, read at start-up),
  // api_version, user_agent, rate_per_second, burst, timeout — defaults are
  // the connector's (connectors/github/github_client.h). ctx:github uses it.
  GitHubOptions github;
  // [calcom], [github], [notion] secret_env (workflows/module/webhook_secrets.h).
  WebhookSecretSettings webhooks;
  WorkflowsSettings workflows;
  AlertSettings alerts;
  // [queues.<name>] max_in_flight = N: applied to each queue at every start
  // (docs/tasks.md), like PUT /api/v1/queues/{queue}.
  std::map<std::string, uint32_t> queue_max_in_flight;
  // [limits.<name>] rate = R, burst = B: the shared rate limiters steps name
  // (docs/flow-control.md, "Rate limiters").
  std::map<std::string, LimiterSpec> limits;
  // [schedules.<id>]: schedules declared in the file (docs/schedules.md),
  // made, changed or deleted to match at every start.
  std::vector<ScheduleSpec> schedules;
  // [subscriptions.<id>]: event-bus subscriptions declared in the file
  // (docs/events.md), made, changed or deleted to match at every start.
  std::vector<SubscriptionSpec> subscriptions;
};

// Each `[workflows.<type>] send_window` (a name of [send_windows.<name>]
// or a table) as config.engine.send_windows.by_type, and in the type's
// section as the window's JSON form (a name resolved); invalid_argument
// naming the table for one that does not read. Run once every file is
// applied (a named window may come after the type that names it).
Result<void> resolve_type_send_windows(DaemonConfig& config);

// "host:port" → host and port; IPv6 as "[::1]:8080".
Result<void> parse_listen_address(std::string_view text, std::string& host, int& port);

// A log level as the file or --log-level gives it → its canonical name:
// trace, debug, info, warn (also spelled "warning"), error.
Result<std::string> parse_log_level(std::string_view text);

// What is wrong with [alerts], naming the key: a table without url, a url
// that is not http(s), the secret's variable unset (read with `read_secret`).
Result<void> check_alert_settings(const AlertSettings& alerts,
                                  const std::function<std::optional<std::string>(const std::string&)>& read_secret);

// The value of environment variable `name`; nullopt when unset or empty.
std::optional<std::string> secret_from_env(const std::string& name);

}  // namespace sundial
