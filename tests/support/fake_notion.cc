#include "tests/support/fake_notion.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "server/http/http_server.h"
#include "tests/support/delayed_answers.h"

// Named, not anonymous: the test support library is a unity build, and
// fake_provider.cc has helpers of the same names in its anonymous namespace.
namespace sundial::testing::fake_notion_detail {

using nlohmann::json;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-01T10:00:00.000Z" for now (last_edited_time after a PATCH).
std::string iso_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

// Notion's error shape.
http::HttpResponse error(int status, const std::string& code, const std::string& message) {
  return http::HttpResponse::json(
      status, {{"object", "error"}, {"status", status}, {"code", code}, {"message", message}});
}
http::HttpResponse invalid(const std::string& message) { return error(400, "validation_error", message); }
http::HttpResponse not_found(const std::string& kind, const std::string& id) {
  return error(404, "object_not_found",
               "Could not find " + kind + " with ID: " + id +
                   ". Make sure the relevant pages and databases are shared with your integration.");
}

// The answer to a scripted failure of `status`.
http::HttpResponse scripted(int status, int retry_after_s) {
  static const std::map<int, std::pair<std::string, std::string>> kinds = {
      {409, {"conflict_error", "Transaction could not be completed, potentially due to a data collision."}},
      {429, {"rate_limited", "You have been rate limited. Please try again in a few minutes."}},
      {500, {"internal_server_error", "Unexpected error occurred."}},
      {502, {"bad_gateway", "Bad gateway."}},
      {503, {"service_unavailable", "Notion is unavailable, please try again later."}},
      {504, {"gateway_timeout", "Gateway timeout."}}};
  auto it = kinds.find(status);
  auto response = it != kinds.end() ? error(status, it->second.first, it->second.second)
                                    : error(status, "internal_server_error", "Scripted failure.");
  if (status == 429) response.with_header("Retry-After", std::to_string(retry_after_s));
  return response;
}

json or_null(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? json(nullptr) : *it;
}

// Integral values as JSON integers, as Notion sends them ("3", not "3.0").
json number_value(std::optional<double> v) {
  if (!v) return nullptr;
  if (std::isfinite(*v) && *v == std::floor(*v) && std::abs(*v) < 9e15) return static_cast<int64_t>(*v);
  return *v;
}

json rich_text_items(const std::string& text) {
  return json::array({{{"type", "text"},
                       {"text", {{"content", text}, {"link", nullptr}}},
                       {"plain_text", text},
                       {"href", nullptr}}});
}

// Types Notion computes: writing them is a validation_error.
bool read_only(const std::string& type) {
  static const std::set<std::string> kinds = {"rollup",     "formula",          "created_time",
                                              "created_by", "last_edited_time", "last_edited_by",
                                              "unique_id",  "button",           "verification"};
  return kinds.count(type) > 0;
}

// One property of a database: its name, type and property id.
struct Property {
  std::string name;
  std::string type;
  json id;
};

// The property of `page` named `key`, or whose id is `key`.
std::optional<Property> property_of(const json& page, const std::string& key) {
  auto props = page.find("properties");
  if (props == page.end() || !props->is_object()) return std::nullopt;
  for (const auto& [name, p] : props->items()) {
    if (!p.is_object()) continue;
    auto id = p.find("id");
    bool by_id = id != p.end() && id->is_string() && *id == key;
    if (name != key && !by_id) continue;
    auto type = p.find("type");
    return Property{name, type != p.end() && type->is_string() ? type->get<std::string>() : "",
                    id != p.end() ? *id : json(name)};
  }
  return std::nullopt;
}

// Whether `page` passes `filter` (already checked by Store::check_filter).
bool matches(const json& filter, const json& page) {
  if (filter.contains("and")) {
    for (const auto& f : filter["and"]) {
      if (!matches(f, page)) return false;
    }
    return true;
  }
  if (filter.contains("or")) {
    for (const auto& f : filter["or"]) {
      if (matches(f, page)) return true;
    }
    return false;
  }
  if (filter.contains("timestamp")) {
    // {timestamp: "last_edited_time", last_edited_time: {on_or_after: iso}}:
    // ISO 8601 texts in one format compare as times.
    const std::string& since = filter["last_edited_time"]["on_or_after"].get_ref<const std::string&>();
    return page.value("last_edited_time", "") >= since;
  }
  std::string type;
  for (const auto& [k, _] : filter.items()) {
    if (k != "property") type = k;
  }
  auto prop = property_of(page, filter["property"].get<std::string>());
  if (!prop) return false;
  const json& value = page.at("properties").at(prop->name);
  if (type == "status" || type == "select") {
    // {equals | does_not_equal: name}; an empty option equals nothing.
    const json& option = value.contains(type) ? value[type] : json();
    std::string name = option.is_object() && option.contains("name") && option["name"].is_string()
                           ? option["name"].get<std::string>()
                           : std::string();
    const json& condition = filter[type];
    bool equal = !name.empty() && condition.begin().value() == name;
    return condition.begin().key() == "equals" ? equal : !equal;
  }
  auto list = value.find(type);
  if (list == value.end() || !list->is_array()) return false;
  std::string want = notion_id_key(filter[type]["contains"].get<std::string>());
  return std::any_of(list->begin(), list->end(), [&](const json& item) {
    return item.is_object() && item.contains("id") && item["id"].is_string() &&
           notion_id_key(item["id"].get<std::string>()) == want;
  });
}

// A written value (Notion's write shape) in read shape; `err` says why not.
json to_read_shape(const Property& prop, const json& value, std::string& err) {
  std::string where = "body.properties." + prop.name;
  std::string kind;
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) {
      if (k == "type" || k == "id") continue;
      if (!kind.empty()) kind = "(several)";
      if (kind.empty()) kind = k;
    }
  }
  if (kind.empty() || kind == "(several)" || (value.contains("type") && value["type"] != kind)) {
    err = where + " should be an object with one value key, instead was `" + value.dump() + "`.";
    return {};
  }
  if (kind != prop.type) {
    err = prop.name + " is expected to be " + prop.type + ".";
    return {};
  }
  const json& v = value[kind];
  json out = {{"id", prop.id}, {"type", kind}};
  if (kind == "number") {
    if (!v.is_null() && !v.is_number()) err = where + ".number should be a number or null.";
    out[kind] = v;
  } else if (kind == "checkbox") {
    if (!v.is_boolean()) err = where + ".checkbox should be a boolean.";
    out[kind] = v;
  } else if (kind == "date") {
    bool ok = v.is_null() || (v.is_object() && v.contains("start") && v["start"].is_string());
    for (const char* key : {"end", "time_zone"}) {
      if (ok && !v.is_null() && !or_null(v, key).is_null() && !v[key].is_string()) ok = false;
    }
    if (ok && v.is_object()) {
      for (const auto& [k, _] : v.items()) ok = ok && (k == "start" || k == "end" || k == "time_zone");
    }
    if (!ok)
      err = where + ".date should be null or {start, end?, time_zone?}, instead was `" + v.dump() + "`.";
    out[kind] = v.is_null() ? json(nullptr)
                            : json{{"start", or_null(v, "start")},
                                   {"end", or_null(v, "end")},
                                   {"time_zone", or_null(v, "time_zone")}};
  } else if (kind == "select" || kind == "status") {
    if (kind == "select" && v.is_null()) {
      out[kind] = nullptr;
    } else if (!v.is_object() || !v.contains("name") || !v["name"].is_string()) {
      err = where + "." + kind + ".name should be a string.";
    } else {
      out[kind] = {
          {"id", kind + "-" + v["name"].get<std::string>()}, {"name", v["name"]}, {"color", "default"}};
    }
  } else if (kind == "url") {
    if (!v.is_null() && !v.is_string()) err = where + ".url should be a string or null.";
    out[kind] = v;
  } else if (kind == "rich_text" || kind == "title") {
    out[kind] = json::array();
    for (const auto& item : v.is_array() ? v : json::array({nullptr})) {
      if (!item.is_object() || !item.contains("text") || !item["text"].is_object() ||
          !or_null(item["text"], "content").is_string()) {
        err = where + "." + kind + " should be an array of {text: {content}}.";
        break;
      }
      out[kind].push_back(rich_text_items(item["text"]["content"].get<std::string>())[0]);
    }
  } else {
    err = "The fake cannot write properties of type " + kind + ".";
  }
  return out;
}

