#include "tools/ctl/ctl_args.h"

#include <algorithm>

#include "engine/base/closest_match.h"

namespace sundial::ctl {

const std::vector<FlagSpec>& global_flags() {
  static const std::vector<FlagSpec> flags = {
      {"--server", "URL", "sundiald's address (default $SUNDIAL_SERVER or http://127.0.0.1:8080)"},
      {"--token", "TOKEN", "admin bearer token (default $SUNDIAL_ADMIN_TOKEN)"},
      {"--data-dir", "DIR", "read a data directory directly, read-only (list, show, history, timers, stats)"},
      {"-o", "FORMAT", "table (default) or json"},
      {"--help", "", "help for the tool or a verb"},
  };
  return flags;
}

const VerbSpec* find_verb(const std::string& name) {
  for (const auto& v : verb_specs()) {
    if (v.name == name) return &v;
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

// What a user may type first: single verbs and group nouns, each once.
std::vector<std::string> first_words() {
  std::vector<std::string> out;
  for (const auto& v : verb_specs()) {
    std::string first = v.name.substr(0, v.name.find(' '));
    if (std::find(out.begin(), out.end(), first) == out.end()) out.push_back(first);
  }
  return out;
}

Error unknown_sub_verb(const std::string& group, const std::string& word) {
  std::vector<std::string> subs = sub_verbs(group);
  return usage("unknown sub-verb '" + word + "' for '" + group + "'" + suggestion(word, subs) +
               " (one of: " + joined(subs) + ")");
}

}  // namespace

Result<Invocation> parse_ctl_args(const std::vector<std::string>& args) {
  Invocation inv;
  const VerbSpec* verb = nullptr;
  std::string group;  // set when the first word is a group: its sub-verb comes next
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
        if (v != "json" && v != "table")
          return std::unexpected(usage("-o takes 'table' or 'json', not '" + v + "'"));
        inv.json_output = v == "json";
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
    if (verb == nullptr && !group.empty()) {
      verb = find_verb(group + " " + arg);
      if (verb == nullptr) return std::unexpected(unknown_sub_verb(group, arg));
      inv.verb = verb->name;
      continue;
    }
    if (verb == nullptr) {
      verb = find_verb(arg);
      if (verb == nullptr && !sub_verbs(arg).empty()) {
        group = arg;
        inv.verb = arg;
        continue;
      }
      if (verb == nullptr) {
        return std::unexpected(usage("unknown verb '" + arg + "'" + suggestion(arg, first_words())));
      }
      inv.verb = arg;
      continue;
    }
    inv.positionals.push_back(arg);
  }
  if (inv.help) return inv;
  if (verb == nullptr && !group.empty()) {
    return std::unexpected(usage("'" + group + "' needs a sub-verb: one of " + joined(sub_verbs(group))));
  }
  if (verb == nullptr) return std::unexpected(usage("no verb given"));
  if (inv.positionals.size() != verb->positionals.size()) {
    return std::unexpected(
        usage("'" + verb->name + "' takes " + std::to_string(verb->positionals.size()) +
              " argument(s): " + verb_usage(*verb).substr(0, verb_usage(*verb).find('\n'))));
  }
  if (inv.data_dir && !verb->reads_data_dir) {
    return std::unexpected(usage("'" + verb->name +
                                 "' needs a running server; --data-dir serves only list, show, "
                                 "history, timers and stats"));
  }
  return inv;
}

std::string verb_usage(const VerbSpec& verb) {
  std::string out = "usage: sundialctl " + verb.name;
  for (const auto& p : verb.positionals) out += " " + p;
  for (const auto& f : verb.flags)
    out += " [" + f.name + (f.value_name.empty() ? "" : " " + f.value_name) + "]";
  out += "\n\n" + verb.summary + "\n";
  if (!verb.flags.empty()) out += "\n";
  for (const auto& f : verb.flags) {
    std::string left = "  " + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    out += left + std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') + f.help + "\n";
  }
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
      "usage: sundialctl [--server URL] [--token T] [--data-dir DIR] [-o table|json] VERB ...\n\n"
      "Inspect and steer Sundial workflows and task queues.\n\nVerbs:\n";
  size_t width = 0;
  for (const auto& v : verb_specs()) width = std::max(width, v.name.size());
  for (const auto& v : verb_specs())
    out += "  " + v.name + std::string(width + 2 - v.name.size(), ' ') + v.summary + "\n";
  out += "\nFlags:\n";
  for (const auto& f : global_flags()) {
    std::string left = "  " + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    out += left + std::string(left.size() < 20 ? 20 - left.size() : 1, ' ') + f.help + "\n";
  }
  out += "\nExit codes: 0 ok, 1 failure, 2 usage, 3 not found. `sundialctl VERB --help` for a verb.\n";
  return out;
}

}  // namespace sundial::ctl
