// tasks list, show, enqueue, retry, cancel: one queue's tasks, a task with
// its attempts, and the operator's commands on tasks (docs/http-api.md,
// "Tasks and queues"). Tables, or the API's JSON with -o json.
#include <charconv>

#include "engine/base/duration.h"
#include "engine/tasks/task_model.h"
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

// The server's page size limit for GET /api/v1/queues/{queue}/tasks.
constexpr size_t kMaxTaskPage = 1000;

std::string task_path(const std::string& id) { return "/api/v1/tasks/" + url_encode(id); }

void print_json(VerbContext& ctx, const nlohmann::json& body) { ctx.out << body.dump(2) << "\n"; }

// "2/3": attempts made (the one running included) of the most allowed.
std::string attempts_cell(const nlohmann::json& t) {
  return text(t.value("attempt", nlohmann::json())) + "/" + text(t.value("max_attempts", nlohmann::json()));
}

std::string duration_cell(const nlohmann::json& ms) {
  return ms.is_number_integer() ? format_duration(ms.get<DurationMs>()) : std::string("-");
}

// A command's answer ({"task_id","status","retry_at"?}) as one line.
void print_status(VerbContext& ctx, const nlohmann::json& body, const std::string& note = "") {
  ctx.out << text(body.value("task_id", nlohmann::json())) << ": "
          << text(body.value("status", nlohmann::json()));
  if (body.contains("retry_at")) ctx.out << " (runs " << when(body["retry_at"], ctx.now) << ")";
  ctx.out << note << "\n";
}

}  // namespace

