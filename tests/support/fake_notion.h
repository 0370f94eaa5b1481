// FakeNotion: a stand-in for the Notion API on a loopback port, for tests
// of Notion connectors and workflows. It serves, on its own thread and
// loop (it reuses server/http):
//   GET   /v1/databases/{id}             the database and its one data source
//   POST  /v1/databases/{id}/query       legacy query (Notion-Version 2022-06-28)
//   POST  /v1/data_sources/{id}/query    query (Notion-Version 2025-09-03)
//   GET   /v1/pages/{id}                 a page
//   PATCH /v1/pages/{id}                 merges {"properties": {...}} into a page
// as Notion does on the wire: Bearer token and Notion-Version checks,
// Notion's error shape {"object":"error","status","code","message"},
// cursors and page_size (at most 100), relation/people "contains" filters
// and the last_edited_time "on_or_after" timestamp filter under "and"/"or", and 400 validation_error for any
// shape it does not evaluate, so a test catches a wrong request rather than passing on it. IDs compare with
// dashes removed and lower-cased. Every request is recorded; tests can script 429 (with Retry-After) and 5xx
// answers, and a latency (a timer on the fake's loop: the state changes on arrival, the answer leaves later,
// so a client killed mid-flight still wrote).
//
// The "schema" of a database is what its pages hold: a filter or PATCH
// naming a property no page of the database has is a validation_error.
//
// Threading: the public methods are safe from any thread (one mutex); the
// server runs on the fake's own thread. Ownership: the fake owns its
// thread, loop, server and all stored pages; methods return copies.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/loopback_server.h"

namespace sundial::testing {

struct NotionRequest {
  std::string method;          // "GET", "POST", "PATCH"
  std::string path;            // "/v1/pages/abc", without the query
  std::string notion_version;  // the Notion-Version header; empty when absent
  std::string authorization;   // the Authorization header as sent
  nlohmann::json body;         // null when empty; discarded when not JSON
  int64_t at_ms = 0;           // wall clock at arrival
  int status = 0;              // the status the fake answered
};

class DelayedAnswers;  // answers waiting for their latency (delayed_answers.h)

namespace fake_notion_detail {
struct Store;  // the fake's state, shared with its thread (fake_notion.cc)
}  // namespace fake_notion_detail

class FakeNotion {
 public:
  explicit FakeNotion(std::string token = "secret_test");
  ~FakeNotion();
  FakeNotion(const FakeNotion&) = delete;
  FakeNotion& operator=(const FakeNotion&) = delete;

  int port() const { return server_.port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Adds (or re-maps) a database; its data source id defaults to
  // "ds-" + database_id.
  void add_database(const std::string& database_id, const std::string& data_source_id = "");
  // The data source of a database; empty when unknown.
  std::string data_source_id(const std::string& database_id) const;
  // Stores `page` (page["id"] required; throws std::invalid_argument
  // without it) after the database's other pages: queries answer in
  // insertion order. Adds the database when unknown. A page with a known
  // id replaces it, keeping its place.
  void add_page(const std::string& database_id, nlohmann::json page);
  // The stored page (after PATCHes); null when unknown.
  nlohmann::json page(const std::string& id) const;

  // The next `n` requests whose path starts with `path_prefix` (empty:
  // any) answer `status` instead: 429 rate_limited with "Retry-After:
  // <retry_after_s>", or a 5xx. Checked after the token and version, so a
  // scripted failure is never spent on a request Notion would refuse.
  // Scripts queue: a request spends the first one it matches.
  void fail_next(size_t n, int status, int retry_after_s = 1, std::string path_prefix = "");
  // Every answer from now on leaves `ms` after its request arrived (0: at once).
  void set_latency_ms(int ms);

  // Every request, in arrival order.
  std::vector<NotionRequest> requests() const;
  // Requests with this method (empty: any) whose path starts with `path_prefix`.
  size_t count(const std::string& method, const std::string& path_prefix = "") const;
  // The most requests that arrived within any `window_ms` (a window
  // sliding over the arrival times, [t, t + window_ms)).
  size_t max_in_window(int64_t window_ms) const;

 private:
  std::shared_ptr<fake_notion_detail::Store> state_;
  static http::HttpHandler handler(std::shared_ptr<fake_notion_detail::Store> state, Loop& loop,
                                   std::shared_ptr<DelayedAnswers> delayed);

  // Answers waiting for their latency (the server's thread only).
  std::shared_ptr<DelayedAnswers> delayed_;
  LoopbackServer server_;  // last: stopped before the state goes
};

// IDs as the fake compares them: dashes removed, lower-cased.
std::string notion_id_key(std::string_view id);

// Builders of pages and property values in Notion's read shape. A page's
// properties get an "id" when they have none ("title" for the title, else
// the property's name).
nlohmann::json notion_page(const std::string& id, const std::string& database_id, nlohmann::json properties,
                           const std::string& created_time = "2026-11-01T10:00:00.000Z");
nlohmann::json title_prop(const std::string& text);
nlohmann::json rich_text_prop(const std::string& text);
nlohmann::json people_prop(const std::vector<std::string>& user_ids);
nlohmann::json relation_prop(const std::vector<std::string>& page_ids, bool has_more = false);
nlohmann::json number_prop(std::optional<double> value);
// A date, or with `end` a range.
nlohmann::json date_prop(std::optional<std::string> start, std::optional<std::string> end = std::nullopt);
nlohmann::json checkbox_prop(bool checked);
nlohmann::json rollup_number_prop(std::optional<double> value);
nlohmann::json status_prop(const std::string& name);
nlohmann::json select_prop(std::optional<std::string> name);

}  // namespace sundial::testing
