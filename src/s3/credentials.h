// Where credentials, region and endpoint come from, in the AWS default chain's documented
// order (botocore's). Resolution is a pure function of an injected AwsSettingsInput (flags, an
// env lookup, a file reader, the home directory), so every step of the order is testable
// offline; it says *where* the credentials are (a CredentialSource). Fixed keys are read
// there; the others are fetched, and refreshed before they expire, by the providers that
// jobs::OpenS3 (jobs/clients.h) builds from the source.
//
// Credentials, first found wins:
//   1. flags (--access-key-id/--secret-access-key[/--session-token]);
//   2. AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] (ignored when --profile is
//      a flag, as botocore does; AWS_PROFILE does not disable them);
//   then the profile (--profile, else AWS_PROFILE, else "default"; the credentials file is
//   AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, section [name]; the config file
//   AWS_CONFIG_FILE or ~/.aws/config, section [default] or [profile name]):
//   3. assume-role: role_arn with source_profile (that profile's credentials, itself possibly
//      a role: chained, cycles refused) or credential_source (Environment,
//      Ec2InstanceMetadata, EcsContainer), with external_id, role_session_name and
//      duration_seconds;
//   4. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] (as
//      EKS IRSA sets them), else the profile's web_identity_token_file + role_arn;
//   5. SSO: sso_session (its [sso-session x] section) or the legacy sso_start_url, with
//      sso_account_id and sso_role_name, from the token `aws sso login` cached;
//   6. keys in the credentials file; 7. credential_process; 8. keys in the config file;
//   9. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI);
//  10. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true or the input
//      does not allow it (instance_metadata = false: the service's saved accounts).
// Region: --region -> AWS_REGION -> AWS_DEFAULT_REGION -> profile `region` (config) ->
// "us-east-1". Endpoint: --endpoint-url -> AWS_ENDPOINT_URL_S3 -> AWS_ENDPOINT_URL -> the
// profile's `services` section (s3 = / endpoint_url) -> profile `endpoint_url` -> none;
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the env and file steps. STS's endpoint:
// AWS_ENDPOINT_URL_STS -> the `services` section's sts.endpoint_url -> the S3 endpoint when
// one is set (radosgw and other S3-compatible stores answer STS at the same address) ->
// none (the regional https://sts.REGION.amazonaws.com).
//
// Thread-safety: the functions are reentrant; providers are safe for concurrent use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "s3/sigv4.h"

