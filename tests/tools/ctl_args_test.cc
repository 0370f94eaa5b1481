#include "tools/ctl/ctl_args.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tools/ctl/table.h"

namespace sundial::ctl {
namespace {

TEST(CtlArgsTest, GlobalFlagsGoAnywhereAndVerbFlagsAreChecked) {
  auto inv = parse_ctl_args({"list", "--status", "waiting", "-o", "json", "--server=http://h:1"});
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_EQ(inv->verb, "list");
  EXPECT_EQ(inv->flags.at("--status"), "waiting");
  EXPECT_TRUE(inv->json_output);
  EXPECT_EQ(inv->server, "http://h:1");
  auto signal = parse_ctl_args({"--token", "t", "signal", "id1", "booked", "--data", "{}"});
  ASSERT_TRUE(signal);
  EXPECT_EQ(signal->positionals, (std::vector<std::string>{"id1", "booked"}));
  EXPECT_EQ(signal->token, "t");
}

TEST(CtlArgsTest, UsageErrorsSuggestTheClosestName) {
  auto verb = parse_ctl_args({"histroy", "x"});
  ASSERT_FALSE(verb);
  EXPECT_NE(verb.error().message.find("did you mean 'history'"), std::string::npos);
  auto flag = parse_ctl_args({"resume", "x", "--polcy", "fire"});
  ASSERT_FALSE(flag);
  EXPECT_NE(flag.error().message.find("did you mean '--policy'"), std::string::npos);
  EXPECT_FALSE(parse_ctl_args({"show"}));                           // missing ID
  EXPECT_FALSE(parse_ctl_args({"list", "extra"}));                  // too many
  EXPECT_FALSE(parse_ctl_args({"-o", "yaml", "list"}));             // bad format
  EXPECT_FALSE(parse_ctl_args({"--data-dir", "d", "pause", "x"}));  // commands need a server
  EXPECT_FALSE(parse_ctl_args({}));
  EXPECT_TRUE(parse_ctl_args({"--help"})->help);
  EXPECT_TRUE(parse_ctl_args({"show", "--help"})->help);
}

TEST(CtlArgsTest, EveryVerbInTheTableHasAHandlerAndAUniqueName) {
  std::set<std::string> names;
  for (const VerbSpec& verb : verb_specs()) {
    EXPECT_NE(verb.run, nullptr) << verb.name;
    EXPECT_TRUE(names.insert(verb.name).second) << "twice: " << verb.name;
    EXPECT_EQ(find_verb(verb.name), &verb);
    EXPECT_NE(tool_usage().find("  " + verb.name + " "), std::string::npos) << verb.name;
  }
  EXPECT_GE(names.size(), 12u);
}

TEST(TableTest, AlignsColumnsAndShrinksToTheWidth) {
  Table t{{"ID", "STATUS"}, {{"a", "waiting"}, {"long-instance-id-here", "completed"}}};
  EXPECT_EQ(t.render(0, false),
            "ID                     STATUS\n"
            "a                      waiting\n"
            "long-instance-id-here  completed\n");
  std::string narrow = t.render(24, false);
  for (size_t start = 0, nl; (nl = narrow.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = narrow.substr(start, nl - start);
    size_t width = 0;
    for (unsigned char c : line) width += (c & 0xC0) != 0x80;
    EXPECT_LE(width, 24u) << line;
  }
  EXPECT_NE(narrow.find("…"), std::string::npos);
  EXPECT_NE(t.render(0, true).find("\033[32mcompleted\033[0m"), std::string::npos);
}

}  // namespace
}  // namespace sundial::ctl
