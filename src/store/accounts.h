// The service's saved accounts as values: a Domo account (client id and secret) or an AWS account
// (keys, bucket, region, endpoint) that connectors and `s3unload run` refer to by id or name.
// The Store (store.h) persists them with the secrets sealed by its SecretBox; in memory an
// Account holds them in plaintext, so never log or serialize one whole.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace s3u::store {

enum class AccountKind { kDomo, kAws };

// "domo", "aws": the stored form and the API's.
std::string_view AccountKindName(AccountKind kind);

// "Domo", "AWS": for messages ("an AWS account named "prod" already exists").
std::string_view AccountKindTitle(AccountKind kind);

// The inverse of AccountKindName (lower case, exact). kInvalidArgument naming `subject` otherwise.
Result<AccountKind> ParseAccountKind(std::string_view text, std::string_view subject);

// The longest account or connector name, in characters (UTF-8 code points).
inline constexpr size_t kMaxNameLength = 100;

struct Account {
  std::string id;    // "acc_" + 16 hex random chars; assigned by CreateAccount when empty
  std::string name;  // unique among accounts of the same kind, non-empty, <= kMaxNameLength
  AccountKind kind = AccountKind::kDomo;
  // Domo (kind == kDomo); empty for an AWS account.
  std::string domo_client_id;
  std::string domo_api_url;       // empty = https://api.domo.com
  std::string domo_instance_url;  // optional
  // AWS (kind == kAws); empty for a Domo account. endpoint_url is optional.
  std::string aws_access_key_id, bucket, region, endpoint_url;
  // SECRETS: plaintext in memory only, sealed with the SecretBox at rest (BLOB columns).
  // ListAccounts returns them empty; on UpdateAccount an empty one keeps the stored value.
  std::string domo_client_secret, aws_secret_access_key, aws_session_token;  // token optional
  // Whether a session token is stored: set by every read, also where the secrets are not
  // returned (ListAccounts), so the page can show "session token: set". Ignored on writes.
  bool has_session_token = false;
  int64_t created_ms = 0, updated_ms = 0;  // set by the store from its Clock
  bool operator==(const Account&) const = default;
};

}  // namespace s3u::store
