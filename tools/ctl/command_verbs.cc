// start, pause, resume, cancel, retry, skip, signal (through the API) and
// events (following the SSE stream). The bulk forms of pause, resume,
// cancel and retry are bulk_verbs.cc's.
#include "tools/ctl/bulk_request.h"
#include "tools/ctl/event_line.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

Result<nlohmann::json> json_flag(const Invocation& inv, const std::string& flag, nlohmann::json fallback) {
  auto it = inv.flags.find(flag);
  if (it == inv.flags.end()) return fallback;
  nlohmann::json v = nlohmann::json::parse(it->second, nullptr, false);
  if (v.is_discarded())
    return make_error(ErrorCode::kInvalidArgument, flag + " is not valid JSON: " + it->second);
  return v;
}

namespace {

std::string instance_path(const std::string& id) { return "/api/v1/instances/" + url_encode(id); }

void print_result(VerbContext& ctx, const nlohmann::json& body) {
  if (ctx.inv.json_output) {
    ctx.out << body.dump(2) << "\n";
    return;
  }
  std::string id = body.value("instance_id", "");
  std::string status = body.value("status", "");
  ctx.out << id << ": " << status;
  if (body.contains("created"))
    ctx.out << (body["created"].get<bool>() ? " (created)" : " (already existed)");
  ctx.out << "\n";
}

// POSTs a command and prints the instance's status, or the error.
int post_command(VerbContext& ctx, const std::string& path, const nlohmann::json& body,
                 const std::vector<std::string>& headers = {}) {
  auto r = api_result(ctx.api->request("POST", path, body.is_null() ? std::string() : body.dump(), headers));
  if (!r) return fail(ctx, r.error());
  print_result(ctx, *r);
  return 0;
}

}  // namespace

int start_verb(VerbContext& ctx) {
  auto input = json_flag(ctx.inv, "--input", nlohmann::json::object());
  if (!input) return usage_error(ctx, input.error().message);
  nlohmann::json body = nlohmann::json::object();
  body["input"] = *input;
  if (auto id = ctx.inv.flags.find("--id"); id != ctx.inv.flags.end()) body["id"] = id->second;
  if (ctx.inv.flags.contains("--concurrency")) {
    auto concurrency = json_flag(ctx.inv, "--concurrency", nullptr);
    if (!concurrency) return usage_error(ctx, concurrency.error().message);
    body["concurrency"] = *concurrency;
  }
  if (auto reuse = ctx.inv.flags.find("--id-reuse"); reuse != ctx.inv.flags.end()) {
    if (!parse_id_reuse(reuse->second)) {
      return usage_error(
          ctx, "--id-reuse takes reject, allow_if_finished or allow_if_failed, not '" + reuse->second + "'");
    }
    body["id_reuse"] = reuse->second;
  }
  if (auto window = ctx.inv.flags.find("--send-window"); window != ctx.inv.flags.end()) {
    // A window's name, or its JSON form.
    if (!window->second.empty() && window->second.front() == '{') {
      auto parsed = json_flag(ctx.inv, "--send-window", nullptr);
      if (!parsed) return usage_error(ctx, parsed.error().message);
      body["send_window"] = *parsed;
    } else {
      body["send_window"] = window->second;
    }
  }
  std::vector<std::string> headers;
  if (auto key = ctx.inv.flags.find("--idempotency-key"); key != ctx.inv.flags.end()) {
    headers.push_back("Idempotency-Key: " + key->second);
  }
  return post_command(ctx, "/api/v1/workflows/" + url_encode(ctx.inv.positionals[0]) + "/instances", body,
                      headers);
}

int signal_verb(VerbContext& ctx) {
  auto data = json_flag(ctx.inv, "--data", nullptr);
  if (!data) return usage_error(ctx, data.error().message);
  const auto& args = ctx.inv.positionals;
  return post_command(ctx, instance_path(args[0]) + "/signals/" + url_encode(args[1]), *data);
}

