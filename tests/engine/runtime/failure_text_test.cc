// failure_text: exceptions of any type described, text made encodable,
// unencodable results detected.
#include "engine/runtime/failure_text.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sundial {
namespace {

struct Plain {};

template <typename E>
std::exception_ptr thrown(E e) {
  try {
    throw e;
  } catch (...) {
    return std::current_exception();
  }
}

TEST(FailureTextTest, DescribesStdAndOtherExceptions) {
  EXPECT_EQ(describe_exception(thrown(std::runtime_error("boom"))), "std::runtime_error: boom");
  EXPECT_EQ(describe_exception(thrown(Plain{})), "exception of type 'sundial::(anonymous namespace)::Plain'");
  EXPECT_EQ(describe_exception(thrown(42)), "exception of type 'int'");
  EXPECT_EQ(describe_exception(nullptr), "no exception");
  std::string bad = describe_exception(thrown(std::runtime_error("a\xff" "b")));
  EXPECT_TRUE(check_encodable(bad));
  EXPECT_EQ(bad, "std::runtime_error: a\xEF\xBF\xBD" "b");
}

TEST(FailureTextTest, JournalSafeTextKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(journal_safe_text("plain \"quoted\" \n line, caf\xC3\xA9"), "plain \"quoted\" \n line, caf\xC3\xA9");
  EXPECT_EQ(journal_safe_text(""), "");
  EXPECT_EQ(journal_safe_text("\xC3\x28"), "\xEF\xBF\xBD(");
  EXPECT_TRUE(check_encodable(journal_safe_text("\xff\xfe\xed\xa0\x80")));
}

TEST(FailureTextTest, ChecksThatAValueEncodes) {
  EXPECT_TRUE(check_encodable(nlohmann::json{{"id", "em_1"}, {"n", 3}}));
  auto bad = check_encodable(nlohmann::json{{"nested", {"ok", "\xff"}}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("UTF-8"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace sundial
