// The task queues' routes (docs/http-api.md, "Tasks and queues";
// docs/tasks.md): enqueue (one or a batch), claim (long poll), heartbeat,
// complete, fail, retry, cancel, describe, list, and the queues' settings.
// Commands answer after the engine made the change durable; describe and
// list read a storage snapshot on the query pool.
#include <set>

#include "engine/base/coding.h"
#include "engine/base/duration.h"
#include "engine/codec/codec.h"
#include "engine/codec/json_writer.h"
#include "engine/codec/slot_rows.h"
#include "engine/storage/keys.h"
#include "engine/tasks/task_codec.h"
#include "engine/tasks/task_keys.h"
#include "engine/tasks/task_spec_json.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

constexpr size_t kMaxBatch = 1000;
constexpr uint32_t kMaxClaim = 1000;

std::optional<http::HttpResponse> check_queue(const PathParams& params) {
  if (auto ok = validate_queue_name(params.at("queue")); !ok) return http::error_response(ok.error());
  return std::nullopt;
}

nlohmann::json queue_to_json(const QueueView& v) {
  const QueueRecord& q = v.record;
  nlohmann::json j = {
      {"queue", q.name},
      {"paused", q.paused},
      {"max_in_flight", q.max_in_flight ? nlohmann::json(q.max_in_flight) : nlohmann::json(nullptr)},
      {"limit", q.limit.empty() ? nlohmann::json(nullptr) : nlohmann::json(q.limit)},
      {"completed_per_minute", v.completed_last_minute},
      {"waiting_claims", v.waiting_claims}};
  for (TaskStatus s : kAllTaskStatuses) j[std::string(task_status_name(s))] = q.counts[status_slot(s)];
  return j;
}

Reply<TaskRecord> answer_task(http::Responder responder,
                              std::function<nlohmann::json(const TaskRecord&)> view) {
  return [responder = std::move(responder), view = std::move(view)](Result<TaskRecord> t) mutable {
    if (!t) return responder.send(http::error_response(t.error()));
    responder.send(http::HttpResponse::json(200, view(*t)));
  };
}

nlohmann::json status_view(const TaskRecord& t) {
  nlohmann::json j = {{"task_id", t.id}, {"status", task_status_name(t.status)}};
  if (t.status == TaskStatus::kPending && t.timer_due) j["retry_at"] = t.timer_due;
  return j;
}

// A duration string ("30s") from 0 to `max`; nullopt for anything else.
std::optional<DurationMs> bounded_duration(const nlohmann::json& v, DurationMs max) {
  if (!v.is_string()) return std::nullopt;
  auto d = parse_duration(v.get_ref<const std::string&>());
  if (!d || *d > max) return std::nullopt;
  return *d;
}

// `field` of an object body, a string of 1-200 bytes.
std::expected<std::string, http::HttpResponse> required_string(const nlohmann::json& body,
                                                               const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty() ||
      it->get_ref<const std::string&>().size() > 200) {
    return std::unexpected(
        bad_argument(std::string("'") + field + "' is required: a string of 1 to 200 bytes"));
  }
  return it->get<std::string>();
}

std::optional<http::HttpResponse> only_fields(const nlohmann::json& body,
                                              std::initializer_list<std::string_view> allowed,
                                              std::string_view what) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return bad_argument("unknown field '" + key + "'; " + std::string(what) + " takes " + list);
    }
  }
  return std::nullopt;
}

void enqueue(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
             http::Responder responder, bool batch) {
  if (auto bad = check_queue(params)) return responder.send(std::move(*bad));
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  const std::string& queue = params.at("queue");
  std::vector<TaskSpec> specs;
  if (batch) {
    if (auto bad = only_fields(*body, {"tasks"}, "a batch")) return responder.send(std::move(*bad));
    auto tasks = body->find("tasks");
    if (tasks == body->end() || !tasks->is_array() || tasks->empty() || tasks->size() > kMaxBatch) {
      return responder.send(bad_argument("'tasks' must be an array of 1 to 1000 tasks"));
    }
    for (size_t i = 0; i < tasks->size(); ++i) {
      auto spec = parse_task_spec((*tasks)[i], queue, "tasks[" + std::to_string(i) + "].");
      if (!spec) return responder.send(http::error_response(spec.error()));
      specs.push_back(std::move(*spec));
    }
  } else {
    auto spec = parse_task_spec(*body, queue);
    if (!spec) return responder.send(http::error_response(spec.error()));
    specs.push_back(std::move(*spec));
  }
  api.engine.tasks().enqueue(std::move(specs), [responder = std::move(responder),
                                                batch](Result<std::vector<EnqueueResult>> r) mutable {
    if (!r) return responder.send(http::error_response(r.error()));
    auto one = [](const EnqueueResult& e) {
      nlohmann::json j{
          {"task_id", e.task_id}, {"status", task_status_name(e.status)}, {"created", e.created}};
      if (e.coalesced) j["coalesced"] = true;
      if (e.dropped) j["dropped"] = true;
      return j;
    };
    if (!batch) {
      const EnqueueResult& e = r->front();
      return responder.send(http::HttpResponse::json(e.created ? 201 : 200, one(e)));
    }
    nlohmann::json results = nlohmann::json::array();
    for (const auto& e : *r) results.push_back(one(e));
    responder.send(http::HttpResponse::json(200, {{"results", std::move(results)}}));
  });
}

