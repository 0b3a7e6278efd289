// Where the service's S3 side may read settings from besides what was saved (jobs/clients.h,
// Environment). The service reads nothing of its own (Environment::None): a saved account's
// keys are never mixed with the service process's variables or files. The one exception is
// an AWS role account without a base account: its base credentials are, by the user's
// choice, the service's own (its environment, its ~/.aws files, its instance or task role),
// so its S3 side is opened with the process's chain (Environment::Process). Even then the
// process's endpoint settings are ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS): a role
// account without an endpoint_url means AWS, whatever the service's environment says.
//
// Thread-safety: pure function.
#pragma once

#include "jobs/clients.h"

namespace s3u::service {

// The Environment to open `source` with: Process (endpoints ignored) for a role to assume
// with no keys given, None otherwise.
jobs::Environment ServiceEnvironment(const jobs::S3Source& source);

}  // namespace s3u::service
