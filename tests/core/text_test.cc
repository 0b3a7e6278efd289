#include "core/text.h"

#include <gtest/gtest.h>

namespace s3u {
namespace {

TEST(HexDigitValueTest, EveryByteIsADigitOfEitherCaseOrMinusOne) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::string_view digits = "0123456789abcdef";
    const auto lower = digits.find(AsciiLower(c));
    const bool hex = (c >= '0' && c <= '9') || lower != std::string_view::npos;
    EXPECT_EQ(HexDigitValue(c), hex ? static_cast<int>(lower) : -1) << b;
  }
}

TEST(TrimTest, RemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim(" \t value \r\n"), "value");
  EXPECT_EQ(Trim("a b"), "a b");
  EXPECT_EQ(Trim(" \f\v "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("\xc2\xa0x"), "\xc2\xa0x");  // a UTF-8 no-break space is not ASCII space
}

TEST(AsciiLowerTest, OnlyAsciiLettersChange) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(AsciiLower("\xc3\x89"
                       "A"),
            "\xc3\x89"
            "a");
  EXPECT_EQ(AsciiLower('Z'), 'z');
  EXPECT_EQ(AsciiLower('['), '[');
}

TEST(EqualsIgnoreCaseTest, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(EqualsIgnoreCase("Bearer", "bearer"));
  EXPECT_FALSE(EqualsIgnoreCase("Bearer", "Bearer "));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

TEST(WithoutUserInfoTest, HidesUserAndPasswordOnly) {
  EXPECT_EQ(WithoutUserInfo("https://u:p@h:9/x?y=1"), "https://***@h:9/x?y=1");
  EXPECT_EQ(WithoutUserInfo("u:p@h/x"), "***@h/x");
  EXPECT_EQ(WithoutUserInfo("https://h/a@b"), "https://h/a@b");  // '@' in the path stays
  EXPECT_EQ(WithoutUserInfo("https://h"), "https://h");
  EXPECT_EQ(WithoutUserInfo(""), "");
}

}  // namespace
}  // namespace s3u
