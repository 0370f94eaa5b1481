#include "tests/support/fake_github.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>

#include "engine/base/text.h"
#include "engine/loop/timer.h"
#include "server/http/message.h"
#include "server/http/responder.h"
#include "tests/support/delayed_answers.h"

// Named, not anonymous: the test support library is a unity build, and
// the other fakes have helpers of the same names.
namespace sundial::testing::fake_github_detail {

using nlohmann::json;

constexpr const char* kDocs = "https://docs.github.com/rest";
constexpr const char* kApiVersion = "2022-11-28";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// GitHub's error shape.
http::HttpResponse error(int status, const std::string& message, json errors = nullptr) {
  json body = {{"message", message}, {"documentation_url", kDocs}, {"status", std::to_string(status)}};
  if (!errors.is_null()) body["errors"] = std::move(errors);
  return http::HttpResponse::json(status, body);
}
http::HttpResponse not_found() { return error(404, "Not Found"); }
// 422 "Validation Failed" with one errors[] entry.
http::HttpResponse invalid(const std::string& resource, const std::string& field, const std::string& code,
                           const std::string& message = "") {
  json entry = {{"resource", resource}, {"code", code}};
  if (!field.empty()) entry["field"] = field;
  if (!message.empty()) entry["message"] = message;
  return error(422, "Validation Failed", json::array({entry}));
}
// What the fake does not evaluate (GitHub might): a 422 naming it.
http::HttpResponse unsupported(const std::string& what) {
  return error(422, "The fake GitHub does not evaluate " + what);
}

// The answer to a scripted failure.
http::HttpResponse scripted(const GitHubFailure& f) {
  std::string message = f.message;
  if (message.empty()) {
    static const std::map<int, std::string> kMessages = {
        {403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
        {404, "Not Found"},
        {422, "Validation Failed"},
        {429, "API rate limit exceeded"},
        {500, "Server Error"},
        {502, "Server Error"},
        {503, "Service Unavailable"}};
    auto it = kMessages.find(f.status);
    message = it != kMessages.end() ? it->second : "Scripted failure";
    if (f.ratelimit_reset) message = "API rate limit exceeded for user ID 1.";
  }
  auto response = error(f.status, message);
  if (f.retry_after_s >= 0) response.with_header("Retry-After", std::to_string(f.retry_after_s));
  if (f.ratelimit_reset) {
    response.with_header("x-ratelimit-limit", "5000")
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-used", "5000")
        .with_header("x-ratelimit-reset", std::to_string(*f.ratelimit_reset))
        .with_header("x-ratelimit-resource", "core");
  }
  return response;
}

json or_null(const json& object, const char* key) {
  auto it = object.is_object() ? object.find(key) : object.end();
  return object.is_object() && it != object.end() ? *it : json(nullptr);
}

bool is_string_list(const json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); });
}

struct Failure {
  size_t left = 0;
  GitHubFailure answer;
  std::string prefix;
};

struct Pull {
  json data;  // as GET .../pulls/{n} answers, but for mergeable_state
  std::string mergeable_state = "clean";
};

struct Repo {
  std::string owner;
  std::string name;
  int64_t next_number = 1;
  std::map<int64_t, json> issues;  // issues only
  std::map<int64_t, Pull> pulls;
  std::map<int64_t, std::vector<json>> comments;                  // issue or pull number → comments
  std::map<std::string, std::string> branches;                    // name → head sha
  std::map<std::string, std::map<std::string, json>> statuses;    // sha → context → status
  std::map<std::string, std::map<std::string, json>> check_runs;  // sha → name → run

  std::string full() const { return owner + "/" + name; }
  std::string html(const std::string& tail) const { return "https://github.com/" + full() + tail; }
};

// A query string's parameters, checked against the ones a route evaluates.
struct Params {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string get(const std::string& name, const std::string& fallback = "") const {
    for (const auto& [k, v] : pairs) {
      if (k == name) return v;
    }
    return fallback;
  }
  // The first parameter not in `known`; empty when none.
  std::string unknown(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, _] : pairs) {
      if (std::find(known.begin(), known.end(), k) == known.end()) return k;
    }
    return "";
  }
};

// Everything the fake knows; shared by the test thread and the fake's
// thread. Every member is guarded by `mutex`.
struct Store {
  mutable std::mutex mutex;
  std::string token;
  std::map<std::string, Repo> repos;  // by lower-cased "owner/name"
  int64_t next_id = 1000;
  std::deque<Failure> failures;
  int latency_ms = 0;
  size_t issues_created = 0;
  size_t pulls_created = 0;
  std::vector<GitHubRequest> requests;

