#include "core/allocator.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>

namespace s3u {
namespace {

// Under AddressSanitizer malloc is the sanitizer's own: mallopt is refused and glibc's
// counters do not move, so there is nothing of glibc's to test.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S3U_ASAN_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define S3U_ASAN_MALLOC 1
#endif

#if defined(__GLIBC__) && !defined(S3U_ASAN_MALLOC)
// Blocks mapped by malloc right now (glibc's count of mmap'd chunks).
size_t MappedBlocks() { return mallinfo2().hblks; }

// glibc's dynamic threshold would raise itself above a freed mapped block, so the second
// block of the same size would come from the heap and stay resident after its free. With
// the threshold fixed, every such block is mapped on allocation and unmapped on free.
TEST(AllocatorTest, BlocksAboveTheThresholdAreMappedEvenAfterOneWasFreed) {
  ASSERT_TRUE(ConfigureAllocator());
  for (int round = 0; round < 3; ++round) {
    const size_t before = MappedBlocks();
    void* block = std::malloc(2 * kMmapThreshold);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(MappedBlocks(), before + 1) << "round " << round;
    std::free(block);
    EXPECT_EQ(MappedBlocks(), before) << "round " << round;
  }
}

TEST(AllocatorTest, BlocksBelowTheThresholdComeFromTheHeap) {
  ASSERT_TRUE(ConfigureAllocator());
  const size_t before = MappedBlocks();
  void* block = std::malloc(kMmapThreshold / 2);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(MappedBlocks(), before);
  std::free(block);
}
#endif

}  // namespace
}  // namespace s3u
