#include "workflows/nurture/signup.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(SignupTest, SegmentBoundaries) {
  // red alone: 0 → optimize, 1 → urgent, 2 and more → critical.
  EXPECT_EQ(segment_for(0, 0), "optimize");
  EXPECT_EQ(segment_for(1, 0), "urgent");
  EXPECT_EQ(segment_for(2, 0), "critical");
  EXPECT_EQ(segment_for(9, 0), "critical");
  // orange alone: 2 → optimize, 3 and more → urgent.
  EXPECT_EQ(segment_for(0, 2), "optimize");
  EXPECT_EQ(segment_for(0, 3), "urgent");
  EXPECT_EQ(segment_for(0, 9), "urgent");
  // red decides over orange.
  EXPECT_EQ(segment_for(1, 2), "urgent");
  EXPECT_EQ(segment_for(1, 3), "urgent");
  EXPECT_EQ(segment_for(2, 3), "critical");
  EXPECT_EQ(segment_for(2, 2), "critical");
}

TEST(SignupTest, ParsesAJsonBody) {
  auto s = parse_signup(nlohmann::json::parse(
      R"({"email": " Ada@Example.COM ", "first_name": " Ada ", "red": 2, "orange": 1})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->email, "ada@example.com");
  EXPECT_EQ(s->first_name, "Ada");
  EXPECT_EQ(s->red, 2);
  EXPECT_EQ(s->orange, 1);
  EXPECT_EQ(segment_for(s->red, s->orange), "critical");
  EXPECT_EQ(nurture_instance_id(s->email), "nurture:ada@example.com");
}

// A form body decodes to a flat object of strings (server/webhooks/webhook_body.h).
TEST(SignupTest, ParsesAFormDecodedBodyWithCountsAsStrings) {
  nlohmann::json form = {
      {"email", "Bob@Example.com"}, {"first_name", "Bob"}, {"red", "0"}, {"orange", " 3 "}};
  auto s = parse_signup(form);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->email, "bob@example.com");
  EXPECT_EQ(s->first_name, "Bob");
  EXPECT_EQ(s->red, 0);
  EXPECT_EQ(s->orange, 3);
  EXPECT_EQ(segment_for(s->red, s->orange), "urgent");
  // Empty or absent counts are zero (an unticked form field).
  auto empty = parse_signup({{"email", "bob@example.com"}, {"red", ""}});
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->red, 0);
  EXPECT_EQ(empty->orange, 0);
  EXPECT_EQ(empty->first_name, "there");
}