  Repo& repo(const std::string& owner, const std::string& name) {
    std::string key = ascii_lower(owner + "/" + name);
    auto it = repos.find(key);
    if (it != repos.end()) return it->second;
    Repo& r = repos[key];
    r.owner = owner;
    r.name = name;
    r.branches["main"] = fake_sha(key + ":main");
    return r;
  }
  Repo& repo(const std::string& full) {
    size_t slash = full.find('/');
    return repo(full.substr(0, slash), slash == std::string::npos ? "" : full.substr(slash + 1));
  }
  const Repo* find_repo(const std::string& full) const {
    auto it = repos.find(ascii_lower(full));
    return it == repos.end() ? nullptr : &it->second;
  }

  json user() const { return {{"login", "sundial-bot"}, {"id", 1}, {"type", "User"}}; }

  // Issue or pull request fields from a create or PATCH body into `item`;
  // an error answer when a field is not acceptable.
  std::optional<http::HttpResponse> apply_fields(json& item, const json& body, const char* resource) {
    if (body.contains("title")) {
      const json& t = body["title"];
      if (!t.is_string() || t.get<std::string>().empty()) return invalid(resource, "title", "invalid");
      item["title"] = t;
    }
    if (body.contains("body")) {
      if (!body["body"].is_string() && !body["body"].is_null()) return invalid(resource, "body", "invalid");
      item["body"] = body["body"];
    }
    if (body.contains("labels")) {
      if (!is_string_list(body["labels"])) return invalid(resource, "labels", "invalid");
      json labels = json::array();
      for (const auto& l : body["labels"]) labels.push_back({{"name", l}, {"color", "ededed"}});
      item["labels"] = std::move(labels);
    }
    if (body.contains("assignees")) {
      if (!is_string_list(body["assignees"])) return invalid(resource, "assignees", "invalid");
      json people = json::array();
      for (const auto& a : body["assignees"]) people.push_back({{"login", a}, {"type", "User"}});
      item["assignee"] = people.empty() ? json(nullptr) : people[0];
      item["assignees"] = std::move(people);
    }
    if (body.contains("milestone")) {
      if (!body["milestone"].is_null() && !body["milestone"].is_number_integer())
        return invalid(resource, "milestone", "invalid");
      item["milestone"] = body["milestone"];
    }
    std::string old_state = item.value("state", "open");
    if (body.contains("state")) {
      const json& s = body["state"];
      if (s != "open" && s != "closed") return invalid(resource, "state", "invalid");
      item["state"] = s;
    }
    std::string state = item.value("state", "open");
    if (state != old_state) {
      item["closed_at"] = state == "closed" ? json(iso_now()) : json(nullptr);
      json reason = or_null(body, "state_reason");
      if (!reason.is_null() && reason != "completed" && reason != "not_planned" && reason != "reopened")
        return invalid(resource, "state_reason", "invalid");
      if (reason.is_null()) reason = state == "closed" ? "completed" : "reopened";
      item["state_reason"] = reason;
    }
    item["updated_at"] = iso_now();
    return std::nullopt;
  }

  int64_t create_issue(Repo& r, const json& body, json& out) {
    int64_t number = r.next_number++;
    int64_t id = next_id++;
    json issue = {{"id", id},
                  {"node_id", "I_kwDO" + std::to_string(id)},
                  {"number", number},
                  {"html_url", r.html("/issues/" + std::to_string(number))},
                  {"title", ""},
                  {"body", nullptr},
                  {"state", "open"},
                  {"state_reason", nullptr},
                  {"labels", json::array()},
                  {"assignee", nullptr},
                  {"assignees", json::array()},
                  {"milestone", nullptr},
                  {"comments", 0},
                  {"locked", false},
                  {"user", user()},
                  {"created_at", iso_now()},
                  {"closed_at", nullptr}};
    apply_fields(issue, body, "Issue");
    r.issues[number] = issue;
    out = std::move(issue);
    return number;
  }

  // A pull request as GET .../pulls/{n} answers it.
  json pull_view(const Pull& p) const {
    json out = p.data;
    bool open = out["state"] == "open";
    std::string state = !open || out["merged"] == true ? "unknown"
                        : out["draft"] == true         ? "draft"
                                                       : p.mergeable_state;
    out["mergeable_state"] = state;
    out["mergeable"] = state == "unknown" ? json(nullptr) : json(state != "dirty");
    return out;
  }
  // A pull request as the issues API shows it.
  json pull_as_issue(const Repo& r, const Pull& p) const {
    const json& d = p.data;
    int64_t n = d["number"];
    return {{"id", d["id"]},
            {"node_id", d["node_id"]},
            {"number", n},
            {"html_url", d["html_url"]},
            {"title", d["title"]},
            {"body", d["body"]},
            {"state", d["state"]},
            {"labels", d["labels"]},
            {"assignees", d["assignees"]},
            {"comments", r.comments.contains(n) ? r.comments.at(n).size() : 0},
            {"user", d["user"]},
            {"created_at", d["created_at"]},
            {"updated_at", d["updated_at"]},
            {"pull_request", {{"html_url", d["html_url"]}, {"merged_at", d["merged_at"]}}}};
  }