// {"tasks":[{task_id, type, payload, attempt, lease, lease_expires_at}]},
// written directly: each payload's text was made once, at its enqueue.
http::HttpResponse claim_answer(const std::vector<TaskRecord>& tasks) {
  std::string body;
  size_t size = 16;
  for (const auto& t : tasks) size += 160 + t.payload.text().size();
  body.reserve(size);
  JsonWriter w(body);
  w.begin_object().key("tasks").begin_array();
  for (const auto& t : tasks) {
    w.begin_object();
    w.key("task_id").string(t.id);
    w.key("type").string(t.type);
    w.key("payload").raw(t.payload.text());
    w.key("attempt").unsigned_integer(t.attempt);
    w.key("lease").string(t.lease);
    w.key("lease_expires_at").integer(t.lease_expires_at);
    w.end_object();
  }
  w.end_array().end_object();
  // Ids, types and leases are validated ASCII; payloads were encoded whole.
  return http::HttpResponse::text(200, std::move(body), "application/json");
}

void claim(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
           http::Responder responder) {
  if (auto bad = check_queue(params)) return responder.send(std::move(*bad));
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  if (auto bad = only_fields(*body, {"worker", "max", "wait", "types"}, "a claim"))
    return responder.send(std::move(*bad));
  ClaimRequest claim;
  claim.queue = params.at("queue");
  auto worker = required_string(*body, "worker");
  if (!worker) return responder.send(std::move(worker.error()));
  claim.worker = std::move(*worker);
  if (auto it = body->find("max"); it != body->end()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() < 1 || it->get<uint64_t>() > kMaxClaim) {
      return responder.send(bad_argument("'max' must be an integer from 1 to 1000"));
    }
    claim.max = static_cast<uint32_t>(it->get<uint64_t>());
  }
  if (auto it = body->find("wait"); it != body->end()) {
    auto d = bounded_duration(*it, kMinuteMs);
    if (!d) return responder.send(bad_argument("'wait' must be a duration from \"0s\" to \"60s\""));
    claim.wait = *d;
  }
  if (auto it = body->find("types"); it != body->end()) {
    if (!it->is_array() || it->size() > 100)
      return responder.send(bad_argument("'types' must be an array of at most 100 task types"));
    for (const auto& t : *it) {
      if (!t.is_string() || !keys::validate_type_name(t.get_ref<const std::string&>())) {
        return responder.send(
            bad_argument("'types' must hold task types: 1 to 100 characters of [A-Za-z0-9._-]"));
      }
      claim.types.push_back(t.get<std::string>());
    }
  }
  claim.client_gone = responder.client_gone_check();
  api.engine.tasks().claim(
      std::move(claim), [responder = std::move(responder)](const Result<std::vector<TaskRecord>>& r) mutable {
        if (!r) return responder.send(http::error_response(r.error()));
        responder.send(claim_answer(*r));
      });
}

