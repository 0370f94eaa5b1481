// libFuzzer target: a webhook delivery after the HTTP layer — signature
// verification (connectors/signing: the HMAC schemes, and Stripe's and
// Standard Webhooks' headers, which are parsed from untrusted text), body decoding (JSON or form) and
// the Cal.com, signup, Notion and GitHub routes' mappings to engine commands
// (Notion's also with its verification handshake). A correct
// signature must verify and a wrong one must not; a bad body is a 4xx JSON
// answer; whatever a mapping returns must be encodable, since its commands
// are journaled.
//
// Input: one flags byte, then (signature mode 3) the signature header up
// to the first newline, then the body.
#include <cctype>
#include <string>
#include <variant>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "connectors/signing/webhook_signature.h"
#include "server/webhooks/webhook_body.h"
#include "server/webhooks/webhook_handler.h"
#include "tests/fuzz/fuzz_support.h"
#include "workflows/notion/github_route.h"
#include "workflows/notion/notion_route.h"
#include "workflows/nurture/signup_route.h"
#include "workflows/reminders/calcom_route.h"

namespace {

using namespace sundial;
using sundial::fuzz::encodable;
using sundial::fuzz::encodable_json;

constexpr const char* kSecret = "whsec_fuzz";
constexpr const char* kContentTypes[] = {"application/json", "application/x-www-form-urlencoded",
                                         "Application/JSON; charset=utf-8", "text/plain"};

const webhooks::WebhookRoute& route(bool calcom) {
  static const auto* calcom_route = new webhooks::WebhookRoute(
      webhooks::calcom_route("/webhooks/calcom", std::string(kSecret), {24 * kHourMs, kHourMs}));
  static const auto* signup_route =
      new webhooks::WebhookRoute(webhooks::signup_route("/webhooks/signup", {0, kDayMs, 3 * kDayMs}));
  return calcom ? *calcom_route : *signup_route;
}

// The Notion ↔ GitHub sync, on the same Tasks database as the fan-out.
const NotionGitHubSyncSettings& sync_settings() {
  static const auto* settings = [] {
    auto* g = new NotionGitHubSyncSettings;
    g->tasks_db_id = "1d2e8dc3-9101-4a29-835f-e03076166f43";
    g->repo = "acme/app";
    g->github_login = "sundial-bot";
    return g;
  }();
  return *settings;
}

// The dependencies' rescheduling, on the same Tasks database too.
NotionDependenciesSettings dependencies_settings() {
  NotionDependenciesSettings d;
  d.tasks_db_id = "1d2e8dc3-9101-4a29-835f-e03076166f43";
  return d;
}

const webhooks::WebhookRoute& notion_route() {
  static const auto* route = [] {
    NotionRollupSettings s;
    s.objectives_db_id = "0c1f7cb2-8090-4f18-924e-d92965055e32";
    s.tasks_db_id = "1d2e8dc3-9101-4a29-835f-e03076166f43";
    s.tasks_data_source_id = "ds-tasks";
    s.allow = {"*"};
    return new webhooks::WebhookRoute(
        webhooks::notion_route(s, sync_settings(), dependencies_settings(), std::string(kSecret),
                               std::string(kSecret)));
  }();
  return *route;
}

void check_answer(const http::HttpResponse& answer) {
  FUZZ_CHECK(answer.status >= 400 && answer.status < 500);
  FUZZ_CHECK(nlohmann::json::parse(answer.body, nullptr, false).is_object());
}

void check_action(const webhooks::WebhookAction& action) {
  std::visit(
      [](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, webhooks::StartAction>) {
          FUZZ_CHECK(encodable(a.workflow_type) && encodable_json(a.input));
          if (a.instance_id) FUZZ_CHECK(encodable(*a.instance_id));
        } else if constexpr (std::is_same_v<A, webhooks::SignalAction>) {
          FUZZ_CHECK(encodable(a.instance_id) && encodable(a.signal) && encodable_json(a.payload));
        } else if constexpr (std::is_same_v<A, webhooks::CancelAction>) {
          FUZZ_CHECK(encodable(a.instance_id) && encodable(a.reason));
        } else if constexpr (std::is_same_v<A, webhooks::EnqueueAction>) {
          FUZZ_CHECK(encodable(a.task.queue) && encodable(a.task.type) && encodable_json(a.task.payload));
        } else if constexpr (std::is_same_v<A, webhooks::PublishAction>) {
          FUZZ_CHECK(check_publish(a.event).has_value());
        } else {
          FUZZ_CHECK(encodable(a.reason));
        }
      },
      action);
}

