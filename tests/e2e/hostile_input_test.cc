// End to end against the real sundiald: hostile bytes get a 400 and the
// server stays up (a 100,000-deep start input and signal payload once
// killed it with SIGSEGV; a signal named %FF answered 500 and the next
// signal aborted it; a form signup with first_name=%FF answered 500), the
// built-in workflow types refuse inputs they cannot use, a PUT of a
// workflow script that cannot be one (too large, not UTF-8, a binary Lua
// chunk, a type name with path tricks, a wrong Content-Type) is refused
// and changes no script, and the start example in docs/http-api.md works
// exactly as written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/admin_token.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

std::string deep_array(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override { start_daemon(); }
  void TearDown() override {
    if (!daemon) return;
    int status = daemon->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << daemon->log();
  }
  void start_daemon(std::vector<std::string> args = {}) {
    daemon = std::make_unique<DaemonProcess>(dir.sub("data"), std::move(args),
                                             std::vector<std::string>{"SUNDIAL_ADMIN_TOKEN=" + kToken});
    ASSERT_GT(daemon->port(), 0) << daemon->log();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = kAuthJson) {
    HttpConnection c(daemon->port());
    auto r = c.request(method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target << " got no answer; log:\n" << daemon->log();
    return r.value_or(HttpReply{});
  }
  static std::string code_of(const HttpReply& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() && j["error"].is_object() ? j["error"].value("code", "") : "";
  }
  void expect_alive() { EXPECT_EQ(call("GET", "/healthz", "", {}).status, 200) << daemon->log(); }

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
};

const std::string kSleepStart = "/api/v1/workflows/bench.sleep_step/instances";

TEST_F(HostileInputTest, DeepJsonIs400AndTheServerStaysUp) {
  auto deep_start = call("POST", kSleepStart, R"({"id":"deep","input":)" + deep_array(100000) + "}");
  EXPECT_EQ(deep_start.status, 400) << deep_start.body;
  EXPECT_EQ(code_of(deep_start), "invalid_argument");
  EXPECT_NE(deep_start.body.find("limit of 64 levels"), std::string::npos) << deep_start.body;
  expect_alive();
  ASSERT_EQ(call("POST", kSleepStart, R"({"id":"s","input":{"sleep_ms":3600000}})").status, 201);
  auto deep_signal = call("POST", "/api/v1/instances/s/signals/poke", deep_array(100000));
  EXPECT_EQ(deep_signal.status, 400) << deep_signal.body;
  EXPECT_EQ(code_of(deep_signal), "invalid_argument");
  auto deep_webhook = call("POST", "/webhooks/signup", R"({"email":"a@b.co","x":)" + deep_array(100000) + "}",
                           {{"Content-Type", "application/json"}});
  EXPECT_EQ(deep_webhook.status, 400) << deep_webhook.body;
  auto huge_number = call("POST", kSleepStart, R"({"input":{"sleep_ms":1e400}})");
  EXPECT_EQ(huge_number.status, 400) << huge_number.body;
  EXPECT_EQ(code_of(huge_number), "invalid_argument");
  expect_alive();
  EXPECT_EQ(call("POST", "/api/v1/instances/s/signals/poke", R"({"ok":true})").status, 202);
  EXPECT_EQ(call("GET", "/api/v1/instances/deep").status, 404);
}

TEST_F(HostileInputTest, TheDepthLimitIsConfigurable) {
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  std::ofstream(dir.sub("sundial.toml")) << "[server]\nmax_json_depth = 4\n";
  start_daemon({"--config", dir.sub("sundial.toml")});
  ASSERT_EQ(call("POST", kSleepStart, R"({"id":"s","input":{"sleep_ms":3600000}})").status, 201);
  EXPECT_EQ(call("POST", "/api/v1/instances/s/signals/poke", deep_array(4)).status, 202);
  auto deep = call("POST", "/api/v1/instances/s/signals/poke", deep_array(5));
  EXPECT_EQ(deep.status, 400) << deep.body;
  EXPECT_NE(deep.body.find("limit of 4 levels"), std::string::npos) << deep.body;
  auto webhook = call("POST", "/webhooks/signup", R"({"email":"a@b.co","x":[[[[1]]]]})",
                      {{"Content-Type", "application/json"}});
  EXPECT_EQ(webhook.status, 400) << webhook.body;
  EXPECT_NE(webhook.body.find("limit of 4 levels"), std::string::npos) << webhook.body;
}

TEST_F(HostileInputTest, BytesThatAreNotUtf8Are400AndChangeNothing) {
  ASSERT_EQ(call("POST", kSleepStart, R"({"id":"w","input":{"sleep_ms":3600000}})").status, 201);
  auto bad_name = call("POST", "/api/v1/instances/w/signals/%FF");
  EXPECT_EQ(bad_name.status, 400) << bad_name.body;
  EXPECT_EQ(code_of(bad_name), "invalid_argument");
  // Once the next signal aborted the process (SUNDIAL_CHECK in the journal).
  EXPECT_EQ(call("POST", "/api/v1/instances/w/signals/poke").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/instances/w/signals/poke2").status, 202);

  auto with_key = kAuthJson;
  with_key["Idempotency-Key"] = "\xff\xfe";
  auto bad_key = call("POST", kSleepStart, R"({"id":"ghost"})", with_key);
  EXPECT_EQ(bad_key.status, 400) << bad_key.body;
  EXPECT_EQ(code_of(bad_key), "invalid_argument");
  auto plain = call("POST", kSleepStart, R"({"id":"ghost"})");
  EXPECT_EQ(plain.status, 201) << plain.body;  // once 200 created:false for a ghost
  EXPECT_EQ(call("GET", "/api/v1/instances/ghost").status, 200);

  auto form = call("POST", "/webhooks/signup", "email=form%40example.com&first_name=%FF",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 400) << form.body;
  EXPECT_NE(form.body.find("first_name"), std::string::npos) << form.body;
  EXPECT_EQ(call("GET", "/api/v1/instances/nurture:form@example.com").status, 404);
  expect_alive();

  // What was stored is what a restart finds.
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  start_daemon();
  EXPECT_EQ(call("GET", "/api/v1/instances/ghost").status, 200);
  auto history = nlohmann::json::parse(call("GET", "/api/v1/instances/w/history").body);
  size_t signals = 0;
  for (const auto& e : history["entries"]) signals += e["event"] == "signal_received";
  EXPECT_EQ(signals, 2u);
}

TEST_F(HostileInputTest, BuiltInWorkflowTypesRefuseInputsTheyCannotUse) {
  auto no_email = call("POST", "/api/v1/workflows/nurture/instances", R"({"id":"n1","input":{}})");
  EXPECT_EQ(no_email.status, 400) << no_email.body;
  EXPECT_NE(no_email.body.find("'email' is required"), std::string::npos) << no_email.body;
  auto bad_offsets = call("POST", "/api/v1/workflows/nurture/instances",
                          R"({"id":"n2","input":{"email":"a@b.co","offsets_ms":["1d"]}})");
  EXPECT_EQ(bad_offsets.status, 400) << bad_offsets.body;
  EXPECT_EQ(call("POST", kSleepStart, R"({"id":"b1","input":{"sleep_ms":"2s"}})").status, 400);
  EXPECT_EQ(
      call("POST", "/api/v1/workflows/reminders/instances", R"({"id":"r1","input":{"title":"x"}})").status,
      400);
  for (const char* id : {"n1", "n2", "b1", "r1"}) {
    EXPECT_EQ(call("GET", std::string("/api/v1/instances/") + id).status, 404) << id;
  }
  // Without offsets_ms a nurture takes the configured [nurture] offsets.
  ASSERT_EQ(
      call("POST", "/api/v1/workflows/nurture/instances", R"({"id":"n3","input":{"email":"a@b.co"}})").status,
      201);
  // Its first email (offset 0) goes out at once; then it sleeps towards the
  // second. Poll: under a sanitizer the first step can still be running.
  nlohmann::json n3;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    n3 = nlohmann::json::parse(call("GET", "/api/v1/instances/n3").body);
    if (n3["status"] == "waiting") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(n3["status"], "waiting") << n3.dump();
  EXPECT_EQ(n3["input"]["offsets_ms"].size(), 7u) << n3.dump();
}

TEST_F(HostileInputTest, AConcurrencyObjectThatCannotBeOneIs400AndStartsNothing) {
  const std::string long_key(257, 'k');
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"not an object", R"({"id":"c1","concurrency":"assignee:42"})"},
      {"no key", R"({"id":"c1","concurrency":{"limit":1}})"},
      {"a key of 257 bytes", R"({"id":"c1","concurrency":{"key":")" + long_key + R"("}})"},
      {"a control character in the key", R"({"id":"c1","concurrency":{"key":"a\u0001b"}})"},
      {"a limit of 0", R"({"id":"c1","concurrency":{"key":"k","limit":0}})"},
      {"a limit too large", R"({"id":"c1","concurrency":{"key":"k","limit":1e30}})"},
      {"an unknown on_busy", R"({"id":"c1","concurrency":{"key":"k","on_busy":"wait"}})"},
      {"merge without coalesce", R"({"id":"c1","concurrency":{"key":"k","merge":"list"}})"},
      {"an unknown field", R"({"id":"c1","concurrency":{"key":"k","wait":"5s"}})"},
      {"a debounce that is no duration", R"({"id":"c1","concurrency":{"key":"k","debounce":"soon"}})"},
      {"a debounce of 0", R"({"id":"c1","concurrency":{"key":"k","debounce":"0ms"}})"},
      {"a debounce with drop", R"({"id":"c1","concurrency":{"key":"k","debounce":"5s","on_busy":"drop"}})"},
      {"max_wait under debounce", R"({"id":"c1","concurrency":{"key":"k","debounce":"5s","max_wait":"1s"}})"},
      {"not UTF-8 in the key", "{\"id\":\"c1\",\"concurrency\":{\"key\":\"\xff\"}}"},
  };
  for (const auto& [what, body] : bodies) {
    SCOPED_TRACE(what);
    auto r = call("POST", kSleepStart, body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(code_of(r) == "invalid_argument" || code_of(r) == "bad_request") << r.body;
    expect_alive();
  }
  EXPECT_EQ(call("GET", "/api/v1/instances/c1").status, 404);
  // The same start with a good object is created.
  auto good =
      call("POST", kSleepStart, R"({"id":"c1","concurrency":{"key":"k"},"input":{"sleep_ms":60000}})");
  EXPECT_EQ(good.status, 201) << good.body;
  auto shown = nlohmann::json::parse(call("GET", "/api/v1/instances/c1").body);
  EXPECT_EQ(shown["concurrency"]["key"], "k") << shown.dump();
}

// Shell words of a curl command line: '...' and "..." quoting, no escapes.
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\'' || c == '"') {
      size_t end = line.find(c, i + 1);
      word += line.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == ' ' || c == '\n') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

