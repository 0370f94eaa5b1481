// The GitHub connector over the async HTTP client against the fake GitHub
// (tests/support/fake_github.h): headers; issues created once by marker
// (twice, and after a crash-like loss of the answer), across at most
// three pages; pull requests on missing branches; draft to ready through
// GraphQL; the checks summary; merge_when_clean; rate limits holding the
// limiter `github` (x-ratelimit-reset, Retry-After); 5xx retried; 404 and
// other permanent answers; no token; hostile names refused before any
// request; answers that are not JSON or too large.
#include "connectors/github/github_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "engine/runtime/retry_policy.h"
#include "tests/support/fake_github.h"
#include "tests/support/scripted_http_server.h"

namespace sundial {
namespace github_client_test {

using nlohmann::json;
using testing::FakeGitHub;
using testing::GitHubFailure;

const std::string kRepo = "octo/hello";
const std::string kMarker = "<!-- sundial:notion-page:0c1f7cb2809 -->";

class GitHubClientTest : public ::testing::Test {
 protected:
  GitHubOptions options() {
    GitHubOptions o;
    o.base_url = fake.base_url();
    o.token = "ghp_test";
    o.rate_per_second = 1000;
    o.burst = 1000;
    o.timeout = 2000;
    o.retry_backoff = 20;
    return o;
  }
  template <typename T, typename Start>
  Result<T> wait(Start start) {
    std::optional<Result<T>> out;
    start([&](Result<T> r) { out = std::move(r); });
    while (!out) loop.run_once();
    return *out;
  }
  Result<json> wait_json(std::function<void(GitHubClient::Done)> start) {
    return wait<json>(std::move(start));
  }
  // A pull request from a new branch `branch` into main: its number.
  int64_t open_pull(const std::string& branch, bool draft = false) {
    fake.add_branch(kRepo, branch, testing::fake_sha(branch));
    auto pr = wait_json([&](auto done) {
      client.create_pull(kRepo, {"Add " + branch, branch, "main", "body", draft}, std::move(done));
    });
    EXPECT_TRUE(pr) << pr.error().to_string();
    return pr ? int_of(*pr, "number") : 0;
  }
  static int64_t int_of(const json& j, const char* key) { return j.value(key, int64_t{0}); }

