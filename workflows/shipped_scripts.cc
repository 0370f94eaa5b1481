#include "workflows/shipped_scripts.h"

#include <algorithm>
#include <system_error>

namespace sundial {

std::vector<std::filesystem::path> shipped_script_dirs() {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(SUNDIAL_WORKFLOWS_DIR, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_directory()) continue;
    std::error_code inner;
    for (std::filesystem::directory_iterator f(it->path(), inner), fend; !inner && f != fend;
         f.increment(inner)) {
      if (f->path().extension() == ".lua" && f->is_regular_file()) {
        dirs.push_back(it->path());
        break;
      }
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

}  // namespace sundial
