// The one place where an S3 answer becomes an Error. Every non-2xx response (and every 2xx
// carrying an <Error> body) goes through MapS3Error, which picks the code (and so the retry
// behaviour, see core/error.h) from the S3 <Code>, falling back to the HTTP status for
// bodyless answers (HEAD) and for bodies that are not S3 XML (a proxy's HTML page).
//
// Messages say what to do and name the resource, permission, bucket or region involved.
// They never contain the secret key, the StringToSign or a signature; the server's own
// <Message> is appended (sanitised, truncated) for diagnosis, with its request id.
//
// Thread-safety: all functions are pure and reentrant.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/http.h"
#include "s3/xml.h"

namespace s3u::s3 {

// What was attempted, for the message. All fields may be empty.
struct S3Call {
  std::string operation;  // "PutObject", "UploadPart", "HeadBucket", ...
  std::string resource;   // "s3://bucket/key" or "s3://bucket/key part 7"; the Error's subject
  std::string bucket;
  std::string region;         // the region the request was signed for
  std::string access_key_id;  // shown in auth errors (it is an identifier, not a secret)
};

// Classifies one S3 answer. `now` is the local time when the answer arrived (used for
// clock skew against the Date header and for an HTTP-date Retry-After).
Error MapS3Error(const S3Call& call, int http_status, const http::Headers& headers,
                 std::string_view body, std::chrono::system_clock::time_point now);

// The IAM action an operation needs ("s3:PutObject" for UploadPart, ...); empty when unknown.
std::string_view PermissionFor(std::string_view operation);

// Server time minus local time, so a client can correct its signing clock and retry:
// from <ServerTime> - <RequestTime> in `body` when both parse (RequestTime is our own
// signing time echoed back), else from the Date header - `now`. nullopt when neither is
// available. Positive means the server is ahead (this machine's clock is slow).
std::optional<std::chrono::milliseconds> ClockSkew(const http::Headers& headers,
                                                   const S3ErrorBody* body,
                                                   std::chrono::system_clock::time_point now);

// Parses the timestamps S3 uses: ISO 8601 extended ("2026-11-24T10:00:00Z", optional
// fraction, "Z" or "+00:00"), ISO 8601 basic as in X-Amz-Date ("20261124T100000Z") and
// RFC 1123 ("Tue, 24 Nov 2026 10:00:00 GMT"). nullopt on anything else, and for years
// outside 1970..2200 (system_clock's nanosecond range ends in 2262).
std::optional<std::chrono::system_clock::time_point> ParseS3Time(std::string_view text);

}  // namespace s3u::s3