struct Database {
  std::string id;                  // as added
  std::string data_source_id;      // as added
  std::vector<std::string> pages;  // page keys, in insertion order
};

struct Failure {
  size_t left = 0;
  int status = 0;
  int retry_after_s = 0;
  std::string prefix;
};

// Everything the fake knows; shared by the test thread and the fake's
// thread. Every member is guarded by `mutex`.
struct Store {
  mutable std::mutex mutex;
  std::string token;
  std::map<std::string, Database> databases;        // by id key
  std::map<std::string, std::string> data_sources;  // data source key → database key
  std::map<std::string, json> pages;                // by id key
  std::map<std::string, std::string> page_db;       // page key → database key
  std::set<std::string> cursors;                    // next_cursor values handed out
  std::deque<Failure> failures;
  int latency_ms = 0;
  std::vector<NotionRequest> requests;

  Database& add_database(const std::string& id, const std::string& data_source_id) {
    std::string key = notion_id_key(id);
    Database& db = databases[key];
    if (!db.data_source_id.empty()) data_sources.erase(notion_id_key(db.data_source_id));
    db.id = id;
    db.data_source_id = data_source_id.empty() ? "ds-" + id : data_source_id;
    data_sources[notion_id_key(db.data_source_id)] = key;
    return db;
  }

