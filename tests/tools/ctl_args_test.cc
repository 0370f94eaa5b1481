#include "tools/ctl/ctl_args.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "tools/ctl/bulk_request.h"
#include "tools/ctl/event_line.h"
#include "tools/ctl/instance_timer.h"
#include "tools/ctl/plural.h"
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

TEST(CtlArgsTest, UnknownCommandsSuggestVerbsAndAliases) {
  auto describ = parse_ctl_args({"describ", "x"});
  ASSERT_FALSE(describ);
  EXPECT_EQ(describ.error().message, "unknown command 'describ'; did you mean 'describe'?");
  auto lst = parse_ctl_args({"lsit"});
  ASSERT_FALSE(lst);
  EXPECT_NE(lst.error().message.find("did you mean 'list'"), std::string::npos) << lst.error().message;
  auto far = parse_ctl_args({"frobnicate"});
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().message, "unknown command 'frobnicate'");  // nothing close: no guess
  auto sub = parse_ctl_args({"limits", "rn", "github"});
  ASSERT_FALSE(sub);
  EXPECT_NE(sub.error().message.find("did you mean 'rm'"), std::string::npos) << sub.error().message;
}

// An alias runs its row: the Invocation holds the row's own name, so
// handlers that build paths from it (pause, queues pause) see one name.
TEST(CtlArgsTest, AliasesNameTheSameVerb) {
  for (const char* word : {"show", "describe", "get"}) {
    auto inv = parse_ctl_args({word, "x"});
    ASSERT_TRUE(inv) << word << ": " << inv.error().message;
    EXPECT_EQ(inv->verb, "show") << word;
  }
  EXPECT_EQ(parse_ctl_args({"ls", "--status", "failed"})->verb, "list");
  EXPECT_EQ(parse_ctl_args({"queue", "ls"})->verb, "queues list");
  EXPECT_EQ(parse_ctl_args({"queues", "ls"})->verb, "queues list");
  EXPECT_EQ(parse_ctl_args({"limits", "rm", "github"})->verb, "limits delete");
  EXPECT_EQ(parse_ctl_args({"task", "describe", "t1"})->verb, "tasks show");
  EXPECT_EQ(parse_ctl_args({"schedule", "get", "s1"})->verb, "schedules show");
  EXPECT_EQ(parse_ctl_args({"kv", "show", "ns", "k"})->verb, "kv get");
  // No alias hides a verb, a group or another alias.
  std::set<std::string> names;
  for (const VerbSpec& verb : verb_specs()) names.insert(verb.name);
  for (const auto& [alias, group] : noun_aliases()) {
    EXPECT_FALSE(sub_verbs(group).empty()) << alias << " names no group";
    EXPECT_TRUE(names.insert(alias).second) << "twice: " << alias;
  }
  for (const VerbSpec& verb : verb_specs()) {
    std::string prefix =
        verb.name.find(' ') == std::string::npos ? "" : verb.name.substr(0, verb.name.find(' ') + 1);
    for (const auto& a : verb.aliases) {
      EXPECT_TRUE(names.insert(prefix + a).second) << "twice: " << prefix + a;
      EXPECT_EQ(find_verb(prefix + a), &verb) << prefix + a;
    }
  }
}

TEST(CtlArgsTest, HelpVerbIsVerbHelp) {
  for (auto args :
       std::vector<std::vector<std::string>>{{"help", "list"}, {"list", "--help"}, {"help", "ls"}}) {
    auto inv = parse_ctl_args(args);
    ASSERT_TRUE(inv) << inv.error().message;
    EXPECT_TRUE(inv->help);
    EXPECT_EQ(inv->verb, "list");
  }
  auto sub = parse_ctl_args({"help", "queues", "pause"});
  ASSERT_TRUE(sub) << sub.error().message;
  EXPECT_EQ(sub->verb, "queues pause");
  EXPECT_EQ(help_text(sub->verb), help_text("queues pause"));
  auto alone = parse_ctl_args({"help"});
  ASSERT_TRUE(alone);
  EXPECT_EQ(help_text(alone->verb), tool_usage());
  auto typo = parse_ctl_args({"help", "histroy"});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("did you mean 'history'"), std::string::npos);
  EXPECT_NE(help_text("show").find("Also: describe, get."), std::string::npos) << help_text("show");
}