  FakeGitHub fake;
  Loop loop;
  SystemClock clock;
  AsyncHttpClient http{loop, clock};
  Limiters limiters{loop, clock, with_github_limiter({}, options())};
  GitHubClient client{http, limiters, clock, options()};
};

TEST_F(GitHubClientTest, SendsGitHubsHeadersAndCreatesAnIssue) {
  auto issue = wait_json([&](auto done) {
    client.create_issue(kRepo, {"Broken build", "It fails.", {"bug"}, {"ada"}}, std::move(done));
  });
  ASSERT_TRUE(issue) << issue.error().to_string();
  EXPECT_EQ((*issue)["number"], 1);
  EXPECT_EQ((*issue)["state"], "open");
  EXPECT_TRUE((*issue)["html_url"].is_string());
  EXPECT_TRUE((*issue)["node_id"].is_string());
  auto req = fake.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/repos/octo/hello/issues");
  EXPECT_EQ(req.authorization, "Bearer ghp_test");
  EXPECT_EQ(req.accept, "application/vnd.github+json");
  EXPECT_EQ(req.api_version, "2022-11-28");
  EXPECT_EQ(req.user_agent, "sundial");
  EXPECT_EQ(
      req.body,
      (json{{"title", "Broken build"}, {"body", "It fails."}, {"labels", {"bug"}}, {"assignees", {"ada"}}}));
}

TEST_F(GitHubClientTest, CreateIssueOnceTwiceMakesOneIssue) {
  auto first = wait<GitHubIssueOnce>([&](auto done) {
    client.create_issue_once(kRepo, kMarker, {"Ship it", "Details", {}, {}}, std::move(done));
  });
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(fake.issue(kRepo, 1)["body"], "Details\n\n" + kMarker);
  auto second = wait<GitHubIssueOnce>([&](auto done) {
    client.create_issue_once(kRepo, kMarker, {"Ship it", "Details", {}, {}}, std::move(done));
  });
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->issue["number"], first->issue["number"]);
  EXPECT_EQ(fake.issues_created(), 1u);
  auto list = fake.requests().at(0);
  EXPECT_EQ(list.path, "/repos/octo/hello/issues");
  EXPECT_EQ(list.param("state"), "all");
  EXPECT_EQ(list.param("sort"), "created");
  EXPECT_EQ(list.param("direction"), "desc");
  EXPECT_EQ(list.param("per_page"), "100");
}

// The crash case: GitHub created the issue, but its 201 never reached
// the journal. The next attempt must find it, not open a second one.
TEST_F(GitHubClientTest, CreateIssueOnceFindsTheIssueALostAnswerCreated) {
  fake.add_issue(kRepo, {{"title", "older"}, {"body", "unrelated"}});
  int64_t lost = fake.add_issue(kRepo, {{"title", "Ship it"}, {"body", "Details\n\n" + kMarker}});
  // A pull request quoting the marker is not the issue.
  fake.add_branch(kRepo, "quote", testing::fake_sha("quote"));
  ASSERT_TRUE(wait_json([&](auto done) {
    client.create_pull(kRepo, {"Quote", "quote", "main", "mentions " + kMarker, false}, std::move(done));
  }));
  fake.add_issue(kRepo, {{"title", "newer"}, {"body", "also unrelated"}});
  auto once = wait<GitHubIssueOnce>([&](auto done) {
    client.create_issue_once(kRepo, kMarker, {"Ship it", "Details", {}, {}}, std::move(done));
  });
  ASSERT_TRUE(once) << once.error().to_string();
  EXPECT_FALSE(once->created);
  EXPECT_EQ(once->issue["number"], lost);
  EXPECT_EQ(fake.issues_created(), 0u);
}

TEST_F(GitHubClientTest, LooksForTheMarkerInTheNewestThreePagesOnly) {
  fake.add_issue(kRepo, {{"title", "oldest"}, {"body", kMarker}});
  for (int i = 0; i < 300; ++i) fake.add_issue(kRepo, {{"title", "i" + std::to_string(i)}});
  auto far = wait_json([&](auto done) { client.find_issue_with_marker(kRepo, kMarker, std::move(done)); });
  ASSERT_TRUE(far) << far.error().to_string();
  EXPECT_TRUE(far->is_null()) << "the 301st newest is past three pages";
  EXPECT_EQ(fake.count("GET", "/repos/octo/hello/issues"), 3u);
  EXPECT_EQ(fake.requests().back().param("page"), "3");

  fake.add_issue(kRepo, {{"title", "p3"}, {"body", "x " + kMarker}});
  for (int i = 0; i < 250; ++i) fake.add_issue(kRepo, {{"title", "j" + std::to_string(i)}});
  auto near = wait_json([&](auto done) { client.find_issue_with_marker(kRepo, kMarker, std::move(done)); });
  ASSERT_TRUE(near) << near.error().to_string();
  EXPECT_EQ((*near)["title"], "p3");
}

TEST_F(GitHubClientTest, UpdatesAnIssueAndComments) {
  fake.add_issue(kRepo, {{"title", "bug"}});
  auto closed = wait_json([&](auto done) {
    client.update_issue(kRepo, 1, {{"state", "closed"}, {"state_reason", "not_planned"}}, std::move(done));
  });
  ASSERT_TRUE(closed) << closed.error().to_string();
  EXPECT_EQ(fake.issue(kRepo, 1)["state_reason"], "not_planned");
  EXPECT_EQ(fake.requests().back().method, "PATCH");
  auto comment = wait_json([&](auto done) { client.add_comment(kRepo, 1, "Done in #2", std::move(done)); });
  ASSERT_TRUE(comment) << comment.error().to_string();
  ASSERT_EQ(fake.comments(kRepo, 1).size(), 1u);
  EXPECT_EQ(fake.comments(kRepo, 1)[0]["body"], "Done in #2");
  size_t before = fake.requests().size();
  auto unknown = wait_json([&](auto done) {
    client.update_issue(kRepo, 1, {{"colour", "red"}}, std::move(done));
  });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(fake.requests().size(), before) << "an unknown field is refused before sending";
}

TEST_F(GitHubClientTest, BranchesAndPullRequests) {
  fake.add_branch(kRepo, "feature/x", testing::fake_sha("x"));
  for (const auto& probe :
       std::vector<std::pair<std::string, bool>>{{"main", true}, {"feature/x", true}, {"feature/y", false}}) {
    auto r = wait<bool>([&](auto done) { client.branch_exists(kRepo, probe.first, std::move(done)); });
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(*r, probe.second) << probe.first;
  }
  EXPECT_EQ(fake.requests().at(1).target, "/repos/octo/hello/branches/feature%2Fx") << "encoded, one segment";

  auto none =
      wait_json([&](auto done) { client.find_pull_for_branch(kRepo, "octo", "feature/x", std::move(done)); });
  ASSERT_TRUE(none) << none.error().to_string();
  EXPECT_TRUE(none->is_null());

  auto missing = wait_json([&](auto done) {
    client.create_pull(kRepo, {"t", "feature/y", "main", "", false}, std::move(done));
  });
  ASSERT_FALSE(missing);
  EXPECT_FALSE(is_retryable(missing.error()));
  EXPECT_NE(missing.error().message.find("GitHub answered 422: Validation Failed (head invalid)"),
            std::string::npos)
      << missing.error().message;
  fake.add_branch(kRepo, "empty", fake.branch_sha(kRepo, "main"));
  auto no_commits = wait_json([&](auto done) {
    client.create_pull(kRepo, {"t", "empty", "main", "", false}, std::move(done));
  });
  ASSERT_FALSE(no_commits);
  EXPECT_FALSE(is_retryable(no_commits.error()));
  EXPECT_NE(no_commits.error().message.find("No commits between main and empty"), std::string::npos)
      << no_commits.error().message;

  auto pr = wait_json([&](auto done) {
    client.create_pull(kRepo, {"X", "feature/x", "main", "Closes #1", true}, std::move(done));
  });
  ASSERT_TRUE(pr) << pr.error().to_string();
  EXPECT_EQ((*pr)["draft"], true);
  auto found =
      wait_json([&](auto done) { client.find_pull_for_branch(kRepo, "octo", "feature/x", std::move(done)); });
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ((*found)["number"], (*pr)["number"]);
  EXPECT_EQ(fake.requests().back().param("head"), "octo:feature/x");
  auto got = wait_json([&](auto done) { client.get_pull(kRepo, int_of(*pr, "number"), std::move(done)); });
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ((*got)["mergeable_state"], "draft");
  EXPECT_EQ((*got)["head"]["sha"], testing::fake_sha("x"));
}

TEST_F(GitHubClientTest, TurnsADraftReadyThroughGraphQL) {
  int64_t n = open_pull("wip", true);
  std::string node_id = fake.pull(kRepo, n)["node_id"];
  auto ready = wait_json([&](auto done) { client.set_pull_draft(node_id, false, std::move(done)); });
  ASSERT_TRUE(ready) << ready.error().to_string();
  EXPECT_EQ((*ready)["isDraft"], false);
  EXPECT_EQ(fake.pull(kRepo, n)["draft"], false);
  auto req = fake.requests().back();
  EXPECT_EQ(req.path, "/graphql");
  EXPECT_EQ(req.body["variables"]["pullRequestId"], node_id);
  auto draft = wait_json([&](auto done) { client.set_pull_draft(node_id, true, std::move(done)); });
  ASSERT_TRUE(draft) << draft.error().to_string();
  EXPECT_EQ(fake.pull(kRepo, n)["draft"], true);
  auto unknown = wait_json([&](auto done) { client.set_pull_draft("PR_missing", false, std::move(done)); });
  ASSERT_FALSE(unknown);
  EXPECT_FALSE(is_retryable(unknown.error()));
  EXPECT_NE(unknown.error().message.find("NOT_FOUND"), std::string::npos) << unknown.error().message;
}

TEST_F(GitHubClientTest, SummarizesStatusesAndCheckRuns) {
  auto checks = [&](const std::string& sha) {
    auto r = wait<GitHubChecks>([&](auto done) { client.checks(kRepo, sha, std::move(done)); });
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : GitHubChecks{};
  };
  GitHubChecks none = checks(testing::fake_sha("none"));
  EXPECT_EQ(none.state, "success") << "no statuses and no check runs";
  EXPECT_EQ(none.total, 0);

  std::string green = testing::fake_sha("green");
  fake.set_status(kRepo, green, "ci/lint", "success");
  fake.set_check_run(kRepo, green, "test", "completed", "success");
  fake.set_check_run(kRepo, green, "docs", "completed", "skipped");
  GitHubChecks passed = checks(green);
  EXPECT_EQ(passed.state, "success");
  EXPECT_EQ(passed.total, 3);

  std::string running = testing::fake_sha("running");
  fake.set_check_run(kRepo, running, "test", "in_progress");
  fake.set_status(kRepo, running, "ci/lint", "success");
  EXPECT_EQ(checks(running).state, "pending");
  std::string waiting = testing::fake_sha("waiting");
  fake.set_status(kRepo, waiting, "deploy", "pending");
  EXPECT_EQ(checks(waiting).pending, std::vector<std::string>{"deploy"});

  std::string red = testing::fake_sha("red");
  fake.set_check_run(kRepo, red, "test", "completed", "timed_out");
  fake.set_check_run(kRepo, red, "build", "in_progress");
  fake.set_status(kRepo, red, "ci/legacy", "error");
  GitHubChecks bad = checks(red);
  EXPECT_EQ(bad.state, "failure");
  EXPECT_EQ(bad.failing, (std::vector<std::string>{"ci/legacy", "test"}));
  EXPECT_EQ(json(bad)["pending"], json::array({"build"}));
}

TEST_F(GitHubClientTest, MergesOnlyWhenClean) {
  int64_t clean = open_pull("clean");
  auto merged = wait<GitHubMergeResult>(
      [&](auto done) { client.merge_when_clean(kRepo, clean, "squash", std::move(done)); });
  ASSERT_TRUE(merged) << merged.error().to_string();
  EXPECT_TRUE(merged->merged);
  EXPECT_FALSE(merged->already);
  EXPECT_EQ(merged->sha, fake.branch_sha(kRepo, "main"));
  auto put = fake.requests().back();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.body, (json{{"merge_method", "squash"}, {"sha", testing::fake_sha("clean")}}));

