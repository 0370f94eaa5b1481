#include "connectors/notion/notion_client.h"

#include <set>

#include <spdlog/spdlog.h>

#include "engine/base/json_fields.h"
#include "engine/base/json_parse.h"
#include "engine/base/utf8.h"

namespace sundial {

namespace {

constexpr int kPageSize = 100;  // Notion's maximum
constexpr size_t kExcerptBytes = 300;
// The longest a Retry-After holds the shared limiter.
constexpr DurationMs kMaxHold = 5 * kMinuteMs;

std::string excerpt(const std::string& body) {
  std::string cut = repair_utf8(body.substr(0, kExcerptBytes));
  return body.size() > kExcerptBytes ? cut + "..." : cut;
}

}  // namespace

Result<void> check_notion_id(const std::string& id, std::string_view what) {
  bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-';
  });
  if (ok) return sundial::ok();
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(what) + " '" + repair_utf8(id.substr(0, 80)) + "' is not a Notion id");
}

bool uses_data_sources(std::string_view version) { return version >= "2025-09-03"; }

Result<nlohmann::json> notion_result(const HttpCallResult& r, const std::string& what) {
  if (r.status == 0) {
    return std::unexpected(failed_call(r.outcome == HttpOutcome::kRetryable,
                                       what + ": Notion unreachable: " + r.error, r.retry_after));
  }
  // A provider's answer is untrusted bytes: bounded like every ingress.
  nlohmann::json body = parse_json(r.body).value_or(nlohmann::json());
  if (r.status >= 200 && r.status < 300) {
    if (body.is_object()) return body;
    return std::unexpected(failed_call(true, what + ": Notion answered " + std::to_string(r.status) +
                                                 " without a JSON object: " + excerpt(r.body)));
  }
  std::string code = string_field(body, "code");
  std::string message = string_field(body, "message");
  std::string text = what + ": Notion answered " + std::to_string(r.status);
  if (!code.empty()) text += " " + code;
  text += ": " + (message.empty() ? excerpt(r.body) : repair_utf8(message));
  // 409 conflict_error is a collision Notion asks to retry (PROVIDERS.md
  // 3.5); 429 and 5xx are retryable; other 4xx are the request's fault.
  bool retryable = r.status == 409 || r.outcome == HttpOutcome::kRetryable;
  return std::unexpected(failed_call(retryable, text, r.retry_after));
}

NotionClient::NotionClient(AsyncHttpClient& http, Limiters& limiters, NotionOptions options)
    : http_(http), limiters_(limiters), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  if (options_.attempts < 1) options_.attempts = 1;
}

