#include "tests/support/headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/support/child_process.h"

extern char** environ;

namespace sundial::testing {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kPipeClosed[] = "Chromium closed its DevTools pipe (it exited or crashed)";

Clock::time_point deadline_after_ms(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

int ms_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

// `value` as JSON text, which is also a JavaScript literal; invalid UTF-8
// is replaced, never thrown about.
std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string text_of(const json& value) { return value.is_string() ? value.get<std::string>() : dump(value); }

// "Uncaught Error: boom\n    at ..." from a Runtime.ExceptionDetails.
std::string exception_text(const json& details) {
  json exception = details.value("exception", json::object());
  std::string what = exception.contains("description") ? text_of(exception["description"])
                     : exception.contains("value")     ? text_of(exception["value"])
                                                       : "";
  return details.value("text", "exception") + (what.empty() ? "" : " " + what);
}

std::string base64_decode(const std::string& text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0, count = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) continue;  // '=' padding
    bits = (bits << 6) | static_cast<unsigned>(v);
    if ((count += 6) >= 8) out.push_back(static_cast<char>((bits >> (count -= 8)) & 0xff));
  }
  return out;
}

struct Key {
  std::string key, code, text;
  int virtual_code = 0;
};

Key key_named(const std::string& name) {
  static const std::map<std::string, int> kNamed = {
      {"Enter", 13},     {"Tab", 9},      {"Escape", 27},     {"Backspace", 8},  {"Delete", 46},
      {"ArrowLeft", 37}, {"ArrowUp", 38}, {"ArrowRight", 39}, {"ArrowDown", 40}, {"Home", 36},
      {"End", 35},       {"PageUp", 33},  {"PageDown", 34}};
  if (name == "Space") return key_named(" ");
  if (auto it = kNamed.find(name); it != kNamed.end())
    return {name, name, name == "Enter" ? "\r" : "", it->second};
  if (name.size() != 1 || name[0] < 0x20 || name[0] > 0x7e)
    throw std::invalid_argument("press: unknown key " + name);
  char c = name[0], upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (std::isalpha(static_cast<unsigned char>(c))) return {name, std::string("Key") + upper, name, upper};
  if (std::isdigit(static_cast<unsigned char>(c))) return {name, std::string("Digit") + c, name, c};
  return {name, c == ' ' ? "Space" : "", name, c == ' ' ? 32 : 0};
}

// An expression: the centre {x, y} of document.querySelector(selector),
// scrolled into view, when it is visible (and, if `topmost`, not covered
// there by another element); else null; {error} for a bad selector.
std::string locate_js(const std::string& selector, bool topmost) {
  return "(() => { let e; try { e = document.querySelector(" + dump(selector) +
         "); } catch (err) { return {error: String(err)}; }"
         " if (!e || getComputedStyle(e).visibility !== 'visible' || e.getClientRects().length === 0) return "
         "null;"
         " e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});"
         " const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;"
         " if (r.width === 0 || r.height === 0) return null;" +
         (topmost ? " const top = document.elementFromPoint(x, y); if (!top || !e.contains(top)) return null;"
                  : "") +
         " return {x, y}; })()";
}

// Chromium's environment: ours without the sanitizers' options (Chromium
// is not our binary) and with $HOME and the XDG directories in `home`.
std::vector<std::string> chromium_environment(const std::string& home) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view name = std::string_view(*e).substr(0, std::string_view(*e).find('='));
    if (!name.ends_with("SAN_OPTIONS") && name != "HOME" && !name.starts_with("XDG_")) out.emplace_back(*e);
  }
  for (const char* var : {"HOME=", "XDG_CONFIG_HOME=", "XDG_CACHE_HOME="}) out.push_back(var + home);
  return out;
}

}  // namespace

