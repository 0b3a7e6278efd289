// The S3 and Domo clients of one run or one credentials test, built from a saved account or a
// connector's job (the service's counterpart of the CLI's flag-and-environment sessions in
// cli/s3_options.h and cli/domo_options.h: the service never reads AWS_* variables or
// ~/.aws profiles, only what was saved). Each bundle owns its HTTP client, so runs share
// nothing but the store.
//
// Thread-safety: the clients are thread-safe; a bundle is owned by one run.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domo/client.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "s3/credentials.h"
#include "store/accounts.h"
#include "unload/job_spec.h"

namespace s3u::service {

struct S3Bundle {
  s3::Credentials credentials;
  std::string region;
  std::unique_ptr<http::CurlHttpClient> http;
  std::unique_ptr<s3::StaticCredentialsProvider> provider;
  std::unique_ptr<s3::S3Client> client;
};

struct DomoBundle {
  std::unique_ptr<http::CurlHttpClient> http;
  std::unique_ptr<domo::DomoClient> client;
  std::string api_url;
};

// Registers the secrets with `log` first, so no error can show them. `clock` and `log` must
// outlive the bundle.
Result<std::unique_ptr<S3Bundle>> OpenS3(const unload::JobSpec& spec, Clock& clock, Logger& log);
Result<std::unique_ptr<S3Bundle>> OpenS3(const store::Account& aws, Clock& clock, Logger& log);
Result<std::unique_ptr<DomoBundle>> OpenDomo(const unload::JobSpec& spec, Clock& clock,
                                             Logger& log);
Result<std::unique_ptr<DomoBundle>> OpenDomo(const store::Account& domo, Clock& clock, Logger& log);

}  // namespace s3u::service
