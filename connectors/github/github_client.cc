#include "connectors/github/github_client.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/base/json_fields.h"
#include "engine/base/text.h"
#include "engine/base/utf8.h"

namespace sundial {

// Named, not anonymous: the connectors build as unity batches.
namespace github_client {

constexpr int kCheckRunPages = 5;  // of 100 runs each
constexpr size_t kMaxMarkerBytes = 1000;

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

Result<void> check_number(int64_t number, std::string_view what) {
  if (number > 0) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(what) + " number " + std::to_string(number) + " is not positive");
}

bool bool_field(const nlohmann::json& object, std::string_view key) {
  auto it = object.is_object() ? object.find(key) : object.end();
  return object.is_object() && it != object.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace github_client

GitHubClient::GitHubClient(AsyncHttpClient& http, Limiters& limiters, Clock& clock, GitHubOptions options)
    : http_(http), limiters_(limiters), clock_(clock), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  if (options_.attempts < 1) options_.attempts = 1;
  if (options_.marker_pages < 1) options_.marker_pages = 1;
}

void GitHubClient::call(std::string method, std::string path, std::optional<nlohmann::json> body, Done done) {
  exchange(std::move(method), std::move(path), std::move(body),
           [done = std::move(done)](GitHubAnswer answer) mutable { done(std::move(answer.json)); });
}

void GitHubClient::exchange(std::string method, std::string path, std::optional<nlohmann::json> body,
                            AnswerDone done) {
  auto refuse = [&](std::string why) {
    done(GitHubAnswer{HttpCallResult{}, make_error(ErrorCode::kInvalidArgument, std::move(why))});
  };
  if (!options_.token) {
    return refuse("GitHub is not configured: $" + options_.token_env +
                  " (a token with access to the repositories) is not set");
  }
  if (options_.token->empty() || github_client::has_control(*options_.token)) {
    return refuse("GitHub is not configured: $" + options_.token_env +
                  " is empty or holds a control character");
  }
  if (github_client::has_control(options_.user_agent) || github_client::has_control(options_.api_version)) {
    return refuse("GitHub's user agent or API version holds a control character");
  }
  auto call = std::make_shared<HttpCall>();
  call->method = std::move(method);
  call->url = options_.base_url + path;
  call->timeout = options_.timeout;
  call->max_response_bytes = options_.max_response_bytes;
  call->headers = {"Authorization: Bearer " + *options_.token, "Accept: application/vnd.github+json",
                   "X-GitHub-Api-Version: " + options_.api_version, "User-Agent: " + options_.user_agent};
  call->log_name = "GitHub " + call->method + " " + path;
  if (body) {
    call->headers.emplace_back("Content-Type: application/json");
    call->body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  attempt(std::move(call), 1, std::move(done));
}

void GitHubClient::attempt(std::shared_ptr<HttpCall> call, int attempt_no, AnswerDone done) {
  auto gate = limiters_.gate_for(options_.limiter);
  if (!gate) return done(GitHubAnswer{HttpCallResult{}, std::unexpected(gate.error())});  // a wiring error
  (*gate)->acquire([this, call, attempt_no, done = std::move(done)]() mutable {
    http_.send(*call, [this, call, attempt_no, done = std::move(done)](HttpCallResult r) mutable noexcept {
      GitHubAnswer answer{std::move(r),
                          make_error(ErrorCode::kInternal, "GitHub: the answer could not be read")};
      DurationMs wait = 0;
      try {
        answer.json = github_result(answer.http, call->log_name);
        wait = github_rate_limit_wait(answer.http, clock_.now_ms());
      } catch (const std::exception& e) {
        answer.json = make_error(ErrorCode::kInternal, std::string("GitHub: ") + e.what());
      }
      bool retryable = !answer.json && answer.json.error().code == ErrorCode::kUnavailable;
      // GitHub asked everyone to wait: hold the shared limiter, at most
      // max_hold. A wait longer than that ends the call (the step retries
      // after retry_after_ms) rather than spending an attempt too early.
      if (wait > 0) {
        limiters_.hold(options_.limiter, std::min(wait, options_.max_hold));
        if (!answer.json)
          answer.json.error().retry_after_ms = std::max(answer.json.error().retry_after_ms, wait);
      }
      bool retry = retryable && attempt_no < options_.attempts && wait <= options_.max_hold;
      if (retry && wait == 0) limiters_.hold(options_.limiter, attempt_no * options_.retry_backoff);
      if (!retry) return done(std::move(answer));
      spdlog::info("{}: attempt {} of {} failed ({}); trying again", call->log_name, attempt_no,
                   options_.attempts, answer.json.error().message);
      attempt(std::move(call), attempt_no + 1, std::move(done));
    });
  });
}

// One listing, page after page, until the reader has enough or Link says
// there is no next page.
struct GitHubClient::Pager : std::enable_shared_from_this<Pager> {
  GitHubClient* client = nullptr;
  std::string path;
  int pages = 1;
  int page = 0;
  OnPage on_page;
  std::move_only_function<void(Result<void>)> done;

  void next() {
    ++page;
    client->exchange("GET", path + "&page=" + std::to_string(page), std::nullopt,
                     [self = shared_from_this()](GitHubAnswer a) { self->answered(std::move(a)); });
  }

  void answered(GitHubAnswer a) {
    if (!a.json) return done(std::unexpected(std::move(a.json.error())));
    Result<bool> enough = on_page(*a.json);
    if (!enough) return done(std::unexpected(std::move(enough.error())));
    if (*enough || page >= pages || !github_has_next_page(a.http)) return done(ok());
    next();
  }
};

void GitHubClient::page_through(std::string path, int pages, OnPage on_page,
                                std::move_only_function<void(Result<void>)> done) {
  auto pager = std::make_shared<Pager>();
  pager->client = this;
  pager->path = std::move(path);
  pager->pages = pages;
  pager->on_page = std::move(on_page);
  pager->done = std::move(done);
  pager->next();
}

void GitHubClient::create_issue(const std::string& repo, const GitHubIssueFields& fields, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (fields.title.empty())
    return done(make_error(ErrorCode::kInvalidArgument, "a GitHub issue needs a title"));
  nlohmann::json body = {{"title", fields.title}};
  if (!fields.body.empty()) body["body"] = fields.body;
  if (!fields.labels.empty()) body["labels"] = fields.labels;
  if (!fields.assignees.empty()) body["assignees"] = fields.assignees;
  call("POST", r->path() + "/issues", std::move(body), std::move(done));
}

void GitHubClient::find_issue_with_marker(const std::string& repo, const std::string& marker, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (marker.empty() || marker.size() > github_client::kMaxMarkerBytes) {
    return done(make_error(ErrorCode::kInvalidArgument, "an issue marker must be 1-1000 bytes"));
  }
  auto found = std::make_shared<nlohmann::json>(nullptr);
  std::string what = "GitHub issues of " + r->full_name();
  page_through(
      r->path() + "/issues?state=all&sort=created&direction=desc&per_page=100", options_.marker_pages,
      [found, marker, what](const nlohmann::json& page) -> Result<bool> {
        if (!page.is_array()) return std::unexpected(failed_call(true, what + ": the answer is not a list"));
        for (const auto& item : page) {
          // The issues endpoint lists pull requests too.
          if (!item.is_object() || item.contains("pull_request")) continue;
          auto body = item.find("body");
          if (body == item.end() || !body->is_string()) continue;
          if (body->get_ref<const std::string&>().find(marker) == std::string::npos) continue;
          *found = item;
          return true;
        }
        return false;
      },
      [found, done = std::move(done)](Result<void> listed) mutable {
        if (!listed) return done(std::unexpected(std::move(listed.error())));
        done(std::move(*found));
      });
}

void GitHubClient::create_issue_once(const std::string& repo, const std::string& marker,
                                     GitHubIssueFields fields, OnceDone done) {
  find_issue_with_marker(repo, marker,
                         [this, repo, marker, fields = std::move(fields),
                          done = std::move(done)](Result<nlohmann::json> found) mutable {
                           if (!found) return done(std::unexpected(std::move(found.error())));
                           if (!found->is_null()) return done(GitHubIssueOnce{std::move(*found), false});
                           if (fields.body.find(marker) == std::string::npos) {
                             fields.body = fields.body.empty() ? marker : fields.body + "\n\n" + marker;
                           }
                           create_issue(repo, fields,
                                        [done = std::move(done)](Result<nlohmann::json> issue) mutable {
                                          if (!issue) return done(std::unexpected(std::move(issue.error())));
                                          done(GitHubIssueOnce{std::move(*issue), true});
                                        });
                         });
}

void GitHubClient::update_issue(const std::string& repo, int64_t number, nlohmann::json patch, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto n = github_client::check_number(number, "issue"); !n) return done(std::unexpected(n.error()));
  if (!patch.is_object() || patch.empty()) {
    return done(make_error(ErrorCode::kInvalidArgument, "a GitHub issue update takes a non-empty object"));
  }
  auto known =
      check_known_fields(patch, "GitHub issue update: ",
                         {"title", "body", "state", "state_reason", "labels", "assignees", "milestone"});
  if (!known) return done(std::unexpected(known.error()));
  call("PATCH", r->path() + "/issues/" + std::to_string(number), std::move(patch), std::move(done));
}

void GitHubClient::add_comment(const std::string& repo, int64_t number, const std::string& body, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto n = github_client::check_number(number, "issue"); !n) return done(std::unexpected(n.error()));
  if (body.empty()) return done(make_error(ErrorCode::kInvalidArgument, "a GitHub comment needs a body"));
  call("POST", r->path() + "/issues/" + std::to_string(number) + "/comments", nlohmann::json{{"body", body}},
       std::move(done));
}