  // The property `key` of the database: from `page` first, else from any
  // page of the database (the fake's stand-in for a schema).
  std::optional<Property> schema_property(const std::string& db_key, const std::string& key,
                                          const json* page = nullptr) const {
    if (page != nullptr) {
      if (auto p = property_of(*page, key)) return p;
    }
    for (const auto& page_key : databases.at(db_key).pages) {
      if (auto p = property_of(pages.at(page_key), key)) return p;
    }
    return std::nullopt;
  }

  // Empty when `filter` is a shape the fake evaluates; else why not.
  std::string check_filter(const json& filter, const std::string& db_key) const {
    if (!filter.is_object()) return "body.filter should be an object, instead was `" + filter.dump() + "`.";
    for (const char* op : {"and", "or"}) {
      if (!filter.contains(op)) continue;
      if (filter.size() != 1 || !filter[op].is_array())
        return std::string("body.filter.") + op + " should be an array.";
      for (const auto& f : filter[op]) {
        if (auto e = check_filter(f, db_key); !e.empty()) return e;
      }
      return "";
    }
    if (filter.contains("timestamp")) {
      const json& since = or_null(filter, "last_edited_time");
      if (filter.size() != 2 || filter["timestamp"] != "last_edited_time" || !since.is_object() ||
          since.size() != 1 || !or_null(since, "on_or_after").is_string()) {
        return "The fake evaluates only {timestamp: \"last_edited_time\", last_edited_time: {on_or_after: "
               "<ISO time>}} timestamp filters, not `" +
               filter.dump() + "`.";
      }
      return "";
    }
    auto prop = filter.find("property");
    std::string type;
    for (const auto& [k, _] : filter.items()) {
      if (k != "property") type = k;
    }
    bool by_id = type == "relation" || type == "people";
    bool by_option = type == "status" || type == "select";
    if (prop == filter.end() || !prop->is_string() || filter.size() != 2 || (!by_id && !by_option)) {
      return "The fake evaluates only {property, relation|people: {contains}} and {property, status|select: "
             "{equals|does_not_equal}} filters under and/or, not `" +
             filter.dump() + "`.";
    }
    const json& condition = filter[type];
    if (by_id &&
        (!condition.is_object() || condition.size() != 1 || !or_null(condition, "contains").is_string())) {
      return "body.filter." + type + " should be {\"contains\": <id>}, instead was `" + condition.dump() +
             "`.";
    }
    if (by_option &&
        (!condition.is_object() || condition.size() != 1 ||
         (!or_null(condition, "equals").is_string() && !or_null(condition, "does_not_equal").is_string()))) {
      return "body.filter." + type + " should be {\"equals\" or \"does_not_equal\": <name>}, instead was `" +
             condition.dump() + "`.";
    }
    if (databases.at(db_key).pages.empty()) return "";  // no schema to check against
    auto schema = schema_property(db_key, prop->get<std::string>());
    if (!schema) return "Could not find property with name or id: " + prop->get<std::string>();
    if (schema->type != type)
      return "The property " + schema->name + " is of type " + schema->type + ", not " + type + ".";
    return "";
  }

