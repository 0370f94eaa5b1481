// failure_text: exceptions of any type described, as valid UTF-8.
// (Repairing text and checking values: Utf8Test and CodecTest.)
#include "engine/runtime/failure_text.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "engine/base/utf8.h"

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
  std::string bad =
      describe_exception(thrown(std::runtime_error("a\xff"
                                                   "b")));
  EXPECT_TRUE(is_valid_utf8(bad));
  EXPECT_EQ(bad,
            "std::runtime_error: a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace sundial