void GitHubClient::branch_exists(const std::string& repo, const std::string& branch, BoolDone done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto b = check_github_ref(branch, "branch"); !b) return done(std::unexpected(b.error()));
  exchange("GET", r->path() + "/branches/" + url_encode(branch), std::nullopt,
           [done = std::move(done)](GitHubAnswer a) mutable {
             if (a.http.status == 404) return done(false);
             if (!a.json) return done(std::unexpected(std::move(a.json.error())));
             done(true);
           });
}

void GitHubClient::find_pull_for_branch(const std::string& repo, const std::string& owner_login,
                                        const std::string& branch, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto l = check_github_login(owner_login); !l) return done(std::unexpected(l.error()));
  if (auto b = check_github_ref(branch, "branch"); !b) return done(std::unexpected(b.error()));
  std::string what = "GitHub pulls of " + r->full_name();
  call("GET",
       r->path() + "/pulls?head=" + url_encode(owner_login + ":" + branch) +
           "&state=all&sort=created&direction=desc&per_page=100",
       std::nullopt, [what, done = std::move(done)](Result<nlohmann::json> list) mutable {
         if (!list) return done(std::unexpected(std::move(list.error())));
         if (!list->is_array())
           return done(std::unexpected(failed_call(true, what + ": the answer is not a list")));
         // The newest: the highest number, whatever order the list came in.
         const nlohmann::json* newest = nullptr;
         for (const auto& pull : *list) {
           if (int_field(pull, "number") > (newest ? int_field(*newest, "number") : 0)) newest = &pull;
         }
         done(newest ? *newest : nlohmann::json(nullptr));
       });
}

