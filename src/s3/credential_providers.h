// Temporary credentials that expire, and the sources of the AWS default chain that hand them
// out (other than STS, in s3/sts.h): the ECS/EKS container endpoint, EC2 instance metadata
// (IMDSv2), a profile's credential_process and SSO's cached token. Each source is a fetcher,
// a copyable function object returning Result<Credentials>, whose I/O goes through an
// injected http::HttpClient, Getenv and ReadFile; RefreshingCredentialsProvider caches what a
// fetcher returns and fetches again before it expires. The chain that picks a source is
// assembled elsewhere; the fetchers only read what they are given.
//
// RefreshingCredentialsProvider's rules (botocore's RefreshableCredentials, plus a retry pause):
//   - Get returns the cached credentials. It fetches when none are cached, or when the cached
//     ones expire within the advisory window (15 minutes).
//   - A failed fetch while the cached credentials are outside the mandatory window (10
//     minutes) is logged (a warning without secrets) and the cached ones are returned; inside
//     the mandatory window the failure is Get's error.
//   - After a fetch, Get does not fetch again for the advisory or mandatory reason before
//     kFetchRetryPause has passed; meanwhile it returns the cached credentials as long as
//     they have not expired (so an upload that failed can still be aborted). Expired ones
//     are fetched on every Get. A source that is down is not asked on every request, nor one
//     handing out 15-minute sessions.
//   - Refresh always fetches (S3 answered ExpiredToken), and keeps the cache when it fails.
//   - Credentials without an expiration are cached until Refresh.
//   - Fetched credentials that have already expired by the clock are an error, not cached.
//   - A fetch error keeps its code (kUnauthenticated, or kUnavailable for a transport failure,
//     which S3Client retries) and its message starts with the provider's name:
//     "container credentials: cannot refresh: ..." ("cannot get credentials" the first time).
// Thread-safety: Get and Refresh may be called from any thread. One fetch runs at a time,
// outside the lock; callers that need a fetch while it runs wait for it and share its result.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "http/curl_client.h"
#include "http/http.h"
#include "s3/credentials.h"
#include "s3/sigv4.h"

namespace s3u::s3 {

inline constexpr std::chrono::minutes kAdvisoryRefreshWindow{15};
inline constexpr std::chrono::minutes kMandatoryRefreshWindow{10};
inline constexpr std::chrono::seconds kFetchRetryPause{30};

// Provider names, as messages show them.
inline constexpr std::string_view kContainerProviderName = "container credentials";
inline constexpr std::string_view kImdsProviderName = "instance metadata (IMDSv2)";
inline constexpr std::string_view kProcessProviderName = "credential_process";
inline constexpr std::string_view kSsoProviderName = "SSO";

using CredentialsFetch = std::function<Result<Credentials>()>;

class RefreshingCredentialsProvider final : public CredentialsProvider {
 public:
  // `fetch` must not throw. `clock` (and `log`, when given) are not owned and must outlive this.
  RefreshingCredentialsProvider(std::string name, CredentialsFetch fetch, const Clock& clock,
                                Logger* log = nullptr);
  RefreshingCredentialsProvider(const RefreshingCredentialsProvider&) = delete;
  RefreshingCredentialsProvider& operator=(const RefreshingCredentialsProvider&) = delete;

  Result<Credentials> Get() override;
  Result<Credentials> Refresh() override;
  const std::string& name() const { return name_; }

 private:
  // Runs fetch_, or waits for the fetch in flight; returns that fetch's outcome.
  Result<Credentials> FetchShared(std::unique_lock<std::mutex>& lock);  // REQUIRES: lock held

