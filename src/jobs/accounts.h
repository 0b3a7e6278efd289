// Saved accounts as job values: what a Domo, AWS or AWS role account saved in the store
// supplies to a job ("credentials.bucket", ...). Used by the service (a connector's job over
// its two accounts) and by `s3unload run` (credentials.domo_account / credentials.aws_account
// in a job file). A role account's base credentials are the keys of the AWS account it names
// (base_account_id), or the process's own chain when it names none.
//
// Thread-safety: pure functions, and resolvers that use the store they are given (or open it
// on each call).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/accounts.h"
#include "store/store.h"
#include "unload/job_spec.h"

namespace s3u::jobs {

// The job-spec values an account supplies, each tagged `origin` (for messages). For a role
// account, `base` is the AWS account its base_account_id names (null when it names none): its
// keys (credentials.aws_*) assume the role. REQUIRES: `base` passed CheckRoleBase.
std::vector<unload::SpecValue> AccountSpecValues(const store::Account& account,
                                                 const std::string& origin,
                                                 const store::Account* base = nullptr);

// An address as accounts compare them: trimmed, without trailing '/', and `when_empty` when
// empty (Domo's own API URL; "" for AWS), so spellings of one address are equal.
std::string NormalizedAddress(std::string_view url, std::string_view when_empty);

// Where a role account may send its base credentials (issue 14: a saved secret only goes to
// the address it was saved with). The keys of a base AWS account sign only requests to the
// endpoint that account was saved with, so the role's endpoint_url must be the base's; the
// service's own credentials (no base) only go to AWS, so the role may not name an endpoint.
// Field errors on "endpoint_url"; none for other kinds or when the rule holds.
FieldErrors CheckRoleBase(const store::Account& role, const store::Account* base);

// The base account of `account` from `store` (nullopt for a role without one, or another
// kind), its secrets open, after CheckRoleBase. Field errors on "base_account_id" (no such
// account, not an AWS account, or unreadable: the store's message) and "endpoint_url".
Checked<std::optional<store::Account>> RoleBase(store::Store& store, const store::Account& account);

// Resolves saved accounts by kind and name from the store at `store` (secrets opened with the
// key store::ResolveSecretBox finds), for a job file that names them. The kind "aws" finds an
// AWS or an AWS role account (they share names), with its base account's keys.
unload::AccountResolver SavedAccounts(Result<store::StoreUrl> store,
                                      store::SecretKeySource secret_key);

}  // namespace s3u::jobs
