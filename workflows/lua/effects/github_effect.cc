// ctx:github(name, { repo = "owner/name", <one operation> }): one GitHub
// operation as a durable step, through the GitHub connector
// (connectors/github/github_client.h: the token from $GITHUB_TOKEN, the
// shared limiter `github`, GitHub's rate limits and errors). Operations:
//
//   create_issue = { title, body, labels, assignees }, marker = "<!-- ... -->"
//       opens an issue once: an issue whose body holds `marker` among the
//       newest is answered instead (created = false), so a retry after a
//       crash never opens a second one → <issue> + { created = }
//   update_issue = <number>, patch = { state, state_reason, labels, assignees, title, body }
//       → <issue>
//   comment = <number>, body = "..."                  → { id =, html_url = }
//   branch = "<name>"                                 → { exists = }
//   find_pull = "<branch>", owner = "<login>"         → <pull> or { found = false }
//   create_pull = { title, head, base, body, draft }  → <pull> + { created = }
//       an open pull request from `head` is answered instead (created =
//       false), so a retry after a crash never asks for a second
//   issue = <number>                                  → <issue>, or { found = false }
//       when GitHub answers 404 or 410 (deleted, transferred)
//   pull = <number>                                   → <pull>
//   draft = <pull node id>, value = true | false      → { id =, draft = }
//   checks = "<sha>"                                  → { state =, total =, failing =, pending = }
//   merge = <number>, method = "squash"               → { merged =, already =, message =, sha = }
//       merges only when the pull request's mergeable_state is "clean";
//       otherwise merged = false with why (GitHub's message on a 405)
//
// <issue> is { number, state, state_reason, title, html_url, node_id,
// labels = { names }, assignees = { logins }, found = true }; <pull> is
// { number, state, draft, merged, mergeable_state, html_url, node_id,
// head = { ref, sha }, base, found = true }: small, so journals stay small.
// See effect.h for the convention, docs/lua.md for the contract.
#include <lua.hpp>

#include <algorithm>

#include "connectors/github/github_client.h"
#include "engine/base/json_fields.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

using nlohmann::json;

enum class GitHubOp {
  kCreateIssue,
  kIssue,
  kUpdateIssue,
  kComment,
  kBranch,
  kFindPull,
  kCreatePull,
  kPull,
  kDraft,
  kChecks,
  kMerge
};

struct GitHubSpec {
  GitHubOp op = GitHubOp::kCreateIssue;
  std::string repo;
  json arg;  // the operation field's value
  std::string marker;
  json patch;
  std::string body;
  std::string owner;
  bool value = false;
  std::string method = "squash";
};

json names_of(const json& list, const char* field) {
  json out = json::array();
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    if (item.is_object() && item.contains(field) && item[field].is_string()) out.push_back(item[field]);
  }
  return out;
}

json member(const json& object, const char* field) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(field);
  return it == object.end() ? json(nullptr) : *it;
}

json simple_issue(const json& issue) {
  return {{"found", true},
          {"number", member(issue, "number")},
          {"state", member(issue, "state")},
          {"state_reason", member(issue, "state_reason")},
          {"title", member(issue, "title")},
          {"html_url", member(issue, "html_url")},
          {"node_id", member(issue, "node_id")},
          {"labels", names_of(member(issue, "labels"), "name")},
          {"assignees", names_of(member(issue, "assignees"), "login")}};
}

json simple_pull(const json& pull) {
  if (!pull.is_object()) return {{"found", false}};
  json head = member(pull, "head");
  json base = member(pull, "base");
  return {{"found", true},
          {"number", member(pull, "number")},
          {"state", member(pull, "state")},
          {"draft", member(pull, "draft")},
          {"merged", member(pull, "merged")},
          {"mergeable_state", member(pull, "mergeable_state")},
          {"html_url", member(pull, "html_url")},
          {"node_id", member(pull, "node_id")},
          {"head", {{"ref", member(head, "ref")}, {"sha", member(head, "sha")}}},
          {"base", member(base, "ref")}};
}

int64_t number_arg(const json& v, const std::string& what) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1)
    throw LuaValueError(what + " must be a number from 1 up");
  return v.get<int64_t>();
}