void lease_call(const AdminApi& api, const std::string& verb, const http::HttpRequest& request,
                const PathParams& params, http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  const std::string& id = params.at("id");
  if (auto ok = keys::validate_instance_id(id); !ok)
    return responder.send(bad_argument("not a task id: " + ok.error().message));
  auto lease = required_string(*body, "lease");
  if (!lease) return responder.send(std::move(lease.error()));
  TaskService& tasks = api.engine.tasks();
  if (verb == "heartbeat") {
    if (auto bad = only_fields(*body, {"lease"}, "a heartbeat")) return responder.send(std::move(*bad));
    return tasks.heartbeat(
        id, *lease, answer_task(std::move(responder), [](const TaskRecord& t) {
          return nlohmann::json{{"task_id", t.id}, {"lease_expires_at", t.lease_expires_at}};
        }));
  }
  if (verb == "complete") {
    if (auto bad = only_fields(*body, {"lease", "result"}, "a completion"))
      return responder.send(std::move(*bad));
    nlohmann::json result = body->contains("result") ? (*body)["result"] : nlohmann::json(nullptr);
    if (auto ok = check_storable(result, "result"); !ok)
      return responder.send(http::error_response(ok.error()));
    return tasks.complete(id, *lease, std::move(result), answer_task(std::move(responder), status_view));
  }
  if (auto bad = only_fields(*body, {"lease", "error", "retryable", "retry_after"}, "a failure")) {
    return responder.send(std::move(*bad));
  }
  TaskFailure failure;
  if (auto it = body->find("error"); it != body->end()) {
    if (!it->is_string()) return responder.send(bad_argument("'error' must be a string"));
    failure.error = it->get<std::string>().substr(0, 4000);
    if (auto ok = check_storable(failure.error, "error"); !ok)
      return responder.send(http::error_response(ok.error()));
  }
  if (auto it = body->find("retryable"); it != body->end()) {
    if (!it->is_boolean()) return responder.send(bad_argument("'retryable' must be true or false"));
    failure.retryable = it->get<bool>();
  }
  if (auto it = body->find("retry_after"); it != body->end()) {
    auto d = bounded_duration(*it, 7 * 24 * kHourMs);
    if (!d) return responder.send(bad_argument("'retry_after' must be a duration from \"0s\" to \"7d\""));
    failure.retry_after = *d;
  }
  tasks.fail(id, *lease, std::move(failure), answer_task(std::move(responder), status_view));
}

// POST /api/v1/tasks:complete {"completions":[{task_id, lease, result?}]}:
// each completion as POST /api/v1/tasks/{id}/complete would make it, all
// decided in one loop turn (so committed in one group commit) and answered
// together, in order. One refused completion (a stale lease: 409) does not
// refuse the others; a malformed one refuses the whole request, unchanged.
void complete_batch(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  if (auto bad = only_fields(*body, {"completions"}, "a batch of completions"))
    return responder.send(std::move(*bad));
  auto items = body->find("completions");
  if (items == body->end() || !items->is_array() || items->empty() || items->size() > kMaxBatch) {
    return responder.send(bad_argument("'completions' must be an array of 1 to 1000 completions"));
  }
  std::vector<TaskCompletion> completions;
  completions.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    nlohmann::json& item = (*items)[i];
    std::string where = "completions[" + std::to_string(i) + "]";
    if (!item.is_object()) return responder.send(bad_argument("'" + where + "' must be an object"));
    if (auto bad = only_fields(item, {"task_id", "lease", "result"}, where))
      return responder.send(std::move(*bad));
    auto id = required_string(item, "task_id");
    if (!id) return responder.send(bad_argument("'" + where + ".task_id' is required: a task id"));
    if (auto ok = keys::validate_instance_id(*id); !ok)
      return responder.send(bad_argument("'" + where + ".task_id' is not a task id: " + ok.error().message));
    auto lease = required_string(item, "lease");
    if (!lease)
      return responder.send(bad_argument("'" + where + ".lease' is required: a string of 1 to 200 bytes"));
    nlohmann::json result = item.contains("result") ? std::move(item["result"]) : nlohmann::json(nullptr);
    if (auto ok = check_storable(result, where + ".result"); !ok)
      return responder.send(http::error_response(ok.error()));
    completions.push_back(TaskCompletion{std::move(*id), std::move(*lease), std::move(result)});
  }
  std::vector<std::string> ids;
  ids.reserve(completions.size());
  for (const auto& c : completions) ids.push_back(c.id);
  api.engine.tasks().complete_many(
      std::move(completions), [responder = std::move(responder), ids = std::move(ids)](
                                  const Result<std::vector<Result<TaskRecord>>>& all) mutable {
        if (!all) return responder.send(http::error_response(all.error()));
        nlohmann::json results = nlohmann::json::array();
        for (size_t i = 0; i < all->size(); ++i) {
          const Result<TaskRecord>& t = (*all)[i];
          if (t) {
            results.push_back(status_view(*t));
          } else {
            results.push_back(
                {{"task_id", ids[i]},
                 {"error", {{"code", error_code_name(t.error().code)}, {"message", t.error().message}}}});
          }
        }
        responder.send(http::HttpResponse::json(200, {{"results", std::move(results)}}));
      });
}

