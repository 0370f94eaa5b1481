#include "engine/base/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

namespace sundial {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

std::string ordered_hex128(uint64_t& last, int64_t now_ms) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t floor = static_cast<uint64_t>(now_ms < 0 ? 0 : now_ms) << 16;
  last = std::max(last + 1, floor);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(last),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::string random_hex128() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::string derived_id(std::string_view kind, std::string_view a, std::string_view b) {
  // FNV-1a, 64 bits each: printable, fixed length, and the same every time.
  auto fnv = [](std::string_view text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return h;
  };
  char buf[33];
  std::string both = std::string(b) + '\x1f' + std::string(a);
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(fnv(a)),
                static_cast<unsigned long long>(fnv(both)));
  return std::string(kind) + "-" + buf;
}

}  // namespace sundial
