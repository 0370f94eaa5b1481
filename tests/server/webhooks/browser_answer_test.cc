// Who gets the browser answer of a webhook route (303 to its thank-you
// page) rather than JSON: browser_answer.h's order — Accept naming
// text/html, then Accept naming application/json, then a form body.
#include "server/webhooks/browser_answer.h"

#include <gtest/gtest.h>

namespace sundial::webhooks {
namespace {

http::HttpRequest browser_post(std::string content_type, std::string accept = {}) {
  http::HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/webhooks/signup";
  r.headers = {{"content-type", std::move(content_type)}};
  if (!accept.empty()) r.headers.emplace_back("accept", std::move(accept));
  return r;
}

TEST(BrowserAnswerTest, AFormPostFromABrowserGetsIt) {
  // What Firefox and Chrome send for a <form method="post">.
  EXPECT_TRUE(wants_browser_answer(
      browser_post("application/x-www-form-urlencoded",
                   "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")));
  EXPECT_TRUE(wants_browser_answer(browser_post("application/x-www-form-urlencoded; charset=UTF-8")));
  EXPECT_TRUE(wants_browser_answer(browser_post("application/x-www-form-urlencoded", "*/*")));  // curl -d
  // A JSON post that asks for HTML.
  EXPECT_TRUE(wants_browser_answer(browser_post("application/json", "TEXT/HTML; charset=utf-8")));
  EXPECT_TRUE(
      wants_browser_answer(browser_post("application/json", "application/json;q=0.5, text/html;q=0.9")));
}

TEST(BrowserAnswerTest, JsonClientsKeepJson) {
  EXPECT_FALSE(wants_browser_answer(browser_post("application/json")));
  EXPECT_FALSE(wants_browser_answer(browser_post("application/json", "*/*")));  // fetch()'s default
  EXPECT_FALSE(wants_browser_answer(browser_post("application/x-www-form-urlencoded", "application/json")));
  EXPECT_FALSE(wants_browser_answer(
      browser_post("application/x-www-form-urlencoded", "text/html;q=0, application/json")));
  EXPECT_FALSE(wants_browser_answer(browser_post("application/json", "text/html; q=0.000")));
  EXPECT_FALSE(wants_browser_answer(browser_post("text/plain")));
  EXPECT_FALSE(wants_browser_answer(browser_post("", "text/htmlx, application/json")));
}

TEST(BrowserAnswerTest, SeeOtherPointsAtTheUrl) {
  auto r = see_other("https://example.com/thanks?from=signup");
  EXPECT_EQ(r.status, 303);
  bool location = false;
  for (const auto& [k, v] : r.headers)
    location |= k == "Location" && v == "https://example.com/thanks?from=signup";
  EXPECT_TRUE(location);
}

}  // namespace
}  // namespace sundial::webhooks
