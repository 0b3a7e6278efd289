// Known-answer tests for payload checksums.
// "123456789" check values: CRC-32 0xCBF43926 and CRC-32C 0xE3069283 (the standard CRC
// catalogue check values, also RFC 3720 appendix B.4 for CRC-32C); MD5("") from RFC 1321;
// SHA-256("Welcome to Amazon S3.") from the AWS S3 SigV4 PUT Object example; base64 vectors
// from RFC 4648 section 10.
#include "s3/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace s3u::s3 {
namespace {

TEST(Base64EncodeTest, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64EncodeTest, HighBytesUsePlusAndSlash) {
  EXPECT_EQ(Base64Encode(std::string("\xFB\xFF\xBF", 3)), "+/+/");
  EXPECT_EQ(Base64Encode(std::string("\x00\x00", 2)), "AAA=");
}

TEST(Crc32Test, CheckValue) {
  EXPECT_EQ(Crc32Value("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32Value(""), 0u);
}

TEST(Crc32Test, Base64IsBigEndianBytes) {
  // 0xCBF43926 -> bytes CB F4 39 26 -> "y/Q5Jg==".
  EXPECT_EQ(Crc32Base64("123456789"), "y/Q5Jg==");
  EXPECT_EQ(CrcBase64(0xCBF43926u), "y/Q5Jg==");
  EXPECT_EQ(Crc32Base64(""), "AAAAAA==");
}

TEST(Crc32cTest, CheckValue) {
  EXPECT_EQ(Crc32cValue("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32cValue(""), 0u);
}

TEST(Crc32cTest, Rfc3720ZerosAndOnes) {
  // RFC 3720 B.4: 32 bytes of zeros -> 0x8A9136AA, 32 bytes of 0xFF -> 0x62A8AB43.
  EXPECT_EQ(Crc32cValue(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32cValue(std::string(32, '\xFF')), 0x62A8AB43u);
}

TEST(Crc32cTest, Base64IsBigEndianBytes) {
  // 0xE3069283 -> bytes E3 06 92 83 -> "4waSgw==".
  EXPECT_EQ(Crc32cBase64("123456789"), "4waSgw==");
  EXPECT_EQ(Crc32cBase64(""), "AAAAAA==");
}

TEST(Crc32cTest, IncrementalEqualsOneShotForEverySplit) {
  const std::string data = "The quick brown fox jumps over the lazy dog, 0123456789 times.";
  for (size_t split = 0; split <= data.size(); ++split) {
    Crc32c c;
    c.Update(std::string_view(data).substr(0, split));
    c.Update(std::string_view(data).substr(split));
    EXPECT_EQ(c.Value(), Crc32cValue(data)) << "split at " << split;
    EXPECT_EQ(c.Base64(), Crc32cBase64(data));
  }
}

TEST(Crc32Test, IncrementalEqualsOneShotForEverySplit) {
  const std::string data = "The quick brown fox jumps over the lazy dog, 0123456789 times.";
  for (size_t split = 0; split <= data.size(); ++split) {
    Crc32 c;
    c.Update(std::string_view(data).substr(0, split));
    c.Update(std::string_view(data).substr(split));
    EXPECT_EQ(c.Value(), Crc32Value(data)) << "split at " << split;
    EXPECT_EQ(c.Base64(), Crc32Base64(data));
  }
}

TEST(Crc32cTest, FreshObjectIsEmptyChecksum) {
  EXPECT_EQ(Crc32c().Value(), 0u);
  EXPECT_EQ(Crc32().Value(), 0u);
}

TEST(Md5Base64Test, KnownValues) {
  EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  // RFC 1321: MD5("abc") = 900150983cd24fb0d6963f7d28e17f72.
  EXPECT_EQ(Md5Base64("abc"), "kAFQmDzST7DWlj99KOF/cg==");
}

TEST(Sha256Base64Test, AwsExampleBody) {
  // hex 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
  EXPECT_EQ(Sha256Base64("Welcome to Amazon S3."), "RM591nyVng01JP+sF3Hfu6h9K2tLTpnkIDSouAP4sHI=");
  EXPECT_EQ(Sha256Base64(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(ParseChecksumAlgorithmTest, AcceptsEachNameInAnyCase) {
  EXPECT_EQ(ParseChecksumAlgorithm("none").value(), ChecksumAlgorithm::kNone);
  EXPECT_EQ(ParseChecksumAlgorithm("md5").value(), ChecksumAlgorithm::kMd5);
  EXPECT_EQ(ParseChecksumAlgorithm("crc32").value(), ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(ParseChecksumAlgorithm("crc32c").value(), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ParseChecksumAlgorithm("sha256").value(), ChecksumAlgorithm::kSha256);
  EXPECT_EQ(ParseChecksumAlgorithm("CRC32C").value(), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ParseChecksumAlgorithm("Auto").value(), ChecksumAlgorithm::kAuto);
}

TEST(ParseChecksumAlgorithmTest, RejectsUnknownNamesListingAccepted) {
  for (std::string_view bad : {"", "crc", "sha1", "crc32c ", "sha-256", "md5,crc32"}) {
    auto r = ParseChecksumAlgorithm(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().subject, "--checksum");
    EXPECT_NE(r.error().message.find("none, md5, crc32, crc32c, sha256"), std::string::npos);
  }
}

TEST(ChecksumAlgorithmNameTest, RoundTripsThroughParse) {
  for (auto a :
       {ChecksumAlgorithm::kNone, ChecksumAlgorithm::kMd5, ChecksumAlgorithm::kCrc32,
        ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kAuto}) {
    EXPECT_EQ(ParseChecksumAlgorithm(ChecksumAlgorithmName(a)).value(), a);
  }
}

// auto never leaves a body unverified: with a signed payload the store checks the SHA-256;
// without, a checksum the store verifies is sent instead.
TEST(ResolveChecksumTest, AutoPicksTheCheapestCheckTheStoreVerifies) {
  EXPECT_EQ(ResolveChecksum(ChecksumAlgorithm::kAuto, /*payload_signed=*/true, true),
            ChecksumAlgorithm::kNone);
  EXPECT_EQ(ResolveChecksum(ChecksumAlgorithm::kAuto, true, false), ChecksumAlgorithm::kNone);
  EXPECT_EQ(ResolveChecksum(ChecksumAlgorithm::kAuto, false, /*aws_endpoint=*/true),
            ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ResolveChecksum(ChecksumAlgorithm::kAuto, false, false), ChecksumAlgorithm::kMd5);
}

TEST(ResolveChecksumTest, ExplicitChoicesAreKept) {
  for (auto a : {ChecksumAlgorithm::kNone, ChecksumAlgorithm::kMd5, ChecksumAlgorithm::kCrc32,
                 ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256}) {
    for (bool signed_payload : {true, false}) {
      EXPECT_EQ(ResolveChecksum(a, signed_payload, true), a);
      EXPECT_EQ(ResolveChecksum(a, signed_payload, false), a);
    }
  }
}

TEST(AmzChecksumAlgorithmTest, OnlyFlexibleChecksumsHaveAName) {
  EXPECT_EQ(AmzChecksumAlgorithm(ChecksumAlgorithm::kCrc32), "CRC32");
  EXPECT_EQ(AmzChecksumAlgorithm(ChecksumAlgorithm::kCrc32c), "CRC32C");
  EXPECT_EQ(AmzChecksumAlgorithm(ChecksumAlgorithm::kSha256), "SHA256");
  EXPECT_EQ(AmzChecksumAlgorithm(ChecksumAlgorithm::kMd5), "");
  EXPECT_EQ(AmzChecksumAlgorithm(ChecksumAlgorithm::kNone), "");
}

TEST(ChecksumHeaderTest, NameAndValuePerAlgorithm) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kNone, "123456789"), P());
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kMd5, ""),
            P("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="));
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kCrc32, "123456789"),
            P("x-amz-checksum-crc32", "y/Q5Jg=="));
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kCrc32c, "123456789"),
            P("x-amz-checksum-crc32c", "4waSgw=="));
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kSha256, "Welcome to Amazon S3."),
            P("x-amz-checksum-sha256", "RM591nyVng01JP+sF3Hfu6h9K2tLTpnkIDSouAP4sHI="));
}

}  // namespace
}  // namespace s3u::s3
