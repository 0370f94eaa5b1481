#include "engine/kv/kv_entry.h"

#include <algorithm>
#include <array>

#include "engine/base/utf8.h"
#include "engine/codec/stored_json.h"

namespace sundial {

using nlohmann::json;
namespace sj = stored_json;

namespace {

constexpr std::array<std::string_view, 2> kOpNames = {"put", "delete"};

std::optional<KvOp> parse_op(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); ++i) {
    if (kOpNames[i] == name) return static_cast<KvOp>(i);
  }
  return std::nullopt;
}

Error corrupt_entry(std::string_view ns, std::string_view key, std::string_view why) {
  return Error{ErrorCode::kCorruption, "stored kv entry '" + std::string(ns) + "'/'" + repair_utf8(key) +
                                           "' cannot be decoded: " + std::string(why)};
}

}  // namespace

std::string_view kv_op_name(KvOp op) { return kOpNames[static_cast<size_t>(op)]; }

Result<void> check_kv_namespace(std::string_view ns) {
  bool ok = !ns.empty() && ns.size() <= kMaxKvNamespace && std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
  if (ok) return sundial::ok();
  return make_error(ErrorCode::kInvalidArgument, "kv namespace '" + repair_utf8(ns.substr(0, 80)) +
                                                     "' must be 1-" + std::to_string(kMaxKvNamespace) +
                                                     " characters of A-Z a-z 0-9 . _ : -");
}

Result<void> check_kv_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKvKey) {
    return make_error(ErrorCode::kInvalidArgument, "a kv key must be 1-" + std::to_string(kMaxKvKey) +
                                                       " bytes (this one is " + std::to_string(key.size()) +
                                                       ")");
  }
  SUNDIAL_TRY(check_utf8("the kv key", key));
  if (std::any_of(key.begin(), key.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the kv key '" + repair_utf8(key.substr(0, 80)) + "' holds a control character");
  }
  return ok();
}

Result<void> check_kv_value(const json& value) {
  SUNDIAL_TRY(check_storable(value, "the kv value"));
  size_t bytes = value.dump().size();  // storable: valid UTF-8, so dump() cannot throw
  if (bytes > kMaxKvValueBytes) {
    return make_error(ErrorCode::kInvalidArgument, "the kv value encodes to " + std::to_string(bytes) +
                                                       " bytes; at most " + std::to_string(kMaxKvValueBytes) +
                                                       " are kept");
  }
  return ok();
}

std::string kv_row_key(std::string_view ns, std::string_view key) {
  std::string row(ns);
  row.push_back('\0');
  row.append(key);
  return row;
}

std::optional<std::string_view> kv_key_of_row(std::string_view ns, std::string_view row_key) {
  if (row_key.size() <= ns.size() || row_key.substr(0, ns.size()) != ns || row_key[ns.size()] != '\0') {
    return std::nullopt;
  }
  return row_key.substr(ns.size() + 1);
}

std::string encode_kv_entry(const KvEntry& e) {
  // The stored row is what the API shows, less the key (the row key holds it).
  json j = kv_entry_to_json(e, true);
  j.erase("key");
  // Every string in it passed check_kv_key / check_kv_value or is ours.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<KvEntry> decode_kv_entry(std::string_view ns, std::string_view key, std::string_view bytes) {
  auto parsed = sj::parse_object(bytes, "kv entry");
  if (!parsed) return std::unexpected(corrupt_entry(ns, key, parsed.error().message));
  const json& j = *parsed;
  KvEntry e;
  e.ns = std::string(ns);
  e.key = std::string(key);
  if (!j.contains("value") || !j.contains("version") || !j.contains("history") || !j["history"].is_array()) {
    return std::unexpected(corrupt_entry(ns, key, "a field is missing"));
  }
  e.value = j["value"];
  if (!sj::read(j, "version", e.version) || !sj::read(j, "deleted", e.deleted) ||
      !sj::read(j, "created_at", e.created_at) || !sj::read(j, "updated_at", e.updated_at) ||
      !sj::read(j, "conflicts", e.conflicts)) {
    return std::unexpected(corrupt_entry(ns, key, "a field has the wrong type"));
  }
  for (const json& h : j["history"]) {
    KvChange c;
    std::string op;
    if (!h.is_object() || !sj::read(h, "version", c.version) || !sj::read(h, "at", c.at) ||
        !sj::read(h, "by", c.by) || !sj::read(h, "op", op) || !parse_op(op)) {
      return std::unexpected(corrupt_entry(ns, key, "a history entry is malformed"));
    }
    c.op = *parse_op(op);
    e.history.push_back(std::move(c));
  }
  if (auto it = j.find("last_conflict"); it != j.end()) {
    KvConflict c;
    if (!it->is_object() || !sj::read(*it, "at", c.at) || !sj::read(*it, "by", c.by) ||
        !sj::read(*it, "expected", c.expected) || !sj::read(*it, "found", c.found)) {
      return std::unexpected(corrupt_entry(ns, key, "last_conflict is malformed"));
    }
    e.last_conflict = std::move(c);
  }
  return e;
}

json kv_entry_to_json(const KvEntry& e, bool with_history) {
  json j = {{"key", e.key},
            {"value", e.value},
            {"version", e.version},
            {"deleted", e.deleted},
            {"created_at", e.created_at},
            {"updated_at", e.updated_at},
            {"conflicts", e.conflicts}};
  if (e.last_conflict) {
    const KvConflict& c = *e.last_conflict;
    j["last_conflict"] = {{"at", c.at}, {"by", c.by}, {"expected", c.expected}, {"found", c.found}};
  }
  if (with_history) {
    json history = json::array();
    for (const KvChange& c : e.history) {
      history.push_back({{"version", c.version}, {"op", kv_op_name(c.op)}, {"at", c.at}, {"by", c.by}});
    }
    j["history"] = std::move(history);
  }
  return j;
}

}  // namespace sundial
