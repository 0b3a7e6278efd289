#include "s3/errors.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
#include <vector>

#include "core/time_format.h"

namespace s3u::s3 {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

constexpr size_t kMaxServerText = 300;

// Codes are compared exactly: classification by substring of a message is what this file
// exists to avoid.
bool In(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// Server text goes into messages and logs: keep it printable, single-line and short.
std::string Sanitize(std::string_view text) {
  return http::SanitizeServerText(text, kMaxServerText);
}

// " (S3 SlowDown: Please reduce your request rate.; request id 4442587FB7D0A2F9)".
// Only Code, Message and RequestId are echoed: never StringToSign or SignatureProvided.
std::string ServerNote(const S3ErrorBody* body) {
  if (body == nullptr) return "";
  std::string note = " (S3 " + Sanitize(body->code);
  if (!body->message.empty()) note += ": " + Sanitize(body->message);
  if (!body->request_id.empty()) note += "; request id " + Sanitize(body->request_id);
  return note + ")";
}

// The access key id is named in auth errors because "which key?" is the first question; it
// is an identifier (S3 itself echoes it in <AWSAccessKeyId>), unlike the secret.
std::string KeyPhrase(const S3Call& call) {
  return call.access_key_id.empty() ? "the credentials"
                                    : "the credentials (key " + call.access_key_id + ")";
}

std::string Resource(const S3Call& call) {
  return call.resource.empty() ? "the requested resource" : call.resource;
}

std::string BucketName(const S3Call& call, const S3ErrorBody* body) {
  if (!call.bucket.empty()) return call.bucket;
  if (body != nullptr) {
    auto it = body->fields.find("Bucket");
    if (it != body->fields.end() && !it->second.empty()) return Sanitize(it->second);
    if (!body->resource.empty()) return Sanitize(body->resource);
  }
  return "(unknown bucket)";
}

// "bucket.s3.eu-west-1.amazonaws.com" -> "eu-west-1"; "b.s3.amazonaws.com" -> "us-east-1";
// "s3-eu-west-1.amazonaws.com" -> "eu-west-1". Empty when not an AWS endpoint.
std::string RegionFromEndpoint(std::string_view endpoint) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (endpoint.size() <= kSuffix.size() ||
      endpoint.substr(endpoint.size() - kSuffix.size()) != kSuffix) {
    return "";
  }
  std::string_view host = endpoint.substr(0, endpoint.size() - kSuffix.size());
  std::vector<std::string_view> labels;
  while (!host.empty()) {
    const size_t dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    host = dot == std::string_view::npos ? std::string_view() : host.substr(dot + 1);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == "s3") {
      size_t j = i + 1;
      while (j < labels.size() && (labels[j] == "dualstack" || labels[j] == "accelerate")) ++j;
      return j < labels.size() ? std::string(labels[j]) : "us-east-1";
    }
    if (labels[i].substr(0, 3) == "s3-" && labels[i] != "s3-accelerate") {
      if (labels[i] == "s3-external-1") return "us-east-1";
      return std::string(labels[i].substr(3));
    }
  }
  return "";
}

// The region the server says the bucket lives in, or empty. The header is the most precise
// source (HeadBucket sends it even on 301/400/403); then <Region> (AuthorizationHeaderMalformed),
// <BucketRegion>, and last the region label of a PermanentRedirect's <Endpoint>.
std::string ActualRegion(const http::Headers& headers, const S3ErrorBody* body) {
  if (auto h = http::FindHeader(headers, "x-amz-bucket-region"); h && !h->empty()) {
    return Sanitize(*h);
  }
  if (body != nullptr) {
    if (!body->region.empty()) return Sanitize(body->region);
    if (!body->bucket_region.empty()) return Sanitize(body->bucket_region);
    return Sanitize(RegionFromEndpoint(body->endpoint));
  }
  return "";
}

Error Make(ErrorCode code, const S3Call& call, int status, std::string message) {
  return Error{code, call.resource, std::move(message), status, {}};
}

