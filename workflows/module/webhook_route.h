// WebhookRoute: what one webhook endpoint is — a path, how deliveries are
// verified (a provider's signature scheme from connectors/), how repeats
// are recognised, whether it is public (rate limited per client IP), and
// how a delivery maps to engine commands. A plain value that can be built
// at runtime: a workflow module adds its routes when it starts
// (workflow_module.h; the Cal.com route is workflows/reminders/
// calcom_route.cc), and server/webhooks only runs them (webhook_handler.h).
//
// Threading: immutable once built; shared by the handler.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/http/inbound_request.h"
#include "connectors/signing/webhook_signature.h"
#include "engine/base/error.h"
#include "engine/model/concurrency.h"
#include "engine/model/id_reuse.h"
#include "engine/tasks/task_model.h"
#include "engine/topics/topic_event.h"

namespace sundial::webhooks {

// The providers' signature schemes (connectors/signing/webhook_signature.h),
// under the names routes use.
using SignatureScheme = sundial::SignatureScheme;
using Verification = WebhookVerification;
using sundial::check_signature;
using sundial::signature_is_valid;

struct StartAction {
  std::string workflow_type;
  std::optional<std::string> instance_id;
  nlohmann::json input = nlohmann::json::object();
  // Runs at most `limit` starts with the key at once (docs/flow-control.md).
  std::optional<ConcurrencySpec> concurrency = std::nullopt;
  // Whether a finished `instance_id` runs again (a per-key recompute).
  IdReuse id_reuse = IdReuse::kReject;
};

struct SignalAction {
  std::string instance_id;
  std::string signal;
  nlohmann::json payload;
  // An optional signal is skipped when its instance does not exist or has
  // finished (e.g. "booked" to a nurture that may not run).
  bool optional = false;
};

// Cancels an instance; one that does not exist or already finished is
// left as it is (a redelivered cancellation).
struct CancelAction {
  std::string instance_id;
  std::string reason;
};

// Enqueues a task (docs/tasks.md). A redelivery enqueues nothing more: the
// task's id is derived from the delivery's dedupe key.
struct EnqueueAction {
  TaskSpec task;
};

// Publishes an event to a topic of the event bus (docs/events.md). A
// redelivery publishes nothing more: the event's id, unless the mapping
// gives one, is derived from the delivery's dedupe key.
struct PublishAction {
  PublishRequest event;
};

// A delivery the route acknowledges without acting (other event types).
struct IgnoreAction {
  std::string reason;
};

using WebhookAction =
    std::variant<StartAction, SignalAction, CancelAction, EnqueueAction, PublishAction, IgnoreAction>;
// A delivery's commands, run in order, each after the previous is durable.
using WebhookActions = std::vector<WebhookAction>;

// The provider's id of a delivery, if it sends one (from a header or the
// body); deliveries without one are deduped by the SHA-256 of the body.
using DeliveryIdFn =
    std::function<std::optional<std::string>(const http::HttpRequest&, const nlohmann::json&)>;

// An answer a route sends itself: `status` with `body` as JSON.
struct WebhookReply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
};

// Answers a request before verification when the provider needs it (a
// verification handshake); nullopt lets the request go on.
using PreVerifyFn = std::function<std::optional<WebhookReply>(const http::HttpRequest&)>;

struct WebhookRoute {
  std::string name;  // "calcom": logs, metrics and dedupe keys
  std::string path;  // "/webhooks/calcom"
  Verification verification;
  // A second way in, for a provider that delivers two ways (Notion: signed
  // integration webhooks, and database automations that carry a shared
  // secret header): used when the request lacks `verification`'s header
  // and carries this one's.
  std::optional<Verification> alternative;
  bool public_route = false;  // rate limited per client IP
  DeliveryIdFn delivery_id;   // optional
  PreVerifyFn pre_verify;     // optional
  // What the route learned from its provider's handshake (Notion's
  // verification token), for GET /api/v1/webhooks/{name}/verification.
  // Optional; called on the loop thread.
  std::function<nlohmann::json()> verification_status;
  // Where a browser goes after a delivery it posted succeeded: a form post
  // (application/x-www-form-urlencoded) or a request whose Accept names
  // text/html gets 303 See Other to this absolute http(s) URL instead of
  // the JSON answer (server/webhooks/browser_answer.h). Empty (the
  // default): every client gets JSON. Errors are answered as usual (4xx).
  std::string browser_redirect;
  // The engine commands for a delivery; an error is answered like an
  // engine error (invalid_argument → 400).
  std::function<Result<WebhookActions>(const nlohmann::json& body, const http::HttpRequest&)> map;
};

// A route path from the config (`[nurture] signup_path`): it follows the
// rules of a Lua trigger's path (lua/trigger_declaration.h: "/" and
// segments of A-Z a-z 0-9 . _ ~ -, not under /api/); else invalid_argument
// "<key>: path '<path>' <why>".
Result<void> check_route_path(std::string_view path, std::string_view key);

// A redirect target from the config (`[nurture] thank_you_url`): an
// absolute http:// or https:// URL with a host, at most 2048 bytes of
// printable ASCII (no space, control or non-ASCII byte: percent-encode
// them), no user info. Else invalid_argument "<key>: '<url>' <why>".
Result<void> check_redirect_url(std::string_view url, std::string_view key);

DeliveryIdFn delivery_id_from_header(std::string lower_case_name);
// A string or number at a JSON pointer in the body ("/id").
DeliveryIdFn delivery_id_from_field(std::string json_pointer);

}  // namespace sundial::webhooks
