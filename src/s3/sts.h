// AWS STS as s3unload uses it: AssumeRole (signed with base credentials),
// AssumeRoleWithWebIdentity (unsigned: the web identity token is the proof) and
// GetCallerIdentity ("which identity"). Requests are form-encoded POSTs to "/" of the
// endpoint, Version 2011-06-15, signed with SigV4 for service "sts"; answers are XML
// (<AssumeRoleResponse>, <ErrorResponse>) parsed by local name as s3/xml does.
//
// Endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the profile's `services`
// section (sts = / endpoint_url), else the profile's endpoint_url, else the regional
// https://sts.<region>.amazonaws.com (".com.cn" for cn-* regions), as botocore resolves it
// (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the configured ones). The S3
// --endpoint-url flag never redirects STS.
//
// Thread-safety: StsClient's methods may be called concurrently; parsers are pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "http/http.h"
#include "s3/credentials.h"
#include "s3/sigv4.h"

namespace s3u::s3 {

struct StsSettings {
  std::string endpoint_url;  // "https://sts.us-east-1.amazonaws.com" or a configured one
  std::string region;        // signing region
};

// Resolves the region (as ResolveAwsSettings does) and the STS endpoint above. Finding no
// credentials is not an error here. Errors: an unreadable explicit profile (as
// ResolveAwsSettings), an invalid endpoint URL (subject: the variable or file naming it).
Result<StsSettings> ResolveStsSettings(const AwsSettingsInput& in);

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;             // RoleSessionName; 2-64 of [\w+=,.@-]
  std::string external_id;              // empty: not sent
  std::optional<int> duration_seconds;  // 900-43200; unset: the role's default (1 h)
};

// Temporary credentials and the identity they belong to.
struct StsCredentials {
  Credentials credentials;  // always with session token and expiration
  std::string arn;          // AssumedRoleUser/Arn ("arn:aws:sts::123:assumed-role/R/s")
};

// Parses <AssumeRoleResponse> or <AssumeRoleWithWebIdentityResponse>: Credentials
// (AccessKeyId, SecretAccessKey, SessionToken, Expiration) required, AssumedRoleUser/Arn
// optional. Errors: an <ErrorResponse> as MapStsError gives it; anything else kInternal.
Result<StsCredentials> ParseStsCredentials(std::string_view body, std::string_view action);
// GetCallerIdentityResult/Arn.
Result<std::string> ParseCallerIdentity(std::string_view body);
// An STS error answer: ExpiredToken*, InvalidClientTokenId, SignatureDoesNotMatch,
// InvalidIdentityToken, ExpiredTokenException -> kUnauthenticated; AccessDenied ->
// kPermissionDenied; Throttling, 429 -> kResourceExhausted; 5xx, IDPCommunicationError ->
// kUnavailable; other 4xx -> kInvalidArgument. Subject "sts <Action>"; the message quotes the
// server's code and (sanitised) message, never a request parameter.
Error MapStsError(std::string_view action, int status, std::string_view body);

class StsClient {
 public:
  // `http` and `clock` are not owned and must outlive the client.
  StsClient(http::HttpClient& http, Clock& clock, StsSettings settings);

  Result<StsCredentials> AssumeRole(const Credentials& base, const AssumeRoleParams& params);
  Result<StsCredentials> AssumeRoleWithWebIdentity(const std::string& web_identity_token,
                                                   const AssumeRoleParams& params);
  Result<std::string> GetCallerIdentity(const Credentials& credentials);  // the ARN

  const StsSettings& settings() const { return settings_; }

 private:
  // Sends one action (retried on transient errors); signed when `credentials` is given.
  Result<std::string> Call(std::string_view action, NameValueList params,
                           const Credentials* credentials);

  http::HttpClient& http_;
  Clock& clock_;
  const StsSettings settings_;
};

}  // namespace s3u::s3
