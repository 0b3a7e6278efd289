// AWS STS (Security Token Service): AssumeRole, AssumeRoleWithWebIdentity and
// GetCallerIdentity over STS's Query protocol (a form-encoded POST, an XML answer), signed
// with SigV4 as service "sts" (s3/sigv4.h) and sent through an injected http::HttpClient with
// the retry policy of http/retry.h. What it returns is temporary credentials for the S3
// client; where the base credentials and the token come from is the credential chain's job.
//
// Endpoint: the regional https://sts.<region>.amazonaws.com (".amazonaws.com.cn" for cn-*
// regions), never the global sts.amazonaws.com (one region's outage, and a legacy endpoint AWS
// asks SDKs to leave); or an explicit endpoint URL, for stores that serve their own STS
// (radosgw answers it on its S3 port, at "/").
//
// Inputs are checked before anything is sent (Validate*). Errors carry the role ARN (or the
// endpoint, for GetCallerIdentity) as their subject and never a secret: the secret key, the
// session token and the web identity token are scrubbed even from text a server echoes back.
//
// Thread-safety: the Validate* functions are pure; StsClient's methods may be called
// concurrently (the HttpClient and Clock must allow it, as their contracts require).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "http/http.h"
#include "http/retry.h"
#include "s3/sigv4.h"

namespace s3u::s3 {

// The session lengths AWS accepts. A role's own maximum (MaxSessionDuration, 1 h by default)
// may be lower; STS refuses a longer request with a ValidationError.
inline constexpr std::chrono::seconds kMinSessionDuration{900};
inline constexpr std::chrono::seconds kMaxSessionDuration{43200};

struct AssumedRole {
  Credentials credentials;       // key, secret, session token and expiration (always set)
  std::string assumed_role_arn;  // AssumedRoleUser/Arn: "arn:aws:sts::1234:assumed-role/R/s"
};

struct AssumeRoleRequest {
  std::string role_arn;      // arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME
  std::string session_name;  // shows in CloudTrail and in the assumed role's ARN
  std::string external_id;   // empty: none (AssumeRole only; web identity takes none)
  std::chrono::seconds duration{3600};
};

// Field checks, each a kInvalidArgument whose subject is the shared config file's name for the
// setting ("role_arn", "role_session_name", "external_id", "duration_seconds") and whose
// message says what is accepted. The external ID is never quoted (it is often treated as
// confidential); the others are, made printable.
//
// "arn:PARTITION:iam::ACCOUNT:role/NAME" or ".../role/PATH/NAME": PARTITION "aws" or
// "aws-<suffix>", ACCOUNT 12 digits or empty (radosgw's account-less "arn:aws:iam:::role/R"),
// NAME 1-64 of [A-Za-z0-9_+=,.@-], PATH segments of visible ASCII; at most 2048 characters.
Result<void> ValidateRoleArn(std::string_view role_arn);
// 2-64 characters of [A-Za-z0-9_+=,.@-].
Result<void> ValidateRoleSessionName(std::string_view session_name);
// 2-1224 characters of [A-Za-z0-9_+=,.@:/-]. REQUIRES: not empty (empty means none).
Result<void> ValidateExternalId(std::string_view external_id);
// kMinSessionDuration..kMaxSessionDuration.
Result<void> ValidateSessionDuration(std::chrono::seconds duration);
// Every field of `request`; the first problem found. An empty external_id is accepted.
Result<void> ValidateAssumeRoleRequest(const AssumeRoleRequest& request);

struct StsCall;  // one action as sent (sts.cc)

class StsClient {
 public:
  // endpoint_url empty: the regional endpoint of `region`. `http` and `clock` are not owned
  // and must outlive the client. Region and endpoint are checked on each call (kInvalidArgument).
  StsClient(http::HttpClient& http, std::string region, std::string endpoint_url, Clock& clock,
            http::RetryPolicy retry = {});
  StsClient(const StsClient&) = delete;
  StsClient& operator=(const StsClient&) = delete;

  // Temporary credentials of `request.role_arn`, signed with `base`. Codes:
  //   kInvalidArgument     a field of `request` (before sending), or STS refused a parameter
  //                        (a duration above the role's maximum)
  //   kPermissionDenied    the trust policy does not let `base` assume the role, or the
  //                        external ID does not match (AccessDenied)
  //   kUnauthenticated     `base` is wrong, unknown or expired
  //   kNotFound            the role does not exist (stores that say so; AWS says AccessDenied)
  //   kFailedPrecondition  STS is not activated in the region; the endpoint lacks the action
  //   kUnavailable / kResourceExhausted  after the retry budget (network, 5xx, throttling)
  //   kInternal            an answer that cannot be read
  Result<AssumedRole> AssumeRole(const Credentials& base, const AssumeRoleRequest& request);

  // The same with an OpenID Connect token (EKS IRSA, GitHub Actions, ...), unsigned as AWS
  // requires. kInvalidArgument for an external ID (this action takes none) or a token that is
  // empty, over 20000 characters or holds whitespace or control characters; kUnauthenticated
  // when STS refuses the token (InvalidIdentityToken, ExpiredTokenException), kUnavailable for
  // IDPCommunicationError; otherwise as AssumeRole.
  Result<AssumedRole> AssumeRoleWithWebIdentity(const std::string& web_identity_token,
                                                const AssumeRoleRequest& request);

  // The ARN of whoever `credentials` are ("arn:aws:iam::1234:user/u", or the assumed role's
  // ARN). kFailedPrecondition where the endpoint does not implement the action (radosgw 16);
  // otherwise the codes of AssumeRole.
  Result<std::string> GetCallerIdentity(const Credentials& credentials);

 private:
  // Sends `body` to the endpoint (signed with call.credentials when set) under the retry
  // policy; a 2xx answer, or the Error its status and body map to, secrets scrubbed.
  Result<http::Response> Execute(const StsCall& call, const std::string& body);
  Result<http::Response> SendOnce(const StsCall& call, const std::string& body);

  http::HttpClient& http_;
  const std::string region_;
  const std::string endpoint_url_;
  Clock& clock_;
  const http::RetryPolicy retry_;
  std::function<double()> random_;
};

}  // namespace s3u::s3
