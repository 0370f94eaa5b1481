// End-to-end: Lua workflows in the real sundiald — a workflows directory,
// PUT/GET/DELETE /api/v1/workflows/{type}, a script's webhook trigger (and
// one per signature scheme, secrets from the environment), hot reload on a
// file change and on SIGHUP, versions side by side (an instance keeps the
// version it started on; the old version goes when its last instance
// ends), and kill -9 in the middle of a Lua workflow (an acknowledged PUT
// and a started instance survive it).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "connectors/signing/base64.h"
#include "connectors/signing/hmac.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace sundial::testing {
namespace {

const char* const kGreet = R"lua(
return {
  run = function(ctx, input)
    local r = ctx:step("hello", function(info) return { msg = "hi " .. input.name } end)
    ctx:sleep("200ms")
    local sig = ctx:wait({ "go" }, { timeout = "30s" })
    return { said = r.msg, signal = sig and sig.name }
  end,
  triggers = {
    { path = "/webhooks/greet", signature = "none",
      map = function(body) return { start = { id = "hook-" .. body.id, input = { name = body.name } } } end },
  },
}
)lua";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class LuaWorkflowsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scripts());
    write_file(scripts() / "greet.lua", kGreet);
  }
  std::filesystem::path scripts() const { return std::filesystem::path(dir.sub("workflows")); }
  std::unique_ptr<DaemonProcess> start(std::vector<std::string> env = {}) {
    auto d = std::make_unique<DaemonProcess>(
        dir.sub("data"), std::vector<std::string>{"--workflows-dir", scripts().string()}, std::move(env));
    EXPECT_GT(d->port(), 0) << d->log();
    return d;
  }
  // Polls GET `path` until `done(pick(body))` or 20 s; the last picked value.
  nlohmann::json poll(int port, const std::string& path,
                      const std::function<nlohmann::json(const nlohmann::json&)>& pick,
                      const std::function<bool(const nlohmann::json&)>& done, const std::string& what) {
    nlohmann::json last;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      HttpConnection c(port);
      last = pick(json_of(c.request("GET", path)));
      if (last.is_object() && done(last)) return last;
    }
    ADD_FAILURE() << what << " never got there: " << last.dump();
    return last;
  }
  // Polls describe until `done(instance)`.
  nlohmann::json wait_for(int port, const std::string& id,
                          const std::function<bool(const nlohmann::json&)>& done) {
    return poll(
        port, "/api/v1/instances/" + id, [](const nlohmann::json& body) { return body; }, done,
        "instance " + id);
  }
  // Polls GET /api/v1/workflows until `type`'s entry satisfies `done`.
  nlohmann::json wait_for_type(int port, const std::string& type,
                               const std::function<bool(const nlohmann::json&)>& done) {
    auto entry = [type](const nlohmann::json& list) {
      nlohmann::json found;
      if (list.is_object() && list["workflows"].is_array()) {
        for (const auto& w : list["workflows"]) {
          if (w["type"] == type) found = w;
        }
      }
      return found;
    };
    return poll(port, "/api/v1/workflows", entry, done, "workflow type " + type);
  }
  static int status_of(const std::optional<HttpReply>& reply) { return reply ? reply->status : 0; }

  TempDir dir;
};

