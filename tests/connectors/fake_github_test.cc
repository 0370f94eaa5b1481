// The fake GitHub API (tests/support/fake_github.h) itself, over real
// loopback HTTP: User-Agent, token and version checks, issue and pull
// request numbers shared per repository, listings with Link, the 422s of
// pull request creation, merge rules, GraphQL draft state, statuses and
// check runs, refusals of what it does not evaluate, scripted failures,
// latency and the request log.
#include "tests/support/fake_github.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "tests/support/http_client.h"

namespace sundial::testing::fake_github_test {

using nlohmann::json;

constexpr const char* kRepo = "octo/hello";

class FakeGitHubTest : public ::testing::Test {
 protected:
  using Headers = std::map<std::string, std::string>;

  static Headers good_headers() {
    return {{"Authorization", "Bearer ghp_test"},
            {"User-Agent", "sundial-test"},
            {"X-GitHub-Api-Version", "2022-11-28"},
            {"Accept", "application/vnd.github+json"},
            {"Content-Type", "application/json"}};
  }

  // One request on a fresh connection; status 0 when no reply came.
  HttpReply call(const std::string& method, const std::string& target, const json& body = nullptr,
                 const Headers& headers = good_headers()) {
    HttpConnection c(fake.port());
    auto reply = c.request(method, target, body.is_null() ? "" : body.dump(), headers);
    return reply ? *reply : HttpReply{};
  }
  static json body_of(const HttpReply& reply) { return json::parse(reply.body, nullptr, false); }

  int64_t create_issue(const std::string& title, const std::string& body = "") {
    auto reply = call("POST", "/repos/octo/hello/issues", {{"title", title}, {"body", body}});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return body_of(reply).value("number", int64_t{0});
  }

  FakeGitHub fake;
};

TEST_F(FakeGitHubTest, RefusesNoUserAgentAWrongTokenAndAnotherVersion) {
  Headers h = good_headers();
  h.erase("User-Agent");
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues", nullptr, h).status, 403);
  h = good_headers();
  h["Authorization"] = "Bearer wrong";
  auto bad = call("GET", "/repos/octo/hello/issues", nullptr, h);
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(body_of(bad)["message"], "Bad credentials");
  EXPECT_TRUE(body_of(bad).contains("documentation_url"));
  h = good_headers();
  h["X-GitHub-Api-Version"] = "2020-01-01";
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues", nullptr, h).status, 400);
  auto seen = fake.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].authorization, "Bearer wrong");
  EXPECT_EQ(seen[2].api_version, "2020-01-01");
  EXPECT_EQ(seen[0].status, 403);
}