  // page and per_page of a listing; an error answer when out of range.
  std::optional<http::HttpResponse> paging(const Params& q, size_t& page, size_t& per_page) {
    try {
      per_page = std::stoul(q.get("per_page", "30"));
      page = std::stoul(q.get("page", "1"));
    } catch (const std::exception&) {
      return error(400, "per_page and page must be integers");
    }
    if (per_page < 1 || per_page > 100 || page < 1)
      return error(422, "per_page is 1-100 and page at least 1");
    return std::nullopt;
  }

  // One page of `items`, with GitHub's Link header when more follow.
  http::HttpResponse page_of(const std::vector<json>& items, const Params& q, size_t page, size_t per_page,
                             const std::string& self_url, const std::string& items_field = "") {
    json list = json::array();
    for (size_t i = (page - 1) * per_page; i < items.size() && i < page * per_page; ++i)
      list.push_back(items[i]);
    json body = list;
    if (!items_field.empty()) body = {{"total_count", items.size()}, {items_field, list}};
    auto response = http::HttpResponse::json(200, body);
    size_t last = std::max<size_t>(1, (items.size() + per_page - 1) / per_page);
    auto link = [&](size_t p) {
      std::string url = self_url + "?";
      for (const auto& [k, v] : q.pairs) {
        if (k != "page") url += url_encode(k) + "=" + url_encode(v) + "&";
      }
      return "<" + url + "page=" + std::to_string(p) + ">";
    };
    if (page < last) {
      response.with_header("Link", link(page + 1) + "; rel=\"next\", " + link(last) + "; rel=\"last\"");
    }
    return response;
  }

  http::HttpResponse list_issues(Repo& r, const Params& q, const std::string& self_url) {
    if (auto k = q.unknown({"state", "sort", "direction", "per_page", "page"}); !k.empty())
      return unsupported("the issues parameter " + k);
    std::string state = q.get("state", "open");
    std::string sort = q.get("sort", "created");
    std::string direction = q.get("direction", "desc");
    if (state != "open" && state != "closed" && state != "all") return invalid("Issue", "state", "invalid");
    if (sort != "created" && sort != "updated") return unsupported("sort=" + sort);
    if (direction != "asc" && direction != "desc") return invalid("Issue", "direction", "invalid");
    size_t page = 1, per_page = 30;
    if (auto bad = paging(q, page, per_page)) return *bad;
    std::vector<json> items;
    for (const auto& [n, issue] : r.issues) items.push_back(issue);
    for (const auto& [n, pull] : r.pulls) items.push_back(pull_as_issue(r, pull));
    std::erase_if(items, [&](const json& i) { return state != "all" && i["state"] != state; });
    // Numbers grow with creation; "updated" orders by the ISO time, then number.
    std::sort(items.begin(), items.end(), [&](const json& a, const json& b) {
      auto key = [&](const json& i) {
        return std::make_pair(sort == "updated" ? i.value("updated_at", "") : std::string(),
                              i["number"].get<int64_t>());
      };
      return direction == "asc" ? key(a) < key(b) : key(b) < key(a);
    });
    return page_of(items, q, page, per_page, self_url);
  }

