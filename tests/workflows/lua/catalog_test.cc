// ScriptCatalog on a real engine (RocksDB in a temp dir, a ManualClock):
// installing scripts through the API's calls, versions side by side and
// across restarts, deleting a type, directory scripts and their reload,
// and dropping versions no instance holds.
#include "workflows/lua/catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "connectors/signing/hmac.h"
#include "tests/support/engine_harness.h"
#include "tests/support/temp_dir.h"

namespace sundial::lua {
namespace {

std::string script_returning(int n, const std::string& sleep = "1m") {
  return "return { run = function(ctx) ctx:sleep(\"" + sleep + "\") return { n = " + std::to_string(n) +
         " } end }\n";
}

class ScriptCatalogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    catalog.reset();
    h.close();
  }

  void open(std::vector<std::filesystem::path> dirs = {}) {
    h.open();
    ScriptCatalog::Options options;
    options.dirs = std::move(dirs);
    catalog = std::make_unique<ScriptCatalog>(h.registry, std::move(options));
    auto opened = catalog->open(*h.engine);
    ASSERT_TRUE(opened) << opened.error().message;
    settle();
  }
  // Closes and opens again with a fresh registry: what survives is stored.
  void restart(std::vector<std::filesystem::path> dirs = {}) {
    catalog.reset();
    h.close();
    h.registry = Registry();
    open(std::move(dirs));
  }

  // Runs the loop until `issue(done)` has answered.
  template <typename T, typename Issue>
  Result<T> wait(Issue&& issue) {
    std::optional<Result<T>> out;
    issue([&](Result<T> r) { out = std::move(r); });
    for (int i = 0; !out && i < 10'000; ++i) h.loop.run_once();
    EXPECT_TRUE(out.has_value()) << "no answer";
    return out ? std::move(*out) : Result<T>(make_error(ErrorCode::kInternal, "no answer"));
  }
  Result<ScriptCatalog::Installed> put(const std::string& type, const std::string& source) {
    return wait<ScriptCatalog::Installed>([&](auto done) { catalog->put(type, source, std::move(done)); });
  }
  Result<void> remove(const std::string& type) {
    return wait<void>([&](auto done) { catalog->remove(type, std::move(done)); });
  }
  nlohmann::json list() {
    auto l = wait<nlohmann::json>([&](auto done) { catalog->list(std::move(done)); });
    EXPECT_TRUE(l) << l.error().message;
    return l ? *l : nlohmann::json();
  }
  nlohmann::json entry(const std::string& type) {
    nlohmann::json all = list();
    for (const auto& w : all["workflows"]) {
      if (w["type"] == type) return w;
    }
    return nullptr;
  }
  // Lets the work the catalog queued (version clean-up) finish.
  void settle() {
    for (int i = 0; i < 50; ++i) h.loop.run_nowait();
    h.drain();
  }
  // Reloads the directories and runs the loop until the reload is done.
  void reload() {
    bool finished = false;
    catalog->reload([&finished] { finished = true; });
    for (int i = 0; !finished && i < 10'000; ++i) h.loop.run_once();
    EXPECT_TRUE(finished);
    settle();
  }
  std::string current_version(const std::string& type) {
    const WorkflowType* t = h.registry.find(type);
    return t ? t->version : std::string();
  }
  void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  testing::EngineHarness h;
  std::unique_ptr<ScriptCatalog> catalog;
};

TEST_F(ScriptCatalogTest, PutCreatesATypeThenNewVersionsWhileRunningInstancesKeepTheirs) {
  open();
  auto first = put("greet", script_returning(1));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->version, sha256_hex(script_returning(1)));
  ASSERT_TRUE(h.start("greet", "old"));

  auto second = put("greet", script_returning(2));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_NE(second->version, first->version);
  auto again = put("greet", script_returning(2));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, second->version);
  ASSERT_TRUE(h.start("greet", "new"));

  nlohmann::json greet = entry("greet");
  EXPECT_EQ(greet["kind"], "lua");
  EXPECT_EQ(greet["version"], second->version);
  EXPECT_EQ(greet["versions"], (nlohmann::json{{{"version", second->version}, {"running", 1}},
                                               {{"version", first->version}, {"running", 1}}}));

  h.advance(kMinuteMs);
  EXPECT_EQ(h.describe("old")->result, (nlohmann::json{{"n", 1}}));
  EXPECT_EQ(h.describe("new")->result, (nlohmann::json{{"n", 2}}));
}

