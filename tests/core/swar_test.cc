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

// Vector marks are exact: the first is the first match, whatever follows; none gives 16.
TEST(SwarTest, TheFirstOfSixteenMarkedBytesIsTheFirstMatchAtEveryPosition) {
  if constexpr (std::endian::native != std::endian::little) GTEST_SKIP() << "little-endian only";
  const auto quotes = [](const std::string& sixteen) {
    const Bytes16 v = Load16(sixteen.data());
    return Marks16(v == '"');
  };
  for (size_t at = 0; at < 16; ++at) {
    std::string sixteen(16, 'x');
    sixteen[at] = '"';
    for (size_t after = at + 1; after < 16; ++after) sixteen[after] = after % 3 == 0 ? '"' : '\0';
    EXPECT_EQ(FirstMarked16(quotes(sixteen)), at) << at;
    EXPECT_TRUE(AnyMarked16(quotes(sixteen))) << at;
  }
  EXPECT_EQ(FirstMarked16(quotes(std::string(16, 'x'))), 16u);
  EXPECT_FALSE(AnyMarked16(quotes(std::string(16, 'x'))));
}

}  // namespace
}  // namespace s3u::swar