  http::HttpResponse create_pull(Repo& r, const json& body) {
    for (const auto& [k, _] : body.items()) {
      if (k != "title" && k != "head" && k != "base" && k != "body" && k != "draft" &&
          k != "maintainer_can_modify")
        return unsupported("the pull request field " + k);
    }
    if (!body.contains("title") || !body["title"].is_string() || body["title"].get<std::string>().empty())
      return invalid("PullRequest", "title", "missing_field");
    json head = or_null(body, "head"), base = or_null(body, "base");
    if (!head.is_string()) return invalid("PullRequest", "head", "missing_field");
    if (!base.is_string()) return invalid("PullRequest", "base", "missing_field");
    std::string head_ref = head.get<std::string>();
    if (size_t colon = head_ref.find(':'); colon != std::string::npos) {
      if (ascii_lower(head_ref.substr(0, colon)) != ascii_lower(r.owner))
        return invalid("PullRequest", "head", "invalid");
      head_ref = head_ref.substr(colon + 1);
    }
    std::string base_ref = base.get<std::string>();
    auto h = r.branches.find(head_ref);
    if (h == r.branches.end()) return invalid("PullRequest", "head", "invalid");
    auto b = r.branches.find(base_ref);
    if (b == r.branches.end()) return invalid("PullRequest", "base", "invalid");
    if (h->second == b->second) {
      return invalid("PullRequest", "", "custom", "No commits between " + base_ref + " and " + head_ref);
    }
    for (const auto& [n, p] : r.pulls) {
      if (p.data["state"] == "open" && p.data["head"]["ref"] == head_ref && p.data["base"]["ref"] == base_ref)
        return invalid("PullRequest", "", "custom",
                       "A pull request already exists for " + r.owner + ":" + head_ref + ".");
    }
    if (body.contains("draft") && !body["draft"].is_boolean())
      return invalid("PullRequest", "draft", "invalid");
    int64_t number = r.next_number++;
    int64_t id = next_id++;
    json data = {{"id", id},
                 {"node_id", "PR_kwDO" + std::to_string(id)},
                 {"number", number},
                 {"html_url", r.html("/pull/" + std::to_string(number))},
                 {"title", body["title"]},
                 {"body", or_null(body, "body")},
                 {"state", "open"},
                 {"draft", body.value("draft", false)},
                 {"merged", false},
                 {"merged_at", nullptr},
                 {"merge_commit_sha", nullptr},
                 {"labels", json::array()},
                 {"assignees", json::array()},
                 {"user", user()},
                 {"created_at", iso_now()},
                 {"updated_at", iso_now()},
                 {"closed_at", nullptr},
                 {"head", {{"ref", head_ref}, {"sha", h->second}, {"label", r.owner + ":" + head_ref}}},
                 {"base", {{"ref", base_ref}, {"sha", b->second}, {"label", r.owner + ":" + base_ref}}}};
    r.pulls[number].data = data;
    ++pulls_created;
    return http::HttpResponse::json(201, pull_view(r.pulls[number]));
  }

  http::HttpResponse list_pulls(Repo& r, const Params& q, const std::string& self_url) {
    if (auto k = q.unknown({"head", "base", "state", "sort", "direction", "per_page", "page"}); !k.empty())
      return unsupported("the pulls parameter " + k);
    std::string state = q.get("state", "open");
    if (state != "open" && state != "closed" && state != "all")
      return invalid("PullRequest", "state", "invalid");
    if (q.get("sort", "created") != "created") return unsupported("sort=" + q.get("sort"));
    std::string direction = q.get("direction", "desc");
    std::string head = q.get("head"), base = q.get("base");
    size_t page = 1, per_page = 30;
    if (auto bad = paging(q, page, per_page)) return *bad;
    std::vector<json> items;
    for (const auto& [n, p] : r.pulls) {
      const json& d = p.data;
      if (state != "all" && d["state"] != state) continue;
      // head is "owner:branch" (GitHub ignores a head without the owner).
      if (!head.empty() && head.find(':') != std::string::npos &&
          ascii_lower(head) != ascii_lower(r.owner) + ":" + ascii_lower(d["head"]["ref"].get<std::string>()))
        continue;
      if (!base.empty() && d["base"]["ref"] != base) continue;
      items.push_back(pull_view(p));
    }
    if (direction == "desc") std::reverse(items.begin(), items.end());
    return page_of(items, q, page, per_page, self_url);
  }

  http::HttpResponse merge(Repo& r, int64_t number, const json& body) {
    auto it = r.pulls.find(number);
    if (it == r.pulls.end()) return not_found();
    Pull& p = it->second;
    std::string method = body.value("merge_method", "merge");
    if (method != "merge" && method != "squash" && method != "rebase")
      return invalid("PullRequest", "merge_method", "invalid");
    if (p.data["merged"] == true || p.data["state"] != "open")
      return error(405, "Pull Request is not mergeable");
    if (body.contains("sha") && body["sha"] != p.data["head"]["sha"])
      return error(409, "Head branch was modified. Review and try the merge again.");
    if (pull_view(p)["mergeable_state"] != "clean") return error(405, "Pull Request is not mergeable");
    std::string sha = fake_sha(r.full() + ":merge:" + std::to_string(number));
    p.data["merged"] = true;
    p.data["state"] = "closed";
    p.data["merged_at"] = p.data["closed_at"] = p.data["updated_at"] = iso_now();
    p.data["merge_commit_sha"] = sha;
    r.branches[p.data["base"]["ref"].get<std::string>()] = sha;
    return http::HttpResponse::json(
        200, {{"sha", sha}, {"merged", true}, {"message", "Pull Request successfully merged"}});
  }

