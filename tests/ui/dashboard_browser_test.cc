// The dashboard (/ui/, server/ui/assets) in headless Chromium against the
// real sundiald, driven through the DevTools protocol (HeadlessBrowser):
// sign in with the admin token, see an instance started through the API
// appear in the list without a reload (the page reads the event stream
// with fetch), open it, pause and resume it, signal it from the dialog,
// retry a failed instance, and check that hostile text (an instance id
// `<b>x<i>`, `<img src=x onerror=alert(1)>` in the input, a signal payload
// and a last_error) renders as text: no element made from it, no request
// for its image, no dialog, no CSP violation.
//
// Each page is saved as a 1280x800 screenshot in $SUNDIAL_UI_SCREENSHOTS
// when set (docs/ui.md is made from them), else in the test's directory.
// Without Chromium the test is skipped, as the live page's is.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/daemon_test.h"
#include "tests/support/headless_browser.h"
#include "tests/support/http_client.h"
#include "tests/support/iso_time.h"

namespace sundial::testing {
namespace {

using nlohmann::json;

const std::string kHostileId = "<b>x<i>";
const std::string kHostileHtml = "<img src=x onerror=alert(1)>";

// Sleeps an hour after its first step, so it can be paused and resumed.
const std::string kNapperScript = R"lua(return {
  run = function(ctx, input)
    ctx:step("hello", function(info) return { greeting = "hi" } end)
    ctx:sleep("1h")
    return { done = true }
  end,
})lua";

// Fails its only step for good, with the input's text as the error.
const std::string kBreakerScript = R"lua(return {
  run = function(ctx, input)
    ctx:step("boom", function(info) error(input.why, 0) end, { attempts = 1 })
  end,
})lua";

// A JavaScript string literal of `text`.
std::string js(const std::string& text) { return json(text).dump(); }

class DashboardBrowserTest : public DaemonTest {
 protected:
  DashboardBrowserTest()
      : DaemonTest({"SUNDIAL_ADMIN_TOKEN=" + kToken, "SUNDIAL_VIEWER_TOKEN=" + std::string(kViewerToken)}) {}
  static constexpr const char* kViewerToken = "viewer-token";

  void SetUp() override {
    std::string tried;
    if (HeadlessBrowser::find_chromium(&tried).empty()) {
      GTEST_SKIP() << "no Chromium to run (tried " << tried
                   << "; scripts/install-deps --test installs it, $SUNDIAL_CHROMIUM names another)";
    }
    DaemonTest::SetUp();
    const char* shots = std::getenv("SUNDIAL_UI_SCREENSHOTS");
    shots_ = shots != nullptr && *shots != '\0' ? std::string(shots) : dir.sub("screenshots");
  }

  // An admin call with a JSON body.
  HttpReply admin(const std::string& method, const std::string& target, const std::string& body = {}) {
    return call(method, target, body, kAuthJson);
  }

  void put_script(const std::string& type, const std::string& script) {
    auto headers = kAuth;
    headers["Content-Type"] = "text/x-lua";
    auto r = call("PUT", "/api/v1/workflows/" + type, script, headers);
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }

  void start(const std::string& type, const std::string& id, const json& input) {
    auto r = admin("POST", "/api/v1/workflows/" + type + "/instances", json{{"id", id}, {"input", input}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::string status_of(const std::string& id) {
    auto r = admin("GET", "/api/v1/instances/" + percent_encode(id));
    auto j = json::parse(r.body, nullptr, false);
    return j.is_object() ? j.value("status", "") : r.body;
  }

  bool history_has(const std::string& id, const std::string& event) {
    auto r = admin("GET", "/api/v1/instances/" + percent_encode(id) + "/history");
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) return false;
    for (const auto& entry : j.value("entries", json::array())) {
      if (entry.value("event", "") == event) return true;
    }
    return false;
  }

  // Polls the API (not a fixed sleep) for at most 10 s.
  template <typename Condition>
  bool eventually(Condition condition) {
    for (int i = 0; i < 200; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
  }

  static std::string percent_encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        out += {'%', hex[c >> 4], hex[c & 15]};
      }
    }
    return out;
  }

  std::string url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(daemon->port()) + path; }

  // No element made from the hostile text anywhere in the document (the
  // dashboard itself uses none of these tags).
  static void expect_inert(HeadlessBrowser& browser, const std::string& where) {
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('b, i, img').length"), 0) << "on the " << where;
  }

  void shot(HeadlessBrowser& browser, const std::string& name) { browser.screenshot(shots_ + "/" + name + ".png"); }

  std::string shots_;
};