void GitHubClient::create_pull(const std::string& repo, const GitHubPullFields& fields, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (fields.title.empty()) {
    return done(make_error(ErrorCode::kInvalidArgument, "a GitHub pull request needs a title"));
  }
  std::string head_branch = fields.head;
  if (size_t colon = fields.head.find(':'); colon != std::string::npos) {
    if (auto l = check_github_login(fields.head.substr(0, colon)); !l)
      return done(std::unexpected(l.error()));
    head_branch = fields.head.substr(colon + 1);
  }
  if (auto h = check_github_ref(head_branch, "head branch"); !h) return done(std::unexpected(h.error()));
  if (auto b = check_github_ref(fields.base, "base branch"); !b) return done(std::unexpected(b.error()));
  nlohmann::json body = {
      {"title", fields.title}, {"head", fields.head}, {"base", fields.base}, {"draft", fields.draft}};
  if (!fields.body.empty()) body["body"] = fields.body;
  call("POST", r->path() + "/pulls", std::move(body), std::move(done));
}

void GitHubClient::get_pull(const std::string& repo, int64_t number, Done done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto n = github_client::check_number(number, "pull request"); !n)
    return done(std::unexpected(n.error()));
  call("GET", r->path() + "/pulls/" + std::to_string(number), std::nullopt, std::move(done));
}

