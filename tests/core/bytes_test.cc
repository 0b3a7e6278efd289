#include "core/bytes.h"

#include <gtest/gtest.h>

namespace s3u {
namespace {

TEST(ParseByteSizeTest, BinaryAndDecimalUnits) {
  EXPECT_EQ(ParseByteSize("8MiB", "--part-size").value(), 8ull << 20);
  EXPECT_EQ(ParseByteSize("64M", "--part-size").value(), 64ull << 20);
  EXPECT_EQ(ParseByteSize("5gib", "--part-size").value(), 5ull << 30);
  EXPECT_EQ(ParseByteSize("5GB", "--part-size").value(), 5000000000ull);
  EXPECT_EQ(ParseByteSize("1048576", "--part-size").value(), 1048576ull);
  EXPECT_EQ(ParseByteSize("2TB", "x").value(), 2000000000000ull);
  EXPECT_EQ(ParseByteSize("0", "x").value(), 0ull);
}

TEST(ParseByteSizeTest, RejectsUnknownUnitNamingTheOption) {
  auto r = ParseByteSize("8 parsecs", "--part-size");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().subject, "--part-size");
  EXPECT_NE(r.error().message.find("unknown unit ' parsecs'"), std::string::npos);
  EXPECT_NE(r.error().message.find("e.g. 8MiB"), std::string::npos);
}

TEST(ParseByteSizeTest, RejectsMissingNumberAndNegative) {
  EXPECT_FALSE(ParseByteSize("MiB", "x"));
  EXPECT_FALSE(ParseByteSize("-5M", "x"));
  EXPECT_FALSE(ParseByteSize("", "x"));
}

TEST(ParseByteSizeTest, RejectsOverflow) {
  EXPECT_FALSE(ParseByteSize("99999999999999999999", "x"));
  EXPECT_FALSE(ParseByteSize("18446744073709551615TiB", "x"));
}

TEST(FormatBytesTest, PicksTheLargestUnitBelow1024) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(8ull << 20), "8.00 MiB");
  EXPECT_EQ(FormatBytes(200ull << 20), "200.0 MiB");
}

}  // namespace
}  // namespace s3u
