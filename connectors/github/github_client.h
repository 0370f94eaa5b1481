// GitHubClient: GitHub's REST API (PROVIDERS.md 4.2), and GraphQL for
// the one thing REST cannot do (a pull request's draft state), on the
// async HTTP client: issues (create, find by marker, create once, update,
// comment), branches, pull requests (find, create, read, draft/ready,
// merge when clean) and a commit's checks. Every request carries the
// token as a Bearer, `Accept: application/vnd.github+json`,
// `X-GitHub-Api-Version` and `User-Agent`, and waits for the shared
// limiter `github` (Limiters; [limits.github], else 1 per second in
// bursts of 20: GitHub allows 80 content-creating requests a minute).
//
// Rate limits: when GitHub answers with Retry-After, or a 403/429 with
// `x-ratelimit-remaining: 0` (then until `x-ratelimit-reset`), or a 403
// naming a secondary rate limit (then a minute), the limiter is held that
// long for every caller, at most `max_hold`; the call is tried again
// unless the wait was longer than that (it then ends retryable, with the
// whole wait as the error's retry_after_ms).
//
// Errors: 5xx, 408, 429, rate-limit 403s and transport errors are tried
// again up to `attempts` times (the limiter held `retry_backoff` per
// attempt between 5xx); past that, or for a permanent answer (400, 401,
// 404, 410, 422, any other 403), the call ends with an Error made by
// failed_call() — retryable or not — carrying GitHub's `message` and the
// first `errors[]` entry: "GitHub answered 422: Validation Failed (title
// missing_field)". Names (repo, branch, node id) are checked before any
// request (github_names.h); a refused one sends nothing.
//
// Creating an issue exactly once: create_issue_once() looks for an issue
// whose body holds the caller's marker (an HTML comment) among the
// newest issues before it creates one with the marker appended. A crash
// between GitHub's 201 and the caller's journal then finds the issue
// again instead of opening a second one.
//
// Threading: loop thread only. Ownership: borrows the AsyncHttpClient,
// the Limiters and the Clock (all outlive it), and must itself outlive
// its calls in flight (destroying the AsyncHttpClient first abandons
// them). `done` runs on the loop exactly once: later, or at once when the
// call is refused before sending (a bad name, no token).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/github/github_answer.h"
#include "connectors/github/github_checks.h"
#include "connectors/github/github_names.h"
#include "connectors/http/async_http_client.h"
#include "engine/base/error.h"
#include "engine/flow/limiters.h"

namespace sundial {

struct GitHubOptions {
  std::string base_url = "https://api.github.com";
  // From $GITHUB_TOKEN, read by the caller. None: every call fails,
  // naming the variable.
  std::optional<std::string> token;
  std::string token_env = "GITHUB_TOKEN";
  std::string api_version = "2022-11-28";
  std::string user_agent = "sundial";  // GitHub refuses requests without one
  // The limiter every request waits for, and its rate and burst when the
  // config declares no [limits.github].
  std::string limiter = "github";
  double rate_per_second = 1;
  double burst = 20;
  DurationMs timeout = 30 * kSecondMs;
  // Tries of one request when GitHub answers retryably.
  int attempts = 3;
  // Default: 1s. How long a retried 5xx or timeout holds the limiter, per attempt.
  DurationMs retry_backoff = kSecondMs;
  // Default: 15 min. The longest GitHub's rate limit holds the limiter.
  DurationMs max_hold = 15 * kMinuteMs;
  size_t max_response_bytes = 8u << 20;
  // Default: 3 (of 100). Pages of newest issues find_issue_with_marker reads.
  int marker_pages = 3;
};

struct GitHubIssueFields {
  std::string title;  // required
  std::string body;
  std::vector<std::string> labels;
  std::vector<std::string> assignees;
};

struct GitHubIssueOnce {
  nlohmann::json issue;  // GitHub's issue object (number, html_url, node_id, state, ...)
  bool created = false;  // false: found by its marker
};

struct GitHubPullFields {
  std::string title;
  std::string head;  // a branch of the repository, or "owner:branch"
  std::string base;
  std::string body;
  bool draft = false;
};

struct GitHubMerge {
  std::string merge_method = "squash";  // "squash", "merge" or "rebase"
  std::string sha;                      // the head GitHub must still have; empty: any
};

struct GitHubMergeResult {
  bool merged = false;
  bool already = false;            // it was merged before this call
  std::string message;             // GitHub's, or why the merge was not tried
  std::optional<std::string> sha;  // the merge commit
};

class GitHubClient {
 public:
  using Done = std::move_only_function<void(Result<nlohmann::json>)>;
  using OnceDone = std::move_only_function<void(Result<GitHubIssueOnce>)>;
  using BoolDone = std::move_only_function<void(Result<bool>)>;
  using ChecksDone = std::move_only_function<void(Result<GitHubChecks>)>;
  using MergeDone = std::move_only_function<void(Result<GitHubMergeResult>)>;
  using AnswerDone = std::move_only_function<void(GitHubAnswer)>;