std::string text_arg(const json& v, const std::string& what) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    throw LuaValueError(what + " must be a non-empty string");
  return v.get<std::string>();
}

std::vector<std::string> text_list(const json& v, const std::string& what) {
  std::vector<std::string> out;
  // An empty Lua table arrives as {}: an empty list here.
  if (v.is_null() || (v.is_object() && v.empty())) return out;
  if (!v.is_array()) throw LuaValueError(what + " must be a list of strings");
  for (const auto& item : v) out.push_back(text_arg(item, what));
  return out;
}

GitHubIssueFields issue_fields(const json& v, const std::string& m) {
  if (!v.is_object())
    throw LuaValueError(m + ": create_issue must be a table { title =, body =, labels =, assignees = }");
  if (auto known =
          sundial::check_known_fields(v, m + ": create_issue: ", {"title", "body", "labels", "assignees"});
      !known) {
    throw LuaValueError(known.error().message);
  }
  GitHubIssueFields f;
  f.title = text_arg(member(v, "title"), m + ": create_issue.title");
  if (v.contains("body"))
    f.body = v["body"].is_string() ? v["body"].get<std::string>()
                                   : throw LuaValueError(m + ": create_issue.body must be a string");
  f.labels = text_list(member(v, "labels"), m + ": create_issue.labels");
  f.assignees = text_list(member(v, "assignees"), m + ": create_issue.assignees");
  return f;
}

GitHubPullFields pull_fields(const json& v, const std::string& m) {
  if (!v.is_object())
    throw LuaValueError(m + ": create_pull must be a table { title =, head =, base =, body =, draft = }");
  if (auto known =
          sundial::check_known_fields(v, m + ": create_pull: ", {"title", "head", "base", "body", "draft"});
      !known) {
    throw LuaValueError(known.error().message);
  }
  GitHubPullFields f;
  f.title = text_arg(member(v, "title"), m + ": create_pull.title");
  f.head = text_arg(member(v, "head"), m + ": create_pull.head");
  f.base = text_arg(member(v, "base"), m + ": create_pull.base");
  if (v.contains("body"))
    f.body = v["body"].is_string() ? v["body"].get<std::string>()
                                   : throw LuaValueError(m + ": create_pull.body must be a string");
  if (v.contains("draft"))
    f.draft = v["draft"].is_boolean() ? v["draft"].get<bool>()
                                      : throw LuaValueError(m + ": create_pull.draft must be true or false");
  return f;
}