// Reported mis-ordered: every verb lists the flags it shares with others in
// one order (filters, then what the verb does, then paging, then --dry-run,
// --yes), and help prints them in the table's order.
TEST(CtlArgsTest, SharedFlagsComeInOneOrder) {
  const std::vector<std::string> order = {"--type",  "--status",  "--id-prefix",
                                          "--limit", "--dry-run", "--yes"};
  for (const VerbSpec& verb : verb_specs()) {
    size_t last = 0;
    for (const auto& f : verb.flags) {
      auto at = std::find(order.begin(), order.end(), f.name);
      if (at == order.end()) continue;
      size_t rank = static_cast<size_t>(at - order.begin()) + 1;
      EXPECT_GT(rank, last) << verb.name << ": " << f.name << " out of order";
      last = rank;
    }
  }
  EXPECT_NE(
      help_text("list").find("usage: sundialctl list [--type TYPE] [--status STATUS] [--id-prefix PREFIX] "
                             "[--attr NAME=VALUE] [--limit N]\n"),
      std::string::npos)
      << help_text("list");
  std::string text = help_text("list");
  EXPECT_LT(text.find("\n  --type"), text.find("\n  --status"));
  EXPECT_LT(text.find("\n  --status"), text.find("\n  --id-prefix"));
  EXPECT_LT(text.find("\n  --id-prefix"), text.find("\n  --limit"));
}

TEST(CtlArgsTest, OutputFormatsAndOptionalIds) {
  auto wide = parse_ctl_args({"list", "-o", "wide"});
  ASSERT_TRUE(wide);
  EXPECT_TRUE(wide->wide_output);
  EXPECT_FALSE(wide->json_output);
  auto yaml = parse_ctl_args({"-o", "yaml", "list"});
  ASSERT_FALSE(yaml);
  EXPECT_NE(yaml.error().message.find("'table', 'wide' or 'json'"), std::string::npos);
  // pause, resume, cancel, retry and timers take an ID or not (the bulk
  // form, all timers); not two.
  EXPECT_TRUE(parse_ctl_args({"pause", "--type", "nurture", "--yes"}));
  EXPECT_TRUE(parse_ctl_args({"pause", "x"}));
  auto two = parse_ctl_args({"pause", "x", "y"});
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("takes at most 1 argument:"), std::string::npos) << two.error().message;
  EXPECT_TRUE(parse_ctl_args({"timers", "x"}));
  EXPECT_TRUE(parse_ctl_args({"--data-dir", "d", "timers", "x"}));
  auto none = parse_ctl_args({"show"});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("'show' takes 1 argument:"), std::string::npos) << none.error().message;
  auto signal = parse_ctl_args({"signal", "x"});
  ASSERT_FALSE(signal);
  EXPECT_NE(signal.error().message.find("takes 2 arguments"), std::string::npos) << signal.error().message;
  auto skip = parse_ctl_args({"skip", "x", "--result", "{\"ok\":true}", "--reason", "bounced"});
  ASSERT_TRUE(skip) << skip.error().message;
  EXPECT_EQ(skip->flags.at("--result"), "{\"ok\":true}");
  EXPECT_TRUE(parse_ctl_args({"retry", "x", "--policy", "fire"}));
  EXPECT_FALSE(parse_ctl_args({"pause", "--policy", "fire"}));  // pause has no policy
  EXPECT_FALSE(parse_ctl_args({"resume", "--reason", "r"}));    // only cancel has a reason
}

