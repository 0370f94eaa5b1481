// Reading and writing the JSON of stored values (instance records, journal
// entries, task records, queue records) without exceptions: strict typed
// reads of optional fields, where a wrong type is corruption, and checked
// encoding. Shared by engine/codec/codec.cc and engine/tasks/task_codec.cc.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/base/json_parse.h"
#include "engine/codec/codec.h"

namespace sundial::stored_json {

using nlohmann::json;

// A stored record or entry holds its value one level down.
inline constexpr JsonLimits kStoredLimits{kMaxStoredValueDepth + 1};

inline Result<json> parse_object(std::string_view bytes, std::string_view what) {
  auto j = parse_json(bytes, kStoredLimits);
  if (!j || !j->is_object()) {
    return make_error(ErrorCode::kCorruption, "stored " + std::string(what) + " is not a JSON object" +
                                                  (j ? "" : ": " + j.error().message));
  }
  return std::move(*j);
}

// Dumps an object whose values passed check_storable: cannot throw then,
// but the catch keeps the "never throws" promise if that ever changes.
inline Result<std::string> dump_checked(const json& j, std::string_view what) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " cannot be encoded: " + e.what());
  }
}

// Checks every field of an object about to be stored.
inline Result<void> check_fields(const json& j, std::string_view what) {
  for (const auto& [key, value] : j.items()) {
    SUNDIAL_TRY(check_storable(value, std::string(what) + " field '" + key + "'"));
  }
  return ok();
}

// Reads an integer field: only JSON integers that fit `T`. nlohmann's get<>
// would convert a float (1e300 is undefined behaviour) or wrap a negative
// number into an unsigned type.
template <typename T>
bool read_integer(const json& v, T& out) {
  using Limits = std::numeric_limits<T>;
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(Limits::max())) return false;
    out = static_cast<T>(u);
    return true;
  }
  if (!v.is_number_integer() || std::is_unsigned_v<T>) return false;  // floats; negatives for unsigned
  auto i = v.get<int64_t>();
  if (i < static_cast<int64_t>(Limits::min()) || i > static_cast<int64_t>(Limits::max())) return false;
  out = static_cast<T>(i);
  return true;
}

// Reads optional field `key` of `j` into `out`; wrong types are corruption.
template <typename T>
bool read(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return read_integer(*it, out);
  } else {
    try {
      out = it->get<T>();
      return true;
    } catch (const json::exception&) {
      return false;
    }
  }
}

inline Error corrupt(std::string_view what, const char* field) {
  return Error{ErrorCode::kCorruption, "stored " + std::string(what) + " has a bad field '" + field + "'"};
}

}  // namespace sundial::stored_json
