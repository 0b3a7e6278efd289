#include "emulator/tokens.h"

#include <algorithm>
#include <vector>

namespace s3u::emulator {
namespace {

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

Tokens::Tokens(Model& model) : model_(model) {
  std::string key(32, '\0');
  std::random_device device;
  for (char& c : key) c = static_cast<char>(device());
  signer_ = std::make_unique<TokenSigner>(key);
  for (const auto& client : model_.config.clients) {
    clients_[client.client_id] = client;
    model_.log.AddSecret(client.client_secret);
  }
}

Result<Json> Tokens::Issue(const BasicCredentials& client, const std::string& grant_type,
                           const std::optional<std::string>& scope) {
  std::lock_guard lock(model_.mu);
  auto it = clients_.find(client.client_id);
  if (it == clients_.end() || it->second.client_secret != client.client_secret) {
    return HttpFail(401, ErrorCode::kUnauthenticated, "client", "Bad credentials");
  }
  if (grant_type != "client_credentials") {
    return HttpFail(
        400, ErrorCode::kInvalidArgument, "unsupported_grant_type",
        grant_type.empty() ? "Missing grant type" : "Unsupported grant type: " + grant_type);
  }
  const ClientEntry& entry = it->second;
  auto user_it = model_.users.find(entry.user_id);
  if (user_it == model_.users.end()) {  // the client's user was deleted
    return HttpFail(401, ErrorCode::kUnauthenticated, "client", "Bad credentials");
  }
  const UserEntry& user = user_it->second;
  std::vector<std::string> scopes = scope ? SplitScopes(*scope) : std::vector<std::string>{};
  if (scopes.empty()) scopes = entry.scopes;  // no scope: every scope of the client (§1)
  std::vector<std::string> granted;
  for (const auto& s : scopes) {
    if (std::find(entry.scopes.begin(), entry.scopes.end(), s) == entry.scopes.end()) {
      return HttpFail(400, ErrorCode::kInvalidArgument, "invalid_scope",
                      "Invalid scope: " + s + " (this client has: " + Join(entry.scopes) + ")");
    }
    if (std::find(granted.begin(), granted.end(), s) == granted.end()) granted.push_back(s);
  }
  const std::string scope_text = Join(granted);
  const Config& config = model_.config;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(model_.clock.Now().time_since_epoch())
          .count();
  TokenClaims claims{now,
                     now + config.token_lifetime_seconds,
                     config.customer,
                     user.id,
                     user.role,
                     scope_text,
                     NewUuid(model_.rng)};
  live_.insert(claims.jti);
  const std::string token = signer_->Issue(claims);
  return Json{{"access_token", token},
              {"customer", config.customer},
              {"expires_in", config.token_lifetime_seconds},
              {"jti", claims.jti},
              {"role", user.role},
              {"scope", scope_text},
              {"token_type", "bearer"},
              {"userId", user.id}};
}

Result<Caller> Tokens::Authenticate(const std::string& token) {
  auto claims = signer_->Decode(token);
  if (!claims) {
    Error error = claims.error();
    error.http_status = 401;
    return Fail(std::move(error));
  }
  std::lock_guard lock(model_.mu);
  std::optional<TimePoint> expired_at;
  if (auto it = revoked_.find(claims->jti); it != revoked_.end()) {
    expired_at = it->second;
  } else if (model_.clock.Now() >= TimePoint(std::chrono::seconds(claims->exp))) {
    expired_at = TimePoint(std::chrono::seconds(claims->exp));
  }
  if (expired_at) {
    return HttpFail(401, ErrorCode::kUnauthenticated, "expired",
                    "Jwt expired at " + Iso(*expired_at, /*millis=*/false));
  }
  Caller caller{claims->user_id, claims->role, {}};
  for (auto& s : SplitScopes(claims->scope)) caller.scopes.insert(std::move(s));
  return caller;
}

void Tokens::ExpireAll() {
  std::lock_guard lock(model_.mu);
  const TimePoint now = model_.clock.Now();
  for (const auto& jti : live_) revoked_[jti] = now;
  live_.clear();
}

}  // namespace s3u::emulator