  // The commit `ref` names: a branch's head, else itself.
  static std::string commit_of(const Repo& r, const std::string& ref) {
    auto b = r.branches.find(ref);
    return b == r.branches.end() ? ref : b->second;
  }

  http::HttpResponse combined_status(const Repo& r, const std::string& ref) {
    std::string sha = commit_of(r, ref);
    json list = json::array();
    std::string state = "success";
    if (auto it = r.statuses.find(sha); it != r.statuses.end()) {
      for (const auto& [context, s] : it->second) {
        list.push_back(s);
        if (s["state"] == "failure" || s["state"] == "error") state = "failure";
        if (s["state"] == "pending" && state != "failure") state = "pending";
      }
    }
    if (list.empty()) state = "pending";  // as GitHub: no statuses is "pending", total_count 0
    return http::HttpResponse::json(
        200, {{"state", state}, {"sha", sha}, {"total_count", list.size()}, {"statuses", list}});
  }

  http::HttpResponse check_runs_of(const Repo& r, const std::string& ref, const Params& q,
                                   const std::string& self_url) {
    if (auto k = q.unknown({"per_page", "page", "filter"}); !k.empty())
      return unsupported("the check-runs parameter " + k);
    size_t page = 1, per_page = 30;
    if (auto bad = paging(q, page, per_page)) return *bad;
    std::vector<json> runs;
    if (auto it = r.check_runs.find(commit_of(r, ref)); it != r.check_runs.end()) {
      for (const auto& [name, run] : it->second) runs.push_back(run);
    }
    return page_of(runs, q, page, per_page, self_url, "check_runs");
  }

  http::HttpResponse graphql(const json& body) {
    auto gql_error = [](const std::string& message, const std::string& type = "") {
      json e = {{"message", message}};
      if (!type.empty()) e["type"] = type;
      return http::HttpResponse::json(200, {{"errors", json::array({e})}});
    };
    std::string query = or_null(body, "query").is_string() ? body["query"].get<std::string>() : "";
    bool ready = query.find("markPullRequestReadyForReview") != std::string::npos;
    bool to_draft = query.find("convertPullRequestToDraft") != std::string::npos;
    if (ready == to_draft) {
      return gql_error(
          "The fake GitHub evaluates only markPullRequestReadyForReview or convertPullRequestToDraft");
    }
    std::string mutation = ready ? "markPullRequestReadyForReview" : "convertPullRequestToDraft";
    json id = or_null(or_null(body, "variables"), "pullRequestId");
    if (!id.is_string() || query.find("$pullRequestId") == std::string::npos)
      return gql_error("Variable $pullRequestId of type ID! was provided invalid value");
    for (auto& [key, r] : repos) {
      for (auto& [n, p] : r.pulls) {
        if (p.data["node_id"] != id) continue;
        p.data["draft"] = !ready;
        p.data["updated_at"] = iso_now();
        return http::HttpResponse::json(
            200, {{"data", {{mutation, {{"pullRequest", {{"id", id}, {"isDraft", !ready}}}}}}}});
      }
    }
    json out = {{"data", {{mutation, nullptr}}},
                {"errors",
                 {{{"type", "NOT_FOUND"},
                   {"path", {mutation}},
                   {"message",
                    "Could not resolve to a node with the global id of '" + id.get<std::string>() + "'."}}}}};
    return http::HttpResponse::json(200, out);
  }

  // Spends the first scripted failure matching `path`.
  std::optional<http::HttpResponse> scripted_failure(const std::string& path) {
    for (auto it = failures.begin(); it != failures.end(); ++it) {
      if (!path.starts_with(it->prefix)) continue;
      auto response = scripted(it->answer);
      if (--it->left == 0) failures.erase(it);
      return response;
    }
    return std::nullopt;
  }

  http::HttpResponse answer(const http::HttpRequest& req, const json& body);
  http::HttpResponse repo_route(const http::HttpRequest& req, const std::vector<std::string>& parts,
                                const json& body);
};

