#include "engine/storage/keys.h"

#include <algorithm>

#include "engine/base/coding.h"
#include "engine/base/utf8.h"

namespace sundial::keys {
namespace {

constexpr char kStatusTag = 'S';
constexpr char kTypeTag = 'T';
constexpr char kTypeStatusTag = 'U';
constexpr char kFinishedTag = 'F';
constexpr char kIdempotencyExpiryTag = 'X';
constexpr char kVersionTag = 'V';
constexpr char kPastRunTag = 'P';
constexpr char kNoticeTag = 'N';
constexpr char kChildTag = 'H';
constexpr char kAttrTag = 'A';

Result<void> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

void put_time(std::string& out, TimeMs t) { put_u64_be(out, static_cast<uint64_t>(t < 0 ? 0 : t)); }

}  // namespace

Result<void> validate_instance_id(std::string_view id) {
  if (id.empty() || id.size() > 200) {
    return invalid("instance id must be 1 to 200 characters, got " + std::to_string(id.size()));
  }
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\') {
      return invalid("instance id '" + std::string(id) +
                     "' contains a character that is not allowed; use printable ASCII without "
                     "spaces, '/', '?', '#', '%' or '\\'");
    }
  }
  // A URL path cannot name them: clients resolve /instances/.. to /.
  if (id == "." || id == "..") return invalid("instance id cannot be '.' or '..'");
  return ok();
}

Result<void> validate_type_name(std::string_view type) {
  if (type.empty() || type.size() > 100) {
    return invalid("workflow type must be 1 to 100 characters");
  }
  for (char c : type) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '_' || c == '-';
    if (!allowed) {
      return invalid("workflow type '" + std::string(type) +
                     "' may only contain A-Z, a-z, 0-9, '.', '_' and '-'");
    }
  }
  // "." and ".." would name a directory, not a type (a path trick in
  // /api/v1/workflows/{type} or a file "..lua").
  if (type.find_first_not_of('.') == std::string_view::npos) {
    return invalid("workflow type '" + std::string(type) + "' must hold a character other than '.'");
  }
  return ok();
}

Result<void> validate_name(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 200) {
    return invalid(std::string(what) + " name must be 1 to 200 characters");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return invalid(std::string(what) + " name must not contain control characters");
    }
  }
  return check_utf8(std::string(what) + " name", name);
}

std::string journal_key(std::string_view id, uint32_t run, uint32_t seq) {
  std::string out = journal_prefix(id, run);
  put_u32_be(out, seq);
  return out;
}

std::string journal_prefix(std::string_view id, uint32_t run) {
  std::string out(id);
  if (run <= 1) {
    out.push_back('\0');
  } else {
    out.push_back('\1');
    put_u32_be(out, run);
  }
  return out;
}

std::string journal_all_runs_begin(std::string_view id) { return std::string(id) + '\0'; }
std::string journal_all_runs_end(std::string_view id) { return std::string(id) + '\2'; }

std::string past_run_key(std::string_view id, uint32_t run) {
  std::string out = past_run_prefix(id);
  put_u32_be(out, run);
  return out;
}

std::string notice_key(std::string_view sender, uint32_t run, uint32_t seq, char kind) {
  std::string out = notice_prefix();
  out.append(sender);
  out.push_back('\0');
  put_u32_be(out, run);
  put_u32_be(out, seq);
  out.push_back(kind);
  return out;
}

std::string notice_prefix() { return std::string(1, kNoticeTag); }

std::string child_key(std::string_view parent, std::string_view child) {
  std::string out = child_prefix(parent);
  out.append(child);
  return out;
}

std::string child_prefix(std::string_view parent) {
  std::string out(1, kChildTag);
  out.append(parent);
  out.push_back('\0');
  return out;
}

std::string_view child_of_key(std::string_view key, std::string_view parent) {
  return key.substr(std::min(key.size(), parent.size() + 2));
}

std::string past_run_prefix(std::string_view id) {
  std::string out(1, kPastRunTag);
  out.append(id);
  out.push_back('\0');
  return out;
}

std::optional<uint32_t> journal_seq(std::string_view key) {
  if (key.size() < 5) return std::nullopt;
  return get_u32_be(key, key.size() - 4);
}

std::string timer_key(TimeMs due, std::string_view id) {
  std::string out;
  out.reserve(8 + id.size());
  put_time(out, due);
  out.append(id);
  return out;
}

std::optional<TimerKey> parse_timer_key(std::string_view key) {
  auto due = get_u64_be(key);
  if (!due || key.size() == 8) return std::nullopt;
  return TimerKey{static_cast<TimeMs>(*due), std::string(key.substr(8))};
}

std::string slot_index_prefix(SlotSpace space) { return std::string(1, static_cast<char>(space)); }

std::string slot_index_key_prefix(std::string_view key, SlotSpace space) {
  std::string out = slot_index_prefix(space);
  out.append(key);
  out.push_back('\0');
  return out;
}

