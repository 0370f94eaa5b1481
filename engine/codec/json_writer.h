// JsonWriter: writes JSON text straight into a string, for the records
// written on every change (task and queue records) and the answers sent as
// often (claims), where building an nlohmann::json tree first costs more
// than the change itself (one map node and key string per field).
//
// The caller lays out the structure: key() before each member value;
// commas are placed by the writer. Keys must be plain ASCII literals (not
// escaped). A string that is not valid UTF-8 is written as "" and marks
// the writer failed (ok() false, first_bad_key() names its member): the
// caller answers an error and stores nothing.
//
// Threading: a plain value, one thread at a time.
// Ownership: writes into a string the caller owns, which must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view s);
  JsonWriter& integer(int64_t v);
  JsonWriter& unsigned_integer(uint64_t v);
  JsonWriter& number(double v);  // finite; written so it reads back as the same double
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Text that already is one JSON value (an EncodedJson's text).
  JsonWriter& raw(std::string_view json_text);
  // An nlohmann value (dumped; invalid UTF-8 fails the writer as string() does).
  JsonWriter& value(const nlohmann::json& v);

  bool ok() const { return bad_key_.empty() && !bad_; }
  // The member whose string was not valid UTF-8 ("" when at the top level).
  const std::string& first_bad_key() const { return bad_key_; }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  void before_value();
  void fail();

  std::string& out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
  std::string_view last_key_;
  std::string bad_key_;
  bool bad_ = false;
};

}  // namespace sundial