  auto again = wait<GitHubMergeResult>(
      [&](auto done) { client.merge_when_clean(kRepo, clean, "squash", std::move(done)); });
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->merged);
  EXPECT_TRUE(again->already);
  EXPECT_EQ(fake.count("PUT"), 1u) << "already merged: no second merge";

  int64_t blocked = open_pull("blocked");
  fake.set_mergeable_state(kRepo, blocked, "blocked");
  auto refused = wait<GitHubMergeResult>(
      [&](auto done) { client.merge_when_clean(kRepo, blocked, "squash", std::move(done)); });
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->merged);
  EXPECT_EQ(refused->message, "mergeable_state is blocked");
  EXPECT_EQ(fake.count("PUT"), 1u);

  // Clean when read, not mergeable when merged: a 405 is an answer.
  int64_t raced = open_pull("raced");
  GitHubFailure not_mergeable;
  not_mergeable.status = 405;
  not_mergeable.message = "Pull Request is not mergeable";
  fake.fail_next(1, not_mergeable, "/repos/octo/hello/pulls/" + std::to_string(raced) + "/merge");
  auto lost = wait<GitHubMergeResult>(
      [&](auto done) { client.merge_when_clean(kRepo, raced, "merge", std::move(done)); });
  ASSERT_TRUE(lost) << lost.error().to_string();
  EXPECT_FALSE(lost->merged);
  EXPECT_EQ(lost->message, "Pull Request is not mergeable");
  // The head moved since it was read: a 409 is an answer too.
  auto moved = wait<GitHubMergeResult>([&](auto done) {
    client.merge_pull(kRepo, raced, {"merge", testing::fake_sha("old")}, std::move(done));
  });
  ASSERT_TRUE(moved) << moved.error().to_string();
  EXPECT_FALSE(moved->merged);
  EXPECT_NE(moved->message.find("Head branch was modified"), std::string::npos);
}

