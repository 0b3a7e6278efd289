// The AWS default credential chain, in botocore's order, and the providers it is made of:
//   1. flags (--access-key-id/--secret-access-key[/--session-token])
//   2. environment (AWS_ACCESS_KEY_ID, ...; skipped when --profile is a flag)
//   3. assume-role: the profile's role_arn with source_profile or credential_source
//      (Environment, Ec2InstanceMetadata, EcsContainer), external_id, role_session_name,
//      duration_seconds; role chains through source profiles are followed
//   4. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME]
//      (EKS IRSA), else the profile's web_identity_token_file + role_arn
//   5. SSO: the profile's sso_account_id/sso_role_name with sso_start_url or sso_session,
//      using the token `aws sso login` cached in ~/.aws/sso/cache
//   6. the credentials file's keys for the profile
//   7. credential_process of the profile
//   8. the config file's keys for the profile
//   9. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), as on ECS, EKS Pod Identity, Lambda
//  10. EC2 instance metadata, IMDSv2 (AWS_EC2_METADATA_DISABLED, AWS_METADATA_SERVICE_TIMEOUT,
//      AWS_METADATA_SERVICE_NUM_ATTEMPTS, AWS_EC2_METADATA_SERVICE_ENDPOINT[_MODE],
//      AWS_EC2_METADATA_V1_DISABLED honoured)
// The first step that is configured answers; later steps are not consulted (as botocore). See
// docs/credentials.md.
//
// Temporary credentials are refreshed before they expire (RefreshingCredentialsProvider):
// inside the advisory window a failed refresh keeps the current credentials, inside the
// mandatory window it fails with the provider named.
//
// Thread-safety: every provider may be used from several threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http.h"
#include "s3/credentials.h"
#include "s3/sts.h"

namespace s3u::s3 {

// botocore's windows before expiration: from the advisory one a refresh is tried (a failure
// keeps the current credentials), from the mandatory one a refresh must succeed.
inline constexpr std::chrono::minutes kAdvisoryRefreshWindow{15};
inline constexpr std::chrono::minutes kMandatoryRefreshWindow{10};

// Base of every provider of temporary credentials: caches what Fetch returns and fetches
// again once the advisory window is reached. For credentials that live shorter than the
// windows (a 15-minute role session) the windows shrink to 1/2 (advisory) and 1/3
// (mandatory) of the lifetime they were issued with. Refresh (after ExpiredToken) fetches
// again, except that calls within one second of the previous fetch share its result (many
// parts in flight see ExpiredToken at once). New secrets are registered with `log`.
class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  // `clock` and `log` are not owned and must outlive the provider.
  RefreshingCredentialsProvider(std::string name, const Clock& clock, Logger& log);
  Result<Credentials> Get() final;
  Result<Credentials> Refresh() final;
  std::string Describe() const override { return name_; }

 protected:
  // Gets new credentials from the source. Called by one thread at a time.
  virtual Result<Credentials> Fetch() = 0;
  Logger& log() { return log_; }

 private:
  Result<Credentials> FetchLocked(bool keep_current_on_failure);  // REQUIRES: mu_ held

  const std::string name_;
  const Clock& clock_;
  Logger& log_;
  std::mutex mu_;
  std::optional<Credentials> cached_;                                // GUARDED_BY(mu_)
  std::chrono::system_clock::time_point fetched_at_;                 // GUARDED_BY(mu_)
  std::optional<std::chrono::steady_clock::time_point> last_fetch_;  // GUARDED_BY(mu_)
};

// The two STS providers: the role's parameters, the STS client and the ARN of the
// identity the last answer named.
class StsRoleProvider : public RefreshingCredentialsProvider {
 public:
  std::string IdentityArn() const override;

 protected:
  // `http`, `clock` and `log` are not owned and must outlive the provider.
  StsRoleProvider(std::string name, AssumeRoleParams params, StsSettings sts,
                  http::HttpClient& http, Clock& clock, Logger& log);
  // Keeps the answer's ARN and returns its credentials.
  Result<Credentials> Take(Result<StsCredentials> answer);

  const AssumeRoleParams params_;
  StsClient sts_;

 private:
  mutable std::mutex arn_mu_;
  std::string arn_;  // GUARDED_BY(arn_mu_)
};

