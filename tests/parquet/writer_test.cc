// FileEncoder's bytes and chunk statistics, without a reader (parquet_output_test.cc reads
// whole files back through DuckDB and hyparquet).
#include "parquet/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace s3u::parquet {
namespace {

std::string Bytes(double v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

ChunkInfo EncodeOne(ColumnSpec spec, const std::function<void(RowGroupBuilder&)>& add) {
  RowGroupBuilder rows({spec});
  add(rows);
  auto encoder = FileEncoder::Create({spec}, WriterOptions{});
  EXPECT_TRUE(encoder);
  auto group = (*encoder)->Encode(rows);
  EXPECT_TRUE(group);
  return group->chunks.at(0);
}

TEST(FileEncoderTest, DoubleBoundsLeaveNaNOutAndSignTheZeros) {
  const ChunkInfo chunk = EncodeOne({"d", Kind::kDouble}, [](RowGroupBuilder& r) {
    r.AddDouble(0, std::numeric_limits<double>::quiet_NaN());
    r.AddDouble(0, 0.0);
    r.AddNull(0);
    r.AddDouble(0, -0.0);
  });
  ASSERT_TRUE(chunk.has_min_max);
  EXPECT_EQ(chunk.min, Bytes(-0.0));  // a zero min is written as -0
  EXPECT_EQ(chunk.max, Bytes(+0.0));  // a zero max as +0
  EXPECT_EQ(chunk.nulls, 1u);
  EXPECT_EQ(chunk.values, 4u);
}

TEST(FileEncoderTest, OnlyNaNHasNoBounds) {
  const ChunkInfo chunk = EncodeOne({"d", Kind::kDouble}, [](RowGroupBuilder& r) {
    r.AddDouble(0, std::numeric_limits<double>::quiet_NaN());
  });
  EXPECT_FALSE(chunk.has_min_max);
}

TEST(FileEncoderTest, StringBoundsInUnsignedByteOrder) {
  const ChunkInfo chunk = EncodeOne({"s", Kind::kString}, [](RowGroupBuilder& r) {
    r.AddString(0, "\xC3\xBC");  // ü sorts after z as bytes
    r.AddString(0, "z");
    r.AddString(0, "A");
  });
  EXPECT_EQ(chunk.min, "A");
  EXPECT_EQ(chunk.max, "\xC3\xBC");
}

TEST(FileEncoderTest, LongStringsAreLeftOutOfTheBounds) {
  const ChunkInfo chunk = EncodeOne({"s", Kind::kString}, [](RowGroupBuilder& r) {
    r.AddString(0, "a");
    r.AddString(0, std::string(2000, 'z'));
  });
  EXPECT_FALSE(chunk.has_min_max);
}

TEST(FileEncoderTest, WideDecimalBoundsAreSigned) {
  const ChunkInfo chunk = EncodeOne({"x", Kind::kDecimal, 38, 9}, [](RowGroupBuilder& r) {
    r.AddDecimal(0, 1);
    r.AddDecimal(0, -1);
    r.AddDecimal(0, 0);
  });
  EXPECT_EQ(chunk.min, std::string(16, '\xFF'));
  EXPECT_EQ(chunk.max, std::string(15, '\0') + '\x01');
}

TEST(FileEncoderTest, NarrowDecimalAndDateBoundsAreFourBytes) {
  const ChunkInfo chunk = EncodeOne({"x", Kind::kDecimal, 9, 2}, [](RowGroupBuilder& r) {
    r.AddDecimal(0, -5);
    r.AddDecimal(0, 300);
  });
  EXPECT_EQ(chunk.min, std::string("\xFB\xFF\xFF\xFF", 4));
  EXPECT_EQ(chunk.max, std::string("\x2C\x01\x00\x00", 4));
}

TEST(FileEncoderTest, DictionaryOnlyWhenValuesRepeat) {
  const ChunkInfo repeated = EncodeOne({"i", Kind::kInt64}, [](RowGroupBuilder& r) {
    for (int i = 0; i < 100; ++i) r.AddInt(0, i % 3);
  });
  EXPECT_TRUE(repeated.has_dictionary);
  EXPECT_EQ(repeated.encodings, (std::vector<int32_t>{0, 3, 8}));  // PLAIN, RLE, RLE_DICTIONARY
  const ChunkInfo unique = EncodeOne({"i", Kind::kInt64}, [](RowGroupBuilder& r) {
    for (int i = 0; i < 100; ++i) r.AddInt(0, i);
  });
  EXPECT_FALSE(unique.has_dictionary);
  EXPECT_EQ(unique.encodings, (std::vector<int32_t>{0, 3}));
}

TEST(FileEncoderTest, FileWithoutRowGroupsIsMagicFooterMagic) {
  auto encoder = FileEncoder::Create({{"s", Kind::kString}}, WriterOptions{});
  ASSERT_TRUE(encoder);
  std::string file;
  (*encoder)->Finish(file);
  ASSERT_GT(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t footer = 0;
  std::memcpy(&footer, file.data() + file.size() - 8, 4);
  EXPECT_EQ(footer, file.size() - 12);
}

TEST(FileEncoderTest, SizeWithIsTheFinishedFileSize) {
  auto encoder = FileEncoder::Create({{"i", Kind::kInt64}}, WriterOptions{});
  ASSERT_TRUE(encoder);
  RowGroupBuilder rows({{"i", Kind::kInt64}});
  for (int i = 0; i < 1000; ++i) rows.AddInt(0, i * 31);
  std::string file;
  for (int g = 0; g < 2; ++g) {
    auto group = (*encoder)->Encode(rows);
    ASSERT_TRUE(group);
    const uint64_t predicted = (*encoder)->SizeWith(*group);
    (*encoder)->Append(std::move(*group), file);
    if (g == 1) {
      (*encoder)->Finish(file);
      EXPECT_EQ(file.size(), predicted);
    }
  }
}

TEST(FileEncoderTest, RefusesADecimalOutOfRange) {
  for (auto [precision, scale] : {std::pair{0, 0}, std::pair{39, 0}, std::pair{5, 6}}) {
    auto encoder = FileEncoder::Create({{"x", Kind::kDecimal, precision, scale}}, WriterOptions{});
    ASSERT_FALSE(encoder);
    EXPECT_EQ(encoder.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(encoder.error().subject, "x");
  }
}

}  // namespace
}  // namespace s3u::parquet