TEST_F(GitHubClientTest, ARateLimitResetHoldsTheLimiterUntilThen) {
  // The client reads x-ratelimit-reset against its clock: a second ahead.
  ManualClock wall(1767225600000);
  GitHubClient timed(http, limiters, wall, options());
  GitHubFailure limited;
  limited.status = 403;
  limited.ratelimit_reset = 1767225601;
  fake.fail_next(1, limited, "/repos/octo/hello/issues");
  auto started = std::chrono::steady_clock::now();
  auto issue = wait_json([&](auto done) { timed.create_issue(kRepo, {"t", "", {}, {}}, std::move(done)); });
  ASSERT_TRUE(issue) << issue.error().to_string();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  EXPECT_EQ(limiters.view("github")->holds, 1u);
  EXPECT_EQ(fake.count("POST"), 2u);

  // A reset an hour ahead: the limiter is held at most max_hold, and the
  // call ends (retryable, after the whole wait) rather than spend its
  // attempts before the reset.
  GitHubOptions o = options();
  o.max_hold = 50;
  GitHubClient capped(http, limiters, wall, o);
  limited.ratelimit_reset = 1767225600 + 3600;
  fake.fail_next(1, limited, "/repos/octo/hello/issues");
  auto later = wait_json([&](auto done) { capped.create_issue(kRepo, {"t", "", {}, {}}, std::move(done)); });
  ASSERT_FALSE(later);
  EXPECT_TRUE(is_retryable(later.error()));
  EXPECT_EQ(later.error().retry_after_ms, 3600 * kSecondMs);
  EXPECT_NE(later.error().message.find("403: API rate limit exceeded"), std::string::npos)
      << later.error().message;
  EXPECT_EQ(fake.count("POST"), 3u);
}

