// Reading Notion page properties (PROVIDERS.md 3.4): the typed readers a
// workflow needs — title, people, relation (with its has_more: Notion
// truncates relations at 25 references in page responses), rollup
// (number, date, array), number, date, select, status — and
// simplify_property(), which turns any property value into the plain JSON a
// script reads (`Assignee` → ["<user id>", ...]). A page's untrusted JSON
// never throws here: a property of another type, or malformed, reads as
// nothing.
//
// Also the id rule: Notion ids may come with or without dashes;
// same_notion_id() compares them as Notion does.
//
// Threading: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial::notion {

// The plain text of a title or rich_text property (its runs' plain_text,
// or text.content, joined).
std::optional<std::string> title_text(const nlohmann::json& property);
// The user ids of a people property.
std::optional<std::vector<std::string>> people_ids(const nlohmann::json& property);

struct RelationIds {
  std::vector<std::string> ids;
  bool has_more = false;  // truncated: the full list needs the property item endpoint
};
std::optional<RelationIds> relation_ids(const nlohmann::json& property);
// A number property, or a rollup of type number.
std::optional<double> number_value(const nlohmann::json& property);
// The `start` of a date property, or of a rollup of type date.
std::optional<std::string> date_start(const nlohmann::json& property);
std::optional<std::string> select_name(const nlohmann::json& property);
std::optional<std::string> status_name(const nlohmann::json& property);

// Any property value as plain JSON: title/rich_text → text; people and
// relation → a list of ids (a relation with has_more → {"ids": [...],
// "has_more": true}); number → number; date → its start (text), or for a
// range the ISO 8601 interval "start/end" (its first 10 bytes are still
// the start date); select,
// status → the option's name; multi_select → names; checkbox → boolean;
// url, email, phone_number, created_time, last_edited_time → text;
// formula → its value; rollup → its number, date (as a date), or an array of
// the simplified items; unique_id → "PREFIX-n" or n. Empty or unknown →
// null.
nlohmann::json simplify_property(const nlohmann::json& property);

// A page as a script reads it: {"id", "created_time", "last_edited_time",
// "parent": <database, data source or page id>, "in_trash", "properties":
// {name: simplified}}. `only` (when not empty) keeps those property names.
nlohmann::json simplify_page(const nlohmann::json& page, const std::vector<std::string>& only = {});

// The ids a page's parent (or a webhook event's data.parent) names for its
// database: database_id, data_source_id (2025-09-03 names both), or the
// id of a parent of type database or data_source. Empty for other parents.
std::vector<std::string> parent_ids(const nlohmann::json& page_or_parent);
// The first of them ("" if none): the database id when the parent names one.
std::string parent_id(const nlohmann::json& page_or_parent);

// Ids compared as Notion does: dashes ignored, hex in any case.
bool same_notion_id(std::string_view a, std::string_view b);
// The id without dashes, lower-case; "" when it is not 32 hex digits.
std::string canonical_notion_id(std::string_view id);

}  // namespace sundial::notion
