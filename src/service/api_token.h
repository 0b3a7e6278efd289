// The API token of `s3unload serve`: 32 random bytes as "s3u_" + URL-safe base64, created on
// the first start and shown once; the store keeps only its BLAKE2b-256 hash (libsodium's
// crypto_generichash), so reading the store does not give the token. A hash suffices (no
// password hashing): the token is random and as long as a key, so it cannot be guessed from
// its hash.
//
// Thread-safety: pure functions (NewApiToken reads libsodium's random source).
#pragma once

#include <string>
#include <string_view>

namespace s3u::service {

// The store setting that holds the token's hash. Every process of a shared store re-reads it
// (at most once a second, service/api.h), so a new token replaces the old one on all of them.
inline constexpr std::string_view kApiTokenSetting = "api_token_hash";

std::string NewApiToken();
// Lower-case hex of the token's hash.
std::string HashApiToken(std::string_view token);
// Whether `presented` is the token of `stored_hash`, compared in constant time.
bool ApiTokenMatches(std::string_view presented, std::string_view stored_hash);

}  // namespace s3u::service
