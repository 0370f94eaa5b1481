#include "engine/base/json_fields.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

const nlohmann::json kObject = nlohmann::json::parse(R"({
  "name": "Ada", "empty": "", "nothing": null, "count": 42, "negative": -7, "big": 9007199254740993,
  "ratio": 1.5, "flag": true, "list": ["a"], "nested": {"name": "inner"}, "numeric_text": "12"})");

TEST(JsonFieldsTest, StringFieldReadsAPresentString) {
  EXPECT_EQ(string_field(kObject, "name"), "Ada");
  EXPECT_EQ(string_field(kObject, "name", "fallback"), "Ada");
  EXPECT_EQ(string_field(kObject, "empty", "fallback"), "");  // present, even if empty
  EXPECT_EQ(string_field(kObject, "numeric_text", "fallback"), "12");
}

TEST(JsonFieldsTest, StringFieldFallsBackWhenMissingNullOrAnotherType) {
  EXPECT_EQ(string_field(kObject, "missing"), "");
  EXPECT_EQ(string_field(kObject, "missing", "fallback"), "fallback");
  EXPECT_EQ(string_field(kObject, "nothing", "fallback"), "fallback");
  for (const char* key : {"count", "ratio", "flag", "list", "nested"}) {
    EXPECT_EQ(string_field(kObject, key, "fallback"), "fallback") << key;
  }
}

TEST(JsonFieldsTest, IntFieldReadsAPresentInteger) {
  EXPECT_EQ(int_field(kObject, "count"), 42);
  EXPECT_EQ(int_field(kObject, "count", -1), 42);
  EXPECT_EQ(int_field(kObject, "negative", -1), -7);
  EXPECT_EQ(int_field(kObject, "big", -1), 9007199254740993);
}

TEST(JsonFieldsTest, IntFieldFallsBackWhenMissingNullOrAnotherType) {
  EXPECT_EQ(int_field(kObject, "missing"), 0);
  EXPECT_EQ(int_field(kObject, "missing", -1), -1);
  EXPECT_EQ(int_field(kObject, "nothing", -1), -1);
  // A numeric string, a fraction and a boolean are not integers.
  for (const char* key : {"numeric_text", "ratio", "flag", "name", "list", "nested"}) {
    EXPECT_EQ(int_field(kObject, key, -1), -1) << key;
  }
}

TEST(JsonFieldsTest, NonObjectInputGivesTheFallbackWithoutThrowing) {
  for (const nlohmann::json& input : {nlohmann::json(nullptr), nlohmann::json("name"), nlohmann::json(42),
                                      nlohmann::json::array({"name", 1}), nlohmann::json(true)}) {
    EXPECT_NO_THROW({
      EXPECT_EQ(string_field(input, "name", "fallback"), "fallback") << input.dump();
      EXPECT_EQ(int_field(input, "name", -1), -1) << input.dump();
    });
  }
}

}  // namespace
}  // namespace sundial
