// Payload checksums in the encodings S3 expects: Content-MD5 and the x-amz-checksum-* headers
// (CRC32, CRC32C, SHA-256), each the base64 of the big-endian digest bytes.
//
// Pure functions over buffers plus two small incremental CRC classes. No shared state: the
// functions are thread-safe; a Crc32/Crc32c object must not be used from two threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace s3u::s3 {

// Standard base64 (RFC 4648 section 4) with '=' padding and no line breaks.
std::string Base64Encode(std::string_view bytes);

// base64(MD5(body)): the Content-MD5 header value. MD5("") = "1B2M2Y8AsgTpgAmY7PhCfg==".
std::string Md5Base64(std::string_view body);
// base64 of the 4 big-endian bytes of the zlib CRC-32 (x-amz-checksum-crc32).
std::string Crc32Base64(std::string_view body);
// base64 of the 4 big-endian bytes of CRC-32C/Castagnoli (x-amz-checksum-crc32c).
std::string Crc32cBase64(std::string_view body);
// base64(SHA-256(body)) (x-amz-checksum-sha256). Not the hex form used by SigV4.
std::string Sha256Base64(std::string_view body);

// Raw CRC values, for tests and for combining with other tooling.
// Crc32Value("123456789") = 0xCBF43926, Crc32cValue("123456789") = 0xE3069283.
uint32_t Crc32Value(std::string_view body);
uint32_t Crc32cValue(std::string_view body);

// base64 of a CRC value's 4 big-endian bytes.
std::string CrcBase64(uint32_t crc);

// Incremental CRC-32 (zlib polynomial). Feeding a body in any split gives the one-shot value.
class Crc32 {
 public:
  void Update(std::string_view data);
  uint32_t Value() const { return crc_; }
  std::string Base64() const { return CrcBase64(crc_); }

 private:
  uint32_t crc_ = 0;
};

// Incremental CRC-32C (isa-l crc32_iscsi, which works on the un-inverted register).
class Crc32c {
 public:
  void Update(std::string_view data);
  uint32_t Value() const { return ~state_; }
  std::string Base64() const { return CrcBase64(Value()); }

 private:
  uint32_t state_ = 0xFFFFFFFFu;  // inverted register; Value() inverts it back
};

// Which checksum accompanies each uploaded body. kNone sends no checksum header (TLS and
// S3's own checks still apply); kMd5 is the classic Content-MD5; the others use the flexible
// checksum headers, which S3 also stores per part and for the whole multipart object.
// kAuto is resolved per client by ResolveChecksum.
enum class ChecksumAlgorithm { kNone, kMd5, kCrc32, kCrc32c, kSha256, kAuto };

// "auto", "none", "md5", "crc32", "crc32c", "sha256" (any case). Error: kInvalidArgument,
// subject "--checksum", naming the accepted values.
Result<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);

// The lowercase name accepted by ParseChecksumAlgorithm ("crc32c").
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);

// What kAuto means for a client; other algorithms are returned as they are. The cheapest
// check that the store itself verifies, so the body is never left unchecked:
//   signed payload (the default)  -> kNone: x-amz-content-sha256 already makes every store
//                                    (AWS, radosgw, Swift) verify the body's SHA-256, and a
//                                    Content-MD5 on top would more than double the CPU;
//   unsigned payload, AWS         -> kCrc32c: AWS verifies it, TLS protects the transport;
//   unsigned payload, other store -> kMd5: local stores ignore x-amz-checksum-* but all
//                                    verify Content-MD5.
ChecksumAlgorithm ResolveChecksum(ChecksumAlgorithm requested, bool payload_signed,
                                  bool aws_endpoint);

// The x-amz-checksum-algorithm value for CreateMultipartUpload ("CRC32", "CRC32C", "SHA256");
// empty for kNone and kMd5, which have none.
std::string_view AmzChecksumAlgorithm(ChecksumAlgorithm algorithm);

// The header to send with `body`: {"Content-MD5", ...}, {"x-amz-checksum-crc32", ...},
// {"x-amz-checksum-crc32c", ...} or {"x-amz-checksum-sha256", ...}; {"", ""} for kNone.
// REQUIRES: not kAuto (resolve it first).
std::pair<std::string, std::string> ChecksumHeader(ChecksumAlgorithm algorithm,
                                                   std::string_view body);

}  // namespace s3u::s3