// The answer to one request; `body` is its parsed body (null when empty).
http::HttpResponse Store::answer(const http::HttpRequest& req, const json& body) {
  const std::string* agent = req.header("user-agent");
  if (agent == nullptr || agent->empty()) {
    return error(
        403,
        "Request forbidden by administrative rules. Please make sure your request has a User-Agent "
        "header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).");
  }
  const std::string* auth = req.header("authorization");
  if (auth == nullptr || *auth != "Bearer " + token) return error(401, "Bad credentials");
  const std::string* version = req.header("x-github-api-version");
  if (version == nullptr || *version != kApiVersion) {
    return error(400, "The fake GitHub requires X-GitHub-Api-Version: " + std::string(kApiVersion) +
                          ", not '" + (version ? *version : "") + "'");
  }
  if (auto failed = scripted_failure(req.path)) return *failed;
  if (body.is_discarded()) return error(400, "Problems parsing JSON");

  // Segments of the raw path, each decoded: "feature%2Fx" stays one segment.
  std::string raw = req.target.substr(0, req.target.find('?'));
  std::vector<std::string> parts;
  for (size_t at = 1; at <= raw.size();) {
    size_t end = std::min(raw.find('/', at), raw.size());
    auto part = http::percent_decode(std::string_view(raw).substr(at, end - at));
    if (!part) return not_found();
    parts.push_back(std::move(*part));
    at = end + 1;
  }
  if (parts.size() == 1 && parts[0] == "graphql" && req.method == "POST") return graphql(body);
  if (parts.size() >= 3 && parts[0] == "repos") return repo_route(req, parts, body);
  return not_found();
}

http::HttpResponse Store::repo_route(const http::HttpRequest& req, const std::vector<std::string>& parts,
                                     const json& body) {
  auto name_ok = [](const std::string& s) {
    return !s.empty() && s.size() <= 100 && s.find_first_not_of(".") != std::string::npos &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) {
             return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
           });
  };
  if (!name_ok(parts[1]) || !name_ok(parts[2])) return not_found();
  Repo& r = repo(parts[1], parts[2]);
  const std::string& m = req.method;
  Params q{req.query};
  const std::string* host = req.header("host");
  std::string self_url = "http://" + (host ? *host : std::string("127.0.0.1")) + req.path;
  size_t n = parts.size();
  std::string kind = n > 3 ? parts[3] : "";
  int64_t number = 0;
  if (n > 4 && (kind == "issues" || kind == "pulls")) {
    try {
      size_t used = 0;
      number = std::stoll(parts[4], &used);
      if (used != parts[4].size() || number < 1) return not_found();
    } catch (const std::exception&) {
      return not_found();
    }
  }
  if (!body.is_null() && !body.is_object()) return error(400, "Problems parsing JSON");

  if (kind == "issues" && n == 4 && m == "POST") {
    for (const auto& [k, _] : body.items()) {
      if (k != "title" && k != "body" && k != "labels" && k != "assignees" && k != "milestone")
        return unsupported("the issue field " + k);
    }
    if (!body.contains("title")) return invalid("Issue", "title", "missing_field");
    json probe = json::object();
    if (auto bad = apply_fields(probe, body, "Issue")) return *bad;
    json issue;
    create_issue(r, body, issue);
    ++issues_created;
    return http::HttpResponse::json(201, issue);
  }
  if (kind == "issues" && n == 4 && m == "GET") return list_issues(r, q, self_url);
  if (kind == "issues" && n == 5 && (m == "GET" || m == "PATCH")) {
    json* item = nullptr;
    if (auto i = r.issues.find(number); i != r.issues.end()) item = &i->second;
    if (auto p = r.pulls.find(number); p != r.pulls.end()) item = &p->second.data;
    if (item == nullptr) return not_found();
    if (m == "PATCH") {
      for (const auto& [k, _] : body.items()) {
        if (k != "title" && k != "body" && k != "state" && k != "state_reason" && k != "labels" &&
            k != "assignees" && k != "milestone")
          return unsupported("the issue field " + k);
      }
      json copy = *item;
      if (auto bad = apply_fields(copy, body, "Issue")) return *bad;
      *item = std::move(copy);
    }
    auto p = r.pulls.find(number);
    return http::HttpResponse::json(200, p != r.pulls.end() ? pull_as_issue(r, p->second) : *item);
  }
  if (kind == "issues" && n == 6 && parts[5] == "comments" && (m == "GET" || m == "POST")) {
    bool is_issue = r.issues.contains(number);
    if (!is_issue && !r.pulls.contains(number)) return not_found();
    if (m == "GET") return http::HttpResponse::json(200, r.comments[number]);
    if (!body.contains("body") || !body["body"].is_string() || body["body"].get<std::string>().empty())
      return invalid("IssueComment", "body", "missing_field");
    if (body.size() != 1) return unsupported("comment fields other than body");
    int64_t id = next_id++;
    json comment = {
        {"id", id},
        {"node_id", "IC_kwDO" + std::to_string(id)},
        {"body", body["body"]},
        {"user", user()},
        {"html_url", r.html("/issues/" + std::to_string(number) + "#issuecomment-" + std::to_string(id))},
        {"created_at", iso_now()}};
    r.comments[number].push_back(comment);
    if (is_issue) r.issues[number]["comments"] = r.comments[number].size();
    return http::HttpResponse::json(201, comment);
  }
  if (kind == "branches" && n >= 5 && m == "GET") {
    std::string branch = parts[4];
    for (size_t i = 5; i < n; ++i) branch += "/" + parts[i];  // GitHub takes the name unencoded too
    auto b = r.branches.find(branch);
    if (b == r.branches.end()) return error(404, "Branch not found");
    return http::HttpResponse::json(
        200, {{"name", branch}, {"commit", {{"sha", b->second}}}, {"protected", false}});
  }
  if (kind == "pulls" && n == 4 && m == "POST") return create_pull(r, body);
  if (kind == "pulls" && n == 4 && m == "GET") return list_pulls(r, q, self_url);
  if (kind == "pulls" && n == 5 && m == "GET") {
    auto p = r.pulls.find(number);
    return p == r.pulls.end() ? not_found() : http::HttpResponse::json(200, pull_view(p->second));
  }
  if (kind == "pulls" && n == 6 && parts[5] == "merge" && m == "PUT") return merge(r, number, body);
  if (kind == "commits" && n == 6 && m == "GET" && parts[5] == "status") {
    if (auto k = q.unknown({"per_page", "page"}); !k.empty()) return unsupported("the status parameter " + k);
    return combined_status(r, parts[4]);
  }
  if (kind == "commits" && n == 6 && m == "GET" && parts[5] == "check-runs") {
    return check_runs_of(r, parts[4], q, self_url);
  }
  return not_found();
}