// The text of the first ```<lang> block after `from` in `doc`.
std::string code_block(const std::string& doc, size_t from, const std::string& lang) {
  size_t open = doc.find("```" + lang + "\n", from);
  if (open == std::string::npos) return {};
  open += 4 + lang.size();
  return doc.substr(open, doc.find("```", open) - open);
}

TEST_F(HostileInputTest, TheStartExampleInTheHttpApiDocsWorksAsWritten) {
  std::ifstream in(SUNDIAL_SOURCE_DIR "/docs/http-api.md");
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  size_t section = doc.find("## Start an instance");
  ASSERT_NE(section, std::string::npos);
  std::string command = code_block(doc, section, "sh");
  for (size_t at; (at = command.find("\\\n")) != std::string::npos;) command.replace(at, 2, " ");
  std::map<std::string, std::string> headers;
  std::string body, target;
  auto words = shell_words(command);
  ASSERT_FALSE(words.empty());
  EXPECT_EQ(words[0], "curl");
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "-H" && i + 1 < words.size()) {
      std::string h = words[++i];
      size_t colon = h.find(": ");
      std::string value = h.substr(colon + 2);
      if (value == "Bearer $T") value = "Bearer " + kToken;
      headers[h.substr(0, colon)] = value;
    } else if (words[i] == "-d" && i + 1 < words.size()) {
      body = words[++i];
    } else if (words[i].starts_with("$S/")) {
      target = words[i].substr(2);
    } else {
      ADD_FAILURE() << "unexpected word in the example: " << words[i];
    }
  }
  ASSERT_FALSE(target.empty()) << command;
  if (!body.empty() && !headers.count("Content-Type"))
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  auto expected = nlohmann::json::parse(code_block(doc, section, "json"), nullptr, false);
  ASSERT_FALSE(expected.is_discarded());

  auto reply = call("POST", target, body, headers);
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(nlohmann::json::parse(reply.body, nullptr, false), expected) << reply.body;
  // The same again is the same instance (the id and the idempotency key).
  auto again = call("POST", target, body, headers);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body)["created"], false);
}

