#include "engine/schedules/cron.h"

#include <date/date.h>

#include <array>
#include <bit>
#include <chrono>
#include <utility>
#include <vector>

#include "engine/base/floor_div.h"

namespace sundial {
namespace {

enum class CronField { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };

struct CronFieldSpec {
  std::string_view name;
  int min;
  int max;       // the largest value one may write (7 = Sunday in day of week)
  int star_max;  // where `*` and `a/n` stop (6 = Saturday in day of week)
};

constexpr std::array<CronFieldSpec, 6> kCronFieldSpecs{{
    {"second", 0, 59, 59},
    {"minute", 0, 59, 59},
    {"hour", 0, 23, 23},
    {"day of month", 1, 31, 31},
    {"month", 1, 12, 12},
    {"day of week", 0, 7, 6},
}};

constexpr std::array<std::string_view, 12> kMonthNames{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct CronMacro {
  std::string_view name;
  std::string_view expansion;
};
constexpr std::array<CronMacro, 7> kCronMacros{{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

constexpr int64_t kCronDaySeconds = 86400;
// next() and prev() look this many days ahead (back): 8 years.
constexpr int64_t kCronSearchDays = 8 * 366;
// Instants outside years 1-9999 have no fire times (keeps the calendar
// arithmetic far from overflow).
constexpr TimeMs kCronMinMs = -62135596800000;  // 0001-01-01T00:00:00Z
constexpr TimeMs kCronMaxMs = 253402300799000;  // 9999-12-31T23:59:59Z

bool cron_is_blank(char c) { return c == ' ' || c == '\t'; }

char cron_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool cron_equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (cron_upper(a[i]) != cron_upper(b[i])) return false;
  }
  return true;
}

// The first set bit at or above `from`, or -1.
int cron_next_bit(uint64_t mask, int from) {
  if (from >= 64) return -1;
  uint64_t m = mask & (~uint64_t{0} << from);
  return m == 0 ? -1 : std::countr_zero(m);
}

// The last set bit at or below `from`, or -1.
int cron_prev_bit(uint64_t mask, int from) {
  if (from < 0) return -1;
  uint64_t m = from >= 63 ? mask : mask & ((uint64_t{2} << from) - 1);
  return m == 0 ? -1 : 63 - std::countl_zero(m);
}

int cron_first_bit(uint64_t mask) { return cron_next_bit(mask, 0); }
int cron_last_bit(uint64_t mask) { return cron_prev_bit(mask, 63); }

struct CronFieldBits {
  uint64_t bits = 0;
  bool star = false;  // exactly `*` or `?`
  bool last = false;  // `L` (day of month)
};

// Parses one field; `offset` is where it starts in the text as given.
class CronFieldParser {
 public:
  CronFieldParser(CronField field, std::string_view text, size_t offset)
      : field_(field), spec_(kCronFieldSpecs[static_cast<size_t>(field)]), text_(text), offset_(offset) {}

  Result<CronFieldBits> parse() {
    CronFieldBits out;
    if (text_ == "*" || text_ == "?") {
      if (text_ == "?" && field_ != CronField::kDayOfMonth && field_ != CronField::kDayOfWeek) {
        return fail(0, "? is only allowed in day of month and day of week");
      }
      out.star = true;
      out.bits = span_bits(spec_.min, spec_.star_max, 1);
      return out;
    }
    size_t start = 0;
    while (true) {
      size_t comma = text_.find(',', start);
      size_t end = comma == std::string_view::npos ? text_.size() : comma;
      SUNDIAL_TRY(parse_item(start, text_.substr(start, end - start), out));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return out;
  }

 private:
  std::unexpected<Error> fail(size_t at, std::string_view why) const {
    return make_error(ErrorCode::kInvalidArgument, "cron: " + std::string(spec_.name) + " at position " +
                                                       std::to_string(offset_ + at + 1) + ": " +
                                                       std::string(why));
  }

  static uint64_t span_bits(int lo, int hi, int step) {
    uint64_t bits = 0;
    for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
    return bits;
  }

  // One list item at `at` within the field.
  Result<void> parse_item(size_t at, std::string_view item, CronFieldBits& out) const {
    if (item.empty()) return fail(at, "empty list item");
    SUNDIAL_TRY(refuse_quartz_extensions(at, item));
    if (field_ == CronField::kDayOfMonth && cron_equals_ignoring_case(item, "L")) {
      out.last = true;
      return {};
    }
    size_t slash = item.find('/');
    std::string_view base = item.substr(0, slash);
    int lo = 0;
    int hi = 0;
    if (base == "*") {
      lo = spec_.min;
      hi = spec_.star_max;
    } else if (base == "?") {
      return fail(at, "? stands alone");
    } else {
      size_t dash = base.find('-');
      SUNDIAL_ASSIGN_OR_RETURN(lo, parse_value(at, base.substr(0, dash)));
      if (dash != std::string_view::npos) {
        SUNDIAL_ASSIGN_OR_RETURN(hi, parse_value(at + dash + 1, base.substr(dash + 1)));
        if (lo > hi) {
          return fail(at, "range " + std::string(base) + " runs backwards (write the smaller value first)");
        }
      } else {
        hi = slash == std::string_view::npos ? lo : spec_.star_max;  // `a/n` runs to the field's end
        if (hi < lo) hi = lo;                                        // "7/2" in day of week: Sunday
      }
    }
    int step = 1;
    if (slash != std::string_view::npos) {
      std::string_view text = item.substr(slash + 1);
      size_t step_at = at + slash + 1;
      if (text.empty()) return fail(step_at, "missing step after /");
      for (char c : text) {
        if (c < '0' || c > '9') return fail(step_at, "step \"" + std::string(text) + "\" is not a number");
      }
      int span = spec_.star_max - spec_.min + 1;
      if (text.size() > 3 || std::stoi(std::string(text)) > span) {
        return fail(step_at, "step " + std::string(text) + " is out of range 1-" + std::to_string(span));
      }
      step = std::stoi(std::string(text));
      if (step == 0) return fail(step_at, "step 0 is not allowed (it must be at least 1)");
    }
    out.bits |= span_bits(lo, hi, step);
    return {};
  }

  Result<void> refuse_quartz_extensions(size_t at, std::string_view item) const {
    if (size_t hash = item.find('#'); hash != std::string_view::npos) {
      return fail(at + hash, "\"" + std::string(item) + "\": # (nth weekday of the month) is not supported");
    }
    bool has_l = false;
    bool has_w = false;
    for (char c : item) {
      has_l |= cron_upper(c) == 'L';
      has_w |= cron_upper(c) == 'W';
    }
    bool named = field_ == CronField::kMonth || field_ == CronField::kDayOfWeek;
    if (field_ == CronField::kDayOfMonth) {
      if (has_w) {
        return fail(at, "\"" + std::string(item) + "\": W (nearest weekday) is not supported");
      }
      if (has_l && !cron_equals_ignoring_case(item, "L")) {
        return fail(
            at, "\"" + std::string(item) + "\" is not supported; L stands alone (the last day of the month)");
      }
    } else if (field_ == CronField::kDayOfWeek && has_l && !item.empty() && cron_upper(item.back()) == 'L' &&
               (item.size() == 1 || (item[item.size() - 2] >= '0' && item[item.size() - 2] <= '9'))) {
      return fail(at, "\"" + std::string(item) + "\": L (last weekday of the month) is not supported");
    } else if (!named && (has_l || has_w)) {
      return fail(at, "\"" + std::string(item) + "\": " + (has_l ? "L" : "W") + " is not supported in " +
                          std::string(spec_.name));
    }
    return {};
  }

  // A number or (month, day of week) a name, within the field's range.
  Result<int> parse_value(size_t at, std::string_view text) const {
    if (text.empty()) return fail(at, "expected a number");
    if (text[0] >= '0' && text[0] <= '9') {
      for (char c : text) {
        if (c < '0' || c > '9') return fail(at, "\"" + std::string(text) + "\" is not a number");
      }
      int value = text.size() > 4 ? 99999 : std::stoi(std::string(text));
      if (value < spec_.min || value > spec_.max) {
        return fail(at, std::string(text) + " is out of range " + std::to_string(spec_.min) + "-" +
                            std::to_string(spec_.max));
      }
      return value;
    }
    if (field_ == CronField::kMonth) {
      for (size_t i = 0; i < kMonthNames.size(); ++i) {
        if (cron_equals_ignoring_case(text, kMonthNames[i])) return static_cast<int>(i) + 1;
      }
      return fail(at, "unknown month \"" + std::string(text) + "\" (write 1-12 or JAN-DEC)");
    }
    if (field_ == CronField::kDayOfWeek) {
      for (size_t i = 0; i < kWeekdayNames.size(); ++i) {
        if (cron_equals_ignoring_case(text, kWeekdayNames[i])) return static_cast<int>(i);
      }
      return fail(at, "unknown day of week \"" + std::string(text) + "\" (write 0-7 or SUN-SAT)");
    }
    return fail(at, "\"" + std::string(text) + "\" is not a number");
  }

  CronField field_;
  const CronFieldSpec& spec_;
  std::string_view text_;
  size_t offset_;
};

struct CronToken {
  std::string_view text;
  size_t offset;  // in the text as given
};

std::unexpected<Error> cron_error(size_t offset, std::string_view why) {
  return make_error(ErrorCode::kInvalidArgument,
                    "cron: at position " + std::to_string(offset + 1) + ": " + std::string(why));
}

// Days since 1970-01-01 → calendar date and weekday (0 = Sunday).
struct CronDate {
  int year;
  unsigned month;
  unsigned day;
  unsigned last_day;  // of its month
};

CronDate cron_date(int64_t days) {
  date::sys_days sd{date::days{static_cast<int>(days)}};
  date::year_month_day ymd{sd};
  date::year_month_day_last last{ymd.year(), date::month_day_last{ymd.month()}};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(last.day())};
}

}  // namespace

Result<CronExpr> CronExpr::parse(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  auto trimmed = [](char c) { return cron_is_blank(c) || c == '\r' || c == '\n'; };
  while (begin < end && trimmed(text[begin])) ++begin;
  while (end > begin && trimmed(text[end - 1])) --end;
  if (begin == end) return cron_error(0, "the expression is empty");

  std::vector<CronToken> tokens;
  for (size_t i = begin; i < end;) {
    if (cron_is_blank(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < end && !cron_is_blank(text[i])) ++i;
    tokens.push_back({text.substr(start, i - start), start});
  }

  CronExpr expr;
  expr.text_ = std::string(text.substr(begin, end - begin));
  if (tokens[0].text[0] == '@') {
    for (const auto& macro : kCronMacros) {
      if (!cron_equals_ignoring_case(tokens[0].text, macro.name)) continue;
      if (tokens.size() > 1) {
        return cron_error(tokens[1].offset,
                          std::string(macro.name) + " stands alone; remove what follows it");
      }
      SUNDIAL_ASSIGN_OR_RETURN(CronExpr expanded, parse(macro.expansion));
      expanded.text_ = std::move(expr.text_);
      return expanded;
    }
    return cron_error(tokens[0].offset, "unknown macro \"" + std::string(tokens[0].text) +
                                            "\" (write @yearly, @annually, @monthly, @weekly, @daily, "
                                            "@midnight or @hourly)");
  }
  if (tokens.size() == 7) {
    return make_error(ErrorCode::kInvalidArgument, "cron: year at position " +
                                                       std::to_string(tokens[6].offset + 1) +
                                                       ": a 7th field (year) is not supported");
  }
  if (tokens.size() != 5 && tokens.size() != 6) {
    size_t at = tokens.size() < 5 ? end : tokens[7].offset;
    return cron_error(at,
                      "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds "
                      "first), got " +
                          std::to_string(tokens.size()));
  }
  expr.has_seconds_ = tokens.size() == 6;
  size_t first = expr.has_seconds_ ? 0 : 1;
  std::array<CronFieldBits, 6> bits;
  bits[0].bits = 1;  // second 0 in the 5-field form
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto field = static_cast<CronField>(first + i);
    SUNDIAL_ASSIGN_OR_RETURN(bits[first + i],
                             CronFieldParser(field, tokens[i].text, tokens[i].offset).parse());
  }
  expr.seconds_ = bits[0].bits;
  expr.minutes_ = bits[1].bits;
  expr.hours_ = static_cast<uint32_t>(bits[2].bits);
  expr.days_ = static_cast<uint32_t>(bits[3].bits);
  expr.last_day_ = bits[3].last;
  expr.dom_star_ = bits[3].star;
  expr.months_ = static_cast<uint16_t>(bits[4].bits);
  uint64_t weekdays = bits[5].bits;
  if (weekdays & (uint64_t{1} << 7)) weekdays = (weekdays | 1) & 0x7f;  // 7 is Sunday
  expr.weekdays_ = static_cast<uint8_t>(weekdays);
  expr.dow_star_ = bits[5].star;
  return expr;
}

bool CronExpr::day_matches(int year, unsigned month, unsigned day) const {
  date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
  if (!ymd.ok()) return false;
  date::year_month_day_last last{ymd.year(), date::month_day_last{ymd.month()}};
  unsigned weekday = date::weekday{date::sys_days{ymd}}.c_encoding();
  if (!(months_ >> month & 1)) return false;
  bool dom = (days_ >> day & 1) || (last_day_ && day == static_cast<unsigned>(last.day()));
  bool dow = weekdays_ >> weekday & 1;
  // Vixie cron: with either field `*`, both must match (the `*` always
  // does); with both restricted, either may.
  return dom_star_ || dow_star_ ? dom && dow : dom || dow;
}

std::optional<TimeMs> CronExpr::next(TimeMs after, const TimeZone& zone) const {
  if (after < kCronMinMs || after >= kCronMaxMs) return std::nullopt;
  // Every local time up to the local time of `after` resolves to an instant
  // at or before `after`, so the walk starts on its local day and skips
  // candidates (whole hours and minutes at once) that resolve too early:
  // the earlier hours of that day, and the repeated hour's first pass when
  // `after` lies in its second.
  int64_t day0 = floor_div(zone.local_seconds(after), kCronDaySeconds);
  int last_minute = cron_last_bit(minutes_);
  int last_second = cron_last_bit(seconds_);
  for (int64_t day = day0; day <= day0 + kCronSearchDays; ++day) {
    CronDate d = cron_date(day);
    if (!(months_ >> d.month & 1)) {
      day += d.last_day - d.day;  // to the month's last day; the loop steps to the next month
      continue;
    }
    if (!day_matches(d.year, d.month, d.day)) continue;
    int64_t day_start = day * kCronDaySeconds;
    for (int h = cron_first_bit(hours_); h >= 0; h = cron_next_bit(hours_, h + 1)) {
      int64_t hour_start = day_start + h * 3600;
      if (zone.resolve_local(hour_start + last_minute * 60 + last_second) <= after) continue;
      for (int m = cron_first_bit(minutes_); m >= 0; m = cron_next_bit(minutes_, m + 1)) {
        int64_t minute_start = hour_start + m * 60;
        if (zone.resolve_local(minute_start + last_second) <= after) continue;
        for (int s = cron_first_bit(seconds_); s >= 0; s = cron_next_bit(seconds_, s + 1)) {
          TimeMs at = zone.resolve_local(minute_start + s);
          if (at > after) return at;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<TimeMs> CronExpr::prev(TimeMs at_or_before, const TimeZone& zone) const {
  if (at_or_before < kCronMinMs || at_or_before >= kCronMaxMs) return std::nullopt;
  // A local time a little after that of `at_or_before` can still resolve
  // before it (when it lies in the second pass of a repeated hour); DST
  // moves clocks by at most 2 hours, so the walk starts 3 hours up and
  // skips candidates that resolve too late.
  int64_t top_day = floor_div(zone.local_seconds(at_or_before) + 3 * 3600, kCronDaySeconds);
  int first_minute = cron_first_bit(minutes_);
  int first_second = cron_first_bit(seconds_);
  for (int64_t day = top_day; day >= top_day - kCronSearchDays; --day) {
    CronDate d = cron_date(day);
    if (!(months_ >> d.month & 1)) {
      day -= d.day - 1;  // to the month's first day; the loop steps to the month before
      continue;
    }
    if (!day_matches(d.year, d.month, d.day)) continue;
    int64_t day_start = day * kCronDaySeconds;
    for (int h = cron_last_bit(hours_); h >= 0; h = cron_prev_bit(hours_, h - 1)) {
      int64_t hour_start = day_start + h * 3600;
      if (zone.resolve_local(hour_start + first_minute * 60 + first_second) > at_or_before) continue;
      for (int m = cron_last_bit(minutes_); m >= 0; m = cron_prev_bit(minutes_, m - 1)) {
        int64_t minute_start = hour_start + m * 60;
        if (zone.resolve_local(minute_start + first_second) > at_or_before) continue;
        for (int s = cron_last_bit(seconds_); s >= 0; s = cron_prev_bit(seconds_, s - 1)) {
          TimeMs at = zone.resolve_local(minute_start + s);
          if (at <= at_or_before) return at;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace sundial
