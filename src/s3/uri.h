// S3 addressing: parsing s3:// URLs, validating bucket names, keys and regions, choosing the
// endpoint and addressing style, and building the URL, Host and encoded path of a request.
//
// All functions are pure and thread-safe. Errors are kInvalidArgument with a subject naming
// the field ("bucket", "key", "--region", "--endpoint-url" or the caller's subject) and a
// message saying what is accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "s3/sigv4.h"

namespace s3u::s3 {

struct S3Location {
  std::string bucket;
  std::string key;  // may be empty (the whole bucket) or a prefix
};

// Parses "s3://bucket/key/with/slashes". Everything after the first '/' is the key, taken
// literally ('?', '#', '%' and "//" are part of it; no percent-decoding). "s3://bucket" and
// "s3://bucket/" give an empty key. The bucket is checked with ValidateBucketName and a
// non-empty key with ValidateKey. Errors carry `subject` (e.g. "destination").
Result<S3Location> ParseS3Url(std::string_view url, std::string_view subject);

// AWS general-purpose bucket naming rules: 3-63 characters of a-z 0-9 '.' '-', beginning and
// ending with a letter or digit, no "..", not an IPv4 address, none of the reserved prefixes
// ("xn--", "sthree-", "amzn-s3-demo-") or suffixes ("-s3alias", "--ol-s3", ".mrap", "--x-s3",
// "--table-s3"). Each failure has its own message. Subject "bucket".
Result<void> ValidateBucketName(std::string_view bucket);

// Object keys: non-empty, at most 1024 bytes, and characters ValidateKeyCharacters accepts.
// Subject "key".
Result<void> ValidateKey(std::string_view key);

// What s3unload lets into a key. Refused, because a key holding them breaks log lines,
// listings and terminals or shows other text than it holds: invalid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included), the C0 controls U+0000-U+001F (NUL, tab,
// CR, LF), DEL U+007F, the C1 controls U+0080-U+009F, the bidirectional embeddings, overrides
// and isolates U+202A-U+202E and U+2066-U+2069, and the line and paragraph separators U+2028
// and U+2029. Everything else is kept byte for byte: "..", ".", "//", "%2F", "?", "#", "+",
// spaces, and Unicode in whichever normalisation form it was given (NFC and NFD differ).
// `text` is a key, a prefix or a key template. Errors are kInvalidArgument with `subject`,
// naming the character as U+XXXX and its position (1-based, in characters).
Result<void> ValidateKeyCharacters(std::string_view text, std::string_view subject);

// Region names such as "us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", and the
// single words some S3-compatible stores use ("auto", "garage"): 1-63 characters of a-z 0-9
// '-', starting with a letter, ending with a letter or digit, no "--". Subject "--region".
Result<void> ValidateRegion(std::string_view region);

// An http(s) URL that requests may be sent to (an S3 endpoint, a Domo API or instance URL):
// what ResolveEndpoint accepts for endpoint_url (http or https, a host of letters, digits,
// '-', '.', '_' or an IPv6 literal, a port 1-65535, a percent-encoded path; no user info,
// query, fragment, spaces or control characters), and in the path no encoded NUL ('%00') and
// no '.' or '..' segment (URL libraries remove them, so the address used would not be the one
// saved). Errors are kInvalidArgument with `subject`.
Result<void> ValidateHttpUrl(std::string_view url, std::string_view subject);

// Where requests go.
struct Endpoint {
  std::string scheme;     // "https" or "http"
  std::string host;       // host[:port] of the service, no bucket; default ports omitted
  std::string base_path;  // encoded path prefix of a custom endpoint ("/s3"), usually ""
  bool path_style = false;
};

// AWS (no endpoint_url): https://s3.<region>.amazonaws.com (".com.cn" for cn-* regions),
// us-east-1 included. Virtual-hosted unless force_path_style, or the bucket name has a dot:
// the *.s3.<region>.amazonaws.com wildcard certificate does not match "a.b.s3...".
// Custom endpoint_url ("http://127.0.0.1:9000", optionally with a path): path style unless
// virtual_hosted_custom (custom stores rarely have wildcard DNS); force_path_style and a dotted
// bucket over https still win. Errors: invalid region (subject "--region"), invalid
// endpoint_url (subject "--endpoint-url"): scheme other than http/https, user info, query,
// fragment, empty host, bad port, spaces or control characters.
Result<Endpoint> ResolveEndpoint(std::string_view region,
                                 const std::optional<std::string>& endpoint_url,
                                 bool force_path_style, bool bucket_has_dot,
                                 bool virtual_hosted_custom = false);

// One request's address. `host` is the Host header value (and what is signed); `encoded_path`
// is the CanonicalInput path; `url` is scheme://host + encoded_path [+ "?" + encoded query].
struct Target {
  std::string url;
  std::string host;
  std::string encoded_path;
};

// Addresses `bucket` ("" for service-level calls) and `key` ("" for bucket-level calls) at
// `ep`. Virtual-hosted: host "<bucket>.<ep.host>", path "<base>/<key>"; path style: host
// ep.host, path "<base>/<bucket>[/<key>]". The query (DECODED pairs) is rendered with
// CanonicalQueryString so the URL and the signature agree (an empty value gives "uploads=").
// REQUIRES: bucket and key were validated.
Target BuildTarget(const Endpoint& ep, std::string_view bucket, std::string_view key,
                   const NameValueList& query);

}  // namespace s3u::s3
