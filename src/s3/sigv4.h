// AWS Signature Version 4 for S3: canonical request, string to sign, signing key and the
// Authorization header value (header-based signing, single-chunk payload).
//
// Everything here is pure: time is passed in, nothing is read from the environment, nothing is
// logged. Functions are thread-safe (no shared state). Secrets (secret_access_key,
// session_token, signing keys) are inputs or return values only; callers must not log them.
//
// S3 differs from the generic SigV4 suite in one way that matters: paths are NOT normalised
// ("a//b" and "./" are signed as they are) and each path segment is encoded exactly once.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3u::s3 {

// Static or temporary AWS credentials. Used by every signer and credential provider.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                                        // empty when none
  std::optional<std::chrono::system_clock::time_point> expiration;  // absent for static keys
};

// Ordered name/value pairs. Order is kept where it matters (duplicate header values).
using NameValueList = std::vector<std::pair<std::string, std::string>>;

// What a canonical request is built from. Plain value; the signer fills in the x-amz-* headers.
struct CanonicalInput {
  std::string method;        // "GET", "PUT", ...
  std::string encoded_path;  // already encoded with UriEncodePath, e.g. "/bucket/my%20key"
  NameValueList query;       // DECODED names/values; encoded when canonicalised
  NameValueList headers;     // any case; must include "host"
  std::string payload_hash;  // lowercase hex sha256 of the body, or kUnsignedPayload
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Lowercase hex SHA-256 of the empty string.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// AWS UriEncode: A-Z a-z 0-9 - . _ ~ are kept, every other byte becomes %XX (uppercase hex);
// a space is %20 (never '+'); UTF-8 sequences are encoded byte by byte. '/' is kept unless
// `encode_slash` (object keys keep it, query names and values do not).
std::string UriEncode(std::string_view s, bool encode_slash);

// Encodes a path (e.g. "/bucket/key") for the request line and the canonical request. Slashes
// are kept and nothing is normalised: "a//b", "./" and "../" are sent as they are.
std::string UriEncodePath(std::string_view key_path);

// "a=1&b=&c=x%2Fy": names and values encoded with UriEncode(.., true), sorted by encoded name
// then encoded value; an empty value renders as "name=". Also used for the URL query so that
// the request sent and the request signed cannot disagree.
std::string CanonicalQueryString(const NameValueList& query);

// "name:value\n" per distinct header: names lowercased, values trimmed with inner runs of
// spaces/tabs collapsed to one space, sorted by name; repeated names are joined with ','
// in the order given.
std::string CanonicalHeaders(const NameValueList& headers);

// "host;range;x-amz-date": the sorted distinct lowercase header names.
std::string SignedHeaderList(const NameValueList& headers);

// method \n path \n query \n headers \n signed-headers \n payload-hash. Signs every header of
// `in.headers`. REQUIRES: in.encoded_path is non-empty and encoded; "host" is present.
std::string CanonicalRequest(const CanonicalInput& in);

// "20130524T000000Z" (UTC, ISO 8601 basic) and "20130524" (the credential-scope date).
std::string AmzDate(std::chrono::system_clock::time_point t);
std::string DateStamp(std::chrono::system_clock::time_point t);

// "AWS4-HMAC-SHA256\n<AmzDate>\n<yyyymmdd>/<region>/<service>/aws4_request\n<hex sha256>".
std::string StringToSign(std::string_view canonical_request,
                         std::chrono::system_clock::time_point t, std::string_view region,
                         std::string_view service);

// Digest helpers (OpenSSL). Sha256Hex returns lowercase hex; HmacSha256 the raw 32 bytes.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);  // lowercase

// kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request".
// Returns the raw 32-byte key (a secret: never log it). Cacheable per day/region/service.
std::string SigningKey(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                       std::string_view service);

// Signs `in` at `now` and returns the complete Authorization header value:
// "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=...,
// Signature=...". First sets (replacing any value already there, whatever its case)
// x-amz-date, x-amz-content-sha256 (= in.payload_hash) and, when creds carry a session token,
// x-amz-security-token; a stale x-amz-security-token and any Authorization header are removed,
// so signing the same input again (a retry) is safe. Every remaining header is signed.
// REQUIRES: "host" is in in.headers; in.payload_hash is set.
std::string SignV4(CanonicalInput& in, const Credentials& creds, std::string_view region,
                   std::string_view service, std::chrono::system_clock::time_point now);

}  // namespace s3u::s3
