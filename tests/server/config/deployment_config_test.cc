// What installing and running sundiald as a service relies on (issue 21):
// the example configuration shipped in dist/ parses with the real parser;
// the shipped data (templates, scripts) is found beside the binary, in an
// install and in a build tree; the command line's --version, --log-level
// (warn or warning) and --bench-workflows; and a usage error is one line
// plus a pointer to --help, not the whole usage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/config/config_file.h"
#include "server/config/daemon_args.h"
#include "tests/server/config/parse_config.h"
#include "tests/support/temp_dir.h"
#include "workflows/shipped_scripts.h"

namespace sundial {
namespace {

namespace fs = std::filesystem;

TEST(DeploymentConfigTest, TheExampleConfigParsesWithTheRealParser) {
  DaemonConfig c;
  auto applied = apply_config_file(SUNDIAL_SOURCE_DIR "/dist/sundial.toml", c);
  ASSERT_TRUE(applied) << applied.error().message;
  // What the systemd unit relies on: its StateDirectory, loopback behind a proxy.
  EXPECT_EQ(c.engine.data_dir, "/var/lib/sundial");
  EXPECT_EQ(c.server.listen_host, "127.0.0.1");
  EXPECT_EQ(c.server.log_format, "json");
  EXPECT_EQ(c.server.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
  // The templates are left to their default: beside the installed binary.
  EXPECT_EQ(c.nurture.templates_dir, DaemonConfig{}.nurture.templates_dir);
  EXPECT_FALSE(c.bench.workflows);
}

TEST(DeploymentConfigTest, TheUnitStartsSundialdOnTheInstalledConfig) {
  std::ifstream in(SUNDIAL_SOURCE_DIR "/dist/sundiald.service.in");
  std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* line :
       {"Type=simple\n", "ExecStart=@SUNDIAL_BIN_DIR@/sundiald --config @SUNDIAL_CONFIG@\n",
        "DynamicUser=yes\n", "StateDirectory=sundial\n", "ProtectSystem=strict\n", "NoNewPrivileges=yes\n",
        "Restart=on-failure\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
}

// An install: <prefix>/bin/sundiald finds <prefix>/share/sundial.
TEST(DeploymentConfigTest, ShippedDataIsFoundBesideAnInstalledBinary) {
  testing::TempDir dir;
  fs::create_directories(dir.sub("prefix/bin"));
  fs::create_directories(dir.sub("prefix/share/sundial/templates/nurture"));
  EXPECT_EQ(find_shipped_data_dir(dir.sub("prefix/bin/sundiald")), fs::path(dir.sub("prefix/share/sundial")));
}

// A build tree: sundiald in <build>/server/ finds <build>/share/sundial
// (links to the source tree); a test deeper down finds the share/sundial
// of the folder holding CMakeCache.txt.
TEST(DeploymentConfigTest, ShippedDataIsFoundInABuildTree) {
  testing::TempDir dir;
  fs::create_directories(dir.sub("build/share/sundial/templates"));
  fs::create_directories(dir.sub("build/server"));
  fs::create_directories(dir.sub("build/tests/server/config"));
  std::ofstream(dir.sub("build/CMakeCache.txt")) << "# cache\n";
  fs::path expected = dir.sub("build/share/sundial");
  EXPECT_EQ(find_shipped_data_dir(dir.sub("build/server/sundiald")), expected);
  EXPECT_EQ(find_shipped_data_dir(dir.sub("build/tests/server/config/config_tests")), expected);
  // This very test binary, which lives in a build tree.
  EXPECT_TRUE(fs::is_directory(shipped_data_dir() / "templates")) << shipped_data_dir();
  EXPECT_FALSE(shipped_script_dirs().empty());
}

// Nowhere to be found: the install location is named anyway, so the
// start-up error says where the templates were expected.
TEST(DeploymentConfigTest, WithoutShippedDataTheInstallLocationIsNamed) {
  testing::TempDir dir;
  fs::create_directories(dir.sub("opt/bin"));
  EXPECT_EQ(find_shipped_data_dir(dir.sub("opt/bin/sundiald")), fs::path(dir.sub("opt/share/sundial")));
}

TEST(DeploymentConfigTest, VersionFlag) {
  auto parsed = parse_daemon_args({"--version"});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->show_version);
  EXPECT_FALSE(parse_daemon_args({"--version=1"}));
  EXPECT_NE(daemon_usage().find("--version"), std::string::npos);
}

TEST(DeploymentConfigTest, LogLevelWarnIsCanonicalAndWarningIsAccepted) {
  for (const char* given : {"warn", "warning"}) {
    auto file = parse_config(std::string("[server]\nlog_level = \"") + given + "\"\n");
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->server.log_level, "warn");
    auto flag = parse_daemon_args({"--log-level", given});
    ASSERT_TRUE(flag) << flag.error().message;
    EXPECT_EQ(flag->config.server.log_level, "warn");
  }
  auto flag = parse_daemon_args({"--log-level=error"});
  ASSERT_TRUE(flag) << flag.error().message;
  EXPECT_EQ(flag->config.server.log_level, "error");
  auto bad = parse_daemon_args({"--log-level", "loud"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--log-level: 'loud' is not a log level"), std::string::npos)
      << bad.error().message;
}

TEST(DeploymentConfigTest, BenchWorkflowsOnlyWhenAskedFor) {
  auto none = parse_daemon_args({});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->config.bench.workflows);
  auto flag = parse_daemon_args({"--bench-workflows"});
  ASSERT_TRUE(flag) << flag.error().message;
  EXPECT_TRUE(flag->config.bench.workflows);
  EXPECT_FALSE(parse_daemon_args({"--bench-workflows=yes"}));
  auto table = parse_config("[bench]\nworkflows = true\n");
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_TRUE(table->bench.workflows);
  auto wrong = parse_config("[bench]\nworkflows = \"yes\"\n");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("bench.workflows"), std::string::npos) << wrong.error().message;
}

TEST(DeploymentConfigTest, AUsageErrorIsTheMessageAndAPointerToHelp) {
  EXPECT_EQ(daemon_usage_error("--listen: 'x' is not host:port"),
            "sundiald: --listen: 'x' is not host:port\nrun sundiald --help for usage\n");
}

}  // namespace
}  // namespace sundial
