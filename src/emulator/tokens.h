// OAuth (domo-api.md §1) of the emulated instance: the API clients, the tokens issued to them,
// and the check of a request's bearer token. The pure pieces (JWT signing, Basic auth, scope
// lists) are auth.h's.
//
// Thread-safety: every method may be called concurrently (the model's lock).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "emulator/auth.h"
#include "emulator/model.h"

namespace s3u::emulator {

class Tokens {
 public:
  // Registers the clients of `model.config` (their secrets are redacted from the log).
  explicit Tokens(Model& model);

  // Errors: 401 bad client credentials; 400 with subject "unsupported_grant_type" or
  // "invalid_scope" (the OAuth error code of the body).
  Result<Json> Issue(const BasicCredentials& client, const std::string& grant_type,
                     const std::optional<std::string>& scope);
  // Verifies a bearer token. 401 errors; subject "expired" when the token was valid but has
  // expired (the message then is Domo's "Jwt expired at <time>" text).
  Result<Caller> Authenticate(const std::string& token);
  // The expire_tokens fault: every token issued so far is expired from now on.
  void ExpireAll();

 private:
  Model& model_;
  std::unique_ptr<TokenSigner> signer_;
  // GUARDED_BY(model_.mu):
  std::map<std::string, ClientEntry> clients_;
  std::set<std::string> live_;                // jti of tokens not expired by a fault
  std::map<std::string, TimePoint> revoked_;  // jti -> when the expire_tokens fault hit
};

}  // namespace s3u::emulator
