#include "parquet/encoding.h"

#include <gtest/gtest.h>

#include <vector>

namespace s3u::parquet {
namespace {

std::string Rle(std::vector<uint32_t> values, int width) {
  std::string out;
  AppendRleHybrid(values, width, out);
  return out;
}

TEST(RleHybridTest, BitPackedExampleOfTheSpec) {
  // Encodings.md: 0..7 at bit width 3 -> 10001000 11000110 11111010.
  EXPECT_EQ(Rle({0, 1, 2, 3, 4, 5, 6, 7}, 3), std::string("\x03\x88\xC6\xFA", 4));
}

TEST(RleHybridTest, RepeatedValuesBecomeOneRleRun) {
  EXPECT_EQ(Rle(std::vector<uint32_t>(10, 1), 1), std::string("\x14\x01", 2));
  // Wider values take ceil(width / 8) little-endian bytes.
  EXPECT_EQ(Rle(std::vector<uint32_t>(8, 0x1234), 13), std::string("\x10\x34\x12", 3));
}

TEST(RleHybridTest, ShortRunsStayBitPackedAndThePaddingIsZero) {
  // 1,0,1 then ten zeros: topping the literal up to 8 leaves a run of 5, too short for RLE.
  EXPECT_EQ(Rle({1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1), std::string("\x05\x05\x00", 3));
}

TEST(RleHybridTest, LiteralIsToppedUpToEightBeforeAnRleRun) {
  std::vector<uint32_t> values = {1, 1, 0};
  values.insert(values.end(), 20, 1);
  // 1,1,0 + five 1s bit-packed (0b11111011), then an RLE run of the fifteen 1s left.
  EXPECT_EQ(Rle(values, 1), std::string("\x03\xFB\x1E\x01", 4));
}

TEST(RleHybridTest, RunThenTrailingLiteral) {
  std::vector<uint32_t> values(20, 0);
  values.push_back(1);
  EXPECT_EQ(Rle(values, 1), std::string("\x28\x00\x03\x01", 4));
}

TEST(RleHybridTest, EmptyInputWritesNothing) { EXPECT_EQ(Rle({}, 1), ""); }

TEST(BitWidthTest, BitsForTheLargestValue) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
}

std::string Text(std::optional<Int128> v) {
  if (!v) return "none";
  const bool negative = *v < 0;
  UInt128 u = negative ? static_cast<UInt128>(-*v) : static_cast<UInt128>(*v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  return (negative ? "-" : "") + digits;
}

TEST(ParseDecimalTest, ScalesExactly) {
  EXPECT_EQ(Text(ParseDecimal("123.45", 5, 2)), "12345");
  EXPECT_EQ(Text(ParseDecimal("-0.001", 38, 9)), "-1000000");
  EXPECT_EQ(Text(ParseDecimal("+7", 3, 0)), "7");
  EXPECT_EQ(Text(ParseDecimal("000123", 3, 0)), "123");
  EXPECT_EQ(Text(ParseDecimal("1.5000000000", 38, 9)), "1500000000");  // zeros past the scale
  EXPECT_EQ(Text(ParseDecimal("0", 1, 0)), "0");
  EXPECT_EQ(Text(ParseDecimal("-0.0", 38, 9)), "0");
}

TEST(ParseDecimalTest, ThirtyEightDigitsFit) {
  EXPECT_EQ(Text(ParseDecimal("99999999999999999999999999999.999999999", 38, 9)),
            "99999999999999999999999999999999999999");
  EXPECT_EQ(Text(ParseDecimal("-99999999999999999999999999999.999999999", 38, 9)),
            "-99999999999999999999999999999999999999");
}

TEST(ParseDecimalTest, RefusesWhatWouldNeedRounding) {
  EXPECT_EQ(Text(ParseDecimal("1.0000000001", 38, 9)), "none");
  EXPECT_EQ(Text(ParseDecimal("0.125", 5, 2)), "none");
}

TEST(ParseDecimalTest, RefusesWhatPassesThePrecision) {
  EXPECT_EQ(Text(ParseDecimal("12345", 5, 1)), "none");  // 4 integer digits at most
  EXPECT_EQ(Text(ParseDecimal("100000000000000000000000000000", 38, 9)), "none");
  EXPECT_EQ(Text(ParseDecimal("999999999999999999999999999999999999999", 38, 0)), "none");
}

TEST(ParseDecimalTest, RefusesWhatIsNoFixedPointNumber) {
  for (const char* text : {"", "-", "+", ".", "1e5", "1.2.3", " 1", "1 ", "0x10", "NaN", "1,5"}) {
    EXPECT_EQ(Text(ParseDecimal(text, 38, 9)), "none") << text;
  }
}

TEST(DecimalBytesTest, WidthByPrecision) {
  EXPECT_EQ(DecimalByteWidth(1), 1);
  EXPECT_EQ(DecimalByteWidth(9), 4);
  EXPECT_EQ(DecimalByteWidth(10), 5);
  EXPECT_EQ(DecimalByteWidth(19), 9);
  EXPECT_EQ(DecimalByteWidth(38), 16);
}

TEST(DecimalBytesTest, BigEndianTwosComplement) {
  std::string out;
  AppendBigEndian(-1, 2, out);
  EXPECT_EQ(out, std::string("\xFF\xFF", 2));
  out.clear();
  AppendBigEndian(256, 3, out);
  EXPECT_EQ(out, std::string("\x00\x01\x00", 3));
}

}  // namespace
}  // namespace s3u::parquet
