#include "workflows/shipped_scripts.h"

#include <algorithm>
#include <system_error>

namespace sundial {

namespace fs = std::filesystem;

fs::path find_shipped_data_dir(const fs::path& exe) {
  std::error_code ec;
  fs::path bin = exe.parent_path();
  fs::path beside = (bin.parent_path() / "share" / "sundial").lexically_normal();
  if (fs::is_directory(beside, ec)) return beside;
  for (fs::path dir = bin; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "CMakeCache.txt", ec)) {
      fs::path built = dir / "share" / "sundial";
      if (fs::is_directory(built, ec)) return built;
      break;
    }
    if (dir == dir.parent_path()) break;
  }
  return beside;
}

const fs::path& shipped_data_dir() {
  static const fs::path dir = [] {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path("share/sundial") : find_shipped_data_dir(exe);
  }();
  return dir;
}

std::string shipped_templates_dir(std::string_view family) {
  return (shipped_data_dir() / "templates" / family).string();
}

std::vector<fs::path> shipped_script_dirs() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(shipped_data_dir() / "workflows", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_directory()) continue;
    std::error_code inner;
    for (fs::directory_iterator f(it->path(), inner), fend; !inner && f != fend; f.increment(inner)) {
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
