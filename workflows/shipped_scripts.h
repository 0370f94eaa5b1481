// The Lua workflow scripts shipped with Sundial: the family folders of
// workflows/ that hold `*.lua` files (workflows/nurture/nurture.lua, ...),
// found in the source tree by absolute path, as the email templates are.
//
// Threading: start-up. Ownership: values.
#pragma once

#include <filesystem>
#include <vector>

namespace sundial {

// The folders, sorted; empty when the source tree is not there.
std::vector<std::filesystem::path> shipped_script_dirs();

}  // namespace sundial