std::string slot_index_key(std::string_view key, uint8_t state, uint64_t seq, std::string_view id,
                           SlotSpace space) {
  std::string out = slot_index_key_prefix(key, space);
  out.push_back(static_cast<char>(state));
  put_u64_be(out, seq);
  out.append(id);
  return out;
}

std::optional<SlotIndexKey> parse_slot_index_key(std::string_view key, SlotSpace space) {
  if (key.empty() || key[0] != static_cast<char>(space)) return std::nullopt;
  size_t end = key.find('\0', 1);
  if (end == std::string_view::npos || key.size() < end + 1 + 1 + 8 + 1) return std::nullopt;
  SlotIndexKey out;
  out.key = std::string(key.substr(1, end - 1));
  out.state = static_cast<uint8_t>(key[end + 1]);
  auto seq = get_u64_be(key, end + 2);
  if (!seq) return std::nullopt;
  out.seq = *seq;
  out.id = std::string(key.substr(end + 10));
  return out;
}

std::string status_index_prefix(uint8_t status) {
  std::string out(1, kStatusTag);
  out.push_back(static_cast<char>(status));
  return out;
}

std::string status_index_key(uint8_t status, TimeMs created, std::string_view id) {
  std::string out = status_index_prefix(status);
  put_time(out, created);
  out.append(id);
  return out;
}

std::string type_index_prefix(std::string_view type) {
  std::string out(1, kTypeTag);
  out.append(type);
  out.push_back('\0');
  return out;
}

std::string type_index_key(std::string_view type, TimeMs created, std::string_view id) {
  std::string out = type_index_prefix(type);
  put_time(out, created);
  out.append(id);
  return out;
}

std::string type_status_index_prefix(std::string_view type, uint8_t status) {
  std::string out(1, kTypeStatusTag);
  out.append(type);
  out.push_back('\0');
  out.push_back(static_cast<char>(status));
  return out;
}

std::string type_status_index_key(std::string_view type, uint8_t status, TimeMs created,
                                  std::string_view id) {
  std::string out = type_status_index_prefix(type, status);
  put_time(out, created);
  out.append(id);
  return out;
}

std::string type_status_index_all_prefix() { return std::string(1, kTypeStatusTag); }

std::optional<TypeStatusOfKey> parse_type_status_index_key(std::string_view key) {
  if (key.empty() || key[0] != kTypeStatusTag) return std::nullopt;
  size_t nul = key.find('\0', 1);
  if (nul == std::string_view::npos || nul + 1 >= key.size()) return std::nullopt;
  return TypeStatusOfKey{key.substr(1, nul - 1), static_cast<uint8_t>(key[nul + 1])};
}

std::string version_index_type_prefix(std::string_view type) {
  std::string out(1, kVersionTag);
  out.append(type);
  out.push_back('\0');
  return out;
}

std::string version_index_prefix(std::string_view type, std::string_view version) {
  std::string out = version_index_type_prefix(type);
  out.append(version);
  out.push_back('\0');
  return out;
}

std::string version_index_key(std::string_view type, std::string_view version, std::string_view id) {
  return version_index_prefix(type, version).append(id);
}

std::string finished_index_prefix() { return std::string(1, kFinishedTag); }

std::string finished_index_key(TimeMs finished, std::string_view id) {
  std::string out = finished_index_prefix();
  put_time(out, finished);
  out.append(id);
  return out;
}

std::string idempotency_expiry_prefix() { return std::string(1, kIdempotencyExpiryTag); }

std::string idempotency_expiry_key(TimeMs expires, std::string_view key) {
  std::string out = idempotency_expiry_prefix();
  put_time(out, expires);
  out.append(key);
  return out;
}

std::string_view index_key_id(std::string_view key, size_t prefix_len) {
  if (key.size() < prefix_len + 8) return {};
  return key.substr(prefix_len + 8);
}

std::optional<TimeMs> index_key_time(std::string_view key, size_t prefix_len) {
  auto t = get_u64_be(key, prefix_len);
  if (!t) return std::nullopt;
  return static_cast<TimeMs>(*t);
}

std::string event_key(uint64_t seq) {
  std::string out;
  put_u64_be(out, seq);
  return out;
}

std::optional<uint64_t> parse_event_key(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  return get_u64_be(key);
}

namespace {

// A u16 big-endian length (names and values are far shorter: search_attributes.h).
void put_length(std::string& out, size_t n) {
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
}

}  // namespace

std::string attr_index_prefix(std::string_view name, std::string_view value) {
  std::string out(1, kAttrTag);
  put_length(out, name.size());
  out.append(name);
  put_length(out, value.size());
  out.append(value);
  return out;
}

std::string attr_index_key(std::string_view name, std::string_view value, std::string_view id) {
  std::string out = attr_index_prefix(name, value);
  out.append(id);
  return out;
}

}  // namespace sundial::keys