std::string HeadlessBrowser::find_chromium(std::string* tried) {
  const char* named = std::getenv("SUNDIAL_CHROMIUM");
  for (std::string path : {named != nullptr ? named : "", "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (path.empty()) continue;
    if (tried != nullptr) *tried += (tried->empty() ? "" : ", ") + path;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

HeadlessBrowser::HeadlessBrowser(Options options) : options_(std::move(options)) {
  std::string tried, chromium = options_.chromium.empty() ? find_chromium(&tried) : options_.chromium;
  if (chromium.empty()) throw std::runtime_error("no Chromium found (tried " + tried + ")");
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sundial-chromium-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp: " + std::string(strerror(errno)));
  dir_ = pattern;
  std::string failures;
  // Chromium 109+ knows --headless=new (since 132, plain --headless means
  // it too); an older one may only run the old mode.
  for (const char* headless : {"--headless=new", "--headless"}) {
    try {
      launch(chromium, headless);
      return;
    } catch (const std::exception& e) {
      failures += std::string("\n") + headless + ": " + e.what();
      shut_down();
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  throw std::runtime_error("Chromium (" + chromium + ") did not start:" + failures);
}

HeadlessBrowser::~HeadlessBrowser() {
  shut_down();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void HeadlessBrowser::launch(const std::string& chromium, const std::string& headless_flag) {
  std::filesystem::create_directories(dir_ + "/home");
  std::vector<std::string> argv = {chromium, headless_flag};
  // --no-sandbox: tests may run as root, where Chromium's sandbox refuses to start.
  for (const char* flag : {"--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                           "--disable-extensions", "--disable-background-networking", "--disable-sync",
                           "--hide-scrollbars", "--mute-audio", "--force-color-profile=srgb"}) {
    argv.emplace_back(flag);
  }
  argv.push_back("--user-data-dir=" + dir_ + "/profile");
  argv.push_back("--window-size=" + std::to_string(options_.width) + "," + std::to_string(options_.height));
  argv.emplace_back("about:blank");
  std::vector<std::string> env = chromium_environment(dir_ + "/home");
  std::vector<char*> args = c_strings(argv), envp = c_strings(env);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int log_fd = ::open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int commands[2] = {-1, -1}, events[2] = {-1, -1};
  bool ready =
      null_fd >= 0 && log_fd >= 0 && ::pipe2(commands, O_CLOEXEC) == 0 && ::pipe2(events, O_CLOEXEC) == 0;
  pid_t pid = ready ? ::fork() : -1;
  if (pid == 0) {  // the child: async-signal-safe calls only
    ::setpgid(0, 0);
    // Its fds 0-4, from copies above 4 so that no source is overwritten.
    const int sources[5] = {null_fd, null_fd, log_fd, commands[0], events[1]};
    int copies[5];
    for (int i = 0; i < 5; ++i) copies[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, 5);
    for (int i = 0; i < 5; ++i) {
      if (copies[i] < 0 || ::dup2(copies[i], i) < 0) ::_exit(126);
    }
    ::close_range(5, ~0U, 0);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(args[0], args.data(), envp.data());
    const char failed[] = "headless_browser: cannot execute ";
    (void)!::write(2, failed, sizeof failed - 1);
    (void)!::write(2, args[0], std::strlen(args[0]));
    ::_exit(127);
  }
  int error = errno;
  for (int fd : {null_fd, log_fd, commands[0], events[1]}) {
    if (fd >= 0) ::close(fd);
  }
  to_chromium_fd_ = commands[1];
  from_chromium_fd_ = events[0];
  if (pid < 0) throw std::runtime_error("cannot start Chromium: " + std::string(strerror(error)));
  ::setpgid(pid, pid);  // as the child does: whichever runs first
  pid_ = pid;
  ::fcntl(to_chromium_fd_, F_SETFL, O_NONBLOCK);
  {
    std::lock_guard lock(mu_);
    gone_ = false;
    why_gone_.clear();
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) throw std::runtime_error("eventfd: " + std::string(strerror(errno)));
  reader_ = std::thread([this] { read_messages(); });

  auto deadline = deadline_after_ms(options_.command_timeout_ms);
  json target = send("Target.createTarget", {{"url", "about:blank"}}, true, deadline);
  json attached =
      send("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}}, true, deadline);
  session_id_ = attached.at("sessionId").get<std::string>();
  for (std::string domain : {"Page", "Runtime", "Log", "Network"})
    send(domain + ".enable", json::object(), false, deadline);
  // The window is the size asked for; its viewport is smaller (by about
  // 90 px of emulated browser frame) unless set.
  set_viewport(options_.width, options_.height);
}

void HeadlessBrowser::shut_down() {
  if (pid_ > 0) {
    auto deadline = deadline_after_ms(3000);
    int id = 0;
    {
      std::lock_guard lock(mu_);
      if (!gone_) id = next_id_++;
    }
    if (id != 0 &&
        write_message({{"id", id}, {"method", "Browser.close"}, {"params", json::object()}}, deadline)) {
      std::unique_lock lock(mu_);  // Chromium closes the pipe as it exits
      changed_.wait_until(lock, deadline, [&] { return gone_; });
    }
    // Waits for the exit without reaping, so that the group stays ours to kill.
    for (siginfo_t info{}; Clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
      info.si_pid = 0;
      if (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == pid_) break;
    }
    ::kill(-pid_, SIGKILL);  // whatever of the group is left
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (reader_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    reader_.join();
  }
  for (int* fd : {&to_chromium_fd_, &from_chromium_fd_, &stop_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

json HeadlessBrowser::command(const std::string& method, json params, bool browser_level) {
  return send(method, std::move(params), browser_level, deadline_after_ms(options_.command_timeout_ms));
}

json HeadlessBrowser::send(const std::string& method, json params, bool browser_level,
                           Clock::time_point deadline) {
  json message = {{"method", method}, {"params", std::move(params)}};
  if (!browser_level) message["sessionId"] = session_id_;
  int id = 0;
  {
    std::lock_guard lock(mu_);
    if (!gone_) {
      id = next_id_++;
      waiting_.insert(id);
    }
  }
  if (id == 0) throw std::runtime_error(method + ": " + why_gone());
  message["id"] = id;
  write_message(message, deadline);
  std::unique_lock lock(mu_);
  changed_.wait_until(lock, deadline, [&] { return answers_.contains(id) || gone_; });
  waiting_.erase(id);
  auto it = answers_.find(id);
  if (it == answers_.end()) {
    bool gone = gone_;
    lock.unlock();
    throw std::runtime_error(method + ": " + (gone ? why_gone() : "no answer from Chromium in time"));
  }
  json answer = std::move(it->second);
  answers_.erase(it);
  lock.unlock();
  if (answer.contains("error")) {
    json error = answer["error"];
    throw std::runtime_error(method + ": " +
                             (error.is_object() ? error.value("message", dump(error)) : dump(error)) +
                             (error.contains("data") ? " (" + text_of(error["data"]) + ")" : ""));
  }
  return answer.contains("result") ? answer["result"] : json::object();
}

bool HeadlessBrowser::write_message(const json& message, Clock::time_point deadline) {
  std::string text = dump(message);
  text.push_back('\0');
  std::lock_guard write_lock(write_mu_);
  // A write to a closed pipe raises SIGPIPE in the writing thread: blocked
  // here, and taken back if it was not already pending.
  sigset_t pipe_signal, old_mask, pending;
  ::sigemptyset(&pipe_signal);
  ::sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  ::sigpending(&pending);
  bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
  std::string failure;
  for (size_t done = 0; done < text.size() && failure.empty();) {
    ssize_t n = ::write(to_chromium_fd_, text.data() + done, text.size() - done);
    pollfd writable = {to_chromium_fd_, POLLOUT, 0};
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      if (::poll(&writable, 1, ms_until(deadline)) == 0) failure = "Chromium does not read its DevTools pipe";
    } else if (n < 0 && errno != EINTR) {
      failure = errno == EPIPE ? kPipeClosed : "write: " + std::string(strerror(errno));
      if (errno == EPIPE && !was_pending) {
        timespec now{};
        ::sigtimedwait(&pipe_signal, nullptr, &now);
      }
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (!failure.empty()) mark_gone(failure);
  return failure.empty();
}

void HeadlessBrowser::read_messages() {
  try {
    std::string buffer, why;
    char chunk[1 << 16];
    while (why.empty()) {
      pollfd fds[2] = {{from_chromium_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno != EINTR) why = "poll: " + std::string(strerror(errno));
        continue;
      }
      if (fds[1].revents != 0) why = "the browser was closed";
      ssize_t n = why.empty() ? ::read(from_chromium_fd_, chunk, sizeof chunk) : 0;
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) why = "read: " + std::string(strerror(errno));
      if (n == 0 && why.empty()) why = kPipeClosed;
      if (n <= 0) continue;
      size_t start = 0, scanned = buffer.size();
      buffer.append(chunk, static_cast<size_t>(n));
      for (size_t end; (end = buffer.find('\0', scanned)) != std::string::npos; start = scanned = end + 1) {
        json message = json::parse(buffer.begin() + static_cast<ptrdiff_t>(start),
                                   buffer.begin() + static_cast<ptrdiff_t>(end), nullptr, false);
        try {
          if (message.is_object()) handle(message);
        } catch (const std::exception&) {  // a field of an unexpected type: the event is ignored
        }
      }
      buffer.erase(0, start);
    }
    mark_gone(why);
  } catch (...) {
    mark_gone("the DevTools reader failed");
  }
}

void HeadlessBrowser::handle(const json& message) {
  if (message.contains("id")) {
    int id = message["id"].is_number_integer() ? message["id"].get<int>() : 0;
    std::lock_guard lock(mu_);
    if (waiting_.contains(id)) answers_[id] = message;  // else nobody waits any more
    changed_.notify_all();
    return;
  }
  std::string method = message.value("method", "");
  json params = message.value("params", json::object());
  if (method == "Page.javascriptDialogOpening") {
    bool unload = params.value("type", "") == "beforeunload";  // accepted: navigations go on
    json dismiss = {{"method", "Page.handleJavaScriptDialog"},
                    {"params", {{"accept", unload}}},
                    {"sessionId", message.value("sessionId", "")}};
    {
      std::lock_guard lock(mu_);
      if (!unload) dialogs_.push_back(params.value("message", ""));
      dismiss["id"] = next_id_++;  // not waited for: its answer is dropped
    }
    write_message(dismiss, deadline_after_ms(1000));
    return;
  }
  std::lock_guard lock(mu_);
  if (method == "Runtime.consoleAPICalled" && params.value("type", "") == "error") {
    std::string text = "console.error:";
    for (const json& arg : params.value("args", json::array())) {
      text += " " + (arg.contains("value") ? text_of(arg["value"])
                                           : arg.value("description", arg.value("type", "")));
    }
    errors_.push_back(text);
  } else if (method == "Runtime.exceptionThrown") {
    errors_.push_back("exception: " + exception_text(params.value("exceptionDetails", json::object())));
  } else if (method == "Log.entryAdded") {
    json entry = params.value("entry", json::object());
    std::string url = entry.value("url", "");
    if (entry.value("level", "") == "error") {
      errors_.push_back("log " + entry.value("source", "") + ": " + entry.value("text", "") +
                        (url.empty() ? "" : " (" + url + ")"));
    }
  } else if (method == "Network.requestWillBeSent") {
    requested_urls_.push_back(params.value("request", json::object()).value("url", ""));
  } else if (method == "Page.frameNavigated") {
    json frame = params.value("frame", json::object());
    if (frame.contains("parentId")) return;
    documents_.push_back({frame.value("loaderId", ""), false});
    if (documents_.size() > 16) documents_.pop_front();
  } else if (method == "Page.loadEventFired" && !documents_.empty()) {
    documents_.back().loaded = true;
    changed_.notify_all();
  }
}

void HeadlessBrowser::mark_gone(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!gone_) why_gone_ = why;
  gone_ = true;
  changed_.notify_all();
}

std::string HeadlessBrowser::why_gone() const {
  std::string why;
  {
    std::lock_guard lock(mu_);
    why = why_gone_;
  }
  siginfo_t info{};
  if (pid_ > 0 && ::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
    why += info.si_code == CLD_EXITED ? "; it exited with status " + std::to_string(info.si_status)
                                      : "; it was killed by signal " + std::to_string(info.si_status);
  }
  std::ifstream log(dir_ + "/stderr.log", std::ios::binary | std::ios::ate);
  std::streamoff size = log ? static_cast<std::streamoff>(log.tellg()) : 0;
  std::string tail(static_cast<size_t>(std::min<std::streamoff>(size, 3000)), '\0');
  log.seekg(size - static_cast<std::streamoff>(tail.size()));
  log.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  return why + "; Chromium's stderr ends with:\n" + (tail.empty() ? "(nothing)" : tail);
}

void HeadlessBrowser::navigate(const std::string& url) {
  auto deadline = deadline_after_ms(options_.command_timeout_ms);
  json result = send("Page.navigate", {{"url", url}}, false, deadline);
  if (std::string error = result.value("errorText", ""); !error.empty()) {
    throw std::runtime_error("navigate: " + url + ": " + error);
  }
  std::string loader = result.value("loaderId", "");
  if (loader.empty()) return;  // within the document: no load event
  std::unique_lock lock(mu_);
  // Loaded, or moved on to a document that did: the load event of a page
  // that navigates away in its onload may never be reported.
  auto loaded = [&] {
    auto ours = std::find_if(documents_.begin(), documents_.end(),
                             [&](const Document& d) { return d.loader_id == loader; });
    return std::any_of(ours, documents_.end(), [](const Document& d) { return d.loaded; });
  };
  if (!changed_.wait_until(lock, deadline, [&] { return loaded() || gone_; })) {
    throw std::runtime_error("navigate: " + url + ": no load event in time");
  }
  if (!loaded()) {
    lock.unlock();
    throw std::runtime_error("navigate: " + url + ": " + why_gone());
  }
}

json HeadlessBrowser::evaluate(const std::string& expression) {
  return evaluate_by(expression, deadline_after_ms(options_.command_timeout_ms));
}

json HeadlessBrowser::evaluate_by(const std::string& expression, Clock::time_point deadline) {
  json answer =
      send("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}},
           false, deadline);
  if (answer.contains("exceptionDetails"))
    throw std::runtime_error("evaluate: " + exception_text(answer["exceptionDetails"]));
  json result = answer.value("result", json::object());
  if (result.contains("value")) return result["value"];
  return result.contains("unserializableValue") ? result["unserializableValue"] : json(nullptr);
}

json HeadlessBrowser::poll(const std::string& expression, int timeout_ms) {
  auto deadline = deadline_after_ms(timeout_ms);
  // Each command may outlast the deadline by 1 s (a busy page), not by the
  // command timeout. A failed one counts as null: the page may be between
  // two documents. But not when Chromium is gone.
  auto each_by = [&] {
    return std::min(std::max(deadline, deadline_after_ms(1000)), deadline_after_ms(options_.command_timeout_ms));
  };
  auto is_gone = [&] {
    std::lock_guard lock(mu_);
    return gone_;
  };
  json compiled;  // a typo must not pass for a condition that never came true
  try {
    compiled =
        send("Runtime.compileScript",
             {{"expression", expression}, {"sourceURL", ""}, {"persistScript", false}}, false, each_by());
  } catch (const std::runtime_error&) {
    if (is_gone()) throw;
  }
  if (compiled.contains("exceptionDetails")) {
    throw std::runtime_error("not an expression: " + exception_text(compiled["exceptionDetails"]));
  }
  for (;;) {
    auto next = deadline_after_ms(50);
    try {
      json value = evaluate_by(expression, each_by());
      if (!value.is_null()) return value;
    } catch (const std::runtime_error&) {
      if (is_gone()) throw;
    }
    if (Clock::now() >= deadline) return nullptr;
    std::this_thread::sleep_until(std::min(next, deadline));
  }
}

bool HeadlessBrowser::wait_for(const std::string& js_condition, int timeout_ms) {
  return !poll("!!(\n" + js_condition + "\n) || null", timeout_ms).is_null();
}

void HeadlessBrowser::click(const std::string& selector, int timeout_ms) {
  json at = poll(locate_js(selector, true), timeout_ms);
  if (at.is_null() || at.contains("error")) {
    throw std::runtime_error(
        "click: " + (at.is_null() ? "no visible, uncovered " + selector + " in time" : text_of(at["error"])));
  }
  for (std::string type : {"mouseMoved", "mousePressed", "mouseReleased"}) {
    json event = {{"type", type}, {"x", at["x"]}, {"y", at["y"]}};
    if (type != "mouseMoved")
      event.update({{"button", "left"}, {"buttons", type == "mousePressed" ? 1 : 0}, {"clickCount", 1}});
    command("Input.dispatchMouseEvent", event);
  }
}

void HeadlessBrowser::type(const std::string& selector, const std::string& text, int timeout_ms) {
  json at = poll(locate_js(selector, false), timeout_ms);
  if (at.is_null() || at.contains("error")) {
    throw std::runtime_error("type: " +
                             (at.is_null() ? "no visible " + selector + " in time" : text_of(at["error"])));
  }
  evaluate("(() => { const e = document.querySelector(" + dump(selector) +
           "); e.focus(); if (e.select) e.select(); else document.execCommand('selectAll'); })()");
  if (text.empty()) {
    press("Delete");  // Input.insertText("") would leave the selection
  } else {
    command("Input.insertText", {{"text", text}});
  }
}

void HeadlessBrowser::press(const std::string& key) {
  Key k = key_named(key);
  json event = {{"key", k.key},
                {"code", k.code},
                {"windowsVirtualKeyCode", k.virtual_code},
                {"nativeVirtualKeyCode", k.virtual_code}};
  json down = event;  // "keyDown" with text types it; "rawKeyDown" only presses
  down["type"] = k.text.empty() ? "rawKeyDown" : "keyDown";
  if (!k.text.empty()) down.update({{"text", k.text}, {"unmodifiedText", k.text}});
  command("Input.dispatchKeyEvent", down);
  event["type"] = "keyUp";
  command("Input.dispatchKeyEvent", event);
}

void HeadlessBrowser::set_viewport(int width, int height) {
  command("Emulation.setDeviceMetricsOverride",
          {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", width < 600}});
}

void HeadlessBrowser::screenshot(const std::string& path) {
  std::string png = base64_decode(command("Page.captureScreenshot", {{"format", "png"}}).value("data", ""));
  if (png.empty()) throw std::runtime_error("screenshot: Chromium sent no image");
  std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out.flush()) throw std::runtime_error("screenshot: cannot write " + path);
}

std::vector<std::string> HeadlessBrowser::dialogs() const {
  std::lock_guard lock(mu_);
  return dialogs_;
}

std::vector<std::string> HeadlessBrowser::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::vector<std::string> HeadlessBrowser::requested_urls() const {
  std::lock_guard lock(mu_);
  return requested_urls_;
}

}  // namespace sundial::testing
