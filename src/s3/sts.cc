#include "s3/sts.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <pugixml.hpp>
#include <random>
#include <vector>

#include "core/characters.h"
#include "core/text.h"
#include "s3/errors.h"
#include "s3/uri.h"

namespace s3u::s3 {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kVersion = "2011-06-15";
constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::string_view kEndpointSubject = "STS endpoint";
constexpr std::string_view kTokenSubject = "web identity token";
constexpr size_t kMaxRoleArn = 2048;
constexpr size_t kMaxTokenLength = 20000;  // AWS's limit for WebIdentityToken
constexpr size_t kMaxServerText = 300;

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The first character of `text` outside \w and `extra`, as a 1-based position; 0 when none.
size_t FirstOutside(std::string_view text, std::string_view extra) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsWordChar(text[i]) && extra.find(text[i]) == std::string_view::npos) return i + 1;
  }
  return 0;
}

tl::unexpected<Error> Invalid(std::string_view subject, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(subject), std::move(message));
}

bool IsDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "aws", "aws-cn", "aws-us-gov", "aws-iso-b", ...
bool IsPartition(std::string_view p) {
  if (p == "aws") return true;
  if (!p.starts_with("aws-") || p.size() == 4 || p.back() == '-') return false;
  return std::all_of(p.begin() + 4, p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// STS's answers: namespaces ignored (AWS and moto send xmlns, radosgw none), elements matched
// by local name as in s3/xml.cc.
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

// Element text without the whitespace of pretty-printed XML around it.
std::string Text(const pugi::xml_node& parent, std::string_view local) {
  return std::string(Trim(Child(parent, local).text().get()));
}

bool LoadXml(pugi::xml_document& doc, std::string_view body) {
  if (body.empty()) return false;
  const pugi::xml_parse_result r =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  return static_cast<bool>(r) && doc.document_element();
}

struct StsErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};

// AWS: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>;
// moto nests <Error> in <Errors>; radosgw answers S3's <Error><Code/>...</Error>. nullopt for
// anything else, or an error without a code.
std::optional<StsErrorBody> ParseStsError(std::string_view body) {
  pugi::xml_document doc;
  if (!LoadXml(doc, body)) return std::nullopt;
  const pugi::xml_node root = doc.document_element();
  pugi::xml_node error;
  if (LocalName(root) == "Error") {
    error = root;
  } else if (LocalName(root) == "ErrorResponse") {
    error = Child(root, "Error");
    if (!error) error = Child(Child(root, "Errors"), "Error");
  }
  if (!error) return std::nullopt;
  StsErrorBody parsed{Text(error, "Code"), Text(error, "Message"), Text(root, "RequestId")};
  if (parsed.request_id.empty()) parsed.request_id = Text(error, "RequestId");
  if (parsed.code.empty()) return std::nullopt;
  return parsed;
}

// Every occurrence of each secret replaced by "***", as the Logger redacts.
std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

// Server text for a message: secrets scrubbed first (cutting it short could leave half of
// one), then single-line and short.
std::string Sanitize(std::string_view text, const std::vector<std::string>& secrets = {}) {
  return http::SanitizeServerText(Scrub(std::string(text), secrets), kMaxServerText);
}

bool In(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// "a=1&b=x%2Fy": names and values percent-encoded (RFC 3986 unreserved characters kept),
// in the order given, which is the order botocore sends them in.
std::string FormBody(const NameValueList& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += UriEncode(name, true) + "=" + UriEncode(value, true);
  }
  return body;
}

// Where requests go: the regional AWS endpoint or the given URL, at its path + "/".
Result<Target> StsTarget(std::string_view region, const std::string& endpoint_url) {
  if (auto ok = ValidateRegion(region); !ok) return Fail(std::move(ok.error()));
  Endpoint ep;
  if (endpoint_url.empty()) {
    ep.scheme = "https";
    ep.host = "sts." + std::string(region) + ".amazonaws.com";
    if (region.starts_with("cn-")) ep.host += ".cn";
  } else {
    if (auto ok = ValidateHttpUrl(endpoint_url, kEndpointSubject); !ok) {
      return Fail(std::move(ok.error()));
    }
    auto parsed = ResolveEndpoint(region, endpoint_url, true, false);
    if (!parsed) return Fail(std::move(parsed.error()));
    ep = std::move(*parsed);
  }
  return BuildTarget(ep, "", "", {});
}

// Key, secret and token must be sendable in a header: visible ASCII, no whitespace.
bool IsHeaderSafe(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<void> ValidateRoleArn(std::string_view role_arn) {
  constexpr std::string_view kSubject = "role_arn";
  const std::string shown = Printable(role_arn);
  const std::string shape =
      "; a role ARN looks like arn:aws:iam::123456789012:role/NAME (the account may be empty "
      "for S3-compatible stores such as radosgw: arn:aws:iam:::role/NAME)";
  if (role_arn.empty()) return Invalid(kSubject, "is empty" + shape);
  if (role_arn.size() > kMaxRoleArn) {
    return Invalid(kSubject, fmt::format("is {} characters long; at most {} are accepted",
                                         role_arn.size(), kMaxRoleArn));
  }
  // arn : partition : iam : (region, empty) : account : role/...
  std::vector<std::string_view> parts;
  std::string_view rest = role_arn;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos)
      return Invalid(kSubject, "'" + shown + "' is not an ARN" + shape);
    parts.push_back(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  parts.push_back(rest);
  if (parts[0] != "arn")
    return Invalid(kSubject, "'" + shown + "' does not start with arn:" + shape);
  if (!IsPartition(parts[1])) {
    return Invalid(kSubject,
                   "'" + shown + "' names no AWS partition (aws, aws-cn, aws-us-gov, ...)" + shape);
  }
  if (parts[2] != "iam" || !parts[3].empty()) {
    return Invalid(kSubject, "'" + shown + "' is not an IAM ARN (arn:PARTITION:iam::...)" + shape);
  }
  if (!parts[4].empty() && (parts[4].size() != 12 || !IsDigits(parts[4]))) {
    return Invalid(kSubject, "'" + shown + "' has account '" + Printable(parts[4]) +
                                 "'; an AWS account ID is 12 digits" + shape);
  }
  if (!parts[5].starts_with("role/")) {
    return Invalid(kSubject,
                   "'" + shown + "' is not a role ARN (the resource must be role/NAME)" + shape);
  }
  const std::string_view path_and_name = parts[5].substr(5);
  const size_t last_slash = path_and_name.rfind('/');
  const std::string_view name =
      last_slash == std::string_view::npos ? path_and_name : path_and_name.substr(last_slash + 1);
  const std::string_view path = last_slash == std::string_view::npos
                                    ? std::string_view()
                                    : path_and_name.substr(0, last_slash);
  if (name.empty() || name.size() > 64 || FirstOutside(name, "+=,.@-") != 0) {
    return Invalid(kSubject, "'" + shown +
                                 "' has no valid role name: 1-64 letters, digits and + = , . @ _ - "
                                 "after role/ (and after its path, if any)");
  }
  const bool path_ok =
      std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7f; }) &&
      path_and_name.find("//") == std::string_view::npos && !path_and_name.starts_with("/");
  if (!path_ok) {
    return Invalid(kSubject, "'" + shown +
                                 "' has an invalid role path: segments of visible ASCII between "
                                 "single slashes (role/PATH/NAME)");
  }
  return {};
}

