#include "engine/base/json_parse.h"

#include <gtest/gtest.h>

#include "engine/base/utf8.h"

namespace sundial {
namespace {

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonParseTest, ParsesWithinTheLimit) {
  auto v = parse_json(R"({"a":[1,{"b":"c"}],"d":null})");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ((*v)["a"][1]["b"], "c");
  auto at_limit = parse_json(nested(64));
  ASSERT_TRUE(at_limit) << at_limit.error().message;
  EXPECT_TRUE(parse_json("42"));
  EXPECT_TRUE(parse_json(nested(3), JsonLimits{3}));
}

TEST(JsonParseTest, RefusesNestingPastTheLimitBeforeBuildingAValue) {
  auto over = parse_json(nested(65));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, JsonParseError::Kind::kTooDeep);
  EXPECT_EQ(over.error().byte, 65u);
  EXPECT_NE(over.error().message.find("limit of 64 levels"), std::string::npos) << over.error().message;
  // 100,000 deep: the value would overflow the stack when copied or dumped.
  auto huge = parse_json(nested(100000));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().kind, JsonParseError::Kind::kTooDeep);
  // Objects count too, and so does the limit a caller sets.
  std::string objects;
  for (int i = 0; i < 5; ++i) objects += R"({"k":)";
  objects += "1" + std::string(5, '}');
  EXPECT_TRUE(parse_json(objects, JsonLimits{5}));
  auto deep_objects = parse_json(objects, JsonLimits{4});
  ASSERT_FALSE(deep_objects);
  EXPECT_EQ(deep_objects.error().kind, JsonParseError::Kind::kTooDeep);
  // Unclosed brackets are deep too: the scan runs before the syntax check.
  auto unclosed = parse_json(std::string(1000, '['));
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error().kind, JsonParseError::Kind::kTooDeep);
}

TEST(JsonParseTest, BracketsInsideStringsDoNotCount) {
  std::string text = R"({"s":")" + std::string(500, '[') + R"(\"[[[{{{", "t":"\\"})";
  auto v = parse_json(text, JsonLimits{1});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ((*v)["t"], "\\");
  // An escaped backslash ends the escape: the quote after it closes the string.
  auto closed = parse_json(R"(["\\", [[1]]])", JsonLimits{2});
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().kind, JsonParseError::Kind::kTooDeep);
}

TEST(JsonParseTest, SyntaxErrorsSayWhere) {
  auto bad = parse_json(R"({"a":})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, JsonParseError::Kind::kSyntax);
  EXPECT_EQ(bad.error().byte, 6u);
  EXPECT_FALSE(parse_json(""));
  EXPECT_FALSE(parse_json("[1,]"));
  auto not_utf8 = parse_json("\"\xff\"");  // JSON strings must be UTF-8
  ASSERT_FALSE(not_utf8);
  EXPECT_EQ(not_utf8.error().kind, JsonParseError::Kind::kSyntax);
}

TEST(JsonParseTest, NumbersOutOfRangeAreErrorsNotThrows) {
  for (const char* text : {"1e400", "[-1e400]", R"({"n":1.5e999})"}) {
    auto v = parse_json(text);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().kind, JsonParseError::Kind::kOutOfRange) << text;
    EXPECT_NE(v.error().message.find("number overflow"), std::string::npos) << v.error().message;
  }
  // A big integer that no int64 holds is still a number (a double).
  EXPECT_TRUE(parse_json("123456789012345678901234567890"));
}

}  // namespace
}  // namespace sundial

// nlohmann's message quotes the bytes where it stopped; they go into JSON
// answers, logs and journals, so they must come back as UTF-8.
TEST(JsonParseTest, AnErrorAboutBytesThatAreNotUtf8IsItselfUtf8) {
  auto parsed = sundial::parse_json("{\"t\":\xff\xff_\xc0}");
  ASSERT_FALSE(parsed);
  EXPECT_FALSE(sundial::find_invalid_utf8(parsed.error().message)) << parsed.error().message;
}
