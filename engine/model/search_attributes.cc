#include "engine/model/search_attributes.h"

#include <algorithm>

#include "engine/base/text.h"
#include "engine/base/utf8.h"

namespace sundial {

namespace {

Error invalid(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

const std::string& path_of(const SearchAttributeSpec& spec) { return spec.path.empty() ? spec.name : spec.path; }

// The value at dotted `path` in `input`, or null.
const nlohmann::json* find_path(const nlohmann::json& input, std::string_view path) {
  const nlohmann::json* at = &input;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string field(path.substr(0, dot));
    if (!at->is_object()) return nullptr;
    auto it = at->find(field);
    if (it == at->end()) return nullptr;
    at = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return at;
}

Result<void> add_value(const SearchAttributeSpec& spec, const nlohmann::json& v, std::vector<SearchAttribute>& out) {
  auto where = [&] { return "search attribute '" + spec.name + "' (input." + path_of(spec) + ")"; };
  std::string value;
  if (v.is_string()) {
    value = v.get<std::string>();
  } else if (v.is_number_integer() || v.is_number_unsigned() || v.is_boolean()) {
    value = v.dump();
  } else if (v.is_number_float()) {
    value = v.dump();
  } else {
    return std::unexpected(invalid(where() + " must be a string, a number, a boolean or an array of them, not " +
                                   std::string(v.type_name())));
  }
  if (value.empty()) return {};  // "" names nobody: not indexed
  if (value.size() > kMaxSearchAttributeValueBytes) {
    return std::unexpected(invalid(where() + " is longer than " + std::to_string(kMaxSearchAttributeValueBytes) +
                                   " bytes"));
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return std::unexpected(invalid(where() + " must not hold control characters"));
    }
  }
  if (auto utf8 = check_utf8(where(), value); !utf8) return std::unexpected(utf8.error());
  out.push_back({spec.name, search_value(value)});
  return {};
}

}  // namespace

std::string search_value(std::string_view value) { return ascii_lower(value); }

Result<void> validate_search_attribute_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok) {
    return make_error(ErrorCode::kInvalidArgument,
                      "search attribute name '" + std::string(name.substr(0, 80)) +
                          "' must be 1 to 64 characters of a-z, 0-9 and _");
  }
  return {};
}

Result<void> validate_search_attribute_specs(const std::vector<SearchAttributeSpec>& specs) {
  if (specs.size() > kMaxSearchAttributeSpecs) {
    return make_error(ErrorCode::kInvalidArgument, "a type declares at most " +
                                                       std::to_string(kMaxSearchAttributeSpecs) +
                                                       " search attributes, not " + std::to_string(specs.size()));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    SUNDIAL_TRY(validate_search_attribute_name(specs[i].name));
    const std::string& path = path_of(specs[i]);
    bool path_ok = path.size() <= 200 && path.front() != '.' && path.back() != '.' &&
                   path.find("..") == std::string::npos &&
                   std::none_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (!path_ok) {
      return make_error(ErrorCode::kInvalidArgument, "search attribute '" + specs[i].name + "': path '" +
                                                         path.substr(0, 80) +
                                                         "' must be input field names joined by dots");
    }
    for (size_t j = 0; j < i; ++j) {
      if (specs[j].name == specs[i].name) {
        return make_error(ErrorCode::kInvalidArgument, "search attribute '" + specs[i].name + "' is declared twice");
      }
    }
  }
  return {};
}

Result<std::vector<SearchAttribute>> extract_search_attributes(const std::vector<SearchAttributeSpec>& specs,
                                                               const nlohmann::json& input) {
  std::vector<SearchAttribute> out;
  for (const SearchAttributeSpec& spec : specs) {
    const nlohmann::json* v = find_path(input, path_of(spec));
    if (v == nullptr || v->is_null()) continue;
    if (v->is_array()) {
      for (const nlohmann::json& element : *v) {
        if (element.is_null()) continue;
        SUNDIAL_TRY(add_value(spec, element, out));
        if (out.size() > kMaxSearchAttributeValues) break;
      }
    } else {
      SUNDIAL_TRY(add_value(spec, *v, out));
    }
    if (out.size() > kMaxSearchAttributeValues) {
      return make_error(ErrorCode::kInvalidArgument, "the input has more than " +
                                                         std::to_string(kMaxSearchAttributeValues) +
                                                         " search attribute values (at '" + spec.name + "')");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

nlohmann::json search_attributes_to_json(const std::vector<SearchAttribute>& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const SearchAttribute& a : attributes) {
    nlohmann::json& values = out[a.name];
    if (values.is_null()) values = nlohmann::json::array();
    values.push_back(a.value);
  }
  return out;
}

Result<std::vector<SearchAttribute>> search_attributes_from_json(const nlohmann::json& j) {
  auto bad = [] { return make_error(ErrorCode::kInvalidArgument, "search attributes must be {name: [values]}"); };
  if (!j.is_object()) return bad();
  std::vector<SearchAttribute> out;
  for (const auto& [name, values] : j.items()) {
    if (!values.is_array()) return bad();
    for (const nlohmann::json& v : values) {
      if (!v.is_string()) return bad();
      out.push_back({name, v.get<std::string>()});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sundial
