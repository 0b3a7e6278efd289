// How a run stands: the one vocabulary the engine reports, the store keeps, the metrics row
// and the API show. Typed everywhere; the text form exists only at the edges (storage, JSON,
// the writeback dataset).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string_view>

#include "core/error.h"

namespace s3u {

enum class RunStatus { kRunning, kSucceeded, kFailed, kCancelled };

// "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED".
std::string_view RunStatusName(RunStatus status);

// The inverse of RunStatusName (upper case, exact). kInvalidArgument naming `subject` otherwise.
Result<RunStatus> ParseRunStatus(std::string_view text, std::string_view subject);

// How a run that did not succeed ended: CANCELLED when `error` is the cancellation (Ctrl-C,
// SIGTERM, the service's Cancel), FAILED otherwise.
RunStatus StatusOfFailure(const Error& error);

}  // namespace s3u