namespace s3u::s3 {

// Flag names used in messages; the CLI must spell its flags the same way.
inline constexpr std::string_view kFlagAccessKey = "--access-key-id";
inline constexpr std::string_view kFlagSecretKey = "--secret-access-key";
inline constexpr std::string_view kFlagSessionToken = "--session-token";
inline constexpr std::string_view kFlagProfile = "--profile";
inline constexpr std::string_view kFlagRegion = "--region";
inline constexpr std::string_view kFlagEndpointUrl = "--endpoint-url";

struct AwsSettingsInput {  // everything from the outside world, injected
  std::optional<std::string> flag_access_key, flag_secret_key, flag_session_token, flag_profile,
      flag_region, flag_endpoint_url;
  // Environment lookup; empty function = empty environment. Empty values count as unset.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  // Whole-file read; nullopt if missing or unreadable. Empty function = no files.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  std::string home;  // for ~/.aws; empty = no default file locations
  // Whether the chain may end at EC2 instance metadata (step 10): the CLI's chain (and the
  // service's own, for a role account without a base account) does; saved accounts, which
  // hold their own keys, and tests do not.
  bool instance_metadata = false;
};

// The chain's steps other than fixed keys, as found; s3/credential_chain.h fetches them.
struct CredentialSource;
struct AssumeRoleSource {
  std::string role_arn, external_id, session_name;  // external_id may be empty
  int duration_seconds = 3600;
  std::shared_ptr<const CredentialSource> base;  // never null
  std::string base_description;                  // "profile base in /home/u/.aws/config"
};
struct WebIdentitySource {
  std::string token_file, role_arn, session_name;
};
struct SsoSource {
  std::string session_name;  // empty for the legacy form (the token is keyed by the URL)
  std::string start_url, region, account_id, role_name;
};
struct ProcessSource {
  std::string command;
};
struct ContainerSource {};         // the AWS_CONTAINER_* variables, read when fetching
struct InstanceMetadataSource {};  // AWS_EC2_METADATA_* variables, read when fetching
struct CredentialSource {
  std::variant<Credentials, AssumeRoleSource, WebIdentitySource, SsoSource, ProcessSource,
               ContainerSource, InstanceMetadataSource>
      where;
};

struct AwsSettings {
  // The fixed keys when source.where holds Credentials; empty otherwise (fetched later).
  Credentials credentials;
  CredentialSource source;
  // "flags", "environment", "profile default in <path>", "assume-role arn:... (profile x)",
  // "container credentials", "instance metadata (IMDSv2)", ...
  std::string credentials_source;
  std::string region;
  std::string region_source;  // "--region", "AWS_REGION", "profile x in <path>", "default"
  std::optional<std::string> endpoint_url;
  std::optional<std::string> sts_endpoint_url;  // none: the regional STS endpoint
  std::string profile;  // the profile consulted (even if credentials came from elsewhere)
  std::vector<std::string> warnings;  // ignored INI lines, half-set env pairs, ...
};

// Errors: kInvalidArgument for half a key pair (names the missing flag or variable) and for a
// role profile that cannot work (no source, both sources, an unknown credential_source, a
// source_profile cycle or a missing source profile, a bad duration_seconds); kNotFound when
// an explicitly named profile exists in neither file; kUnauthenticated when no credentials
// were found (the message lists every place looked at). Messages never contain secrets.
Result<AwsSettings> ResolveAwsSettings(const AwsSettingsInput& in);

// An INI file as botocore reads it: [section] headers, "key = value" or "key: value" with
// keys lower-cased and values trimmed, full-line '#'/';' comments and inline ones after
// whitespace (" # ..."). Indented lines after "key =" are nested settings
// ("s3 =\n  addressing_style = path"), stored as "s3.addressing_style". Lines that cannot
// be read are skipped and described in `problems` (botocore would refuse the whole file).
// Repeated sections merge; a repeated key keeps its last value.
struct IniFile {
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::vector<std::string> problems;  // "line 3: ..."; never includes the line's value

  // nullptr when absent.
  const std::string* Find(const std::string& section, const std::string& key) const;
  bool HasSection(const std::string& section) const { return sections.count(section) > 0; }
};
IniFile ParseIni(std::string_view text);

class CredentialsProvider {  // thread-safe; the S3 client asks before each request
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> Get() = 0;
  // Called after ExpiredToken and similar: re-read the source.
  virtual Result<Credentials> Refresh() = 0;
};

// Fixed credentials. Get and Refresh return them, or kUnauthenticated once their
// expiration (if any) has passed by `clock`. `clock` is not owned and must outlive this;
// without one, expiry is left to the server (ExpiredToken).
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials);
  StaticCredentialsProvider(Credentials credentials, const Clock& clock);
  Result<Credentials> Get() override;
  Result<Credentials> Refresh() override;

 private:
  const Credentials credentials_;
  const Clock* clock_;  // may be null
};

// Resolves on the first Get and again on Refresh (re-reading env and files), so keys
// rotated in ~/.aws/credentials are picked up. Get also re-resolves once the cached
// credentials' expiration has passed. A failed Refresh keeps the previous credentials
// cached but returns the error. `clock` is not owned and must outlive this; without one,
// Get never re-resolves on its own and expiry is left to the server (ExpiredToken -> Refresh).
class ResolvingCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ResolvingCredentialsProvider(AwsSettingsInput input);
  ResolvingCredentialsProvider(AwsSettingsInput input, const Clock& clock);
  ResolvingCredentialsProvider(const ResolvingCredentialsProvider&) = delete;
  ResolvingCredentialsProvider& operator=(const ResolvingCredentialsProvider&) = delete;

  Result<Credentials> Get() override;
  Result<Credentials> Refresh() override;

 private:
  Result<Credentials> ResolveLocked();  // REQUIRES: mu_ held

  const AwsSettingsInput input_;
  const Clock* clock_;  // may be null
  std::mutex mu_;
  std::optional<Credentials> cached_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::s3
