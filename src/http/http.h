// HTTP as values and one interface. A Request is built separately from being sent, so every
// protocol decision (URL, headers, signature) is testable offline; HttpClient performs one
// exchange. Bodies stream in both directions so memory does not grow with object size.
//
// Thread-safety: Request/Response are plain values. HttpClient implementations must allow
// concurrent Send calls from several threads (upload workers).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace s3u::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Text a server sent (an error message, a code, a request id) made safe for messages and
// logs: control characters become single spaces, and it is cut at `max` bytes with "...".
std::string SanitizeServerText(std::string_view text, size_t max = 300);

// Case-insensitive header lookup; the first match wins.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

// Pull-style request body: fill up to `capacity` bytes of `buffer`, return how many were
// written, 0 at the end of the body. An Error aborts the transfer and is returned by Send.
using BodyReader = std::function<Result<size_t>(char* buffer, size_t capacity)>;
// Push-style response body for 2xx answers: return false to abort the transfer.
using BodySink = std::function<bool(std::string_view chunk)>;

struct Request {
  std::string method = "GET";
  std::string url;  // absolute, already percent-encoded
  Headers headers;  // sent as given (Host is derived from the URL by the client)
  // Body, used when `reader` is empty. Not owned: must outlive Send.
  std::string_view body;
  // Streaming body; requires `content_length` (S3 refuses chunked uploads without it).
  BodyReader reader;
  std::optional<uint64_t> content_length;
  // When set, a 2xx response body goes here instead of Response::body.
  BodySink sink;
  // Whole-exchange limit (connect included), for endpoints that must answer at once or be
  // given up on (instance metadata); kUnavailable when exceeded. Unset: no overall limit.
  std::optional<std::chrono::milliseconds> timeout;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;  // whole body, or for a sunk 2xx answer empty; error bodies always here

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Performs one exchange. Any HTTP status is a successful Result: classifying 4xx/5xx is
  // the protocol layer's job. Transport failures are Errors with codes:
  //   kUnavailable   connect refused, reset, timeout, stalled transfer, DNS failure
  //   kFailedPrecondition  TLS certificate problems (retrying cannot fix them)
  //   kInvalidArgument     malformed URL
  //   kCancelled     the body reader or sink aborted (the reader's own Error is returned)
  virtual Result<Response> Send(const Request& request) = 0;
};

}  // namespace s3u::http
