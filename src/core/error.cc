#include "core/error.h"

namespace s3u {

std::string_view CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kAborted:
      return "aborted";
    case ErrorCode::kDataLoss:
      return "data_loss";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kInternal:
    default:
      return "internal";
  }
}

std::string Error::ToString() const {
  if (subject.empty()) return message;
  return subject + ": " + message;
}

int ExitCodeFor(ErrorCode code) {
  // 1 is left for "unexpected"; the rest group what a script can act on.
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return 3;
    case ErrorCode::kNotFound:
      return 4;
    case ErrorCode::kFailedPrecondition:
      return 5;
    case ErrorCode::kUnavailable:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kAborted:
      return 6;
    case ErrorCode::kDataLoss:
      return 7;
    case ErrorCode::kCancelled:
      return 130;
    case ErrorCode::kInternal:
    default:
      return 1;
  }
}

Error JoinFieldErrors(const FieldErrors& errors, std::string_view what) {
  std::string message;
  for (const FieldError& e : errors) {
    if (!message.empty()) message += "\n";
    message += e.field + ": " + e.message;
  }
  if (errors.size() > 1) {
    message = std::to_string(errors.size()) + " problems in " + std::string(what) + ":\n" + message;
  }
  return Error{ErrorCode::kInvalidArgument, errors.front().field, message, 0, {}};
}

}  // namespace s3u