int tasks_list_verb(VerbContext& ctx) {
  std::string query;
  if (auto s = ctx.inv.flags.find("--status"); s != ctx.inv.flags.end()) {
    if (!parse_task_status(s->second)) {
      return usage_error(ctx, "unknown task status '" + s->second +
                                  "'; one of pending, running, completed, failed, cancelled");
    }
    query += "&status=" + s->second;
  }
  auto limit = parse_count(ctx.inv, "--limit", 100);
  if (!limit) return usage_error(ctx, limit.error().message);
  const std::string base = "/api/v1/queues/" + url_encode(ctx.inv.positionals[0]) + "/tasks?limit=";
  nlohmann::json all = nlohmann::json::array();
  std::string cursor;
  bool more = false;             // stopped at --limit with pages left
  while (all.size() < *limit) {  // follows the pages
    std::string path = base + std::to_string(std::min(*limit - all.size(), kMaxTaskPage)) + query;
    if (!cursor.empty()) path += "&cursor=" + url_encode(cursor);
    auto page = api_result(ctx.api->request("GET", path));
    if (!page) return fail(ctx, page.error());
    for (auto& t : (*page)["tasks"]) all.push_back(std::move(t));
    const nlohmann::json& next = (*page)["next_cursor"];
    more = next.is_string() && !next.get_ref<const std::string&>().empty();
    if (!more) break;
    cursor = next.get<std::string>();
  }
  if (ctx.inv.json_output) {
    print_json(ctx, nlohmann::json{{"tasks", all}});
    return 0;
  }
  Table t{{"ID", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS", "RUN AT", "WORKER", "CREATED", "LAST ERROR"}, {}};
  if (ctx.wide()) {
    // Also the dedupe key, the last change, the instance that enqueued it.
    t.headers.insert(t.headers.end() - 1, {"DEDUPE KEY", "UPDATED", "FINISHED", "INSTANCE"});
    t.whole_columns = {0, 12};
  }
  for (const auto& task : all) {
    std::string status = task.value("status", std::string());
    auto field = [&](const char* key) { return task.value(key, nlohmann::json()); };
    std::vector<std::string> row = {
        text(field("task_id")),
        text(field("type")),
        status,
        text(field("priority")),
        attempts_cell(task),
        status != "pending" ? "-"
        : ctx.wide()        ? when_exactly(field("run_at"), ctx.now)
                            : when(field("run_at"), ctx.now),
        text(field("worker")),
        ctx.wide() ? when_exactly(field("created_at"), ctx.now) : when(field("created_at"), ctx.now)};
    if (ctx.wide()) {
      row.insert(row.end(), {text(field("dedupe_key")), when(field("updated_at"), ctx.now),
                             when(field("finished_at"), ctx.now), text(field("instance_id"))});
    }
    row.push_back(text(field("last_error")));
    t.rows.push_back(std::move(row));
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  if (all.empty()) ctx.err << "no tasks\n";
  if (more) ctx.err << "showing the first " << count_of(all.size(), "task") << "; --limit N shows more\n";
  return 0;
}

int tasks_show_verb(VerbContext& ctx) {
  auto r = api_result(ctx.api->request("GET", task_path(ctx.inv.positionals[0])));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    print_json(ctx, *r);
    return 0;
  }
  const nlohmann::json& t = *r;
  auto field = [&](const char* key) { return t.value(key, nlohmann::json()); };
  std::string status = t.value("status", std::string());
  std::string backoff = "-";
  if (const nlohmann::json& b = field("backoff"); b.is_object()) {
    backoff = "initial " + duration_cell(b.value("initial_ms", nlohmann::json())) + ", x" +
              text(b.value("multiplier", nlohmann::json())) + ", max " +
              duration_cell(b.value("max_ms", nlohmann::json()));
  }
  // The task's, its queue's and its instance's ids are never cut.
  Table fields{{"FIELD", "VALUE"}, {}, {0}, {{0, 1}, {1, 1}, {15, 1}}};
  fields.rows = {{"id", text(field("task_id"))},
                 {"queue", text(field("queue"))},
                 {"type", text(field("type"))},
                 {"status", status},
                 {"priority", text(field("priority"))},
                 {"attempts", attempts_cell(t)},
                 {"payload", field("payload").dump()},
                 {"dedupe key", text(field("dedupe_key"))},
                 {"run at", status == "pending" ? when_exactly(field("run_at"), ctx.now) : "-"},
                 {"worker", text(field("worker"))},
                 {"lease expires", when_exactly(field("lease_expires_at"), ctx.now)},
                 {"timeout", duration_cell(field("timeout_ms"))},
                 {"backoff", backoff},
                 {"result", text(field("result"))},
                 {"last error", text(field("last_error"))},
                 {"instance", text(field("instance_id"))},
                 {"created", when_exactly(field("created_at"), ctx.now)},
                 {"updated", when_exactly(field("updated_at"), ctx.now)},
                 {"finished", when_exactly(field("finished_at"), ctx.now)}};
  ctx.out << fields.render(ctx.width, ctx.colour);
  const nlohmann::json attempts = t.value("attempts", nlohmann::json::array());
  if (attempts.empty()) return 0;
  Table a{{"ATTEMPT", "WORKER", "STARTED", "TOOK", "OUTCOME", "ERROR"}, {}};
  for (const auto& at : attempts) {
    const nlohmann::json started = at.value("started_at", nlohmann::json());
    const nlohmann::json ended = at.value("ended_at", nlohmann::json());
    std::string took = "-";
    if (started.is_number_integer() && ended.is_number_integer())
      took = format_duration(ended.get<TimeMs>() - started.get<TimeMs>());
    a.rows.push_back({text(at.value("attempt", nlohmann::json())), text(at.value("worker", nlohmann::json())),
                      when(started, ctx.now), took, text(at.value("outcome", nlohmann::json())),
                      text(at.value("error", nlohmann::json()))});
  }
  ctx.out << "\n" << a.render(ctx.width, ctx.colour);
  return 0;
}

int tasks_enqueue_verb(VerbContext& ctx) {
  nlohmann::json body = nlohmann::json::object();
  auto payload = json_flag(ctx.inv, "--payload", nullptr);
  if (!payload) return usage_error(ctx, payload.error().message);
  body["payload"] = *payload;
  for (auto [flag, field] :
       {std::pair{"--type", "type"}, {"--dedupe-key", "dedupe_key"}, {"--delay", "delay"}}) {
    if (auto it = ctx.inv.flags.find(flag); it != ctx.inv.flags.end()) body[field] = it->second;
  }
  if (auto it = ctx.inv.flags.find("--priority"); it != ctx.inv.flags.end()) {
    // Any integer: the server checks the range and names the field.
    int64_t priority = 0;
    const std::string& v = it->second;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), priority);
    if (ec != std::errc() || end != v.data() + v.size())
      return usage_error(ctx, "--priority takes a whole number, not '" + v + "'");
    body["priority"] = priority;
  }
  auto response = ctx.api->request("POST", "/api/v1/queues/" + url_encode(ctx.inv.positionals[0]) + "/tasks",
                                   body.dump());
  auto r = api_result(response);
  if (!r) return fail(ctx, r.error());
  // 201: a new task; 200: the dedupe key named a task already pending or running.
  const bool created = response->status == 201;
  if (ctx.inv.json_output) {
    if (!r->contains("created")) (*r)["created"] = created;
    print_json(ctx, *r);
    return 0;
  }
  print_status(ctx, *r, created ? " (created)" : " (already enqueued with that dedupe key)");
  return 0;
}

int tasks_retry_cancel_verb(VerbContext& ctx) {
  auto r = api_result(
      ctx.api->request("POST", task_path(ctx.inv.positionals[0]) + "/" + sub_verb_of(ctx.inv.verb), ""));
  if (!r) return fail(ctx, r.error());
  if (ctx.inv.json_output) {
    print_json(ctx, *r);
    return 0;
  }
  print_status(ctx, *r);
  return 0;
}

}  // namespace sundial::ctl