Result<void> ValidateRoleSessionName(std::string_view session_name) {
  constexpr std::string_view kSubject = "role_session_name";
  constexpr std::string_view kAccepted = "2-64 letters, digits and + = , . @ _ -";
  if (session_name.size() < 2 || session_name.size() > 64) {
    return Invalid(
        kSubject, fmt::format("'{}' is {} characters long; STS accepts {}", Printable(session_name),
                              CharacterCount(session_name), kAccepted));
  }
  if (const size_t at = FirstOutside(session_name, "+=,.@-"); at != 0) {
    return Invalid(kSubject, fmt::format("'{}' has a character STS does not accept at position {}; "
                                         "it accepts {}",
                                         Printable(session_name), at, kAccepted));
  }
  return {};
}

Result<void> ValidateExternalId(std::string_view external_id) {
  constexpr std::string_view kSubject = "external_id";
  constexpr std::string_view kAccepted = "2-1224 letters, digits and + = , . @ : / _ -";
  if (external_id.size() < 2 || external_id.size() > 1224) {
    return Invalid(kSubject, fmt::format("is {} characters long; STS accepts {}",
                                         external_id.size(), kAccepted));
  }
  if (const size_t at = FirstOutside(external_id, "+=,.@:/-"); at != 0) {
    return Invalid(kSubject,
                   fmt::format("has a character STS does not accept at position {}; it accepts {}",
                               at, kAccepted));
  }
  return {};
}

