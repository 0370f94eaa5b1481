// NotionClient: Notion's REST API (PROVIDERS.md section 3) on the async
// HTTP client — query a database or data source with a filter, following
// `start_cursor` until `has_more` is false; retrieve a page; update a
// page's properties. Every request carries the integration token and the
// configured `Notion-Version`, and waits for the shared limiter `notion`
// (Limiters; [limits.notion], or [notion] rate_per_second and burst: 3 per
// second by default, Notion's documented average), which a 429 holds for
// everyone for as long as Notion's Retry-After says.
//
// With Notion-Version 2025-09-03 or later a database's rows live in its
// data sources: a query naming a database first reads the database's
// first data source (GET /v1/databases/{id}, cached for the client's
// life), then queries it; with an older version it queries the database.
//
// Errors: a request that fails retryably (429, 409 conflict_error, 5xx,
// timeouts) is tried again up to `attempts` times, the limiter held for
// Retry-After (or a second per attempt) meanwhile; past that, or for a
// permanent answer (400, 401, 403, 404), the call ends with an Error made
// by failed_call() — retryable or not — whose message carries Notion's
// `code` and `message`: "Notion answered 404 object_not_found: Could not
// find page ...". A step retries the retryable ones per its own policy.
//
// Threading: loop thread only. Ownership: borrows the AsyncHttpClient and
// the Limiters (both outlive it); owns its data-source cache.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "connectors/http/async_http_client.h"
#include "engine/base/error.h"
#include "engine/flow/limiters.h"

namespace sundial {

struct NotionOptions {
  std::string base_url = "https://api.notion.com";
  std::optional<std::string> token;  // none: every call fails, naming the variable
  std::string token_env = "NOTION_TOKEN";
  std::string version = "2025-09-03";
  // The limiter every request waits for, and its rate and burst when the
  // config declares no [limits.notion].
  std::string limiter = "notion";
  double rate_per_second = 3;
  double burst = 3;
  DurationMs timeout = 30 * kSecondMs;
  // Tries of one request when Notion answers retryably.
  int attempts = 3;
  // A query matching more pages than this fails (bounded memory).
  size_t max_query_results = 10'000;
  size_t max_response_bytes = 8u << 20;
};

struct NotionQuery {
  std::string id;            // a database id, or a data source id
  bool data_source = false;  // `id` names a data source
  nlohmann::json filter;     // null: every row
  nlohmann::json sorts;      // null: Notion's order
};

struct NotionQueryResult {
  std::vector<nlohmann::json> pages;  // as Notion sent them
  int requests = 0;                   // HTTP requests it took (retries included)
};

class NotionClient {
 public:
  using Done = std::move_only_function<void(Result<nlohmann::json>)>;
  using QueryDone = std::move_only_function<void(Result<NotionQueryResult>)>;

  // `limiters` must declare options.limiter (with_notion_limiter()).
  NotionClient(AsyncHttpClient& http, Limiters& limiters, NotionOptions options);

  const NotionOptions& options() const { return options_; }
  void query_all(NotionQuery query, QueryDone done);
  void retrieve_page(const std::string& page_id, Done done);
  // `properties` in Notion's write shape: {"Queue Rank": {"number": 3}}.
  void update_page(const std::string& page_id, nlohmann::json properties, Done done);

  // One request through the limiter, with the retries above. `path`
  // begins with "/v1/". `done` gets the answer's JSON object.
  void call(std::string method, std::string path, std::optional<nlohmann::json> body, Done done);

 private:
  struct Pager;
  void call_attempt(std::shared_ptr<HttpCall> call, int attempt, Done done);
  // The data source to query for database `database_id` (cached).
  void data_source_of(const std::string& database_id,
                      std::move_only_function<void(Result<std::string>)> done);

  AsyncHttpClient& http_;
  Limiters& limiters_;
  NotionOptions options_;
  std::map<std::string, std::string> data_sources_;  // database id → data source id
};

// Whether `id` may be put in a request path: 1-64 of 0-9 A-Z a-z and '-'.
Result<void> check_notion_id(const std::string& id, std::string_view what);
// Whether Notion-Version `version` keeps rows in data sources (2025-09-03 on).
bool uses_data_sources(std::string_view version);

// Notion's answer as a call's result (exposed for tests): the JSON object
// of a 2xx, else the error described above.
Result<nlohmann::json> notion_result(const HttpCallResult& result, const std::string& what);

// `declared` ([limits.*]) plus options.limiter at options' rate and burst,
// unless declared already.
std::map<std::string, LimiterSpec> with_notion_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const NotionOptions& options);

}  // namespace sundial
