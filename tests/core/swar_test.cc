#include "core/swar.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <string>

namespace s3u::swar {
namespace {

uint64_t Word(const std::string& eight) {
  uint64_t word;
  std::memcpy(&word, eight.data(), 8);
  return word;
}

// The first marked byte is the first in memory that matches, wherever it is and whatever
// follows it (borrows may mark later bytes, never earlier ones).
TEST(SwarTest, TheFirstMarkedByteIsTheFirstMatchAtEveryPosition) {
  if constexpr (std::endian::native != std::endian::little) GTEST_SKIP() << "little-endian only";
  for (size_t at = 0; at < 8; ++at) {
    std::string eight(8, 'x');
    eight[at] = '"';
    for (size_t after = at + 1; after < 8; ++after) eight[after] = static_cast<char>(after % 2);
    EXPECT_EQ(FirstMarked(BytesEqual(Word(eight), '"')), at) << at;
    eight[at] = '\x1f';
    EXPECT_EQ(FirstMarked(BytesBelow(Word(eight), 0x20)), at) << at;
  }
  EXPECT_EQ(BytesEqual(Word("abcdefgh"), '"'), 0u);
  EXPECT_EQ(BytesBelow(Word(" !~\x7f"
                            "abcd"),
                       0x20),
            0u);  // 0x20 itself is not below
}

}  // namespace
}  // namespace s3u::swar