Result<void> ValidateSessionDuration(std::chrono::seconds duration) {
  if (duration < kMinSessionDuration || duration > kMaxSessionDuration) {
    return Invalid(
        "duration_seconds",
        fmt::format("is {}; STS accepts {} to {} seconds (15 minutes to 12 hours; the "
                    "role's maximum session duration may be lower)",
                    duration.count(), kMinSessionDuration.count(), kMaxSessionDuration.count()));
  }
  return {};
}

Result<void> ValidateAssumeRoleRequest(const AssumeRoleRequest& request) {
  if (auto ok = ValidateRoleArn(request.role_arn); !ok) return ok;
  if (auto ok = ValidateRoleSessionName(request.session_name); !ok) return ok;
  if (!request.external_id.empty()) {
    if (auto ok = ValidateExternalId(request.external_id); !ok) return ok;
  }
  return ValidateSessionDuration(request.duration);
}

// One STS action as sent: what it is, who signs it, where it goes, and what must never be shown.
struct StsCall {
  std::string action;              // "AssumeRole", ...
  std::string subject;             // the role ARN; the endpoint for GetCallerIdentity
  std::string role_arn;            // empty for GetCallerIdentity
  const Credentials* credentials;  // nullptr: sent unsigned
  std::vector<std::string> secrets;
  Target target;
  bool custom_endpoint = false;  // an endpoint URL was given (not AWS)
};

