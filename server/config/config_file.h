// The TOML configuration file (DESIGN.md section 2): parses it onto the
// defaults of DaemonConfig. Unknown tables or keys, wrong types and bad
// values are errors that name the key, so a typo never silently falls
// back to a default.
#pragma once

#include <string>
#include <string_view>

#include "engine/base/error.h"
#include "server/config/daemon_config.h"

namespace sundial {

// `source_name` appears in messages ("sundial.toml:3:7: ...").
Result<void> apply_config_text(std::string_view toml_text, std::string_view source_name,
                               DaemonConfig& config);
Result<void> apply_config_file(const std::string& path, DaemonConfig& config);

}  // namespace sundial