void admin_call(const AdminApi& api, const std::string& verb, const PathParams& params,
                http::Responder responder) {
  const std::string& id = params.at("id");
  if (auto ok = keys::validate_instance_id(id); !ok)
    return responder.send(bad_argument("not a task id: " + ok.error().message));
  auto reply = answer_task(std::move(responder), status_view);
  if (verb == "retry") return api.engine.tasks().retry(id, std::move(reply));
  api.engine.tasks().cancel(id, std::move(reply));
}

void get_task(const AdminApi& api, const PathParams& params, http::Responder responder) {
  std::string id = params.at("id");
  if (auto ok = keys::validate_instance_id(id); !ok)
    return responder.send(bad_argument("not a task id: " + ok.error().message));
  api.engine.read<nlohmann::json>(
      [id](Store& snapshot) -> Result<nlohmann::json> {
        SUNDIAL_ASSIGN_OR_RETURN(auto bytes, snapshot.get(Cf::kTasks, id));
        if (!bytes) return make_error(ErrorCode::kNotFound, "task '" + id + "' does not exist");
        SUNDIAL_ASSIGN_OR_RETURN(TaskRecord t, decode_task(*bytes));
        nlohmann::json j = task_to_json(t);
        if (t.status == TaskStatus::kQueued && t.concurrency) {
          SUNDIAL_ASSIGN_OR_RETURN(
              j["concurrency"]["position"],
              slot_position(snapshot, keys::SlotSpace::kTasks, t.concurrency->key, t.slot_seq));
        }
        return j;
      },
      [responder = std::move(responder)](Result<nlohmann::json> r) mutable {
        answer(responder, r, 200, [](const auto& j) { return j; });
      });
}

void list_tasks(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                http::Responder responder) {
  if (auto bad = check_queue(params)) return responder.send(std::move(*bad));
  auto limit = query_int(request, "limit", 50, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  std::optional<TaskStatus> status;
  if (auto s = request.query_param("status"); s && !s->empty()) {
    status = parse_task_status(*s);
    if (!status)
      return responder.send(
          bad_argument("'status' must be pending, running, completed, failed or cancelled"));
  }
  std::string queue = params.at("queue");
  std::string prefix = status ? task_keys::status_prefix(queue, *status) : task_keys::queue_prefix(queue);
  std::string begin = prefix;
  if (auto c = request.query_param("cursor"); c && !c->empty()) {
    auto last = from_hex(*c);
    if (!last || !last->starts_with(prefix))
      return responder.send(bad_argument("'cursor' is not from a listing with the same filters"));
    begin = *last + std::string(1, '\0');  // the smallest key after the last one returned
  }
  // The id follows the status byte (when not part of the prefix) and the creation time.
  size_t id_at = prefix.size() + (status ? 0 : 1) + 8;
  size_t n = static_cast<size_t>(*limit);
  api.engine.read<nlohmann::json>(
      [prefix, begin, id_at, n](Store& snapshot) -> Result<nlohmann::json> {
        std::vector<std::string> ids;
        std::string last;
        bool more = false;
        SUNDIAL_TRY(snapshot.scan(Cf::kIndex, begin, prefix_successor(prefix),
                                  [&](std::string_view key, std::string_view) {
                                    if (ids.size() == n) {
                                      more = true;
                                      return false;
                                    }
                                    if (key.size() > id_at) ids.emplace_back(key.substr(id_at));
                                    last = std::string(key);
                                    return true;
                                  }));
        std::string next = more ? to_hex(last) : "";
        nlohmann::json tasks = nlohmann::json::array();
        for (const auto& id : ids) {
          SUNDIAL_ASSIGN_OR_RETURN(auto bytes, snapshot.get(Cf::kTasks, id));
          if (!bytes) continue;
          SUNDIAL_ASSIGN_OR_RETURN(TaskRecord t, decode_task(*bytes));
          tasks.push_back(task_to_json(t, /*with_attempts=*/false));
        }
        return nlohmann::json{{"tasks", std::move(tasks)},
                              {"next_cursor", next.empty() ? nlohmann::json(nullptr) : nlohmann::json(next)}};
      },
      [responder = std::move(responder)](Result<nlohmann::json> r) mutable {
        answer(responder, r, 200, [](const auto& j) { return j; });
      });
}

void configure(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
               http::Responder responder, std::optional<bool> paused) {
  if (auto bad = check_queue(params)) return responder.send(std::move(*bad));
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  QueueSettings settings;
  settings.paused = paused;
  if (!paused) {
    if (auto bad = only_fields(*body, {"max_in_flight", "limit"}, "a queue's settings"))
      return responder.send(std::move(*bad));
    if (auto it = body->find("max_in_flight"); it != body->end()) {
      if (it->is_null()) {
        settings.max_in_flight = 0;
      } else if (!it->is_number_unsigned() || it->get<uint64_t>() < 1 || it->get<uint64_t>() > 1'000'000) {
        return responder.send(
            bad_argument("'max_in_flight' must be an integer from 1 to 1000000, or null for no limit"));
      } else {
        settings.max_in_flight = static_cast<uint32_t>(it->get<uint64_t>());
      }
    }
    if (auto it = body->find("limit"); it != body->end()) {
      if (it->is_null()) {
        settings.limit = "";
      } else if (!it->is_string() || it->get_ref<const std::string&>().empty() ||
                 it->get_ref<const std::string&>().size() > 300) {
        return responder.send(bad_argument(
            "'limit' must name a rate limiter (\"notion\" or \"notion:<sub-key>\"), or be null for none"));
      } else {
        settings.limit = it->get<std::string>();
      }
    }
  } else if (!body->empty()) {
    return responder.send(bad_argument("pause and resume take no body"));
  }
  api.engine.tasks().configure(params.at("queue"), std::move(settings),
                               [responder = std::move(responder)](Result<QueueView> v) mutable {
                                 if (!v) return responder.send(http::error_response(v.error()));
                                 responder.send(http::HttpResponse::json(200, queue_to_json(*v)));
                               });
}

// The in-memory views, then the oldest ready task of each: what the ready
// windows hold, and seeks past them on a snapshot on the query pool.
void list_queues(const AdminApi& api, http::Responder responder) {
  nlohmann::json queues = nlohmann::json::array();
  std::vector<OldestReadyPlan> plans;
  for (const auto& v : api.engine.tasks().queues()) {
    queues.push_back(queue_to_json(v));
    plans.push_back(api.engine.tasks().oldest_ready_plan(v.record.name));
  }
  TimeMs now = api.engine.now();
  api.engine.read<nlohmann::json>(
      [queues = std::move(queues), plans = std::move(plans),
       now](Store& snapshot) mutable -> Result<nlohmann::json> {
        for (size_t i = 0; i < plans.size(); ++i) {
          SUNDIAL_ASSIGN_OR_RETURN(auto oldest, TaskService::oldest_ready(snapshot, plans[i]));
          queues[i]["oldest_pending_age_ms"] =
              oldest ? nlohmann::json(std::max<TimeMs>(0, now - *oldest)) : nlohmann::json(nullptr);
        }
        return nlohmann::json{{"queues", std::move(queues)}};
      },
      [responder = std::move(responder)](Result<nlohmann::json> r) mutable {
        answer(responder, r, 200, [](const auto& j) { return j; });
      });
}

}  // namespace

