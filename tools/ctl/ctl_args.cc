#include "tools/ctl/ctl_args.h"

#include <algorithm>

#include "engine/base/closest_match.h"
#include "tools/ctl/plural.h"

namespace sundial::ctl {

const std::vector<FlagSpec>& global_flags() {
  static const std::vector<FlagSpec> flags = {
      {"--server", "URL", "sundiald's address (default $SUNDIAL_SERVER or http://127.0.0.1:8080)"},
      {"--token", "TOKEN", "admin bearer token (default $SUNDIAL_ADMIN_TOKEN)"},
      {"--data-dir", "DIR", "read a data directory directly, read-only (list, show, history, timers, stats)"},
      {"-o", "FORMAT", "table (default), wide (more columns, nothing cut) or json"},
      {"--help", "", "help for the tool or a verb (also: sundialctl help VERB)"},
  };
  return flags;
}

namespace {

std::string first_word(const std::string& name) { return name.substr(0, name.find(' ')); }

bool has_alias(const VerbSpec& v, const std::string& word) {
  return std::find(v.aliases.begin(), v.aliases.end(), word) != v.aliases.end();
}

// The group a noun names: itself, or the group it is an alias of.
std::string canonical_noun(const std::string& noun) {
  for (const auto& [alias, group] : noun_aliases()) {
    if (alias == noun) return group;
  }
  return noun;
}

}  // namespace

const VerbSpec* find_verb(const std::string& name) {
  for (const auto& v : verb_specs()) {
    if (v.name == name) return &v;
  }
  size_t space = name.find(' ');
  const std::string noun = space == std::string::npos ? name : canonical_noun(name.substr(0, space));
  const std::string sub = space == std::string::npos ? "" : name.substr(space + 1);
  for (const auto& v : verb_specs()) {
    bool grouped = v.name.find(' ') != std::string::npos;
    if (grouped != (space != std::string::npos)) continue;
    if (!grouped && has_alias(v, name)) return &v;
    if (grouped && first_word(v.name) == noun && (sub_verb_of(v.name) == sub || has_alias(v, sub))) return &v;
  }
  return nullptr;
}

std::vector<std::string> sub_verbs(const std::string& group) {
  std::vector<std::string> out;
  for (const auto& v : verb_specs()) {
    if (v.name.size() > group.size() + 1 && v.name.starts_with(group) && v.name[group.size()] == ' ')
      out.push_back(v.name.substr(group.size() + 1));
  }
  return out;
}

std::string sub_verb_of(const std::string& verb) { return verb.substr(verb.rfind(' ') + 1); }

namespace {

Error usage(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string hint = closest_match(word, candidates);
  return hint.empty() ? "" : "; did you mean '" + hint + "'?";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

void add_once(std::vector<std::string>& words, const std::string& word) {
  if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
}

// What a user may type first: single verbs, group nouns and their aliases,
// each once.
std::vector<std::string> first_words() {
  std::vector<std::string> out;
  for (const auto& v : verb_specs()) {
    add_once(out, first_word(v.name));
    if (v.name.find(' ') == std::string::npos) {
      for (const auto& a : v.aliases) add_once(out, a);
    }
  }
  for (const auto& [alias, group] : noun_aliases()) add_once(out, alias);
  add_once(out, "help");
  return out;
}

Error unknown_sub_verb(const std::string& group, const std::string& word) {
  std::vector<std::string> subs = sub_verbs(group);
  std::vector<std::string> candidates = subs;
  for (const auto& s : subs) {
    for (const auto& a : find_verb(group + " " + s)->aliases) add_once(candidates, a);
  }
  return usage("unknown sub-verb '" + word + "' for '" + group + "'" + suggestion(word, candidates) +
               " (one of: " + joined(subs) + ")");
}

bool is_optional(const std::string& positional) { return positional.starts_with("["); }

size_t required_positionals(const VerbSpec& verb) {
  return static_cast<size_t>(std::count_if(verb.positionals.begin(), verb.positionals.end(),
                                           [](const std::string& p) { return !is_optional(p); }));
}

std::string usage_line(const VerbSpec& verb) {
  std::string out = "usage: sundialctl " + verb.name;
  for (const auto& p : verb.positionals) out += " " + p;
  for (const auto& f : verb.flags)
    out += " [" + f.name + (f.value_name.empty() ? "" : " " + f.value_name) + "]";
  return out;
}

Error wrong_argument_count(const VerbSpec& verb) {
  size_t required = required_positionals(verb);
  size_t most = verb.positionals.size();
  std::string takes = required == most ? count_of(most, "argument")
                      : required == 0  ? "at most " + count_of(most, "argument")
                                       : std::to_string(required) + " to " + count_of(most, "argument");
  return usage("'" + verb.name + "' takes " + takes + ": " + usage_line(verb));
}

std::string data_dir_verbs() {
  std::vector<std::string> names;
  for (const auto& v : verb_specs()) {
    if (v.reads_data_dir) names.push_back(v.name);
  }
  return joined(names);
}

}  // namespace

Result<Invocation> parse_ctl_args(const std::vector<std::string>& args) {
  Invocation inv;
  const VerbSpec* verb = nullptr;
  std::string group;       // set when the first word is a group: its sub-verb comes next
  bool help_word = false;  // `help VERB`: the words after it name the verb
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto take_value = [&](const std::string& name) -> Result<std::string> {
      if (value) return *value;
      if (i + 1 >= args.size()) return std::unexpected(usage("flag '" + name + "' needs a value"));
      return args[++i];
    };
    if (arg == "-h" || arg == "--help") {
      inv.help = true;
      continue;
    }
    if (arg == "--server" || arg == "--token" || arg == "--data-dir" || arg == "-o" || arg == "--output") {
      SUNDIAL_ASSIGN_OR_RETURN(std::string v, take_value(arg));
      if (arg == "--server") inv.server = v;
      if (arg == "--token") inv.token = v;
      if (arg == "--data-dir") inv.data_dir = v;
      if (arg == "-o" || arg == "--output") {
        if (v != "json" && v != "table" && v != "wide")
          return std::unexpected(usage("-o takes 'table', 'wide' or 'json', not '" + v + "'"));
        inv.json_output = v == "json";
        inv.wide_output = v == "wide";
      }
      continue;
    }
    if (arg.starts_with("-") && arg.size() > 1) {
      std::vector<std::string> known;
      for (const auto& g : global_flags()) known.push_back(g.name);
      if (verb != nullptr) {
        for (const auto& f : verb->flags) known.push_back(f.name);
      }
      const FlagSpec* spec = nullptr;
      if (verb != nullptr) {
        auto it = std::find_if(verb->flags.begin(), verb->flags.end(),
                               [&](const FlagSpec& f) { return f.name == arg; });
        if (it != verb->flags.end()) spec = &*it;
      }
      if (spec == nullptr) {
        return std::unexpected(usage("unknown flag '" + arg + "'" +
                                     (verb ? " for '" + verb->name + "'" : "") + suggestion(arg, known)));
      }
      if (spec->value_name.empty()) {  // a switch: present or not
        if (value) return std::unexpected(usage("flag '" + arg + "' takes no value"));
        inv.flags[arg] = "";
        continue;
      }
      SUNDIAL_ASSIGN_OR_RETURN(inv.flags[arg], take_value(arg));
      continue;
    }
    if (verb == nullptr && group.empty() && !help_word && arg == "help") {
      help_word = true;
      inv.help = true;
      continue;
    }
    if (verb == nullptr && !group.empty()) {
      verb = find_verb(group + " " + arg);
      if (verb == nullptr) return std::unexpected(unknown_sub_verb(group, arg));
      inv.verb = verb->name;
      continue;
    }
    if (verb == nullptr) {
      verb = find_verb(arg);
      std::string noun = canonical_noun(arg);
      if (verb == nullptr && !sub_verbs(noun).empty()) {
        group = noun;
        inv.verb = noun;
        continue;
      }
      if (verb == nullptr) {
        return std::unexpected(usage("unknown command '" + arg + "'" + suggestion(arg, first_words())));
      }
      inv.verb = verb->name;
      continue;
    }
    inv.positionals.push_back(arg);
  }
  if (inv.help) return inv;
  if (verb == nullptr && !group.empty()) {
    return std::unexpected(usage("'" + group + "' needs a sub-verb: one of " + joined(sub_verbs(group))));
  }
  if (verb == nullptr) return std::unexpected(usage("no verb given"));
  if (inv.positionals.size() < required_positionals(*verb) ||
      inv.positionals.size() > verb->positionals.size()) {
    return std::unexpected(wrong_argument_count(*verb));
  }
  if (inv.data_dir && !verb->reads_data_dir) {
    return std::unexpected(
        usage("'" + verb->name + "' needs a running server; --data-dir serves only " + data_dir_verbs()));
  }
  return inv;
}

std::string verb_usage(const VerbSpec& verb) {
  std::string out = usage_line(verb) + "\n\n" + verb.summary + "\n";
  if (!verb.aliases.empty()) {
    std::string prefix = verb.name.find(' ') == std::string::npos ? "" : first_word(verb.name) + " ";
    std::vector<std::string> names;
    for (const auto& a : verb.aliases) names.push_back(prefix + a);
    out += "Also: " + joined(names) + ".\n";
  }
  if (!verb.flags.empty()) out += "\n";
  for (const auto& f : verb.flags) {
    std::string left = "  " + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    out += left + std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') + f.help + "\n";
  }
  if (!verb.notes.empty()) out += "\n" + verb.notes + "\n";
  out += "\nGlobal flags (--server, --token, --data-dir, -o table|wide|json): sundialctl --help.\n";
  return out;
}

std::string help_text(const std::string& verb) {
  if (const VerbSpec* v = find_verb(verb)) return verb_usage(*v);
  std::vector<std::string> subs = sub_verbs(verb);
  if (verb.empty() || subs.empty()) return tool_usage();
  std::string out = "usage: sundialctl " + verb + " SUB-VERB ...\n\nSub-verbs:\n";
  size_t width = 0;
  for (const auto& s : subs) width = std::max(width, s.size());
  for (const auto& s : subs) {
    out += "  " + s + std::string(width + 2 - s.size(), ' ') + find_verb(verb + " " + s)->summary + "\n";
  }
  out += "\n`sundialctl " + verb + " SUB-VERB --help` for one.\n";
  return out;
}

std::string tool_usage() {
  std::string out =
      "usage: sundialctl [--server URL] [--token T] [--data-dir DIR] [-o table|wide|json] VERB ...\n\n"
      "Inspect and steer Sundial workflows and task queues.\n\nVerbs:\n";
  size_t width = 0;
  for (const auto& v : verb_specs()) width = std::max(width, v.name.size());
  for (const auto& v : verb_specs())
    out += "  " + v.name + std::string(width + 2 - v.name.size(), ' ') + v.summary + "\n";
  out += "\nAliases:\n";
  for (const auto& v : verb_specs()) {
    if (v.aliases.empty()) continue;
    std::string prefix = v.name.find(' ') == std::string::npos ? "" : first_word(v.name) + " ";
    std::vector<std::string> names;
    for (const auto& a : v.aliases) names.push_back(prefix + a);
    out += "  " + joined(names) + " = " + v.name + "\n";
  }
  for (const auto& [alias, group] : noun_aliases()) out += "  " + alias + " ... = " + group + " ...\n";
  out += "\nFlags:\n";
  for (const auto& f : global_flags()) {
    std::string left = "  " + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    out += left + std::string(left.size() < 20 ? 20 - left.size() : 1, ' ') + f.help + "\n";
  }
  out +=
      "\nExit codes: 0 ok, 1 failure, 2 usage, 3 not found. `sundialctl help VERB` or "
      "`sundialctl VERB --help` for a verb.\n";
  return out;
}

}  // namespace sundial::ctl
