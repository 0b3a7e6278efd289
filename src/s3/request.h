// Building an S3 request is separate from sending it: BuildSignedRequest turns an operation
// (method, bucket, key, query, headers, body) into the exact HTTP request to send, signed
// with SigV4, without any I/O. Tests check it offline; S3Client sends what it returns.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http.h"
#include "s3/sigv4.h"
#include "s3/uri.h"

namespace s3u::s3 {

struct S3Request {
  std::string operation;  // "PutObject", ...: names the permission in error messages
  std::string method;
  std::string bucket;                                      // empty for service-level calls
  std::string key;                                         // empty for bucket-level calls
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  http::Headers headers;  // operation headers (Content-Type, checksums, If-None-Match, ...)
  std::string_view body;  // not owned; must outlive the built request
};

struct SigningContext {
  Endpoint endpoint;
  std::string region;
  Credentials credentials;
  std::chrono::system_clock::time_point now;  // already corrected for known clock skew
  bool sign_payload = true;                   // false: x-amz-content-sha256 is UNSIGNED-PAYLOAD
};

// The resource name used in messages: "s3://bucket/key", "s3://bucket" or "s3://".
std::string ResourceName(std::string_view bucket, std::string_view key);

// Pure. Returns the request with URL, Host-derived signature, x-amz-date,
// x-amz-content-sha256, x-amz-security-token (when the credentials carry one) and
// Authorization. `req.body` is referenced, not copied.
http::Request BuildSignedRequest(const S3Request& req, const SigningContext& ctx);

}  // namespace s3u::s3
