// The one error convention of s3unload: every fallible function returns Result<T>, an
// expected value or an Error. An Error says what went wrong (a code with retry semantics),
// what it concerns (the subject: a field such as "--part-size" or a resource such as
// "s3://b/k part 7"), and a message a user can act on. Messages never carry secrets.
//
// Codes follow abseil's canonical set. Retry semantics are a pure function of the code
// (http/retry.h): kUnavailable and kResourceExhausted retry the call, kAborted restarts the
// higher-level operation, kUnauthenticated gets one credential refresh, everything else is final.
//
// Thread-safety: Error is a plain value; copies may be used from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

namespace s3u {

enum class ErrorCode {
  kInvalidArgument,     // bad input: a flag, a field, a name. Never retried.
  kNotFound,            // bucket, key, upload, dataset does not exist.
  kPermissionDenied,    // authenticated, but not allowed (AccessDenied).
  kUnauthenticated,     // credentials missing, wrong or expired.
  kFailedPrecondition,  // state must be fixed first (ownership rule, 412, wrong region).
  kUnavailable,         // transient: 5xx, reset, timeout, clock skew. Retry the call.
  kResourceExhausted,   // throttled (429, SlowDown). Retry after a pause.
  kAborted,             // retry at a higher level (restart the upload).
  kDataLoss,            // integrity check failed (digest mismatch).
  kCancelled,           // the user or the service cancelled the operation.
  kInternal,            // a bug or an answer we cannot interpret.
};

// Stable lower-case name ("invalid_argument"), used in JSON output and logs.
std::string_view CodeName(ErrorCode code);

struct [[nodiscard]] Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string subject;  // field or resource the error concerns; may be empty
  std::string message;  // what was wrong and what is accepted; never a secret
  int http_status = 0;  // 0 when no HTTP exchange was involved
  std::optional<std::chrono::milliseconds> retry_after;  // server-requested pause

  // "subject: message" (or just the message when there is no subject).
  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for building the unexpected side: `return Fail(ErrorCode::kNotFound, "s3://b", "...")`.
inline tl::unexpected<Error> Fail(ErrorCode code, std::string subject, std::string message,
                                  int http_status = 0) {
  return tl::unexpected<Error>(
      Error{code, std::move(subject), std::move(message), http_status, {}});
}
inline tl::unexpected<Error> Fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

// One problem with one field of a form, file or request body: what the service's API returns
// in a 400 and the web page shows beside the field. `field` is the dotted name the user wrote
// ("details.path", "schedule.time"); `message` says what was wrong and what is accepted.
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// Validation that reports every problem at once: the value, or all the field errors.
template <typename T>
using Checked = tl::expected<T, FieldErrors>;

// One kInvalidArgument listing every problem ("field: message" per line, after a count when
// there are several); its subject is the first field. REQUIRES: !errors.empty().
Error JoinFieldErrors(const FieldErrors& errors, std::string_view what);

// Process exit code for an error, documented in README ("Exit codes").
int ExitCodeFor(ErrorCode code);

}  // namespace s3u