namespace {

std::string Who(const StsCall& call) {
  if (call.credentials == nullptr) return "the web identity token";
  return "the credentials (key " + call.credentials->access_key_id + ")";
}

std::string KeyId(const StsCall& call) {
  return call.credentials == nullptr ? "(none)" : call.credentials->access_key_id;
}

std::string ServerNote(const StsCall& call, const StsErrorBody& body) {
  std::string note = " (STS " + Sanitize(body.code, call.secrets);
  if (!body.message.empty()) note += ": " + Sanitize(body.message, call.secrets);
  if (!body.request_id.empty()) note += "; request id " + Sanitize(body.request_id, call.secrets);
  return note + ")";
}

std::string NotImplemented(const StsCall& call) {
  return "the STS endpoint " + call.target.url + " does not implement " + call.action;
}

// Maps an STS code; nullopt for codes this table does not know.
std::optional<std::pair<ErrorCode, std::string>> ByCode(const StsCall& call,
                                                        const StsErrorBody& b) {
  const std::string& code = b.code;
  const std::string role = call.role_arn.empty() ? "the role" : "role " + call.role_arn;
  // radosgw with STS on answers a wrong secret or an unknown key with AccessDenied too.
  const std::string store_note =
      call.custom_endpoint && call.credentials != nullptr
          ? " (S3-compatible stores such as radosgw also answer AccessDenied for a wrong key or "
            "secret)"
          : "";
  if (code == "AccessDenied") {
    if (call.action == "AssumeRole") {
      return {{ErrorCode::kPermissionDenied,
               "access denied: " + Who(call) + " may not assume " + role +
                   "; check the role's trust policy (it must allow this principal sts:AssumeRole) "
                   "and the external ID" +
                   store_note}};
    }
    if (call.action == "AssumeRoleWithWebIdentity") {
      return {{ErrorCode::kPermissionDenied,
               "access denied: the web identity token may not assume " + role +
                   "; check the role's trust policy (it must allow the token's identity provider "
                   "sts:AssumeRoleWithWebIdentity, with conditions its aud and sub claims meet)"}};
    }
    return {{ErrorCode::kPermissionDenied,
             "access denied: " + Who(call) + " may not call " + call.action + store_note}};
  }
  if (code == "IDPRejectedClaim") {
    return {{ErrorCode::kPermissionDenied, "the identity provider's token was refused for " + role +
                                               ": a claim does not meet the role's trust policy"}};
  }
  if (code == "SignatureDoesNotMatch") {
    return {{ErrorCode::kUnauthenticated,
             "the request signature does not match: the secret key does not belong to access key "
             "id " +
                 KeyId(call) +
                 " (or this machine's clock is more than 5 minutes off); check the secret"}};
  }
  if (In(code, {"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"})) {
    return {{ErrorCode::kUnauthenticated,
             "the access key id " + KeyId(call) +
                 " does not exist at this endpoint, or its session token is invalid"}};
  }
  if (code == "ExpiredToken" || (code == "ExpiredTokenException" && call.credentials != nullptr)) {
    return {{ErrorCode::kUnauthenticated, "the session token of access key id " + KeyId(call) +
                                              " has expired; refresh the base credentials"}};
  }
  if (code == "ExpiredTokenException") {
    return {{ErrorCode::kUnauthenticated,
             "the web identity token has expired; its issuer must write a fresh one (EKS "
             "rewrites the token file before it expires)"}};
  }
  if (code == "InvalidIdentityToken") {
    return {{ErrorCode::kUnauthenticated,
             "STS refused the web identity token for " + role +
                 ": it is not a valid token of an identity provider the account trusts (check "
                 "the OIDC provider registered in IAM, and the token's issuer and audience)"}};
  }
  if (code == "IDPCommunicationError") {
    return {{ErrorCode::kUnavailable,
             "STS could not reach the identity provider to verify the web identity token"}};
  }
  if (code == "RegionDisabledException") {
    return {{ErrorCode::kFailedPrecondition,
             "STS is not activated in this region for the account; activate it (IAM, Account "
             "settings, Security Token Service) or use another region"}};
  }
  if (In(code, {"ValidationError", "InvalidParameterValue", "InvalidParameterCombination",
                "InvalidArgument", "MissingParameter", "MalformedPolicyDocument",
                "PackedPolicyTooLarge"})) {
    return {{ErrorCode::kInvalidArgument,
             "STS refused the " + call.action + " parameters for " + role +
                 ": check duration_seconds (at most the role's maximum session duration), "
                 "role_session_name and role_arn"}};
  }
  if (code == "NoSuchEntity") {
    return {{ErrorCode::kNotFound, role + " does not exist at this endpoint; check the account "
                                          "ID, the path and the name"}};
  }
  if (In(code, {"InvalidAction", "MethodNotAllowed", "NotImplemented"})) {
    return {{ErrorCode::kFailedPrecondition, NotImplemented(call)}};
  }
  if (In(code, {"RequestExpired", "RequestTimeTooSkewed"})) {
    return {{ErrorCode::kFailedPrecondition,
             "this machine's clock differs from STS's by more than 5 minutes; fix the clock "
             "(NTP)"}};
  }
  if (In(code, {"Throttling", "ThrottlingException", "RequestLimitExceeded",
                "TooManyRequestsException", "SlowDown"})) {
    return {{ErrorCode::kResourceExhausted, "STS is throttling requests; backing off"}};
  }
  if (In(code, {"InternalFailure", "InternalError", "ServiceUnavailable"})) {
    return {{ErrorCode::kUnavailable,
             "STS could not complete " + call.action + " this time; it is safe to retry"}};
  }
  return std::nullopt;
}

// Answers without an STS error body (a proxy's page, an empty body).
std::pair<ErrorCode, std::string> ByStatus(const StsCall& call, int status) {
  const std::string what = call.action + " got HTTP " + std::to_string(status) + " from " +
                           call.target.url + " without an STS error";
  if (status == 404) {
    return {ErrorCode::kFailedPrecondition, what + "; is this an STS endpoint?"};
  }
  if (status == 405 || status == 501) return {ErrorCode::kFailedPrecondition, NotImplemented(call)};
  if (status == 401 || status == 403) {
    return {ErrorCode::kPermissionDenied,
            what + "; check the credentials and the role's trust policy"};
  }
  if (status == 429) return {ErrorCode::kResourceExhausted, what + "; backing off"};
  if (status >= 500 && status <= 599) return {ErrorCode::kUnavailable, what};
  if (status >= 400 && status <= 499) return {ErrorCode::kInvalidArgument, what};
  return {ErrorCode::kInternal, "unexpected answer: " + what};
}

Error MapStsError(const StsCall& call, int status, const http::Headers& headers,
                  std::string_view body, system_clock::time_point now) {
  const std::optional<StsErrorBody> parsed = ParseStsError(body);
  std::pair<ErrorCode, std::string> mapped;
  if (parsed) {
    auto known = ByCode(call, *parsed);
    if (known) {
      mapped = std::move(*known);
    } else {
      const std::string what = call.action + " failed with HTTP " + std::to_string(status);
      if (status == 405 || status == 501) {
        mapped = {ErrorCode::kFailedPrecondition, NotImplemented(call)};
      } else if (status >= 500 && status <= 599) {
        mapped = {ErrorCode::kUnavailable, what};
      } else if (status >= 400 && status <= 499) {
        mapped = {ErrorCode::kInvalidArgument, "STS refused the request: " + what};
      } else {
        mapped = {ErrorCode::kInternal, "unexpected answer: " + what};
      }
    }
    mapped.second += ServerNote(call, *parsed);
  } else {
    mapped = ByStatus(call, status);
  }
  Error e{mapped.first, call.subject, std::move(mapped.second), status, {}};
  if (auto h = http::FindHeader(headers, "retry-after"))
    e.retry_after = http::ParseRetryAfter(*h, now);
  return e;
}

tl::unexpected<Error> Unreadable(const StsCall& call, const std::string& what) {
  return Fail(ErrorCode::kInternal, call.subject,
              "cannot read the STS " + call.action + " answer: " + what, 200);
}

// <ActionResponse><ActionResult>...</ActionResult></ActionResponse>, or nullopt-like failure.
Result<pugi::xml_node> ResultNode(pugi::xml_document& doc, const StsCall& call,
                                  std::string_view body) {
  if (!LoadXml(doc, body)) return Unreadable(call, "it is not XML");
  const std::string root = call.action + "Response";
  if (LocalName(doc.document_element()) != root) {
    return Unreadable(call, "its root element is not <" + root + ">");
  }
  pugi::xml_node result = Child(doc.document_element(), call.action + "Result");
  if (!result) return Unreadable(call, "it has no <" + call.action + "Result>");
  return result;
}

Result<AssumedRole> ParseAssumedRole(const StsCall& call, std::string_view body) {
  pugi::xml_document doc;
  auto result = ResultNode(doc, call, body);
  if (!result) return Fail(std::move(result.error()));
  const pugi::xml_node creds = Child(*result, "Credentials");
  AssumedRole out;
  out.credentials.access_key_id = Text(creds, "AccessKeyId");
  out.credentials.secret_access_key = Text(creds, "SecretAccessKey");
  out.credentials.session_token = Text(creds, "SessionToken");
  out.assumed_role_arn = Text(Child(*result, "AssumedRoleUser"), "Arn");
  // Values are named, never quoted: they are secrets.
  const std::pair<const char*, const std::string*> required[] = {
      {"AccessKeyId", &out.credentials.access_key_id},
      {"SecretAccessKey", &out.credentials.secret_access_key},
      {"SessionToken", &out.credentials.session_token},
      {"AssumedRoleUser/Arn", &out.assumed_role_arn}};
  for (const auto& [name, value] : required) {
    if (value->empty()) return Unreadable(call, std::string("it has no ") + name);
    if (!IsHeaderSafe(*value)) {
      return Unreadable(call, std::string("its ") + name + " holds spaces or control characters");
    }
  }
  const std::string expiration = Text(creds, "Expiration");
  out.credentials.expiration = ParseS3Time(expiration);
  if (!out.credentials.expiration) {
    return Unreadable(call, "its Expiration '" + Sanitize(expiration) + "' is not a timestamp");
  }
  return out;
}

}  // namespace