Error RegionError(const S3Call& call, int status, const std::string& actual,
                  const S3ErrorBody* body) {
  const std::string bucket = BucketName(call, body);
  const std::string signed_for = call.region.empty() ? "(no region)" : call.region;
  std::string msg;
  if (actual.empty()) {
    msg = "bucket " + bucket + " is in another region than " + signed_for +
          ", and the server did not say which; find it (aws s3api get-bucket-location) and "
          "use --region";
  } else if (actual != call.region) {
    msg = "bucket " + bucket + " is in region " + actual + ", not " + signed_for +
          "; use --region " + actual;
  } else {
    msg = "bucket " + bucket + " is in region " + actual +
          ", but the request went to another region's endpoint; use the endpoint of " + actual +
          " (check --endpoint-url)";
  }
  return Make(ErrorCode::kFailedPrecondition, call, status, msg + ServerNote(body));
}

// AccessDenied and bodyless 403s. Naming the IAM action turns "Access Denied" into a policy
// line the user can add.
Error AccessDenied(const S3Call& call, int status, const S3ErrorBody* body) {
  const std::string_view perm = PermissionFor(call.operation);
  std::string msg = "access denied: " + KeyPhrase(call) + " lack " +
                    (perm.empty() ? "permission for " + call.operation : std::string(perm)) +
                    " on " + Resource(call);
  if (call.operation == "HeadObject" && body == nullptr) {
    msg += " (S3 also answers 403 for a missing key when s3:ListBucket is not granted)";
  }
  return Make(ErrorCode::kPermissionDenied, call, status, msg + ServerNote(body));
}

Error NotFound(const S3Call& call, int status, const S3ErrorBody* body) {
  std::string msg;
  if (call.operation == "HeadBucket" || call.operation == "ListObjectsV2" ||
      call.operation == "ListMultipartUploads") {
    msg = "bucket " + BucketName(call, body) + " does not exist at this endpoint";
  } else if (call.operation == "UploadPart" || call.operation == "CompleteMultipartUpload" ||
             call.operation == "AbortMultipartUpload" || call.operation == "ListParts") {
    msg = "the multipart upload for " + Resource(call) +
          " no longer exists (aborted or completed), or the bucket does not exist";
  } else {
    msg = "no object exists at " + Resource(call) + " (or its bucket does not exist)";
  }
  return Make(ErrorCode::kNotFound, call, status, msg);
}

std::string SkewSentence(std::optional<milliseconds> skew) {
  if (!skew) {
    return "this machine's clock differs from the server's by more than the store allows "
           "(15 minutes on AWS); fix the clock (NTP)";
  }
  // skew = server - local: positive means the local clock is behind.
  return "this machine's clock is " + FormatDuration(*skew) +
         (skew->count() > 0 ? " behind" : " ahead of") + " the server's; fix the clock (NTP)";
}

// Retry-After as delta-seconds or an HTTP-date (RFC 9110); absurd values are ignored rather
// than trusted, so one bad proxy cannot park a worker for years.
std::optional<milliseconds> RetryAfter(const http::Headers& headers, system_clock::time_point now) {
  const auto h = http::FindHeader(headers, "retry-after");
  if (!h || h->empty()) return std::nullopt;
  if (std::all_of(h->begin(), h->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (h->size() > 9) return std::nullopt;  // over 30 years: not a real answer
    return milliseconds(std::strtoll(std::string(*h).c_str(), nullptr, 10) * 1000);
  }
  if (auto t = ParseS3Time(*h)) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(*t - now));
  }
  return std::nullopt;
}

