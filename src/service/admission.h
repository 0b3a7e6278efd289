// What the service decides about a request from its head alone, before it reads any of the
// body: the bearer token, the body's size (sized or chunked), its content type and whether the
// method takes a body at all. Pure: the HTTP layer (api.cc) gathers the values, calls Admit in
// its pre-routing hook and, on an error, answers without reading the body and closes the
// connection (docs/api.md, "Limits").
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace s3u::service {

// The largest request body any route accepts. The largest real body (a connector form) is a
// few KiB; 1 MiB leaves room for long descriptions without letting one client fill memory.
inline constexpr uint64_t kMaxBodyBytes = 1 << 20;

struct RequestHead {
  std::string_view method;
  std::string_view path;
  std::string_view authorization;          // the Authorization header, "" when absent
  std::optional<uint64_t> content_length;  // nullopt: no (or an unreadable) Content-Length
  bool has_content_length_header = false;  // set even when the value was unreadable
  bool chunked = false;                    // Transfer-Encoding names chunked
  std::string_view content_type;           // "" when absent
};

// The token of an Authorization header, "" unless it is "Bearer <token>". The scheme is
// compared without regard to case (RFC 6750 via RFC 7235: auth-scheme is case-insensitive),
// and one or more spaces may follow it.
std::string_view BearerToken(std::string_view authorization);

// Whether `path` needs the API token: every /api/ route but the health check, and /metrics
// (connector names and run counts are the operator's business; Prometheus sends the token
// from a file, docs/operations.md).
bool NeedsToken(std::string_view path);

// Checks the head of a request. `token_matches` says whether a token is the service's.
// Returns the error to answer with (its http_status set), or nullopt to go on and read the
// body. In this order:
//   401 kUnauthenticated: no or not the right token on a route that needs one;
//   400 kInvalidArgument: a body on a method other than POST/PUT, or an unreadable length;
//   413 kResourceExhausted: a Content-Length over kMaxBodyBytes;
//   415 kInvalidArgument: a body whose Content-Type is not application/json.
// A chunked body's size is not known here: the reader stops it at the same cap (BodyTooLarge).
std::optional<Error> Admit(const RequestHead& head,
                           const std::function<bool(std::string_view token)>& token_matches);

// The 413 error for a body over kMaxBodyBytes; names the limit.
Error BodyTooLarge();

}  // namespace s3u::service