  const std::string name_;
  const CredentialsFetch fetch_;
  const Clock& clock_;
  Logger* const log_;  // may be null
  std::mutex mu_;
  std::condition_variable fetched_;
  std::optional<Credentials> cached_;                              // GUARDED_BY(mu_)
  bool fetching_ = false;                                          // GUARDED_BY(mu_)
  uint64_t fetch_count_ = 0;                                       // GUARDED_BY(mu_)
  std::optional<Result<Credentials>> outcome_;                     // GUARDED_BY(mu_)
  std::optional<std::chrono::steady_clock::time_point> last_try_;  // GUARDED_BY(mu_)
};

// HttpClient options for a metadata endpoint: connecting and each stall bounded by `timeout`.
http::HttpOptions MetadataHttpOptions(std::chrono::seconds timeout);

// --- ECS/EKS container credentials -------------------------------------------------------
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI -> http://169.254.170.2<it>; else
// AWS_CONTAINER_CREDENTIALS_FULL_URI, https to any host, http only to a loopback address,
// localhost, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]. Authorization header: the
// contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every fetch: EKS rotates it),
// else AWS_CONTAINER_AUTHORIZATION_TOKEN; a token holding CR or LF is refused. GET with
// Accept: application/json, 3 attempts 1 s apart (through the clock); the answer is JSON
// with AccessKeyId, SecretAccessKey, Token, Expiration (ISO 8601). Use an HttpClient built
// with MetadataHttpOptions(kContainerTimeout). Errors: kInvalidArgument for a refused URL or
// token (subject: the variable), kUnavailable for transport failures and 5xx, kUnauthenticated
// for other answers, kInternal for an answer that is not the expected JSON.
inline constexpr std::chrono::seconds kContainerTimeout{2};
bool ContainerCredentialsConfigured(const Getenv& getenv);  // either URI variable set
class ContainerCredentialsFetcher {
 public:
  // References must outlive every copy of this.
  ContainerCredentialsFetcher(Getenv getenv, ReadFile read_file, http::HttpClient& http,
                              Clock& clock);
  Result<Credentials> operator()() const;

 private:
  Getenv getenv_;
  ReadFile read_file_;
  http::HttpClient* http_;
  Clock* clock_;
};

// --- EC2 instance metadata (IMDSv2) ------------------------------------------------------
struct ImdsSettings {
  bool disabled = false;     // AWS_EC2_METADATA_DISABLED=true (any case)
  bool v1_disabled = false;  // AWS_EC2_METADATA_V1_DISABLED=true: no fallback without a token
  // AWS_EC2_METADATA_SERVICE_ENDPOINT, else AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6
  // (http://[fd00:ec2::254]), else this.
  std::string endpoint = "http://169.254.169.254";
  std::chrono::seconds timeout{1};  // AWS_METADATA_SERVICE_TIMEOUT (whole seconds, >= 1)
  int attempts = 1;                 // AWS_METADATA_SERVICE_NUM_ATTEMPTS (>= 1)
};
// Errors: kInvalidArgument naming the variable whose value is not accepted.
Result<ImdsSettings> ReadImdsSettings(const Getenv& getenv);

// Per fetch (as botocore, a new token each time): PUT /latest/api/token with
// X-aws-ec2-metadata-token-ttl-seconds: 21600; GET /latest/meta-data/iam/security-credentials/
// (the role name) and .../<role> (JSON: Code, AccessKeyId, SecretAccessKey, Token,
// Expiration), both with X-aws-ec2-metadata-token. Each request gets settings.attempts tries;
// a GET answered 401 fetches a new token once and is sent again. When the token PUT answers
// 403, 404 or 405, or fails every try (timeouts included), the GETs go without a token
// (IMDSv1), as botocore does, unless v1_disabled; a 400 is an error. Credentials expiring
// within 20 minutes get their expiration moved to now + 20 minutes, botocore's extension for
// an IMDS that cannot rotate them (its 15-minute window plus a fixed 5 instead of 2-10 random).
// Use an HttpClient built with MetadataHttpOptions(settings.timeout). Errors: kUnauthenticated
// when disabled, no role is attached or IMDS refuses; kUnavailable for transport failures and
// 5xx; kInternal for an answer that is not the expected JSON.
class InstanceMetadataFetcher {
 public:
  InstanceMetadataFetcher(ImdsSettings settings, http::HttpClient& http, const Clock& clock,
                          Logger* log = nullptr);
  Result<Credentials> operator()() const;

