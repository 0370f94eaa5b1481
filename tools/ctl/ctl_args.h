// sundialctl's command line: global flags (anywhere), a verb, its
// positional arguments and flags, each checked against the verb's spec.
// A verb is one word ("list") or a resource noun and a sub-verb
// ("queues pause"): a table row named "NOUN SUB" makes NOUN a group, and
// nothing else declares groups. Unknown verbs, sub-verbs and flags are
// usage errors that suggest the closest name (a group's lists its
// sub-verbs).
//
// Threading: pure.
#pragma once

#include <map>
#include <optional>
#include <string>
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
  std::vector<std::string> positionals;  // "ID", "NAME"
  std::vector<FlagSpec> flags;
  std::string summary;
  bool reads_data_dir = false;  // works with --data-dir
};

// The verb table, in the order `--help` lists it.
const std::vector<VerbSpec>& verb_specs();
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
  bool json_output = false;
  bool help = false;
};

// A usage error (exit 2) is ErrorCode::kInvalidArgument.
Result<Invocation> parse_ctl_args(const std::vector<std::string>& args);

std::string tool_usage();
std::string verb_usage(const VerbSpec& verb);
// What `--help` prints after `verb` (a verb, a group or empty).
std::string help_text(const std::string& verb);
const VerbSpec* find_verb(const std::string& name);
// The sub-verbs of a group ("queues" → list, pause, ...), in table order;
// empty when `group` is none.
std::vector<std::string> sub_verbs(const std::string& group);
// The last word of a verb's name: "pause" for both "pause" and "queues pause".
std::string sub_verb_of(const std::string& verb);

}  // namespace sundial::ctl
