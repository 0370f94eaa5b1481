#include "engine/storage/store.h"

#include <utility>
#include <vector>

#include "engine/base/coding.h"

namespace sundial {

Result<void> scan_prefix(Store& store, Cf cf, std::string_view prefix, const ScanFn& fn) {
  return store.scan(cf, prefix, prefix_successor(prefix), fn);
}

Result<BackupInfo> Store::checkpoint(const std::string&, TimeMs) {
  return make_error(ErrorCode::kInvalidArgument, "this store cannot take a backup");
}

Result<void> Store::scan_reverse(Cf cf, std::string_view begin, std::string_view end, const ScanFn& fn) {
  std::vector<std::pair<std::string, std::string>> rows;
  SUNDIAL_TRY(scan(cf, begin, end, [&](std::string_view key, std::string_view value) {
    rows.emplace_back(key, value);
    return true;
  }));
  for (auto row = rows.rbegin(); row != rows.rend(); ++row) {
    if (!fn(row->first, row->second)) break;
  }
  return {};
}

}  // namespace sundial
