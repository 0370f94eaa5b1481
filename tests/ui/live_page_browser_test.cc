// The live page (server/ui/live_page.h) in a real browser: headless
// Chromium opens /live#topic=tasks&token=<stream token>&since=0 on the real
// sundiald, and the page's EventSource, opened with the stream token, shows
// the published event, its data as text (escaped in the DOM, never a
// <b> element). With a forged token, or one for another topic, it shows
// nothing. Without Chromium (scripts/install-deps --test installs it) the
// tests are skipped; $SUNDIAL_CHROMIUM names another binary.
//
// When the DOM is printed: --dump-dom prints it once Chromium's virtual
// time budget has run out, and virtual time stands still while a fetch is
// pending, which an open EventSource is. So the token is minted with a
// short ttl: sundiald ends the stream when the token expires, the
// EventSource's reconnect is answered 401 and it gives up, and only then
// does the budget run out and the DOM get printed. What the page shows is
// settled by then: no sleep, no race with the dump. A refused token is
// answered at once, and the DOM follows. Each Chromium runs under
// timeout(1), which kills its whole process group at a deadline, so a
// stream that never ends fails the test instead of hanging it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/child_process.h"
#include "tests/support/daemon_test.h"
#include "tests/support/http_client.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

// $SUNDIAL_CHROMIUM, else the Debian and the Ubuntu name; empty if none runs.
std::string find_chromium(std::string* tried) {
  std::vector<std::string> candidates;
  if (const char* named = std::getenv("SUNDIAL_CHROMIUM"); named != nullptr && *named != '\0') {
    candidates.emplace_back(named);
  }
  candidates.insert(candidates.end(), {"/usr/bin/chromium", "/usr/bin/chromium-browser"});
  for (const auto& path : candidates) {
    if (::access(path.c_str(), X_OK) == 0) return path;
    *tried += (tried->empty() ? "" : ", ") + path;
  }
  return "";
}