struct ScriptPut {
  std::string what;
  std::string target;
  std::string body;
  std::string content_type;
  int status;
  std::string code;
};

TEST_F(HostileInputTest, AWorkflowScriptThatCannotBeOneIsRefusedAndChangesNoScript) {
  auto lua = kAuthJson;
  lua["Content-Type"] = "text/x-lua";
  const std::string good = "return { run = function(ctx) return { ok = true } end }";
  ASSERT_EQ(call("PUT", "/api/v1/workflows/kept", good, lua).status, 201);
  const std::string catalog = call("GET", "/api/v1/workflows").body;
  const std::string kept = "/api/v1/workflows/kept";
  // A binary chunk as luac writes it (its header holds bytes that are not
  // UTF-8), and one whose bytes happen to be ASCII after the signature.
  const std::string luac_header("\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08", 15);
  const std::vector<ScriptPut> puts = {
      {"over the 1 MiB cap", kept, "return {}\n--" + std::string(1 << 20, 'x'), "text/x-lua", 413,
       "payload_too_large"},
      {"not UTF-8", kept, "return { run = function() return '\xff\xfe' end }", "text/x-lua", 400,
       "invalid_argument"},
      {"a luac chunk", kept, luac_header + "return {}", "text/x-lua", 400, "invalid_argument"},
      {"an ASCII binary chunk", kept, "\x1bLua return { run = function() end }", "text/plain", 400,
       "invalid_argument"},
      {"an empty script", kept, "", "text/x-lua", 400, "invalid_argument"},
      {"a '..' type", "/api/v1/workflows/..", good, "text/x-lua", 400, "invalid_argument"},
      {"a '.' type", "/api/v1/workflows/.", good, "text/x-lua", 400, "invalid_argument"},
      {"an encoded '..' type", "/api/v1/workflows/%2e%2e", good, "text/x-lua", 400, "invalid_argument"},
      // Decoded, its slashes make a path no route serves.
      {"encoded slashes", "/api/v1/workflows/..%2F..%2Fetc%2Fpasswd", good, "text/x-lua", 404, "not_found"},
      {"a NUL", "/api/v1/workflows/kept%00x", good, "text/x-lua", 400, "invalid_argument"},
      {"a space", "/api/v1/workflows/a%20b", good, "text/x-lua", 400, "invalid_argument"},
      {"not UTF-8 in the type", "/api/v1/workflows/%FF", good, "text/x-lua", 400, "invalid_argument"},
      {"a 101-character type", "/api/v1/workflows/" + std::string(101, 't'), good, "text/x-lua", 400,
       "invalid_argument"},
      {"JSON", kept, good, "application/json", 415, "unsupported_media_type"},
      {"octet-stream", kept, good, "application/octet-stream", 415, "unsupported_media_type"},
      {"no Content-Type", kept, good, "", 415, "unsupported_media_type"},
  };
  for (const ScriptPut& put : puts) {
    SCOPED_TRACE(put.what);
    auto headers = kAuthJson;
    headers.erase("Content-Type");
    if (!put.content_type.empty()) headers["Content-Type"] = put.content_type;
    auto r = call("PUT", put.target, put.body, headers);
    EXPECT_EQ(r.status, put.status) << r.body;
    EXPECT_EQ(code_of(r), put.code) << r.body;
    expect_alive();
    EXPECT_EQ(call("GET", "/api/v1/workflows").body, catalog);
    EXPECT_EQ(call("GET", kept).body, good);
  }
  // A 100-character type is fine: the cap is not off by one.
  EXPECT_EQ(call("PUT", "/api/v1/workflows/" + std::string(100, 't'), good, lua).status, 201);
}

