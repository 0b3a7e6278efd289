#include "parquet/compact.h"

#include <gtest/gtest.h>

namespace s3u::parquet {
namespace {

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST(CompactWriterTest, VarintAndZigZagKnownAnswers) {
  std::string out;
  AppendVarint(300, out);
  EXPECT_EQ(Hex(out), "ac02");
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(INT64_MIN), UINT64_MAX);
}

TEST(CompactWriterTest, ShortFieldHeadersCarryTheDelta) {
  std::string out;
  CompactWriter w(out);
  w.I32(1, 5);        // 0x15: delta 1, type i32; zigzag 10
  w.Binary(2, "ab");  // 0x18: delta 1, type binary; length 2
  w.Bool(3, true);    // 0x11
  w.Bool(4, false);   // 0x12
  w.End();
  EXPECT_EQ(Hex(out),
            "150a1802616211"
            "1200");
}

TEST(CompactWriterTest, LongFieldJumpsSpellTheIdAsZigZag) {
  std::string out;
  CompactWriter w(out);
  w.I64(20, -1);  // type byte 0x06, id zigzag(20) = 40, value zigzag(-1) = 1
  EXPECT_EQ(Hex(out), "062801");
}

TEST(CompactWriterTest, NestedStructRestoresTheOuterFieldId) {
  std::string out;
  CompactWriter w(out);
  w.BeginStruct(1);  // 0x1c
  w.I32(1, 1);       // 0x15 0x02
  w.End();           // 0x00
  w.I32(2, 0);       // delta 1 from field 1 of the outer struct: 0x15 0x00
  w.End();
  EXPECT_EQ(Hex(out),
            "1c1502001500"
            "00");
}

TEST(CompactWriterTest, ListHeadersShortAndLong) {
  std::string out;
  CompactWriter w(out);
  w.ListHeader(1, CompactWriter::kI32, 3);  // 0x19, 0x35
  for (int i = 0; i < 3; ++i) w.ElementI32(i);
  w.ListHeader(2, CompactWriter::kStruct, 20);  // 0x19, 0xfc, varint 20
  EXPECT_EQ(Hex(out),
            "1935000204"
            "19fc14");
}

}  // namespace
}  // namespace s3u::parquet
