// Byte-level helpers for binary keys: big-endian fixed-width integers, whose
// byte order equals their numeric order, so RocksDB's bytewise comparator
// sorts keys by time and sequence.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sundial {

void put_u32_be(std::string& out, uint32_t v);
void put_u64_be(std::string& out, uint64_t v);
// Reads from `in` at `pos`; nullopt when `in` is too short.
std::optional<uint32_t> get_u32_be(std::string_view in, size_t pos = 0);
std::optional<uint64_t> get_u64_be(std::string_view in, size_t pos = 0);

// The smallest string greater than every string that starts with `prefix`;
// empty when there is none (prefix of all 0xff bytes), meaning "unbounded".
std::string prefix_successor(std::string_view prefix);

// Lower-case hex of any bytes (list cursors), and back; nullopt for text
// that is not such hex.
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace sundial
