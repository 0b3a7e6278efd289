// Saved accounts as job values: what a Domo or AWS account saved in the store supplies to a
// job ("credentials.bucket", ...). Used by the service (a connector's job over its two accounts)
// and by `s3unload run` (credentials.domo_account / credentials.aws_account in a job file).
//
// Thread-safety: pure functions, and a resolver that opens the store on each call.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/accounts.h"
#include "unload/job_spec.h"

namespace s3u::jobs {

// The job-spec values an account supplies, each tagged `origin` (for messages).
std::vector<unload::SpecValue> AccountSpecValues(const store::Account& account,
                                                 const std::string& origin);

// Resolves saved accounts by kind and name from the store at `store_path` (secrets opened with
// its key file), for a job file that names them.
unload::AccountResolver SavedAccounts(Result<std::filesystem::path> store_path);

}  // namespace s3u::jobs
