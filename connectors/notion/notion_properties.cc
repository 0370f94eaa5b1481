#include "connectors/notion/notion_properties.h"

#include <cctype>
#include <cmath>

namespace sundial::notion {

namespace {

// property[key] when the property is an object of that `type`.
const nlohmann::json* typed_value(const nlohmann::json& property, std::string_view type) {
  if (!property.is_object()) return nullptr;
  auto t = property.find("type");
  if (t == property.end() || !t->is_string() || t->get_ref<const std::string&>() != type) return nullptr;
  auto v = property.find(std::string(type));
  return v == property.end() ? nullptr : &*v;
}

// object[key] when `object` is an object holding it (a const json's
// operator[] on a missing key is undefined behaviour).
const nlohmann::json& member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(std::string(key));
  return it == object.end() ? kNull : *it;
}

std::optional<std::string> string_at(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto v = object.find(std::string(key));
  if (v == object.end() || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<std::string> rich_text(const nlohmann::json& runs) {
  if (!runs.is_array()) return std::nullopt;
  std::string out;
  for (const auto& run : runs) {
    if (auto plain = string_at(run, "plain_text")) {
      out += *plain;
    } else {
      out += string_at(member(run, "text"), "content").value_or("");
    }
  }
  return out;
}

std::vector<std::string> ids_of(const nlohmann::json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) {
    if (auto id = string_at(item, "id")) out.push_back(*id);
  }
  return out;
}

nlohmann::json optional_json(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nullptr; }

nlohmann::json finite_number(const nlohmann::json& v) {
  if (!v.is_number()) return nullptr;
  double d = v.get<double>();
  return std::isfinite(d) ? v : nlohmann::json(nullptr);
}

// A date value {start, end?, time_zone?} as text: its start, or, when it
// has an end, the ISO 8601 interval "start/end".
nlohmann::json date_text(const nlohmann::json& date) {
  auto start = string_at(date, "start");
  if (!start) return nullptr;
  auto end = string_at(date, "end");
  return end && !end->empty() ? *start + "/" + *end : *start;
}

nlohmann::json simplify_formula(const nlohmann::json& formula) {
  std::string type = string_at(formula, "type").value_or("");
  if (type == "number") return finite_number(member(formula, "number"));
  if (type == "string") return optional_json(string_at(formula, "string"));
  if (type == "boolean" && member(formula, "boolean").is_boolean()) return member(formula, "boolean");
  if (type == "date") return date_text(member(formula, "date"));
  return nullptr;
}

}  // namespace

std::optional<std::string> title_text(const nlohmann::json& property) {
  if (const auto* v = typed_value(property, "title")) return rich_text(*v);
  if (const auto* v = typed_value(property, "rich_text")) return rich_text(*v);
  return std::nullopt;
}

std::optional<std::vector<std::string>> people_ids(const nlohmann::json& property) {
  const auto* v = typed_value(property, "people");
  if (v == nullptr || !v->is_array()) return std::nullopt;
  return ids_of(*v);
}

std::optional<RelationIds> relation_ids(const nlohmann::json& property) {
  const auto* v = typed_value(property, "relation");
  if (v == nullptr || !v->is_array()) return std::nullopt;
  auto more = property.find("has_more");
  return RelationIds{ids_of(*v), more != property.end() && more->is_boolean() && more->get<bool>()};
}

std::optional<double> number_value(const nlohmann::json& property) {
  const nlohmann::json* v = typed_value(property, "number");
  if (v == nullptr) {
    const auto* rollup = typed_value(property, "rollup");
    if (rollup == nullptr || string_at(*rollup, "type") != "number") return std::nullopt;
    v = &member(*rollup, "number");
  }
  if (!v->is_number()) return std::nullopt;
  double d = v->get<double>();
  return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

std::optional<std::string> date_start(const nlohmann::json& property) {
  const nlohmann::json* v = typed_value(property, "date");
  if (v == nullptr) {
    const auto* rollup = typed_value(property, "rollup");
    if (rollup == nullptr || string_at(*rollup, "type") != "date") return std::nullopt;
    v = &member(*rollup, "date");
  }
  return string_at(*v, "start");
}

std::optional<std::string> select_name(const nlohmann::json& property) {
  const auto* v = typed_value(property, "select");
  return v ? string_at(*v, "name") : std::nullopt;
}

std::optional<std::string> status_name(const nlohmann::json& property) {
  const auto* v = typed_value(property, "status");
  return v ? string_at(*v, "name") : std::nullopt;
}

nlohmann::json simplify_property(const nlohmann::json& property) {
  std::string type = string_at(property, "type").value_or("");
  if (type == "title" || type == "rich_text") return optional_json(title_text(property));
  if (type == "people") {
    auto ids = people_ids(property);
    return ids ? nlohmann::json(*ids) : nlohmann::json(nullptr);
  }
  if (type == "relation") {
    auto rel = relation_ids(property);
    if (!rel) return nullptr;
    if (!rel->has_more) return rel->ids;
    return {{"ids", rel->ids}, {"has_more", true}};
  }
  if (type == "number") {
    auto n = number_value(property);
    return n ? nlohmann::json(*n) : nlohmann::json(nullptr);
  }
  if (type == "date") return date_text(member(property, "date"));
  if (type == "select") return optional_json(select_name(property));
  if (type == "status") return optional_json(status_name(property));
  const nlohmann::json& value = member(property, type);
  if (type == "multi_select") {
    nlohmann::json names = nlohmann::json::array();
    if (value.is_array()) {
      for (const auto& option : value) {
        if (auto name = string_at(option, "name")) names.push_back(*name);
      }
    }
    return names;
  }
  if (type == "checkbox") return value.is_boolean() ? value : nlohmann::json(nullptr);
  if (type == "url" || type == "email" || type == "phone_number" || type == "created_time" ||
      type == "last_edited_time") {
    return value.is_string() ? value : nlohmann::json(nullptr);
  }
  if (type == "formula") return simplify_formula(value);
  if (type == "unique_id" && value.is_object()) {
    const nlohmann::json& n = member(value, "number");
    auto prefix = string_at(value, "prefix");
    if (!n.is_number_integer()) return nullptr;
    return prefix ? nlohmann::json(*prefix + "-" + std::to_string(n.get<int64_t>())) : n;
  }
  if (type == "rollup" && value.is_object()) {
    std::string kind = string_at(value, "type").value_or("");
    if (kind == "number") return finite_number(member(value, "number"));
    if (kind == "date") return date_text(member(value, "date"));
    if (kind == "array") {
      nlohmann::json items = nlohmann::json::array();
      const nlohmann::json& array = member(value, "array");
      if (array.is_array()) {
        for (const auto& item : array) items.push_back(simplify_property(item));
      }
      return items;
    }
  }
  return nullptr;
}

std::vector<std::string> parent_ids(const nlohmann::json& page_or_parent) {
  const nlohmann::json& parent =
      member(page_or_parent, "parent").is_object() ? member(page_or_parent, "parent") : page_or_parent;
  std::vector<std::string> out;
  for (const char* key : {"database_id", "data_source_id"}) {
    if (auto id = string_at(parent, key)) out.push_back(*id);
  }
  // A webhook event's data.parent: {"id": ..., "type": "database" | "data_source"}.
  std::string type = string_at(parent, "type").value_or("");
  if (type == "database" || type == "data_source") {
    if (auto id = string_at(parent, "id")) out.push_back(*id);
  }
  return out;
}

std::string parent_id(const nlohmann::json& page_or_parent) {
  auto ids = parent_ids(page_or_parent);
  return ids.empty() ? "" : ids.front();
}

nlohmann::json simplify_page(const nlohmann::json& page, const std::vector<std::string>& only) {
  nlohmann::json out = {{"id", optional_json(string_at(page, "id"))},
                        {"created_time", optional_json(string_at(page, "created_time"))},
                        {"last_edited_time", optional_json(string_at(page, "last_edited_time"))}};
  std::string parent = parent_id(page);
  out["parent"] = parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(parent);
  bool trashed = member(page, "in_trash") == true || member(page, "archived") == true;
  out["in_trash"] = trashed;
  nlohmann::json properties = nlohmann::json::object();
  if (member(page, "properties").is_object()) {
    for (const auto& [name, value] : member(page, "properties").items()) {
      if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
      properties[name] = simplify_property(value);
    }
  }
  out["properties"] = std::move(properties);
  return out;
}

std::string canonical_notion_id(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out.size() == 32 ? out : "";
}

bool same_notion_id(std::string_view a, std::string_view b) {
  std::string ca = canonical_notion_id(a);
  std::string cb = canonical_notion_id(b);
  if (!ca.empty() && !cb.empty()) return ca == cb;
  return !a.empty() && a == b;  // not UUIDs (a test's "db-tasks"): exact
}

}  // namespace sundial::notion