TEST_F(FakeGitHubTest, IssuesAndPullRequestsShareNumbers) {
  EXPECT_EQ(create_issue("first", "hello"), 1);
  fake.add_branch(kRepo, "feature", fake_sha("feature-1"));
  auto pr = call("POST", "/repos/octo/hello/pulls", {{"title", "PR"}, {"head", "feature"}, {"base", "main"}});
  ASSERT_EQ(pr.status, 201) << pr.body;
  EXPECT_EQ(body_of(pr)["number"], 2);
  EXPECT_EQ(create_issue("third"), 3);
  EXPECT_EQ(fake.issues_created(), 2u);
  EXPECT_EQ(fake.pulls_created(), 1u);
  EXPECT_EQ(fake.issues(kRepo).size(), 2u);
  auto all = body_of(call("GET", "/repos/octo/hello/issues?state=all"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["number"], 3) << "newest first";
  EXPECT_TRUE(all[1].contains("pull_request"));
  EXPECT_FALSE(all[0].contains("pull_request"));
  EXPECT_EQ(fake.issue(kRepo, 1)["body"], "hello");
  EXPECT_TRUE(fake.issue(kRepo, 2).contains("pull_request"));
  EXPECT_TRUE(fake.issue(kRepo, 9).is_null());
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues/9").status, 404);
  // Repository names compare without case.
  EXPECT_EQ(fake.issues("Octo/Hello").size(), 2u);
}

TEST_F(FakeGitHubTest, ListsPageByPageWithALinkToTheNext) {
  for (int i = 0; i < 5; ++i) fake.add_issue(kRepo, {{"title", "t" + std::to_string(i)}});
  auto first = call("GET", "/repos/octo/hello/issues?state=all&per_page=2");
  EXPECT_EQ(body_of(first).size(), 2u);
  EXPECT_NE(first.header("link").find("page=2>; rel=\"next\""), std::string::npos) << first.header("link");
  auto last = call("GET", "/repos/octo/hello/issues?state=all&per_page=2&page=3");
  ASSERT_EQ(body_of(last).size(), 1u);
  EXPECT_EQ(body_of(last)[0]["number"], 1);
  EXPECT_EQ(last.header("link"), "");
  auto asc = body_of(call("GET", "/repos/octo/hello/issues?direction=asc&per_page=100"));
  EXPECT_EQ(asc[0]["number"], 1);
  // What the fake does not evaluate is refused, not ignored.
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues?labels=bug").status, 422);
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues?per_page=101").status, 422);
}

TEST_F(FakeGitHubTest, UpdatesIssuesAndTakesComments) {
  int64_t n = create_issue("bug");
  auto patched = call("PATCH", "/repos/octo/hello/issues/" + std::to_string(n),
                      {{"state", "closed"}, {"state_reason", "not_planned"}, {"labels", {"wontfix"}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(fake.issue(kRepo, n)["state"], "closed");
  EXPECT_EQ(fake.issue(kRepo, n)["state_reason"], "not_planned");
  EXPECT_EQ(fake.issue(kRepo, n)["labels"][0]["name"], "wontfix");
  EXPECT_EQ(call("PATCH", "/repos/octo/hello/issues/1", {{"state", "gone"}}).status, 422);
  EXPECT_EQ(call("PATCH", "/repos/octo/hello/issues/1", {{"colour", "red"}}).status, 422);
  auto comment = call("POST", "/repos/octo/hello/issues/1/comments", {{"body", "thanks"}});
  EXPECT_EQ(comment.status, 201);
  EXPECT_EQ(fake.comments(kRepo, 1).size(), 1u);
  EXPECT_EQ(fake.issue(kRepo, 1)["comments"], 1);
  EXPECT_EQ(call("POST", "/repos/octo/hello/issues/1/comments", {{"text", "x"}}).status, 422);
  EXPECT_EQ(call("POST", "/repos/octo/hello/issues", {{"body", "no title"}}).status, 422);
}

TEST_F(FakeGitHubTest, CreatingAPullRequestAnswersGitHubs422s) {
  fake.add_branch(kRepo, "same", fake.branch_sha(kRepo, "main"));
  fake.add_branch(kRepo, "feature/x", fake_sha("x"));
  auto missing =
      call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "nope"}, {"base", "main"}});
  ASSERT_EQ(missing.status, 422);
  EXPECT_EQ(body_of(missing)["message"], "Validation Failed");
  EXPECT_EQ(body_of(missing)["errors"][0],
            (json{{"resource", "PullRequest"}, {"field", "head"}, {"code", "invalid"}}));
  auto no_commits =
      call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "same"}, {"base", "main"}});
  ASSERT_EQ(no_commits.status, 422);
  EXPECT_EQ(body_of(no_commits)["errors"][0]["message"], "No commits between main and same");
  EXPECT_EQ(call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "feature/x"}, {"base", "dev"}})
                .status,
            422);
  auto made =
      call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "octo:feature/x"}, {"base", "main"}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(body_of(made)["head"]["sha"], fake_sha("x"));
  auto again =
      call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "feature/x"}, {"base", "main"}});
  EXPECT_EQ(again.status, 422);
  EXPECT_NE(body_of(again)["errors"][0]["message"].get<std::string>().find("already exists"),
            std::string::npos);
  // The branch, percent-encoded as one segment; the pull by head.
  EXPECT_EQ(call("GET", "/repos/octo/hello/branches/feature%2Fx").status, 200);
  EXPECT_EQ(call("GET", "/repos/octo/hello/branches/feature%2Fy").status, 404);
  auto found = body_of(call("GET", "/repos/octo/hello/pulls?head=octo%3Afeature%2Fx&state=all"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["number"], 1);
  EXPECT_TRUE(body_of(call("GET", "/repos/octo/hello/pulls?head=octo%3Aother&state=all")).empty());
}

TEST_F(FakeGitHubTest, MergesOnlyACleanPullAtItsHead) {
  fake.add_branch(kRepo, "f", fake_sha("f1"));
  ASSERT_EQ(call("POST", "/repos/octo/hello/pulls", {{"title", "t"}, {"head", "f"}, {"base", "main"}}).status,
            201);
  fake.set_mergeable_state(kRepo, 1, "blocked");
  EXPECT_EQ(fake.pull(kRepo, 1)["mergeable_state"], "blocked");
  auto blocked = call("PUT", "/repos/octo/hello/pulls/1/merge", {{"merge_method", "squash"}});
  EXPECT_EQ(blocked.status, 405);
  EXPECT_EQ(body_of(blocked)["message"], "Pull Request is not mergeable");
  fake.set_mergeable_state(kRepo, 1, "clean");
  fake.add_branch(kRepo, "f", fake_sha("f2"));  // the head moves
  EXPECT_EQ(call("PUT", "/repos/octo/hello/pulls/1/merge", {{"sha", fake_sha("f1")}}).status, 409);
  auto merged =
      call("PUT", "/repos/octo/hello/pulls/1/merge", {{"merge_method", "squash"}, {"sha", fake_sha("f2")}});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(body_of(merged)["merged"], true);
  json pull = fake.pull(kRepo, 1);
  EXPECT_EQ(pull["merged"], true);
  EXPECT_EQ(pull["state"], "closed");
  EXPECT_EQ(fake.branch_sha(kRepo, "main"), body_of(merged)["sha"]);
  EXPECT_EQ(call("PUT", "/repos/octo/hello/pulls/1/merge", json::object()).status, 405);
  EXPECT_THROW(fake.set_mergeable_state(kRepo, 7, "clean"), std::invalid_argument);
}