TEST(TableTest, AlignsColumnsAndShrinksToTheWidth) {
  // No whole column here: any column may shrink (NeverCutsIds: the ids).
  Table t{{"ID", "STATUS"}, {{"a", "waiting"}, {"long-instance-id-here", "completed"}}, {}};
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

// Ids are never cut, so they can be copied: the other columns shrink, and
// a table too wide even so wraps.
TEST(TableTest, NeverCutsIds) {
  const std::string id = "nurture-ada-lovelace-0123456789";
  Table t{{"ID", "LAST ERROR"}, {{id, "SMTP 550: mailbox unavailable, try again later"}}};
  std::string narrow = t.render(40, false);
  EXPECT_NE(narrow.find(id + "  "), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("…"), std::string::npos) << narrow;
  std::string tiny = t.render(10, false);
  EXPECT_NE(tiny.find(id), std::string::npos) << tiny;
  Table timers{{"DUE", "AT (UTC)", "FOR"}, {{"in 5m", "2026-01-01T00:00:00.000Z", id}}, {2}};
  EXPECT_NE(timers.render(20, false).find(id), std::string::npos);
  // One cell of a FIELD/VALUE table: the id row's value, not the input's.
  Table fields{{"FIELD", "VALUE"}, {{"id", id}, {"input", std::string(80, 'x')}}, {0}, {{0, 1}}};
  std::string shown = fields.render(30, false);
  EXPECT_NE(shown.find(id), std::string::npos) << shown;
  EXPECT_EQ(shown.find(std::string(80, 'x')), std::string::npos) << shown;
}

// The pure text pieces: counted nouns, the bulk commands' request and
// lines, what an instance's timer is for, and the events' columns.

using nlohmann::json;

TEST(PluralTest, CountsNounsInEnglish) {
  EXPECT_EQ(count_of(1, "instance"), "1 instance");
  EXPECT_EQ(count_of(2, "instance"), "2 instances");
  EXPECT_EQ(count_of(0, "instance"), "0 instances");
  EXPECT_EQ(count_of(3, "entry"), "3 entries");
  EXPECT_EQ(count_of(1, "entry"), "1 entry");
  EXPECT_EQ(count_of(2, "key"), "2 keys");  // a vowel before the y
  EXPECT_EQ(count_of(2, "match"), "2 matches");
  EXPECT_EQ(count_of(2, "process"), "2 processes");
  EXPECT_EQ(count_of(2, "person", "people"), "2 people");
  EXPECT_EQ(count_of(1, "person", "people"), "1 person");
}

Invocation bulk(const std::string& verb, std::map<std::string, std::string> flags) {
  Invocation inv;
  inv.verb = verb;
  inv.flags = std::move(flags);
  return inv;
}

TEST(BulkRequestTest, BuildsTheBodyOfTheContract) {
  auto pause = bulk_request(bulk("pause", {{"--type", "nurture"}, {"--status", "waiting"}}));
  ASSERT_TRUE(pause) << pause.error().message;
  EXPECT_EQ(bulk_path("pause"), "/api/v1/instances:pause");
  EXPECT_EQ(bulk_body(*pause, true),
            json::parse(R"({"filter":{"type":"nurture","status":"waiting"},"dry_run":true})"));
  EXPECT_EQ(bulk_body(*pause, false), json::parse(R"({"filter":{"type":"nurture","status":"waiting"}})"));
  auto resume =
      bulk_request(bulk("resume", {{"--id-prefix", "nurture-"}, {"--policy", "fire"}, {"--yes", ""}}));
  ASSERT_TRUE(resume);
  EXPECT_TRUE(resume->yes);
  EXPECT_FALSE(resume->dry_run);
  EXPECT_EQ(bulk_body(*resume, false), json::parse(R"({"filter":{"id_prefix":"nurture-"},"policy":"fire"})"));
  auto cancel =
      bulk_request(bulk("cancel", {{"--status", "failed"}, {"--reason", "bad batch"}, {"--dry-run", ""}}));
  ASSERT_TRUE(cancel);
  EXPECT_TRUE(cancel->dry_run);
  EXPECT_EQ(bulk_body(*cancel, true),
            json::parse(R"({"filter":{"status":"failed"},"dry_run":true,"reason":"bad batch"})"));
  auto retry = bulk_request(bulk("retry", {{"--type", "t"}}));
  ASSERT_TRUE(retry);
  EXPECT_FALSE(bulk_body(*retry, false).contains("policy"));  // the server's default: shift
}

TEST(BulkRequestTest, RefusesWhatTheServerWouldNotTake) {
  auto none = bulk_request(bulk("pause", {{"--yes", ""}}));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message.find("at least one of --type, --status, --id-prefix"), std::string::npos)
      << none.error().message;
  auto status = bulk_request(bulk("pause", {{"--status", "sleeping"}}));
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("unknown status 'sleeping'"), std::string::npos);
  EXPECT_FALSE(bulk_request(bulk("resume", {{"--type", "t"}, {"--policy", "later"}})));
  EXPECT_FALSE(bulk_request(bulk("pause", {{"--type", ""}})));
  EXPECT_TRUE(uses_bulk_flags(bulk("pause", {{"--dry-run", ""}})));
  EXPECT_FALSE(uses_bulk_flags(bulk("resume", {{"--policy", "fire"}})));
}