GitHubSpec read_github_spec(lua_State* L) {
  const std::string m = "ctx:github";
  check_known_fields(
      L, 3, m,
      {"repo", "create_issue", "marker", "issue", "update_issue", "patch", "comment", "body", "branch",
       "find_pull", "owner", "create_pull", "pull", "draft", "value", "checks", "merge", "method"});
  json t = to_json(L, 3);
  GitHubSpec spec;
  spec.repo = text_arg(member(t, "repo"), m + ": repo");
  if (auto repo = parse_github_repo(spec.repo); !repo) throw LuaValueError(m + ": " + repo.error().message);
  const std::pair<const char*, GitHubOp> ops[] = {{"create_issue", GitHubOp::kCreateIssue},
                                                  {"issue", GitHubOp::kIssue},
                                                  {"update_issue", GitHubOp::kUpdateIssue},
                                                  {"comment", GitHubOp::kComment},
                                                  {"branch", GitHubOp::kBranch},
                                                  {"find_pull", GitHubOp::kFindPull},
                                                  {"create_pull", GitHubOp::kCreatePull},
                                                  {"pull", GitHubOp::kPull},
                                                  {"draft", GitHubOp::kDraft},
                                                  {"checks", GitHubOp::kChecks},
                                                  {"merge", GitHubOp::kMerge}};
  int count = 0;
  for (const auto& [field, op] : ops) {
    if (t.contains(field)) {
      spec.op = op;
      spec.arg = t[field];
      ++count;
    }
  }
  if (count != 1) {
    throw LuaValueError(m +
                        ": give one of create_issue, update_issue, comment, branch, find_pull, create_pull, "
                        "pull, draft, checks or merge");
  }
  // The fields each operation takes besides its own.
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (const char* extra : {"marker", "patch", "body", "owner", "value", "method"}) {
      bool ok = std::find_if(allowed.begin(), allowed.end(),
                             [&](const char* a) { return std::string(a) == extra; }) != allowed.end();
      if (!ok && t.contains(extra))
        throw LuaValueError(m + ": " + extra + " does not belong to this operation");
    }
  };
  switch (spec.op) {
    case GitHubOp::kCreateIssue:
      only({"marker"});
      issue_fields(spec.arg, m);  // checked now, read again when the step runs
      spec.marker = text_arg(member(t, "marker"), m + ": marker (an HTML comment that identifies the issue)");
      break;
    case GitHubOp::kIssue:
      only({});
      number_arg(spec.arg, m + ": issue");
      break;
    case GitHubOp::kUpdateIssue:
      only({"patch"});
      number_arg(spec.arg, m + ": update_issue");
      spec.patch = member(t, "patch");
      if (!spec.patch.is_object() || spec.patch.empty())
        throw LuaValueError(m + ": update_issue: patch must be a table of fields");
      for (const char* list : {"labels", "assignees"}) {
        // An empty Lua table ({}) clears the list: GitHub wants [].
        if (spec.patch.contains(list)) {
          spec.patch[list] = text_list(spec.patch[list], m + ": update_issue: patch." + list);
        }
      }
      break;
    case GitHubOp::kComment:
      only({"body"});
      number_arg(spec.arg, m + ": comment");
      spec.body = text_arg(member(t, "body"), m + ": comment: body");
      break;
    case GitHubOp::kBranch:
    case GitHubOp::kChecks:
      only({});
      if (auto ref = check_github_ref(text_arg(spec.arg, m + ": ref"), m); !ref)
        throw LuaValueError(ref.error().message);
      break;
    case GitHubOp::kFindPull:
      only({"owner"});
      if (auto ref = check_github_ref(text_arg(spec.arg, m + ": find_pull"), m + ": find_pull"); !ref)
        throw LuaValueError(ref.error().message);
      spec.owner = t.contains("owner") ? text_arg(t["owner"], m + ": owner")
                                       : spec.repo.substr(0, spec.repo.find('/'));
      if (auto login = check_github_login(spec.owner); !login)
        throw LuaValueError(m + ": " + login.error().message);
      break;
    case GitHubOp::kCreatePull:
      only({});
      pull_fields(spec.arg, m);
      break;
    case GitHubOp::kPull:
      only({});
      number_arg(spec.arg, m + ": pull");
      break;
    case GitHubOp::kDraft:
      only({"value"});
      text_arg(spec.arg, m + ": draft (a pull request's node id)");
      if (!member(t, "value").is_boolean()) throw LuaValueError(m + ": draft: value must be true or false");
      spec.value = t["value"].get<bool>();
      break;
    case GitHubOp::kMerge:
      only({"method"});
      number_arg(spec.arg, m + ": merge");
      if (t.contains("method")) {
        spec.method = text_arg(t["method"], m + ": method");
        if (spec.method != "squash" && spec.method != "merge" && spec.method != "rebase")
          throw LuaValueError(m + ": method must be squash, merge or rebase");
      }
      break;
  }
  return spec;
}

// Adapts a connector answer to a step's result.
template <typename T, typename Shape>
auto shaped(StepDone done, Shape shape) {
  return [done = std::move(done), shape = std::move(shape)](Result<T> r) mutable {
    if (!r) return done(std::unexpected(r.error()));
    done(shape(*r));
  };
}

