// FakeGitHub: a stand-in for GitHub's REST API (and the two GraphQL
// mutations Sundial uses) on a loopback port, for tests of the GitHub
// connector and the workflows on it. It serves, on its own thread and
// loop (LoopbackServer):
//   POST  /repos/{o}/{r}/issues                   create an issue (201)
//   GET   /repos/{o}/{r}/issues                   issues and pull requests: state, sort
//                                                 (created|updated), direction, per_page, page; Link
//   GET   /repos/{o}/{r}/issues/{n}               an issue (a pull request as an issue)
//   PATCH /repos/{o}/{r}/issues/{n}               title, body, state, state_reason, labels, assignees,
//   milestone POST  /repos/{o}/{r}/issues/{n}/comments      a comment; GET lists them GET
//   /repos/{o}/{r}/branches/{branch}        a branch (404 "Branch not found") GET   /repos/{o}/{r}/pulls
//   head, base, state, sort, direction, per_page, page POST  /repos/{o}/{r}/pulls                    create
//   (422s as GitHub: head invalid, no commits, exists) GET   /repos/{o}/{r}/pulls/{n}                a pull
//   request with mergeable_state PUT   /repos/{o}/{r}/pulls/{n}/merge          405 unless clean, 409 when
//   `sha` is not the head GET   /repos/{o}/{r}/commits/{ref}/status     combined status GET
//   /repos/{o}/{r}/commits/{ref}/check-runs check runs, paginated POST  /graphql
//   markPullRequestReadyForReview, convertPullRequestToDraft
// as GitHub does on the wire: a User-Agent (else 403), the Bearer token
// (else 401 "Bad credentials"), X-GitHub-Api-Version 2022-11-28 (the fake
// requires it; GitHub would default it), GitHub's error shape
// {"message", "documentation_url", "errors"?}, issue and pull request
// numbers shared per repository, and a 422 for a body field or a query
// parameter it does not evaluate, so a test catches a wrong request
// rather than passing on it. Repositories exist on first use (names
// compare case-insensitively), each with a branch "main". Path segments
// are percent-decoded one by one: a branch "feature/x" is sent as
// "feature%2Fx".
//
// Every request is recorded. Tests can script the next requests matching
// a path prefix to answer a failure (a 500, a 429 with Retry-After, a 403
// with x-ratelimit-remaining 0 and x-ratelimit-reset) and set a latency
// (a timer on the fake's loop: the state changes on arrival, the answer
// leaves later, so a client that gives up mid-flight still wrote).
//
// Threading: the public methods are safe from any thread (one mutex); the
// server runs on the fake's own thread. Ownership: the fake owns its
// thread, loop, server and all state; methods return copies.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/loopback_server.h"

namespace sundial::testing {

struct GitHubRequest {
  std::string method;
  std::string path;                                        // percent-decoded, without the query
  std::string target;                                      // as sent: raw path and query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  nlohmann::json body;                                     // null when empty; discarded when not JSON
  std::string authorization;                               // the headers as sent; empty when absent
  std::string user_agent;
  std::string api_version;  // X-GitHub-Api-Version
  std::string accept;
  int64_t at_ms = 0;  // wall clock at arrival
  int status = 0;     // the status the fake answered

  // The first query parameter `name`; empty when absent.
  std::string param(const std::string& name) const;
};

// An answer scripted in place of the next requests' (FakeGitHub::fail_next).
struct GitHubFailure {
  int status = 500;
  // >= 0: a Retry-After header of that many seconds.
  int retry_after_s = -1;
  // Set: x-ratelimit-remaining 0 and x-ratelimit-reset this (epoch seconds).
  std::optional<int64_t> ratelimit_reset;
  // Default: GitHub's message for the status and headers.
  std::string message;
};

class DelayedAnswers;  // answers waiting for their latency (delayed_answers.h)

namespace fake_github_detail {
struct Store;  // the fake's state, shared with its thread (fake_github.cc)
}  // namespace fake_github_detail

class FakeGitHub {
 public:
  explicit FakeGitHub(std::string token = "ghp_test");
  ~FakeGitHub();
  FakeGitHub(const FakeGitHub&) = delete;
  FakeGitHub& operator=(const FakeGitHub&) = delete;

  int port() const { return server_.port(); }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Adds branch `name` at commit `sha`, or moves it there (the open pull
  // requests from it then have that head sha).
  void add_branch(const std::string& repo, const std::string& name, const std::string& sha);
  // The branch's head sha ("main" of a repository not used yet too);
  // empty when there is no such branch.
  std::string branch_sha(const std::string& repo, const std::string& name) const;
  // An issue created behind the client's back (another client, or a
  // create whose answer was lost): `fields` as POST .../issues takes them.
  // Its number.
  int64_t add_issue(const std::string& repo, const nlohmann::json& fields);
  // The mergeable_state a pull request reports while open and not a
  // draft: "clean" (the default), "blocked", "behind", "dirty",
  // "unstable", "unknown" ... Throws std::invalid_argument when there is
  // no such pull request.
  void set_mergeable_state(const std::string& repo, int64_t number, const std::string& state);
  // A commit status (the latest per context counts), state "success",
  // "pending", "failure" or "error".
  void set_status(const std::string& repo, const std::string& sha, const std::string& context,
                  const std::string& state);
  // A check run (one per name): status "queued", "in_progress" or
  // "completed" with a conclusion ("success", "failure", "neutral", ...).
  void set_check_run(const std::string& repo, const std::string& sha, const std::string& name,
                     const std::string& status, const std::string& conclusion = "");

  // The next `n` requests whose path starts with `path_prefix` (empty: any)
  // answer `failure` instead. Checked after the User-Agent, token and
  // version, so a scripted failure is never spent on a request GitHub
  // would refuse. Scripts queue: a request spends the first one it matches.
  void fail_next(size_t n, GitHubFailure failure, std::string path_prefix = "");
  // Every answer from now on leaves `ms` after its request arrived (0: at once).
  void set_latency_ms(int ms);

  // The issue (a pull request as an issue); null when unknown.
  nlohmann::json issue(const std::string& repo, int64_t number) const;
  // The repository's issues, not pull requests, by number.
  std::vector<nlohmann::json> issues(const std::string& repo) const;
  // The pull request as GET .../pulls/{n} answers it; null when unknown.
  nlohmann::json pull(const std::string& repo, int64_t number) const;
  std::vector<nlohmann::json> comments(const std::string& repo, int64_t number) const;

  // Every request, in arrival order.
  std::vector<GitHubRequest> requests() const;
  // Requests with this method (empty: any) whose path starts with `path_prefix`.
  size_t count(const std::string& method, const std::string& path_prefix = "") const;
  // Issues and pull requests created through the API (201s).
  size_t issues_created() const;
  size_t pulls_created() const;

 private:
  std::shared_ptr<fake_github_detail::Store> state_;
  static http::HttpHandler handler(std::shared_ptr<fake_github_detail::Store> state, Loop& loop,
                                   std::shared_ptr<DelayedAnswers> delayed);

  // Answers waiting for their latency (the server's thread only).
  std::shared_ptr<DelayedAnswers> delayed_;
  LoopbackServer server_;  // last: stopped before the state goes
};

// A deterministic 40-hex-digit "sha" made from `seed`, for tests that
// need commits.
std::string fake_sha(const std::string& seed);

}  // namespace sundial::testing
