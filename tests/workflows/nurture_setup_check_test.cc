// The nurture's start-up check (workflows/nurture/nurture_setup_check.h):
// the shipped offsets and templates pass without a warning; offsets out of
// order, or more emails than templates (8 offsets, 7 templates), are
// refused naming the key and the missing file; templates never sent and
// placeholders the nurture does not fill are warnings; the segment
// variants present are summarized. Pure: templates built in memory, plus
// the shipped folder and script read from the source tree.
#include "workflows/nurture/nurture_setup_check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "workflows/nurture/nurture_module.h"
#include "workflows/shipped_scripts.h"

namespace sundial {
namespace {

EmailTemplate nurture_template(std::string name, std::string html = "<p>Hi {{first_name}}</p>") {
  return EmailTemplate{std::move(name), "Hello", std::move(html), ""};
}

// email-1 .. email-n, base templates only.
TemplateSet base_templates(int n) {
  TemplateSet set;
  for (int i = 1; i <= n; ++i) set.add(nurture_template("email-" + std::to_string(i)));
  return set;
}

std::vector<DurationMs> days(std::initializer_list<int> list) {
  std::vector<DurationMs> out;
  for (int d : list) out.push_back(d * kDayMs);
  return out;
}

std::string refusal(const std::vector<DurationMs>& offsets, const TemplateSet& templates) {
  auto r = check_nurture_setup(offsets, templates, "/srv/templates");
  EXPECT_FALSE(r) << "accepted";
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

TEST(NurtureSetupCheckTest, TheShippedSettingsAndTemplatesPassWithoutAWarning) {
  NurtureSettings defaults;
  auto templates = TemplateSet::load_directory(defaults.templates_dir);
  ASSERT_TRUE(templates) << templates.error().message;
  auto report = check_nurture_setup(defaults.offsets, *templates, defaults.templates_dir);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->warnings.empty()) << report->warnings.front();
  EXPECT_EQ(report->summary, "7 emails at 0s, 1d, 3d, 5d, 7d, 9d, 11d from '" + defaults.templates_dir +
                                 "'; segment variants: email-1 (critical, optimize, urgent)");
}

TEST(NurtureSetupCheckTest, EightOffsetsWithSevenTemplatesAreRefused) {
  EXPECT_EQ(
      refusal(days({0, 1, 3, 5, 7, 9, 11, 13}), base_templates(7)),
      "[nurture] offsets lists 8 emails but templates_dir '/srv/templates' has no email-8.tmpl, so email 8 "
      "would fail for every signup: add email-8.tmpl or remove an offset");
  // A hole in the middle, and variants that cover only some segments.
  TemplateSet holes = base_templates(2);
  holes.add(nurture_template("email-3.critical"));
  EXPECT_EQ(
      refusal(days({0, 1, 2}), holes),
      "[nurture] offsets lists 3 emails but templates_dir '/srv/templates' has no email-3.tmpl, so email 3 "
      "would fail for the segments without a variant (urgent, optimize): add email-3.tmpl or remove an "
      "offset");
  // All three variants stand in for the base template.
  for (const char* segment : {"urgent", "optimize"})
    holes.add(nurture_template(std::string("email-3.") + segment));
  EXPECT_TRUE(check_nurture_setup(days({0, 1, 2}), holes, "/srv/templates"));
}

TEST(NurtureSetupCheckTest, OffsetsOutOfOrderOrOutOfBoundsAreRefused) {
  EXPECT_EQ(refusal(days({0, 3, 1}), base_templates(3)),
            "[nurture] offsets: email 3 at 1d comes before email 2 at 3d; list the offsets in sending order");
  EXPECT_TRUE(
      check_nurture_setup(days({0, 1, 1}), base_templates(3), "/d"));  // the same time twice: in order
  EXPECT_EQ(refusal(days({0, 4000}), base_templates(2)),
            "[nurture] offsets: email 2 at 4000d is beyond 10 years (every signup would be refused)");
  std::vector<DurationMs> many(101, 0);
  EXPECT_EQ(refusal(many, base_templates(101)),
            "[nurture] offsets: 101 emails, at most 100 (every signup would be refused)");
}

TEST(NurtureSetupCheckTest, TemplatesNeverSentAreWarnings) {
  TemplateSet set = base_templates(3);
  set.add(nurture_template("email-1.vip"));
  set.add(nurture_template("welcome"));
  set.add(nurture_template("email-09"));
  auto report = check_nurture_setup(days({0, 1}), set, "/srv/templates");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->warnings,
            (std::vector<std::string>{
                "email-09.tmpl in '/srv/templates' is not an email of the nurture (email-<n>.tmpl or "
                "email-<n>.<segment>.tmpl) and is never sent",
                "email-1.vip.tmpl is never sent: 'vip' is not a segment (critical, urgent, optimize)",
                "welcome.tmpl in '/srv/templates' is not an email of the nurture (email-<n>.tmpl or "
                "email-<n>.<segment>.tmpl) and is never sent",
                "email-3.tmpl is never sent: [nurture] offsets lists 2 emails; add offsets to send them"}));
  EXPECT_EQ(report->summary,
            "2 emails at 0s, 1d from '/srv/templates'; segment variants: none (every segment "
            "gets email-<n>)");
}

TEST(NurtureSetupCheckTest, UnknownPlaceholdersAndUnclosedBracesAreWarnings) {
  TemplateSet set = base_templates(2);
  set.add(nurture_template("email-1.urgent", "<p>{{ company }} {{first_name}} {{segment}}</p>"));
  set.add(nurture_template("email-2", "<p>Hi {{first_name</p>"));
  set.add(nurture_template("email-5", "<p>{{not_sent}}</p>"));  // past the offsets: not checked
  auto report = check_nurture_setup(days({0, 1}), set, "/srv/templates");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(
      report->warnings,
      (std::vector<std::string>{
          "template email-1.urgent uses {{company}}, which the nurture does not fill (it fills email, "
          "first_name, orange, red, segment): sending it will fail unless a replaced nurture.lua fills it",
          "template email-2 (html): '{{first_name</p>' is never closed with }}; sending it will fail",
          "email-5.tmpl is never sent: [nurture] offsets lists 2 emails; add offsets to send them"}));
  EXPECT_EQ(report->summary, "2 emails at 0s, 1d from '/srv/templates'; segment variants: email-1 (urgent)");
}

// kNurtureVariables is the `vars` table nurture.lua fills for its emails.
TEST(NurtureSetupCheckTest, TheVariablesAreTheOnesNurtureLuaFills) {
  std::string text;
  for (const auto& dir : shipped_script_dirs()) {
    std::ifstream in(dir / "nurture.lua");
    if (!in) continue;
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  size_t begin = text.find("local vars = {");
  ASSERT_NE(begin, std::string::npos) << "no `local vars = {` in nurture.lua";
  size_t end = text.find("\n    }", begin);
  ASSERT_NE(end, std::string::npos);
  std::string block = text.substr(begin, end - begin);
  std::set<std::string> filled;
  std::regex field(R"(\n\s+([a-z_]+) = )");
  for (std::sregex_iterator it(block.begin(), block.end(), field), stop; it != stop; ++it)
    filled.insert((*it)[1]);
  EXPECT_EQ(filled, std::set<std::string>(kNurtureVariables.begin(), kNurtureVariables.end()));
}

}  // namespace
}  // namespace sundial