AsyncStepFn build_github(lua_State* L, const EffectEnv& env) {
  GitHubSpec spec = read_github_spec(L);
  GitHubClient* client = env.effects.github;
  return [spec = std::move(spec), client](const StepInfo&, StepDone done) {
    if (client == nullptr) {
      return done(make_error(ErrorCode::kInvalidArgument, "ctx:github is not available: no GitHub client"));
    }
    const std::string m = "ctx:github";
    switch (spec.op) {
      case GitHubOp::kCreateIssue:
        return client->create_issue_once(
            spec.repo, spec.marker, issue_fields(spec.arg, m),
            shaped<GitHubIssueOnce>(std::move(done), [](const GitHubIssueOnce& once) {
              json out = simple_issue(once.issue);
              out["created"] = once.created;
              return out;
            }));
      case GitHubOp::kIssue:
        // A deleted (or transferred) issue is an answer, not a failure:
        // the workflow decides what its mapping becomes.
        return client->exchange(
            "GET",
            parse_github_repo(spec.repo)->path() + "/issues/" + std::to_string(spec.arg.get<int64_t>()),
            std::nullopt, [done = std::move(done)](GitHubAnswer answer) mutable {
              if (answer.http.status == 404 || answer.http.status == 410) return done(json{{"found", false}});
              if (!answer.json) return done(std::unexpected(answer.json.error()));
              done(simple_issue(*answer.json));
            });
      case GitHubOp::kUpdateIssue:
        return client->update_issue(spec.repo, spec.arg.get<int64_t>(), spec.patch,
                                    shaped<json>(std::move(done), simple_issue));
      case GitHubOp::kComment:
        return client->add_comment(
            spec.repo, spec.arg.get<int64_t>(), spec.body, shaped<json>(std::move(done), [](const json& c) {
              return json{{"id", member(c, "id")}, {"html_url", member(c, "html_url")}};
            }));
      case GitHubOp::kBranch:
        return client->branch_exists(spec.repo, spec.arg.get<std::string>(),
                                     shaped<bool>(std::move(done), [](bool exists) {
                                       return json{{"exists", exists}};
                                     }));
      case GitHubOp::kFindPull:
        return client->find_pull_for_branch(spec.repo, spec.owner, spec.arg.get<std::string>(),
                                            shaped<json>(std::move(done), simple_pull));
      case GitHubOp::kCreatePull: {
        // Once: a retry after a crash between GitHub's 201 and the journal
        // finds the open pull request it made (GitHub would refuse a second).
        GitHubPullFields fields = pull_fields(spec.arg, m);
        auto colon = fields.head.find(':');
        std::string owner = colon != std::string::npos ? fields.head.substr(0, colon)
                                                       : spec.repo.substr(0, spec.repo.find('/'));
        std::string branch = colon != std::string::npos ? fields.head.substr(colon + 1) : fields.head;
        return client->find_pull_for_branch(
            spec.repo, owner, branch,
            [client, repo = spec.repo, fields = std::move(fields),
             done = std::move(done)](Result<json> found) mutable {
              if (!found) return done(std::unexpected(found.error()));
              if (found->is_object() && member(*found, "state") == "open") {
                json out = simple_pull(*found);
                out["created"] = false;
                return done(std::move(out));
              }
              client->create_pull(repo, fields, shaped<json>(std::move(done), [](const json& pull) {
                                    json out = simple_pull(pull);
                                    out["created"] = true;
                                    return out;
                                  }));
            });
      }
      case GitHubOp::kPull:
        return client->get_pull(spec.repo, spec.arg.get<int64_t>(),
                                shaped<json>(std::move(done), simple_pull));
      case GitHubOp::kDraft:
        return client->set_pull_draft(spec.arg.get<std::string>(), spec.value,
                                      shaped<json>(std::move(done), [](const json& r) {
                                        return json{{"id", member(r, "id")}, {"draft", member(r, "isDraft")}};
                                      }));
      case GitHubOp::kChecks:
        return client->checks(
            spec.repo, spec.arg.get<std::string>(),
            shaped<GitHubChecks>(std::move(done), [](const GitHubChecks& c) { return json(c); }));
      case GitHubOp::kMerge:
        return client->merge_when_clean(
            spec.repo, spec.arg.get<int64_t>(), spec.method,
            shaped<GitHubMergeResult>(std::move(done), [](const GitHubMergeResult& r) {
              return json{{"merged", r.merged},
                          {"already", r.already},
                          {"message", r.message},
                          {"sha", r.sha ? json(*r.sha) : json(nullptr)}};
            }));
    }
  };
}

}  // namespace

const Effect kGitHubEffect{"github", &build_github};

}  // namespace sundial::lua