StsClient::StsClient(http::HttpClient& http, std::string region, std::string endpoint_url,
                     Clock& clock, http::RetryPolicy retry)
    : http_(http),
      region_(std::move(region)),
      endpoint_url_(std::move(endpoint_url)),
      clock_(clock),
      retry_(retry),
      random_(http::MakeRandom(std::random_device{}())) {}

Result<http::Response> StsClient::SendOnce(const StsCall& call, const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.url = call.target.url;
  request.body = body;
  request.content_length = body.size();
  const auto now = clock_.Now();
  if (call.credentials != nullptr) {
    CanonicalInput in{"POST",
                      call.target.encoded_path,
                      {},
                      {{"Content-Type", std::string(kFormContentType)}, {"host", call.target.host}},
                      Sha256Hex(body)};
    std::string authorization = SignV4(in, *call.credentials, region_, "sts", now);
    for (auto& [name, value] : in.headers) {
      if (name != "host") request.headers.emplace_back(std::move(name), std::move(value));
    }
    request.headers.emplace_back("Authorization", std::move(authorization));
  } else {
    request.headers.emplace_back("Content-Type", std::string(kFormContentType));
  }
  auto response = http_.Send(request);
  if (!response) {
    Error error = std::move(response.error());
    error.subject = call.subject;
    error.message = "STS " + call.action + " at " + call.target.url + ": " + error.message;
    return Fail(std::move(error));
  }
  const bool success = response->status >= 200 && response->status < 300;
  // A 200 carrying an error document is that error (and retried when its code says so).
  if (success && !ParseStsError(response->body)) return std::move(*response);
  return Fail(MapStsError(call, response->status, response->headers, response->body, now));
}

