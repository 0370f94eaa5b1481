// scan_decoded: the one scan-and-decode loop over a key range of the Store.
// Every reader of stored values in order (an instance's journal, the event
// log) scans with it, so "the first value that does not decode stops the
// scan and is the error" holds everywhere the same way.
//
// Threading: any thread that may read the Store (the pool, never the loop).
// Ownership: borrows the Store for the call.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "engine/base/coding.h"
#include "engine/base/error.h"
#include "engine/storage/store.h"

namespace sundial {

// Scans [begin, end) of `cf` (an empty `end` means to the last key),
// decoding each value with `decode(key, value) -> Result<T>` and handing
// it to `take(T&&) -> bool` (false stops the scan). A value that does not
// decode stops the scan and its error is returned.
template <typename T, typename Decode, typename Take>
Result<void> scan_decoded(Store& store, Cf cf, std::string_view begin, std::string_view end, Decode&& decode,
                          Take&& take) {
  Result<void> bad;
  SUNDIAL_TRY(store.scan(cf, begin, end, [&](std::string_view key, std::string_view value) {
    Result<T> item = decode(key, value);
    if (!item) {
      bad = std::unexpected(std::move(item.error()));
      return false;
    }
    return static_cast<bool>(take(std::move(*item)));
  }));
  return bad;
}

// The same over every key that starts with `prefix`.
template <typename T, typename Decode, typename Take>
Result<void> scan_decoded_prefix(Store& store, Cf cf, std::string_view prefix, Decode&& decode, Take&& take) {
  std::string end = prefix_successor(prefix);
  return scan_decoded<T>(store, cf, prefix, end, std::forward<Decode>(decode), std::forward<Take>(take));
}

}  // namespace sundial