TEST_F(GitHubClientTest, RetryAfterHoldsTheLimiter) {
  GitHubFailure slow_down;
  slow_down.status = 429;
  slow_down.retry_after_s = 1;
  fake.fail_next(1, slow_down, "/repos/");
  auto started = std::chrono::steady_clock::now();
  auto r = wait_json([&](auto done) { client.get_pull(kRepo, 1, std::move(done)); });
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  ASSERT_FALSE(r) << "no pull request 1: a 404 after the retry";
  EXPECT_EQ(fake.count("GET"), 2u);
  EXPECT_EQ(limiters.view("github")->holds, 1u);
}

TEST_F(GitHubClientTest, RetriesA5xxThenSucceeds) {
  GitHubFailure down;
  down.status = 502;
  fake.fail_next(2, down, "/repos/");
  auto r = wait_json([&](auto done) { client.create_issue(kRepo, {"t", "", {}, {}}, std::move(done)); });
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(fake.count("POST"), 3u);
  fake.fail_next(3, down, "/repos/");
  auto gave_up = wait_json([&](auto done) {
    client.create_issue(kRepo, {"t", "", {}, {}}, std::move(done));
  });
  ASSERT_FALSE(gave_up);
  EXPECT_TRUE(is_retryable(gave_up.error()));
  EXPECT_EQ(fake.count("POST"), 6u);
  EXPECT_EQ(fake.issues_created(), 1u);
}

TEST_F(GitHubClientTest, PermanentAnswersAreNotRetried) {
  auto missing = wait_json([&](auto done) { client.get_pull(kRepo, 404, std::move(done)); });
  ASSERT_FALSE(missing);
  EXPECT_FALSE(is_retryable(missing.error()));
  EXPECT_NE(missing.error().message.find("GitHub answered 404: Not Found"), std::string::npos)
      << missing.error().message;
  EXPECT_EQ(fake.count("GET"), 1u);

  GitHubFailure forbidden;
  forbidden.status = 403;
  forbidden.message = "Resource not accessible by integration";
  fake.fail_next(1, forbidden);
  auto refused = wait_json([&](auto done) { client.get_pull(kRepo, 1, std::move(done)); });
  ASSERT_FALSE(refused);
  EXPECT_FALSE(is_retryable(refused.error())) << "a 403 that is no rate limit";
  EXPECT_EQ(fake.count("GET"), 2u);

  auto invalid = wait_json([&](auto done) {
    client.call("POST", "/repos/octo/hello/issues", json{{"body", "no title"}}, std::move(done));
  });
  ASSERT_FALSE(invalid);
  EXPECT_FALSE(is_retryable(invalid.error()));
  EXPECT_NE(invalid.error().message.find("GitHub answered 422: Validation Failed (title missing_field)"),
            std::string::npos)
      << invalid.error().message;
}