TEST_F(ScriptCatalogTest, AScriptThatDoesNotLoadIsRefusedWithItsLineAndThePreviousVersionStays) {
  open();
  auto good = put("greet", script_returning(1));
  ASSERT_TRUE(good);
  auto bad = put("greet", "return {\n run = function(ctx)\n  local x = = 1\n end }\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("greet.lua:3:"), std::string::npos) << bad.error().message;
  EXPECT_EQ(entry("greet")["version"], good->version);
  auto no_run = put("other", "return { }");
  ASSERT_FALSE(no_run);
  EXPECT_EQ(entry("other"), nullptr);  // nothing was installed
}

TEST_F(ScriptCatalogTest, BadNamesBuiltInTypesAndBadTextAreRefused) {
  ASSERT_TRUE(h.registry.add("builtin", "compiled in", [](Context&) -> Workflow<void> { co_return; }));
  open();
  EXPECT_EQ(put("builtin", script_returning(1)).error().code, ErrorCode::kConflict);
  EXPECT_EQ(put("has space", script_returning(1)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(put("bytes", "return {}\xff").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(entry("builtin")["kind"], "builtin");
}

TEST_F(ScriptCatalogTest, VersionsSurviveARestartAndRunningInstancesFinishOnTheirOwn) {
  open();
  ASSERT_TRUE(put("greet", script_returning(1)));
  ASSERT_TRUE(h.start("greet", "old"));
  ASSERT_TRUE(put("greet", script_returning(2)));
  restart();
  ASSERT_TRUE(h.start("greet", "new"));
  h.advance(kMinuteMs);
  EXPECT_EQ(h.status("old"), InstanceStatus::kCompleted) << h.describe("old")->last_error;
  EXPECT_EQ(h.describe("old")->result, (nlohmann::json{{"n", 1}}));
  EXPECT_EQ(h.describe("new")->result, (nlohmann::json{{"n", 2}}));
}

TEST_F(ScriptCatalogTest, AVersionNoInstanceHoldsIsDropped) {
  open();
  auto first = put("greet", script_returning(1));
  ASSERT_TRUE(first);
  ASSERT_TRUE(h.start("greet", "old"));
  auto second = put("greet", script_returning(2));
  ASSERT_TRUE(second);
  settle();
  EXPECT_EQ(entry("greet")["versions"].size(), 2u);  // "old" holds the first
  h.advance(kMinuteMs);
  ASSERT_EQ(h.status("old"), InstanceStatus::kCompleted);
  settle();  // "old" was the first version's last instance: it goes now
  EXPECT_EQ(entry("greet")["versions"], (nlohmann::json{{{"version", second->version}, {"running", 0}}}));
  EXPECT_EQ(catalog->script("greet", first->version), nullptr);
  restart();  // for good
  EXPECT_EQ(entry("greet")["versions"], (nlohmann::json{{{"version", second->version}, {"running", 0}}}));
}

TEST_F(ScriptCatalogTest, DeleteIsRefusedWhileInstancesRunAndThenRemovesTheTypeForGood) {
  open();
  ASSERT_TRUE(put("greet", script_returning(1)));
  ASSERT_TRUE(h.start("greet", "g1"));
  auto refused = remove("greet");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("1 instance"), std::string::npos) << refused.error().message;
  ASSERT_TRUE(h.start("greet", "g2"));  // still current after the refusal
  h.advance(kMinuteMs);
  auto removed = remove("greet");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(h.registry.find("greet"), nullptr);
  EXPECT_FALSE(h.start("greet", "g3"));
  restart();
  EXPECT_EQ(entry("greet"), nullptr);
  EXPECT_EQ(remove("greet").error().code, ErrorCode::kNotFound);
}

TEST_F(ScriptCatalogTest, UpgradeMovesTheInstancesWhoseJournalFitsAndNamesTheDivergenceOfTheOthers) {
  open();
  const std::string v1 = R"lua(return { run = function(ctx)
  ctx:step("a", function() return 1 end)
  ctx:sleep("1m")
  return { v = 1 }
end })lua";
  const std::string reordered = R"lua(return { run = function(ctx)
  ctx:sleep("1m")
  ctx:step("a", function() return 1 end)
  return { v = 2 }
end })lua";
  const std::string fixed = R"lua(return { run = function(ctx)
  ctx:step("a", function() return 1 end)
  ctx:sleep("1m")
  if ctx:patched("report-v3") then return { v = 3 } end
  return { v = 1 }