TEST_F(FakeGitHubTest, GraphQLTurnsADraftReadyAndBack) {
  fake.add_branch(kRepo, "f", fake_sha("f"));
  auto made = call("POST", "/repos/octo/hello/pulls",
                   {{"title", "t"}, {"head", "f"}, {"base", "main"}, {"draft", true}});
  ASSERT_EQ(made.status, 201);
  EXPECT_EQ(body_of(made)["mergeable_state"], "draft");
  std::string id = body_of(made)["node_id"];
  auto ready = call("POST", "/graphql",
                    {{"query",
                      "mutation($pullRequestId: ID!) { markPullRequestReadyForReview(input: {pullRequestId: "
                      "$pullRequestId}) { pullRequest { id isDraft } } }"},
                     {"variables", {{"pullRequestId", id}}}});
  ASSERT_EQ(ready.status, 200);
  EXPECT_EQ(body_of(ready)["data"]["markPullRequestReadyForReview"]["pullRequest"]["isDraft"], false);
  EXPECT_EQ(fake.pull(kRepo, 1)["draft"], false);
  EXPECT_EQ(fake.pull(kRepo, 1)["mergeable_state"], "clean");
  auto unknown = call("POST", "/graphql",
                      {{"query",
                        "mutation($pullRequestId: ID!) { convertPullRequestToDraft(input: {pullRequestId: "
                        "$pullRequestId}) { pullRequest { id } } }"},
                       {"variables", {{"pullRequestId", "PR_nope"}}}});
  ASSERT_EQ(unknown.status, 200) << "GraphQL errors come in a 200";
  EXPECT_EQ(body_of(unknown)["errors"][0]["type"], "NOT_FOUND");
  EXPECT_EQ(body_of(call("POST", "/graphql", {{"query", "{ viewer { login } }"}}))["errors"].size(), 1u);
}

TEST_F(FakeGitHubTest, AnswersStatusesAndCheckRuns) {
  std::string sha = fake_sha("c");
  auto none = body_of(call("GET", "/repos/octo/hello/commits/" + sha + "/status"));
  EXPECT_EQ(none["state"], "pending");
  EXPECT_EQ(none["total_count"], 0);
  fake.set_status(kRepo, sha, "ci/lint", "success");
  fake.set_status(kRepo, sha, "ci/test", "failure");
  auto status = body_of(call("GET", "/repos/octo/hello/commits/" + sha + "/status"));
  EXPECT_EQ(status["state"], "failure");
  EXPECT_EQ(status["total_count"], 2);
  for (int i = 0; i < 3; ++i)
    fake.set_check_run(kRepo, sha, "job" + std::to_string(i), "completed", "success");
  auto runs = call("GET", "/repos/octo/hello/commits/" + sha + "/check-runs?per_page=2");
  EXPECT_EQ(body_of(runs)["total_count"], 3);
  EXPECT_EQ(body_of(runs)["check_runs"].size(), 2u);
  EXPECT_NE(runs.header("link").find("rel=\"next\""), std::string::npos);
  // A branch name reads its head commit.
  fake.add_branch(kRepo, "dev", sha);
  EXPECT_EQ(body_of(call("GET", "/repos/octo/hello/commits/dev/status"))["total_count"], 2);
}

TEST_F(FakeGitHubTest, ScriptedFailuresComeFirstThenTheRealAnswer) {
  GitHubFailure limited;
  limited.status = 403;
  limited.ratelimit_reset = 1767225601;
  fake.fail_next(1, limited, "/repos/octo/hello/issues");
  GitHubFailure slow_down;
  slow_down.status = 429;
  slow_down.retry_after_s = 3;
  fake.fail_next(1, slow_down, "/repos/");
  auto first = call("GET", "/repos/octo/hello/issues");
  EXPECT_EQ(first.status, 403);
  EXPECT_EQ(first.header("x-ratelimit-remaining"), "0");
  EXPECT_EQ(first.header("x-ratelimit-reset"), "1767225601");
  auto second = call("GET", "/repos/octo/hello/issues");
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.header("retry-after"), "3");
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues").status, 200);
  // A wrong token never spends a script.
  fake.fail_next(1, GitHubFailure{}, "");
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues", nullptr, {{"User-Agent", "x"}}).status, 401);
  EXPECT_EQ(call("GET", "/repos/octo/hello/issues").status, 500);
  EXPECT_EQ(fake.count("GET", "/repos/octo/hello/issues"), 5u);
}

TEST_F(FakeGitHubTest, ALatencyDelaysTheAnswerNotTheWrite) {
  fake.set_latency_ms(150);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(create_issue("slow"), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(140));
  fake.set_latency_ms(0);
  EXPECT_EQ(fake.issues(kRepo).size(), 1u);
  auto req = fake.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body["title"], "slow");
  EXPECT_EQ(req.user_agent, "sundial-test");
  EXPECT_EQ(req.accept, "application/vnd.github+json");
}

}  // namespace sundial::testing::fake_github_test