TEST_F(GitHubClientTest, WithoutATokenNothingIsSent) {
  GitHubOptions o = options();
  o.token.reset();
  GitHubClient anonymous(http, limiters, clock, o);
  auto r = wait_json([&](auto done) { anonymous.get_pull(kRepo, 1, std::move(done)); });
  ASSERT_FALSE(r);
  EXPECT_FALSE(is_retryable(r.error()));
  EXPECT_NE(r.error().message.find("$GITHUB_TOKEN"), std::string::npos) << r.error().message;
  o.token = "ghp_x\r\nX-Injected: 1";
  GitHubClient injected(http, limiters, clock, o);
  EXPECT_FALSE(wait_json([&](auto done) { injected.get_pull(kRepo, 1, std::move(done)); }));
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(GitHubClientTest, HostileNamesAreRefusedBeforeAnyRequest) {
  for (const std::string& repo : std::vector<std::string>{
           "../x", "octo/..", "octo/.", "octo/hello/issues", "octo", "octo/hel lo", "octo/hello?state=all",
           "/hello", "octo/", std::string(101, 'a') + "/x", ""}) {
    auto r = wait_json([&](auto done) { client.get_pull(repo, 1, std::move(done)); });
    EXPECT_FALSE(r) << repo;
  }
  for (const std::string& branch :
       std::vector<std::string>{"../../x", "a..b", "x?state=all", "x y", "x\n", "-x", "x/", "/x", "x.lock",
                                "a//b", "@", "x@{1}", "x~1", "x#y\x7f", "", std::string(256, 'b')}) {
    auto exists = wait<bool>([&](auto done) { client.branch_exists(kRepo, branch, std::move(done)); });
    EXPECT_FALSE(exists) << branch;
    auto pr = wait_json([&](auto done) {
      client.create_pull(kRepo, {"t", branch, "main", "", false}, std::move(done));
    });
    EXPECT_FALSE(pr) << branch;
    auto found =
        wait_json([&](auto done) { client.find_pull_for_branch(kRepo, "octo", branch, std::move(done)); });
    EXPECT_FALSE(found) << branch;
  }
  EXPECT_FALSE(wait<bool>([&](auto done) { client.branch_exists(kRepo, "x:y", std::move(done)); }));
  EXPECT_FALSE(
      wait_json([&](auto done) { client.find_pull_for_branch(kRepo, "oc:to", "x", std::move(done)); }));
  EXPECT_FALSE(wait_json([&](auto done) {
    client.create_pull(kRepo, {"t", "oc/to:x", "main", "", false}, std::move(done));
  }));
  EXPECT_FALSE(wait_json([&](auto done) { client.set_pull_draft("PR_1\"}){x}", true, std::move(done)); }));
  EXPECT_FALSE(wait<GitHubChecks>([&](auto done) { client.checks(kRepo, "../main", std::move(done)); }));
  EXPECT_FALSE(wait_json([&](auto done) { client.get_pull(kRepo, 0, std::move(done)); }));
  EXPECT_FALSE(wait<GitHubMergeResult>([&](auto done) {
    client.merge_pull(kRepo, 1, {"yolo", ""}, std::move(done));
  }));
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(GitHubClientTest, AnswersThatAreNotJsonOrTooLargeAreErrors) {
  testing::ScriptedHttpServer server;
  GitHubOptions o = options();
  o.base_url = server.base_url();
  o.attempts = 1;
  o.max_response_bytes = 4096;
  GitHubClient odd(http, limiters, clock, o);
  server.script([](const http::HttpRequest&) { return http::HttpResponse::text(200, "<html>hello</html>"); });
  auto html = wait_json([&](auto done) { odd.get_pull(kRepo, 1, std::move(done)); });
  ASSERT_FALSE(html);
  EXPECT_TRUE(is_retryable(html.error()));
  EXPECT_NE(html.error().message.find("without JSON: <html>"), std::string::npos) << html.error().message;

  server.script(
      [](const http::HttpRequest&) { return http::HttpResponse::text(500, std::string(1000, 'x')); });
  auto broken = wait_json([&](auto done) { odd.get_pull(kRepo, 1, std::move(done)); });
  ASSERT_FALSE(broken);
  EXPECT_TRUE(is_retryable(broken.error()));
  EXPECT_LT(broken.error().message.size(), 500u) << "an excerpt of the body, not all of it";

  server.script([](const http::HttpRequest&) {
    return http::HttpResponse::json(200, {{"title", std::string(10000, 'y')}});
  });
  auto huge = wait_json([&](auto done) { odd.get_pull(kRepo, 1, std::move(done)); });
  ASSERT_FALSE(huge);
  EXPECT_FALSE(is_retryable(huge.error()));
  EXPECT_NE(huge.error().message.find("larger than 4096 bytes"), std::string::npos) << huge.error().message;

  // A list answer where an object was expected, and GraphQL's nonsense.
  server.script([](const http::HttpRequest&) { return http::HttpResponse::json(200, json::array({1, 2})); });
  EXPECT_FALSE(wait<GitHubChecks>([&](auto done) { odd.checks(kRepo, "main", std::move(done)); }));
  EXPECT_FALSE(wait_json([&](auto done) { odd.set_pull_draft("PR_1", false, std::move(done)); }));
  auto merged = wait<GitHubMergeResult>([&](auto done) { odd.merge_pull(kRepo, 1, {}, std::move(done)); });
  ASSERT_TRUE(merged) << "a 200 without `merged` is not merged";
  EXPECT_FALSE(merged->merged);
}

// github_result and github_rate_limit_wait on answers made by hand.
TEST(GitHubAnswersTest, ReadsGitHubsErrorsAndRateLimits) {
  HttpCallResult r;
  r.status = 422;
  r.outcome = HttpOutcome::kPermanent;
  r.body =
      R"({"message":"Validation Failed","errors":[{"resource":"Issue","field":"title","code":"missing_field"}]})";
  auto e = github_result(r, "GitHub POST /repos/o/r/issues");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "GitHub POST /repos/o/r/issues: GitHub answered 422: Validation Failed (title missing_field)");
  EXPECT_EQ(github_rate_limit_wait(r, 0), 0);

  TimeMs now = 1767225600500;
  r.status = 403;
  r.body = R"({"message":"API rate limit exceeded"})";
  r.headers = {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1767225602"}};
  EXPECT_TRUE(is_retryable(github_result(r, "x").error()));
  EXPECT_EQ(github_rate_limit_wait(r, now), 1500);
  r.headers["x-ratelimit-reset"] = "1767225000";  // already past: a second
  EXPECT_EQ(github_rate_limit_wait(r, now), kSecondMs);
  r.headers["x-ratelimit-reset"] = "99999999999999999999";  // unreadable: a minute
  EXPECT_EQ(github_rate_limit_wait(r, now), kMinuteMs);
  r.headers = {{"retry-after", "7"}};
  r.retry_after = 7 * kSecondMs;
  EXPECT_EQ(github_rate_limit_wait(r, now), 7 * kSecondMs);
  r.headers.clear();
  r.retry_after = 0;
  r.body = R"({"message":"You have exceeded a secondary rate limit."})";
  EXPECT_TRUE(is_retryable(github_result(r, "x").error()));
  EXPECT_EQ(github_rate_limit_wait(r, now), kMinuteMs);
  r.body = R"({"message":"Must have admin rights to Repository."})";
  EXPECT_FALSE(is_retryable(github_result(r, "x").error()));
  EXPECT_EQ(github_rate_limit_wait(r, now), 0);

  r.status = 204;
  r.outcome = HttpOutcome::kOk;
  r.body.clear();
  auto empty = github_result(r, "x");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_null());
}

TEST(GitHubAnswersTest, ReadsRepositoryNames) {
  auto repo = parse_github_repo("octo-org/hello.world_2");
  ASSERT_TRUE(repo);
  EXPECT_EQ(repo->path(), "/repos/octo-org/hello.world_2");
  EXPECT_TRUE(check_github_ref("feature/ünïcode-1.2", "branch"));
  EXPECT_FALSE(check_github_ref("feature/.hidden", "branch"));
  EXPECT_FALSE(check_github_ref(std::string("a\xff"), "branch"));
  EXPECT_TRUE(check_github_node_id("PR_kwDOABCD12-_="));
}

TEST(GitHubAnswersTest, ACombinedPendingWithoutStatusesIsNoStatus) {
  json none = {{"state", "pending"}, {"total_count", 0}, {"statuses", json::array()}};
  EXPECT_EQ(summarize_github_checks(none, {}, 0).state, "success");
  json truncated = {{"state", "failure"}, {"total_count", 150}, {"statuses", json::array()}};
  EXPECT_EQ(summarize_github_checks(truncated, {}, 0).state, "failure");
  std::vector<json> runs = {{{"name", "a"}, {"status", "completed"}, {"conclusion", "success"}}};
  GitHubChecks unread = summarize_github_checks(none, runs, 3);
  EXPECT_EQ(unread.state, "pending") << "two runs were not read";
  EXPECT_EQ(unread.total, 3);
  EXPECT_EQ(summarize_github_checks("not an object", {json(42)}, 1).state, "pending")
      << "a run without a status is not completed";
}

}  // namespace github_client_test
}  // namespace sundial
