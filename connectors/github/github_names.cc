#include "connectors/github/github_names.h"

#include <algorithm>
#include <cctype>

#include "engine/base/utf8.h"

namespace sundial {

// Named, not anonymous: connectors build as one unity translation unit.
namespace github_names {

// `s` as an error message may quote it: repaired, at most 80 bytes.
std::string quoted(std::string_view s) {
  return "'" + repair_utf8(s.substr(0, 80)) + (s.size() > 80 ? "...'" : "'");
}

bool repo_part_ok(std::string_view part) {
  if (part.empty() || part.size() > 100) return false;
  bool all_dots = std::all_of(part.begin(), part.end(), [](char c) { return c == '.'; });
  return !all_dots && std::all_of(part.begin(), part.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
}

// Why `ref` is not a name git accepts; empty when it is.
std::string ref_problem(std::string_view ref) {
  if (ref.empty()) return "is empty";
  if (ref.size() > 255) return "is longer than 255 bytes";
  if (!is_valid_utf8(ref)) return "is not valid UTF-8";
  for (unsigned char c : ref) {
    if (c < 0x20 || c == 0x7f) return "holds a control character";
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\') {
      return std::string("holds '") + static_cast<char>(c) + "'";
    }
  }
  if (ref == "@") return "is '@'";
  for (std::string_view bad : {"..", "@{", "//"}) {
    if (ref.find(bad) != std::string_view::npos) return "holds '" + std::string(bad) + "'";
  }
  if (ref.front() == '/' || ref.back() == '/') return "begins or ends with '/'";
  if (ref.front() == '-') return "begins with '-'";
  if (ref.back() == '.') return "ends with '.'";
  for (size_t at = 0; at <= ref.size();) {
    size_t end = std::min(ref.find('/', at), ref.size());
    std::string_view part = ref.substr(at, end - at);
    if (part.starts_with('.')) return "has a component beginning with '.'";
    if (part.ends_with(".lock")) return "has a component ending with '.lock'";
    at = end + 1;
  }
  return "";
}

}  // namespace github_names

Result<GitHubRepo> parse_github_repo(std::string_view repo) {
  size_t slash = repo.find('/');
  if (slash != std::string_view::npos) {
    GitHubRepo out{std::string(repo.substr(0, slash)), std::string(repo.substr(slash + 1))};
    if (github_names::repo_part_ok(out.owner) && github_names::repo_part_ok(out.name)) return out;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "GitHub repository " + github_names::quoted(repo) +
                        " is not \"owner/name\" (each 1-100 of A-Z a-z 0-9 . _ -, not only dots)");
}

Result<void> check_github_ref(std::string_view ref, std::string_view what) {
  std::string problem = github_names::ref_problem(ref);
  if (problem.empty()) return ok();
  return make_error(ErrorCode::kInvalidArgument, std::string(what) + " " + github_names::quoted(ref) +
                                                     " is not a git ref name: it " + problem);
}

Result<void> check_github_login(std::string_view login) {
  bool good = !login.empty() && login.size() <= 39 &&
              std::all_of(login.begin(), login.end(),
                          [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
  if (good) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    "GitHub login " + github_names::quoted(login) + " is not 1-39 of A-Z a-z 0-9 and '-'");
}

Result<void> check_github_node_id(std::string_view id) {
  bool good = !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '=' || c == '-';
  });
  if (good) return ok();
  return make_error(ErrorCode::kInvalidArgument,
                    "GitHub node id " + github_names::quoted(id) + " is not 1-200 of A-Z a-z 0-9 _ = -");
}

}  // namespace sundial