end })lua";
  auto first = put("greet", v1);
  ASSERT_TRUE(first);
  ASSERT_TRUE(h.start("greet", "i1"));
  ASSERT_TRUE(h.start("greet", "i2"));
  ASSERT_TRUE(put("greet", reordered));
  auto refused = wait<nlohmann::json>([&](auto done) { catalog->upgrade("greet", first->version, std::move(done)); });
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ((*refused)["upgraded"], 0);
  EXPECT_EQ((*refused)["not_upgraded"], 2);
  ASSERT_EQ((*refused)["failures"].size(), 2u);
  std::string why = (*refused)["failures"][0]["error"];
  EXPECT_NE(why.find("non_determinism: greet.lua:2:"), std::string::npos) << why;
  EXPECT_EQ(h.describe("i1")->version, first->version);

  restart();  // the instances are on disk now, not in memory
  auto third = put("greet", fixed);
  ASSERT_TRUE(third);
  auto moved = wait<nlohmann::json>([&](auto done) { catalog->upgrade("greet", first->version, std::move(done)); });
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ((*moved)["upgraded"], 2) << moved->dump();
  EXPECT_EQ((*moved)["to"], third->version);
  EXPECT_EQ(h.describe("i1")->version, third->version);
  h.advance(kMinuteMs);
  EXPECT_EQ(h.describe("i1")->result, (nlohmann::json{{"v", 3}})) << h.describe("i1")->last_error;
  EXPECT_EQ(h.describe("i2")->result, (nlohmann::json{{"v", 3}}));
  EXPECT_EQ(wait<nlohmann::json>([&](auto done) { catalog->upgrade("greet", third->version, std::move(done)); })
                .error()
                .code,
            ErrorCode::kInvalidArgument);  // already current
}

TEST_F(ScriptCatalogTest, DirectoryScriptsLoadReloadAndCannotBeReplacedThroughTheApi) {
  testing::TempDir scripts_dir;
  std::filesystem::path scripts(scripts_dir.path());
  write_file(scripts / "drip.lua", script_returning(1));
  open({scripts});
  ASSERT_NE(h.registry.find("drip"), nullptr);
  EXPECT_EQ(entry("drip")["origin"], (scripts / "drip.lua").string());
  EXPECT_EQ(put("drip", script_returning(5)).error().code, ErrorCode::kConflict);
  EXPECT_EQ(remove("drip").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(h.start("drip", "d1"));

  write_file(scripts / "drip.lua", "return { run = function(ctx) oops( end }");
  reload();
  EXPECT_EQ(h.registry.find("drip")->version, sha256_hex(script_returning(1)));  // kept

  write_file(scripts / "drip.lua", script_returning(2));
  reload();
  EXPECT_EQ(current_version("drip"), sha256_hex(script_returning(2)));
  ASSERT_TRUE(h.start("drip", "d2"));
  h.advance(kMinuteMs);
  EXPECT_EQ(h.describe("d1")->result, (nlohmann::json{{"n", 1}}));
  EXPECT_EQ(h.describe("d2")->result, (nlohmann::json{{"n", 2}}));

  std::filesystem::remove(scripts / "drip.lua");
  reload();
  EXPECT_EQ(h.registry.find("drip"), nullptr);  // retired: no new instances
}

TEST_F(ScriptCatalogTest, ADirectoryScriptThatDoesNotLoadStopsStartUp) {
  testing::TempDir scripts_dir;
  std::filesystem::path scripts(scripts_dir.path());
  write_file(scripts / "drip.lua", "return {\n run = function(ctx) oops( end }\n");
  h.open();
  ScriptCatalog::Options options;
  options.dirs = {scripts};
  ScriptCatalog bad(h.registry, std::move(options));
  auto opened = bad.open(*h.engine);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("drip.lua:2:"), std::string::npos) << opened.error().message;
}

// sundiald shutting down: the catalog goes while the engine still reads
// and writes for it; the answers that arrive later are dropped (run under
// ASan, a call into the destroyed catalog fails the test).
TEST_F(ScriptCatalogTest, AnswersThatArriveAfterTheCatalogIsGoneAreDropped) {
  open();
  auto v1 = put("greet", script_returning(1));
  ASSERT_TRUE(v1) << v1.error().message;
  ASSERT_TRUE(h.start("greet", "old"));
  ASSERT_TRUE(put("greet", script_returning(2)));
  int answered = 0;
  catalog->list([&answered](Result<nlohmann::json>) { ++answered; });
  catalog->upgrade("greet", v1->version, [&answered](Result<nlohmann::json>) { ++answered; });
  catalog->put("greet", script_returning(3), [&answered](Result<ScriptCatalog::Installed>) { ++answered; });
  catalog->remove("greet", [&answered](Result<void>) { ++answered; });
  catalog.reset();
  settle();
  EXPECT_EQ(answered, 0);
}

// PUT of an old version's text again while the clean-up drops that version:
// it ends current, stored and loadable after a restart.
TEST_F(ScriptCatalogTest, AnOldVersionPutAgainDuringItsCleanUpStaysStored) {
  open();
  auto v1 = put("greet", script_returning(1));
  ASSERT_TRUE(v1) << v1.error().message;
  ASSERT_TRUE(put("greet", script_returning(2)));  // its clean-up of v1 is now in flight
  auto again = put("greet", script_returning(1));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->version, v1->version);
  settle();
  EXPECT_EQ(current_version("greet"), v1->version);
  ASSERT_TRUE(h.start("greet", "after"));
  restart();
  EXPECT_EQ(current_version("greet"), v1->version);
  h.advance(60'000);
  EXPECT_EQ(h.status("after"), InstanceStatus::kCompleted);
}

}  // namespace
}  // namespace sundial::lua