 private:
  ImdsSettings settings_;
  http::HttpClient* http_;
  const Clock* clock_;
  Logger* log_;
};

// --- credential_process --------------------------------------------------------------------
// The command line split as botocore does (Python's shlex.split, POSIX rules): blanks separate
// words; '...' is literal; "..." keeps \" and \\ as escapes; a backslash outside quotes escapes
// the next character. No variables, globs, '~' or pipes: the first word is the program (found
// on PATH), run directly. Errors: kInvalidArgument for an unclosed quote, a trailing
// backslash or no word at all.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command);

struct ProcessOptions {
  // The whole run. botocore waits forever; a stuck helper should fail a run, not hang it.
  std::chrono::milliseconds timeout{60000};
  // Standard output kept (a credentials document is ~2 KiB); more is an error.
  size_t max_output = 64 * 1024;
};

// Runs the command (standard input inherited, as botocore does, so a helper can prompt; the
// environment inherited) and reads standard output as JSON: Version 1, AccessKeyId,
// SecretAccessKey, optional SessionToken and Expiration (ISO 8601). A non-zero exit, a signal,
// the timeout (the process is killed), too much output or JSON it cannot use is
// kUnauthenticated; the message names the program (never its arguments) and quotes the first
// line of standard error, never standard output (it holds the secret).
class ProcessCredentialsFetcher {
 public:
  explicit ProcessCredentialsFetcher(std::string command, ProcessOptions options = {});
  Result<Credentials> operator()() const;

 private:
  std::string command_;
  ProcessOptions options_;
};

// --- SSO (IAM Identity Center) ----------------------------------------------------------
struct SsoSettings {
  std::string profile;
  std::optional<std::string> session;  // sso_session: the [sso-session NAME] section
  std::string start_url, region, account_id, role_name;
};
// From `config` (the config file at `config_path`, for messages): the profile's sso_session
// and its [sso-session NAME] section's sso_start_url/sso_region, or legacy sso_start_url/
// sso_region in the profile; plus sso_account_id and sso_role_name. nullopt when the profile
// has neither sso_account_id nor sso_role_name (botocore's test). Errors (kInvalidArgument):
// a missing setting (all of them listed), an sso_session without its section, a setting
// whose profile and session values differ.
Result<std::optional<SsoSettings>> ReadSsoSettings(const IniFile& config,
                                                   std::string_view config_path,
                                                   std::string_view profile);
// "https://portal.sso.<region>.amazonaws.com".
std::string SsoPortalUrl(std::string_view region);
// <home>/.aws/sso/cache/<sha1 hex of the session name, or of the start URL>.json
std::string SsoTokenPath(const SsoSettings& settings, std::string_view home);

// Reads the cached token (accessToken, expiresAt) on every fetch, then GETs
// <portal>/federation/credentials?account_id=..&role_name=.. with x-amz-sso_bearer_token;
// the answer's roleCredentials.expiration is in epoch milliseconds. A missing, unreadable or
// expired token, or a 401/403 from the portal, is kUnauthenticated saying to run
// `aws sso login --profile <profile>` (the token is not refreshed with its refresh token).
class SsoCredentialsFetcher {
 public:
  // `portal_url` empty: SsoPortalUrl(settings.region).
  SsoCredentialsFetcher(SsoSettings settings, std::string home, ReadFile read_file,
                        http::HttpClient& http, const Clock& clock, std::string portal_url = {});
  Result<Credentials> operator()() const;

 private:
  SsoSettings settings_;
  std::string home_;
  ReadFile read_file_;
  http::HttpClient* http_;
  const Clock* clock_;
  std::string portal_url_;
};

}  // namespace s3u::s3
