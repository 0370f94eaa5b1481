// LogHistogram: counts of values in power-of-two buckets (bucket i holds
// values <= 2^i), with their count and sum. Cheap enough for every commit
// and every timer fire; the server renders it as a Prometheus histogram.
//
// Threading: a plain value; the owner guards it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace sundial {

struct LogHistogram {
  static constexpr size_t kBuckets = 40;  // up to 2^39
  std::array<uint64_t, kBuckets> buckets{};
  uint64_t count = 0;
  uint64_t sum = 0;

  void add(uint64_t value) {
    size_t i = value <= 1 ? 0 : static_cast<size_t>(std::bit_width(value - 1));
    ++buckets[i < kBuckets ? i : kBuckets - 1];
    ++count;
    sum += value;
  }
  // Upper bound of bucket i.
  static uint64_t bound(size_t i) { return uint64_t{1} << i; }
};

}  // namespace sundial
