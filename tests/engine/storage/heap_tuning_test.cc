// keep_large_blocks_off_the_heap() (engine/storage/heap_tuning.h): a block
// the size of a memtable arena block is still served by mmap after an
// earlier one was freed, so freeing it returns the memory to the OS. With
// glibc's dynamic threshold the first free raises the threshold and the
// second block comes from the heap, where its pages stay resident.
#include <gtest/gtest.h>

#include <malloc.h>

#include <cstring>

#include "engine/storage/heap_tuning.h"

namespace sundial {
namespace {

constexpr size_t kArenaBlock = size_t{1} << 20;  // write_buffer_size / 8 with the defaults

// Allocates one arena-sized block and reports whether glibc mmapped it.
bool next_block_is_mmapped() {
  size_t before = mallinfo2().hblkhd;
  char* volatile block = static_cast<char*>(std::malloc(kArenaBlock));
  std::memset(block, 1, kArenaBlock);
  bool mmapped = mallinfo2().hblkhd >= before + kArenaBlock;
  std::free(block);
  return mmapped;
}

TEST(HeapTuning, ArenaSizedBlocksStayOnMmapAfterOneIsFreed) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer replaces malloc: glibc's mmap threshold does not apply";
#endif
  ASSERT_TRUE(keep_large_blocks_off_the_heap());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(next_block_is_mmapped())
        << "block " << i << " came from the heap: freeing it keeps it resident";
  }
}

}  // namespace
}  // namespace sundial