Result<http::Response> StsClient::Execute(const StsCall& call, const std::string& body) {
  auto response = http::RunWithRetry<http::Response>(retry_, clock_, random_, "STS",
                                                     [&](int) { return SendOnce(call, body); });
  if (!response) {
    response.error().message = Scrub(std::move(response.error().message), call.secrets);
  }
  return response;
}

Result<AssumedRole> StsClient::AssumeRole(const Credentials& base,
                                          const AssumeRoleRequest& request) {
  if (auto ok = ValidateAssumeRoleRequest(request); !ok) return Fail(std::move(ok.error()));
  if (base.access_key_id.empty() || base.secret_access_key.empty()) {
    return Fail(ErrorCode::kUnauthenticated, request.role_arn,
                "no base credentials to sign AssumeRole with (the access key id or the secret is "
                "empty)");
  }
  auto target = StsTarget(region_, endpoint_url_);
  if (!target) return Fail(std::move(target.error()));
  NameValueList fields = {{"Action", "AssumeRole"},
                          {"Version", std::string(kVersion)},
                          {"RoleArn", request.role_arn},
                          {"RoleSessionName", request.session_name},
                          {"DurationSeconds", std::to_string(request.duration.count())}};
  if (!request.external_id.empty()) fields.emplace_back("ExternalId", request.external_id);
  const StsCall call{"AssumeRole",
                     request.role_arn,
                     request.role_arn,
                     &base,
                     {base.secret_access_key, base.session_token},
                     std::move(*target),
                     !endpoint_url_.empty()};
  auto response = Execute(call, FormBody(fields));
  if (!response) return Fail(std::move(response.error()));
  return ParseAssumedRole(call, response->body);
}

