#include "service/api_token.h"

#include <sodium.h>

#include <array>

namespace s3u::service {

std::string NewApiToken() {
  if (sodium_init() < 0) std::abort();  // only when the system has no random source
  std::array<unsigned char, 32> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  std::string text(
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.find('\0'));
  sodium_memzero(bytes.data(), bytes.size());
  return "s3u_" + text;
}

std::string HashApiToken(std::string_view token) {
  std::array<unsigned char, crypto_generichash_BYTES> hash;
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  std::string hex(hash.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  hex.pop_back();
  return hex;
}

bool ApiTokenMatches(std::string_view presented, std::string_view stored_hash) {
  const std::string hash = HashApiToken(presented);
  return hash.size() == stored_hash.size() &&
         sodium_memcmp(hash.data(), stored_hash.data(), hash.size()) == 0;
}

}  // namespace s3u::service
