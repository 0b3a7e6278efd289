#include "s3/checksum.h"

#include <isa-l.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>

#include "core/text.h"

namespace s3u::s3 {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// isa-l takes an int length; feed it in chunks well below INT_MAX.
constexpr size_t kIsalChunk = size_t{1} << 30;

std::string DigestBase64(std::string_view body, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fails only on allocation failure inside OpenSSL (or MD5 disabled by a FIPS provider);
  // sending a wrong checksum would be worse than stopping.
  if (EVP_Digest(body.data(), body.size(), out, &len, md, nullptr) != 1) std::abort();
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(out), len));
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t v = (at(i) << 16) | (rest == 2 ? at(i + 1) << 8 : 0);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// S3 wants the CRC as 4 big-endian bytes, base64-encoded, not as hex or decimal.
std::string CrcBase64(uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                      static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return Base64Encode(std::string_view(be, 4));
}

void Crc32::Update(std::string_view data) {
  crc_ = static_cast<uint32_t>(
      crc32_z(crc_, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// isa-l's crc32_iscsi neither pre- nor post-inverts, so the object keeps the inverted
// register between calls and Value() applies the final inversion (~crc32_iscsi(p, n, ~0)).
void Crc32c::Update(std::string_view data) {
  while (!data.empty()) {
    const size_t n = std::min(data.size(), kIsalChunk);
    // isa-l's prototype is not const-correct; it does not write to the buffer.
    auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
    state_ = crc32_iscsi(p, static_cast<int>(n), state_);
    data.remove_prefix(n);
  }
}

uint32_t Crc32Value(std::string_view body) {
  Crc32 crc;
  crc.Update(body);
  return crc.Value();
}

uint32_t Crc32cValue(std::string_view body) {
  Crc32c crc;
  crc.Update(body);
  return crc.Value();
}

std::string Md5Base64(std::string_view body) { return DigestBase64(body, EVP_md5()); }
std::string Crc32Base64(std::string_view body) { return CrcBase64(Crc32Value(body)); }
std::string Crc32cBase64(std::string_view body) { return CrcBase64(Crc32cValue(body)); }
std::string Sha256Base64(std::string_view body) { return DigestBase64(body, EVP_sha256()); }

Result<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  const std::string lower = AsciiLower(name);
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kAuto, ChecksumAlgorithm::kNone, ChecksumAlgorithm::kMd5,
        ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha256}) {
    if (lower == ChecksumAlgorithmName(a)) return a;
  }
  return Fail(ErrorCode::kInvalidArgument, "--checksum",
              "unknown checksum algorithm '" + std::string(name) +
                  "'; accepted: auto, none, md5, crc32, crc32c, sha256");
}

ChecksumAlgorithm ResolveChecksum(ChecksumAlgorithm requested, bool payload_signed,
                                  bool aws_endpoint) {
  if (requested != ChecksumAlgorithm::kAuto) return requested;
  if (payload_signed) return ChecksumAlgorithm::kNone;
  return aws_endpoint ? ChecksumAlgorithm::kCrc32c : ChecksumAlgorithm::kMd5;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kMd5:
      return "md5";
    case ChecksumAlgorithm::kCrc32:
      return "crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "crc32c";
    case ChecksumAlgorithm::kSha256:
      return "sha256";
    case ChecksumAlgorithm::kAuto:
      return "auto";
    case ChecksumAlgorithm::kNone:
    default:
      return "none";
  }
}

std::string_view AmzChecksumAlgorithm(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
    case ChecksumAlgorithm::kNone:
    case ChecksumAlgorithm::kMd5:
    default:
      return "";
  }
}

std::pair<std::string, std::string> ChecksumHeader(ChecksumAlgorithm algorithm,
                                                   std::string_view body) {
  switch (algorithm) {
    case ChecksumAlgorithm::kMd5:
      return {"Content-MD5", Md5Base64(body)};
    case ChecksumAlgorithm::kCrc32:
      return {"x-amz-checksum-crc32", Crc32Base64(body)};
    case ChecksumAlgorithm::kCrc32c:
      return {"x-amz-checksum-crc32c", Crc32cBase64(body)};
    case ChecksumAlgorithm::kSha256:
      return {"x-amz-checksum-sha256", Sha256Base64(body)};
    case ChecksumAlgorithm::kNone:
    default:
      return {};
  }
}

}  // namespace s3u::s3
