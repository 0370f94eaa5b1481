// Search attributes: the business keys a workflow type declares from its
// start input (`email`, `booking_uid`, `assignee`). They are taken from
// the prepared input when the instance starts, stored on its record, and
// indexed in the start's own commit (keys::attr_index_key), so
// `GET /api/v1/instances?attr.email=ada@example.com` finds every instance
// of a person across types, and an erasure finds what to delete.
//
// A declaration names an attribute and the input path it comes from
// (dotted: `customer.email`). The value there may be a string, a number, a
// boolean, or an array of them (each element is a value: `assignees`);
// absent or null means none. Values are stored and matched with ASCII
// letters lower-cased (search_value): `Ada@Example.com` is found by
// `ada@example.com`, as people type addresses either way.
//
// Threading: pure functions and values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

struct SearchAttributeSpec {
  std::string name;  // [a-z0-9_], 1-64 bytes
  std::string path;  // dotted fields into the input; the name when empty
  bool operator==(const SearchAttributeSpec&) const = default;
};

struct SearchAttribute {
  std::string name;
  std::string value;
  auto operator<=>(const SearchAttribute&) const = default;
};

inline constexpr size_t kMaxSearchAttributeSpecs = 16;
inline constexpr size_t kMaxSearchAttributeValues = 64;       // per instance, every name together
inline constexpr size_t kMaxSearchAttributeValueBytes = 256;  // one value

// A value as it is indexed and looked up: ASCII letters lower-cased.
std::string search_value(std::string_view value);

// invalid_argument unless `name` is 1-64 bytes of [a-z0-9_].
Result<void> validate_search_attribute_name(std::string_view name);
// invalid_argument for a bad name or path, a name declared twice, or more
// than kMaxSearchAttributeSpecs.
Result<void> validate_search_attribute_specs(const std::vector<SearchAttributeSpec>& specs);

// The attributes `specs` take from `input`, sorted and without repeats.
// invalid_argument, naming the attribute and its path, when a value there
// is an object (or an array holding one), longer than
// kMaxSearchAttributeValueBytes, empty, or holds a control character, or
// when there are more than kMaxSearchAttributeValues: a start whose keys
// could not be indexed is refused rather than left unfindable (an erasure
// must find it).
Result<std::vector<SearchAttribute>> extract_search_attributes(const std::vector<SearchAttributeSpec>& specs,
                                                               const nlohmann::json& input);

// {"email": ["ada@example.com"], ...}: the API's and the record's form.
nlohmann::json search_attributes_to_json(const std::vector<SearchAttribute>& attributes);
// The inverse; invalid_argument for another shape.
Result<std::vector<SearchAttribute>> search_attributes_from_json(const nlohmann::json& j);

}  // namespace sundial