void GitHubClient::set_pull_draft(const std::string& pull_node_id, bool draft, Done done) {
  if (auto id = check_github_node_id(pull_node_id); !id) return done(std::unexpected(id.error()));
  std::string mutation = draft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview";
  nlohmann::json body = {
      {"query", "mutation($pullRequestId: ID!) { " + mutation +
                    "(input: {pullRequestId: $pullRequestId}) { pullRequest { id isDraft } } }"},
      {"variables", {{"pullRequestId", pull_node_id}}}};
  call("POST", "/graphql", std::move(body),
       [mutation, done = std::move(done)](Result<nlohmann::json> r) mutable {
         if (!r) return done(std::unexpected(std::move(r.error())));
         std::string what = "GitHub GraphQL " + mutation;
         // GraphQL reports its errors in a 200.
         auto errors = r->is_object() ? r->find("errors") : r->end();
         if (r->is_object() && errors != r->end() && errors->is_array() && !errors->empty()) {
           std::string type = string_field(errors->front(), "type");
           std::string message = string_field(errors->front(), "message", "(no message)");
           return done(std::unexpected(
               failed_call(type == "RATE_LIMITED",
                           what + ": " + (type.empty() ? "" : type + ": ") + github_excerpt(message))));
         }
         const nlohmann::json* pull = nullptr;
         if (r->is_object() && r->contains("data") && (*r)["data"].is_object()) {
           const nlohmann::json& data = (*r)["data"];
           if (data.contains(mutation) && data[mutation].is_object() &&
               data[mutation].contains("pullRequest") && data[mutation]["pullRequest"].is_object()) {
             pull = &data[mutation]["pullRequest"];
           }
         }
         if (!pull) return done(std::unexpected(failed_call(true, what + ": the answer has no pullRequest")));
         done(*pull);
       });
}

void GitHubClient::checks(const std::string& repo, const std::string& sha, ChecksDone done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto s = check_github_ref(sha, "commit"); !s) return done(std::unexpected(s.error()));
  std::string commit = r->path() + "/commits/" + url_encode(sha);
  call("GET", commit + "/status?per_page=100", std::nullopt,
       [this, commit, done = std::move(done)](Result<nlohmann::json> status) mutable {
         if (!status) return done(std::unexpected(std::move(status.error())));
         struct Runs {
           nlohmann::json status;
           std::vector<nlohmann::json> runs;
           int64_t total = 0;
         };
         auto seen = std::make_shared<Runs>();
         seen->status = std::move(*status);
         std::string what = "GitHub check runs of " + commit;
         page_through(
             commit + "/check-runs?per_page=100", github_client::kCheckRunPages,
             [seen, what](const nlohmann::json& page) -> Result<bool> {
               auto runs = page.is_object() ? page.find("check_runs") : page.end();
               if (!page.is_object() || runs == page.end() || !runs->is_array()) {
                 return std::unexpected(failed_call(true, what + ": the answer has no check_runs"));
               }
               seen->total = int_field(page, "total_count");
               for (const auto& run : *runs) seen->runs.push_back(run);
               return runs->empty() || static_cast<int64_t>(seen->runs.size()) >= seen->total;
             },
             [seen, done = std::move(done)](Result<void> listed) mutable {
               if (!listed) return done(std::unexpected(std::move(listed.error())));
               done(summarize_github_checks(seen->status, seen->runs, seen->total));
             });
       });
}