// Maps an S3 <Code>; nullopt for codes this table does not know.
std::optional<Error> ByCode(const S3Call& call, int status, const S3ErrorBody& b,
                            const http::Headers& headers, system_clock::time_point now) {
  const std::string& code = b.code;
  const std::string note = ServerNote(&b);
  const std::string res = Resource(call);
  const std::string key_id = call.access_key_id.empty() ? "(none)" : call.access_key_id;
  if (code == "AccessDenied" || code == "AllAccessDisabled" || code == "AccountProblem") {
    return AccessDenied(call, status, &b);
  }
  if (code == "SignatureDoesNotMatch") {
    return Make(ErrorCode::kUnauthenticated, call, status,
                "the request signature does not match: the secret key does not belong to access "
                "key id " +
                    key_id +
                    "; check the secret, and that no proxy rewrites the request (host, path or "
                    "headers)" +
                    note);
  }
  if (code == "InvalidAccessKeyId") {
    return Make(ErrorCode::kUnauthenticated, call, status,
                "the access key id " + key_id +
                    " does not exist at this endpoint (deleted key, another account, or "
                    "credentials for a different S3 service)" +
                    note);
  }
  if (code == "ExpiredToken" || code == "TokenRefreshRequired") {
    return Make(ErrorCode::kUnauthenticated, call, status,
                "the session token of access key id " + key_id +
                    " has expired; refresh the credentials" + note);
  }
  if (code == "InvalidToken") {
    return Make(ErrorCode::kUnauthenticated, call, status,
                "the session token of access key id " + key_id +
                    " is malformed or invalid; check AWS_SESSION_TOKEN / aws_session_token" + note);
  }
  if (code == "NoSuchBucket") {
    return Make(ErrorCode::kNotFound, call, status,
                "bucket " + BucketName(call, &b) + " does not exist at this endpoint" + note);
  }
  if (code == "NoSuchKey") {
    return Make(ErrorCode::kNotFound, call, status, "no object exists at " + res + note);
  }
  if (code == "NoSuchUpload") {
    return Make(ErrorCode::kNotFound, call, status,
                "the multipart upload no longer exists (aborted or completed) for " + res + note);
  }
  // Skew is kUnavailable, not kFailedPrecondition: the client can re-sign with the server's
  // time (ClockSkew) and retry, and the message still tells the user to fix NTP.
  if (code == "RequestTimeTooSkewed") {
    return Make(ErrorCode::kUnavailable, call, status,
                SkewSentence(ClockSkew(headers, &b, now)) + note);
  }
  if (In(code, {"SlowDown", "RequestLimitExceeded", "Throttling", "ThrottlingException",
                "TooManyRequests", "TooManyRequestsException"})) {
    return Make(ErrorCode::kResourceExhausted, call, status,
                "the store is throttling requests; backing off (reduce parallelism if this "
                "persists)" +
                    note);
  }
  if (In(code, {"InternalError", "ServiceUnavailable", "OperationAborted",
                "ConditionalRequestConflict"})) {
    return Make(ErrorCode::kUnavailable, call, status,
                "the store could not complete " + call.operation + " on " + res +
                    " this time; it is safe to retry" + note);
  }
  // 400 RequestTimeout means our body stalled (idle socket), not a bad request: retry.
  if (code == "RequestTimeout") {
    return Make(ErrorCode::kUnavailable, call, status,
                "the server closed the connection because the request body stalled (idle "
                "socket) for " +
                    res + note);
  }
  if (In(code, {"BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"})) {
    return Make(ErrorCode::kDataLoss, call, status,
                "the bytes received differ from the bytes sent for " + res +
                    " (corrupted in transit, or a proxy altered the body)" + note);
  }
  if (code == "PermanentRedirect" || code == "IllegalLocationConstraintException" ||
      (code == "AuthorizationHeaderMalformed" && !b.region.empty())) {
    return RegionError(call, status, ActualRegion(headers, &b), &b);
  }
  if (code == "TemporaryRedirect") {
    const std::string actual = ActualRegion(headers, &b);
    if (!actual.empty() && actual != call.region) return RegionError(call, status, actual, &b);
    return Make(ErrorCode::kUnavailable, call, status,
                "the store temporarily redirected the request (a new bucket's DNS is still "
                "propagating); retrying" +
                    note);
  }
  if (code == "AuthorizationHeaderMalformed") {
    return Make(ErrorCode::kInternal, call, status,
                "the store could not read the Authorization header s3unload sent" + note);
  }
  if (code == "PreconditionFailed") {
    return Make(ErrorCode::kFailedPrecondition, call, status,
                "an object already exists at " + res + " and create-only was requested" + note);
  }
  if (code == "EntityTooSmall") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                "a part other than the last is smaller than the store's minimum part size (5 MiB "
                "on AWS; some stores need more); use a larger --part-size" +
                    note);
  }
  if (code == "EntityTooLarge") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                "the request body for " + res +
                    " is larger than the store accepts (5 GiB per part or PutObject on AWS); use "
                    "a smaller --part-size" +
                    note);
  }
  // Part-list problems mean our CompleteMultipartUpload body is wrong: a bug, not user input.
  if (code == "InvalidPart") {
    return Make(ErrorCode::kInternal, call, status,
                "CompleteMultipartUpload named a part the store does not have, or with another "
                "ETag, for " +
                    res + note);
  }
  if (code == "InvalidPartOrder") {
    return Make(ErrorCode::kInternal, call, status,
                "CompleteMultipartUpload listed parts out of order for " + res + note);
  }
  if (code == "MalformedXML") {
    return Make(ErrorCode::kInternal, call, status,
                "the store rejected the XML body of " + call.operation +
                    " (it may not support an element s3unload sent)" + note);
  }
  if (code == "InvalidBucketName") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                BucketName(call, &b) +
                    " is not a valid bucket name (3-63 lowercase letters, digits, dots and "
                    "hyphens)" +
                    note);
  }
  if (code == "KeyTooLongError") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                "the object key of " + res +
                    " is longer than the store allows (1024 bytes on AWS); use a shorter prefix "
                    "or file name" +
                    note);
  }
  if (code == "NotImplemented") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                "the store does not support this request (" + call.operation +
                    "); try --checksum none or disabling the option" + note);
  }
  if (code == "InvalidArgument" || code == "InvalidRequest") {
    return Make(ErrorCode::kInvalidArgument, call, status,
                "the store rejected " + call.operation + " on " + res + " as invalid" + note);
  }
  if (code == "MissingContentLength") {
    return Make(ErrorCode::kInternal, call, status,
                "the store requires a Content-Length for " + call.operation + note);
  }
  // Quota and full disks (radosgw, MinIO) do not clear by retrying within seconds.
  if (In(code,
         {"QuotaExceeded", "XMinioStorageFull", "StorageFull", "XMinioAdminBucketQuotaExceeded"})) {
    return Make(ErrorCode::kFailedPrecondition, call, status,
                "the store's quota or capacity is exhausted; free space or raise the quota" + note);
  }
  if (code == "InvalidObjectState") {
    return Make(ErrorCode::kFailedPrecondition, call, status,
                "the object at " + res + " is archived and must be restored first" + note);
  }
  return std::nullopt;
}