// A viewer's token signs in and reads every page, but no action shows, and
// the API refuses a change made with it anyway.
TEST_F(DashboardBrowserTest, AViewerTokenReadsButSeesNoActions) {
  put_script("napper", kNapperScript);
  start("napper", "napper-1", json{{"note", "a calm one"}});
  HeadlessBrowser browser(HeadlessBrowser::Options{});
  browser.navigate(url("/ui/"));
  ASSERT_TRUE(browser.wait_for("document.querySelector('#token') !== null")) << browser.evaluate("document.body.innerText");
  browser.type("#token", kViewerToken);
  browser.click("#sign-in");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#auth-state')?.textContent === 'signed in (read-only)'"))
      << browser.evaluate("document.body.innerText");
  browser.evaluate("location.hash = '#/instances/napper-1'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#timeline tr.timeline-row') !== null"))
      << browser.evaluate("document.body.innerText");
  EXPECT_EQ(browser.evaluate("getComputedStyle(document.querySelector('#actions')).display"), "none");
  browser.evaluate("location.hash = '#/instances'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#instances-table tbody tr[data-instance-id]') !== null"));
  EXPECT_EQ(browser.evaluate("getComputedStyle(document.querySelector('#match-actions')).display"), "none");
  EXPECT_EQ(browser.evaluate("getComputedStyle(document.querySelector('#instances-table td.check')).display"), "none");
  shot(browser, "viewer");
  auto refused = call("POST", "/api/v1/instances/napper-1/pause", "",
                      {{"Authorization", std::string("Bearer ") + kViewerToken}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(status_of("napper-1"), "waiting");
}

TEST_F(DashboardBrowserTest, SignInWatchSteerAndRenderHostileTextInertly) {
  put_script("napper", kNapperScript);
  put_script("breaker", kBreakerScript);
  start("napper", "napper-1", json{{"note", "a calm one"}});

  HeadlessBrowser browser(HeadlessBrowser::Options{});
  // Sign in: the API answers 401 without the token, so the form shows.
  browser.navigate(url("/ui/"));
  ASSERT_TRUE(browser.wait_for("document.querySelector('#token') !== null")) << browser.evaluate("document.body.innerText");
  shot(browser, "sign-in");
  browser.type("#token", kToken);
  browser.click("#sign-in");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#live-status')?.textContent === 'live'"))
      << browser.evaluate("document.body.innerText");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#status-cards a[data-status]') !== null"));

  // The list, then an instance started meanwhile appears without a reload.
  browser.evaluate("location.hash = '#/instances'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#instances-table tbody tr[data-instance-id]') !== null"));
  browser.evaluate("window.__sameDocument = true");
  start("napper", kHostileId, json{{"note", kHostileHtml}});
  std::string hostile_row =
      "[...document.querySelectorAll('#instances-table tbody tr')].find(r => r.dataset.instanceId === " +
      js(kHostileId) + ")";
  ASSERT_TRUE(browser.wait_for(hostile_row + " !== undefined")) << browser.evaluate("document.body.innerText");
  EXPECT_EQ(browser.evaluate("window.__sameDocument === true"), true) << "the list was reloaded, not updated";
  expect_inert(browser, "instances");
  EXPECT_EQ(browser.evaluate(hostile_row + ".textContent.includes(" + js(kHostileId) + ")"), true);
  shot(browser, "instances");

  // Open it: the input shows as text; pause, then resume.
  browser.evaluate(hostile_row + ".querySelector('a').click()");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#actions button[data-action=pause]') !== null"))
      << browser.evaluate("document.body.innerText");
  EXPECT_EQ(browser.evaluate("document.querySelector('#input').textContent.includes(" + js(kHostileHtml) + ")"),
            true);
  ASSERT_TRUE(browser.wait_for("document.querySelector('#timeline tr.timeline-row[data-event=timer_scheduled]') !== null"));
  expect_inert(browser, "instance");
  shot(browser, "instance");
  browser.click("#actions button[data-action=pause]");
  if (browser.evaluate("document.querySelector('#confirm-dialog')?.open === true") == true) browser.click("#confirm-ok");
  ASSERT_TRUE(eventually([&] { return status_of(kHostileId) == "paused"; })) << status_of(kHostileId);
  ASSERT_TRUE(browser.wait_for("document.querySelector('#actions button[data-action=resume]') !== null"));
  browser.click("#actions button[data-action=resume]");
  if (browser.evaluate("document.querySelector('#confirm-dialog')?.open === true") == true) browser.click("#confirm-ok");
  ASSERT_TRUE(eventually([&] { return status_of(kHostileId) == "waiting"; })) << status_of(kHostileId);
  ASSERT_TRUE(browser.wait_for("document.querySelector('#actions button[data-action=pause]') !== null"));

  // Signal it with a hostile payload from the dialog: the timeline shows it, as text.
  browser.click("#actions button[data-action=signal]");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#signal-dialog')?.open === true"));
  browser.type("#signal-name", "note");
  browser.type("#signal-payload", json{{"html", kHostileHtml}}.dump());
  expect_inert(browser, "signal dialog");
  shot(browser, "signal");
  browser.click("#signal-send");
  ASSERT_TRUE(eventually([&] { return history_has(kHostileId, "signal_received"); }));
  ASSERT_TRUE(browser.wait_for("document.querySelector('#timeline tr.timeline-row[data-event=signal_received]') !== null"))
      << browser.evaluate("document.body.innerText");
  expect_inert(browser, "timeline with the signal");

  // A failed instance: its error shows as text, and retry runs it again.
  start("breaker", "breaker-1", json{{"why", kHostileHtml}});
  ASSERT_TRUE(eventually([&] { return status_of("breaker-1") == "failed"; })) << status_of("breaker-1");
  browser.evaluate("location.hash = '#/instances/breaker-1'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#actions button[data-action=retry]') !== null"))
      << browser.evaluate("document.body.innerText");
  EXPECT_EQ(browser.evaluate("document.querySelector('#last-error').textContent.includes(" + js(kHostileHtml) + ")"),
            true);
  expect_inert(browser, "failed instance");
  shot(browser, "failed-instance");
  browser.click("#actions button[data-action=retry]");
  if (browser.evaluate("document.querySelector('#confirm-dialog')?.open === true") == true) browser.click("#confirm-ok");
  ASSERT_TRUE(eventually([&] { return history_has("breaker-1", "retried"); }));
  ASSERT_TRUE(browser.wait_for("document.querySelector('#timeline tr.timeline-row[data-event=retried]') !== null"));

  // A step held for its send window (closed now: it opens in two hours):
  // the instance page and the timeline say so.
  const int64_t opens = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count() + 2 * 3600 * 1000;
  json window = {{"from", utc_hhmm(opens)}, {"to", utc_hhmm(opens + 3600 * 1000)}};
  auto held = admin("POST", "/api/v1/workflows/napper/instances",
                    json{{"id", "held-1"}, {"input", json::object()}, {"send_window", window}}.dump());
  ASSERT_EQ(held.status, 201) << held.body;
  browser.evaluate("location.hash = '#/instances/held-1'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#timeline tr.timeline-row[data-event=step_deferred]') !== null"))
      << browser.evaluate("document.body.innerText");
  EXPECT_EQ(browser.evaluate("document.querySelector('#instance-facts').textContent.includes('waits for its send window')"),
            true)
      << browser.evaluate("document.querySelector('#instance-facts').textContent");
  EXPECT_EQ(browser.evaluate("document.querySelector('#timeline tr.timeline-row[data-event=step_deferred]')"
                             ".textContent.includes('outside its send window')"),
            true);
  shot(browser, "send-window");

  // The overview counts them; the workflows page shows a script.
  browser.evaluate("location.hash = '#/overview'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#failures-table tbody tr[data-instance-id]') !== null"))
      << browser.evaluate("document.body.innerText");
  expect_inert(browser, "overview");
  shot(browser, "overview");
  browser.evaluate("location.hash = '#/workflows/napper'");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#source .tok-kw') !== null"))
      << browser.evaluate("document.body.innerText");
  shot(browser, "workflow");

  // Nothing hostile ran or loaded anywhere.
  expect_inert(browser, "workflow");
  EXPECT_TRUE(browser.dialogs().empty()) << browser.dialogs().front();
  for (const std::string& requested : browser.requested_urls()) {
    EXPECT_FALSE(requested.ends_with("/x")) << "the page loaded a hostile image: " << requested;
  }
  for (const std::string& error : browser.errors()) {
    EXPECT_EQ(error.find("Content Security Policy"), std::string::npos) << error;
    EXPECT_EQ(error.find("exception"), std::string::npos) << error;
  }
  // The token stays out of the log (it travels in a header, never a URL).
  EXPECT_EQ(daemon->log().find(kToken), std::string::npos);
}