TEST(BulkRequestTest, SaysWhatWouldAndDidHappen) {
  auto pause = bulk_request(bulk("pause", {{"--type", "nurture"}, {"--status", "waiting"}}));
  ASSERT_TRUE(pause);
  // A dry run changes nothing: the matches are what would change.
  json dry = {{"matched", 42}, {"changed", 0}, {"refused", 0}, {"dry_run", true}, {"errors", json::array()}};
  EXPECT_EQ(would_change(dry), 42u);
  EXPECT_EQ(would_text(*pause, dry), "would pause 42 instances (type=nurture, status=waiting)");
  json done = {{"matched", 42}, {"changed", 42}, {"refused", 0}, {"errors", json::array()}};
  EXPECT_EQ(done_text(*pause, done), "paused 42 of 42 matching instances");
  json one = {{"matched", 1}, {"changed", 1}, {"refused", 0}};
  EXPECT_EQ(would_text(*pause, json{{"matched", 1}, {"changed", 0}}),
            "would pause 1 instance (type=nurture, status=waiting)");
  EXPECT_EQ(done_text(*pause, one), "paused 1 of 1 matching instance");
  EXPECT_EQ(would_text(*pause, json{{"matched", 5}, {"changed", 0}, {"refused", 2}}),
            "would pause 3 instances (type=nurture, status=waiting); 2 more would be refused");
  EXPECT_EQ(would_change(json{{"matched", 0}}), 0u);
  json some = {{"matched", 5}, {"changed", 3}, {"refused", 2}};
  EXPECT_EQ(done_text(*pause, some), "paused 3 of 5 matching instances; 2 refused");
  EXPECT_EQ(past_tense("resume"), "resumed");
  EXPECT_EQ(past_tense("cancel"), "cancelled");
  EXPECT_EQ(past_tense("retry"), "retried");
  EXPECT_EQ(filter_text(json{{"id_prefix", "n-"}, {"type", "t"}}), "type=t, id-prefix=n-");
}

json described(json fields) {
  json d = {{"id", "i1"},
            {"status", "waiting"},
            {"current_step", nullptr},
            {"next_timer", 5000},
            {"waiting_for_signals", json::array()},
            {"attempts", 0}};
  if (fields.is_object()) d.update(fields);
  return d;
}

