// HeadlessBrowser: one headless Chromium, driven over the DevTools protocol,
// for UI tests: navigate, click, type, press keys, evaluate JavaScript,
// wait for a condition, take screenshots. It also records what a page must
// not do unnoticed: every JavaScript dialog it opened (dismissed at once, so
// a page never blocks), every error (console.error, uncaught exception,
// Log error such as a CSP violation or a failed load) and every URL it
// requested, so a hostile-input test can assert that none of them happened.
//
// The protocol runs over --remote-debugging-pipe: Chromium reads commands
// from its fd 3 and writes answers and events to its fd 4, each one JSON
// text ended by a NUL byte. No port, no WebSocket.
//
// Ownership: the object owns the Chromium process (in its own process
// group), both pipes, a temporary directory (profile, $HOME, Chromium's
// stderr) and the reader thread. The destructor closes the browser
// (Browser.close, then SIGKILL to the whole group after 3 s), reaps it and
// removes the directory: a failing test leaves no process behind. Should
// the test process die, Chromium sees its pipe close and exits by itself.
//
// Threading: the public methods are for one test thread. A private reader
// thread reads fd 4: it hands answers to the waiting command, records
// events, and dismisses dialogs (it writes too: writes take write_mu_). If
// Chromium dies, a waiting command fails at once, with the tail of
// Chromium's stderr, instead of timing out.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial::testing {

class HeadlessBrowser {
 public:
  struct Options {
    int width = 1280;  // window and viewport, CSS pixels
    int height = 800;
    std::string chromium = {};  // empty: find_chromium()
    int command_timeout_ms = 15000;
  };

  // $SUNDIAL_CHROMIUM, else /usr/bin/chromium, /usr/bin/chromium-browser;
  // empty when none is executable. `tried` gets the paths tried, comma
  // separated.
  static std::string find_chromium(std::string* tried = nullptr);

  // Launches Chromium, opens one page of options.width x options.height
  // and attaches to it. Throws std::runtime_error, with the tail of
  // Chromium's stderr, if it does not start.
  explicit HeadlessBrowser(Options options);
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  // Sends one command to the page (to the browser when `browser_level`),
  // waits for its answer and returns its "result". Throws
  // std::runtime_error("<method>: <why>") on a protocol error, a timeout,
  // or when Chromium is gone.
  nlohmann::json command(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                         bool browser_level = false);

  // Navigates and waits for the new document's load event (or, should the
  // page navigate on by itself first, for a later document's). Throws when
  // the navigation fails (net::ERR_...) or does not load in time. A change
  // of the fragment only returns at once.
  void navigate(const std::string& url);
  // The value of `expression` (awaited if a promise; null for undefined,
  // a string such as "NaN" for a value JSON lacks). Throws with the
  // exception's text if it throws.
  nlohmann::json evaluate(const std::string& expression);
  // Evaluates `js_condition`, an expression, every 50 ms until it is
  // truthy (true), or `timeout_ms` has passed (false). An expression that
  // throws counts as false: the page may be between two documents. One
  // that does not compile throws at once, as does a Chromium gone. On a
  // busy page the last try may outlast `timeout_ms` by a second.
  bool wait_for(const std::string& js_condition, int timeout_ms = 10000);

  // Waits until document.querySelector(selector) is visible and not
  // covered by another element at its centre, scrolls it into view and
  // clicks that centre (left button, one click). Throws if not in time.
  void click(const std::string& selector, int timeout_ms = 10000);
  // Waits until the element (input, textarea or contenteditable) is
  // visible, focuses it, selects its content and types `text` over it.
  void type(const std::string& selector, const std::string& text, int timeout_ms = 10000);
  // Presses and releases a key in the focused element: "Enter", "Tab",
  // "Escape", "Backspace", "Delete", "Space", "ArrowUp" (Down, Left,
  // Right), "Home", "End", "PageUp", "PageDown", or one printable ASCII
  // character. Throws std::invalid_argument for any other.
  void press(const std::string& key);

  // The page's viewport (deviceScaleFactor 1; mobile when width < 600: a
  // page without <meta name="viewport"> is then laid out 980 px wide).
  void set_viewport(int width, int height);
  // A PNG of the viewport, written to `path` (its directories created).
  void screenshot(const std::string& path);

  // The message of every alert, confirm and prompt the page opened (each
  // dismissed). A beforeunload dialog is accepted and not recorded.
  std::vector<std::string> dialogs() const;
  // "console.error: ...", "exception: ..." (uncaught, with its stack) and
  // "log <source>: ..." (Log errors: CSP violations, failed loads), in the
  // order they happened.
  std::vector<std::string> errors() const;
  // The URL of every request the page made, navigations included.
  std::vector<std::string> requested_urls() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Document {
    std::string loader_id;
    bool loaded = false;
  };

  void launch(const std::string& chromium, const std::string& headless_flag);  // throws
  void shut_down();  // closes, kills and reaps Chromium; joins the reader
  // Sends a command and waits for its answer until `deadline`.
  nlohmann::json send(const std::string& method, nlohmann::json params, bool browser_level,
                      Clock::time_point deadline);
  // Writes one message; false (and the connection marked broken) if it
  // cannot be written by `deadline`. Any thread.
  bool write_message(const nlohmann::json& message, Clock::time_point deadline);
  void read_messages();  // the reader thread's body
  void handle(const nlohmann::json& message);
  void mark_gone(const std::string& why);
  std::string why_gone() const;  // why_gone_ with Chromium's stderr tail
  nlohmann::json evaluate_by(const std::string& expression, Clock::time_point deadline);
  // Evaluates `expression` every 50 ms until its value is not null; null
  // after `timeout_ms`. Throws at once if it does not compile.
  nlohmann::json poll(const std::string& expression, int timeout_ms);

  Options options_;
  std::string dir_;  // temporary: profile/, home/, stderr.log
  pid_t pid_ = -1;   // also the process group
  int to_chromium_fd_ = -1;
  int from_chromium_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: wakes the reader to stop
  std::thread reader_;
  std::string session_id_;  // the page's; set before any page command

  std::mutex write_mu_;  // one message at a time on the pipe

  mutable std::mutex mu_;  // guards what follows
  std::condition_variable changed_;
  int next_id_ = 1;
  std::set<int> waiting_;                  // ids of commands a caller waits for
  std::map<int, nlohmann::json> answers_;  // their answers, until taken
  bool gone_ = false;                      // pipe closed, broken or unreadable: no more answers
  std::string why_gone_;
  // The main frame's last 16 documents, in the order they committed
  // (Page.frameNavigated), and whether each fired its load event.
  std::deque<Document> documents_;
  std::vector<std::string> dialogs_;
  std::vector<std::string> errors_;
  std::vector<std::string> requested_urls_;
};

}  // namespace sundial::testing
