// OAuth pieces of the emulator as pure functions (domo-api.md §1): the token request's
// parameters in every form the SDKs send, HTTP Basic client credentials, scope lists, and
// HS256 JWT access tokens with Domo's claims. Also the random identifiers Domo hands out
// (UUIDs for jti / export ids, the `toe` trace id of error bodies).
//
// Thread-safety: pure functions; TokenSigner is immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace s3u::emulator {

// application/x-www-form-urlencoded (or a query string): pairs split on '&', '+' and %XX
// decoded; a raw space (JAVA's `scope=data user`) is kept as a space. Malformed escapes are
// kept literally rather than refused, as a lenient server would.
std::vector<std::pair<std::string, std::string>> ParseFormParams(std::string_view text);

// Scopes in a `scope` value separated by spaces, '+' (seen literally when a client
// double-encodes) or commas; empty entries dropped.
std::vector<std::string> SplitScopes(std::string_view scope);

struct BasicCredentials {
  std::string client_id;
  std::string client_secret;
};
// Parses "Basic base64(id:secret)" (scheme case-insensitive); nullopt when absent/malformed.
std::optional<BasicCredentials> ParseBasicAuth(std::string_view header);

// The token of "Bearer <token>" (scheme case-insensitive, §0); nullopt for other schemes.
std::optional<std::string> ParseBearer(std::string_view header);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

struct TokenClaims {
  int64_t iat = 0;  // seconds since the epoch, by the emulator clock
  int64_t exp = 0;
  std::string customer;
  int64_t user_id = 0;
  std::string role;
  std::string scope;  // space-separated
  std::string jti;
};

// Issues and checks HS256 JWTs (header.payload.signature, base64url without padding).
class TokenSigner {
 public:
  explicit TokenSigner(std::string key);
  std::string Issue(const TokenClaims& claims) const;
  // Checks the signature and decodes the claims; expiry is the caller's decision.
  // kUnauthenticated for anything that is not a token this signer issued.
  Result<TokenClaims> Decode(std::string_view token) const;

 private:
  std::string Sign(std::string_view signing_input) const;
  std::string key_;
};

// Random identifiers. `rng` is the caller's (guarded by the caller when shared).
std::string NewUuid(std::mt19937_64& rng);
// Domo's `toe` trace id: [A-Z0-9]{10}-[A-Z0-9]{5}-[A-Z0-9]{5}.
std::string NewToe(std::mt19937_64& rng);

}  // namespace s3u::emulator
