// Keeps the error vocabulary one: docs/errors.md's code table agrees with
// the C++ error table (engine/base/error.cc) on every code, HTTP status and
// retryable flag, and no source builds an error answer by hand instead of
// through http::error_response. Reads the source tree (SUNDIAL_SOURCE_DIR).
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/base/error.h"

namespace sundial {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The cells of a Markdown table row "| a | b | c |" (no escaped pipes).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line.substr(1));
  std::string cell;
  while (std::getline(s, cell, '|')) out.push_back(trim(cell));
  return out;
}

struct DocRow {
  int status = 0;
  std::string retryable;  // "yes" / "no" as written
  int line = 0;
};

// The rows of the "## Codes" table, by code; problems (a malformed row, a
// duplicate) go to `problems`.
std::map<std::string, DocRow> doc_codes(const std::string& text, std::vector<std::string>& problems) {
  std::map<std::string, DocRow> rows;
  std::stringstream in(text);
  std::string line;
  bool in_codes = false;
  bool header_seen = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("## ")) in_codes = line == "## Codes";
    if (!in_codes || !line.starts_with("|")) continue;
    auto c = cells(line);
    if (!header_seen) {
      header_seen = true;
      if (c.size() < 3 || c[0] != "code" || c[1] != "HTTP" || c[2] != "retryable") {
        problems.push_back("line " + std::to_string(number) +
                           ": the Codes table must start with the columns | code | HTTP | retryable | ...");
      }
      continue;
    }
    if (line.starts_with("| ---")) continue;
    std::string where = "line " + std::to_string(number) + ": ";
    if (c.size() < 3 || c[0].size() < 3 || c[0].front() != '`' || c[0].back() != '`') {
      problems.push_back(where + "not a row | `code` | status | yes/no | ...: " + line);
      continue;
    }
    std::string code = c[0].substr(1, c[0].size() - 2);
    DocRow row{0, c[2], number};
    try {
      row.status = std::stoi(c[1]);
    } catch (const std::exception&) {
      problems.push_back(where + "`" + code + "` has no numeric HTTP status ('" + c[1] + "')");
    }
    if (row.retryable != "yes" && row.retryable != "no") {
      problems.push_back(where + "`" + code + "`: retryable must be yes or no, not '" + row.retryable + "'");
    }
    if (!rows.emplace(code, row).second) problems.push_back(where + "`" + code + "` is listed twice");
  }
  if (!header_seen) problems.push_back("docs/errors.md has no table under '## Codes'");
  return rows;
}

std::string table_row(const ErrorInfo& info) {
  return "| `" + std::string(info.name) + "` | " + std::to_string(info.http_status) + " | " +
         (info.retryable ? "yes" : "no") + " | " + std::string(info.meaning) + " |";
}

TEST(ErrorVocabularyTest, DocsListEveryCodeOfTheTable) {
  fs::path doc = fs::path(SUNDIAL_SOURCE_DIR) / "docs" / "errors.md";
  ASSERT_TRUE(fs::exists(doc)) << doc;
  std::vector<std::string> problems;
  auto rows = doc_codes(read_text(doc), problems);
  for (const ErrorInfo& info : error_table()) {
    std::string name(info.name);
    auto it = rows.find(name);
    if (it == rows.end()) {
      problems.push_back("missing `" + name + "`; add a row like: " + table_row(info));
      continue;
    }
    const DocRow& row = it->second;
    std::string where = "line " + std::to_string(row.line) + ": `" + name + "`: ";
    if (row.status != info.http_status) {
      problems.push_back(where + "HTTP " + std::to_string(row.status) + " in the docs, " +
                         std::to_string(info.http_status) + " in the table");
    }
    std::string retryable = info.retryable ? "yes" : "no";
    if (row.retryable != retryable) {
      problems.push_back(where + "retryable " + row.retryable + " in the docs, " + retryable +
                         " in the table");
    }
    rows.erase(it);
  }
  for (const auto& [code, row] : rows) {
    problems.push_back("line " + std::to_string(row.line) + ": `" + code +
                       "` is not in the error table (engine/base/error.cc)");
  }
  std::string report;
  for (const auto& p : problems) report += "  " + p + "\n";
  EXPECT_TRUE(problems.empty()) << "docs/errors.md disagrees with the error table:\n" << report;
}

TEST(ErrorVocabularyTest, DocCheckerSeesMissingWrongAndUnknownRows) {
  // The checker itself: a doc with a bad status, a bad flag, a duplicate,
  // an unknown code and a malformed row reports each.
  std::vector<std::string> problems;
  auto rows = doc_codes(
      "# Errors\n\n## Codes\n\n| code | HTTP | retryable | When |\n| --- | --- | --- | --- |\n"
      "| `not_found` | 410 | no | gone |\n| `unavailable` | 503 | maybe | later |\n"
      "| `not_found` | 404 | no | again |\n| `teapot` | 418 | no | tea |\n| plain | 400 | no | x |\n"
      "\n## Other\n\n| `ignored` | 1 | no | outside the Codes table |\n",
      problems);
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at("not_found").status, 410);
  EXPECT_EQ(rows.at("unavailable").retryable, "maybe");
  EXPECT_TRUE(rows.contains("teapot"));
  EXPECT_FALSE(rows.contains("ignored"));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("retryable must be yes or no"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("listed twice"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("not a row"), std::string::npos) << problems[2];

  std::vector<std::string> header_problems;
  doc_codes("## Codes\n\n| code | HTTP | When |\n| --- | --- | --- |\n", header_problems);
  ASSERT_EQ(header_problems.size(), 1u);
  EXPECT_NE(header_problems[0].find("retryable"), std::string::npos);
}

// Every error answer goes through http::error_response, which takes the
// status from the table: no source picks one by hand.
TEST(ErrorVocabularyTest, NoSourceBuildsAnErrorAnswerByHand) {
  const fs::path root(SUNDIAL_SOURCE_DIR);
  const std::regex hand_built(
      R"(HttpResponse::error\(|HttpResponse::json\(\s*[45][0-9][0-9]\b|\bcodes::k[A-Z])");
  const std::set<std::string> allowed = {"server/http/error_response.cc", "server/http/message.cc",
                                         "server/http/message.h"};
  std::string offenders;
  for (const char* folder : {"engine", "connectors", "workflows", "server", "tools"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
      std::string relative = fs::relative(entry.path(), root).generic_string();
      if (allowed.contains(relative)) continue;
      std::stringstream in(read_text(entry.path()));
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        if (std::regex_search(line, hand_built)) {
          offenders += "  " + relative + ":" + std::to_string(number) + ": " + line + "\n";
        }
      }
    }
  }
  EXPECT_TRUE(offenders.empty()) << "build error answers with http::error_response(Error{...}):\n"
                                 << offenders;
  EXPECT_FALSE(fs::exists(root / "server/http/error_codes.h")) << "the HTTP layer's codes live in ErrorCode";
}

}  // namespace
}  // namespace sundial