// sts:AssumeRole over any base provider (the service's "role" accounts, profiles with
// role_arn). Errors name the role ARN; the base's expired token is refreshed once.
class AssumeRoleProvider final : public StsRoleProvider {
 public:
  AssumeRoleProvider(std::unique_ptr<CredentialsProvider> base, AssumeRoleParams params,
                     StsSettings sts, http::HttpClient& http, Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  std::unique_ptr<CredentialsProvider> base_;
};

// sts:AssumeRoleWithWebIdentity with a token re-read from `token_file` at every fetch
// (EKS rotates it).
class WebIdentityProvider final : public StsRoleProvider {
 public:
  WebIdentityProvider(std::string token_file,
                      std::function<std::optional<std::string>(const std::string&)> read_file,
                      AssumeRoleParams params, StsSettings sts, http::HttpClient& http,
                      Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  const std::string token_file_;
  const std::function<std::optional<std::string>(const std::string&)> read_file_;
};

// credential_process: runs `command` with /bin/sh -c (stdin /dev/null, stderr inherited) and
// reads {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}
// from its stdout. A non-zero exit is an error quoting the exit status, never the output.
class ProcessProvider final : public RefreshingCredentialsProvider {
 public:
  ProcessProvider(std::string command, const Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  const std::string command_;
};
// The JSON a credential_process prints. Errors name `where` and the field at fault.
Result<Credentials> ParseProcessCredentials(std::string_view json, const std::string& where);

// ECS/EKS container credentials: GET `url` with the Authorization header (the token, or
// the token file's content re-read at each fetch), 2 s timeout, 3 attempts.
class ContainerProvider final : public RefreshingCredentialsProvider {
 public:
  struct Settings {
    std::string url;
    std::string token;       // AWS_CONTAINER_AUTHORIZATION_TOKEN
    std::string token_file;  // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (wins)
  };
  ContainerProvider(Settings settings,
                    std::function<std::optional<std::string>(const std::string&)> read_file,
                    http::HttpClient& http, Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  const Settings settings_;
  const std::function<std::optional<std::string>(const std::string&)> read_file_;
  http::HttpClient& http_;
};
// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} (container and instance
// metadata); an instance answer's "Code" other than "Success" is an error.
Result<Credentials> ParseMetadataCredentials(std::string_view json, const std::string& where);

// EC2 instance metadata with IMDSv2: PUT /latest/api/token (TTL 6 h, cached and renewed),
// then GET /latest/meta-data/iam/security-credentials/ and .../<role>. A 401 drops the
// token and asks again once. When the token PUT is refused with 403/404/405 the requests are
// sent without a token (IMDSv1) unless v1 is disabled, as botocore does.
class InstanceMetadataProvider final : public RefreshingCredentialsProvider {
 public:
  struct Settings {
    std::string endpoint = "http://169.254.169.254";
    std::chrono::milliseconds timeout{1000};
    int attempts = 1;
    bool v1_disabled = false;
  };
  InstanceMetadataProvider(Settings settings, http::HttpClient& http, Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  Result<http::Response> Send(http::Request request);  // timeout + attempts
  Result<std::optional<std::string>> Token();          // nullopt: IMDSv1

  const Settings settings_;
  http::HttpClient& http_;
  Clock& clock_;
  std::optional<std::string> token_;
  std::chrono::steady_clock::time_point token_expires_;
};

// IAM Identity Center (SSO): the access token `aws sso login` cached in
// <home>/.aws/sso/cache/<sha1(sso_session or sso_start_url)>.json, exchanged at
// https://portal.sso.<sso_region>.amazonaws.com/federation/credentials (AWS_ENDPOINT_URL_SSO
// overrides) for the role's credentials. An expired token asks for `aws sso login`.
class SsoProvider final : public RefreshingCredentialsProvider {
 public:
  struct Settings {
    std::string cache_key;  // sso_session name, or sso_start_url (legacy profiles)
    std::string account_id, role_name, region;
    std::string cache_dir;   // <home>/.aws/sso/cache
    std::string portal_url;  // "" = https://portal.sso.<region>.amazonaws.com
  };
  SsoProvider(Settings settings,
              std::function<std::optional<std::string>(const std::string&)> read_file,
              http::HttpClient& http, Clock& clock, Logger& log);

 private:
  Result<Credentials> Fetch() override;
  const Settings settings_;
  const std::function<std::optional<std::string>(const std::string&)> read_file_;
  http::HttpClient& http_;
  Clock& clock_;
};

// The whole chain above for `in`. Nothing is fetched here: the first Get picks the first
// configured step (an invalid configuration fails then, naming the setting) and keeps using
// it. Errors now: only the settings ResolveStsSettings refuses.
Result<std::unique_ptr<CredentialsProvider>> MakeDefaultChain(const AwsSettingsInput& in,
                                                              http::HttpClient& http, Clock& clock,
                                                              Logger& log);

// "Which identity": the provider's IdentityArn when it knows one (an assumed role), else
// sts:GetCallerIdentity with its credentials.
Result<std::string> WhichIdentity(CredentialsProvider& provider, StsClient& sts);

}  // namespace s3u::s3
