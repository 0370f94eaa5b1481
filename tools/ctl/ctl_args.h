// sundialctl's command line: global flags (anywhere), a verb, its
// positional arguments and flags, each checked against the verb's spec.
// A verb is one word ("list") or a resource noun and a sub-verb
// ("queues pause"): a table row named "NOUN SUB" makes NOUN a group, and
// nothing else declares groups. A row's aliases name the same verb
// ("describe" for "show", "ls" for "list"), and noun_aliases() the same
// group ("queue" for "queues"); the Invocation always holds the row's own
// name. Unknown verbs, sub-verbs and flags are usage errors that suggest
// the closest name (a group's lists its sub-verbs). `help VERB...` is
// `VERB... --help`.
//
// Threading: pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/error.h"

namespace sundial::ctl {

struct FlagSpec {
  std::string name;        // "--status"
  std::string value_name;  // "STATUS"; empty for a switch
  std::string help;
};

struct VerbContext;
// Runs a verb; returns the exit code.
using VerbHandler = int (*)(VerbContext&);

// One row of the verb table (tools/ctl/verb_table.cc): what the parser
// checks and the function that runs the verb. Adding a verb is one row
// there plus its handler.
struct VerbSpec {
  std::string name;  // "list", or "queues list" for a sub-verb of the group "queues"
  VerbHandler run = nullptr;
  // "ID", "NAME"; a name in brackets ("[ID]") is optional, and only the
  // last ones may be.
  std::vector<std::string> positionals;
  // In the order help prints them: filters (--type, --status, --id-prefix),
  // then what the verb does, then paging (--limit), then --dry-run, --yes.
  std::vector<FlagSpec> flags;
  std::string summary;
  bool reads_data_dir = false;  // works with --data-dir
  // Other names of the row's last word: "describe" for "show", "ls" for
  // "queues list".
  std::vector<std::string> aliases = {};
  // More help, printed after the flags (a paragraph; may be empty).
  std::string notes = {};
};

// The verb table, in the order `--help` lists it.
const std::vector<VerbSpec>& verb_specs();
// Other names of a group noun: {"queue", "queues"}.
const std::vector<std::pair<std::string, std::string>>& noun_aliases();
const std::vector<FlagSpec>& global_flags();

struct Invocation {
  // The row's name ("queues pause"); with --help, also just a group
  // ("queues") or empty.
  std::string verb;
  std::vector<std::string> positionals;
  std::map<std::string, std::string> flags;  // verb flags by name ("--status")
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> data_dir;
  bool json_output = false;  // -o json
  bool wide_output = false;  // -o wide: tables with more columns, nothing cut
  bool help = false;
};

// A usage error (exit 2) is ErrorCode::kInvalidArgument.
Result<Invocation> parse_ctl_args(const std::vector<std::string>& args);

std::string tool_usage();
std::string verb_usage(const VerbSpec& verb);
// What `--help` prints after `verb` (a verb, a group or empty).
std::string help_text(const std::string& verb);
// The row named `name` ("show", "queues pause"), or whose name it is by
// aliases ("describe", "queue ls"); null when none.
const VerbSpec* find_verb(const std::string& name);
// The sub-verbs of a group ("queues" → list, pause, ...), in table order;
// empty when `group` is none.
std::vector<std::string> sub_verbs(const std::string& group);
// The last word of a verb's name: "pause" for both "pause" and "queues pause".
std::string sub_verb_of(const std::string& verb);

}  // namespace sundial::ctl