TEST_F(LuaWorkflowsE2E, ADirectoryScriptRunsStartsFromItsTriggerAndReturnsItsResult) {
  auto daemon = start();
  HttpConnection c(daemon->port());
  auto started = c.request("POST", "/api/v1/workflows/greet/instances",
                           R"({"id":"g1","input":{"name":"ada"}})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 201) << started->body;
  auto hooked = c.request("POST", "/webhooks/greet", R"({"id":"7","name":"bob"})",
                          {{"Content-Type", "application/json"}});
  ASSERT_TRUE(hooked);
  EXPECT_EQ(hooked->status, 202) << hooked->body;
  wait_for(daemon->port(), "g1",
           [](const nlohmann::json& i) { return i["waiting_for_signals"] == nlohmann::json{"go"}; });
  auto signalled =
      c.request("POST", "/api/v1/instances/g1/signals/go", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(signalled);
  EXPECT_EQ(signalled->status, 202) << signalled->body;
  auto done =
      wait_for(daemon->port(), "g1", [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(done["result"], (nlohmann::json{{"said", "hi ada"}, {"signal", "go"}}));
  auto hook =
      wait_for(daemon->port(), "hook-7", [](const nlohmann::json& i) { return i["status"] == "waiting"; });
  EXPECT_EQ(hook["input"]["name"], "bob");
  auto bad =
      c.request("POST", "/webhooks/greet", R"({"name":"no id"})", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;  // body.id is nil: the map's error, nothing stored
}

TEST_F(LuaWorkflowsE2E, APutScriptAndItsInstancesSurviveKill9AndAFileEditMakesANewVersion) {
  auto daemon = start();
  std::string quick = "return { run = function(ctx) ctx:sleep(\"1s\") return { v = 1 } end }";
  std::string version;
  {
    HttpConnection c(daemon->port());
    auto put = c.request("PUT", "/api/v1/workflows/quick", quick, {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(put);
    ASSERT_EQ(put->status, 201) << put->body;
    version = json_of(put)["version"];
    auto broken = c.request("PUT", "/api/v1/workflows/quick", "return { run = function( end }",
                            {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(broken);
    EXPECT_EQ(broken->status, 400);
    EXPECT_NE(broken->body.find("quick.lua:1:"), std::string::npos) << broken->body;
    auto wrong_type =
        c.request("PUT", "/api/v1/workflows/quick", quick, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(wrong_type);
    EXPECT_EQ(wrong_type->status, 415);
    auto file_type = c.request("PUT", "/api/v1/workflows/greet", quick, {{"Content-Type", "text/x-lua"}});
    ASSERT_TRUE(file_type);
    EXPECT_EQ(file_type->status, 409);
    auto s = c.request("POST", "/api/v1/workflows/quick/instances", R"({"id":"q1"})",
                       {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 201) << s->body;
    s = c.request("POST", "/api/v1/workflows/greet/instances", R"({"id":"g1","input":{"name":"ada"}})",
                  {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 201) << s->body;
  }
  daemon->kill();
  write_file(scripts() / "greet.lua", std::string(kGreet) + "-- edited\n");
  daemon = start();
  HttpConnection c(daemon->port());
  auto source = c.request("GET", "/api/v1/workflows/quick");
  ASSERT_TRUE(source);
  EXPECT_EQ(source->status, 200);
  EXPECT_EQ(source->body, quick);
  auto q1 =
      wait_for(daemon->port(), "q1", [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(q1["result"], (nlohmann::json{{"v", 1}}));
  EXPECT_EQ(q1["version"], version);

  // g1 keeps the version it started on; the edited file is the current one.
  auto list = json_of(c.request("GET", "/api/v1/workflows"));
  nlohmann::json greet;
  for (const auto& w : list["workflows"]) {
    if (w["type"] == "greet") greet = w;
  }
  ASSERT_EQ(greet["versions"].size(), 2u) << list.dump();
  EXPECT_EQ(greet["versions"][0]["running"], 0);
  EXPECT_EQ(greet["versions"][1]["running"], 1);

  // A change to the file while it runs: a new version, without a restart.
  write_file(scripts() / "greet.lua", std::string(kGreet) + "-- edited again\n");
  EXPECT_TRUE(daemon->wait_for_log("workflow 'greet' now runs version")) << daemon->log();

  auto in_use = c.request("DELETE", "/api/v1/workflows/greet");
  ASSERT_TRUE(in_use);
  EXPECT_EQ(in_use->status, 409);  // a file's type: delete the file
  auto removed = c.request("DELETE", "/api/v1/workflows/quick");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 200) << removed->body;
  auto gone =
      c.request("POST", "/api/v1/workflows/quick/instances", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
}

TEST_F(LuaWorkflowsE2E, AScriptThatDoesNotLoadStopsStartUpWithItsLine) {
  write_file(scripts() / "broken.lua", "return {\n  run = function(ctx) oops( end\n}\n");
  DaemonProcess daemon(dir.sub("data"), {"--workflows-dir", scripts().string()});
  EXPECT_EQ(daemon.port(), 0);
  EXPECT_NE(daemon.log().find("broken.lua:2:"), std::string::npos) << daemon.log();
}

// An upgrade moves the running instances whose journal the current version
// replays, and names the divergence of the others, which stay where they
// were; both finish on the version they hold.
TEST_F(LuaWorkflowsE2E, AnUpgradeMovesTheInstancesTheNewVersionReplaysAndKeepsTheOthers) {
  auto daemon = start();
  HttpConnection c(daemon->port());
  auto put = [&](const std::string& v2_result, bool extra_step) {
    std::string script =
        "return { run = function(ctx, input)\n"
        "  ctx:step('a', function() return 1 end)\n";
    if (extra_step) script += "  if input.extra then ctx:step('b', function() return 2 end) end\n";
    script += "  ctx:wait({ 'go' })\n  return { v = " + v2_result + " }\nend }\n";
    auto reply = c.request("PUT", "/api/v1/workflows/up", script, {{"Content-Type", "text/x-lua"}});
    EXPECT_TRUE(reply && reply->status / 100 == 2) << (reply ? reply->body : "no reply");
    return json_of(reply)["version"].get<std::string>();
  };
  std::string v1 = put("1", true);
  for (const char* body : {R"({"id":"fits","input":{}})", R"({"id":"diverges","input":{"extra":true}})"}) {
    auto s =
        c.request("POST", "/api/v1/workflows/up/instances", body, {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 201) << s->body;
  }
  for (const char* id : {"fits", "diverges"}) {
    wait_for(daemon->port(), id,
             [](const nlohmann::json& i) { return i["waiting_for_signals"] == nlohmann::json{"go"}; });
  }
  std::string v2 = put("2", false);
  ASSERT_NE(v1, v2);

  auto unknown = c.request("POST", "/api/v1/workflows/up/upgrade", R"({"from":1})",
                           {{"Content-Type", "application/json"}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400) << unknown->body;
  auto upgraded = c.request("POST", "/api/v1/workflows/up/upgrade", nlohmann::json{{"from", v1}}.dump(),
                            {{"Content-Type", "application/json"}});
  ASSERT_TRUE(upgraded);
  ASSERT_EQ(upgraded->status, 200) << upgraded->body;
  auto report = json_of(upgraded);
  EXPECT_EQ(report["from"], v1);
  EXPECT_EQ(report["to"], v2);
  EXPECT_EQ(report["upgraded"], 1);
  EXPECT_EQ(report["not_upgraded"], 1);
  ASSERT_EQ(report["failures"].size(), 1u) << report.dump();
  EXPECT_EQ(report["failures"][0]["instance_id"], "diverges");
  EXPECT_NE(report["failures"][0]["error"].get<std::string>().find("non_determinism"), std::string::npos)
      << report.dump();

  // The move is durable: it survives kill -9.
  daemon->kill();
  daemon = start();
  HttpConnection after(daemon->port());
  for (const char* id : {"fits", "diverges"}) {
    auto s = after.request("POST", std::string("/api/v1/instances/") + id + "/signals/go", "{}",
                           {{"Content-Type", "application/json"}});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, 202) << s->body;
  }
  auto fits =
      wait_for(daemon->port(), "fits", [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(fits["version"], v2);
  EXPECT_EQ(fits["result"], (nlohmann::json{{"v", 2}}));
  auto diverges = wait_for(daemon->port(), "diverges",
                           [](const nlohmann::json& i) { return i["status"] == "completed"; });
  EXPECT_EQ(diverges["version"], v1);
  EXPECT_EQ(diverges["result"], (nlohmann::json{{"v", 1}}));
}

// One trigger per signature scheme, each with its secret in sundiald's
// environment. Every delivery carries its delivery id as the body's "id"
// (and as x-delivery); "n" names the instance it starts.
const char* const kHooks = R"lua(
local function map(body, headers)
  if body.boom then error("cannot map " .. body.n) end
  return { start = { id = "hook:" .. body.n, input = { n = body.n } } }
end
return {
  run = function(ctx, input) return { n = input.n } end,
  triggers = {
    { path = "/hooks/none", signature = "none", delivery_id = { header = "x-delivery" }, map = map },
    { path = "/hooks/hex", delivery_id = { header = "x-delivery" }, map = map,
      signature = { scheme = "hmac-sha256", header = "X-Hub-Signature-256", prefix = "sha256=",
                    secret_env = "E2E_HEX_SECRET" } },
    { path = "/hooks/base64", delivery_id = { field = "/id" }, map = map,
      signature = { scheme = "hmac-sha256", header = "x-signature", encoding = "base64", prefix = "v0=",
                    secret_env = "E2E_B64_SECRET" } },
    { path = "/hooks/stripe", map = map,
      signature = { scheme = "stripe", secret_env = "E2E_STRIPE_SECRET", tolerance = "5m" } },
    { path = "/hooks/standard", map = map,
      signature = { scheme = "standard-webhooks", secret_env = "E2E_STD_SECRET", tolerance = "2m" } },
  },
}
)lua";

const std::string kStdKey = "standard-key-bytes";

struct SignedScheme {
  std::string name;
  std::string path;
  bool signed_route;
  bool timestamped;  // signs a time that must be within the trigger's tolerance
  // The headers that sign `body` (whose "id" is `delivery`), signed
  // `age_s` seconds ago.
  std::function<std::map<std::string, std::string>(const std::string& body, const std::string& delivery,
                                                   int64_t age_s)>
      sign;
};

std::string unix_seconds(int64_t age_s) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() -
      age_s);
}

const std::vector<SignedScheme>& signed_schemes() {
  using Headers = std::map<std::string, std::string>;
  static const std::vector<SignedScheme> schemes = {
      {"none", "/hooks/none", false, false,
       [](const std::string&, const std::string&, int64_t) { return Headers{}; }},
      {"hex", "/hooks/hex", true, false,
       [](const std::string& body, const std::string&, int64_t) {
         return Headers{{"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex("hex-secret", body)}};
       }},
      {"base64", "/hooks/base64", true, false,
       [](const std::string& body, const std::string&, int64_t) {
         return Headers{{"X-Signature", "v0=" + base64_encode(hmac_sha256("b64-secret", body))}};
       }},
      {"stripe", "/hooks/stripe", true, true,
       [](const std::string& body, const std::string&, int64_t age_s) {
         std::string t = unix_seconds(age_s);
         return Headers{
             {"Stripe-Signature", "t=" + t + ",v1=" + hmac_sha256_hex("whsec_e2e", t + "." + body)}};
       }},
      {"standard-webhooks", "/hooks/standard", true, true,
       [](const std::string& body, const std::string& delivery, int64_t age_s) {
         std::string t = unix_seconds(age_s);
         return Headers{{"webhook-id", delivery},
                        {"webhook-timestamp", t},
                        {"webhook-signature",
                         "v1," + base64_encode(hmac_sha256(kStdKey, delivery + "." + t + "." + body))}};
       }},
  };
  return schemes;
}

TEST_F(LuaWorkflowsE2E, AScriptsWebhookTriggerChecksEachSignatureSchemeDedupesAndStoresNothingOnError) {
  write_file(scripts() / "hooks.lua", kHooks);
  auto daemon = start({"E2E_HEX_SECRET=hex-secret", "E2E_B64_SECRET=b64-secret",
                       "E2E_STRIPE_SECRET=whsec_e2e", "E2E_STD_SECRET=whsec_" + base64_encode(kStdKey)});
  ASSERT_GT(daemon->port(), 0);
  HttpConnection c(daemon->port());
  auto deliver = [&](const SignedScheme& scheme, const nlohmann::json& body, bool tamper = false,
                     int64_t age_s = 0) {
    std::string text = body.dump();
    auto headers = scheme.sign(text, body["id"], age_s);
    headers["Content-Type"] = "application/json";
    headers["x-delivery"] = body["id"];
    if (tamper) text.insert(text.size() - 1, R"(,"extra":1)");
    return c.request("POST", scheme.path, text, headers);
  };
  auto exists = [&](const std::string& id) { return status_of(c.request("GET", "/api/v1/instances/" + id)); };

  for (const SignedScheme& scheme : signed_schemes()) {
    SCOPED_TRACE("scheme " + scheme.name);
    const std::string& s = scheme.name;
    auto first = deliver(scheme, {{"id", s + "-d1"}, {"n", s + "-1"}});
    ASSERT_TRUE(first);
    ASSERT_EQ(first->status, 202) << first->body << daemon->log();
    EXPECT_EQ(json_of(first)["instance_id"], "hook:" + s + "-1");
    auto done = wait_for(daemon->port(), "hook:" + s + "-1",
                         [](const nlohmann::json& i) { return i["status"] == "completed"; });
    EXPECT_EQ(done["result"], (nlohmann::json{{"n", s + "-1"}}));

    // The same delivery id with another body: the provider's id decides.
    auto again = deliver(scheme, {{"id", s + "-d1"}, {"n", s + "-dup"}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(json_of(again)["instance_id"], "hook:" + s + "-1") << again->body;
    EXPECT_EQ(exists("hook:" + s + "-dup"), 404);

    auto boom = deliver(scheme, {{"id", s + "-d2"}, {"n", s + "-boom"}, {"boom", true}});
    ASSERT_TRUE(boom);
    EXPECT_EQ(boom->status, 400) << boom->body;
    auto error = json_of(boom)["error"];
    EXPECT_EQ(error["code"], "invalid_argument") << boom->body;
    // A directory script's chunk is named by its file name: the server's
    // paths do not reach whoever posts.
    EXPECT_EQ(error["message"], "map: hooks.lua:3: cannot map " + s + "-boom") << boom->body;
    EXPECT_EQ(exists("hook:" + s + "-boom"), 404);

    if (scheme.signed_route) {
      auto tampered = deliver(scheme, {{"id", s + "-d3"}, {"n", s + "-bad"}}, true);
      ASSERT_TRUE(tampered);
      EXPECT_EQ(tampered->status, 401) << tampered->body;
      EXPECT_EQ(json_of(tampered)["error"]["code"], "invalid_signature") << tampered->body;
      auto unsigned_delivery =
          c.request("POST", scheme.path, R"({"id":")" + s + R"(-d4","n":")" + s + R"(-bad"})",
                    {{"Content-Type", "application/json"}, {"x-delivery", s + "-d4"}});
      ASSERT_TRUE(unsigned_delivery);
      EXPECT_EQ(unsigned_delivery->status, 401) << unsigned_delivery->body;
      EXPECT_EQ(exists("hook:" + s + "-bad"), 404);
    }
    if (scheme.timestamped) {  // signed 10 minutes ago: outside the tolerance (5m, 2m)
      auto stale = deliver(scheme, {{"id", s + "-d5"}, {"n", s + "-stale"}}, false, 600);
      ASSERT_TRUE(stale);
      EXPECT_EQ(stale->status, 401) << stale->body;
      EXPECT_NE(stale->body.find("tolerance"), std::string::npos) << stale->body;
      EXPECT_EQ(exists("hook:" + s + "-stale"), 404);
    }
  }
  // One instance per scheme, nothing else.
  auto list = json_of(c.request("GET", "/api/v1/instances?type=hooks&limit=100"));
  EXPECT_EQ(list["instances"].size(), signed_schemes().size()) << list.dump();
}

// v1 waits for "go" and says so; v2 runs a step first (so a v1 journal
// replayed on v2 would diverge) and says v2.
const char* const kVersion1 = R"lua(
return { run = function(ctx)
  local sig = ctx:wait({ "go" }, { timeout = "60s" })
  return { v = 1, signal = sig and sig.name }
end }
)lua";
const char* const kVersion2 = R"lua(
return { run = function(ctx)
  local r = ctx:step("two", function() return { extra = true } end)
  local sig = ctx:wait({ "go" }, { timeout = "60s" })
  return { v = 2, extra = r.extra, signal = sig and sig.name }
end }
)lua";

// How a changed script reaches the running daemon.
enum class Reload { kFileEvent, kSighup };

class LuaVersionsE2E : public LuaWorkflowsE2E, public ::testing::WithParamInterface<Reload> {};

// An instance started on v1 and waiting keeps running v1 after the script
// changes to v2; a new instance runs v2; the list shows both versions with
// their running counts; once the v1 instance ends, v1 is dropped. With
// kSighup the script is a symlink to a file outside the watched
// directory, so an edit of it raises no file event: only SIGHUP reloads it.
TEST_P(LuaVersionsE2E, AWaitingInstanceKeepsItsVersionANewOneRunsTheEditAndTheOldVersionGoesWhenItEnds) {
  const std::filesystem::path source = GetParam() == Reload::kSighup
                                           ? std::filesystem::path(dir.sub("elsewhere")) / "ver.lua"
                                           : scripts() / "ver.lua";
  std::filesystem::create_directories(source.parent_path());
  write_file(source, kVersion1);
  if (GetParam() == Reload::kSighup) std::filesystem::create_symlink(source, scripts() / "ver.lua");
  auto daemon = start();
  ASSERT_GT(daemon->port(), 0);
  HttpConnection c(daemon->port());
  const std::string v1 = wait_for_type(
      daemon->port(), "ver", [](const nlohmann::json& w) { return w["version"].is_string(); })["version"];
  ASSERT_EQ(status_of(c.request("POST", "/api/v1/workflows/ver/instances", R"({"id":"old"})",
                                {{"Content-Type", "application/json"}})),
            201);
  auto old_waiting = wait_for(daemon->port(), "old", [](const nlohmann::json& i) {
    return i["waiting_for_signals"] == nlohmann::json{"go"};
  });
  EXPECT_EQ(old_waiting["version"], v1);

  write_file(source, kVersion2);
  if (GetParam() == Reload::kSighup) daemon->signal(SIGHUP);
  auto changed =
      wait_for_type(daemon->port(), "ver", [&](const nlohmann::json& w) { return w["version"] != v1; });
  ASSERT_TRUE(changed["version"].is_string()) << changed.dump();
  const std::string v2 = changed["version"];
  if (GetParam() == Reload::kSighup) {
    EXPECT_NE(daemon->log().find("SIGHUP: reloading the workflow scripts"), std::string::npos)
        << daemon->log();
  }

  ASSERT_EQ(status_of(c.request("POST", "/api/v1/workflows/ver/instances", R"({"id":"new"})",
                                {{"Content-Type", "application/json"}})),
            201);
  auto new_waiting = wait_for(daemon->port(), "new", [](const nlohmann::json& i) {
    return i["waiting_for_signals"] == nlohmann::json{"go"};
  });
  EXPECT_EQ(new_waiting["version"], v2);
  auto both =
      wait_for_type(daemon->port(), "ver", [](const nlohmann::json& w) { return w["versions"].size() == 2; });
  EXPECT_EQ(both["versions"],
            (nlohmann::json{{{"version", v2}, {"running", 1}}, {{"version", v1}, {"running", 1}}}))
      << both.dump();

  auto finished = [](const nlohmann::json& i) {
    return i["status"] == "completed" || i["status"] == "failed" || i["status"] == "cancelled";
  };
  for (const char* id : {"old", "new"}) {
    EXPECT_EQ(status_of(c.request("POST", std::string("/api/v1/instances/") + id + "/signals/go", "{}",
                                  {{"Content-Type", "application/json"}})),
              202);
  }
  auto old_done = wait_for(daemon->port(), "old", finished);
  EXPECT_EQ(old_done["status"], "completed") << old_done.dump();
  EXPECT_EQ(old_done["result"], (nlohmann::json{{"v", 1}, {"signal", "go"}}));
  EXPECT_EQ(old_done["version"], v1);
  auto new_done = wait_for(daemon->port(), "new", finished);
  EXPECT_EQ(new_done["result"], (nlohmann::json{{"v", 2}, {"extra", true}, {"signal", "go"}}));

  // v1's last instance ended: v1 is dropped, v2 stays (with nothing running).
  auto after =
      wait_for_type(daemon->port(), "ver", [](const nlohmann::json& w) { return w["versions"].size() == 1; });
  EXPECT_EQ(after["versions"], (nlohmann::json{{{"version", v2}, {"running", 0}}})) << after.dump();
  EXPECT_EQ(status_of(c.request("GET", "/api/v1/workflows/ver?version=" + v1)), 404);
}

INSTANTIATE_TEST_SUITE_P(Reloads, LuaVersionsE2E, ::testing::Values(Reload::kFileEvent, Reload::kSighup),
                         [](const ::testing::TestParamInfo<Reload>& p) {
                           return p.param == Reload::kSighup ? std::string("Sighup")
                                                             : std::string("FileEvent");
                         });

}  // namespace
}  // namespace sundial::testing
