// Memtable insert hints: RocksDB's memtable_insert_with_hint_prefix_extractor
// for the `index` column family. A transition writes several index
// entries at once (a task's ready entry, its status-list entry, its
// finished entry), and each kind arrives in key order of its own (ready
// keys by ready time, status keys by creation, finished keys by finish),
// but interleaved with the others. The memtable's skip list remembers one
// insert position (its "splice") per prefix this transform names, so each
// kind inserts next to its last key in a few comparisons instead of a full
// descent from the top; on the commit writer thread, those descents were
// most of the time a task round trip cost.
//
// The prefix of an index key is its tag and the fields before its first
// time (docs/storage-format.md, "Index keys"): the tag and status byte of
// `S`; tag, type and status of `U`; tag, queue and type of `R` (its
// priorities share one stream); and so on. A key of another tag gets no hint (a plain insert).
//
// Never DeleteRange in the `index` family: RocksDB 7.8 shares the hints
// between a memtable's point and range-deletion tables
// (facebook/rocksdb#5118, fixed in 9.x), so a range deletion there could
// follow a point key's hint into the wrong list. RocksDbStore::write
// refuses one.
//
// Threading: RocksDB calls the transform on the writer thread; it holds
// no state. Ownership: shared by the column family options.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include <rocksdb/slice_transform.h>

namespace sundial {

// How many leading bytes of `key` (an `index` CF key) name its insert
// stream; nullopt when the key has no known layout.
std::optional<size_t> index_insert_hint_prefix(std::string_view key);

std::shared_ptr<const rocksdb::SliceTransform> index_insert_hints();

}  // namespace sundial
