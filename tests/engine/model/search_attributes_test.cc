// Search attributes (engine/model/search_attributes.h): which values a
// declaration takes from an input, the starts refused because a key could
// not be indexed (an erasure must find every instance of a person), and the
// checks of a declaration.
#include "engine/model/search_attributes.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

std::vector<SearchAttribute> take(const std::vector<SearchAttributeSpec>& specs, const nlohmann::json& input) {
  auto out = extract_search_attributes(specs, input);
  EXPECT_TRUE(out) << out.error().message;
  return out ? *out : std::vector<SearchAttribute>{};
}

std::string refusal(const std::vector<SearchAttributeSpec>& specs, const nlohmann::json& input) {
  auto out = extract_search_attributes(specs, input);
  EXPECT_FALSE(out);
  return out ? std::string() : out.error().message;
}

TEST(SearchAttributes, TakesFieldsPathsArraysAndScalarsSortedWithoutRepeats) {
  std::vector<SearchAttributeSpec> specs = {{"email", ""}, {"booking_uid", "booking.uid"}, {"assignee", "people"}};
  auto got = take(specs, {{"email", "ada@example.com"},
                          {"booking", {{"uid", 42}}},
                          {"people", {"bob", "ada", "bob", nullptr}}});
  EXPECT_EQ(got, (std::vector<SearchAttribute>{{"assignee", "ada"},
                                               {"assignee", "bob"},
                                               {"booking_uid", "42"},
                                               {"email", "ada@example.com"}}));
  EXPECT_TRUE(take(specs, {{"email", nullptr}, {"booking", "not an object"}}).empty());
  EXPECT_TRUE(take(specs, nlohmann::json::array()).empty());
  EXPECT_TRUE(take(specs, {{"email", ""}}).empty());
  EXPECT_EQ(take(specs, {{"email", "Ada@Example.COM"}}), (std::vector<SearchAttribute>{{"email", "ada@example.com"}}));
  EXPECT_EQ(take({{"flag", ""}}, {{"flag", true}}), (std::vector<SearchAttribute>{{"flag", "true"}}));
}

TEST(SearchAttributes, RefusesValuesThatCannotBeIndexedNamingTheAttribute) {
  std::vector<SearchAttributeSpec> specs = {{"email", "contact.email"}};
  EXPECT_EQ(refusal(specs, {{"contact", {{"email", {{"a", 1}}}}}}),
            "search attribute 'email' (input.contact.email) must be a string, a number, a boolean or an array "
            "of them, not object");
  EXPECT_NE(refusal(specs, {{"contact", {{"email", std::string(257, 'a')}}}}).find("longer than 256 bytes"),
            std::string::npos);
  EXPECT_NE(refusal(specs, {{"contact", {{"email", "a\nb"}}}}).find("control characters"), std::string::npos);
  EXPECT_NE(refusal(specs, {{"contact", {{"email", {"ok", {1, 2}}}}}}).find("not array"), std::string::npos);
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 65; ++i) many.push_back("v" + std::to_string(i));
  EXPECT_NE(refusal({{"tag", "tags"}}, {{"tags", many}}).find("more than 64 search attribute values"),
            std::string::npos);
  many.erase(many.begin());
  EXPECT_EQ(take({{"tag", "tags"}}, {{"tags", many}}).size(), 64u);
}

TEST(SearchAttributes, ADeclarationNeedsGoodNamesAndPathsOnce) {
  EXPECT_TRUE(validate_search_attribute_specs({{"email", ""}, {"booking_uid", "booking.uid"}}));
  EXPECT_FALSE(validate_search_attribute_specs({{"Email", ""}}));
  EXPECT_FALSE(validate_search_attribute_specs({{"", "x"}}));
  EXPECT_FALSE(validate_search_attribute_specs({{"a", ".x"}}));
  EXPECT_FALSE(validate_search_attribute_specs({{"a", "x..y"}}));
  auto twice = validate_search_attribute_specs({{"a", "x"}, {"a", "y"}});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "search attribute 'a' is declared twice");
  std::vector<SearchAttributeSpec> seventeen;
  for (int i = 0; i < 17; ++i) seventeen.push_back({"a" + std::to_string(i), ""});
  EXPECT_FALSE(validate_search_attribute_specs(seventeen));
}

TEST(SearchAttributes, TheStoredFormRoundTrips) {
  std::vector<SearchAttribute> attrs = {{"assignee", "ada"}, {"assignee", "bob"}, {"email", "ada@example.com"}};
  nlohmann::json j = search_attributes_to_json(attrs);
  EXPECT_EQ(j, nlohmann::json::parse(R"({"assignee":["ada","bob"],"email":["ada@example.com"]})"));
  auto back = search_attributes_from_json(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, attrs);
  EXPECT_FALSE(search_attributes_from_json(nlohmann::json::parse(R"({"email":"x"})")));
}

}  // namespace
}  // namespace sundial