// The timestamped schemes on `body`: the right header verifies, one changed
// digit never does, and the untrusted `text` as the header only parses.
void check_timestamped(const std::string& body, const std::string& text) {
  constexpr TimeMs kNow = 1767225600000;
  const std::string seconds = std::to_string(kNow / 1000);
  http::HttpRequest r;
  r.body = body;
  WebhookVerification stripe = stripe_verification(std::string(kSecret));
  std::string v1 = hmac_sha256_hex(kSecret, seconds + "." + body);
  r.headers = {{"stripe-signature", "t=" + seconds + ",v1=" + v1}};
  FUZZ_CHECK(signature_is_valid(stripe, r, kNow));
  v1[0] = v1[0] == '0' ? '1' : '0';
  r.headers = {{"stripe-signature", "t=" + seconds + ",v1=" + v1}};
  FUZZ_CHECK(!signature_is_valid(stripe, r, kNow));
  r.headers = {{"stripe-signature", text}};
  (void)check_signature(stripe, r, kNow);

  const std::string key = "fuzz-key";
  WebhookVerification standard = standard_webhooks_verification("whsec_" + base64_encode(key));
  std::string sig = base64_encode(hmac_sha256(key, "msg_1." + seconds + "." + body));
  r.headers = {{"webhook-id", "msg_1"}, {"webhook-timestamp", seconds}, {"webhook-signature", "v1," + sig}};
  FUZZ_CHECK(signature_is_valid(standard, r, kNow));
  r.headers.back().second = "v1," + sig + "x";
  FUZZ_CHECK(!signature_is_valid(standard, r, kNow));
  r.headers.back().second = text;
  (void)check_signature(standard, r, kNow);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.byte();
  const bool calcom = (flags & 4) != 0;
  const int signature_mode = (flags >> 3) & 3;
  http::HttpRequest request;
  request.method = "POST";
  request.peer_ip = "192.0.2.1";
  request.headers.emplace_back("content-type", kContentTypes[flags & 3]);
  std::string signature;
  if (signature_mode == 3) signature = in.until("\n");
  request.body = in.rest();
  const webhooks::WebhookRoute& r = route(calcom);
  request.path = r.path;

  // Signatures: the right one verifies in any hex case; a changed one never.
  std::string good = hmac_sha256_hex(kSecret, request.body);
  if (signature_mode == 1) signature = good;
  if (signature_mode == 2) {
    for (char& c : good) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    signature = good;
  }
  if (signature_mode != 0) request.headers.emplace_back("x-cal-signature-256", signature);
  bool valid = webhooks::signature_is_valid(r.verification, request, /*now_ms=*/0);
  if (r.verification.scheme != webhooks::SignatureScheme::kNone) {
    if (signature_mode == 1 || signature_mode == 2) FUZZ_CHECK(valid);
    if (signature_mode == 0) FUZZ_CHECK(!valid);
    FUZZ_CHECK(verify_hmac_signature(kSecret, request.body, "sha256=" + good, "sha256="));
    std::string wrong = good;
    wrong[wrong.size() / 2] = wrong[wrong.size() / 2] == '0' ? '1' : '0';
    FUZZ_CHECK(!verify_hmac_signature(kSecret, request.body, wrong));
    FUZZ_CHECK(!verify_hmac_signature(kSecret, request.body, good, "sha256="));
  }
  check_timestamped(request.body, signature);
  if (r.pre_verify) {
    if (auto answer = r.pre_verify(request)) return 0;
  }

  auto body = webhooks::decode_webhook_body(request);
  if (!body) {
    check_answer(body.error());
    return 0;
  }
  FUZZ_CHECK(encodable_json(*body));
  const webhooks::WebhookRoute& notion = notion_route();
  if (!notion.pre_verify(request)) {
    auto notion_actions = notion.map(*body, request);
    if (notion_actions) {
      for (const auto& action : *notion_actions) check_action(action);
    } else {
      FUZZ_CHECK(notion_actions.error().code == ErrorCode::kInvalidArgument);
    }
    if (auto id = notion.delivery_id(request, *body)) FUZZ_CHECK(encodable(*id));
  }
  for (const char* event : {"issues", "pull_request"}) {
    auto github_actions = webhooks::map_github_delivery(sync_settings(), event, *body);
    FUZZ_CHECK(github_actions.has_value());  // a GitHub delivery is never refused, only ignored
    for (const auto& action : *github_actions) check_action(action);
  }
  auto actions = r.map(*body, request);
  if (!actions) {
    FUZZ_CHECK(actions.error().code == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(encodable(actions.error().message));
    return 0;
  }
  for (const auto& action : *actions) check_action(action);
  if (r.delivery_id) {
    if (auto id = r.delivery_id(request, *body)) FUZZ_CHECK(encodable(*id));
  }
  return 0;
}