  http::HttpResponse query(const std::string& db_key, const json& raw) {
    json body = raw.is_null() ? json::object() : raw;
    if (!body.is_object()) return invalid("The body should be an object.");
    for (const auto& [k, v] : body.items()) {
      bool empty_sorts = k == "sorts" && v.is_array() && v.empty();
      if (k != "filter" && k != "page_size" && k != "start_cursor" && !empty_sorts) {
        return invalid("The fake does not support body." + k + ".");
      }
    }
    size_t page_size = 100;
    if (json size = or_null(body, "page_size"); !size.is_null()) {
      if (!size.is_number_integer() || size < 1 || size > 100) {
        return invalid("body.page_size should be a number between 1 and 100, instead was `" + size.dump() +
                       "`.");
      }
      page_size = size.get<size_t>();
    }
    size_t start = 0;
    if (json cursor = or_null(body, "start_cursor"); !cursor.is_null()) {
      if (!cursor.is_string() || cursors.count(cursor.get<std::string>()) == 0) {
        return invalid("body.start_cursor should be a valid cursor, instead was `" + cursor.dump() + "`.");
      }
      start = std::stoul(cursor.get<std::string>());
    }
    json filter = or_null(body, "filter");
    if (!filter.is_null()) {
      if (auto e = check_filter(filter, db_key); !e.empty()) return invalid(e);
    }
    std::vector<const json*> hits;
    for (const auto& key : databases.at(db_key).pages) {
      const json& page = pages.at(key);
      if (filter.is_null() || matches(filter, page)) hits.push_back(&page);
    }
    json results = json::array();
    for (size_t i = start; i < hits.size() && i < start + page_size; ++i) results.push_back(*hits[i]);
    size_t next = start + results.size();
    bool more = next < hits.size();
    json next_cursor = nullptr;
    if (more) {
      next_cursor = std::to_string(next);
      cursors.insert(next_cursor.get<std::string>());
    }
    return http::HttpResponse::json(200, {{"object", "list"},
                                          {"results", std::move(results)},
                                          {"next_cursor", next_cursor},
                                          {"has_more", more},
                                          {"type", "page_or_database"},
                                          {"page_or_database", json::object()}});
  }

  http::HttpResponse patch(const std::string& id, const json& body) {
    auto it = pages.find(notion_id_key(id));
    if (it == pages.end()) return not_found("page", id);
    if (!body.is_object() || !or_null(body, "properties").is_object() || body.size() != 1) {
      return invalid("The fake supports only a body {\"properties\": {...}}, not `" + body.dump() + "`.");
    }
    json updates = json::object();
    for (const auto& [key, value] : body["properties"].items()) {
      auto prop = schema_property(page_db.at(it->first), key, &it->second);
      if (!prop) return invalid(key + " is not a property that exists.");
      if (read_only(prop->type)) {
        return invalid("Cannot update property \"" + prop->name + "\" of type " + prop->type + ".");
      }
      std::string err;
      json read = to_read_shape(*prop, value, err);
      if (!err.empty()) return invalid(err);
      updates[prop->name] = std::move(read);
    }
    for (const auto& [name, value] : updates.items()) it->second["properties"][name] = value;
    it->second["last_edited_time"] = iso_now();
    return http::HttpResponse::json(200, it->second);
  }

  // Spends the first scripted failure matching `path`.
  std::optional<http::HttpResponse> scripted_failure(const std::string& path) {
    for (auto it = failures.begin(); it != failures.end(); ++it) {
      if (!path.starts_with(it->prefix)) continue;
      auto response = scripted(it->status, it->retry_after_s);
      if (--it->left == 0) failures.erase(it);
      return response;
    }
    return std::nullopt;
  }