// Bodyless answers (HEAD) and bodies that are not S3 error XML: classify by status.
Error ByStatus(const S3Call& call, int status, std::string_view body,
               const http::Headers& headers) {
  const std::string res = Resource(call);
  const std::string detail =
      body.empty() ? " (no error details: the answer had no body)"
                   : " (the body was not an S3 error document; a proxy may have answered)";
  switch (status) {
    case 301:
    case 307:
      return RegionError(call, status, ActualRegion(headers, nullptr), nullptr);
    case 401:
      return Make(ErrorCode::kUnauthenticated, call, status,
                  "the store did not accept the credentials for " + res + detail);
    case 403:
      return AccessDenied(call, status, nullptr);
    case 404:
      return NotFound(call, status, nullptr);
    case 408:
      return Make(ErrorCode::kUnavailable, call, status,
                  "the request for " + res + " timed out at the server" + detail);
    case 412:
      return Make(ErrorCode::kFailedPrecondition, call, status,
                  "an object already exists at " + res + " and create-only was requested");
    case 429:
      return Make(ErrorCode::kResourceExhausted, call, status,
                  "the store is throttling requests (HTTP 429); backing off" + detail);
    case 501:
      return Make(ErrorCode::kInvalidArgument, call, status,
                  "the store does not support this request (" + call.operation +
                      ", HTTP 501); try --checksum none or disabling the option");
    default:
      break;
  }
  const std::string what =
      call.operation + " on " + res + " failed with HTTP " + std::to_string(status) + detail;
  if (status >= 500 && status <= 599) return Make(ErrorCode::kUnavailable, call, status, what);
  if (status >= 400 && status <= 499) {
    return Make(ErrorCode::kInvalidArgument, call, status, "the store rejected " + what);
  }
  return Make(ErrorCode::kInternal, call, status, "unexpected answer: " + what);
}

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Num(std::string_view s) {
  int v = 0;
  for (const char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<system_clock::time_point> MakeTime(int y, int mo, int d, int h, int mi, int s) {
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  // system_clock counts nanoseconds in 64 bits (years 1678..2262): stay well inside.
  if (y < 1970 || y > 2200 || !ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

std::optional<system_clock::time_point> ParseIsoBasic(std::string_view t) {
  // 20261124T100000Z
  if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return std::nullopt;
  if (!Digits(t.substr(0, 8)) || !Digits(t.substr(9, 6))) return std::nullopt;
  return MakeTime(Num(t.substr(0, 4)), Num(t.substr(4, 2)), Num(t.substr(6, 2)),
                  Num(t.substr(9, 2)), Num(t.substr(11, 2)), Num(t.substr(13, 2)));
}

std::optional<system_clock::time_point> ParseIsoExtended(std::string_view t) {
  // 2026-11-24T10:00:00[.123]Z | +hh:mm | -hh:mm
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  for (size_t i : {0, 5, 8, 11, 14, 17}) {
    if (!Digits(t.substr(i, i == 0 ? 4 : 2))) return std::nullopt;
  }
  auto tp = MakeTime(Num(t.substr(0, 4)), Num(t.substr(5, 2)), Num(t.substr(8, 2)),
                     Num(t.substr(11, 2)), Num(t.substr(14, 2)), Num(t.substr(17, 2)));
  if (!tp) return std::nullopt;
  std::string_view rest = t.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    int ms = 0;
    int scale = 100;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      ms += (rest[n] - '0') * scale;
      scale /= 10;
      ++n;
    }
    if (n == 1) return std::nullopt;
    *tp += milliseconds(ms);
    rest = rest.substr(n);
  }
  if (rest == "Z" || rest == "z") return tp;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
      Digits(rest.substr(1, 2)) && Digits(rest.substr(4, 2))) {
    const auto offset =
        std::chrono::hours(Num(rest.substr(1, 2))) + std::chrono::minutes(Num(rest.substr(4, 2)));
    return rest[0] == '+' ? *tp - offset : *tp + offset;
  }
  return std::nullopt;
}

std::optional<system_clock::time_point> ParseRfc1123(std::string_view t) {
  // Tue, 24 Nov 2026 10:00:00 GMT (the weekday is not checked)
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const size_t comma = t.find(", ");
  if (comma != std::string_view::npos) t = t.substr(comma + 2);
  // 24 Nov 2026 10:00:00 GMT
  if (t.size() != 24 || t[2] != ' ' || t[6] != ' ' || t[11] != ' ' || t[14] != ':' ||
      t[17] != ':' || t.substr(20) != " GMT") {
    return std::nullopt;
  }
  if (!Digits(t.substr(0, 2)) || !Digits(t.substr(7, 4)) || !Digits(t.substr(12, 2)) ||
      !Digits(t.substr(15, 2)) || !Digits(t.substr(18, 2))) {
    return std::nullopt;
  }
  const auto it = std::find(kMonths.begin(), kMonths.end(), t.substr(3, 3));
  if (it == kMonths.end()) return std::nullopt;
  return MakeTime(Num(t.substr(7, 4)), static_cast<int>(it - kMonths.begin()) + 1,
                  Num(t.substr(0, 2)), Num(t.substr(12, 2)), Num(t.substr(15, 2)),
                  Num(t.substr(18, 2)));
}

}  // namespace

