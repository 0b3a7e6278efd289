// Where credentials, region and endpoint come from, following the aws cli's documented
// order. Resolution is a pure function of an injected AwsSettingsInput (flags, an env lookup,
// a file reader, the home directory), so every step of the order is testable offline.
//
// Credentials: flags -> AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] (ignored
// when --profile is a flag, as botocore does; AWS_PROFILE does not disable them) -> the
// profile (--profile, else AWS_PROFILE, else "default") in the credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, section [name]), then in the config
// file (AWS_CONFIG_FILE or ~/.aws/config, section [default] or [profile name]).
// These are the static keys only; s3/credential_chain.h builds botocore's whole chain (roles,
// web identity, SSO, credential_process, container and instance credentials) on top of them.
// Region: --region -> AWS_REGION -> AWS_DEFAULT_REGION -> profile `region` (config) ->
// "us-east-1". Endpoint: --endpoint-url -> AWS_ENDPOINT_URL_S3 -> AWS_ENDPOINT_URL -> the
// profile's `services` section (s3 = / endpoint_url) -> profile `endpoint_url` -> none;
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the env and file steps.
//
// Thread-safety: the functions are reentrant; providers are safe for concurrent use.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
};

struct AwsSettings {
  Credentials credentials;
  std::string credentials_source;  // "flags", "environment", "profile default in <path>"
  std::string region;
  std::string region_source;  // "--region", "AWS_REGION", "profile x in <path>", "default"
  std::optional<std::string> endpoint_url;
  std::string profile;  // the profile consulted (even if credentials came from elsewhere)
  std::vector<std::string> warnings;  // ignored INI lines, half-set env pairs, ...
};

// Errors: kInvalidArgument for half a key pair (names the missing flag or variable),
// kNotFound when an explicitly named profile exists in neither file, kUnauthenticated when
// no credentials were found (the message lists every place looked at). Messages never
// contain secrets.
// With kOptional, finding no static keys is not an error: `credentials` is then empty and
// `credentials_source` "" (the chain's other providers take over).
enum class StaticKeys { kRequired, kOptional };
Result<AwsSettings> ResolveAwsSettings(const AwsSettingsInput& in,
                                       StaticKeys keys = StaticKeys::kRequired);

// The variable `name` from in.getenv; empty values count as unset.
std::optional<std::string> LookupEnv(const AwsSettingsInput& in, std::string_view name);

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

// Both shared files and the profile in force, located and read as ResolveAwsSettings does,
// for the providers that read more than static keys (s3/credential_chain.h).
struct SharedConfig {
  std::string profile;           // --profile, else AWS_PROFILE, else "default"
  bool profile_flag = false;     // --profile was given (the environment's keys are skipped)
  std::string credentials_path;  // "" when there is no location
  std::string config_path;
  IniFile credentials;  // empty when missing
  IniFile config;

  // Setting `key` of profile `name`: the config file's [profile name] ([default] or
  // [profile default] for "default"); nullopt when absent or empty.
  std::optional<std::string> Config(const std::string& name, const std::string& key) const;
  // Setting `key` of [name] in the credentials file; nullopt when absent or empty.
  std::optional<std::string> Credentials(const std::string& name, const std::string& key) const;
  // The setting from the credentials file, else from the config file.
  std::optional<std::string> Either(const std::string& name, const std::string& key) const;
  bool HasProfile(const std::string& name) const;
};
SharedConfig LoadSharedConfig(const AwsSettingsInput& in);

class CredentialsProvider {  // thread-safe; the S3 client asks before each request
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> Get() = 0;
  // Called after ExpiredToken and similar: re-read the source.
  virtual Result<Credentials> Refresh() = 0;
  // Where the credentials come from ("environment", "assume-role arn:...", "instance
  // metadata"), for messages and logs; never a secret.
  virtual std::string Describe() const { return {}; }
  // The identity the credentials belong to when the provider knows it without asking (the
  // assumed role's ARN from AssumeRole's answer); "" otherwise.
  virtual std::string IdentityArn() const { return {}; }
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
