#include "engine/storage/store.h"

#include "engine/base/coding.h"

namespace sundial {

Result<void> scan_prefix(Store& store, Cf cf, std::string_view prefix, const ScanFn& fn) {
  return store.scan(cf, prefix, prefix_successor(prefix), fn);
}

}  // namespace sundial