std::string_view PermissionFor(std::string_view operation) {
  if (In(operation, {"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
                     "CopyObject", "UploadPartCopy"})) {
    return "s3:PutObject";
  }
  if (operation == "AbortMultipartUpload") return "s3:AbortMultipartUpload";
  if (operation == "ListMultipartUploads") return "s3:ListBucketMultipartUploads";
  if (operation == "ListParts") return "s3:ListMultipartUploadParts";
  if (operation == "HeadObject" || operation == "GetObject") return "s3:GetObject";
  if (operation == "DeleteObject" || operation == "DeleteObjects") return "s3:DeleteObject";
  if (operation == "ListObjectsV2" || operation == "ListObjects" || operation == "HeadBucket") {
    return "s3:ListBucket";
  }
  if (operation == "GetBucketLocation") return "s3:GetBucketLocation";
  return "";
}

Error MapS3Error(const S3Call& call, int http_status, const http::Headers& headers,
                 std::string_view body, system_clock::time_point now) {
  const std::optional<S3ErrorBody> parsed = ParseErrorXml(body);
  const S3ErrorBody* b = parsed ? &*parsed : nullptr;
  Error e = [&]() -> Error {
    // The region rules first: a wrong region makes S3 reject a request in many ways.
    const std::string actual = ActualRegion(headers, b);
    if ((http_status == 301 || http_status == 307 || http_status == 400) && !actual.empty() &&
        !call.region.empty() && actual != call.region) {
      return RegionError(call, http_status, actual, b);
    }
    // AWS documents every 503 (SlowDown, ServiceUnavailable) as "reduce your request rate".
    if (http_status == 503 && (b == nullptr || b->code != "RequestTimeTooSkewed")) {
      return Make(ErrorCode::kResourceExhausted, call, http_status,
                  "the store is overloaded or throttling requests (HTTP 503); backing off "
                  "(reduce parallelism if this persists)" +
                      ServerNote(b));
    }
    // Unknown codes keep the server's words and follow the status class.
    if (b != nullptr) {
      if (auto mapped = ByCode(call, http_status, *b, headers, now)) return *std::move(mapped);
      const std::string what = call.operation + " on " + Resource(call) + " failed with HTTP " +
                               std::to_string(http_status) + ServerNote(b);
      if (http_status >= 500 && http_status <= 599) {
        return Make(ErrorCode::kUnavailable, call, http_status, what);
      }
      if (http_status >= 400 && http_status <= 499) {
        return Make(ErrorCode::kInvalidArgument, call, http_status, "the store rejected " + what);
      }
      return Make(ErrorCode::kInternal, call, http_status, "unexpected answer: " + what);
    }
    return ByStatus(call, http_status, body, headers);
  }();
  e.retry_after = RetryAfter(headers, now);
  return e;
}

std::optional<milliseconds> ClockSkew(const http::Headers& headers, const S3ErrorBody* body,
                                      system_clock::time_point now) {
  // <RequestTime> is the X-Amz-Date we signed with, so ServerTime - RequestTime is exact up
  // to network latency; the Date header (1 s resolution) is the fallback.
  if (body != nullptr) {
    const auto server = body->fields.find("ServerTime");
    const auto request = body->fields.find("RequestTime");
    if (server != body->fields.end() && request != body->fields.end()) {
      const auto s = ParseS3Time(server->second);
      const auto r = ParseS3Time(request->second);
      if (s && r) return std::chrono::duration_cast<milliseconds>(*s - *r);
    }
  }
  if (const auto date = http::FindHeader(headers, "date")) {
    if (const auto s = ParseS3Time(*date)) {
      return std::chrono::duration_cast<milliseconds>(*s - now);
    }
  }
  return std::nullopt;
}

std::optional<system_clock::time_point> ParseS3Time(std::string_view text) {
  if (auto t = ParseIsoBasic(text)) return t;
  if (auto t = ParseIsoExtended(text)) return t;
  return ParseRfc1123(text);
}

}  // namespace s3u::s3
