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

// A flag with no value name is a switch: present or absent, never
// swallowing the next argument.
TEST(CtlArgsTest, SwitchesTakeNoValue) {
  auto inv = parse_ctl_args({"kv", "list", "--deleted", "map", "--conflicted"});
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_EQ(inv->positionals, (std::vector<std::string>{"map"}));
  EXPECT_TRUE(inv->flags.contains("--deleted"));
  EXPECT_TRUE(inv->flags.contains("--conflicted"));
  EXPECT_FALSE(inv->flags.contains("--prefix"));
  auto valued = parse_ctl_args({"kv", "list", "map", "--deleted=yes"});
  ASSERT_FALSE(valued);
  EXPECT_NE(valued.error().message.find("takes no value"), std::string::npos) << valued.error().message;
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

TEST(CtlArgsTest, ResourceNounsTakeASubVerb) {
  auto pause = parse_ctl_args({"queues", "-o", "json", "pause", "emails"});
  ASSERT_TRUE(pause) << pause.error().message;
  EXPECT_EQ(pause->verb, "queues pause");
  EXPECT_EQ(pause->positionals, (std::vector<std::string>{"emails"}));
  EXPECT_TRUE(pause->json_output);
  EXPECT_EQ(sub_verb_of(pause->verb), "pause");
  EXPECT_EQ(sub_verb_of("pause"), "pause");
  auto list = parse_ctl_args({"tasks", "list", "emails", "--status", "failed", "--limit=5"});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->verb, "tasks list");
  EXPECT_EQ(list->flags.at("--status"), "failed");
  EXPECT_EQ(list->flags.at("--limit"), "5");
  // The flags are the sub-verb's own: `queues set`'s flag is not `tasks list`'s.
  EXPECT_FALSE(parse_ctl_args({"tasks", "list", "q", "--max-in-flight", "3"}));
  EXPECT_TRUE(parse_ctl_args({"queues", "set", "q", "--max-in-flight", "none"}));
  EXPECT_FALSE(parse_ctl_args({"tasks", "show"}));                      // missing ID
  EXPECT_FALSE(parse_ctl_args({"queues", "list", "extra"}));            // too many
  EXPECT_FALSE(parse_ctl_args({"--data-dir", "d", "queues", "list"}));  // needs the server
}

TEST(CtlArgsTest, AnUnknownOrMissingSubVerbListsTheValidOnes) {
  auto typo = parse_ctl_args({"queues", "paus", "emails"});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("unknown sub-verb 'paus' for 'queues'"), std::string::npos)
      << typo.error().message;
  EXPECT_NE(typo.error().message.find("did you mean 'pause'"), std::string::npos) << typo.error().message;
  EXPECT_NE(typo.error().message.find("list, pause, resume, set"), std::string::npos) << typo.error().message;
  auto none = parse_ctl_args({"tasks"});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("'tasks' needs a sub-verb"), std::string::npos) << none.error().message;
  EXPECT_NE(none.error().message.find("list, show, enqueue, retry, cancel"), std::string::npos)
      << none.error().message;
  auto noun = parse_ctl_args({"queus", "list"});
  ASSERT_FALSE(noun);
  EXPECT_NE(noun.error().message.find("did you mean 'queues'"), std::string::npos) << noun.error().message;
  // A flag of a sub-verb before the sub-verb is not known yet.
  EXPECT_FALSE(parse_ctl_args({"queues", "--max-in-flight", "3", "set", "q"}));
}

TEST(CtlArgsTest, HelpForAGroupListsItsSubVerbs) {
  auto group = parse_ctl_args({"queues", "--help"});
  ASSERT_TRUE(group);
  EXPECT_TRUE(group->help);
  std::string text = help_text(group->verb);
  for (const char* sub : {"list", "pause", "resume", "set"})
    EXPECT_NE(text.find(std::string("  ") + sub + " "), std::string::npos) << sub << " in " << text;
  auto one = parse_ctl_args({"tasks", "enqueue", "--help"});
  ASSERT_TRUE(one);
  EXPECT_NE(help_text(one->verb).find("usage: sundialctl tasks enqueue QUEUE"), std::string::npos);
  EXPECT_NE(help_text(one->verb).find("--dedupe-key KEY"), std::string::npos);
  EXPECT_EQ(help_text(""), tool_usage());
  EXPECT_EQ(sub_verbs("list"), std::vector<std::string>{});  // a plain verb is no group
}

TEST(CtlArgsTest, EveryVerbInTheTableHasAHandlerAndAUniqueName) {
  std::set<std::string> names;
  for (const VerbSpec& verb : verb_specs()) {
    EXPECT_NE(verb.run, nullptr) << verb.name;
    EXPECT_TRUE(names.insert(verb.name).second) << "twice: " << verb.name;
    EXPECT_EQ(find_verb(verb.name), &verb);
    EXPECT_NE(tool_usage().find("  " + verb.name + " "), std::string::npos) << verb.name;
    // A sub-verb's noun is no verb of its own: that row would hide the group.
    if (size_t space = verb.name.find(' '); space != std::string::npos) {
      EXPECT_EQ(find_verb(verb.name.substr(0, space)), nullptr) << verb.name;
    }
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
