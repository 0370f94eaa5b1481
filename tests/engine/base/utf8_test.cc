#include "engine/base/utf8.h"

#include <gtest/gtest.h>

namespace sundial {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  for (std::string_view s :
       {std::string_view(""), std::string_view("plain ascii"), std::string_view("caf\xc3\xa9"),
        std::string_view("\xe2\x82\xac"), std::string_view("\xf0\x9f\x98\x80"),
        std::string_view("\xf4\x8f\xbf\xbf"), std::string_view("nul\0inside", 10)}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_TRUE(check_utf8("text", s));
    EXPECT_EQ(repair_utf8(s), s);
  }
}

TEST(Utf8Test, RefusesEveryKindOfBadSequence) {
  struct Case {
    std::string_view bytes;
    size_t offset;
  };
  for (Case c : {Case{"\xff", 0}, Case{"ok\xfe", 2}, Case{"\x80", 0},                        // stray bytes
                 Case{"\xc3", 0}, Case{"a\xe2\x82", 1},                                      // truncated
                 Case{"\xc0\xaf", 0}, Case{"\xe0\x80\xaf", 0}, Case{"\xf0\x80\x80\xaf", 0},  // overlong
                 Case{"\xed\xa0\x80", 0},                                                    // a surrogate
                 Case{"\xf4\x90\x80\x80", 0}, Case{"\xf5\x80\x80\x80", 0},                   // above U+10FFFF
                 Case{"\xc3\x28", 0}}) {  // bad continuation
    EXPECT_FALSE(is_valid_utf8(c.bytes));
    ASSERT_EQ(find_invalid_utf8(c.bytes), c.offset) << testing::PrintToString(std::string(c.bytes));
  }
}

TEST(Utf8Test, CheckNamesWhatAndWhere) {
  auto r = check_utf8("signal name", "ab\xff");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "signal name is not valid UTF-8 (bad byte 0xFF at offset 2)");
}

TEST(Utf8Test, RepairReplacesEachBadByte) {
  EXPECT_EQ(repair_utf8("a\xff"
                        "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(repair_utf8("\xc3"), "\xef\xbf\xbd");
  EXPECT_EQ(repair_utf8("\xc3\x28"), "\xef\xbf\xbd(");  // a bad continuation keeps the next char
  EXPECT_EQ(repair_utf8("plain \"quoted\" \n line"), "plain \"quoted\" \n line");
  EXPECT_EQ(repair_utf8("\xff\xfe"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(repair_utf8("caf\xc3\xa9\xff"), "caf\xc3\xa9\xef\xbf\xbd");
  EXPECT_TRUE(is_valid_utf8(repair_utf8("\xed\xa0\x80\xf4\x90\x80\x80")));
}

}  // namespace
}  // namespace sundial