// The campaign's form sends red_systems and orange_systems: once ignored,
// a lead with two red systems got OPTIMIZE instead of CRITICAL.
TEST(SignupTest, ReadsTheCampaignFormsRedSystemsAndOrangeSystems) {
  auto json = parse_signup({{"email", "a@b.co"}, {"red_systems", 2}});
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ(json->red, 2);
  EXPECT_EQ(segment_for(json->red, json->orange), "critical");
  auto form = parse_signup({{"email", "a@b.co"}, {"red_systems", "0"}, {"orange_systems", " 3 "}});
  ASSERT_TRUE(form) << form.error().message;
  EXPECT_EQ(form->red, 0);
  EXPECT_EQ(form->orange, 3);
  EXPECT_EQ(segment_for(form->red, form->orange), "urgent");
  // "red" wins when both are given; an empty or null one counts as not given.
  auto both = parse_signup({{"email", "a@b.co"}, {"red", 1}, {"red_systems", 2}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->red, 1);
  auto empty_red = parse_signup({{"email", "a@b.co"}, {"red", ""}, {"red_systems", "2"}});
  ASSERT_TRUE(empty_red);
  EXPECT_EQ(empty_red->red, 2);
  auto null_red = parse_signup({{"email", "a@b.co"}, {"red", nullptr}, {"red_systems", 2}});
  ASSERT_TRUE(null_red);
  EXPECT_EQ(null_red->red, 2);
  auto bad = parse_signup({{"email", "a@b.co"}, {"orange_systems", "many"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("orange_systems"), std::string::npos) << bad.error().message;
}

TEST(SignupTest, CountsThatAreNotCountsAreInvalidArguments) {
  for (const nlohmann::json& red :
       {nlohmann::json("two"), nlohmann::json("-1"), nlohmann::json("1.5"), nlohmann::json(-1),
        nlohmann::json(1.5), nlohmann::json("99999"), nlohmann::json(10000),
        nlohmann::json::array({"1", "2"}), nlohmann::json(true)}) {
    auto s = parse_signup({{"email", "ada@example.com"}, {"red", red}});
    ASSERT_FALSE(s) << red.dump();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find("red"), std::string::npos) << s.error().message;
  }
}

TEST(SignupTest, AnInvalidEmailIsAnInvalidArgument) {
  for (const nlohmann::json& body :
       {nlohmann::json::object(), nlohmann::json{{"email", nullptr}}, nlohmann::json{{"email", 42}},
        nlohmann::json{{"email", ""}}, nlohmann::json{{"email", "not-an-email"}},
        nlohmann::json{{"email", "a b@x.io"}},
        nlohmann::json{{"email", nlohmann::json::array({"a@x.io", "b@x.io"})}},  // a repeated form key
        nlohmann::json{{"email", "ada@example"}}, nlohmann::json(nullptr),
        nlohmann::json("ada@example.com")}) {
    auto s = parse_signup(body);
    ASSERT_FALSE(s) << body.dump();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << body.dump();
  }
}

TEST(SignupTest, KeepsAKnownTimeZoneForTheSendWindowAndIgnoresAnUnknownOne) {
  auto paris = parse_signup({{"email", "a@example.com"}, {"timezone", " Europe/Paris "}});
  ASSERT_TRUE(paris);
  EXPECT_EQ(paris->timezone, "Europe/Paris");
  EXPECT_EQ(nurture_input(*paris, {0})["timezone"], "Europe/Paris");
  auto tz = parse_signup({{"email", "a@example.com"}, {"tz", "Asia/Tokyo"}});
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->timezone, "Asia/Tokyo");
  for (const nlohmann::json& zone : {nlohmann::json("Mars/Base"), nlohmann::json(""), nlohmann::json(7)}) {
    auto other = parse_signup({{"email", "a@example.com"}, {"timezone", zone}});
    ASSERT_TRUE(other) << zone.dump();  // never refused over its zone
    EXPECT_EQ(other->timezone, "");
    EXPECT_FALSE(nurture_input(*other, {0}).contains("timezone"));
  }
}

TEST(SignupTest, FirstNameFallsBackToFirstNameThenNameThenThere) {
  auto camel = parse_signup({{"email", "a@b.co"}, {"firstName", "Camel"}, {"name", "Full Name"}});
  ASSERT_TRUE(camel);
  EXPECT_EQ(camel->first_name, "Camel");
  auto name = parse_signup({{"email", "a@b.co"}, {"name", " Full Name "}});
  ASSERT_TRUE(name);
  EXPECT_EQ(name->first_name, "Full Name");
  auto snake_first = parse_signup({{"email", "a@b.co"}, {"first_name", "Snake"}, {"firstName", "Camel"}});
  ASSERT_TRUE(snake_first);
  EXPECT_EQ(snake_first->first_name, "Snake");
  // A null or non-string first_name lets the next key answer.
  auto null_first = parse_signup({{"email", "a@b.co"}, {"first_name", nullptr}, {"name", "Named"}});
  ASSERT_TRUE(null_first);
  EXPECT_EQ(null_first->first_name, "Named");
  auto none = parse_signup({{"email", "a@b.co"}, {"name", 7}});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->first_name, "there");
}

}  // namespace
}  // namespace sundial
