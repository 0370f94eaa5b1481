// The config tests' one way in: a sundial.toml text applied to the
// embedded defaults, as the daemon reads its file.
//
// Threading: pure function.
#pragma once

#include <string>

#include "server/config/config_file.h"

namespace sundial {

inline Result<DaemonConfig> parse_config(const std::string& text) {
  DaemonConfig c;
  SUNDIAL_TRY(apply_config_text(text, "sundial.toml", c));
  return c;
}

}  // namespace sundial