// The dashboard's files come with the policy that keeps hostile text inert
// (no browser needed: runs where Chromium is missing too).
class DashboardFilesTest : public DaemonTest {};

TEST_F(DashboardFilesTest, ServesItsFilesWithAStrictPolicy) {
  auto page = call("GET", "/ui/", {}, {});
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(page.header("content-type").find("text/html"), std::string::npos);
  auto module = call("GET", "/ui/app.js", {}, {});
  ASSERT_EQ(module.status, 200);
  EXPECT_NE(module.header("content-type").find("text/javascript"), std::string::npos);
  auto again = call("GET", "/ui/app.js", {}, {{"If-None-Match", module.header("etag")}});
  EXPECT_EQ(again.status, 304);
  // Only compiled-in files: nothing from the disk, whatever the path.
  for (std::string path : {"/ui/../CMakeLists.txt", "/ui/..%2F..%2FCMakeLists.txt", "/ui/views/../../README.md"}) {
    auto r = call("GET", path, {}, {});
    EXPECT_TRUE(r.status == 404 || r.status == 400) << path << ": " << r.status;
  }
  EXPECT_EQ(call("GET", "/ui/nothing.js", {}, {}).status, 404);
  auto root = call("GET", "/", {}, {});
  EXPECT_EQ(root.status, 200);
  EXPECT_NE(root.body.find("href=\"/ui/\""), std::string::npos);
  auto bare = call("GET", "/ui", {}, {});
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(bare.header("location"), "/ui/");
}

}  // namespace
}  // namespace sundial::testing
