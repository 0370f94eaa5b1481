// JsonWriter (engine/codec/json_writer.h) and EncodedJson
// (engine/codec/encoded_json.h): what they write reads back as what was
// meant, escapes as nlohmann does, and text that is not UTF-8 fails the
// writer, naming its member.
#include "engine/codec/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/codec/codec.h"
#include "engine/codec/encoded_json.h"

namespace sundial {
namespace {

using nlohmann::json;

TEST(JsonWriterTest, NestedObjectsAndArraysGetTheirCommasAndReadBack) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a").integer(-3);
  w.key("b").begin_array().unsigned_integer(18446744073709551615ull).boolean(true).null().end_array();
  w.key("c").begin_object().key("d").string("e").end_object();
  w.key("empty").begin_array().end_array();
  w.key("raw").raw(R"({"x":[1,2]})");
  w.key("v").value(json{{"k", {1, "two"}}});
  w.end_object();
  ASSERT_TRUE(w.ok());
  json back = json::parse(out);
  EXPECT_EQ(back, (json{{"a", -3},
                        {"b", {18446744073709551615ull, true, nullptr}},
                        {"c", {{"d", "e"}}},
                        {"empty", json::array()},
                        {"raw", {{"x", {1, 2}}}},
                        {"v", {{"k", {1, "two"}}}}}));
}

TEST(JsonWriterTest, StringsAreEscapedExactlyAsNlohmannDumpsThem) {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control.push_back(static_cast<char>(c));
  for (std::string s : {std::string("plain"), std::string("quote \" and \\ backslash"), every_control,
                        std::string("\x7f del"), std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        std::string("a\0b", 3), std::string()}) {
    std::string out;
    JsonWriter w(out);
    w.string(s);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(out, json(s).dump()) << "for " << json(s).dump();
  }
}

TEST(JsonWriterTest, DoublesReadBackAsTheSameDoubleAndStayFractional) {
  for (double d : {2.0, 0.1, 1.5, -7.25, 1e300, 5e-324, 123456789.123}) {
    std::string out;
    JsonWriter(out).number(d);
    json back = json::parse(out);
    ASSERT_TRUE(back.is_number_float()) << out;
    EXPECT_EQ(back.get<double>(), d) << out;
  }
  std::string out;
  JsonWriter(out).number(std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "null");
}

TEST(JsonWriterTest, TextThatIsNotUtf8FailsTheWriterAndNamesItsMember) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("fine").string("ok").key("worker").string("w\xc3").key("later").string("\xff");
  w.end_object();
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.first_bad_key(), "worker");
  std::string out2;
  JsonWriter w2(out2);
  w2.begin_object().key("v").value(json(std::string("\xfe"))).end_object();
  EXPECT_FALSE(w2.ok());
}

TEST(EncodedJsonTest, TheTextIsTheDumpCopiesShareItAndCheckNamesAProblem) {
  json v = {{"to", "ada@example.com"}, {"n", {1, 2.5, nullptr}}};
  EncodedJson e(v);
  EXPECT_EQ(e.text(), v.dump());
  EXPECT_EQ(e.value(), v);
  EncodedJson copy = e;
  EXPECT_EQ(copy.text().data(), e.text().data()) << "a copy shares the text";
  EXPECT_TRUE(e.check("payload"));

  EncodedJson none;
  EXPECT_TRUE(none.is_null());
  EXPECT_EQ(none.text(), "null");
  EXPECT_TRUE(EncodedJson(json(nullptr)).is_null());

  EncodedJson bad(json(std::string("\xff")));
  auto r = bad.check("payload");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("payload"), std::string::npos);
  json deep = 1;
  for (size_t i = 0; i < kMaxStoredValueDepth + 2; ++i) deep = json::array({deep});
  EXPECT_FALSE(EncodedJson(deep).check("payload"));
}

}  // namespace
}  // namespace sundial