// An answer waiting for its latency timer (the fake's loop thread only).
}  // namespace sundial::testing::fake_github_detail

namespace sundial::testing {

std::string GitHubRequest::param(const std::string& name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return "";
}

std::string fake_sha(const std::string& seed) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  uint64_t h = std::hash<std::string>{}(seed);
  while (out.size() < 40) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;  // a step of an LCG
    out.push_back(kHex[(h >> 60) & 15]);
  }
  return out;
}

http::HttpHandler FakeGitHub::handler(std::shared_ptr<fake_github_detail::Store> state, Loop& loop,
                                      std::shared_ptr<DelayedAnswers> delayed) {
  return [state, &loop, delayed](http::HttpRequest req, http::Responder r) {
    GitHubRequest seen;
    seen.method = req.method;
    seen.path = req.path;
    seen.target = req.target;
    seen.query = req.query;
    if (const std::string* v = req.header("authorization")) seen.authorization = *v;
    if (const std::string* v = req.header("user-agent")) seen.user_agent = *v;
    if (const std::string* v = req.header("x-github-api-version")) seen.api_version = *v;
    if (const std::string* v = req.header("accept")) seen.accept = *v;
    if (!req.body.empty()) seen.body = nlohmann::json::parse(req.body, nullptr, false);
    seen.at_ms = fake_github_detail::wall_ms();
    http::HttpResponse response;
    int latency = 0;
    {
      std::lock_guard lock(state->mutex);
      try {
        response = state->answer(req, seen.body);
      } catch (const std::exception& e) {  // a fake's bug must not unwind through libuv
        response = fake_github_detail::error(500, std::string("The fake GitHub failed: ") + e.what());
      }
      seen.status = response.status;
      state->requests.push_back(std::move(seen));
      latency = state->latency_ms;
    }
    delayed->send(loop, std::move(r), std::move(response), latency);
  };
}

FakeGitHub::FakeGitHub(std::string token)
    : state_(std::make_shared<fake_github_detail::Store>()),
      delayed_(std::make_shared<DelayedAnswers>()),
      server_(
          [state = state_, delayed = delayed_](Loop& loop) { return handler(state, loop, delayed); },
          // Answers still waiting for their latency get a 503 as the fake stops.
          [delayed = delayed_] { delayed->flush(fake_github_detail::error(503, "The fake is stopping.")); }) {
  std::lock_guard lock(state_->mutex);
  state_->token = std::move(token);
}

FakeGitHub::~FakeGitHub() = default;

void FakeGitHub::add_branch(const std::string& repo, const std::string& name, const std::string& sha) {
  std::lock_guard lock(state_->mutex);
  auto& r = state_->repo(repo);
  r.branches[name] = sha;
  for (auto& [n, p] : r.pulls) {
    if (p.data["state"] == "open" && p.data["head"]["ref"] == name) p.data["head"]["sha"] = sha;
  }
}

