#include "workflows/email/email_template.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

EmailTemplate make(std::string subject, std::string html, std::string text = "") {
  return EmailTemplate{"email-1.critical", std::move(subject), std::move(html), std::move(text)};
}

TEST(EmailTemplateTest, HtmlEscapeEscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape("&"), "&amp;");
  EXPECT_EQ(html_escape("<"), "&lt;");
  EXPECT_EQ(html_escape(">"), "&gt;");
  EXPECT_EQ(html_escape("\""), "&quot;");
  EXPECT_EQ(html_escape("'"), "&#39;");
  EXPECT_EQ(html_escape(R"(<a href="x">Tom & Jerry's</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");  // not idempotent: escape once
  EXPECT_EQ(html_escape("plain text, {{x}}"), "plain text, {{x}}");
  EXPECT_EQ(html_escape(""), "");
}

TEST(EmailTemplateTest, ValuesAreEscapedInHtmlButNotInSubjectOrText) {
  auto r = render_email(make("Hi {{first_name}}", "<p>Hi {{first_name}}</p>", "Hi {{first_name}}"),
                        {{"first_name", "<b>Tom & 'Jo'</b>"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "Hi <b>Tom & 'Jo'</b>");
  EXPECT_EQ(r->html, "<p>Hi &lt;b&gt;Tom &amp; &#39;Jo&#39;&lt;/b&gt;</p>");
  EXPECT_EQ(r->text, "Hi <b>Tom & 'Jo'</b>");
}

TEST(EmailTemplateTest, NonStringValuesAreDumpedAndSpacesInPlaceholdersIgnored) {
  auto r =
      render_email(make("{{ red }} red, {{orange}} orange", "<p>{{red}}</p>"), {{"red", 2}, {"orange", 0}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "2 red, 0 orange");
  EXPECT_EQ(r->html, "<p>2</p>");
  EXPECT_EQ(r->text, "");
}

TEST(EmailTemplateTest, AValueContainingPlaceholdersIsSentVerbatim) {
  auto r = render_email(make("Hi {{first_name}}", "<p>{{first_name}} / {{segment}}</p>", "{{first_name}}"),
                        {{"first_name", "{{x}}"}, {"segment", "{{first_name}} {{"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "Hi {{x}}");
  EXPECT_EQ(r->html, "<p>{{x}} / {{first_name}} {{</p>");
  EXPECT_EQ(r->text, "{{x}}");
}

TEST(EmailTemplateTest, APlaceholderWithoutAValueFailsNamingTemplateAndVariable) {
  for (const nlohmann::json& vars : {nlohmann::json::object(), nlohmann::json{{"other", "x"}},
                                     nlohmann::json{{"no_such_value", nullptr}}, nlohmann::json(nullptr)}) {
    SCOPED_TRACE(vars.dump());
    for (const EmailTemplate& t :
         {make("Hi {{no_such_value}}", "<p>x</p>"), make("Hi", "<p>{{no_such_value}}</p>"),
          make("Hi", "<p>x</p>", "{{ no_such_value }}")}) {
      auto r = render_email(t, vars);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_NE(r.error().message.find("email-1.critical"), std::string::npos) << r.error().message;
      EXPECT_NE(r.error().message.find("no_such_value"), std::string::npos) << r.error().message;
    }
  }
}

TEST(EmailTemplateTest, AnUnclosedPlaceholderInTheTemplateFails) {
  for (const EmailTemplate& t : {make("Hi {{first_name", "<p>x</p>"), make("Hi", "<p>{{first_name</p>"),
                                 make("Hi", "<p>x</p>", "Hi {{first_name}} and {{")}) {
    auto r = render_email(t, {{"first_name", "Ada"}});
    ASSERT_FALSE(r) << t.subject << t.html << t.text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("email-1.critical"), std::string::npos) << r.error().message;
  }
}

// The error is journaled as the step's error, and the journal is JSON: a
// quote of the template cut inside a multi-byte character could not be
// stored (found by tests/fuzz/fuzz_template.cc).
TEST(EmailTemplateTest, TheUnclosedPlaceholderQuoteNeverCutsACharacter) {
  for (size_t ascii = 0; ascii < 24; ++ascii) {
    auto r = render_email(make("Hi {{" + std::string(ascii, 'a') + "\u00e9\u4e2d\U0001F600 rest", "<p>x</p>"),
                          {{"first_name", "Ada"}});
    ASSERT_FALSE(r);
    EXPECT_NO_THROW((void)nlohmann::json(r.error().message).dump()) << ascii;
    EXPECT_NE(r.error().message.find("never closed"), std::string::npos) << r.error().message;
  }
}

TEST(EmailTemplateTest, ParsesSectionsAndRefusesATemplateWithoutSubjectOrHtml) {
  auto t = parse_email_template("email-2",
                                "--- subject\nHi {{first_name}}\n--- html\n<p>one</p>\n<p>two</p>\n\n"
                                "--- text\nplain\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->name, "email-2");
  EXPECT_EQ(t->subject, "Hi {{first_name}}");
  EXPECT_EQ(t->html, "<p>one</p>\n<p>two</p>");
  EXPECT_EQ(t->text, "plain");
  EXPECT_FALSE(parse_email_template("email-3", "--- html\n<p>x</p>\n"));
  EXPECT_FALSE(parse_email_template("email-3", "--- subject\nHi\n"));
  auto unknown = parse_email_template("email-4", "--- subject\nHi\n--- footer\nx\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("footer"), std::string::npos);
}

// What a family checks at start-up: every placeholder of every part, once,
// sorted, spaces trimmed as rendering trims them; an unclosed "{{" is an
// error naming the template and the part.
TEST(EmailTemplateTest, PlaceholdersAreListedOnceFromEveryPart) {
  auto names = template_placeholders(
      make("{{ first_name }}, {{segment}}", "<p>{{red}} {{first_name}}</p>", "{{orange}}"));
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{"first_name", "orange", "red", "segment"}));
  auto none = template_placeholders(make("Hello", "<p>plain { braces }</p>"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto unclosed = template_placeholders(make("Hi", "<p>ok</p>", "Bye {{first_name"));
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error().message,
            "template email-1.critical (text): '{{first_name' is never closed with }}");
}

}  // namespace
}  // namespace sundial