int steer_verb(VerbContext& ctx) {
  if (ctx.inv.positionals.empty()) return bulk_steer_verb(ctx);
  if (uses_bulk_flags(ctx.inv)) {
    return usage_error(ctx,
                       "--type, --status, --id-prefix, --dry-run and --yes select instances for a bulk " +
                           ctx.inv.verb + "; give them or an ID, not both");
  }
  nlohmann::json body = nlohmann::json::object();
  if (auto policy = ctx.inv.flags.find("--policy"); policy != ctx.inv.flags.end()) {
    if (policy->second != "shift" && policy->second != "fire") {
      return usage_error(ctx, "--policy takes shift or fire, not '" + policy->second + "'");
    }
    body["policy"] = policy->second;
  }
  if (auto reason = ctx.inv.flags.find("--reason"); reason != ctx.inv.flags.end())
    body["reason"] = reason->second;
  return post_command(ctx, instance_path(ctx.inv.positionals[0]) + "/" + ctx.inv.verb, body);
}

int skip_verb(VerbContext& ctx) {
  nlohmann::json body = nlohmann::json::object();
  if (ctx.inv.flags.contains("--result")) {
    auto result = json_flag(ctx.inv, "--result", nullptr);
    if (!result) return usage_error(ctx, result.error().message);
    body["result"] = *result;
  }
  if (auto reason = ctx.inv.flags.find("--reason"); reason != ctx.inv.flags.end())
    body["reason"] = reason->second;
  return post_command(ctx, instance_path(ctx.inv.positionals[0]) + "/skip", body);
}

int events_verb(VerbContext& ctx) {
  std::vector<std::string> headers;
  if (ctx.inv.flags.contains("--since")) {
    auto since = parse_count(ctx.inv, "--since", 0, 0);
    if (!since) return usage_error(ctx, since.error().message);
    headers.push_back("Last-Event-ID: " + std::to_string(*since));
  }
  auto max = parse_count(ctx.inv, "--max", 0);  // 0: follow until interrupted
  if (!max) return usage_error(ctx, max.error().message);
  size_t seen = 0;
  std::string buffer;
  EventColumns columns(ctx.wide());
  bool header_shown = false;  // before the first event, so a failure prints no header
  // Parses "id: / event: / data:" frames as they arrive. Runs inside
  // libcurl's write callback: nothing may throw out of it, and a server
  // that never ends a frame cannot grow the buffer without bound.
  constexpr size_t kMaxFrameBytes = 4 << 20;
  bool malformed = false;
  auto on_frames = [&](std::string_view chunk) {
    buffer.append(chunk);
    if (buffer.size() > kMaxFrameBytes && buffer.find("\n\n") == std::string::npos) {
      malformed = true;
      return false;
    }
    for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
      std::string frame = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      std::string data, event;
      for (size_t pos = 0; pos < frame.size();) {
        size_t nl = frame.find('\n', pos);
        std::string line = frame.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.starts_with("data: ")) data = line.substr(6);
        if (line.starts_with("event: ")) event = line.substr(7);
        pos = nl == std::string::npos ? frame.size() : nl + 1;
      }
      if (data.empty()) continue;  // comments and keep-alives
      nlohmann::json e = nlohmann::json::parse(data, nullptr, false);
      if (e.is_discarded() || !e.is_object()) continue;
      if (event == "gap" || event == "reset") {  // the server's notice, not an engine event
        ctx.err << "sundialctl: "
                << (event == "gap" ? "events were trimmed from the server's log"
                                   : "the server never assigned that id")
                << "; continuing after event " << e.value("resume_after", uint64_t{0}) << "\n";
        continue;
      }
      if (ctx.inv.json_output) {
        ctx.out << e.dump() << "\n";
      } else {
        if (!header_shown) ctx.out << columns.header();
        header_shown = true;
        ctx.out << columns.line(e);
      }
      ctx.out.flush();
      if (*max != 0 && ++seen >= *max) return false;
    }
    return true;
  };
  auto on_chunk = [&](std::string_view chunk) {
    try {
      return on_frames(chunk);
    } catch (const std::exception&) {  // a field of an unexpected type
      malformed = true;
      return false;
    }
  };
  auto status = ctx.api->stream("/api/v1/events", headers, on_chunk);
  if (!status) return fail(ctx, status.error());
  if (malformed) return fail(ctx, Error{ErrorCode::kInternal, "the event stream sent a frame sundialctl cannot read"});
  if (*status != 200 && (*max == 0 || seen < *max)) {
    return fail(ctx,
                Error{ErrorCode::kInternal, "the event stream answered HTTP " + std::to_string(*status)});
  }
  return 0;
}

}  // namespace sundial::ctl