void NotionClient::call(std::string method, std::string path, std::optional<nlohmann::json> body, Done done) {
  if (!options_.token) {
    return done(make_error(ErrorCode::kInvalidArgument, "Notion is not configured: $" + options_.token_env +
                                                            " (the integration token) is not set"));
  }
  auto call = std::make_shared<HttpCall>();
  call->method = std::move(method);
  call->url = options_.base_url + path;
  call->timeout = options_.timeout;
  call->max_response_bytes = options_.max_response_bytes;
  call->headers = {"Authorization: Bearer " + *options_.token, "Notion-Version: " + options_.version,
                   "Accept: application/json"};
  call->log_name = "Notion " + call->method + " " + path;
  if (body) {
    call->headers.emplace_back("Content-Type: application/json");
    call->body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  call_attempt(std::move(call), 1, std::move(done));
}

void NotionClient::call_attempt(std::shared_ptr<HttpCall> call, int attempt, Done done) {
  auto gate = limiters_.gate_for(options_.limiter);
  if (!gate) return done(std::unexpected(gate.error()));  // not declared: a wiring error
  (*gate)->acquire([this, call, attempt, done = std::move(done)]() mutable {
    http_.send(*call, [this, call, attempt, done = std::move(done)](HttpCallResult r) mutable noexcept {
      Result<nlohmann::json> out = make_error(ErrorCode::kInternal, "Notion: the answer could not be read");
      try {
        out = notion_result(r, call->log_name);
      } catch (const std::exception& e) {
        out = make_error(ErrorCode::kInternal, std::string("Notion: ") + e.what());
      }
      bool retry = !out && out.error().code == ErrorCode::kUnavailable && attempt < options_.attempts;
      // Notion asked everyone to slow down (429, or 503 with Retry-After):
      // every request waits, at most kMaxHold. A retried 5xx or timeout
      // backs off a second per attempt.
      bool asked = r.status == 429 || (r.status == 503 && r.retry_after > 0);
      if (asked || retry) {
        DurationMs wait = asked && r.retry_after > 0 ? r.retry_after : attempt * kSecondMs;
        limiters_.hold(options_.limiter, std::min(wait, kMaxHold));
      }
      if (!retry) return done(std::move(out));
      spdlog::info("{}: attempt {} of {} failed ({}); trying again", call->log_name, attempt,
                   options_.attempts, out.error().message);
      call_attempt(std::move(call), attempt + 1, std::move(done));
    });
  });
}

void NotionClient::retrieve_page(const std::string& page_id, Done done) {
  if (auto valid = check_notion_id(page_id, "page"); !valid) return done(std::unexpected(valid.error()));
  call("GET", "/v1/pages/" + page_id, std::nullopt, std::move(done));
}

void NotionClient::update_page(const std::string& page_id, nlohmann::json properties, Done done) {
  if (auto valid = check_notion_id(page_id, "page"); !valid) return done(std::unexpected(valid.error()));
  if (!properties.is_object()) {
    return done(make_error(ErrorCode::kInvalidArgument, "a page update takes an object of properties"));
  }
  call("PATCH", "/v1/pages/" + page_id, nlohmann::json{{"properties", std::move(properties)}},
       std::move(done));
}

void NotionClient::data_source_of(const std::string& database_id,
                                  std::move_only_function<void(Result<std::string>)> done) {
  if (auto known = data_sources_.find(database_id); known != data_sources_.end()) return done(known->second);
  call("GET", "/v1/databases/" + database_id, std::nullopt,
       [this, database_id, done = std::move(done)](Result<nlohmann::json> r) mutable {
         if (!r) return done(std::unexpected(r.error()));
         const nlohmann::json& sources =
             r->contains("data_sources") ? (*r)["data_sources"] : nlohmann::json();
         std::string id = sources.is_array() && !sources.empty() ? string_field(sources[0], "id") : "";
         if (auto valid = check_notion_id(id, "data source"); !valid) {
           return done(make_error(ErrorCode::kInvalidArgument,
                                  "Notion database " + database_id + " lists no data source to query"));
         }
         data_sources_[database_id] = id;
         done(std::move(id));
       });
}

// One query, page after page: each answer's next_cursor asks for the next.
struct NotionClient::Pager : std::enable_shared_from_this<Pager> {
  NotionClient* client;
  std::string path;
  NotionQuery query;
  QueryDone done;
  NotionQueryResult result;
  std::set<std::string> cursors;  // seen: a repeat is an error

  void next(std::optional<std::string> cursor) {
    nlohmann::json body = {{"page_size", kPageSize}};
    if (!query.filter.is_null()) body["filter"] = query.filter;
    if (!query.sorts.is_null()) body["sorts"] = query.sorts;
    if (cursor) body["start_cursor"] = *cursor;
    ++result.requests;
    client->call("POST", path, std::move(body),
                 [self = shared_from_this()](Result<nlohmann::json> r) { self->answered(std::move(r)); });
  }

  void answered(Result<nlohmann::json> r) {
    if (!r) return done(std::unexpected(r.error()));
    const nlohmann::json& rows = (*r)["results"];
    if (!rows.is_array()) {
      return done(std::unexpected(failed_call(true, "Notion query " + path + ": the answer has no results")));
    }
    for (const auto& row : rows) result.pages.push_back(row);
    if (result.pages.size() > client->options_.max_query_results) {
      return done(make_error(ErrorCode::kInvalidArgument,
                             "Notion query " + path + " matches more than " +
                                 std::to_string(client->options_.max_query_results) + " pages"));
    }
    bool more = (*r)["has_more"].is_boolean() && (*r)["has_more"].get<bool>();
    std::string cursor = string_field(*r, "next_cursor");
    if (!more) return done(std::move(result));
    // An answer that promises more but never moves on must not loop for ever.
    if (cursor.empty() || rows.empty() || !cursors.insert(cursor).second) {
      return done(std::unexpected(failed_call(true, "Notion query " + path + ": has_more with " +
                                                        (cursor.empty() ? "no next_cursor"
                                                         : rows.empty() ? "no results"
                                                                        : "a cursor already seen"))));
    }
    next(cursor);
  }
};

void NotionClient::query_all(NotionQuery query, QueryDone done) {
  if (auto valid = check_notion_id(query.id, query.data_source ? "data source" : "database"); !valid) {
    return done(std::unexpected(valid.error()));
  }
  auto pager = std::make_shared<Pager>();
  pager->client = this;
  pager->done = std::move(done);
  if (query.data_source || !uses_data_sources(options_.version)) {
    pager->path = (query.data_source ? "/v1/data_sources/" : "/v1/databases/") + query.id + "/query";
    pager->query = std::move(query);
    return pager->next(std::nullopt);
  }
  // The database's rows are in its data source: find it first.
  if (!data_sources_.contains(query.id)) pager->result.requests = 1;
  std::string database = query.id;
  pager->query = std::move(query);
  data_source_of(database, [pager](Result<std::string> source) {
    if (!source) return pager->done(std::unexpected(source.error()));
    pager->path = "/v1/data_sources/" + *source + "/query";
    pager->next(std::nullopt);
  });
}

std::map<std::string, LimiterSpec> with_notion_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const NotionOptions& options) {
  return with_default_limiter(std::move(declared), options.limiter,
                              LimiterSpec{options.rate_per_second, options.burst});
}

}  // namespace sundial
