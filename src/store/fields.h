// Checks, ids and queries shared by parts of the Store (accounts.cc, connectors.cc, runs.cc,
// leases.cc): one wording for the same problem wherever it appears. Private to the store.
//
// Thread-safety: stateless functions (NewId draws from libsodium's thread-safe generator);
// RowExists uses the Connection it is given (one thread at a time).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/accounts.h"
#include "store/connection.h"

namespace s3u::store {

// `prefix` + 16 random hex digits ("acc_3f9a0c1b7d2e4f60"). REQUIRES: sodium_init() succeeded
// (Store::Open does it).
std::string NewId(std::string_view prefix);

// `bytes` random bytes as 2 * `bytes` lower-case hex digits (a role's external ID: 16 bytes).
// REQUIRES: sodium_init() succeeded.
std::string RandomHex(size_t bytes);

// Appends a problem for `field` when `value` is empty: "empty; <what is needed>".
void RequireField(FieldErrors& errors, std::string_view field, std::string_view value,
                  std::string_view needed);

// Appends a problem for "name" when `name` is empty or longer than kMaxNameLength characters.
void CheckName(FieldErrors& errors, std::string_view name);

// Appends a problem for `field` when `text` is not a JSON object.
void CheckJsonObject(FieldErrors& errors, std::string_view field, std::string_view text);

// "a Domo account", "an AWS account", "an AWS role account".
std::string AccountWithArticle(AccountKind kind);

// "an AWS account or an AWS role account": any one of `kinds`.
std::string AnyAccountOf(const std::vector<AccountKind>& kinds);

// The name as a message quotes it: "prod" with the quotes.
std::string Quoted(std::string_view name);

// Appends a problem for `field` unless `account_id` (non-empty) names an account of one of
// `kinds`: "no such account: acc_x; ..." or "account acc_x is a Domo account; an AWS account
// ... is needed". Errors only when the query fails.
Result<void> CheckAccountRef(Connection& db, std::string_view doing, FieldErrors& errors,
                             std::string_view field, std::string_view account_id,
                             const std::vector<AccountKind>& kinds);

// Marks FAILED (error code "aborted", `message`, finished at `now_ms` or its start if later)
// each of `run_ids` still RUNNING, and drops its lease: a run whose process is gone
// (Store::MarkInterruptedRuns, Store::ReapExpiredLeases). REQUIRES: a write transaction.
Result<void> MarkRunsAborted(Connection& db, const std::vector<std::string>& run_ids,
                             int64_t now_ms, std::string_view message, std::string_view doing);

// Whether `sql` (a SELECT with parameters bound by `bind`) returns a row.
Result<bool> RowExists(Connection& db, std::string_view sql, std::string_view doing,
                       const std::function<void(Statement&)>& bind);

}  // namespace s3u::store
