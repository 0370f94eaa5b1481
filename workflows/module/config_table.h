// ConfigTable: one table of the TOML configuration ([nurture], [calcom]),
// declared by the part of the program that reads it — a workflow module
// (workflow_module.h) or the webhook secrets (webhook_secrets.h) — as
// plain data: the table's name and its keys, each bound to the settings
// field it sets. server/config parses the file onto these: it knows the
// value kinds and their messages, not the tables.
//
// Threading: plain values. Ownership: the fields point into a settings
// object the caller owns; a table is used while that object lives.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"

namespace sundial {

// A string: "a string".
struct StringField {
  std::string* target;
};
// A duration string such as "90s" or "1d12h".
struct DurationField {
  DurationMs* target;
};
// An array of duration strings such as ["0s", "1d"].
struct DurationListField {
  std::vector<DurationMs>* target;
};

// An array of strings such as ["a", "b"].
struct StringListField {
  std::vector<std::string>* target;
};
// A number (integer or float) in [min, max].
struct NumberField {
  double* target;
  double min;
  double max;
};

// true or false.
struct BoolField {
  bool* target;
};

struct ConfigKey {
  std::string name;  // "offsets": the key within its table
  std::variant<StringField, DurationField, DurationListField, StringListField, NumberField, BoolField> field;
};

struct ConfigTable {
  std::string name;  // "nurture": the [table]
  std::vector<ConfigKey> keys;
};

// The values a table's keys hold now, as JSON by key (durations in ms): a
// family's table as its shipped script's ctx.config, with no second list
// of the keys to keep in step.
inline nlohmann::json table_values(const ConfigTable& table) {
  nlohmann::json out = nlohmann::json::object();
  for (const ConfigKey& key : table.keys) {
    std::visit([&](const auto& f) { out[key.name] = *f.target; }, key.field);
  }
  return out;
}

}  // namespace sundial
