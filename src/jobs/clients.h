// The one place S3 and Domo clients are built, for every caller: the CLI's commands (upload,
// check-s3, check-domo from flags; run from a job file), the service's runs (from a connector's
// job) and its account tests (from a saved account). What differs between callers is only
// where settings may come from:
//   - the CLI reads AWS_* variables and ~/.aws profiles (the aws cli's order, s3/credentials.h);
//   - the service reads nothing but what was saved (Environment::None()): a saved account's
//     keys are never mixed with the service process's own variables or files.
// Transport settings (timeouts, attempts, CA bundle) have one default for everyone.
//
// Every secret is registered with the caller's Logger before anything can fail, so no error or
// log line can show it.
//
// Thread-safety: building is not shared; the clients built are thread-safe. The structs hold
// members that reference each other: they live on the heap and are never moved.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "domo/client.h"
#include "http/curl_client.h"
#include "http/retry.h"
#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/sts.h"
#include "store/accounts.h"
#include "unload/job_spec.h"

namespace s3u::jobs {

// Where settings may come from besides what is given explicitly.
struct Environment {
  Getenv getenv;       // empty function: no variables
  ReadFile read_file;  // empty function: no ~/.aws files
  std::string home;    // empty: no default file locations
  // Whether the chain may end at EC2 instance metadata (s3/credentials.h, step 10).
  bool instance_metadata = false;

  static Environment Process();  // the CLI's: the process's variables, $HOME/.aws
  static Environment None();     // the service's: nothing but what was saved
};

// How requests travel; the same defaults for the CLI and the service.
struct Transport {
  // How long one request is retried through outages and throttling (http/retry.h), and an
  // optional cap on its attempts (0: the budget alone decides).
  std::chrono::milliseconds retry_budget = http::kDefaultRetryBudget;
  int max_attempts = 0;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds stall_timeout{30};  // no progress for this long: abandoned and retried
  std::string ca_bundle;                   // empty: the system's (or AWS_CA_BUNDLE, if read)
};

// What is given explicitly for S3 (flags, a job's values, a saved account); the rest comes from
// the Environment in the aws cli's order.
struct S3Source {
  std::optional<std::string> access_key_id, secret_access_key, session_token, profile, region,
      endpoint_url;
  // A role to assume with the credentials above (or, when none are given, the Environment's
  // chain); the S3 client then signs with the role's temporary credentials, refreshed before
  // they expire.
  std::optional<std::string> role_arn, external_id, role_session_name;
  bool force_path_style = false;  // implied by an endpoint_url
  bool correct_region = true;
  bool sign_payload = true;
};

// The ARN STS gave the role the S3 client signs as (AssumedRoleUser/Arn, e.g.
// "arn:aws:sts::123456789012:assumed-role/writer/s3unload"), written at each fetch of the role's
// credentials and read by whoever reports the identity. Thread-safe.
class AssumedRoleArn {
 public:
  explicit AssumedRoleArn(std::string action) : action_(std::move(action)) {}
  const std::string& action() const { return action_; }  // the STS action that assumes it
  void Set(std::string arn);
  std::string Get() const;

 private:
  const std::string action_;
  mutable std::mutex mutex_;
  std::string arn_;
};

struct S3Clients {
  // Resolved: region, endpoint and where each came from. For fetched credentials (a role,
  // web identity, SSO, a process, a container, instance metadata) `credentials` holds the
  // first ones fetched, which the domo-export engine hands to Domo: temporary, never the
  // base keys of a role.
  s3::AwsSettings settings;
  std::unique_ptr<http::CurlHttpClient> http;
  // What the providers use besides `http`: the metadata endpoints' short timeouts, and STS
  // (settings.sts_endpoint_url, or the region's), also used to report identities.
  std::unique_ptr<http::CurlHttpClient> metadata_http;
  std::unique_ptr<s3::StsClient> sts;
  std::vector<std::unique_ptr<s3::CredentialsProvider>> bases;  // a role's base providers
  // Where the signing credentials come from STS (S3Source::role_arn, a role profile, web
  // identity): the role assumed; null otherwise.
  std::shared_ptr<AssumedRoleArn> assumed_role;
  std::unique_ptr<s3::CredentialsProvider> credentials;
  std::unique_ptr<s3::S3Client> client;
};

struct DomoClients {
  domo::DomoOptions options;
  std::unique_ptr<http::CurlHttpClient> http;
  std::unique_ptr<domo::DomoClient> client;
};

// Who `clients` sign as, for check-s3 and the account test (and, opened without the role, who
// a role's base credentials are: the principal its trust policy must name). Never an error:
// what could not be learnt is said in `note`, as the identity informs and never decides a check.
struct Identity {
  std::string arn;   // "" when not known
  std::string how;   // "AssumeRole", "AssumeRoleWithWebIdentity" or "GetCallerIdentity"
  std::string note;  // when arn is "": why (e.g. the endpoint has no GetCallerIdentity)
};
// The assumed role's ARN as STS returned it with the credentials; otherwise STS
// GetCallerIdentity with the signing credentials.
Identity SigningIdentity(S3Clients& clients);
// {"arn": ARN or null, "how": ..., "note": ... (only when the ARN is not known)}.
nlohmann::json IdentityJson(const Identity& identity);

// Errors name the flag, field or source at fault (s3::ResolveAwsSettings,
// domo::ValidateDomoOptions). `clock` and `log` must outlive the clients.
Result<std::unique_ptr<S3Clients>> OpenS3(const S3Source& source, const Environment& env,
                                          const Transport& transport, Clock& clock, Logger& log);
Result<std::unique_ptr<DomoClients>> OpenDomo(domo::DomoOptions options, const Transport& transport,
                                              Clock& clock, Logger& log);

// A job's sources (its values were resolved from the job file, DOMO_* and --set already).
S3Source S3SourceFor(const unload::JobSpec& spec);
domo::DomoOptions DomoOptionsFor(const unload::JobSpec& spec);
// A saved account's sources (for its test; a connector's runs go through its job). For a role
// account, `base` is its base AWS account (null: none; jobs::RoleBase reads and checks it).
S3Source S3SourceFor(const store::Account& account, const store::Account* base = nullptr);
domo::DomoOptions DomoOptionsFor(const store::Account& domo);

// Both clients of a run of `spec`; the job's tuning.retry_budget is their retry budget.
struct JobClients {
  std::unique_ptr<S3Clients> s3;
  std::unique_ptr<DomoClients> domo;
};
Result<JobClients> OpenJobClients(const unload::JobSpec& spec, const Environment& env,
                                  Transport transport, Clock& clock, Logger& log);

}  // namespace s3u::jobs