  // `limiters` must declare options.limiter (with_github_limiter()).
  // `clock` reads x-ratelimit-reset (epoch seconds) against the wall clock.
  GitHubClient(AsyncHttpClient& http, Limiters& limiters, Clock& clock, GitHubOptions options);
  GitHubClient(const GitHubClient&) = delete;
  GitHubClient& operator=(const GitHubClient&) = delete;

  const GitHubOptions& options() const { return options_; }

  // Issues. `repo` is "owner/name" throughout.
  void create_issue(const std::string& repo, const GitHubIssueFields& fields, Done done);
  // The newest issue (not pull request) among the newest
  // options.marker_pages * 100 whose body contains `marker`; null when none.
  void find_issue_with_marker(const std::string& repo, const std::string& marker, Done done);
  // find_issue_with_marker(), else create_issue() with "\n\n" + marker
  // appended to the body.
  void create_issue_once(const std::string& repo, const std::string& marker, GitHubIssueFields fields,
                         OnceDone done);
  // PATCH with any of title, body, state, state_reason, labels, assignees,
  // milestone (another key is refused before sending).
  void update_issue(const std::string& repo, int64_t number, nlohmann::json patch, Done done);
  void add_comment(const std::string& repo, int64_t number, const std::string& body, Done done);

  // Branches and pull requests.
  // Whether the branch exists (a 404 is false, not an error).
  void branch_exists(const std::string& repo, const std::string& branch, BoolDone done);
  // The newest pull request, open or closed, from `owner_login`:`branch`; null when none.
  void find_pull_for_branch(const std::string& repo, const std::string& owner_login,
                            const std::string& branch, Done done);
  // A 422 (no commits between the branches, no such branch, a pull request
  // already open) is permanent and carries GitHub's message.
  void create_pull(const std::string& repo, const GitHubPullFields& fields, Done done);
  void get_pull(const std::string& repo, int64_t number, Done done);
  // GraphQL markPullRequestReadyForReview / convertPullRequestToDraft;
  // `done` gets {"id", "isDraft"}. GraphQL's errors (a 200 with `errors`)
  // are errors: RATE_LIMITED retryable, the others permanent.
  void set_pull_draft(const std::string& pull_node_id, bool draft, Done done);
  // The commit's CI verdict (github_checks.h).
  void checks(const std::string& repo, const std::string& sha, ChecksDone done);
  // PUT .../pulls/{n}/merge. 405 (not mergeable) and 409 (the head moved)
  // are not errors: merged false with GitHub's message.
  void merge_pull(const std::string& repo, int64_t number, const GitHubMerge& merge, MergeDone done);
  // get_pull(), then: merged already → merged and already; closed, or a
  // mergeable_state other than "clean" → not merged ("mergeable_state is
  // blocked"); else merge_pull() with the head sha it read.
  void merge_when_clean(const std::string& repo, int64_t number, const std::string& merge_method,
                        MergeDone done);

  // One request through the limiter, with the retries above. `path`
  // begins with "/" and holds its query, already encoded.
  void call(std::string method, std::string path, std::optional<nlohmann::json> body, Done done);
  // The same, for callers that read the answer's status and headers.
  void exchange(std::string method, std::string path, std::optional<nlohmann::json> body, AnswerDone done);

 private:
  struct Pager;
  void attempt(std::shared_ptr<HttpCall> request, int attempt_no, AnswerDone done);
  using OnPage = std::move_only_function<Result<bool>(const nlohmann::json& answer)>;
  // GETs `path` (which holds a query) + "&page=N" for N = 1, 2, ... while
  // the answer's Link has rel="next", at most `pages` pages, handing each
  // answer to `on_page` until it returns true (enough) or an error.
  void page_through(std::string path, int pages, OnPage on_page,
                    std::move_only_function<void(Result<void>)> done);

  AsyncHttpClient& http_;
  Limiters& limiters_;
  Clock& clock_;
  GitHubOptions options_;
};

// `declared` ([limits.*]) plus options.limiter at options' rate and burst,
// unless declared already.
std::map<std::string, LimiterSpec> with_github_limiter(std::map<std::string, LimiterSpec> declared,
                                                       const GitHubOptions& options);

// {"merged", "already", "message", "sha"?}
void to_json(nlohmann::json& out, const GitHubMergeResult& merge);

}  // namespace sundial