void add_task_routes(Router& router, const AdminApi& api) {
  router.add("POST", "/api/v1/queues/{queue}/tasks",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               enqueue(api, req, p, std::move(r), false);
             });
  router.add("POST", "/api/v1/queues/{queue}/tasks:batch",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               enqueue(api, req, p, std::move(r), true);
             });
  router.add("GET", "/api/v1/queues/{queue}/tasks",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               list_tasks(api, req, p, std::move(r));
             });
  router.add("POST", "/api/v1/queues/{queue}/claim",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               claim(api, req, p, std::move(r));
             });
  router.add("PUT", "/api/v1/queues/{queue}",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               configure(api, req, p, std::move(r), std::nullopt);
             });
  router.add("POST", "/api/v1/queues/{queue}/pause",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               configure(api, req, p, std::move(r), true);
             });
  router.add("POST", "/api/v1/queues/{queue}/resume",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               configure(api, req, p, std::move(r), false);
             });
  router.add("GET", "/api/v1/queues", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    list_queues(api, std::move(r));
  });
  router.add("GET", "/api/v1/tasks/{id}", [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
    get_task(api, p, std::move(r));
  });
  router.add("POST", "/api/v1/tasks:complete",
             [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
               complete_batch(api, req, std::move(r));
             });
  for (std::string verb : {"heartbeat", "complete", "fail"}) {
    router.add("POST", "/api/v1/tasks/{id}/" + verb,
               [api, verb](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
                 lease_call(api, verb, req, p, std::move(r));
               });
  }
  for (std::string verb : {"retry", "cancel"}) {
    router.add("POST", "/api/v1/tasks/{id}/" + verb,
               [api, verb](http::HttpRequest&&, const PathParams& p, http::Responder r) {
                 admin_call(api, verb, p, std::move(r));
               });
  }
}

}  // namespace sundial::api
