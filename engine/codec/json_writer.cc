#include "engine/codec/json_writer.h"

#include <charconv>
#include <cmath>

#include "engine/base/utf8.h"

namespace sundial {

JsonWriter& JsonWriter::open(char c) {
  before_value();
  out_.push_back(c);
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_.push_back(c);
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (!first_.empty() && !first_.back()) out_.push_back(',');
  if (!first_.empty()) first_.back() = false;
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
  after_key_ = true;
  last_key_ = name;
  return *this;
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {  // an array element
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::fail() {
  if (ok()) {
    bad_ = last_key_.empty();
    bad_key_ = std::string(last_key_);
  }
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  if (find_invalid_utf8(s)) {
    fail();
    out_.append("\"\"");
    return *this;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out_.push_back('"');
  size_t run = 0;  // bytes copied as they are, pending
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out_.append("\\\"");
        break;
      case '\\':
        out_.append("\\\\");
        break;
      case '\b':
        out_.append("\\b");
        break;
      case '\f':
        out_.append("\\f");
        break;
      case '\n':
        out_.append("\\n");
        break;
      case '\r':
        out_.append("\\r");
        break;
      case '\t':
        out_.append("\\t");
        break;
      default:
        out_.append("\\u00");
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 0xf]);
    }
  }
  out_.append(s.substr(run));
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::unsigned_integer(uint64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  if (!std::isfinite(v)) return null();  // as nlohmann writes them
  before_value();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  out_.append(text);
  // "2" would read back as an integer: keep it a number with a fraction.
  if (text.find_first_of(".e") == std::string_view::npos) out_.append(".0");
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_.append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json_text) {
  before_value();
  out_.append(json_text);
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& v) {
  if (v.is_string()) return string(v.get_ref<const std::string&>());
  before_value();
  try {
    out_.append(v.dump());
  } catch (const nlohmann::json::exception&) {  // invalid UTF-8 inside
    fail();
    out_.append("null");
  }
  return *this;
}

}  // namespace sundial
