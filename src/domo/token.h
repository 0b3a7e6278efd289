// OAuth client-credentials tokens (domo-api.md §1) as pure functions: the token request,
// the response, the expiry (the JWT's `exp`, else `expires_in`) and when to refresh. The
// client (domo/client.h) owns the cache and the HTTP exchange.
//
// Refresh policy: a token is replaced `margin` before it expires (60 s by default), so a
// request never leaves with a token that dies in flight; for short-lived tokens the margin
// shrinks to half the lifetime, so a 30 s token is not refreshed before every request.
//
// Thread-safety: all functions are pure; the structs are plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace s3u::domo {

using TimePoint = std::chrono::system_clock::time_point;

// What the token says about itself; safe to print (it holds no secret).
struct TokenInfo {
  std::string customer;             // the Domo instance ("acmecompany")
  int64_t user_id = 0;              // the user the token acts as (owner of the API client)
  std::string role;                 // "Admin", "Privileged", "Participant", ...
  std::vector<std::string> scopes;  // as granted ("data", "user")
  TimePoint issued_at;              // local time the token arrived
  TimePoint expires_at;
  bool expiry_from_jwt = false;  // false: from expires_in (or unknown: refresh every time)
};

struct Token {
  std::string access_token;  // a secret: never log it (register it with Logger::AddSecret)
  TokenInfo info;
};

// The `exp` claim (epoch seconds) of a JWT "header.payload.signature", base64url-decoded.
// nullopt for anything that is not a JWT with a numeric exp (opaque tokens, bad base64, bad
// JSON, exp missing or not a number).
std::optional<TimePoint> DecodeJwtExpiry(std::string_view token);

// Parses the 200 answer of /oauth/token received at `now`. The expiry is the JWT's exp when
// decodable, else now + expires_in, else `now` (refresh before every request, as pydomo does).
// kInternal naming the field when access_token is missing or a field has the wrong type.
Result<Token> ParseTokenResponse(std::string_view body, TimePoint now);

// When the token should be replaced: expires_at - min(margin, lifetime / 2).
TimePoint RefreshAt(const TokenInfo& info, std::chrono::seconds margin);
// True when a token with `info` must not be used at `now`.
bool NeedsRefresh(const TokenInfo& info, TimePoint now, std::chrono::seconds margin);

// The form body "grant_type=client_credentials&scope=data%20user"; no scope parameter when
// `scopes` is empty (Domo then grants all of the client's scopes).
std::string TokenRequestBody(const std::vector<std::string>& scopes);
// "Basic base64(client_id:client_secret)".
std::string BasicAuthorization(std::string_view client_id, std::string_view client_secret);
// Every scope must be one Domo knows (account audit buzz dashboard data user workflow);
// kInvalidArgument naming `subject` and the accepted values otherwise.
Result<void> ValidateScopes(const std::vector<std::string>& scopes, std::string_view subject);

// Base64 (RFC 4648 §4, padded) and base64url (§5, padding optional) codecs.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace s3u::domo