TEST(InstanceTimerTest, SaysWhatTheTimerIsFor) {
  auto sleep = instance_timer(described({}));
  ASSERT_TRUE(sleep);
  EXPECT_EQ(sleep->kind, "sleep");
  EXPECT_EQ(sleep->due, 5000);
  EXPECT_FALSE(sleep->held);
  auto wait = instance_timer(described({{"waiting_for_signals", {"go", "stop"}}}));
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->kind, "signal-timeout");
  EXPECT_EQ(wait->detail, "waiting for go, stop");
  auto retry =
      instance_timer(described({{"status", "running"}, {"current_step", "charge"}, {"attempts", 2}}));
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->kind, "step-retry");
  EXPECT_EQ(retry->detail, "step charge, attempt 3");
  auto window = instance_timer(described({{"status", "waiting"}, {"current_step", "send-2"}, {"window_opens_at", 5000}}));
  ASSERT_TRUE(window);
  EXPECT_EQ(window->kind, "send-window");
  EXPECT_EQ(window->detail, "step send-2 starts when its send window opens");
  auto debounce = instance_timer(
      described({{"status", "queued"}, {"concurrency", {{"key", "k"}, {"debounce_until", 5000}}}}));
  ASSERT_TRUE(debounce);
  EXPECT_EQ(debounce->kind, "debounce");
  auto paused = instance_timer(described({{"status", "paused"}}));
  ASSERT_TRUE(paused);
  EXPECT_TRUE(paused->held);
  EXPECT_EQ(paused->detail, "held while paused");
  EXPECT_FALSE(instance_timer(described({{"next_timer", nullptr}})));
  EXPECT_FALSE(instance_timer(described({{"status", "completed"}})));
  json j = instance_timers_json(described({}));
  EXPECT_EQ(j["instance_id"], "i1");
  ASSERT_EQ(j["timers"].size(), 1u);
  EXPECT_EQ(j["timers"][0]["kind"], "sleep");
  EXPECT_EQ(j["timers"][0]["due_at"], 5000);
  EXPECT_TRUE(instance_timers_json(described({{"next_timer", nullptr}}))["timers"].empty());
}

TEST(EventColumnsTest, AlignsTheStreamAndWidensForLongerCells) {
  EventColumns columns(false);
  std::string header = columns.header();
  std::string a = columns.line({{"seq", 7}, {"at", 0}, {"type", "instance_started"}, {"instance_id", "c1"}});
  std::string b = columns.line({{"seq", 12345},
                                {"at", 0},
                                {"type", "step_failed"},
                                {"instance_id", "c2"},
                                {"name", "send"},
                                {"detail", "boom"}});
  EXPECT_EQ(header.find("AT (UTC)"), a.find("1970-01-01T00:00:00.000Z"));
  EXPECT_EQ(a.find("instance_started"), b.find("step_failed"));
  EXPECT_EQ(a.find("c1"), b.find("c2"));
  EXPECT_EQ(header.find("INSTANCE"), a.find("c1"));
  EXPECT_EQ(header.find("NAME"), b.find("send"));
  EXPECT_EQ(b.back(), '\n');
  EXPECT_EQ(a.find("  \n"), std::string::npos);  // no trailing blanks
  // A longer id widens its column from then on; nothing is cut.
  std::string long_id(30, 'x');
  std::string c =
      columns.line({{"seq", 8}, {"at", 0}, {"type", "completed"}, {"instance_id", long_id}, {"name", "n"}});
  std::string d =
      columns.line({{"seq", 9}, {"at", 0}, {"type", "completed"}, {"instance_id", "c3"}, {"name", "n"}});
  EXPECT_NE(c.find(long_id), std::string::npos);
  EXPECT_EQ(c.find(" n"), d.find(" n"));
  EventColumns wide(true);
  EXPECT_NE(wide.header().find("WORKFLOW"), std::string::npos);
  EXPECT_NE(
      wide.line({{"seq", 1}, {"at", 0}, {"type", "t"}, {"instance_id", "i"}, {"workflow_type", "nurture"}})
          .find("nurture"),
      std::string::npos);
}

}  // namespace
}  // namespace sundial::ctl
