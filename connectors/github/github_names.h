// The names GitHubClient puts into request paths and query strings,
// checked before any request is made: a repository "owner/name", a branch
// (or any git ref), an account login and a GraphQL node id. Names come
// from webhooks, Notion pages and scripts, so a refused one must never
// reach GitHub: "owner/.." or a branch "x?state=all" cannot walk to
// another path or add a parameter.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/error.h"

namespace sundial {

struct GitHubRepo {
  std::string owner;
  std::string name;

  // "/repos/<owner>/<name>": both sides hold only safe characters.
  std::string path() const { return "/repos/" + owner + "/" + name; }
  std::string full_name() const { return owner + "/" + name; }
};

// "owner/name": each side 1-100 of A-Z a-z 0-9 . _ - and not all dots.
// invalid_argument otherwise, quoting (a repaired excerpt of) `repo`.
Result<GitHubRepo> parse_github_repo(std::string_view repo);

// A branch, tag or sha as git accepts it (git check-ref-format, one
// level or more): 1-255 bytes of valid UTF-8 without control characters,
// space, ~ ^ : ? * [ \, "..", "@{" or "//"; not "@"; no component that
// begins with '.' or ends with ".lock"; not beginning with '/' or '-' nor
// ending with '/' or '.'. Callers still percent-encode it (url_encode).
Result<void> check_github_ref(std::string_view ref, std::string_view what);

// A user or organization login: 1-39 of A-Z a-z 0-9 and '-'.
Result<void> check_github_login(std::string_view login);

// A GraphQL node id ("PR_kwDOA..."): 1-200 of A-Z a-z 0-9 _ = -.
Result<void> check_github_node_id(std::string_view id);

}  // namespace sundial
