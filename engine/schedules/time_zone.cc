#include "engine/schedules/time_zone.h"

#include <date/tz.h>

#include <chrono>
#include <exception>
#include <vector>

#include "engine/base/closest_match.h"

namespace sundial {
namespace {

int64_t tz_floor_seconds(TimeMs ms) { return ms / 1000 - (ms % 1000 < 0 ? 1 : 0); }

}  // namespace

Result<TimeZone> TimeZone::find(std::string_view name) {
  if (name.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "time zone name is empty (write e.g. \"UTC\" or \"Europe/Paris\")");
  }
  // The longest zone name is about 30 bytes. A longer one is refused
  // before any lookup: the "did you mean" search costs its length times
  // each of the ~600 names, and names may come from untrusted input (a
  // signup's time zone).
  constexpr size_t kMaxZoneName = 64;
  if (name.size() > kMaxZoneName) {
    return make_error(ErrorCode::kInvalidArgument,
                      "time zone name is longer than " + std::to_string(kMaxZoneName) + " bytes");
  }
  const date::time_zone* zone = nullptr;
  std::string unknown = "unknown time zone \"" + std::string(name) + "\"";
  try {
    zone = date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    // locate_zone throws std::runtime_error for a name it does not know.
  }
  if (zone == nullptr) {
    std::vector<std::string> names;
    try {
      const auto& db = date::get_tzdb();
      names.reserve(db.zones.size());
      for (const auto& z : db.zones) names.emplace_back(z.name());
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kInvalidArgument, unknown + " (tz database unreadable: " + e.what() + ")");
    }
    std::string hint = closest_match(name, names);
    if (!hint.empty()) unknown += "; did you mean \"" + hint + "\"?";
    return make_error(ErrorCode::kInvalidArgument, std::move(unknown));
  }
  return TimeZone(zone);
}

TimeZone TimeZone::utc() {
  static const date::time_zone* const kUtc = date::locate_zone("UTC");
  return TimeZone(kUtc);
}

const std::string& TimeZone::name() const { return zone_->name(); }

int64_t TimeZone::local_seconds(TimeMs at) const {
  int64_t s = tz_floor_seconds(at);
  auto info = zone_->get_info(date::sys_seconds{std::chrono::seconds{s}});
  return s + info.offset.count();
}

TimeMs TimeZone::resolve_local(int64_t local_seconds) const {
  auto info = zone_->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
  int64_t s = 0;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier instant: the first offset
      s = local_seconds - info.first.offset.count();
      break;
    case date::local_info::nonexistent:  // the instant the gap ends
      s = info.second.begin.time_since_epoch().count();
      break;
  }
  return s * 1000;
}

int64_t TimeZone::utc_offset_seconds(TimeMs at) const {
  return zone_->get_info(date::sys_seconds{std::chrono::seconds{tz_floor_seconds(at)}}).offset.count();
}

size_t warm_time_zones() {
  const auto& db = date::get_tzdb();
  for (const auto& zone : db.zones) {
    // The first question about a zone reads its file.
    (void)zone.get_info(date::sys_seconds{});
  }
  return db.zones.size();
}

}  // namespace sundial