Result<AssumedRole> StsClient::AssumeRoleWithWebIdentity(const std::string& web_identity_token,
                                                         const AssumeRoleRequest& request) {
  if (auto ok = ValidateAssumeRoleRequest(request); !ok) return Fail(std::move(ok.error()));
  if (!request.external_id.empty()) {
    return Invalid("external_id",
                   "is set, but AssumeRoleWithWebIdentity takes no external ID (the token "
                   "identifies the caller); remove it");
  }
  if (web_identity_token.empty()) return Invalid(kTokenSubject, "is empty");
  if (web_identity_token.size() > kMaxTokenLength) {
    return Invalid(kTokenSubject, fmt::format("is {} characters long; STS accepts at most {}",
                                              web_identity_token.size(), kMaxTokenLength));
  }
  const auto bad = std::find_if(web_identity_token.begin(), web_identity_token.end(),
                                [](char c) { return c <= 0x20 || c == 0x7f; });
  if (bad != web_identity_token.end()) {
    return Invalid(kTokenSubject,
                   fmt::format("holds whitespace or a control character at position {} (a token "
                               "file must hold the token alone, without a line break)",
                               bad - web_identity_token.begin() + 1));
  }
  auto target = StsTarget(region_, endpoint_url_);
  if (!target) return Fail(std::move(target.error()));
  const NameValueList fields = {{"Action", "AssumeRoleWithWebIdentity"},
                                {"Version", std::string(kVersion)},
                                {"RoleArn", request.role_arn},
                                {"RoleSessionName", request.session_name},
                                {"WebIdentityToken", web_identity_token},
                                {"DurationSeconds", std::to_string(request.duration.count())}};
  const StsCall call{
      "AssumeRoleWithWebIdentity", request.role_arn,   request.role_arn,      nullptr,
      {web_identity_token},        std::move(*target), !endpoint_url_.empty()};
  auto response = Execute(call, FormBody(fields));
  if (!response) return Fail(std::move(response.error()));
  return ParseAssumedRole(call, response->body);
}

Result<std::string> StsClient::GetCallerIdentity(const Credentials& credentials) {
  auto target = StsTarget(region_, endpoint_url_);
  if (!target) return Fail(std::move(target.error()));
  const std::string subject = std::string(kEndpointSubject) + " " + target->url;
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Fail(ErrorCode::kUnauthenticated, subject,
                "no credentials to sign GetCallerIdentity with (the access key id or the secret "
                "is empty)");
  }
  const StsCall call{"GetCallerIdentity",
                     subject,
                     "",
                     &credentials,
                     {credentials.secret_access_key, credentials.session_token},
                     std::move(*target),
                     !endpoint_url_.empty()};
  auto response = Execute(
      call, FormBody({{"Action", "GetCallerIdentity"}, {"Version", std::string(kVersion)}}));
  if (!response) return Fail(std::move(response.error()));
  pugi::xml_document doc;
  auto result = ResultNode(doc, call, response->body);
  if (!result) return Fail(std::move(result.error()));
  std::string arn = Text(*result, "Arn");
  if (arn.empty()) return Unreadable(call, "it has no Arn");
  return arn;
}

}  // namespace s3u::s3