void GitHubClient::merge_pull(const std::string& repo, int64_t number, const GitHubMerge& merge,
                              MergeDone done) {
  auto r = parse_github_repo(repo);
  if (!r) return done(std::unexpected(r.error()));
  if (auto n = github_client::check_number(number, "pull request"); !n)
    return done(std::unexpected(n.error()));
  const std::string& method = merge.merge_method;
  if (method != "squash" && method != "merge" && method != "rebase") {
    return done(make_error(ErrorCode::kInvalidArgument, "merge method '" + repair_utf8(method.substr(0, 40)) +
                                                            "' is not squash, merge or rebase"));
  }
  nlohmann::json body = {{"merge_method", method}};
  if (!merge.sha.empty()) body["sha"] = merge.sha;
  exchange("PUT", r->path() + "/pulls/" + std::to_string(number) + "/merge", std::move(body),
           [done = std::move(done)](GitHubAnswer a) mutable {
             GitHubMergeResult out;
             // Not mergeable (405) or the head moved (409): an answer, not a failure.
             if (a.http.status == 405 || a.http.status == 409) {
               out.message = github_message(a.http);
               return done(std::move(out));
             }
             if (!a.json) return done(std::unexpected(std::move(a.json.error())));
             out.merged = github_client::bool_field(*a.json, "merged");
             out.message = string_field(*a.json, "message");
             if (std::string sha = string_field(*a.json, "sha"); !sha.empty()) out.sha = sha;
             done(std::move(out));
           });
}

void GitHubClient::merge_when_clean(const std::string& repo, int64_t number, const std::string& merge_method,
                                    MergeDone done) {
  get_pull(repo, number,
           [this, repo, number, merge_method, done = std::move(done)](Result<nlohmann::json> pull) mutable {
             if (!pull) return done(std::unexpected(std::move(pull.error())));
             GitHubMergeResult out;
             if (github_client::bool_field(*pull, "merged")) {
               out.merged = out.already = true;
               out.message = "already merged";
               if (std::string sha = string_field(*pull, "merge_commit_sha"); !sha.empty()) out.sha = sha;
               return done(std::move(out));
             }
             std::string state = string_field(*pull, "mergeable_state", "unknown");
             if (string_field(*pull, "state") == "closed") {
               out.message = "the pull request is closed";
             } else if (state != "clean") {
               out.message = "mergeable_state is " + github_excerpt(state);
             }
             if (!out.message.empty()) return done(std::move(out));
             std::string sha = pull->contains("head") ? string_field((*pull)["head"], "sha") : "";
             if (sha.empty()) {
               return done(std::unexpected(failed_call(true, "GitHub pull request " + std::to_string(number) +
                                                                 " of " + repo + " has no head sha")));
             }
             merge_pull(repo, number, GitHubMerge{merge_method, sha}, std::move(done));
           });
}

std::map<std::string, LimiterSpec> with_github_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const GitHubOptions& options) {
  return with_default_limiter(std::move(declared), options.limiter,
                              LimiterSpec{options.rate_per_second, options.burst});
}

void to_json(nlohmann::json& out, const GitHubMergeResult& merge) {
  out = {{"merged", merge.merged}, {"already", merge.already}, {"message", merge.message}};
  if (merge.sha) out["sha"] = *merge.sha;
}

}  // namespace sundial
