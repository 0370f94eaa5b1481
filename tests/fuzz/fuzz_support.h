// Small helpers shared by the libFuzzer targets of tests/fuzz/: a reader
// that carves the fuzzer's bytes into the pieces a target needs, and a
// property check that crashes loudly (libFuzzer records a crash, the
// corpus replay test fails). The same sources build as libFuzzer targets
// (clang, build-fuzz/) and as corpus replays (the normal build), so nothing
// here may depend on clang's headers.
//
// Threading: single-threaded, one input at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// A property every input must keep; broken → abort with the condition.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace sundial::fuzz {

// Reads the fuzzer's bytes front to back; past the end it yields zeros and
// empty pieces, so every input is usable.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // The bytes up to the first `separator` (consumed, not returned), or all
  // that is left when there is none.
  std::string_view until(std::string_view separator) {
    size_t at = rest_.find(separator);
    std::string_view piece = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + separator.size());
    return piece;
  }
  std::string_view rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  std::string_view rest_;
};

// Whether `s` can go into a JSON document (nlohmann's dump() throws on
// invalid UTF-8, which is what the codec and the API answers do with it).
inline bool encodable(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

inline bool encodable_json(const nlohmann::json& j) {
  try {
    (void)j.dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace sundial::fuzz