std::string FakeGitHub::branch_sha(const std::string& repo, const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  const auto& branches = state_->repo(repo).branches;  // exists on first use, with "main"
  auto b = branches.find(name);
  return b == branches.end() ? "" : b->second;
}

int64_t FakeGitHub::add_issue(const std::string& repo, const nlohmann::json& fields) {
  std::lock_guard lock(state_->mutex);
  nlohmann::json issue;
  return state_->create_issue(state_->repo(repo), fields, issue);
}

void FakeGitHub::set_mergeable_state(const std::string& repo, int64_t number, const std::string& state) {
  std::lock_guard lock(state_->mutex);
  auto& pulls = state_->repo(repo).pulls;
  auto p = pulls.find(number);
  if (p == pulls.end()) throw std::invalid_argument("FakeGitHub::set_mergeable_state: no such pull request");
  p->second.mergeable_state = state;
}

void FakeGitHub::set_status(const std::string& repo, const std::string& sha, const std::string& context,
                            const std::string& state) {
  std::lock_guard lock(state_->mutex);
  state_->repo(repo).statuses[sha][context] = {
      {"context", context}, {"state", state}, {"description", nullptr}, {"target_url", nullptr}};
}

void FakeGitHub::set_check_run(const std::string& repo, const std::string& sha, const std::string& name,
                               const std::string& status, const std::string& conclusion) {
  std::lock_guard lock(state_->mutex);
  int64_t id = state_->next_id++;
  state_->repo(repo).check_runs[sha][name] = {
      {"id", id},
      {"name", name},
      {"head_sha", sha},
      {"status", status},
      {"conclusion", conclusion.empty() ? nlohmann::json(nullptr) : nlohmann::json(conclusion)}};
}

void FakeGitHub::fail_next(size_t n, GitHubFailure failure, std::string path_prefix) {
  if (n == 0) return;
  std::lock_guard lock(state_->mutex);
  state_->failures.push_back({n, std::move(failure), std::move(path_prefix)});
}

void FakeGitHub::set_latency_ms(int ms) {
  std::lock_guard lock(state_->mutex);
  state_->latency_ms = ms;
}

nlohmann::json FakeGitHub::issue(const std::string& repo, int64_t number) const {
  std::lock_guard lock(state_->mutex);
  const auto* r = state_->find_repo(repo);
  if (r == nullptr) return nullptr;
  if (auto i = r->issues.find(number); i != r->issues.end()) return i->second;
  if (auto p = r->pulls.find(number); p != r->pulls.end()) return state_->pull_as_issue(*r, p->second);
  return nullptr;
}

std::vector<nlohmann::json> FakeGitHub::issues(const std::string& repo) const {
  std::lock_guard lock(state_->mutex);
  std::vector<nlohmann::json> out;
  if (const auto* r = state_->find_repo(repo)) {
    for (const auto& [n, issue] : r->issues) out.push_back(issue);
  }
  return out;
}

nlohmann::json FakeGitHub::pull(const std::string& repo, int64_t number) const {
  std::lock_guard lock(state_->mutex);
  const auto* r = state_->find_repo(repo);
  if (r == nullptr) return nullptr;
  auto p = r->pulls.find(number);
  return p == r->pulls.end() || p->second.data.is_null() ? nlohmann::json(nullptr)
                                                         : state_->pull_view(p->second);
}

std::vector<nlohmann::json> FakeGitHub::comments(const std::string& repo, int64_t number) const {
  std::lock_guard lock(state_->mutex);
  const auto* r = state_->find_repo(repo);
  if (r == nullptr) return {};
  auto c = r->comments.find(number);
  return c == r->comments.end() ? std::vector<nlohmann::json>{} : c->second;
}

std::vector<GitHubRequest> FakeGitHub::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

size_t FakeGitHub::count(const std::string& method, const std::string& path_prefix) const {
  std::lock_guard lock(state_->mutex);
  return static_cast<size_t>(
      std::count_if(state_->requests.begin(), state_->requests.end(), [&](const GitHubRequest& r) {
        return (method.empty() || r.method == method) && r.path.starts_with(path_prefix);
      }));
}

size_t FakeGitHub::issues_created() const {
  std::lock_guard lock(state_->mutex);
  return state_->issues_created;
}

size_t FakeGitHub::pulls_created() const {
  std::lock_guard lock(state_->mutex);
  return state_->pulls_created;
}

}  // namespace sundial::testing