  // The answer to one request; `body` is its parsed body (null when empty).
  http::HttpResponse answer(const http::HttpRequest& req, const json& body) {
    const std::string* version = req.header("notion-version");
    if (version == nullptr || version->empty()) {
      return error(
          400, "missing_version",
          "Notion-Version header failed validation: Notion-Version header should be defined, instead "
          "was `undefined`.");
    }
    const std::string* auth = req.header("authorization");
    if (auth == nullptr || *auth != "Bearer " + token)
      return error(401, "unauthorized", "API token is invalid.");
    if (auto failed = scripted_failure(req.path)) return *failed;
    if (body.is_discarded()) return error(400, "invalid_json", "Error parsing JSON body.");

    std::vector<std::string> parts;  // "/v1/pages/x" → v1, pages, x
    for (size_t at = 1; at <= req.path.size();) {
      size_t end = std::min(req.path.find('/', at), req.path.size());
      parts.push_back(req.path.substr(at, end - at));
      at = end + 1;
    }
    const std::string& m = req.method;
    if (parts.size() < 3 || parts[0] != "v1" || parts[2].empty()) {
      return error(400, "invalid_request_url", "Invalid request URL.");
    }
    const std::string& kind = parts[1];
    const std::string& id = parts[2];
    bool query_path = parts.size() == 4 && parts[3] == "query" && m == "POST";
    if (kind == "databases" && (query_path || (parts.size() == 3 && m == "GET"))) {
      auto db = databases.find(notion_id_key(id));
      if (db == databases.end()) return not_found("database", id);
      if (query_path) return query(db->first, body);
      return http::HttpResponse::json(
          200,
          {{"object", "database"},
           {"id", db->second.id},
           {"data_sources", json::array({{{"id", db->second.data_source_id}, {"name", db->second.id}}})}});
    }
    if (kind == "data_sources" && query_path) {
      auto ds = data_sources.find(notion_id_key(id));
      if (ds == data_sources.end()) return not_found("data_source", id);
      return query(ds->second, body);
    }
    if (kind == "pages" && parts.size() == 3 && m == "GET") {
      auto page = pages.find(notion_id_key(id));
      return page == pages.end() ? not_found("page", id) : http::HttpResponse::json(200, page->second);
    }
    if (kind == "pages" && parts.size() == 3 && m == "PATCH") return patch(id, body);
    return error(400, "invalid_request_url", "Invalid request URL.");
  }
};

// An answer waiting for its latency timer (the fake's loop thread only).
}  // namespace sundial::testing::fake_notion_detail

namespace sundial::testing {

std::string notion_id_key(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Answers one request (on the fake's thread): now, or after the latency,
// from a timer whose entry waits in `delayed`.
http::HttpHandler FakeNotion::handler(std::shared_ptr<fake_notion_detail::Store> state, Loop& loop,
                                      std::shared_ptr<DelayedAnswers> delayed) {
  return [state, &loop, delayed](http::HttpRequest req, http::Responder r) {
    NotionRequest seen;
    seen.method = req.method;
    seen.path = req.path;
    if (const std::string* v = req.header("notion-version")) seen.notion_version = *v;
    if (const std::string* a = req.header("authorization")) seen.authorization = *a;
    if (!req.body.empty()) seen.body = nlohmann::json::parse(req.body, nullptr, false);
    seen.at_ms = fake_notion_detail::wall_ms();
    http::HttpResponse response;
    int latency = 0;
    {
      std::lock_guard lock(state->mutex);
      response = state->answer(req, seen.body);
      seen.status = response.status;
      state->requests.push_back(std::move(seen));
      latency = state->latency_ms;
    }
    delayed->send(loop, std::move(r), std::move(response), latency);
  };
}

FakeNotion::FakeNotion(std::string token)
    : state_(std::make_shared<fake_notion_detail::Store>()),
      delayed_(std::make_shared<DelayedAnswers>()),
      server_(
          [state = state_, delayed = delayed_](Loop& loop) { return handler(state, loop, delayed); },
          // Answers still waiting for their latency get a 503 as the fake stops.
          [delayed = delayed_] {
            delayed->flush(fake_notion_detail::error(503, "service_unavailable", "The fake is stopping."));
          }) {
  std::lock_guard lock(state_->mutex);
  state_->token = std::move(token);
}

FakeNotion::~FakeNotion() = default;

void FakeNotion::add_database(const std::string& database_id, const std::string& data_source_id) {
  std::lock_guard lock(state_->mutex);
  state_->add_database(database_id, data_source_id);
}

std::string FakeNotion::data_source_id(const std::string& database_id) const {
  std::lock_guard lock(state_->mutex);
  auto db = state_->databases.find(notion_id_key(database_id));
  return db == state_->databases.end() ? std::string() : db->second.data_source_id;
}

void FakeNotion::add_page(const std::string& database_id, nlohmann::json page) {
  if (!page.is_object() || !page.contains("id") || !page["id"].is_string()) {
    throw std::invalid_argument("FakeNotion::add_page: the page needs a string \"id\"");
  }
  std::string key = notion_id_key(page["id"].get<std::string>());
  std::lock_guard lock(state_->mutex);
  std::string db_key = notion_id_key(database_id);
  if (!state_->databases.contains(db_key)) state_->add_database(database_id, "");
  auto old = state_->page_db.find(key);
  if (old != state_->page_db.end() && old->second != db_key)
    std::erase(state_->databases[old->second].pages, key);
  if (old == state_->page_db.end() || old->second != db_key) state_->databases[db_key].pages.push_back(key);
  state_->page_db[key] = db_key;
  state_->pages[key] = std::move(page);
}

nlohmann::json FakeNotion::page(const std::string& id) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->pages.find(notion_id_key(id));
  return it == state_->pages.end() ? nlohmann::json(nullptr) : it->second;
}

void FakeNotion::fail_next(size_t n, int status, int retry_after_s, std::string path_prefix) {
  if (n == 0) return;
  std::lock_guard lock(state_->mutex);
  state_->failures.push_back({n, status, retry_after_s, std::move(path_prefix)});
}

void FakeNotion::set_latency_ms(int ms) {
  std::lock_guard lock(state_->mutex);
  state_->latency_ms = ms;
}

std::vector<NotionRequest> FakeNotion::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

size_t FakeNotion::count(const std::string& method, const std::string& path_prefix) const {
  std::lock_guard lock(state_->mutex);
  return static_cast<size_t>(
      std::count_if(state_->requests.begin(), state_->requests.end(), [&](const NotionRequest& r) {
        return (method.empty() || r.method == method) && r.path.starts_with(path_prefix);
      }));
}

size_t FakeNotion::max_in_window(int64_t window_ms) const {
  std::vector<int64_t> at;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& r : state_->requests) at.push_back(r.at_ms);
  }
  std::sort(at.begin(), at.end());
  size_t best = 0;
  for (size_t first = 0, last = 0; first < at.size(); ++first) {
    last = std::max(last, first);
    while (last < at.size() && at[last] < at[first] + window_ms) ++last;
    best = std::max(best, last - first);
  }
  return best;
}

