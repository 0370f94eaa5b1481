// topics: the event bus at a glance (docs/events.md; GET /api/v1/topics and
// GET /api/v1/subscriptions): each topic's sequence range, kept events and
// bytes, then each subscription's topic, action, cursor, lag and counters.
// A subscription with lag > 0 has events it has not handled yet; `failed`
// counts actions the engine refused (the last error is shown). -o json
// prints both API answers as {"topics", "subscriptions"}.
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

using nlohmann::json;

std::string subscription_action(const json& s) {
  const json& action = s.value("action", json::object());
  if (!action.is_object() || action.empty()) return "";
  const std::string kind = action.begin().key();
  const json& body = action.begin().value();
  std::string target =
      kind == "enqueue" ? body.value("queue", "") : body.value("type", body.value("name", ""));
  return kind + " " + target;
}

}  // namespace

int topics_verb(VerbContext& ctx) {
  auto topics = api_result(ctx.api->request("GET", "/api/v1/topics"));
  if (!topics) return fail(ctx, topics.error());
  auto subs = api_result(ctx.api->request("GET", "/api/v1/subscriptions"));
  if (!subs) return fail(ctx, subs.error());
  if (ctx.inv.json_output) {
    ctx.out << json{{"topics", (*topics)["topics"]}, {"subscriptions", (*subs)["subscriptions"]}}.dump(2)
            << "\n";
    return 0;
  }
  Table t{{"TOPIC", "FIRST", "LAST", "KEPT", "BYTES", "OLDEST"}, {}};
  for (const auto& tp : (*topics)["topics"]) {
    t.rows.push_back({text(tp.value("topic", json())), text(tp.value("first_seq", 0)),
                      text(tp.value("last_seq", 0)), text(tp.value("count", 0)), text(tp.value("bytes", 0)),
                      ctx.wide() ? when_exactly(tp.value("first_published_at", json()), ctx.now)
                                 : when(tp.value("first_published_at", json()), ctx.now)});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  Table s{
      {"SUBSCRIPTION", "TOPIC", "ACTION", "CURSOR", "LAG", "DELIVERED", "SKIPPED", "FAILED", "LAST ERROR"},
      {}};
  for (const auto& sub : (*subs)["subscriptions"]) {
    const json& err = sub.value("last_error", json());
    std::string last = err.is_object()
                           ? "@" + text(err.value("seq", json())) + ": " + text(err.value("message", json()))
                           : "";
    s.rows.push_back({text(sub.value("id", json())), text(sub.value("topic", json())),
                      subscription_action(sub), text(sub.value("cursor", 0)),
                      text(sub.value("lag", 0)) + (sub.value("retrying", false) ? " (retrying)" : ""),
                      text(sub.value("delivered", 0)), text(sub.value("skipped", 0)),
                      text(sub.value("failed", 0)), last});
  }
  ctx.out << "\n" << s.render(ctx.width, ctx.colour);
  if ((*topics)["topics"].empty()) ctx.err << "no topic has events yet\n";
  return 0;
}

}  // namespace sundial::ctl
