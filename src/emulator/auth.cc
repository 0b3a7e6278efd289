#include "emulator/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace s3u::emulator {
namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 &&
               HexDigitValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool StartsWithScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  return std::equal(scheme.begin(), scheme.end(), header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

// Standard or URL alphabet, padding optional.
std::optional<std::string> DecodeBase64(std::string_view text, bool url) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    if (url && c == '-') c = '+';
    if (url && c == '_') c = '/';
    const size_t value = kBase64.find(c);
    if (value == std::string_view::npos || (!url && (c == '-' || c == '_'))) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string TrimSpaces(std::string_view text) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(' ') - begin + 1));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseFormParams(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(FormDecode(pair), "");
    } else {
      params.emplace_back(FormDecode(pair.substr(0, eq)), FormDecode(pair.substr(eq + 1)));
    }
  }
  return params;
}

std::vector<std::string> SplitScopes(std::string_view scope) {
  std::vector<std::string> scopes;
  std::string current;
  for (char c : scope) {
    if (c == ' ' || c == '+' || c == ',') {
      if (!current.empty()) scopes.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) scopes.push_back(std::move(current));
  return scopes;
}

std::optional<BasicCredentials> ParseBasicAuth(std::string_view header) {
  if (!StartsWithScheme(header, "Basic")) return std::nullopt;
  auto decoded = DecodeBase64(TrimSpaces(header.substr(6)), /*url=*/false);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::string> ParseBearer(std::string_view header) {
  if (!StartsWithScheme(header, "Bearer")) return std::nullopt;
  return TrimSpaces(header.substr(7));
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kBase64[(buffer << (6 - bits)) & 0x3F];
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return DecodeBase64(text, /*url=*/true);
}

TokenSigner::TokenSigner(std::string key) : key_(std::move(key)) {}

std::string TokenSigner::Sign(std::string_view signing_input) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &length);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string TokenSigner::Issue(const TokenClaims& claims) const {
  const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const nlohmann::json payload = {
      {"iat", claims.iat},        {"exp", claims.exp},   {"customer", claims.customer},
      {"userId", claims.user_id}, {"role", claims.role}, {"scope", claims.scope},
      {"jti", claims.jti}};
  const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
  return input + "." + Sign(input);
}

Result<TokenClaims> TokenSigner::Decode(std::string_view token) const {
  auto bad = [] {
    return Fail(ErrorCode::kUnauthenticated, "access token", "Cannot convert access token to JSON");
  };
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return bad();
  const std::string expected = Sign(token.substr(0, second));
  const std::string_view signature = token.substr(second + 1);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return bad();
  }
  auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return bad();
  try {
    const auto json = nlohmann::json::parse(*payload);
    TokenClaims claims;
    claims.iat = json.at("iat").get<int64_t>();
    claims.exp = json.at("exp").get<int64_t>();
    claims.customer = json.at("customer").get<std::string>();
    claims.user_id = json.at("userId").get<int64_t>();
    claims.role = json.at("role").get<std::string>();
    claims.scope = json.at("scope").get<std::string>();
    claims.jti = json.at("jti").get<std::string>();
    return claims;
  } catch (const nlohmann::json::exception&) {
    return bad();
  }
}

std::string NewUuid(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  const uint64_t high = rng(), low = rng();
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    const uint64_t word = i < 16 ? high : low;
    int nibble = static_cast<int>((word >> ((15 - i % 16) * 4)) & 0xF);
    if (i == 12) nibble = 4;                   // version 4
    if (i == 16) nibble = 8 | (nibble & 0x3);  // RFC 4122 variant
    out += kHex[nibble];
  }
  return out;
}

std::string NewToe(std::mt19937_64& rng) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  for (int length : {10, 5, 5}) {
    if (!out.empty()) out += '-';
    for (int i = 0; i < length; ++i) out += kAlphabet[rng() % kAlphabet.size()];
  }
  return out;
}

}  // namespace s3u::emulator
