#include "workflows/nurture/nurture_setup_check.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/base/duration.h"
#include "workflows/input_check.h"
#include "workflows/nurture/signup.h"

namespace sundial {
namespace {

// A template name of the nurture: "email-3" or "email-1.critical".
struct NurtureTemplateName {
  int index = 0;
  std::string segment;  // empty for the base template
};

std::optional<NurtureTemplateName> parse_nurture_template_name(std::string_view name) {
  constexpr std::string_view kPrefix = "email-";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits == 0 || digits > 3 || name[0] == '0') return std::nullopt;
  NurtureTemplateName out;
  out.index = std::stoi(std::string(name.substr(0, digits)));
  name.remove_prefix(digits);
  if (name.empty()) return out;
  if (name.front() != '.' || name.size() == 1) return std::nullopt;
  out.segment = std::string(name.substr(1));
  return out;
}

bool known_segment(std::string_view segment) {
  return std::find(kNurtureSegments.begin(), kNurtureSegments.end(), segment) != kNurtureSegments.end();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string variable_list() {
  std::vector<std::string> names(kNurtureVariables.begin(), kNurtureVariables.end());
  return joined(names);
}

Result<void> check_offsets(const std::vector<DurationMs>& offsets) {
  if (offsets.size() > kMaxInputDelays) {
    return make_error(ErrorCode::kInvalidArgument, "[nurture] offsets: " + std::to_string(offsets.size()) +
                                                       " emails, at most " + std::to_string(kMaxInputDelays) +
                                                       " (every signup would be refused)");
  }
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i] < 0 || offsets[i] > kMaxInputDelayMs) {
      return make_error(ErrorCode::kInvalidArgument,
                        "[nurture] offsets: email " + std::to_string(i + 1) + " at " +
                            format_duration(offsets[i]) +
                            " is beyond 10 years (every signup would be refused)");
    }
    if (i > 0 && offsets[i] < offsets[i - 1]) {
      return make_error(ErrorCode::kInvalidArgument,
                        "[nurture] offsets: email " + std::to_string(i + 1) + " at " +
                            format_duration(offsets[i]) + " comes before email " + std::to_string(i) +
                            " at " + format_duration(offsets[i - 1]) + "; list the offsets in sending order");
    }
  }
  return ok();
}

// What the folder holds for one email: its base template and its variants.
struct EmailFiles {
  bool base = false;
  std::set<std::string> variants;  // known segments only
};

}  // namespace

Result<NurtureSetupReport> check_nurture_setup(const std::vector<DurationMs>& offsets,
                                               const TemplateSet& templates, std::string_view templates_dir) {
  SUNDIAL_TRY(check_offsets(offsets));
  const int emails = static_cast<int>(offsets.size());
  NurtureSetupReport report;
  std::map<int, EmailFiles> files;
  std::vector<std::string> unsent;  // past the offsets
  for (const auto& [name, tmpl] : templates.all()) {
    auto parsed = parse_nurture_template_name(name);
    if (!parsed) {
      report.warnings.push_back(
          name + ".tmpl in '" + std::string(templates_dir) +
          "' is not an email of the nurture (email-<n>.tmpl or email-<n>.<segment>.tmpl) "
          "and is never sent");
      continue;
    }
    if (!parsed->segment.empty() && !known_segment(parsed->segment)) {
      report.warnings.push_back(name + ".tmpl is never sent: '" + parsed->segment +
                                "' is not a segment (critical, urgent, optimize)");
      continue;
    }
    if (parsed->index > emails) {
      unsent.push_back(name + ".tmpl");
      continue;
    }
    EmailFiles& f = files[parsed->index];
    if (parsed->segment.empty()) {
      f.base = true;
    } else {
      f.variants.insert(parsed->segment);
    }
    // A template that will be sent: every placeholder must be one the nurture fills.
    auto placeholders = template_placeholders(tmpl);
    if (!placeholders) {
      report.warnings.push_back(placeholders.error().message + "; sending it will fail");
      continue;
    }
    for (const auto& placeholder : *placeholders) {
      if (std::find(kNurtureVariables.begin(), kNurtureVariables.end(), placeholder) !=
          kNurtureVariables.end())
        continue;
      report.warnings.push_back("template " + name + " uses {{" + placeholder +
                                "}}, which the nurture does not fill (it fills " + variable_list() +
                                "): sending it will fail unless a replaced nurture.lua fills it");
    }
  }
  if (!unsent.empty()) {
    report.warnings.push_back(joined(unsent) + (unsent.size() == 1 ? " is" : " are") +
                              " never sent: [nurture] offsets lists " + std::to_string(emails) +
                              (emails == 1 ? " email" : " emails") + "; add offsets to send them");
  }
  for (int i = 1; i <= emails; ++i) {
    const EmailFiles& f = files[i];
    if (f.base || f.variants.size() == kNurtureSegments.size()) continue;
    std::string file = "email-" + std::to_string(i) + ".tmpl";
    std::vector<std::string> uncovered;
    for (std::string_view segment : kNurtureSegments) {
      if (!f.variants.contains(std::string(segment))) uncovered.emplace_back(segment);
    }
    std::string who =
        f.variants.empty() ? "every signup" : "the segments without a variant (" + joined(uncovered) + ")";
    return make_error(ErrorCode::kInvalidArgument,
                      "[nurture] offsets lists " + std::to_string(emails) + (emails == 1 ? " email" : " emails") +
                          " but templates_dir '" +
                          std::string(templates_dir) + "' has no " + file + ", so email " +
                          std::to_string(i) + " would fail for " + who + ": add " + file +
                          " or remove an offset");
  }
  std::vector<std::string> at;
  for (DurationMs offset : offsets) at.push_back(format_duration(offset));
  std::vector<std::string> variants;
  for (const auto& [index, f] : files) {
    if (f.variants.empty()) continue;
    std::vector<std::string> names(f.variants.begin(), f.variants.end());
    variants.push_back("email-" + std::to_string(index) + " (" + joined(names) + ")");
  }
  report.summary =
      std::to_string(emails) + (emails == 1 ? " email at " : " emails at ") +
      (at.empty() ? "none" : joined(at)) + " from '" + std::string(templates_dir) +
      "'; segment variants: " + (variants.empty() ? "none (every segment gets email-<n>)" : joined(variants));
  return report;
}

}  // namespace sundial
