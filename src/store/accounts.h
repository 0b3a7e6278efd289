// The service's saved accounts as values: a Domo account (client id and secret), an AWS account
// (keys, bucket, region, endpoint) or an AWS role account (a role to assume, with the keys of a
// saved AWS account or the service's own credentials as the base) that connectors and
// `s3unload run` refer to by id or name.
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

// kAws is an account of keys; kRole assumes a role (STS AssumeRole) with the keys of a kAws
// account or with the service's own credentials. Both are the S3 side of a connector.
enum class AccountKind { kDomo, kAws, kRole };

// "domo", "aws", "role": the stored form and the API's.
std::string_view AccountKindName(AccountKind kind);

// "Domo", "AWS", "AWS role": for messages ("an AWS account named "prod" already exists").
std::string_view AccountKindTitle(AccountKind kind);

// Whether an account of `kind` is the S3 side of a connector (kAws or kRole). The two share
// one namespace of names, so that `credentials.aws_account = "prod"` names one account.
bool IsS3Kind(AccountKind kind);

// The inverse of AccountKindName (lower case, exact). kInvalidArgument naming `subject` otherwise.
Result<AccountKind> ParseAccountKind(std::string_view text, std::string_view subject);

// The longest account or connector name, in characters (UTF-8 code points).
inline constexpr size_t kMaxNameLength = 100;

// The session name of a role account that gives none (it shows in the role's CloudTrail).
inline constexpr std::string_view kDefaultRoleSessionName = "s3unload";

struct Account {
  std::string id;    // "acc_" + 16 hex random chars; assigned by CreateAccount when empty
  std::string name;  // unique among accounts of the same kind, non-empty, <= kMaxNameLength
  AccountKind kind = AccountKind::kDomo;
  // Domo (kind == kDomo); empty for an AWS account.
  std::string domo_client_id;
  std::string domo_api_url;       // empty = https://api.domo.com
  std::string domo_instance_url;  // optional
  // AWS (kind == kAws). bucket, region and endpoint_url (optional) also for kRole.
  std::string aws_access_key_id, bucket, region, endpoint_url;
  // AWS role (kind == kRole). role_arn is required; an empty external_id is generated on
  // create (32 random hex digits) and kept on update; an empty role_session_name is
  // kDefaultRoleSessionName. base_account_id names the kAws account whose keys assume the
  // role; empty: the service's own credentials (its environment, its instance role).
  std::string role_arn, external_id, role_session_name, base_account_id;
  // What STS GetCallerIdentity said of the base credentials at the last test of the account
  // (the principal of its trust policy); "" when not known. Set by SetRoleBaseIdentity only,
  // ignored on writes, and forgotten when base_account_id or endpoint_url changes.
  std::string base_identity_arn;
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