nlohmann::json notion_page(const std::string& id, const std::string& database_id, nlohmann::json properties,
                           const std::string& created_time) {
  for (auto& [name, prop] : properties.items()) {
    if (prop.is_object() && !prop.contains("id"))
      prop["id"] = prop.value("type", "") == "title" ? "title" : name;
  }
  return {{"object", "page"},
          {"id", id},
          {"created_time", created_time},
          {"last_edited_time", created_time},
          {"archived", false},
          {"in_trash", false},
          {"parent", {{"type", "database_id"}, {"database_id", database_id}}},
          {"properties", std::move(properties)},
          {"url", "https://www.notion.so/" + notion_id_key(id)}};
}

nlohmann::json title_prop(const std::string& text) {
  return {{"type", "title"}, {"title", fake_notion_detail::rich_text_items(text)}};
}

nlohmann::json rich_text_prop(const std::string& text) {
  return {{"type", "rich_text"}, {"rich_text", fake_notion_detail::rich_text_items(text)}};
}

nlohmann::json people_prop(const std::vector<std::string>& user_ids) {
  nlohmann::json people = nlohmann::json::array();
  for (const auto& id : user_ids) people.push_back({{"object", "user"}, {"id", id}});
  return {{"type", "people"}, {"people", std::move(people)}};
}

nlohmann::json relation_prop(const std::vector<std::string>& page_ids, bool has_more) {
  nlohmann::json relation = nlohmann::json::array();
  for (const auto& id : page_ids) relation.push_back({{"id", id}});
  return {{"type", "relation"}, {"relation", std::move(relation)}, {"has_more", has_more}};
}

nlohmann::json number_prop(std::optional<double> value) {
  return {{"type", "number"}, {"number", fake_notion_detail::number_value(value)}};
}

nlohmann::json date_prop(std::optional<std::string> start, std::optional<std::string> end) {
  nlohmann::json date = nullptr;
  if (start) date = {{"start", *start}, {"end", end ? nlohmann::json(*end) : nullptr}, {"time_zone", nullptr}};
  return {{"type", "date"}, {"date", std::move(date)}};
}

nlohmann::json checkbox_prop(bool checked) { return {{"type", "checkbox"}, {"checkbox", checked}}; }

nlohmann::json rollup_number_prop(std::optional<double> value) {
  return {{"type", "rollup"},
          {"rollup",
           {{"type", "number"}, {"number", fake_notion_detail::number_value(value)}, {"function", "sum"}}}};
}

nlohmann::json status_prop(const std::string& name) {
  return {{"type", "status"}, {"status", {{"id", "status-" + name}, {"name", name}, {"color", "default"}}}};
}

nlohmann::json select_prop(std::optional<std::string> name) {
  nlohmann::json option = nullptr;
  if (name) option = {{"id", "select-" + *name}, {"name", *name}, {"color", "default"}};
  return {{"type", "select"}, {"select", std::move(option)}};
}

}  // namespace sundial::testing
