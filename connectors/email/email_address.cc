#include "connectors/email/email_address.h"

#include <algorithm>
#include <cctype>

#include "engine/base/text.h"

namespace sundial {

std::string normalize_email(std::string_view raw) { return ascii_lower(trim_space(raw)); }

bool plausible_email(const std::string& email) {
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) return false;
  std::string domain = email.substr(at + 1);
  size_t dot = domain.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 2 > domain.size()) return false;
  if (email.size() > 190) return false;
  return std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\' ||
           c > 126;
  });
}

}  // namespace sundial