// From `from` to the end of the first `to` after it, both included; empty
// when `from` is not in `text`.
std::string live_page_section(const std::string& text, const std::string& from, const std::string& to) {
  size_t begin = text.find(from);
  if (begin == std::string::npos) return "";
  size_t end = text.find(to, begin + from.size());
  return end == std::string::npos ? text.substr(begin) : text.substr(begin, end + to.size() - begin);
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// What one headless Chromium printed.
struct PageDump {
  bool exited_cleanly = false;  // exit code 0 before its deadline
  std::string dom;              // the document --dump-dom printed; empty if none
  std::string events;           // its <ul id="events">…</ul>
  std::string status;           // its <div id="status">…</div>
  std::string output;           // everything Chromium printed, for failure messages
};

class LivePageBrowserTest : public DaemonTest {
 protected:
  LivePageBrowserTest() : DaemonTest({"SUNDIAL_ADMIN_TOKEN=" + kToken}) {}

  void SetUp() override {
    std::string tried;
    chromium_ = find_chromium(&tried);
    if (chromium_.empty()) {
      GTEST_SKIP() << "no Chromium to run (tried " << tried
                   << "; scripts/install-deps --test installs it, $SUNDIAL_CHROMIUM names another)";
    }
    DaemonTest::SetUp();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, kAuthJson);
    EXPECT_TRUE(r) << method << " " << target;
    return r.value_or(HttpReply{});
  }

  void publish_hostile_event() {
    json event = {{"type", "TaskMoved"}, {"data", {{"title", "<b>hostile</b>"}}}};
    auto r = call("POST", "/api/v1/topics/tasks/events", event.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // A stream token for `topic` that expires after `ttl_seconds`.
  std::string mint(const std::string& topic, int ttl_seconds) {
    json body = {{"topics", {topic}}, {"ttl", ttl_seconds}};
    auto r = call("POST", "/api/v1/stream-tokens", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    auto answer = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(answer.is_object() && answer.contains("expires_at")) << r.body;
    return answer.is_object() ? answer.value("token", "") : "";
  }

  // Opens /live#<fragment> in a fresh headless Chromium (its own profile
  // and $HOME in the test's directory) and returns the DOM it printed.
  // Chromium is killed, with every process it started, after
  // `deadline_seconds`.
  PageDump dump_live_page(const std::string& fragment, int deadline_seconds) {
    std::string home = dir.sub("browser-" + std::to_string(++browsers_));
    std::filesystem::create_directories(home);
    std::vector<std::string> argv;
    if (::access("/usr/bin/timeout", X_OK) == 0) {
      argv = {"/usr/bin/timeout", "--kill-after=5", std::to_string(deadline_seconds)};
    }
    argv.insert(argv.end(),
                {chromium_, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--log-level=3",
                 "--user-data-dir=" + home + "/profile",
                 // Virtual ms: outlasts the EventSource's reconnect delay (3 s)
                 // once the stream has ended; stands still while it is open.
                 "--virtual-time-budget=10000", "--dump-dom",
                 "http://127.0.0.1:" + std::to_string(daemon->port()) + "/live#" + fragment});
    ChildProcess browser(argv, ChildProcess::Stderr::kMergeIntoStdout,
                         {"HOME=" + home, "XDG_CONFIG_HOME=" + home + "/.config",
                          "XDG_CACHE_HOME=" + home + "/.cache"});
    auto status = browser.wait_for_exit((deadline_seconds + 10) * 1000);
    PageDump page;
    page.output = browser.output();
    page.exited_cleanly = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
    page.dom = live_page_section(page.output, "<html", "</html>");
    page.events = live_page_section(page.dom, "<ul id=\"events\">", "</ul>");
    page.status = live_page_section(page.dom, "<div id=\"status\">", "</div>");
    return page;
  }

  // A stream of tasks opened by the browser, as the access log shows it.
  size_t streams_opened() { return occurrences(daemon->log(), "GET /api/v1/topics/tasks/stream 200 "); }

  std::string chromium_;
  int browsers_ = 0;
};

TEST_F(LivePageBrowserTest, AnEventSourceWithAStreamTokenShowsThePublishedEventAsText) {
  ASSERT_NO_FATAL_FAILURE(publish_hostile_event());
  // The token must outlive Chromium's start (about a second here). On a
  // machine too busy for that the stream is refused as expired (or opens
  // so close to the expiry that it ends before the replay), and the test
  // tries again with a longer-lived token.
  std::string last_dom;
  for (int ttl : {3, 6, 12}) {
    std::string token = mint("tasks", ttl);
    ASSERT_FALSE(token.empty());
    PageDump page = dump_live_page("topic=tasks&token=" + token + "&since=0", ttl + 15);
    ASSERT_TRUE(page.exited_cleanly)
        << "Chromium did not print the DOM within " << ttl + 15
        << " s: does sundiald end a stream when its token expires?\n"
        << page.output << "\nsundiald:\n"
        << daemon->log();
    ASSERT_FALSE(page.dom.empty()) << page.output;
    if (page.events.find("TaskMoved") == std::string::npos) {
      last_dom = page.dom;
      continue;
    }
    EXPECT_NE(page.events.find("data-seq=\"1\""), std::string::npos) << page.events;
    EXPECT_NE(page.events.find("<span class=\"type\">TaskMoved</span>"), std::string::npos) << page.events;
    EXPECT_NE(page.events.find("&lt;b&gt;hostile&lt;/b&gt;"), std::string::npos)
        << "the data is shown as text:\n"
        << page.events;
    EXPECT_EQ(page.dom.find("<b>"), std::string::npos) << "event data never becomes markup:\n" << page.dom;
    EXPECT_EQ(daemon->log().find(token), std::string::npos) << "the fragment never reaches the server";
    return;
  }
  FAIL() << "the page never showed the event (tokens of 3, 6 and 12 s); streams of tasks opened: "
         << streams_opened() << " (none: Chromium connected only after each token had expired)\nlast DOM:\n"
         << last_dom << "\nsundiald:\n"
         << daemon->log();
}

TEST_F(LivePageBrowserTest, AForgedTokenOrOneForAnotherTopicShowsNoEvent) {
  ASSERT_NO_FATAL_FAILURE(publish_hostile_event());
  // Short-lived, so that a token wrongly accepted ends its stream and the
  // page is printed with the event, instead of at the deadline.
  std::string genuine = mint("tasks", 3);
  std::string foreign = mint("other", 3);
  ASSERT_FALSE(genuine.empty());
  ASSERT_FALSE(foreign.empty());
  std::string forged = genuine + "x";
  for (const auto& token : {forged, foreign}) {
    SCOPED_TRACE(token == forged ? "forged token" : "token for another topic");
    PageDump page = dump_live_page("topic=tasks&token=" + token + "&since=0", 20);
    ASSERT_TRUE(page.exited_cleanly) << page.output;
    // The script ran and its EventSource was refused...
    EXPECT_NE(page.status.find("disconnected from tasks"), std::string::npos) << page.dom;
    // ...and nothing of the topic reached the page.
    EXPECT_EQ(page.events, "<ul id=\"events\"></ul>") << page.dom;
    EXPECT_EQ(page.dom.find("hostile"), std::string::npos) << page.dom;
  }
}

}  // namespace
}  // namespace sundial::testing