// The script cap holds when the server takes larger bodies.
TEST_F(HostileInputTest, AWorkflowScriptOverItsCapIs413WhenTheBodyLimitIsHigher) {
  ASSERT_EQ(daemon->stop(), 0) << daemon->log();
  std::ofstream(dir.sub("sundial.toml")) << "[server]\nmax_body_bytes = 4194304\n";
  start_daemon({"--config", dir.sub("sundial.toml")});
  auto lua = kAuthJson;
  lua["Content-Type"] = "text/x-lua";
  auto r = call("PUT", "/api/v1/workflows/big", "return {}\n--" + std::string(1 << 20, 'x'), lua);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(code_of(r), "payload_too_large") << r.body;
  EXPECT_EQ(call("GET", "/api/v1/workflows/big").status, 404);
  expect_alive();
}

// The upgrade route's body: deep, not UTF-8 or the wrong shape is a
// 4xx naming the problem; the instance stays on its version.
TEST_F(HostileInputTest, AnUpgradeBodyThatCannotBeOneIsRefusedAndMovesNothing) {
  auto put = [&](const std::string& result) {
    auto r = call("PUT", "/api/v1/workflows/up",
                  "return { run = function(ctx) ctx:wait('go') return " + result + " end }",
                  {{"Authorization", "Bearer " + kToken}, {"Content-Type", "text/x-lua"}});
    EXPECT_EQ(r.status / 100, 2) << r.body;
    return nlohmann::json::parse(r.body)["version"].get<std::string>();
  };
  std::string v1 = put("1");
  ASSERT_EQ(call("POST", "/api/v1/workflows/up/instances", R"({"id":"u1"})").status, 201);
  put("2");
  const std::string upgrade = "/api/v1/workflows/up/upgrade";
  struct Case {
    std::string what, body;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"deep", R"({"from":)" + deep_array(100000) + "}", 400},
           {"not UTF-8", "{\"from\":\"\xff\xfe\"}", 400},
           {"not an object", "[]", 400},
           {"unknown field", R"({"from":")" + v1 + R"(","to":"x"})", 400},
           {"from not a string", R"({"from":7})", 400},
       }) {
    auto r = call("POST", upgrade, c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    expect_alive();
  }
  auto u1 = nlohmann::json::parse(call("GET", "/api/v1/instances/u1").body, nullptr, false);
  EXPECT_EQ(u1["version"], v1) << u1.dump();
}

}  // namespace
}  // namespace sundial::testing
