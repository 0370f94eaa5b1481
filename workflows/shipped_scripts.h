// The files shipped with Sundial: the Lua workflow scripts (the family
// folders of workflows/ that hold `*.lua` files: workflows/nurture/
// nurture.lua, ...) and the families' email templates (templates/<family>/).
// They are found at run time in the data folder beside the binary, never
// at a path compiled in (the build machine's):
//   1. <exe dir>/../share/sundial: an install (cmake --install: bin/ and
//      share/sundial/), and sundiald or the tools in a build tree, whose
//      share/sundial links to the source tree (cmake/shipped_data.cmake);
//   2. for a binary deeper in a build tree (a test), the share/sundial of
//      the nearest folder above it holding CMakeCache.txt.
// Without either, the first one is named anyway, so a start-up error says
// where the files were looked for.
//
// Threading: start-up; the lookup runs once per process (thread-safe).
// Ownership: values.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sundial {

// The data folder of this process's binary (/proc/self/exe): see above.
const std::filesystem::path& shipped_data_dir();
// The same lookup for a binary at `exe` (tests).
std::filesystem::path find_shipped_data_dir(const std::filesystem::path& exe);

// <data>/templates/<family>: a family's default templates_dir.
std::string shipped_templates_dir(std::string_view family);

// The folders of <data>/workflows holding .lua files, sorted; empty when
// there are none.
std::vector<std::filesystem::path> shipped_script_dirs();

}  // namespace sundial
