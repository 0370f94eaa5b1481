#include "tools/ctl/plural.h"

namespace sundial::ctl {

namespace {

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

}  // namespace

std::string plural_of(std::string_view noun) {
  std::string out(noun);
  if (out.empty()) return out;
  if (out.size() >= 2 && out.back() == 'y' && !is_vowel(out[out.size() - 2])) {
    out.pop_back();
    return out + "ies";
  }
  if (out.ends_with("s") || out.ends_with("x") || out.ends_with("ch") || out.ends_with("sh"))
    return out + "es";
  return out + "s";
}

std::string count_of(size_t n, std::string_view noun, std::string_view plural) {
  std::string word = n == 1 ? std::string(noun) : plural.empty() ? plural_of(noun) : std::string(plural);
  return std::to_string(n) + " " + word;
}

}  // namespace sundial::ctl
